package sec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// sessionParams are the login shell's required values.
type sessionParams struct {
	IdleTimeout time.Duration `param:"idle_timeout"` // TMOUT ≤ (and > 0)
	Umask       string        `param:"umask"`        // the bits every umask must mask, octal
	HistorySize int           `param:"history_size"` // HISTSIZE ≤
}

// Defaults sets the level-3 values.
func (p *sessionParams) Defaults() {
	*p = sessionParams{IdleTimeout: 600 * time.Second, Umask: "027", HistorySize: 100}
}

// CheckParams rejects an umask that is not octal.
func (p *sessionParams) CheckParams(spec *inspect.Spec) error {
	if _, err := strconv.ParseUint(p.Umask, 8, 16); err != nil {
		return inspect.BadParamMsg(spec, "umask", "sec.param.umask", p.Umask)
	}
	if p.IdleTimeout < time.Second {
		return inspect.BadParamMsg(spec, "idle_timeout", "sec.param.at_least_1s", p.IdleTimeout.String())
	}
	return nil
}

// shellFiles are the files a login shell reads, in the order reported.
var shellFiles = []string{"/etc/profile", "/etc/bashrc", "/etc/bash.bashrc", "/etc/profile.local", "/etc/bash.bashrc.local"}

// Session is the check type "sec-session": shell idle timeout (TMOUT),
// umask, history size and core dumps, from the shell start-up files,
// login.defs and limits.conf.
func Session() inspect.Check {
	return kind[sessionParams]{
		typ:   "sec-session",
		rules: []string{"ia-shell-timeout", "ac-umask", "ri-history-size", "ri-core-dumps"},
		body: func(*sessionParams) (string, error) {
			return "hf " + strings.Join(shellFiles, " ") + " /etc/profile.d/*.sh /etc/login.defs /etc/security/limits.conf /etc/security/limits.d/*.conf 2>/dev/null | grep -v '^@@ABSENT /etc/b'\n", nil
		},
		eval: func(c *ctx, p *sessionParams) []result.Result {
			return []result.Result{c.tmout(p), c.umask(p), c.history(p), c.coreDumps()}
		},
	}
}

// profileFiles are the shell start-up files read, /etc/profile.d/*.sh last.
func (s *snap) profileFiles() []string {
	var out []string
	for _, f := range shellFiles {
		if s.has(f) {
			out = append(out, f)
		}
	}
	return append(out, s.glob("/etc/profile.d/", ".sh")...)
}

// assign finds "NAME=value" assignments (also after export/readonly/declare).
type assignment struct {
	File string
	Line line
	Val  string
}

func (s *snap) assignments(name string) []assignment {
	re := regexp.MustCompile(`(?:^|[\s;])` + name + `=["']?([^"'\s;]*)`)
	var out []assignment
	for _, file := range s.profileFiles() {
		for _, l := range s.Files[file] {
			if m := re.FindStringSubmatch(l.Text); m != nil {
				out = append(out, assignment{file, l, m[1]})
			}
		}
	}
	return out
}

var readonlyTMOUT = regexp.MustCompile(`(readonly|declare\s+-[a-zA-Z]*r[a-zA-Z]*|typeset\s+-[a-zA-Z]*r[a-zA-Z]*)\s+(\S+\s+)*TMOUT\b`)

func (c *ctx) tmout(p *sessionParams) result.Result {
	f := c.rule("ia-shell-timeout")
	limit := int(p.IdleTimeout / time.Second)
	as := c.s.assignments("TMOUT")
	if len(as) == 0 {
		for _, file := range c.s.profileFiles()[:min(1, len(c.s.profileFiles()))] {
			f.text(file + ": (no TMOUT)")
		}
		return f.bad(result.Crit, "sec.tmout.none", limit).adv(limit).done()
	}
	for _, a := range as {
		f.line(a.File, a.Line)
		n, err := strconv.Atoi(a.Val)
		if err != nil || n <= 0 || n > limit {
			f.bad(result.Crit, "sec.setting.bad", "TMOUT", a.Val, a.File, fmt.Sprintf("1–%d", limit))
		}
	}
	ro := false
	for _, file := range c.s.profileFiles() {
		for _, l := range c.s.Files[file] {
			if readonlyTMOUT.MatchString(l.Text) {
				ro = true
				if !strings.Contains(l.Text, "TMOUT=") {
					f.line(file, l)
				}
			}
		}
	}
	if !ro {
		f.bad(result.Warn, "sec.tmout.not_readonly")
	}
	if f.status == result.OK {
		f.note("sec.tmout.ok", as[0].Val)
	}
	return f.adv(limit).done()
}

