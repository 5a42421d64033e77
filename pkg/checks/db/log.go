package db

import (
	"context"
	"encoding/hex"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// dbLogCheck (type "db-log") reports what a database server's own logs say
// since the last inspection: errors, and how many statements were slow. It
// is the one db-* check that runs over SSH, on the database's host, with
// the asset's `connection:` settings (SSH user, port, key; the asset's
// `port` stays the database's). Which logs, and how they are parsed,
// follows the asset's `database.engine`:
//
//   - PostgreSQL (and Kingbase): error_log is the server log. ERROR, FATAL
//     and PANIC lines are errors (also with lc_messages = zh_CN: 错误,
//     致命错误, 比致命错误还过分的错误); `LOG:  duration: N ms  statement|execute…`
//     lines (log_min_duration_statement) of at least slow_ms are slow
//     statements. auto_explain's `duration: … plan:` lines are not counted
//     (they repeat a statement). Any log_line_prefix works, and so does a
//     syslog file; with a prefix without a time (%m, %t or %n) no window
//     can be applied and every line read counts. Lines without a time of
//     their own in a log that has times continue a multi-line entry and
//     never count.
//   - MySQL / MariaDB: error_log is the error log; [ERROR] lines (MySQL 8,
//     5.7, MariaDB, old "261129  8:00:01 [ERROR]") are errors, warnings are
//     not; "mysqld got signal N" is a crash. slow_log is the slow query log:
//     each "# Query_time:" entry is one slow statement, timed by its
//     "SET timestamp=" (or the "# Time:" before it, which MariaDB leaves out
//     for entries in the same second); the longest Query_time is reported.
//
// The log is read like log-pattern reads one: the last max_bytes of the
// newest file matching the path or glob (tail -c), classified by awk on the
// host so that only the counts, the last few hundred matching lines (cut to
// 300 characters) and the first line read (to tell how far back the read
// reaches) come back; the window is applied here on the lines' own times in
// the host's time zone (PostgreSQL's "UTC"/"+08" in the prefix is honoured).
// Continuation lines (multi-line statements, stack traces) are never
// counted on their own. Lines from the host are sanitised before they reach
// messages or evidence.
//
// The SSH account must be able to read the logs: put it in the log's group
// (adm, postgres or mysql, as the distribution has it), or set
// connection.become: true on the asset to run the collector through sudo.
//
// Parameters:
//
//	error_log  server/error log: a path or a glob (the newest matching file
//	           is read; globs of plain characters only)
//	slow_log   MySQL/MariaDB slow query log (path or glob); not for
//	           PostgreSQL, whose slow statements are in error_log
//	slow_ms    PostgreSQL: a logged duration of at least this many
//	           milliseconds counts as slow (default 1000)
//	slow_warn  Nagios range for the number of slow statements (default ~:100)
//	slow_crit  the same for CRIT (default none)
//	max_bytes  how much of the end of each log to read (default 4M)
//	window     how far back to count, e.g. 24h; default: since the last
//	           inspection of this asset by this playbook
//
// Results: item "errors" — errors in the window (value, metric
// db.log_errors); the check's warn/crit apply to it (default warn ~:0, so
// any error warns, crit ~:50); a PANIC or a crash is CRIT whatever the
// count. Item "slow" — slow statements in the window (metric
// db.slow_queries, and db.slow_max_s for the longest), judged by
// slow_warn/slow_crit, so that one threshold pair per figure stays
// readable. A log that is missing or unreadable is UNKNOWN with advice.
//
// Not configured — neither error_log nor slow_log for the asset, the case
// of every cloud database without SSH — the check does not apply at all
// (Applier): no SSH connection is made and no result is reported. Paths are
// given per asset or group through the inventory's check overrides:
//
//	checks:
//	  db-log: {params: {error_log: /var/log/postgresql/postgresql-*.log}}
type dbLogCheck struct{}

// Bounds of what leaves the host, per kind of line.
const (
	dbLogShipLines = 200
	dbLogLineMax   = 300
	dbLogSample    = 5
)

type dbLogConf struct {
	errorLog, slowLog string
	slowMS            float64
	slowTh            inspect.Thresholds
	window            time.Duration
	maxBytes          int64
}

func (c *dbLogConf) configured() bool { return c.errorLog != "" || c.slowLog != "" }

// dbLogParams are the parameters of db-log, decoded once when the playbook
// is loaded.
type dbLogParams struct {
	ErrorLog string        `param:"error_log"`
	SlowLog  string        `param:"slow_log"`
	SlowMS   float64       `param:"slow_ms"`   // statements slower than this count
	SlowWarn string        `param:"slow_warn"` // Nagios range on the slow count
	SlowCrit string        `param:"slow_crit"`
	MaxBytes string        `param:"max_bytes"` // 4M, 65536
	Window   time.Duration `param:"window"`    // 0: since the last inspection

	conf *dbLogConf
}

// Defaults: 1 s is slow, more than 100 of them warn, the last 4 MiB read.
func (p *dbLogParams) Defaults() { p.SlowMS, p.SlowWarn, p.MaxBytes = 1000, "~:100", "4M" }

// CheckParams checks the values and builds the configuration.
func (p *dbLogParams) CheckParams(spec *inspect.Spec) error {
	c := &dbLogConf{errorLog: strings.TrimSpace(p.ErrorLog), slowLog: strings.TrimSpace(p.SlowLog), slowMS: p.SlowMS, window: p.Window}
	if c.slowMS < 0 {
		return inspect.BadParamMsg(spec, "slow_ms", "db.param.slow_ms", c.slowMS)
	}
	var err error
	if c.slowTh.Warn, err = inspect.ParseRange(p.SlowWarn); err != nil {
		return inspect.BadParamMsg(spec, "slow_warn", "inspect.param.detail", err)
	}
	if c.slowTh.Crit, err = inspect.ParseRange(p.SlowCrit); err != nil {
		return inspect.BadParamMsg(spec, "slow_crit", "inspect.param.detail", err)
	}
	if c.maxBytes, err = oschecks.ParseSize(p.MaxBytes); err != nil || c.maxBytes < 1 {
		return inspect.BadParamMsg(spec, "max_bytes", "probe.param.size", p.MaxBytes)
	}
	p.conf = c
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (dbLogCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[dbLogParams](spec)
}

func dbLogParse(spec *inspect.Spec) (*dbLogConf, error) {
	p, err := inspect.ParamsOf[dbLogParams](spec)
	if err != nil {
		return nil, err
	}
	return p.conf, nil
}

func (dbLogCheck) Validate(spec *inspect.Spec) error {
	_, err := dbLogParse(spec)
	return err
}

// Applies reports whether the asset has a log to read. Parameters that do
// not parse keep the check, so the mistake is reported.
func (dbLogCheck) Applies(spec *inspect.Spec, _ *inventory.Asset) bool {
	c, err := dbLogParse(spec)
	return err != nil || c.configured()
}

// dbLogEngine is the asset's engine family: transport.EnginePostgres or
// transport.EngineMySQL.
func dbLogEngine(a *inventory.Asset) (string, error) {
	if a == nil || a.Database == nil || a.Database.Engine == "" {
		_, err := DBTarget(a)
		return "", err
	}
	e := transport.NormalizeEngine(a.Database.Engine)
	if e == "" {
		_, err := DBTarget(a)
		return "", err
	}
	return e, nil
}

// The awk programs that classify log lines on the host. Each prints COUNT
// markers, then the lines it keeps, every one behind "|<kind> " so that no
// log line can pass for a marker: |F the first line read, |M the longest
// slow statement, |E errors, |S PostgreSQL slow lines, |Q slow-log entries
// (SET timestamp, # Time, # Query_time line, first line of the statement,
// tab-separated). Nothing in them may contain a single quote.
const (
	dbLogAwkOut = `function out(k,b,c,  i,st){st=c-n+1; if(st<1)st=1; for(i=st;i<=c;i++) print "|" k " " b[i%n]}`

	dbLogAwkPG = `NR==1{f=substr($0,1,80)}
{if(!match($0,/(ERROR|FATAL|PANIC|LOG|错误|致命错误|比致命错误还过分的错误|日志):  /))next
if(RSTART>1&&substr($0,1,1)~/[ \t]/)next
v=substr($0,RSTART,RLENGTH-3); r=substr($0,RSTART+RLENGTH)
if(v=="LOG"||v=="日志"){if(!match(r,/^(duration|执行时间|持续时间): [0-9.]+ ms/))next
if(r~/ ms +plan:/)next
d=r; sub(/^[^:]*: /,"",d); d=d+0; if(d<ms)next
s++; bs[s%n]=substr($0,1,w); if(s==1||d>mx){mx=d; ml=bs[s%n]}; next}
e++; be[e%n]=substr($0,1,w)}
END{print "@M@ COUNT E " e+0; print "@M@ COUNT S " s+0; if(NR>0)print "|F " f; if(s>0)print "|M " ml; out("E",be,e); out("S",bs,s)}`

	dbLogAwkMyErr = `NR==1{f=substr($0,1,80)}
/\[ERROR\]/||/got signal [0-9]/{e++; be[e%n]=substr($0,1,w)}
END{print "@M@ COUNT E " e+0; if(NR>0)print "|F " f; out("E",be,e)}`

	dbLogAwkMySlow = `function fl(){if(c>0&&!dn){dn=1; x=e "\t" t "\t" q "\t" s; b[c%n]=x; if(c==1||v>mx){mx=v; ml=x}}}
NR==1{f=substr($0,1,80)}
/^# Time: /{fl(); t=substr($0,9,40); next}
/^# Query_time: /{fl(); c++; dn=0; q=substr($0,3,160); v=$3+0; e="-"; s=""; next}
/^SET timestamp=/{if(c>0&&!dn&&e=="-"){e=substr($0,15,20); sub(/;.*/,"",e)} next}
/^#/{next}
/^use [^ ]*;$/{next}
{if(c>0&&!dn&&s==""){s=substr($0,1,w); gsub(/\t/," ",s)}}
END{fl(); print "@M@ COUNT Q " c+0; if(NR>0)print "|F " f; if(c>0)print "|M " ml; out("Q",b,c)}`
)

func (dbLogCheck) Script(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	c, err := dbLogParse(spec)
	if err != nil || !c.configured() {
		return "", err
	}
	engine, err := dbLogEngine(a)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(oschecks.LogNowScript() + "\n")
	if engine == transport.EnginePostgres {
		if c.slowLog != "" {
			return "", inspect.BadParamMsg(spec, "slow_log", "db.param.pg_slow_log")
		}
		b.WriteString(dbLogStreamScript("error", c.errorLog, c, dbLogAwkPG))
		return b.String(), nil
	}
	if c.errorLog != "" {
		b.WriteString(dbLogStreamScript("error", c.errorLog, c, dbLogAwkMyErr))
	}
	if c.slowLog != "" {
		b.WriteString(dbLogStreamScript("slow", c.slowLog, c, dbLogAwkMySlow))
	}
	return b.String(), nil
}

// dbLogStreamScript reads one log: picks the newest file matching path
// (printed hex-encoded, so no file name can forge a marker) and hands its
// end to the awk program.
func dbLogStreamScript(name, path string, c *dbLogConf, prog string) string {
	word := inspect.ShellQuote(inspect.ArgPath(path))
	if strings.ContainsAny(path, "*?[") && inspect.SafeGlob.MatchString(path) {
		word = inspect.ArgPath(path) // a glob from the safe set: let the shell expand it
	}
	prog = strings.ReplaceAll(prog, "@M@", oschecks.LogMark)
	awk := "awk -v n=" + strconv.Itoa(dbLogShipLines) + " -v w=" + strconv.Itoa(dbLogLineMax) +
		" -v ms=" + strconv.FormatFloat(c.slowMS, 'f', -1, 64) + " '" + dbLogAwkOut + "\n" + prog + "'"
	var b strings.Builder
	b.WriteString(`echo "` + oschecks.LogMark + ` STREAM ` + name + `"` + "\n")
	b.WriteString(`b=; for f in ` + word + `; do if [ -f "$f" ] && { [ -z "$b" ] || [ "$f" -nt "$b" ]; }; then b=$f; fi; done; f=$b` + "\n")
	b.WriteString(`if [ -n "$f" ]; then printf '` + oschecks.LogMark + ` FILE '; printf '%s' "$f" | od -An -tx1 | tr -d ' \n'; echo; fi` + "\n")
	b.WriteString(oschecks.LogReadScript(c.maxBytes, `tr -d '\000' | `+awk) + "\n")
	return b.String()
}

// dbLogStream is what the collector reported for one log.
type dbLogStream struct {
	Name  string // "error" or "slow"
	File  string // the file read, as the host named it
	Out   oschecks.LogOutput
	Count map[string]int      // per kind of line, as counted on the host
	Lines map[string][]string // per kind, the last lines kept, oldest first
	First string              // the first line read
	Max   string              // the longest slow statement read
}

// dbLogOutput is the collector's report.
type dbLogOutput struct {
	Now     time.Time
	Zone    *time.Location
	Streams []*dbLogStream
}

func (o *dbLogOutput) stream(name string) *dbLogStream {
	for _, s := range o.Streams {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// parseDBLogOutput reads the collector's output. Log text only ever comes
// behind "|", so it cannot forge a marker.
func parseDBLogOutput(out string) dbLogOutput {
	top := oschecks.LogOutput{Zone: time.UTC}
	o := dbLogOutput{}
	var cur *dbLogStream
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "|") {
			if cur == nil || len(line) < 3 || line[2] != ' ' {
				continue
			}
			k, text := line[1:2], line[3:]
			switch k {
			case "F":
				cur.First = text
			case "M":
				cur.Max = text
			default:
				cur.Lines[k] = append(cur.Lines[k], text)
			}
			continue
		}
		f := oschecks.LogMarker(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "NOW":
			top.Marker(f)
		case "STREAM":
			if len(f) >= 2 {
				cur = &dbLogStream{Name: f[1], Out: oschecks.LogOutput{Size: -1}, Count: map[string]int{}, Lines: map[string][]string{}}
				o.Streams = append(o.Streams, cur)
			}
		case "FILE":
			if cur != nil && len(f) >= 2 {
				if b, err := hex.DecodeString(f[1]); err == nil {
					cur.File = string(b)
				}
			}
		case "COUNT":
			if cur != nil && len(f) >= 3 {
				if n, err := strconv.Atoi(f[2]); err == nil {
					cur.Count[f[1]] = n
				}
			}
		default:
			if cur != nil {
				cur.Out.Marker(f)
			}
		}
	}
	o.Now, o.Zone = top.Now, top.Zone
	return o
}

var (
	// PostgreSQL's %m/%t with a zone it names exactly (log_timezone UTC, or
	// a POSIX offset such as "+08").
	pgZoneTS = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)? (UTC|GMT|[+-]\d{2}(?::?\d{2})?)(?:\s|$)`)
	// PostgreSQL's %n: Unix time with milliseconds.
	epochTS = regexp.MustCompile(`^(\d{10})(?:\.\d+)?\s`)
	// MariaDB: "2026-11-29  8:00:01" (hour not padded).
	mariaTS = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}) +(\d{1,2}):(\d{2}):(\d{2})`)
	// MySQL 5.5 / old MariaDB error log and MariaDB's slow log: "261129  8:00:01".
	yymmddTS = regexp.MustCompile(`^(\d{2})(\d{2})(\d{2}) +(\d{1,2}):(\d{2}):(\d{2})`)
)

