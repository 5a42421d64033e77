package sec

import (
	"regexp"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// privilegeParams name who may hold password-less sudo.
type privilegeParams struct {
	AllowedNopasswd []string `param:"allowed_nopasswd"` // users or %groups allowed NOPASSWD: ALL (automation accounts the site registered)
}

// Privilege is the check type "sec-privilege": su restricted to wheel
// (pam_wheel) and no password-less "ALL" in sudoers. sudoers is readable
// by root only; without it ac-sudoers is NotChecked.
func Privilege() inspect.Check {
	return kind[privilegeParams]{
		typ:   "sec-privilege",
		rules: []string{"ac-su-wheel", "ac-sudoers"},
		body: func(*privilegeParams) (string, error) {
			return "hf /etc/pam.d/su /etc/pam.d/su-l /etc/sudoers /etc/sudoers.d/*\n" +
				`[ -d /etc/sudoers.d ] && [ ! -x /etc/sudoers.d ] && echo "@@NOREAD /etc/sudoers.d"` + "\n", nil
		},
		eval: func(c *ctx, p *privilegeParams) []result.Result {
			return []result.Result{c.suWheel(), c.sudoers(p)}
		},
	}
}

func (c *ctx) suWheel() result.Result {
	f := c.rule("ac-su-wheel")
	st, ok := c.s.pamStack("su", "auth")
	if !ok {
		if c.s.NoRead["/etc/pam.d/su"] {
			return f.needRoot("/etc/pam.d/su").done()
		}
		return f.notApplicable("sec.su.absent").file("/etc/pam.d/su", nil).done()
	}
	for _, e := range pamFind(st, "pam_wheel.so") {
		f.line(e.File, e.Line)
		if _, trust := e.arg("trust"); trust {
			continue
		}
		if e.Control == "required" || e.Control == "requisite" || strings.Contains(e.Control, "default=die") || strings.Contains(e.Control, "default=bad") {
			group, _ := e.arg("group")
			if group == "" {
				group = "wheel"
			}
			return f.note("sec.su.ok", group).done()
		}
	}
	f.file("/etc/pam.d/su", func(t string) bool { return strings.HasPrefix(strings.TrimSpace(t), "auth") })
	return f.bad(result.Crit, "sec.su.none").done()
}

var nopasswdAllRE = regexp.MustCompile(`NOPASSWD\s*:\s*(\([^)]*\)\s*)?ALL\s*$`)

func (c *ctx) sudoers(p *privilegeParams) result.Result {
	f := c.rule("ac-sudoers")
	files := append([]string{"/etc/sudoers"}, c.s.glob("/etc/sudoers.d/", "")...)
	if c.s.NoRead["/etc/sudoers"] || c.s.NoRead["/etc/sudoers.d"] {
		if c.s.NoRead["/etc/sudoers"] {
			return f.needRoot("/etc/sudoers").done()
		}
		return f.needRoot("/etc/sudoers.d").done()
	}
	if !c.s.has("/etc/sudoers") {
		return f.notApplicable("sec.sudo.absent").file("/etc/sudoers", nil).done()
	}
	var who []string
	for _, file := range files {
		for _, l := range c.s.Files[file] {
			t := strings.TrimSpace(l.Text)
			if !nopasswdAllRE.MatchString(t) {
				continue
			}
			principal := strings.Fields(t)[0]
			if principal == "root" || contains(p.AllowedNopasswd, principal) {
				continue
			}
			f.line(file, l)
			who = append(who, principal)
		}
	}
	if len(who) > 0 {
		return f.bad(result.Crit, "sec.sudo.nopasswd", strings.Join(who, ", ")).adv(who[0]).done()
	}
	for _, file := range files {
		f.file(file, func(t string) bool {
			return strings.Contains(t, "ALL") && !strings.HasPrefix(strings.TrimSpace(t), "Defaults")
		})
	}
	return f.note("sec.sudo.ok").done()
}
