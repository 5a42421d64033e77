package sec

import (
	"regexp"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// auditParams are what the audit rules must cover.
type auditParams struct {
	WatchFiles    []string `param:"watch_files"`    // files whose changes must be audited
	RequireDelete bool     `param:"require_delete"` // a rule on unlink/rename syscalls (file deletion)
}

// Defaults sets the level-3 values (MLPS3-LINUX.md §3 a).
func (p *auditParams) Defaults() {
	*p = auditParams{WatchFiles: []string{"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers"}, RequireDelete: true}
}

// procCollector prints the names of running processes (comm, 15 characters
// at most; read with the shell's read builtin, so a name with a newline
// yields its first line only).
const procCollector = `for d in /proc/[0-9]*; do c=; read -r c < "$d/comm" 2>/dev/null && echo "$c"; done 2>/dev/null | sort -u | sed 's/^/@@V PROC /'
`

// Audit is the check type "sec-audit": auditd running and enabled, audit
// rules for the required events, the system log service, and protection
// of the audit process (-e 2, RefuseManualStop). auditctl needs root;
// without it the rule files are read, and /etc/audit is root-only on RHEL.
func Audit() inspect.Check {
	return kind[auditParams]{
		typ:   "sec-audit",
		rules: []string{"au-auditd", "au-audit-rules", "au-syslog", "au-audit-protect"},
		body: func(*auditParams) (string, error) {
			return `hc auditd_active systemctl is-active auditd
hc auditd_enabled systemctl is-enabled auditd
for u in rsyslog syslog-ng; do hc ${u}_active systemctl is-active $u; hc ${u}_enabled systemctl is-enabled $u; done
if [ "$(id -u)" = 0 ]; then hc auditctl_s auditctl -s; hc auditctl_l auditctl -l; fi
hf /etc/audit/audit.rules /etc/audit/rules.d/*.rules
hf /usr/lib/systemd/system/auditd.service /lib/systemd/system/auditd.service /etc/systemd/system/auditd.service /etc/systemd/system/auditd.service.d/*.conf 2>/dev/null | grep -v '^@@ABSENT'
` + procCollector, nil
		},
		eval: func(c *ctx, p *auditParams) []result.Result {
			running := c.auditdRunning()
			return []result.Result{c.auditd(running), c.auditRules(p), c.syslog(), c.auditProtect(running)}
		},
	}
}

// systemdState returns `systemctl is-active|is-enabled` for a unit, "" when
// systemctl is absent or did not answer (a container, CentOS 6).
func (s *snap) systemdState(name string) string {
	c, ok := s.cmd(name)
	if !ok || len(c.Lines) == 0 {
		return ""
	}
	v := strings.TrimSpace(c.Lines[0])
	if strings.Contains(v, "System has not been booted with systemd") || strings.Contains(v, "Failed to connect") || strings.Contains(v, " ") {
		return ""
	}
	return v
}

// running says whether a process of that name runs.
func (s *snap) running(names ...string) string {
	for _, p := range s.Vals["PROC"] {
		for _, n := range names {
			if p == n {
				return p
			}
		}
	}
	return ""
}

// auditdRunning is "active", "inactive" …, from systemd or the process list.
func (c *ctx) auditdRunning() bool {
	if st := c.s.systemdState("auditd_active"); st != "" {
		return st == "active"
	}
	return c.s.running("auditd") != ""
}

func (c *ctx) auditd(running bool) result.Result {
	f := c.rule("au-auditd")
	f.cmd("auditd_active", "systemctl is-active auditd", nil).cmd("auditd_enabled", "systemctl is-enabled auditd", nil)
	active := c.s.systemdState("auditd_active")
	if active == "" {
		if p := c.s.running("auditd"); p != "" {
			f.text("process: auditd")
		} else {
			f.text("process: (no auditd)")
		}
	}
	if !running {
		return f.bad(result.Crit, "sec.audit.not_running").done()
	}
	if en := c.s.systemdState("auditd_enabled"); en != "" && en != "enabled" {
		f.bad(result.Warn, "sec.audit.not_enabled", en)
	}
	if s, ok := c.s.cmd("auditctl_s"); ok {
		f.cmd("auditctl_s", "auditctl -s", func(t string) bool { return strings.HasPrefix(t, "enabled") })
		for _, l := range s.Lines {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "enabled "); ok && v == "0" {
				f.bad(result.Crit, "sec.audit.disabled")
			}
		}
	}
	if f.status == result.OK {
		f.note("sec.audit.ok")
	}
	return f.done()
}

// auditRuleLines returns the loaded rules (auditctl -l) when root could
// list them, else the rule files; from says which.
func (c *ctx) auditRuleLines() (rules []string, from string, readable bool) {
	if l, ok := c.s.cmd("auditctl_l"); ok && l.RC == 0 {
		return l.Lines, "auditctl", true
	}
	files := c.s.glob("/etc/audit/rules.d/", ".rules")
	if len(files) == 0 && c.s.has("/etc/audit/audit.rules") {
		files = []string{"/etc/audit/audit.rules"}
	}
	for _, file := range files {
		for _, l := range c.s.Files[file] {
			rules = append(rules, l.Text)
		}
	}
	readable = !c.s.NoRead["/etc/audit/audit.rules"]
	return rules, "files", readable
}