// dbLogTime reads the time at the start of a database log line, in zone
// unless the line names its own; the formats LogLineTime knows, plus
// those of PostgreSQL, MySQL and MariaDB.
func dbLogTime(line string, zone *time.Location, now time.Time) (time.Time, bool) {
	if len(line) < 10 || line[0] < '0' || line[0] > '9' {
		return oschecks.LogLineTime(line, zone, now) // syslog (PostgreSQL's log_destination = syslog)
	}
	if m := pgZoneTS.FindStringSubmatch(line); m != nil {
		z := time.UTC
		if m[2] != "UTC" && m[2] != "GMT" {
			if zz, ok := pgOffset(m[2]); ok {
				z = zz
			}
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05", m[1], z)
		return t, err == nil
	}
	if m := epochTS.FindStringSubmatch(line); m != nil {
		s, _ := strconv.ParseInt(m[1], 10, 64)
		return time.Unix(s, 0), true
	}
	if t, ok := oschecks.LogLineTime(line, zone, now); ok {
		return t, true
	}
	if m := mariaTS.FindStringSubmatch(line); m != nil {
		return dbClock(m[1], m[2], m[3], m[4], "2006-01-02", zone)
	}
	if m := yymmddTS.FindStringSubmatch(line); m != nil {
		return dbClock(m[1]+m[2]+m[3], m[4], m[5], m[6], "060102", zone)
	}
	return time.Time{}, false
}

func dbClock(date, h, m, s, layout string, zone *time.Location) (time.Time, bool) {
	if len(h) == 1 {
		h = "0" + h
	}
	t, err := time.ParseInLocation(layout+" 15:04:05", date+" "+h+":"+m+":"+s, zone)
	return t, err == nil
}

// pgOffset reads "+08", "+0800", "-05:30".
func pgOffset(s string) (*time.Location, bool) {
	s = strings.ReplaceAll(s, ":", "")
	if len(s) == 3 {
		s += "00"
	}
	return oschecks.ParseZone(s)
}

// pgLevelRE finds PostgreSQL's severity: the first "LEVEL:  " of the line
// (two spaces), in English or in the zh_CN translation.
var pgLevelRE = regexp.MustCompile(`(ERROR|FATAL|PANIC|LOG|错误|致命错误|比致命错误还过分的错误|日志):  `)

// pgDurationRE reads the duration of a LOG line's message.
var pgDurationRE = regexp.MustCompile(`^(?:duration|执行时间|持续时间): ([0-9.]+) ms`)

// pgLine classifies a PostgreSQL log line: its severity in English
// ("ERROR", "FATAL", "PANIC", "LOG"), and for a LOG line with a duration,
// the duration in ms (-1 when none; auto_explain's plan lines have none).
// ok is false for lines that are not the start of an entry.
func pgLine(line string) (level string, ms float64, ok bool) {
	loc := pgLevelRE.FindStringSubmatchIndex(line)
	if loc == nil || (loc[0] > 0 && (line[0] == ' ' || line[0] == '\t')) {
		return "", -1, false
	}
	switch line[loc[2]:loc[3]] {
	case "ERROR", "错误":
		level = "ERROR"
	case "FATAL", "致命错误":
		level = "FATAL"
	case "PANIC", "比致命错误还过分的错误":
		level = "PANIC"
	default:
		level = "LOG"
	}
	ms = -1
	if level == "LOG" {
		rest := line[loc[1]:]
		if m := pgDurationRE.FindStringSubmatch(rest); m != nil && !dbPlanRE.MatchString(rest) {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				ms = v
			}
		}
	}
	return level, ms, true
}

