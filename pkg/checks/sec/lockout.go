package sec

import (
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// lockoutParams are the login-failure lockout's required values.
type lockoutParams struct {
	Deny       int `param:"deny"`        // lock after at most this many failures
	UnlockTime int `param:"unlock_time"` // seconds locked, at least (0 = until an administrator unlocks)
}

// Defaults sets the level-3 values (deny ≤ 5; the Kylin V10 baseline's 180 s).
func (p *lockoutParams) Defaults() { *p = lockoutParams{Deny: 5, UnlockTime: 180} }

// CheckParams rejects a deny of 0 (no lockout at all).
func (p *lockoutParams) CheckParams(spec *inspect.Spec) error {
	if p.Deny < 1 {
		return inspect.BadParamMsg(spec, "deny", "sec.param.at_least_1", p.Deny)
	}
	if p.UnlockTime < 0 {
		return inspect.BadParamMsg(spec, "unlock_time", "sec.param.not_negative", p.UnlockTime)
	}
	return nil
}

// Lockout is the check type "sec-lockout": login-failure lockout with
// pam_faillock or pam_tally2, as the host's PAM has it, in the auth stacks
// of sshd and of console logins. The rule of the mechanism the host does
// not use is 不适用.
func Lockout() inspect.Check {
	return kind[lockoutParams]{
		typ:   "sec-lockout",
		rules: []string{"ia-lockout-faillock", "ia-lockout-tally2"},
		body: func(*lockoutParams) (string, error) {
			return "hf /etc/security/faillock.conf\n" + pamCollector, nil
		},
		eval: func(c *ctx, p *lockoutParams) []result.Result { return c.lockout(p) },
	}
}

func (c *ctx) lockout(p *lockoutParams) []result.Result {
	fl, t2 := c.rule("ia-lockout-faillock"), c.rule("ia-lockout-tally2")
	fl.adv(p.Deny, p.UnlockTime)
	t2.adv(p.Deny, p.UnlockTime)
	// The stacks a password login goes through: sshd's, and the console's.
	type stack struct {
		service string
		entries []pamEntry
	}
	var stacks []stack
	for _, sv := range [][]string{{"sshd"}, {"login", "system-auth", "common-auth"}} {
		if s := c.s.firstService(sv...); s != "" {
			e, _ := c.s.pamStack(s, "auth")
			stacks = append(stacks, stack{s, e})
		}
	}
	if len(stacks) == 0 {
		fl.unknown("not-readable", "sec.pam_unread", "/etc/pam.d/sshd")
		t2.unknown("not-readable", "sec.pam_unread", "/etc/pam.d/sshd")
		return []result.Result{fl.done(), t2.done()}
	}
	in := func(mods ...string) (with, without []string, entries []pamEntry) {
		for _, st := range stacks {
			var found []pamEntry
			for _, m := range mods {
				found = append(found, pamFind(st.entries, m)...)
			}
			if len(found) > 0 {
				with = append(with, st.service)
				entries = append(entries, found...)
			} else {
				without = append(without, st.service)
			}
		}
		return
	}
	flWith, flWithout, flEntries := in("pam_faillock.so")
	t2With, t2Without, t2Entries := in("pam_tally2.so", "pam_tally.so")
	hasFL, flUnknown := c.s.hasModule("pam_faillock.so")
	hasT2, t2Unknown := c.s.hasModule("pam_tally2.so")
	if !hasT2 {
		hasT2, _ = c.s.hasModule("pam_tally.so")
	}
	evStacks := func(f *finding) {
		for _, st := range stacks {
			for _, e := range st.entries {
				f.line(e.File, e.Line)
			}
		}
	}
	// judge rates one mechanism's configured lines.
	judge := func(f *finding, name string, entries []pamEntry, with, without []string, defDeny, defUnlock int, conf bool) {
		for _, e := range entries {
			f.line(e.File, e.Line)
		}
		set := map[string]setting{"deny": {Val: defDeny}, "unlock_time": {Val: defUnlock}}
		if conf {
			f.file("/etc/security/faillock.conf", func(t string) bool {
				k, _ := splitKV(t)
				return k == "deny" || k == "unlock_time" || k == "even_deny_root" || k == "dir"
			})
			for k, v := range c.s.confInts([]string{"/etc/security/faillock.conf"}, "deny", "unlock_time") {
				set[k] = v
			}
		}
		for _, e := range entries {
			argInts(set, e, "deny", "unlock_time")
		}
		if name == "pam_faillock" {
			counts := false
			for _, e := range entries {
				_, fail := e.arg("authfail")
				_, succ := e.arg("authsucc")
				if fail || succ {
					counts = true
				}
			}
			if !counts {
				f.bad(result.Warn, "sec.lockout.no_authfail")
			}
		}
		deny, unlock := set["deny"].Val, set["unlock_time"].Val
		if deny < 1 || deny > p.Deny {
			f.bad(result.Warn, "sec.lockout.deny", name, deny, p.Deny)
		}
		if unlock != 0 && unlock < p.UnlockTime {
			f.bad(result.Warn, "sec.lockout.unlock", name, unlock, p.UnlockTime)
		}
		if len(without) > 0 {
			f.bad(result.Warn, "sec.lockout.partial_stack", name, strings.Join(with, ", "), strings.Join(without, ", "))
		}
		if f.status == result.OK {
			f.note("sec.lockout.ok", name, deny, unlock, strings.Join(with, ", "))
		}
		f.adv(p.Deny, p.UnlockTime)
	}
	switch {
	case len(flEntries) > 0:
		judge(fl, "pam_faillock", flEntries, flWith, flWithout, 3, 600, true)
		if len(t2Entries) > 0 && !hasT2 && !t2Unknown {
			t2.bad(result.Warn, "sec.lockout.dead_line", "pam_tally2")
			for _, e := range t2Entries {
				t2.line(e.File, e.Line)
			}
		} else {
			t2.notApplicable("sec.lockout.na_other", "pam_tally2", "pam_faillock")
		}
	case len(t2Entries) > 0 && (hasT2 || t2Unknown):
		judge(t2, "pam_tally2", t2Entries, t2With, t2Without, 0, 0, false)
		fl.notApplicable("sec.lockout.na_other", "pam_faillock", "pam_tally2")
	case len(t2Entries) > 0:
		// pam_tally2 lines on a PAM without the module (1.5+): they do nothing.
		t2.bad(result.Crit, "sec.lockout.dead_line", "pam_tally2")
		for _, e := range t2Entries {
			t2.line(e.File, e.Line)
		}
		t2.adv(p.Deny, p.UnlockTime)
		fl.bad(result.Crit, "sec.lockout.none", "pam_faillock").adv(p.Deny, p.UnlockTime)
		evStacks(fl)
	case hasFL || flUnknown || !hasT2:
		fl.bad(result.Crit, "sec.lockout.none", "pam_faillock").adv(p.Deny, p.UnlockTime)
		evStacks(fl)
		if hasT2 {
			t2.notApplicable("sec.lockout.na_prefer", "pam_tally2", "pam_faillock")
		} else {
			t2.notApplicable("sec.lockout.na_missing", "pam_tally2")
		}
	default:
		t2.bad(result.Crit, "sec.lockout.none", "pam_tally2").adv(p.Deny, p.UnlockTime)
		evStacks(t2)
		fl.notApplicable("sec.lockout.na_missing", "pam_faillock")
	}
	return []result.Result{fl.done(), t2.done()}
}
