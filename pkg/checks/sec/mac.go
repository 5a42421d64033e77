package sec

import (
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// noParams is the parameter struct of the check types that take none.
type noParams struct{}

// MAC is the check type "sec-mac": mandatory access control and security
// labels — SELinux enforcing, AppArmor with profiles, or Kylin KYSEC.
func MAC() inspect.Check {
	return kind[noParams]{
		typ:   "sec-mac",
		rules: []string{"ac-mac"},
		body: func(*noParams) (string, error) {
			return `hf /etc/selinux/config /etc/kysec/kysec.conf 2>/dev/null | grep -v '^@@ABSENT'
[ -r /sys/fs/selinux/enforce ] && echo "@@V SELINUX $(cat /sys/fs/selinux/enforce)"
[ -r /sys/module/apparmor/parameters/enabled ] && echo "@@V APPARMOR $(cat /sys/module/apparmor/parameters/enabled)"
[ -r /sys/kernel/security/apparmor/profiles ] && echo "@@V AAPROFILES $(wc -l < /sys/kernel/security/apparmor/profiles)"
[ -r /sys/kernel/security/kysec/state ] && echo "@@V KYSEC $(head -c 64 /sys/kernel/security/kysec/state | tr -cd 'A-Za-z0-9 _-')"
`, nil
		},
		eval: func(c *ctx, _ *noParams) []result.Result { return []result.Result{c.mac()} },
	}
}

func val(s *snap, k string) (string, bool) {
	if v := s.Vals[k]; len(v) > 0 {
		return strings.TrimSpace(v[0]), true
	}
	return "", false
}

func (c *ctx) mac() result.Result {
	f := c.rule("ac-mac")
	f.file("/etc/selinux/config", func(t string) bool { return strings.HasPrefix(t, "SELINUX") })
	se, haveSE := val(c.s, "SELINUX")
	aa, haveAA := val(c.s, "APPARMOR")
	profiles, haveProfiles := val(c.s, "AAPROFILES")
	ky, haveKY := val(c.s, "KYSEC")
	if haveSE {
		f.text("/sys/fs/selinux/enforce: " + se)
	}
	if haveAA {
		f.text("/sys/module/apparmor/parameters/enabled: " + aa)
	}
	if haveProfiles {
		f.text("/sys/kernel/security/apparmor/profiles: " + profiles + " profiles")
	}
	if haveKY {
		f.text("/sys/kernel/security/kysec/state: " + ky)
	}
	n, _ := strconv.Atoi(profiles)
	kyOn := haveKY && ky != "" && ky != "0" && !strings.Contains(strings.ToLower(ky), "disable")
	switch {
	case se == "1":
		return f.note("sec.mac.selinux").done()
	case kyOn:
		return f.note("sec.mac.kysec", ky).done()
	case aa == "Y" && n > 0:
		return f.note("sec.mac.apparmor", n).done()
	case aa == "Y" && !haveProfiles:
		return f.bad(result.Warn, "sec.mac.apparmor_unknown").done()
	case se == "0":
		return f.bad(result.Warn, "sec.mac.permissive").done()
	}
	return f.bad(result.Crit, "sec.mac.none").done()
}