var dbPlanRE = regexp.MustCompile(` ms +plan:`)

// mySignalRE is a MySQL/MariaDB crash: "08:00:01 UTC - mysqld got signal
// 11 ;" (MySQL), "… [ERROR] /usr/sbin/mariadbd got signal 11 ;" (MariaDB).
var mySignalRE = regexp.MustCompile(`^(?:\d{1,2}:\d{2}:\d{2} UTC - |[^\[]{0,60}\[ERROR\] )\S*(?:mysqld|mariadbd)\S* got signal [0-9]+`)

// myErrorLine says whether a MySQL/MariaDB error-log line is an error entry
// (a time, then [ERROR] as its first bracketed tag), and whether it is a
// crash. Lines of a crash report or a query echoed in one are not entries.
func myErrorLine(line string) (isErr, crash bool) {
	if mySignalRE.MatchString(line) {
		return true, true
	}
	i := strings.Index(line, "[ERROR]")
	if i < 0 || i > 80 || strings.Contains(line[:i], "[") {
		return false, false
	}
	_, timed := dbLogTime(line, time.UTC, time.Now())
	return timed, false
}

// dbLogLine is one counted line with the time it was logged.
type dbLogLine struct {
	text  string
	at    time.Time
	timed bool    // at is known
	secs  float64 // slow statements: how long it took
}

