package os

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// failedLoginsCheck counts failed logins since the last inspection (type
// "failed-logins"), the brute-force signal of SEC5. The value is the
// number of failed attempts in the window; thresholds apply to it (default
// warn ~:20, crit ~:200). The message names the top source addresses and
// the accounts tried, which is what the engineer blocks and checks.
//
// Sources, the first readable one wins: /var/log/secure (RHEL, CentOS,
// Kylin, UOS), /var/log/auth.log (Debian, Ubuntu), the systemd journal
// (auth facilities), lastb (/var/log/btmp). All need root or the adm
// group; where none is readable the result is UNKNOWN saying so. At most
// the last 1000 matching lines of the last 8 MB of a log are read (the
// count then says "at least").
//
// One SSH connection can try several passwords; each "Failed password"
// line counts, and an "Invalid user" line counts once for its connection
// when no password attempt follows (key-only servers).
type failedLoginsCheck struct{}

// Bounds of the collector: the last 1000 matching lines of the last 8 MB
// of the log (a log grown to gigabytes under attack must not cost the host
// a full read every day).
const (
	failedLoginsMaxLines = 1000
	failedLoginsMaxBytes = 8 << 20
)

// failedLoginsTyped are the parameters of failed-logins, decoded once when
// the playbook is loaded.
type failedLoginsTyped struct {
	Lookback time.Duration `param:"lookback"` // how far back the log is read
}

// Defaults reads a week back.
func (p *failedLoginsTyped) Defaults() { p.Lookback = 7 * 24 * time.Hour }