var (
	watchRE  = regexp.MustCompile(`-w\s+(\S+)`)
	pathRE   = regexp.MustCompile(`-F\s+(?:path|dir)=(\S+)`)
	deleteRE = regexp.MustCompile(`-S\s+\S*(unlink|rename|rmdir)`)
)

func (c *ctx) auditRules(p *auditParams) result.Result {
	f := c.rule("au-audit-rules")
	rules, from, readable := c.auditRuleLines()
	if from == "auditctl" {
		f.cmd("auditctl_l", "auditctl -l", nil)
	} else {
		for _, file := range append(c.s.glob("/etc/audit/rules.d/", ".rules"), "/etc/audit/audit.rules") {
			f.file(file, nil)
		}
	}
	if !readable {
		return f.needRoot("/etc/audit/audit.rules").done()
	}
	if len(rules) == 0 || len(rules) == 1 && strings.Contains(rules[0], "No rules") {
		if from == "auditctl" {
			// Rules written to files but never loaded protect nothing.
			n := 0
			for _, file := range append(c.s.glob("/etc/audit/rules.d/", ".rules"), "/etc/audit/audit.rules") {
				n += len(c.s.Files[file])
				f.file(file, nil)
			}
			if n > 0 {
				return f.bad(result.Crit, "sec.audit.not_loaded", n).done()
			}
		}
		return f.bad(result.Crit, "sec.audit.no_rules").done()
	}
	watched := map[string]bool{}
	del := false
	for _, r := range rules {
		for _, m := range watchRE.FindAllStringSubmatch(r, -1) {
			watched[strings.TrimSuffix(m[1], "/")] = true
		}
		for _, m := range pathRE.FindAllStringSubmatch(r, -1) {
			watched[strings.TrimSuffix(m[1], "/")] = true
		}
		if deleteRE.MatchString(r) {
			del = true
		}
	}
	var missing []string
	for _, w := range p.WatchFiles {
		if !watched[strings.TrimSuffix(w, "/")] {
			missing = append(missing, w)
		}
	}
	if p.RequireDelete && !del {
		missing = append(missing, "unlink/rename")
	}
	switch {
	case len(missing) == len(p.WatchFiles)+btoi(p.RequireDelete):
		f.bad(result.Crit, "sec.audit.missing", strings.Join(missing, ", "))
	case len(missing) > 0:
		f.bad(result.Warn, "sec.audit.missing", strings.Join(missing, ", "))
	default:
		f.note("sec.audit.rules_ok", len(rules))
	}
	return f.done()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *ctx) syslog() result.Result {
	f := c.rule("au-syslog")
	for _, u := range []string{"rsyslog", "syslog-ng"} {
		st := c.s.systemdState(u + "_active")
		if st == "" {
			continue
		}
		f.cmd(u+"_active", "systemctl is-active "+u, nil)
		if st == "active" {
			if en := c.s.systemdState(u + "_enabled"); en != "" && en != "enabled" {
				f.cmd(u+"_enabled", "systemctl is-enabled "+u, nil)
				return f.bad(result.Warn, "sec.syslog.not_enabled", u, en).done()
			}
			return f.note("sec.syslog.ok", u).done()
		}
	}
	if p := c.s.running("rsyslogd", "syslog-ng", "syslogd"); p != "" {
		f.text("process: " + p)
		return f.note("sec.syslog.ok", p).done()
	}
	f.text("process: (no rsyslogd, syslog-ng or syslogd)")
	return f.bad(result.Crit, "sec.syslog.none").done()
}

func (c *ctx) auditProtect(running bool) result.Result {
	f := c.rule("au-audit-protect")
	rules, from, readable := c.auditRuleLines()
	immutable := false
	for _, r := range rules {
		if fl := strings.Fields(r); len(fl) >= 2 && fl[0] == "-e" && fl[1] == "2" {
			immutable = true
		}
	}
	if l, ok := c.s.cmd("auditctl_s"); ok {
		for _, x := range l.Lines {
			if strings.TrimSpace(x) == "enabled 2" {
				immutable = true
				f.text("$ auditctl -s: enabled 2")
			}
		}
	}
	if from == "files" {
		f.file("/etc/audit/audit.rules", func(t string) bool { return strings.HasPrefix(t, "-e") })
		for _, file := range c.s.glob("/etc/audit/rules.d/", ".rules") {
			f.file(file, func(t string) bool { return strings.HasPrefix(t, "-e") })
		}
	}
	refuse := false
	for _, file := range c.s.Order {
		if !strings.Contains(file, "auditd.service") {
			continue
		}
		for _, l := range c.s.Files[file] {
			if k, v := splitKV(l.Text); k == "RefuseManualStop" {
				f.line(file, l)
				refuse = strings.EqualFold(v, "yes") || v == "true" || v == "1"
			}
		}
	}
	switch {
	case !running:
		f.bad(result.Crit, "sec.audit.not_running")
	case immutable:
		f.note("sec.protect.immutable")
		if !refuse {
			f.note("sec.protect.no_refuse")
		}
	case refuse:
		f.bad(result.Warn, "sec.protect.refuse_only")
	case !readable:
		return f.needRoot("/etc/audit/audit.rules").done()
	default:
		f.bad(result.Crit, "sec.protect.none")
	}
	return f.done()
}