// dbLogWindow is what one kind of line gives for the window.
type dbLogWindow struct {
	lines   []dbLogLine // in the window, oldest first
	count   int         // len(lines)
	atLeast bool        // more matched on the host than came back, and the oldest that came back is in the window
	noTimes bool        // no line had a time: the window could not be applied
}

// window keeps the lines of kind k that keep says count, from start on.
// Lines without a time take the time of the line before (LogTimes); with
// own, a line must have a time of its own to count once any line has one:
// in a log whose entries carry times, a line without one continues the
// entry before it (a statement's next line) and is not an entry itself.
func (s *dbLogStream) window(k string, start time.Time, own bool, timeOf func(string) (time.Time, bool), keep func(string) (float64, bool)) dbLogWindow {
	shipped := s.Lines[k]
	times, parsed := oschecks.LogTimes(shipped, timeOf)
	var w dbLogWindow
	firstIn := false
	for i, line := range shipped {
		in := parsed == 0 || !times[i].Before(start)
		if i == 0 {
			firstIn = in
		}
		secs, ok := keep(line)
		if !ok || !in {
			continue
		}
		if own && parsed > 0 {
			if _, timed := timeOf(line); !timed {
				continue
			}
		}
		w.lines = append(w.lines, dbLogLine{text: line, at: times[i], timed: parsed > 0, secs: secs})
	}
	w.count = len(w.lines)
	w.noTimes = len(shipped) > 0 && parsed == 0
	w.atLeast = s.Count[k] > len(shipped) && firstIn
	return w
}

