package sec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// logsParams are the log retention and forwarding requirements.
type logsParams struct {
	RetentionDays   int      `param:"retention_days"`    // local retention of the system logs ≥ (网络安全法 §21: six months)
	LogForwardHosts []string `param:"log_forward_hosts"` // the log audit system(s); empty: any remote target counts
}

// Defaults sets the level-3 values.
func (p *logsParams) Defaults() { *p = logsParams{RetentionDays: 180} }

// CheckParams rejects a retention below one day.
func (p *logsParams) CheckParams(spec *inspect.Spec) error {
	if p.RetentionDays < 1 {
		return inspect.BadParamMsg(spec, "retention_days", "sec.param.at_least_1", p.RetentionDays)
	}
	return nil
}

// Logs is the check type "sec-logs": how long logrotate keeps the system
// logs, and whether rsyslog or syslog-ng forwards them to the log audit
// system.
func Logs() inspect.Check {
	return kind[logsParams]{
		typ:   "sec-logs",
		rules: []string{"au-log-retention", "au-log-forward"},
		body: func(*logsParams) (string, error) {
			return `hf /etc/logrotate.conf /etc/logrotate.d/syslog /etc/logrotate.d/rsyslog /etc/logrotate.d/syslog-ng 2>/dev/null | grep -v '^@@ABSENT /etc/logrotate.d/'
hf /etc/rsyslog.conf /etc/rsyslog.d/*.conf /etc/syslog-ng/syslog-ng.conf /etc/syslog-ng/conf.d/*.conf 2>/dev/null | grep -v '^@@ABSENT /etc/syslog-ng'
`, nil
		},
		eval: func(c *ctx, p *logsParams) []result.Result {
			fwd := c.logForward(p)
			return []result.Result{c.logRetention(p, fwd.Status == result.OK), fwd}
		},
	}
}

// systemLogs are the files whose logrotate stanza decides retention.
var systemLogs = []string{"/var/log/messages", "/var/log/secure", "/var/log/syslog", "/var/log/auth.log", "/var/log/warn"}

// rotation is logrotate's schedule for one log.
type rotation struct {
	period, rotate, maxage int // days per rotation, files kept, maxage days (0 unset)
	lines                  []string
}

func (r rotation) days() int {
	d := r.period * r.rotate
	if r.maxage > 0 && r.maxage < d {
		d = r.maxage
	}
	return d
}

// logrotateDirective applies one directive to r.
func (r *rotation) apply(file string, l line) {
	f := fields(l.Text)
	if len(f) == 0 {
		return
	}
	set := func() { r.lines = append(r.lines, fmt.Sprintf("%s:%d: %s", file, l.N, strings.TrimSpace(l.Text))) }
	switch f[0] {
	case "daily":
		r.period = 1
		set()
	case "weekly":
		r.period = 7
		set()
	case "monthly":
		r.period = 30
		set()
	case "yearly":
		r.period = 365
		set()
	case "rotate", "maxage":
		if len(f) > 1 {
			if n, err := strconv.Atoi(f[1]); err == nil {
				if f[0] == "rotate" {
					r.rotate = n
				} else {
					r.maxage = n
				}
				set()
			}
		}
	}
}

// rotationOf finds the stanza of one of the system logs, on top of the
// global directives of /etc/logrotate.conf (logrotate's default: weekly,
// rotate 0... logrotate.conf always sets them).
func (s *snap) rotationOf() (rotation, string, bool) {
	global := rotation{period: 7, rotate: 0}
	for _, l := range s.Files["/etc/logrotate.conf"] {
		if strings.Contains(l.Text, "{") {
			break
		}
		global.apply("/etc/logrotate.conf", l)
	}
	files := append([]string{"/etc/logrotate.conf"}, s.glob("/etc/logrotate.d/", "")...)
	for _, file := range files {
		in := false
		var cur rotation
		var match string
		var pending []string // path words of a stanza head spread over lines
		for _, l := range s.Files[file] {
			t := l.Text
			if !in {
				head, _, open := strings.Cut(t, "{")
				pending = append(pending, strings.Fields(head)...)
				if !open {
					continue
				}
				match = ""
				for _, w := range pending {
					for _, sl := range systemLogs {
						if strings.Trim(w, `"`) == sl && match == "" {
							match = sl
						}
					}
				}
				pending = nil
				in = true
				cur = global
				cur.lines = append([]string(nil), global.lines...)
				if match != "" {
					cur.lines = append(cur.lines, fmt.Sprintf("%s:%d: %s", file, l.N, strings.TrimSpace(t)))
				}
				continue
			}
			if strings.TrimSpace(t) == "}" || strings.HasSuffix(strings.TrimSpace(t), "}") && !strings.Contains(t, "{") {
				if match != "" {
					return cur, match, true
				}
				in = false
				continue
			}
			if match != "" {
				cur.apply(file, l)
			}
		}
	}
	return global, "", false
}

