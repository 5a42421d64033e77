package sec

import (
	"context"
	"fmt"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// kind is one check type of the baseline: its typed parameters P, the
// rules it answers (one result each, in this order), its collector body
// and its evaluation.
type kind[P any] struct {
	typ   string
	rules []string
	body  func(p *P) (string, error)
	eval  func(c *ctx, p *P) []result.Result
}

// DecodeParams decodes the typed parameters (inspect.ParamsDecoder).
func (k kind[P]) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[P](spec)
}

// Validate has nothing left to check: DecodeParams rejected unknown keys.
func (k kind[P]) Validate(*inspect.Spec) error { return nil }

// Script returns the collector: the shell library and the check's body.
func (k kind[P]) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	p, err := inspect.ParamsOf[P](spec)
	if err != nil {
		return "", err
	}
	body, err := k.body(p)
	if err != nil {
		return "", err
	}
	return script(body), nil
}

// Evaluate returns one result per rule. Output that never arrived, bad
// parameters and a parser panic make every rule NotChecked (UNKNOWN) with
// the reason, never a false 不符合.
func (k kind[P]) Evaluate(_ context.Context, env *inspect.Env) (rs []result.Result) {
	all := func(reason, key string, args ...any) []result.Result {
		out := make([]result.Result, len(k.rules))
		for i, id := range k.rules {
			r := result.Result{Type: k.typ, Item: id, Status: result.Unknown, Reason: reason}
			inspect.SetMsg(&r, env, key, args...)
			if env.Section != nil {
				r.Evidence = env.Section.Stdout
			}
			out[i] = r
		}
		return out
	}
	defer func() {
		if p := recover(); p != nil {
			rs = all("internal-error", "sec.internal_error", fmt.Sprint(p))
		}
	}()
	switch {
	case env.Section == nil || env.Section.Missing && strings.TrimSpace(env.Section.Stdout) == "":
		return all("no-output", "sec.no_output")
	case env.Section.Truncated && strings.TrimSpace(env.Section.Stdout) == "":
		return all("truncated", "sec.truncated")
	}
	p, err := inspect.ParamsOf[P](env.Spec)
	if err != nil {
		return all("bad-parameter", "sec.bad_param", err.Error())
	}
	c := &ctx{env: env, s: parse(env.Section.Stdout), typ: k.typ}
	rs = k.eval(c, p)
	if env.Section.Truncated || env.Section.Missing {
		for i := range rs {
			if rs[i].Status == result.OK && rs[i].Reason != result.ReasonNotApplicable {
				rs[i].Status = result.Unknown
				rs[i].Reason = "truncated"
			}
			inspect.AddMsg(&rs[i], env, "sec.partial_output")
		}
	}
	return rs
}

// ctx is what an evaluation works with.
type ctx struct {
	env *inspect.Env
	s   *snap
	typ string
}

// finding is one rule's verdict being built: its status, the notes that
// make its message, the evidence lines and the advice arguments.
type finding struct {
	c      *ctx
	rule   string
	status result.Status
	na     bool
	reason string
	notes  []i18n.Sub
	tail   []i18n.Sub // appended to the message without a separator: "(judged from …)"
	ev     []string
	advice []any
	noAdv  bool
}

// rule starts the finding for a rule, OK until something says otherwise.
func (c *ctx) rule(id string) *finding { return &finding{c: c, rule: id, status: result.OK} }

// note adds a message part without changing the status.
func (f *finding) note(key string, args ...any) *finding {
	f.notes = append(f.notes, i18n.S(key, args...))
	return f
}

// rank orders statuses for one rule: a 不符合 part outweighs a 部分符合
// one, which outweighs a part that could not be read.
func rank(s result.Status) int {
	switch s {
	case result.OK:
		return 0
	case result.Unknown:
		return 1
	case result.Warn:
		return 2
	}
	return 3
}

// raise makes the status st if that is worse.
func (f *finding) raise(st result.Status) {
	if rank(st) > rank(f.status) {
		f.status = st
	}
}

// bad raises the status to st (WARN = 部分符合, CRIT = 不符合) and adds the
// message part saying why.
func (f *finding) bad(st result.Status, key string, args ...any) *finding {
	f.raise(st)
	return f.note(key, args...)
}

// unknown marks the rule NotChecked (UNKNOWN) for reason, unless a finding
// already decided it.
func (f *finding) unknown(reason, key string, args ...any) *finding {
	if f.status == result.OK {
		f.status = result.Unknown
		f.reason = reason
	}
	return f.note(key, args...)
}

