package os

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// logPatternCheck counts lines matching a pattern in a log on the target
// within a time window (type "log-pattern"): errors since the last
// inspection, failed logins today, and so on.
//
// The work on the host is kept small and bounded: only the last max_bytes of
// a file are read (tail -c), grep -E does the matching, and only the count
// plus the last few hundred matching lines (cut to 300 characters) come
// back. The window is applied here, on the lines' own timestamps (syslog
// "Nov 29 05:13:32", ISO 8601, "2026/11/29 05:13:32", web server
// "[29/Nov/2026:05:13:32 +0800]"), in the host's time zone. With the
// journal (unit or journal: true) journalctl selects the time range itself.
//
// Parameters:
//
//	path         log file to search
//	unit         systemd unit whose journal to search instead (journalctl -u)
//	journal      true: search the whole journal
//	pattern      extended regular expression (grep -E), required
//	ignore       extended regular expression of matching lines to disregard
//	ignore_case  true: match case-insensitively
//	window       how far back to count, e.g. 24h; default: since the last
//	             inspection of this asset by this playbook
//	max_bytes    how much of the end of the file to read (default 4M)
//	sample       matching lines to keep as evidence (default 5, at most 50)
//	missing      status when the file does not exist: unknown (default), ok,
//	             warn or crit
//
// warn/crit (Nagios ranges) apply to the count; by default any match warns
// (warn "~:0"). When more lines match than are sent back, the count is a
// lower bound and the message says "at least".
type logPatternCheck struct{}

// logShipLines bounds the matching lines sent back for timestamp filtering.
const (
	logShipLines = 300
	logLineMax   = 300
)

// logJournalLookback is how far back journalctl reads when no window is
// given: a daily inspection with slack. Older "since the last run" starts
// are reported as limited to it.
const logJournalLookback = 26 * time.Hour

type logConf struct {
	path, unit      string
	journal         bool
	pattern, ignore string
	re, ignoreRe    *regexp.Regexp
	ignoreCase      bool
	window          time.Duration
	maxBytes        int64
	sample          int
	missing         result.Status
}

// logTyped are the parameters of log-pattern, decoded once when the
// playbook is loaded.
type logTyped struct {
	Path       string        `param:"path"`
	Unit       string        `param:"unit"`
	Journal    bool          `param:"journal"`
	Pattern    string        `param:"pattern"` // grep -E
	Ignore     string        `param:"ignore"`
	IgnoreCase bool          `param:"ignore_case"`
	Window     time.Duration `param:"window"`    // 0: since the last inspection
	MaxBytes   string        `param:"max_bytes"` // 4M, 65536
	Sample     int           `param:"sample"`    // matching lines kept
	Missing    string        `param:"missing"`   // unknown, ok, warn or crit

	conf *logConf
}

// Defaults reads the last 4 MiB, keeps 5 lines, and a missing file is
// UNKNOWN.
func (p *logTyped) Defaults() { p.MaxBytes, p.Sample, p.Missing = "4M", 5, "unknown" }

