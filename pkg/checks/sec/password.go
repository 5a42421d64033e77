package sec

import (
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// passwordParams are the password policy's required values; the defaults
// are what assessors accept (MLPS3-LINUX.md §1 a).
type passwordParams struct {
	MinLen   int `param:"min_len"`   // pwquality/cracklib minlen ≥
	MinClass int `param:"min_class"` // character classes required ≥
	MaxDays  int `param:"max_days"`  // PASS_MAX_DAYS ≤
	MinDays  int `param:"min_days"`  // PASS_MIN_DAYS ≥
	WarnAge  int `param:"warn_age"`  // PASS_WARN_AGE ≥
	Remember int `param:"remember"`  // pam_pwhistory/pam_unix remember ≥
}

// Defaults sets the level-3 values.
func (p *passwordParams) Defaults() {
	*p = passwordParams{MinLen: 8, MinClass: 3, MaxDays: 90, MinDays: 1, WarnAge: 7, Remember: 5}
}

// CheckParams rejects values no policy can mean.
func (p *passwordParams) CheckParams(spec *inspect.Spec) error {
	switch {
	case p.MinLen < 1:
		return inspect.BadParamMsg(spec, "min_len", "sec.param.at_least_1", p.MinLen)
	case p.MinClass < 0 || p.MinClass > 4:
		return inspect.BadParamMsg(spec, "min_class", "sec.param.min_class", p.MinClass)
	case p.MaxDays < 1:
		return inspect.BadParamMsg(spec, "max_days", "sec.param.at_least_1", p.MaxDays)
	}
	return nil
}

// Password is the check type "sec-password": password complexity (PAM
// pwquality/cracklib), periodic change in /etc/login.defs and reuse
// (pwhistory/unix remember). Readable without root.
func Password() inspect.Check {
	return kind[passwordParams]{
		typ:   "sec-password",
		rules: []string{"ia-password-complexity", "ia-password-expiry", "ia-password-reuse"},
		body: func(*passwordParams) (string, error) {
			return "hf /etc/login.defs /etc/security/pwquality.conf /etc/security/pwquality.conf.d/*.conf /etc/security/pwhistory.conf\n" + pamCollector, nil
		},
		eval: func(c *ctx, p *passwordParams) []result.Result {
			return []result.Result{c.complexity(p), c.expiry(p), c.reuse(p)}
		},
	}
}

// passwordService is the PAM service whose password stack sets passwords.
func (s *snap) passwordService() string {
	return s.firstService("passwd", "system-auth", "common-password")
}

func (c *ctx) complexity(p *passwordParams) result.Result {
	f := c.rule("ia-password-complexity")
	sv := c.s.passwordService()
	if sv == "" {
		return f.unknown("not-readable", "sec.pam_unread", "/etc/pam.d/passwd").done()
	}
	stack, _ := c.s.pamStack(sv, "password")
	var mods []pamEntry
	for _, e := range stack {
		if e.Module == "pam_pwquality.so" || e.Module == "pam_cracklib.so" {
			mods = append(mods, e)
		}
	}
	if len(mods) == 0 {
		f.bad(result.Crit, "sec.complexity.none", pamFile(sv))
		for _, e := range stack {
			f.line(e.File, e.Line)
		}
		return f.adv(p.MinLen, p.MinClass).done()
	}
	e := mods[0]
	f.line(e.File, e.Line)
	keys := []string{"minlen", "minclass", "dcredit", "ucredit", "lcredit", "ocredit"}
	set := map[string]setting{}
	if e.Module == "pam_pwquality.so" {
		confs := append([]string{"/etc/security/pwquality.conf"}, c.s.glob("/etc/security/pwquality.conf.d/", ".conf")...)
		for _, cf := range confs {
			f.file(cf, func(t string) bool { k, _ := splitKV(t); return contains(keys, k) })
		}
		set = c.s.confInts(confs, keys...)
		if _, ok := set["minlen"]; !ok {
			set["minlen"] = setting{Val: 8} // libpwquality's default
		}
	} else if _, ok := set["minlen"]; !ok {
		set["minlen"] = setting{Val: 9} // pam_cracklib's default
	}
	argInts(set, e, keys...)
	minlen := set["minlen"].Val
	classes := 0
	for _, k := range []string{"dcredit", "ucredit", "lcredit", "ocredit"} {
		if v, ok := set[k]; ok && v.Val < 0 {
			classes++
		}
	}
	if mc, ok := set["minclass"]; ok && mc.Val > classes {
		classes = mc.Val
	}
	if minlen < p.MinLen {
		f.bad(result.Warn, "sec.complexity.minlen", minlen, p.MinLen)
	}
	if classes < p.MinClass {
		f.bad(result.Warn, "sec.complexity.classes", classes, p.MinClass)
	}
	if f.status == result.OK {
		f.note("sec.complexity.ok", strings.TrimSuffix(e.Module, ".so"), minlen, classes)
	}
	return f.adv(p.MinLen, p.MinClass).done()
}

func (c *ctx) expiry(p *passwordParams) result.Result {
	f := c.rule("ia-password-expiry")
	const defs = "/etc/login.defs"
	switch {
	case c.s.NoRead[defs]:
		return f.needRoot(defs).done()
	case !c.s.has(defs):
		return f.bad(result.Crit, "sec.expiry.no_defs", defs).adv(p.MaxDays, p.MinDays, p.WarnAge).file(defs, nil).done()
	}
	f.file(defs, func(t string) bool { return strings.HasPrefix(strings.TrimSpace(t), "PASS_") })
	check := func(key string, want int, atMost bool, st result.Status) {
		v, _, ok := c.s.kv(defs, key, false)
		n, err := strconv.Atoi(v)
		switch {
		case !ok:
			f.bad(st, "sec.setting.missing", key, defs, cmpText(atMost, want))
		case err != nil:
			f.bad(st, "sec.setting.bad", key, v, defs, cmpText(atMost, want))
		case atMost && n > want, !atMost && n < want:
			f.bad(st, "sec.setting.bad", key, v, defs, cmpText(atMost, want))
		}
	}
	check("PASS_MAX_DAYS", p.MaxDays, true, result.Crit)
	check("PASS_MIN_DAYS", p.MinDays, false, result.Warn)
	check("PASS_WARN_AGE", p.WarnAge, false, result.Warn)
	if f.status == result.OK {
		mx, _, _ := c.s.kv(defs, "PASS_MAX_DAYS", false)
		mn, _, _ := c.s.kv(defs, "PASS_MIN_DAYS", false)
		wa, _, _ := c.s.kv(defs, "PASS_WARN_AGE", false)
		f.note("sec.expiry.ok", mx, mn, wa)
	}
	return f.adv(p.MaxDays, p.MinDays, p.WarnAge).done()
}

func (c *ctx) reuse(p *passwordParams) result.Result {
	f := c.rule("ia-password-reuse")
	sv := c.s.passwordService()
	if sv == "" {
		return f.unknown("not-readable", "sec.pam_unread", "/etc/pam.d/passwd").done()
	}
	stack, _ := c.s.pamStack(sv, "password")
	best, where := 0, ""
	for _, e := range stack {
		switch e.Module {
		case "pam_pwhistory.so":
			f.line(e.File, e.Line)
			n := 10 // pam_pwhistory's default
			if s := c.s.confInts([]string{"/etc/security/pwhistory.conf"}, "remember"); s["remember"].File != "" {
				n = s["remember"].Val
				f.line(s["remember"].File, s["remember"].Line)
			}
			if v, ok := e.arg("remember"); ok {
				n, _ = strconv.Atoi(v)
			}
			if n > best {
				best, where = n, "pam_pwhistory"
			}
		case "pam_unix.so":
			if v, ok := e.arg("remember"); ok {
				f.line(e.File, e.Line)
				if n, _ := strconv.Atoi(v); n > best {
					best, where = n, "pam_unix"
				}
			}
		}
	}
	switch {
	case where == "":
		f.bad(result.Crit, "sec.reuse.none", pamFile(sv), p.Remember)
		f.file(pamFile(sv), func(t string) bool { return strings.Contains(t, "password") })
	case best < p.Remember:
		f.bad(result.Warn, "sec.reuse.low", where, best, p.Remember)
	default:
		f.note("sec.reuse.ok", where, best)
	}
	return f.adv(p.Remember).done()
}

// cmpText is "≤ N" or "≥ N".
func cmpText(atMost bool, n int) string {
	if atMost {
		return "≤ " + strconv.Itoa(n)
	}
	return "≥ " + strconv.Itoa(n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