func (dbLogCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	c, err := dbLogParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "db-log", err)
	}
	if !c.configured() {
		return nil // nothing to read for this asset: no result (see Applies)
	}
	engine, err := dbLogEngine(env.Asset)
	if err != nil {
		r := inspect.NewResult(env, "db-log", "")
		r.Status, r.Reason = result.Unknown, "config"
		inspect.SetMsgSub(&r, env, dbConfigMessage(env, err))
		inspect.SetAdvice(&r, env, "db.advice.config")
		return []result.Result{r}
	}
	item := "errors"
	if c.errorLog == "" {
		item = "slow"
	}
	if rr, bad := inspect.SectionUnusable(env, inspect.NewResult(env, "db-log", item)); bad {
		return []result.Result{rr}
	}
	o := parseDBLogOutput(env.Section.Stdout)
	now := o.Now
	if now.IsZero() {
		now = env.Now
	}
	envNow := *env
	envNow.Now = now
	start := inspect.WindowStart(&envNow, c.window)
	d := &dbLogEval{env: env, c: c, zone: o.Zone, now: now, start: start}

	var rs []result.Result
	if engine == transport.EnginePostgres {
		s := o.stream("error")
		if r, bad := d.unusable(s, "errors", "db.log.stream.server", c.errorLog); bad {
			return []result.Result{r}
		}
		s.File = s.file(c.errorLog)
		rs = append(rs, d.pgErrors(s), d.pgSlow(s))
		return rs
	}
	if c.errorLog != "" {
		s := o.stream("error")
		if r, bad := d.unusable(s, "errors", "db.log.stream.error", c.errorLog); bad {
			rs = append(rs, r)
		} else {
			s.File = s.file(c.errorLog)
			rs = append(rs, d.myErrors(s))
		}
	}
	if c.slowLog != "" {
		s := o.stream("slow")
		if r, bad := d.unusable(s, "slow", "db.log.stream.slow", c.slowLog); bad {
			rs = append(rs, r)
		} else {
			s.File = s.file(c.slowLog)
			rs = append(rs, d.mySlow(s))
		}
	}
	return rs
}