var umaskRE = regexp.MustCompile(`(?:^|[\s;])umask\s+([0-7]{3,4})\b`)

func (c *ctx) umask(p *sessionParams) result.Result {
	f := c.rule("ac-umask")
	want, _ := strconv.ParseUint(p.Umask, 8, 16)
	weak := func(v string) bool {
		n, err := strconv.ParseUint(v, 8, 16)
		return err != nil || n&want != want
	}
	bad := 0
	const defs = "/etc/login.defs"
	if v, l, ok := c.s.kv(defs, "UMASK", false); ok {
		f.line(defs, l)
		if weak(v) {
			bad++
			f.bad(result.Warn, "sec.setting.bad", "UMASK", v, defs, p.Umask)
		}
	} else if c.s.has(defs) {
		bad++
		f.bad(result.Warn, "sec.setting.missing", "UMASK", defs, p.Umask)
	}
	found := false
	for _, file := range c.s.profileFiles() {
		for _, l := range c.s.Files[file] {
			if m := umaskRE.FindStringSubmatch(l.Text); m != nil {
				found = true
				f.line(file, l)
				if weak(m[1]) {
					bad++
					f.bad(result.Warn, "sec.setting.bad", "umask", m[1], file, p.Umask)
				}
			}
		}
	}
	if bad >= 2 || bad == 1 && !found && c.s.has(defs) {
		f.raise(result.Crit)
	}
	if f.status == result.OK {
		f.note("sec.umask.ok", p.Umask)
	}
	return f.adv(p.Umask).done()
}

func (c *ctx) history(p *sessionParams) result.Result {
	f := c.rule("ri-history-size")
	as := c.s.assignments("HISTSIZE")
	if len(as) == 0 {
		return f.bad(result.Crit, "sec.hist.none", p.HistorySize).adv(p.HistorySize).done()
	}
	for _, a := range as {
		f.line(a.File, a.Line)
		n, err := strconv.Atoi(a.Val)
		if err != nil || n < 0 || n > p.HistorySize {
			f.bad(result.Crit, "sec.setting.bad", "HISTSIZE", a.Val, a.File, cmpText(true, p.HistorySize))
		}
	}
	if f.status == result.OK {
		f.note("sec.hist.ok", as[len(as)-1].Val)
	}
	return f.adv(p.HistorySize).done()
}

func (c *ctx) coreDumps() result.Result {
	f := c.rule("ri-core-dumps")
	files := append([]string{"/etc/security/limits.conf"}, c.s.glob("/etc/security/limits.d/", ".conf")...)
	ok := false
	for _, file := range files {
		for _, l := range c.s.Files[file] {
			fl := fields(l.Text)
			if len(fl) == 4 && fl[0] == "*" && fl[2] == "core" {
				f.line(file, l)
				if (fl[1] == "hard" || fl[1] == "-") && fl[3] == "0" {
					ok = true
				} else if fl[1] == "hard" || fl[1] == "-" {
					ok = false
				}
			}
		}
	}
	if !ok {
		if c.s.NoRead["/etc/security/limits.conf"] {
			return f.needRoot("/etc/security/limits.conf").done()
		}
		return f.bad(result.Crit, "sec.core.none").file("/etc/security/limits.conf", func(t string) bool { return strings.Contains(t, "core") }).done()
	}
	return f.note("sec.core.ok").done()
}