// CheckParams checks the values together and builds the configuration.
func (p *logTyped) CheckParams(spec *inspect.Spec) error {
	c := &logConf{path: p.Path, unit: p.Unit, journal: p.Journal, pattern: p.Pattern, ignore: p.Ignore,
		ignoreCase: p.IgnoreCase, window: p.Window, sample: p.Sample}
	if c.unit != "" {
		c.journal = true
	}
	switch {
	case c.path == "" && !c.journal:
		return inspect.BadParamMsg(spec, "path", "probe.param.log_path_missing")
	case c.path != "" && c.journal:
		return inspect.BadParamMsg(spec, "path", "probe.param.log_path_both")
	}
	if c.pattern == "" {
		return inspect.BadParamMsg(spec, "pattern", "probe.param.log_pattern_missing")
	}
	// grep -E runs on the host; compiling here catches most typos early
	// (ERE is close to RE2 for what log patterns use).
	prefix := ""
	if c.ignoreCase {
		prefix = "(?i)"
	}
	var err error
	if c.re, err = regexp.Compile(prefix + c.pattern); err != nil {
		return inspect.BadParamMsg(spec, "pattern", "inspect.param.bad_regexp", err)
	}
	if c.ignore != "" {
		if c.ignoreRe, err = regexp.Compile(prefix + c.ignore); err != nil {
			return inspect.BadParamMsg(spec, "ignore", "inspect.param.bad_regexp", err)
		}
	}
	if c.maxBytes, err = ParseSize(p.MaxBytes); err != nil || c.maxBytes < 1 {
		return inspect.BadParamMsg(spec, "max_bytes", "probe.param.size", p.MaxBytes)
	}
	if c.sample < 0 || c.sample > 50 {
		return inspect.BadParamMsg(spec, "sample", "probe.param.log_sample", c.sample)
	}
	switch strings.ToLower(p.Missing) {
	case "unknown":
		c.missing = result.Unknown
	case "ok":
		c.missing = result.OK
	case "warn", "warning":
		c.missing = result.Warn
	case "crit", "critical":
		c.missing = result.Crit
	default:
		return inspect.BadParamMsg(spec, "missing", "probe.param.log_missing", p.Missing)
	}
	p.conf = c
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (logPatternCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[logTyped](spec)
}

func logParse(spec *inspect.Spec) (*logConf, error) {
	p, err := inspect.ParamsOf[logTyped](spec)
	if err != nil {
		return nil, err
	}
	return p.conf, nil
}

func (logPatternCheck) Validate(spec *inspect.Spec) error {
	_, err := logParse(spec)
	return err
}

const LogMark = "@@HCOPS_LOG"

func (logPatternCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	c, err := logParse(spec)
	if err != nil {
		return "", err
	}
	grep := "grep -E"
	if c.ignoreCase {
		grep += " -i"
	}
	// Matching lines only reach awk, which counts them and keeps the last
	// logShipLines (cut short). NUL bytes are dropped so grep never decides
	// the log is binary.
	filter := "tr -d '\\000' | " + grep + " -e " + inspect.ShellQuote(c.pattern)
	if c.ignore != "" {
		filter += " | " + grep + " -v -e " + inspect.ShellQuote(c.ignore)
	}
	tally := fmt.Sprintf(`awk -v n=%d -v w=%d '{c++; b[c%%n]=substr($0,1,w)} END{print "%s COUNT " c+0; s=c-n+1; if(s<1)s=1; for(i=s;i<=c;i++) print b[i%%n]}'`, logShipLines, logLineMax, LogMark)
	var b strings.Builder
	b.WriteString(LogNowScript() + "\n")
	if c.journal {
		lookback := logJournalLookback
		if c.window > 0 {
			lookback = c.window
		}
		unit := ""
		if c.unit != "" {
			unit = " -u " + inspect.ShellQuote(c.unit)
		}
		secs := int64(lookback / time.Second)
		fmt.Fprintf(&b, `if command -v journalctl >/dev/null 2>&1; then s=$(date -d "@$(( $(date +%%s) - %d ))" '+%%Y-%%m-%%d %%H:%%M:%%S' 2>/dev/null); if [ -z "$s" ]; then s="-%ds"; fi; echo "%s SINCE %d"; journalctl -q --no-pager -o short-iso --since "$s"%s 2>/dev/null | %s | %s; else echo "%s NOJOURNAL"; fi`,
			secs, secs, LogMark, secs, unit, filter, tally, LogMark)
		return b.String(), nil
	}
	b.WriteString("f=" + inspect.ShellQuote(inspect.ArgPath(c.path)) + "; " + LogReadScript(c.maxBytes, filter+" | "+tally))
	return b.String(), nil
}

// LogNowScript prints the host's clock and zone offset (NOW/TZ marker):
// lines' times are read in the host's zone, windows end at its "now".
func LogNowScript() string {
	return fmt.Sprintf(`echo "%s NOW $(date +%%s) TZ $(date +%%z)"`, LogMark)
}

// LogReadScript reads the file named by $f, bounded: a MISSING or
// UNREADABLE marker when it cannot, else its SIZE and then at most the last
// maxBytes of it (the first, partial, line of a cut read is dropped) piped
// into pipeline, which filters and tallies what leaves the host.
func LogReadScript(maxBytes int64, pipeline string) string {
	return fmt.Sprintf(`if [ ! -e "$f" ]; then echo "%s MISSING"; elif [ ! -r "$f" ]; then echo "%s UNREADABLE"; else sz=$(stat -L -c %%s "$f" 2>/dev/null || ls -lnL "$f" | awk '{print $5}'); echo "%s SIZE $sz"; if [ "$sz" -gt %d ]; then tail -c %d "$f" | { IFS= read -r _; cat; }; else cat "$f"; fi | %s; fi`,
		LogMark, LogMark, LogMark, maxBytes, maxBytes, pipeline)
}

// LogOutput is the collector's report.
type LogOutput struct {
	Now        time.Time
	Zone       *time.Location
	Size       int64 // file size; -1 for the journal
	Missing    bool
	Unreadable bool
	NoJournal  bool
	Lookback   time.Duration // journal: how far back journalctl read
	Count      int           // matching lines in what was searched
	HasCount   bool
	Lines      []string // the last matching lines, oldest first
}

// ParseLogOutput reads the collector's output. Everything after the COUNT
// marker is log text, so a log line cannot forge markers.
func ParseLogOutput(out string) LogOutput {
	o := LogOutput{Size: -1, Zone: time.UTC}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, line := range lines {
		f := LogMarker(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "COUNT" {
			if len(f) >= 2 {
				if n, err := strconv.Atoi(f[1]); err == nil {
					o.Count, o.HasCount = n, true
				}
			}
			for _, l := range lines[i+1:] {
				if l != "" {
					o.Lines = append(o.Lines, l)
				}
			}
			return o
		}
		o.Marker(f)
	}
	return o
}

// LogMarker returns the fields of a collector marker line ("@@HCOPS_LOG
// SIZE 123" gives SIZE, 123), nil for any other line.
func LogMarker(line string) []string {
	if !strings.HasPrefix(line, LogMark+" ") {
		return nil
	}
	return strings.Fields(line[len(LogMark)+1:])
}

// Marker applies one of the markers LogNowScript and LogReadScript print
// (NOW/TZ, SIZE, SINCE, MISSING, UNREADABLE, NOJOURNAL) to o; false for
// other markers.
func (o *LogOutput) Marker(f []string) bool {
	switch f[0] {
	case "NOW":
		if len(f) >= 2 {
			if s, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				o.Now = time.Unix(s, 0)
			}
		}
		if len(f) >= 4 && f[2] == "TZ" {
			if z, ok := ParseZone(f[3]); ok {
				o.Zone = z
			}
		}
	case "SIZE":
		if len(f) >= 2 {
			o.Size, _ = strconv.ParseInt(f[1], 10, 64)
		}
	case "SINCE":
		if len(f) >= 2 {
			s, _ := strconv.ParseInt(f[1], 10, 64)
			o.Lookback = time.Duration(s) * time.Second
		}
	case "MISSING":
		o.Missing = true
	case "UNREADABLE":
		o.Unreadable = true
	case "NOJOURNAL":
		o.NoJournal = true
	default:
		return false
	}
	return true
}

// ParseZone reads "+0800" / "-0530" into a fixed zone.
func ParseZone(s string) (*time.Location, bool) {
	if len(s) != 5 || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	if err1 != nil || err2 != nil {
		return nil, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return time.FixedZone(s, off), true
}

var (
	isoTS    = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})?`)
	slashTS  = regexp.MustCompile(`^(\d{4}/\d{2}/\d{2}) (\d{2}:\d{2}:\d{2})`)
	syslogTS = regexp.MustCompile(`^(?:<\d+>)?([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}:\d{2}:\d{2})`)
	clfTS    = regexp.MustCompile(`\[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}) ([+-]\d{4})\]`)
)

// LogLineTime finds the timestamp at the start of a log line (or a web
// server's bracketed one), in zone when the line has none. Syslog lines
// carry no year: the year is the one that puts the time not after now.
func LogLineTime(line string, zone *time.Location, now time.Time) (time.Time, bool) {
	// Cheap looks at the first bytes pick the one format worth trying: this
	// runs for every line sent back by every host.
	if len(line) > 3 && line[0] == '<' {
		if i := strings.IndexByte(line[:min(len(line), 6)], '>'); i > 0 {
			line = line[i+1:] // syslog priority prefix
		}
	}
	if len(line) < 10 {
		return time.Time{}, false
	}
	digit := line[0] >= '0' && line[0] <= '9'
	switch {
	case digit && line[4] == '-':
		return logISOTime(line, zone)
	case digit && line[4] == '/':
		if m := slashTS.FindStringSubmatch(line); m != nil {
			t, err := time.ParseInLocation("2006/01/02 15:04:05", m[1]+" "+m[2], zone)
			return t, err == nil
		}
		return time.Time{}, false
	case line[0] >= 'A' && line[0] <= 'Z':
		if len(line) >= 15 {
			if t, err := time.ParseInLocation("Jan _2 15:04:05", line[:15], zone); err == nil {
				return syslogYear(t, zone, now), true
			}
		}
		if m := syslogTS.FindStringSubmatch(line); m != nil {
			t, err := time.ParseInLocation("Jan 2 15:04:05", m[1]+" "+m[2]+" "+m[3], zone)
			if err == nil {
				return syslogYear(t, zone, now), true
			}
		}
		return time.Time{}, false
	}
	head := line
	if len(head) > 120 {
		head = head[:120]
	}
	if strings.IndexByte(head, '[') >= 0 {
		if m := clfTS.FindStringSubmatch(head); m != nil {
			t, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[1]+" "+m[2])
			return t, err == nil
		}
	}
	return time.Time{}, false
}

// syslogYear gives a year-less syslog time the year that puts it not after
// now (December lines read in January belong to last year).
func syslogYear(t time.Time, zone *time.Location, now time.Time) time.Time {
	nowZ := now.In(zone)
	t = time.Date(nowZ.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, zone)
	if t.After(nowZ.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t
}

// LogTimes gives each line the time it was logged, read by timeOf: its own
// timestamp, else that of the line before (continuations, stack traces),
// and for leading lines without one the first timestamp that follows.
// parsed counts the lines with a timestamp of their own; when it is 0 every
// time is zero.
func LogTimes(lines []string, timeOf func(string) (time.Time, bool)) (times []time.Time, parsed int) {
	times = make([]time.Time, len(lines))
	known := make([]bool, len(lines))
	var cur time.Time
	for i, line := range lines {
		if times[i], known[i] = timeOf(line); known[i] {
			if parsed == 0 {
				cur = times[i]
			}
			parsed++
		}
	}
	for i := range lines {
		if known[i] {
			cur = times[i]
		} else {
			times[i] = cur
		}
	}
	return times, parsed
}

func logISOTime(line string, zone *time.Location) (time.Time, bool) {
	if m := isoTS.FindStringSubmatch(line); m != nil {
		s := m[1] + "T" + m[2]
		if m[3] != "" {
			z := m[3]
			if z != "Z" && !strings.Contains(z, ":") {
				z = z[:3] + ":" + z[3:]
			}
			t, err := time.Parse("2006-01-02T15:04:05Z07:00", s+z)
			return t, err == nil
		}
		t, err := time.ParseInLocation("2006-01-02T15:04:05", s, zone)
		return t, err == nil
	}
	return time.Time{}, false
}

func (logPatternCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	c, err := logParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "log-pattern", err)
	}
	item := c.path
	if c.journal {
		item = "journal"
		if c.unit != "" {
			item = "journal:" + c.unit
		}
	}
	r := inspect.NewResult(env, "log-pattern", item)
	if rr, bad := inspect.SectionUnusable(env, r); bad {
		return []result.Result{rr}
	}
	o := ParseLogOutput(env.Section.Stdout)
	switch {
	case o.Missing:
		r.Status = c.missing
		r.Reason = "missing"
		inspect.SetMsg(&r, env, "probe.log.missing", c.path)
		if r.Status != result.OK {
			inspect.SetAdvice(&r, env, "probe.advice.log_missing")
		}
		return []result.Result{r}
	case o.Unreadable:
		r.Status = result.Unknown
		r.Reason = "permission"
		inspect.SetMsg(&r, env, "probe.log.unreadable", c.path)
		inspect.SetAdvice(&r, env, "probe.advice.log_unreadable")
		return []result.Result{r}
	case o.NoJournal:
		r.Status = result.Unknown
		r.Reason = "tool-missing"
		inspect.SetMsg(&r, env, "probe.log.no_journal")
		inspect.SetAdvice(&r, env, "probe.advice.log_no_journal")
		return []result.Result{r}
	case !o.HasCount:
		r.Status = result.Unknown
		r.Reason = "parse"
		inspect.SetMsg(&r, env, "probe.log.no_count", item)
		inspect.SetEvidence(&r, env.Section.Stdout, env.Section.Truncated)
		return []result.Result{r}
	}
	now := o.Now
	if now.IsZero() {
		now = env.Now
	}
	envNow := *env
	envNow.Now = now
	start := inspect.WindowStart(&envNow, c.window)

	// Apply the window on the lines' own times.
	var inWindow []string
	times, parsed := LogTimes(o.Lines, func(line string) (time.Time, bool) { return LogLineTime(line, o.Zone, now) })
	firstIn := false
	for i, line := range o.Lines {
		if c.ignoreRe != nil && c.ignoreRe.MatchString(line) {
			continue // grep -v already did this; kept for safety with odd greps
		}
		in := parsed == 0 || !times[i].Before(start)
		if i == 0 {
			firstIn = in
		}
		if in {
			inWindow = append(inWindow, line)
		}
	}
	count := len(inWindow)
	atLeast := false
	var notes []i18n.Sub
	switch {
	case len(o.Lines) > 0 && parsed == 0:
		// No timestamps at all: every match in what was read counts.
		count = o.Count
		notes = append(notes, i18n.S("probe.log.no_times"))
	case o.Count > len(o.Lines) && firstIn:
		atLeast = true
	}
	r.Status = result.OK
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th.Warn, _ = inspect.ParseRange("~:0")
	}
	th.Apply(&r, float64(count), "lines")
	var countText any = strconv.Itoa(count)
	if atLeast {
		countText = i18n.S("probe.log.at_least", count)
	}
	since := start.In(o.Zone).Format("2006-01-02 15:04")
	inspect.SetMsg(&r, env, "probe.log.count", item, countText, c.pattern, since)
	if c.journal && o.Lookback > 0 && start.Before(now.Add(-o.Lookback)) {
		notes = append(notes, i18n.S("probe.log.lookback", HumanAge(o.Lookback)))
	}
	if !c.journal && o.Size > c.maxBytes {
		notes = append(notes, i18n.S("probe.log.bytes", HumanBytes(c.maxBytes), HumanBytes(o.Size)))
	}
	if env.Section.Truncated {
		notes = append(notes, i18n.S("probe.output_truncated"))
	}
	if len(notes) > 0 {
		inspect.AddNotes(&r, env, "; ", notes)
	}
	sample := inWindow
	if count == o.Count && parsed == 0 {
		sample = o.Lines
	}
	if len(sample) > c.sample {
		sample = sample[len(sample)-c.sample:]
	}
	inspect.SetEvidence(&r, strings.Join(sample, "\n"), len(o.Lines) > len(sample))
	if r.Status == result.Warn || r.Status == result.Crit {
		inspect.SetAdvice(&r, env, "probe.advice.log")
	}
	return []result.Result{r}
}

// LogPattern is the check type playbooks call "log-pattern".
func LogPattern() inspect.Check { return logPatternCheck{} }