// CheckParams wants at least an hour.
func (p *failedLoginsTyped) CheckParams(spec *inspect.Spec) error {
	if p.Lookback < time.Hour {
		return inspect.BadParamMsg(spec, "lookback", "os.param.at_least_1h", p.Lookback.String())
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (failedLoginsCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[failedLoginsTyped](spec)
}

func failedLoginsParams(spec *inspect.Spec) (time.Duration, error) {
	p, err := inspect.ParamsOf[failedLoginsTyped](spec)
	if err != nil {
		return 0, err
	}
	return p.Lookback, nil
}

// Validate checks the parameters when the playbook is loaded.
func (failedLoginsCheck) Validate(spec *inspect.Spec) error {
	_, err := failedLoginsParams(spec)
	return err
}

// Script returns the collector: one grep (or journalctl, or lastb) and a
// tail.
func (failedLoginsCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	d, err := failedLoginsParams(spec)
	if err != nil {
		return "", err
	}
	hours := strconv.Itoa(int(d.Hours() + 0.5))
	max := strconv.Itoa(failedLoginsMaxLines)
	tailBytes := strconv.Itoa(failedLoginsMaxBytes)
	return `pat='Failed password|Failed keyboard-interactive|Invalid user|authentication failure|FAILED LOGIN|FAILED SU'
f=
for c in /var/log/secure /var/log/auth.log; do [ -r "$c" ] && { f=$c; break; }; done
if [ -n "$f" ]; then
  echo "@@SIZE $(wc -c < "$f")"; echo "@@LOG $f"
  tail -c ` + tailBytes + ` "$f" | grep -E "$pat" | tail -n ` + max + `
elif [ -d /run/systemd/system ] && command -v journalctl >/dev/null 2>&1; then
  echo "@@JOURNAL"
  journalctl SYSLOG_FACILITY=4 SYSLOG_FACILITY=10 --no-pager -o short-iso --since=-` + hours + `h 2>&1 | grep -E "$pat|insufficient permissions|not seeing messages" | tail -n ` + max + `
elif [ -r /var/log/btmp ] && command -v lastb >/dev/null 2>&1; then
  echo "@@LASTB"; lastb -i -F 2>&1 | head -n ` + max + ` | while IFS= read -r l; do echo "L $l"; done
else
  echo "@@NOACCESS"
fi`, nil
}

// loginFailure is one failed attempt.
type loginFailure struct {
	Time time.Time
	User string
	From string
	key  string // connection key for de-duplication ("sshd[1234]")
	kind string // "failed" or "invalid"
}

var (
	authPIDRE     = regexp.MustCompile(`\b(sshd|login|su|sudo|vsftpd|gdm-password|sshd-session)\[(\d+)\]:`)
	authFromRE    = regexp.MustCompile(`from (\S+) port \d+`)
	authRhostRE   = regexp.MustCompile(`rhost=(\S+)`)
	authUserForRE = regexp.MustCompile(`Failed \S+ for (?:invalid user )?(\S*) from`)
	authInvalidRE = regexp.MustCompile(`Invalid user (\S*) from`)
	authUserRE    = regexp.MustCompile(`\buser=(\S+)`)
	syslogTimeRE  = regexp.MustCompile(`^([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}:\d{2}:\d{2}) `)
)

// parseLogTime reads the timestamp at the start of an auth log line:
// RFC 3339 (rsyslog on Debian 12, journal short-iso) or the classic
// "Nov 29 05:12:41" without a year, which is taken as the most recent such
// date not in the future (host time zone assumed to be this machine's).
func parseLogTime(line string, now time.Time) (time.Time, string, bool) {
	if first, rest, ok := strings.Cut(line, " "); ok && len(first) >= 19 && first[4] == '-' && first[10] == 'T' {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.999999-0700"} {
			if t, err := time.Parse(layout, first); err == nil {
				return t, rest, true
			}
		}
		return time.Time{}, "", false
	}
	m := syslogTimeRE.FindStringSubmatch(line)
	if m == nil {
		return time.Time{}, "", false
	}
	t, err := time.ParseInLocation("Jan 2 15:04:05 2006", fmt.Sprintf("%s %s %s %d", m[1], m[2], m[3], now.Year()), time.Local)
	if err != nil {
		return time.Time{}, "", false
	}
	if t.After(now.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, line[len(m[0]):], true
}

// parseAuthLog reads grep'ed auth log or journal lines.
func parseAuthLog(s string, now time.Time) []loginFailure {
	var out []loginFailure
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		t, rest, ok := parseLogTime(line, now)
		if !ok {
			continue
		}
		f := loginFailure{Time: t}
		if m := authPIDRE.FindStringSubmatch(rest); m != nil {
			f.key = m[1] + "[" + m[2] + "]"
		}
		sshd := strings.HasPrefix(f.key, "sshd")
		switch {
		case strings.Contains(rest, "Failed password") || strings.Contains(rest, "Failed keyboard-interactive"):
			f.kind = "failed"
			if m := authUserForRE.FindStringSubmatch(rest); m != nil {
				f.User = m[1]
			}
		case strings.Contains(rest, "Invalid user"):
			f.kind = "invalid"
			if m := authInvalidRE.FindStringSubmatch(rest); m != nil {
				f.User = m[1]
			}
		case strings.Contains(rest, "authentication failure"):
			// pam_unix(sshd:auth) repeats what sshd logs as Failed password.
			if sshd || strings.Contains(rest, "(sshd:auth)") {
				continue
			}
			f.kind = "failed"
			if m := authUserRE.FindStringSubmatch(rest); m != nil {
				f.User = m[1]
			}
		case strings.Contains(rest, "FAILED LOGIN") || strings.Contains(rest, "FAILED SU"):
			f.kind = "failed"
		default:
			continue
		}
		if m := authFromRE.FindStringSubmatch(rest); m != nil {
			f.From = m[1]
		} else if m := authRhostRE.FindStringSubmatch(rest); m != nil {
			f.From = m[1]
		}
		out = append(out, f)
	}
	return out
}

var lastbDays = map[string]bool{"Mon": true, "Tue": true, "Wed": true, "Thu": true, "Fri": true, "Sat": true, "Sun": true}

// parseLastb reads `lastb -i -F` (and plain lastb): user, tty, [host],
// then the login time "Thu Feb 27 10:13:00 2020" (with -F) or
// "Thu Feb 27 10:13" (without).
func parseLastb(s string, now time.Time) []loginFailure {
	var out []loginFailure
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] == "btmp" {
			continue
		}
		day := -1
		for i := 2; i < len(f) && i <= 3; i++ {
			if lastbDays[f[i]] {
				day = i
				break
			}
		}
		if day < 0 || day+3 >= len(f) {
			continue
		}
		lf := loginFailure{User: f[0], kind: "failed"}
		if day == 3 && f[2] != "0.0.0.0" {
			lf.From = f[2]
		}
		clock := f[day+3]
		year := now.Year()
		explicitYear := false
		if day+4 < len(f) {
			if y, err := strconv.Atoi(f[day+4]); err == nil && y > 1970 && y < 3000 {
				year, explicitYear = y, true
			}
		}
		layout := "Jan 2 15:04:05 2006"
		if strings.Count(clock, ":") == 1 {
			layout = "Jan 2 15:04 2006"
		}
		t, err := time.ParseInLocation(layout, fmt.Sprintf("%s %s %s %d", f[day+1], f[day+2], clock, year), time.Local)
		if err != nil {
			continue
		}
		if !explicitYear && t.After(now.Add(24*time.Hour)) {
			t = t.AddDate(-1, 0, 0)
		}
		lf.Time = t
		out = append(out, lf)
	}
	return out
}

