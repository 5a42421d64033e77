package os

import (
	"context"
	"strings"
	"unicode"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// rebootRequiredCheck reports whether the host waits for a reboot (type
// "reboot-required"): updates were installed that only take effect after
// one, so the host runs old, possibly vulnerable code. Signs, any of which
// makes the result WARN:
//
//   - /var/run/reboot-required exists (Debian, Ubuntu; with the packages
//     that asked for it);
//   - a newer kernel of the same flavour is installed in /boot than the one
//     running (every distribution; versions compared the way rpm does);
//   - with parameter needs_restarting: true, `needs-restarting -r` (yum-utils
//     on RHEL, CentOS, Kylin, UOS) says so. It is off by default because it
//     is a Python program that costs the host far more than the rest of the
//     daily inspection together.
type rebootRequiredCheck struct{}

// rebootParams are the parameters of reboot-required, decoded once when
// the playbook is loaded.
type rebootParams struct {
	NeedsRestarting bool `param:"needs_restarting"` // also ask needs-restarting -r
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (rebootRequiredCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[rebootParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (rebootRequiredCheck) Validate(spec *inspect.Spec) error { return osValidate[rebootParams](spec) }

// Script returns the collector (read builtin and a glob; needs-restarting
// only when asked).
func (rebootRequiredCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	p, err := inspect.ParamsOf[rebootParams](spec)
	if err != nil {
		return "", err
	}
	nr := p.NeedsRestarting
	s := `if [ -e /var/run/reboot-required ]; then
  echo "@@REQUIRED"
  if [ -r /var/run/reboot-required.pkgs ]; then while IFS= read -r l; do echo "$l"; done < /var/run/reboot-required.pkgs; fi
fi
read -r k < /proc/sys/kernel/osrelease && echo "@@RUNNING $k"
for f in /boot/vmlinuz-* /boot/Image-*; do [ -e "$f" ] && echo "@@KERNEL ${f#/boot/*-}"; done`
	if nr {
		s += `
if command -v needs-restarting >/dev/null 2>&1; then echo "@@NEEDSRESTARTING"; needs-restarting -r 2>&1; echo "@@RC $?"; fi`
	}
	return s + "\nexit 0", nil
}

// kernelFlavor is the part of a kernel release that names its build
// variant rather than its version: "amd64" and "cloud-amd64" (Debian),
// "generic" (Ubuntu), "default" (SUSE), or the architecture of RPM kernels
// ("3.10.0-1062.el7.x86_64" is "x86_64"). Only kernels of the running
// flavour are compared.
func kernelFlavor(k string) string {
	parts := strings.Split(k, "-")
	i := len(parts)
	for i > 1 && parts[i-1] != "" && unicode.IsLetter(rune(parts[i-1][0])) {
		i--
	}
	if i < len(parts) {
		return strings.Join(parts[i:], "-")
	}
	if j := strings.LastIndex(k, "."); j >= 0 {
		return k[j+1:]
	}
	return ""
}

// osVerCmp compares two version strings like rpmvercmp: runs of digits
// compare as numbers, runs of letters as text, a digit run beats a letter
// run, other characters only separate. It returns -1, 0 or 1.
func osVerCmp(a, b string) int {
	for {
		a = strings.TrimLeftFunc(a, func(r rune) bool { return !isAlnum(r) })
		b = strings.TrimLeftFunc(b, func(r rune) bool { return !isAlnum(r) })
		if a == "" || b == "" {
			switch {
			case a == "" && b == "":
				return 0
			case a == "":
				return -1
			}
			return 1
		}
		digit := a[0] >= '0' && a[0] <= '9'
		segA, restA := verSegment(a, digit)
		if (b[0] >= '0' && b[0] <= '9') != digit {
			if digit {
				return 1
			}
			return -1
		}
		segB, restB := verSegment(b, digit)
		if digit {
			segA = strings.TrimLeft(segA, "0")
			segB = strings.TrimLeft(segB, "0")
			if len(segA) != len(segB) {
				if len(segA) > len(segB) {
					return 1
				}
				return -1
			}
		}
		if c := strings.Compare(segA, segB); c != 0 {
			return c
		}
		a, b = restA, restB
	}
}

func isAlnum(r rune) bool { return r < 128 && (unicode.IsDigit(r) || unicode.IsLetter(r)) }

func verSegment(s string, digit bool) (seg, rest string) {
	i := 0
	for i < len(s) {
		c := rune(s[i])
		if digit && !(c >= '0' && c <= '9') || !digit && !(c < 128 && unicode.IsLetter(c)) {
			break
		}
		i++
	}
	return s[:i], s[i:]
}

// Evaluate reports a pending reboot.
func (rebootRequiredCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("reboot-required")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	blocks := osSplit(env.Section.Stdout)
	running := ""
	var installed []string
	var reasons []i18n.Sub
	var required, nr bool
	var pkgs []string
	var nrOut string
	for i, b := range blocks {
		switch b.Name {
		case "RUNNING":
			running = b.Arg
		case "KERNEL":
			if b.Arg != "" && !strings.Contains(b.Arg, "rescue") {
				installed = append(installed, b.Arg)
			}
		case "REQUIRED":
			required = true
			pkgs = osUniq(osLines(b.Body))
		case "NEEDSRESTARTING":
			nrOut = b.Body
			if i+1 < len(blocks) && blocks[i+1].Name == "RC" && blocks[i+1].Arg == "1" {
				nr = true
			}
		}
	}
	if running == "" {
		r := osUnknownMsg(base, env, "unparsable", "os.reboot.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	if required {
		if len(pkgs) > 0 {
			reasons = append(reasons, i18n.S("os.reboot.file_pkgs", osList(pkgs, 5)))
		} else {
			reasons = append(reasons, i18n.S("os.reboot.file"))
		}
	}
	flavor := kernelFlavor(running)
	newest := ""
	for _, k := range installed {
		if kernelFlavor(k) != flavor {
			continue
		}
		if newest == "" || osVerCmp(k, newest) > 0 {
			newest = k
		}
	}
	if newest != "" && osVerCmp(newest, running) > 0 {
		reasons = append(reasons, i18n.S("os.reboot.kernel", running, newest))
	}
	if nr {
		reasons = append(reasons, i18n.S("os.reboot.needs_restarting"))
	}
	r := base
	if len(reasons) == 0 {
		r.Status = result.OK
		inspect.SetMsg(&r, env, "os.reboot.none", running)
		return []result.Result{r}
	}
	r.Status = result.Warn
	r.Reason = "reboot-required"
	inspect.SetMsg(&r, env, i18n.ConcatCode, i18n.List{Items: inspect.SubsAny(reasons), Sep: "; "})
	inspect.SetAdvice(&r, env, "os.reboot.advice")
	if nrOut != "" {
		osSetEvidence(&r, nrOut, 20, false)
	}
	return []result.Result{r}
}

// RebootRequired is the check type playbooks call "reboot-required".
func RebootRequired() inspect.Check { return osGuard{rebootRequiredCheck{}} }