// dbLogEval holds what every result of one evaluation shares.
type dbLogEval struct {
	env        *inspect.Env
	c          *dbLogConf
	zone       *time.Location
	now, start time.Time
}

func (d *dbLogEval) timeOf(line string) (time.Time, bool) { return dbLogTime(line, d.zone, d.now) }

func (d *dbLogEval) since() string { return d.start.In(d.zone).Format("2006-01-02 15:04") }

// unusable is the UNKNOWN result of a log that could not be read.
func (d *dbLogEval) unusable(s *dbLogStream, item, streamKey, path string) (result.Result, bool) {
	env := d.env
	r := inspect.NewResult(env, "db-log", item)
	r.Status = result.Unknown
	name := i18n.S(streamKey)
	switch {
	case s == nil || !s.Out.Missing && !s.Out.Unreadable && len(s.Count) == 0:
		r.Reason = "parse"
		inspect.SetMsg(&r, env, "db.log.no_count", name, dbLogClean(path))
		inspect.SetEvidence(&r, dbLogClean(env.Section.Stdout), env.Section.Truncated)
	case s.Out.Missing:
		r.Reason = "missing"
		inspect.SetMsg(&r, env, "db.log.missing", name, dbLogClean(path))
		inspect.SetAdvice(&r, env, "db.log.missing_a")
	case s.Out.Unreadable:
		r.Reason = "permission"
		inspect.SetMsg(&r, env, "db.log.unreadable", name, dbLogClean(s.file(path)))
		inspect.SetAdvice(&r, env, "db.log.unreadable_a")
	default:
		return r, false
	}
	return r, true
}

func (s *dbLogStream) file(path string) string {
	if s.File != "" {
		return s.File
	}
	return path
}

// notes says what limits the figures: a read that does not reach back to
// the window's start, lines without times, output cut short.
func (d *dbLogEval) notes(s *dbLogStream, w dbLogWindow) []i18n.Sub {
	var notes []i18n.Sub
	if w.noTimes {
		notes = append(notes, i18n.S("probe.log.no_times"))
	}
	first, firstOK := time.Time{}, false
	if s.First != "" {
		first, firstOK = d.timeOf(s.First)
	}
	cut := s.Out.Size > d.c.maxBytes
	switch {
	case cut && (!firstOK || first.After(d.start)):
		notes = append(notes, i18n.S("probe.log.bytes", oschecks.HumanBytes(d.c.maxBytes), oschecks.HumanBytes(s.Out.Size)))
	case !cut && firstOK && first.After(d.start):
		notes = append(notes, i18n.S("db.log.begins", first.In(d.zone).Format("2006-01-02 15:04")))
	}
	if d.env.Section.Truncated {
		notes = append(notes, i18n.S("probe.output_truncated"))
	}
	return notes
}

func (d *dbLogEval) countText(w dbLogWindow) any {
	if w.atLeast {
		return i18n.S("probe.log.at_least", w.count)
	}
	return strconv.Itoa(w.count)
}