// countAttempts applies the per-connection rule: each Failed line counts;
// an Invalid user line counts only when its connection logged no Failed
// line.
func countAttempts(fs []loginFailure) []loginFailure {
	failedConn := map[string]bool{}
	for _, f := range fs {
		if f.kind == "failed" && f.key != "" {
			failedConn[f.key] = true
		}
	}
	var out []loginFailure
	for _, f := range fs {
		if f.kind == "invalid" && f.key != "" && failedConn[f.key] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Evaluate counts failures in the window.
func (failedLoginsCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("failed-logins")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	since := env.Since
	if since.IsZero() {
		since = now.Add(-24 * time.Hour)
	}
	blocks := osSplit(env.Section.Stdout)
	var all []loginFailure
	var source, body string
	found, cut := false, false
	for _, b := range blocks {
		switch b.Name {
		case "SIZE":
			if n, err := strconv.ParseInt(strings.TrimSpace(b.Arg), 10, 64); err == nil && n > failedLoginsMaxBytes {
				cut = true
			}
		case "LOG":
			source, body, found = b.Arg, b.Body, true
			all = parseAuthLog(b.Body, now)
		case "JOURNAL":
			source, body, found = "journal", b.Body, true
			all = parseAuthLog(b.Body, now)
		case "LASTB":
			// Every line arrives as "L <line>": the user names in it are
			// what attackers typed, and must not pass for a marker.
			var lines []string
			for _, l := range strings.Split(b.Body, "\n") {
				if x, ok := strings.CutPrefix(l, "L "); ok {
					lines = append(lines, x)
				}
			}
			source, body, found = "lastb", strings.Join(lines, "\n"), true
			all = parseLastb(body, now)
		case "NOACCESS":
			r := osUnknownMsg(base, env, "not-readable", "os.login.noaccess")
			inspect.SetAdvice(&r, env, "os.login.noaccess_advice")
			return []result.Result{r}
		}
	}
	if !found {
		r := osUnknownMsg(base, env, "unparsable", "os.login.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	// journalctl runs without -q: -q would hide that the system journal is
	// not readable, and "cannot see" would pass for "no failures".
	if len(all) == 0 && (strings.Contains(body, "insufficient permissions") || strings.Contains(body, "not seeing messages")) {
		r := osUnknownMsg(base, env, "not-readable", "os.login.noaccess")
		inspect.SetAdvice(&r, env, "os.login.noaccess_advice")
		return []result.Result{r}
	}
	// "At least": the source was cut (line or byte bound) and even its
	// oldest line is inside the window.
	atLeast := false
	if (cut || len(osLines(body)) >= failedLoginsMaxLines) && len(all) > 0 {
		oldest := all[0].Time
		for _, f := range all {
			if f.Time.Before(oldest) {
				oldest = f.Time
			}
		}
		atLeast = oldest.After(since)
	}
	var win []loginFailure
	for _, f := range countAttempts(all) {
		if f.Time.After(since) && !f.Time.After(now.Add(time.Hour)) {
			win = append(win, f)
		}
	}
	r := base
	n := float64(len(win))
	inspect.DefaultThresholds(env, "~:20", "~:200").Apply(&r, n, "")
	r.Metrics = []result.Metric{{Name: "auth.failed_logins", Value: n}}
	sinceText := since.Local().Format("2006-01-02 15:04")
	if len(win) == 0 {
		inspect.SetMsg(&r, env, "os.login.none", sinceText, source)
		return []result.Result{r}
	}
	ips, users := loginTop(win, func(f loginFailure) string { return f.From }), loginTop(win, func(f loginFailure) string { return f.User })
	var count any = strconv.Itoa(len(win))
	if atLeast {
		count = i18n.S("os.login.at_least", len(win))
	}
	inspect.SetMsg(&r, env, "os.login.found", count, sinceText, source, osList(ips, 5), osList(users, 8))
	var ev []string
	for _, f := range win {
		ev = append(ev, fmt.Sprintf("%s %s from %s", f.Time.Local().Format("2006-01-02 15:04:05"), f.User, f.From))
	}
	osSetEvidence(&r, strings.Join(ev, "\n"), 20, true)
	if inspect.Notable(r.Status) {
		top := "-"
		if len(ips) > 0 {
			top = strings.Fields(ips[0])[0]
		}
		inspect.SetAdvice(&r, env, "os.login.advice", top)
	}
	return []result.Result{r}
}

// loginTop counts failures by key and returns "key (n)" most frequent first.
func loginTop(fs []loginFailure, key func(loginFailure) string) []string {
	counts := map[string]int{}
	for _, f := range fs {
		k := key(f)
		if k == "" {
			k = "?"
		}
		counts[k]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s (%d)", k, counts[k])
	}
	return out
}

// FailedLogins is the check type playbooks call "failed-logins".
func FailedLogins() inspect.Check { return osGuard{failedLoginsCheck{}} }