func (c *ctx) logRetention(p *logsParams, forwarded bool) result.Result {
	f := c.rule("au-log-retention")
	r, log, ok := c.s.rotationOf()
	if !ok {
		f.file("/etc/logrotate.conf", nil)
		if forwarded {
			return f.bad(result.Warn, "sec.retention.no_stanza_fwd").adv(p.RetentionDays).done()
		}
		return f.bad(result.Crit, "sec.retention.no_stanza").adv(p.RetentionDays).done()
	}
	for _, l := range r.lines {
		f.text(l)
	}
	d := r.days()
	switch {
	case d >= p.RetentionDays:
		f.note("sec.retention.ok", log, d, p.RetentionDays)
	case forwarded:
		f.bad(result.Warn, "sec.retention.short_fwd", log, d, p.RetentionDays)
	default:
		f.bad(result.Crit, "sec.retention.short", log, d, p.RetentionDays)
	}
	return f.adv(p.RetentionDays).done()
}

var (
	// *.* @@loghost:514 (legacy selector action; @ UDP, @@ TCP)
	legacyFwdRE = regexp.MustCompile(`^\S+\s+(@@?)(?:\([^)]*\))?\[?([^\]\s:;]+)`)
	// action(type="omfwd" target="10.1.1.1" …)
	omfwdRE  = regexp.MustCompile(`(?i)type\s*=\s*"omfwd"`)
	targetRE = regexp.MustCompile(`(?i)target\s*=\s*"([^"]+)"`)
	// syslog-ng: destination d { network("10.1.1.1" …) / tcp("…") / udp("…") };
	sngRE = regexp.MustCompile(`\b(network|tcp|udp|syslog)\s*\(\s*"?([^"\s)]+)`)
)

func (c *ctx) logForward(p *logsParams) result.Result {
	f := c.rule("au-log-forward")
	type target struct{ host, proto string }
	var found []target
	files := append([]string{"/etc/rsyslog.conf"}, c.s.glob("/etc/rsyslog.d/", ".conf")...)
	for _, file := range files {
		for _, l := range c.s.Files[file] {
			t := strings.TrimSpace(l.Text)
			if m := legacyFwdRE.FindStringSubmatch(t); m != nil {
				proto := "udp"
				if m[1] == "@@" {
					proto = "tcp"
				}
				found = append(found, target{m[2], proto})
				f.line(file, l)
			} else if omfwdRE.MatchString(t) {
				if m := targetRE.FindStringSubmatch(t); m != nil {
					found = append(found, target{m[1], "omfwd"})
				}
				f.line(file, l)
			}
		}
	}
	sng := append([]string{"/etc/syslog-ng/syslog-ng.conf"}, c.s.glob("/etc/syslog-ng/conf.d/", ".conf")...)
	for _, file := range sng {
		for _, l := range c.s.Files[file] {
			if !strings.Contains(l.Text, "destination") && !strings.Contains(l.Text, "(") {
				continue
			}
			for _, m := range sngRE.FindAllStringSubmatch(l.Text, -1) {
				if m[2] != "" && !strings.HasPrefix(m[2], "/") && m[2] != "localhost" {
					found = append(found, target{m[2], m[1]})
					f.line(file, l)
				}
			}
		}
	}
	if len(found) == 0 {
		if !c.s.has("/etc/rsyslog.conf") && !c.s.has("/etc/syslog-ng/syslog-ng.conf") {
			f.text("/etc/rsyslog.conf: (absent)")
		}
		return f.bad(result.Crit, "sec.forward.none").adv(forwardHost(p)).done()
	}
	var hosts []string
	match := len(p.LogForwardHosts) == 0
	for _, t := range found {
		hosts = append(hosts, t.host+" ("+t.proto+")")
		if contains(p.LogForwardHosts, t.host) {
			match = true
		}
	}
	if !match {
		return f.bad(result.Crit, "sec.forward.wrong", strings.Join(hosts, ", "), strings.Join(p.LogForwardHosts, ", ")).
			adv(forwardHost(p)).done()
	}
	return f.note("sec.forward.ok", strings.Join(hosts, ", ")).done()
}

// forwardHost is the log audit system named in the advice: the first
// configured one, else a placeholder in the reader's language.
func forwardHost(p *logsParams) any {
	if len(p.LogForwardHosts) > 0 {
		return p.LogForwardHosts[0]
	}
	return i18n.S("sec.forward.placeholder")
}