// errorsResult judges the errors of a window: the check's thresholds
// (default: any error warns, more than 50 is critical), CRIT on a PANIC or
// crash whatever the count.
func (d *dbLogEval) errorsResult(s *dbLogStream, streamKey string, w dbLogWindow, fatal, panics, crashes int) result.Result {
	env := d.env
	r := inspect.NewResult(env, "db-log", "errors")
	r.Status = result.OK
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = inspect.ParseThresholds("~:0", "~:50")
	}
	th.Apply(&r, float64(w.count), "errors")
	r.Metrics = []result.Metric{{Name: "db.log_errors", Value: float64(w.count)}}
	name, file := i18n.S(streamKey), dbLogClean(s.File)
	if w.count == 0 {
		inspect.SetMsg(&r, env, "db.log.errors_none", name, file, d.since())
	} else {
		inspect.SetMsg(&r, env, "db.log.errors", name, file, d.since(), d.countText(w))
		var severe []i18n.Sub
		if fatal > 0 {
			severe = append(severe, i18n.S("db.log.fatal", fatal))
		}
		if panics > 0 {
			severe = append(severe, i18n.S("db.log.panic", panics))
		}
		if crashes > 0 {
			severe = append(severe, i18n.S("db.log.crash", crashes))
		}
		if len(severe) > 0 {
			inspect.AddMsg(&r, env, "db.log.severe", dbList(env, severe))
		}
		inspect.AddMsg(&r, env, "db.log.latest", inspect.Clip(strings.TrimSpace(dbLogClean(w.lines[len(w.lines)-1].text)), 160))
		sample := w.lines[max(0, len(w.lines)-dbLogSample):]
		texts := make([]string, len(sample))
		for i, l := range sample {
			texts[i] = dbLogClean(l.text)
		}
		inspect.SetEvidence(&r, strings.Join(texts, "\n"), len(w.lines) > len(sample))
	}
	if panics > 0 || crashes > 0 {
		r.Status = result.Crit
	}
	if notes := d.notes(s, w); len(notes) > 0 {
		inspect.AddMsg(&r, env, "db.sep")
		inspect.AddPart(&r, env, dbJoin(env, notes))
	}
	switch {
	case panics > 0 || crashes > 0:
		inspect.SetAdvice(&r, env, "db.log.panic_a")
	case r.Status != result.OK:
		inspect.SetAdvice(&r, env, "db.log.errors_a")
	}
	return r
}