// notApplicable marks the rule 不适用 (OK with Reason not-applicable).
func (f *finding) notApplicable(key string, args ...any) *finding {
	f.na = true
	f.status = result.OK
	return f.note(key, args...)
}

// file adds the lines of path for which keep is true to the evidence, as
// "path:N: text"; a file that was unreadable or absent is said so.
func (f *finding) file(path string, keep func(string) bool) *finding {
	s := f.c.s
	switch {
	case s.NoRead[path]:
		f.ev = append(f.ev, path+": (not readable by uid "+fmt.Sprint(s.UID)+")")
	case s.Absent[path]:
		f.ev = append(f.ev, path+": (absent)")
	case s.has(path):
		n := 0
		for _, l := range s.Files[path] {
			if keep == nil || keep(l.Text) {
				f.ev = append(f.ev, fmt.Sprintf("%s:%d: %s", path, l.N, l.Text))
				n++
			}
		}
		if n == 0 {
			f.ev = append(f.ev, path+": (no matching line)")
		}
	}
	return f
}

// line adds one line of path to the evidence.
func (f *finding) line(path string, l line) *finding {
	f.ev = append(f.ev, fmt.Sprintf("%s:%d: %s", path, l.N, l.Text))
	return f
}

// cmd adds the lines of a command's output for which keep is true.
func (f *finding) cmd(name, shown string, keep func(string) bool) *finding {
	s := f.c.s
	if s.NoTool[name] {
		f.ev = append(f.ev, "$ "+shown+": (command not found)")
		return f
	}
	c, ok := s.Cmds[name]
	if !ok {
		return f
	}
	n := 0
	for _, l := range c.Lines {
		if keep == nil || keep(l) {
			f.ev = append(f.ev, "$ "+shown+": "+l)
			n++
		}
	}
	if n == 0 {
		f.ev = append(f.ev, fmt.Sprintf("$ %s: (exit %d, no matching output)", shown, c.RC))
	}
	return f
}

// text adds a free evidence line.
func (f *finding) text(s string) *finding { f.ev = append(f.ev, s); return f }

// adv sets the advice arguments (the advice key is picked by rule and OS).
func (f *finding) adv(args ...any) *finding { f.advice = args; return f }

// maxEvidenceLines bounds one rule's evidence.
const maxEvidenceLines = 60

// done builds the result.
func (f *finding) done() result.Result {
	c := f.c
	r := result.Result{Type: c.typ, Item: f.rule, Status: f.status, Reason: f.reason}
	if f.na {
		r.Reason = result.ReasonNotApplicable
	}
	if len(f.notes) == 0 {
		f.notes = append(f.notes, i18n.S("sec."+f.rule+".ok"))
	}
	items := make([]any, len(f.notes))
	for i, n := range f.notes {
		items[i] = n
	}
	inspect.SetMsg(&r, c.env, "sec.msg", i18n.List{Items: items, Sep: "sec.sep"})
	for _, t := range f.tail {
		inspect.AddMsg(&r, c.env, t.Key, t.Args...)
	}
	if (r.Status == result.Warn || r.Status == result.Crit) && !f.noAdv {
		key := adviceKey(f.rule, c.s.famKey())
		inspect.SetAdvice(&r, c.env, key, f.advice...)
	}
	if r.Status == result.Unknown && r.Reason == "not-root" {
		inspect.SetAdvice(&r, c.env, "sec.advice.become")
	}
	ev := f.ev
	truncated := false
	if len(ev) > maxEvidenceLines {
		ev, truncated = ev[:maxEvidenceLines], true
	}
	head := fmt.Sprintf("# read %s, uid %d", c.s.Time, c.s.UID)
	if c.s.OS.Name != "" {
		head += ", " + c.s.OS.Name
	}
	inspect.SetEvidence(&r, head+"\n"+strings.Join(ev, "\n"), truncated)
	return r
}

// adviceKey is the advice for rule on the OS family: the family's own
// "sec.<rule>.advice.<fam>" when the catalogue has one, else the general
// "sec.<rule>.advice".
func adviceKey(rule, fam string) string {
	if fam == "el7" && !i18n.Has("sec."+rule+".advice.el7") {
		fam = "rhel"
	}
	if fam != "" && i18n.Has("sec."+rule+".advice."+fam) {
		return "sec." + rule + ".advice." + fam
	}
	return "sec." + rule + ".advice"
}

// needRoot marks the finding NotChecked because path could not be read
// without root.
func (f *finding) needRoot(path string) *finding {
	f.file(path, nil)
	if f.status == result.OK {
		f.status = result.Unknown
		f.reason = "not-root"
	}
	return f.note("sec.not_readable", path, f.c.s.UID)
}
