package sec

import (
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// Trust is the check type "sec-trust": trusted verification (可信验证) — a
// TPM/TCM and IMA measurement are the evidence; AIDE alone is partial;
// commodity VMs without either are 不符合, a common and accepted gap.
func Trust() inspect.Check {
	return kind[noParams]{
		typ:   "sec-trust",
		rules: []string{"tv-trusted-verification"},
		body: func(*noParams) (string, error) {
			return `for d in /dev/tpm0 /dev/tpmrm0 /dev/tcm0 /dev/tcmrm0; do [ -e "$d" ] && echo "@@V TPM $d"; done
hc cmdline cat /proc/cmdline
[ -r /sys/kernel/security/ima/runtime_measurements_count ] && echo "@@V IMA $(cat /sys/kernel/security/ima/runtime_measurements_count)"
p=$(command -v aide 2>/dev/null) && echo "@@V AIDE $p"
for f in /var/lib/aide/aide.db.gz /var/lib/aide/aide.db; do [ -e "$f" ] && echo "@@V AIDEDB $f"; done
`, nil
		},
		eval: func(c *ctx, _ *noParams) []result.Result {
			f := c.rule("tv-trusted-verification")
			tpm := c.s.Vals["TPM"]
			for _, d := range tpm {
				f.text(d + ": present")
			}
			ima := false
			if n, ok := val(c.s, "IMA"); ok {
				f.text("/sys/kernel/security/ima/runtime_measurements_count: " + n)
				ima = n != "" && n != "0" && n != "1"
			}
			f.cmd("cmdline", "cat /proc/cmdline", func(t string) bool { return strings.Contains(t, "ima") })
			if cl, ok := c.s.cmd("cmdline"); ok {
				for _, l := range cl.Lines {
					if strings.Contains(l, "ima_policy=") || strings.Contains(l, "ima_appraise=") {
						ima = true
					}
				}
			}
			aide, _ := val(c.s, "AIDE")
			aideDB := c.s.Vals["AIDEDB"]
			if aide != "" {
				f.text("$ command -v aide: " + aide)
			}
			for _, d := range aideDB {
				f.text(d + ": present")
			}
			switch {
			case len(tpm) > 0 && ima:
				f.note("sec.trust.ok")
			case len(tpm) > 0 || ima:
				f.bad(result.Warn, "sec.trust.half")
			case aide != "" && len(aideDB) > 0:
				f.bad(result.Warn, "sec.trust.aide")
			default:
				f.bad(result.Crit, "sec.trust.none")
			}
			return []result.Result{f.done()}
		},
	}
}