// slowResult judges the slow statements of a window against
// slow_warn/slow_crit. longest is the longest statement read, which is the
// longest of the window when it falls inside it.
func (d *dbLogEval) slowResult(s *dbLogStream, streamKey string, w dbLogWindow, longest dbLogLine, pgNote any, show func(dbLogLine) string) result.Result {
	env := d.env
	r := inspect.NewResult(env, "db-log", "slow")
	r.Status = result.OK
	d.c.slowTh.Apply(&r, float64(w.count), "events")
	maxSecs := 0.0
	var top dbLogLine
	for _, l := range w.lines {
		if l.secs > maxSecs {
			maxSecs, top = l.secs, l
		}
	}
	// The longest read counts when it is in the window (and it is the
	// longest of the window then, since the window lies within the read).
	if longest.text != "" && longest.secs > maxSecs && w.count > 0 && (w.noTimes || longest.timed && !longest.at.Before(d.start)) {
		maxSecs, top = longest.secs, longest
	}
	r.Metrics = []result.Metric{
		{Name: "db.slow_queries", Value: float64(w.count)},
		{Name: "db.slow_max_s", Value: round2(maxSecs), Unit: "s"},
	}
	name, file := i18n.S(streamKey), dbLogClean(s.File)
	if w.count == 0 {
		inspect.SetMsg(&r, env, "db.log.slow_none", name, file, d.since(), pgNote)
	} else {
		inspect.SetMsg(&r, env, "db.log.slow", name, file, d.since(), d.countText(w), pgNote)
		inspect.AddMsg(&r, env, "db.log.slow_max", inspect.FormatNum(round2(maxSecs)))
		if top.timed {
			inspect.AddMsg(&r, env, "db.log.slow_at", top.at.In(d.zone).Format("2006-01-02 15:04:05"))
		}
		// The longest first: they are the ones to EXPLAIN.
		byTime := slices.Clone(w.lines)
		if top.text != "" && !slices.ContainsFunc(byTime, func(l dbLogLine) bool { return l.text == top.text }) {
			byTime = append(byTime, top)
		}
		slices.SortStableFunc(byTime, func(a, b dbLogLine) int { return -cmpFloat(a.secs, b.secs) })
		byTime = byTime[:min(len(byTime), dbLogSample)]
		texts := make([]string, len(byTime))
		for i, l := range byTime {
			texts[i] = dbLogClean(show(l))
		}
		inspect.SetEvidence(&r, strings.Join(texts, "\n"), w.count > len(byTime))
	}
	if notes := d.notes(s, w); len(notes) > 0 {
		inspect.AddMsg(&r, env, "db.sep")
		inspect.AddPart(&r, env, dbJoin(env, notes))
	}
	if r.Status != result.OK {
		inspect.SetAdvice(&r, env, "db.log.slow_a")
	}
	return r
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func (d *dbLogEval) pgErrors(s *dbLogStream) result.Result {
	var fatal, panics int
	w := s.window("E", d.start, true, d.timeOf, func(line string) (float64, bool) {
		lvl, _, ok := pgLine(line)
		return 0, ok && lvl != "LOG"
	})
	for _, l := range w.lines {
		switch lvl, _, _ := pgLine(l.text); lvl {
		case "FATAL":
			fatal++
		case "PANIC":
			panics++
		}
	}
	return d.errorsResult(s, "db.log.stream.server", w, fatal, panics, 0)
}

func (d *dbLogEval) pgSlow(s *dbLogStream) result.Result {
	slowMS := d.c.slowMS
	keep := func(line string) (float64, bool) {
		lvl, ms, ok := pgLine(line)
		return ms / 1000, ok && lvl == "LOG" && ms >= 0 && ms >= slowMS
	}
	w := s.window("S", d.start, true, d.timeOf, keep)
	var longest dbLogLine
	if secs, ok := keep(s.Max); ok {
		at, timed := d.timeOf(s.Max)
		longest = dbLogLine{text: s.Max, at: at, timed: timed, secs: secs}
	}
	note := i18n.S("db.log.slow_pg", inspect.FormatNum(slowMS))
	return d.slowResult(s, "db.log.stream.server", w, longest, note, func(l dbLogLine) string { return l.text })
}

func (d *dbLogEval) myErrors(s *dbLogStream) result.Result {
	crashes := 0
	w := s.window("E", d.start, false, d.timeOf, func(line string) (float64, bool) {
		isErr, _ := myErrorLine(line)
		return 0, isErr
	})
	for _, l := range w.lines {
		if _, crash := myErrorLine(l.text); crash {
			crashes++
		}
	}
	return d.errorsResult(s, "db.log.stream.error", w, 0, 0, crashes)
}

// mySlowEntry reads a slow-log record: SET timestamp, # Time, the
// # Query_time line and the statement's first line, tab-separated.
type mySlowEntry struct {
	epoch, when, header, stmt string
	secs                      float64
	ok                        bool
}

var myQueryTimeRE = regexp.MustCompile(`^Query_time: ([0-9.]+)`)

func parseMySlow(rec string) mySlowEntry {
	f := strings.SplitN(rec, "\t", 4)
	if len(f) < 4 {
		return mySlowEntry{}
	}
	e := mySlowEntry{epoch: f[0], when: strings.TrimSpace(f[1]), header: f[2], stmt: f[3]}
	if m := myQueryTimeRE.FindStringSubmatch(e.header); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			e.secs, e.ok = v, true
		}
	}
	return e
}

func (d *dbLogEval) mySlowTime(rec string) (time.Time, bool) {
	e := parseMySlow(rec)
	if n, err := strconv.ParseInt(e.epoch, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0), true
	}
	if e.when != "" {
		return d.timeOf(e.when)
	}
	return time.Time{}, false
}

func (d *dbLogEval) mySlow(s *dbLogStream) result.Result {
	keep := func(rec string) (float64, bool) {
		e := parseMySlow(rec)
		return e.secs, e.ok
	}
	w := s.window("Q", d.start, false, d.mySlowTime, keep)
	var longest dbLogLine
	if secs, ok := keep(s.Max); ok {
		at, timed := d.mySlowTime(s.Max)
		longest = dbLogLine{text: s.Max, at: at, timed: timed, secs: secs}
	}
	show := func(l dbLogLine) string {
		e := parseMySlow(l.text)
		when := e.when
		if l.timed {
			when = l.at.In(d.zone).Format("2006-01-02 15:04:05")
		}
		return when + "  " + strings.TrimSpace(e.header) + "  " + strings.TrimSpace(e.stmt)
	}
	return d.slowResult(s, "db.log.stream.slow", w, longest, "", show)
}

// dbLogClean makes host text safe to show: valid UTF-8, no control
// characters or terminal escapes.
func dbLogClean(s string) string {
	return iostreams.Sanitize(strings.ToValidUTF8(s, "\uFFFD"))
}

// Log is the check type playbooks call "db-log".
func Log() inspect.Check { return dbLogCheck{} }
