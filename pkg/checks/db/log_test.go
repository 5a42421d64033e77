package db

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// dbLogAsset is a database asset of the engine, as the inventory has it.
func dbLogAsset(engine string) *inventory.Asset {
	return &inventory.Asset{Name: "his-db-01", Kind: inventory.KindDatabase, Address: "127.0.0.1", Port: 5432,
		Database: &inventory.Database{Engine: engine, User: "hcops_monitor"}}
}

var dbLogNowRE = regexp.MustCompile(`(?m)^@@HCOPS_LOG NOW \d+ TZ \S+$`)

// dbLogCase runs db-log's real collector with /bin/sh on this machine (the
// files here are the "host's") and evaluates its output. When now is not
// zero the host's clock and zone in the output are replaced by now's, so
// that log excerpts with fixed dates fall in a known window; the window
// starts at since (the last inspection).
type dbLogCase struct {
	engine     string
	params     map[string]any
	warn, crit string
	now, since time.Time
	lang       string
}

func (c dbLogCase) run(t *testing.T) []result.Result {
	t.Helper()
	spec := &inspect.Spec{Name: "db-log", Type: "db-log", Params: c.params, Warn: c.warn, Crit: c.crit}
	a := dbLogAsset(c.engine)
	sec := checktest.RunSnippet(t, dbLogCheck{}, spec, a)
	now := c.now
	if !now.IsZero() {
		sec.Stdout = dbLogNowRE.ReplaceAllString(sec.Stdout, fmt.Sprintf("@@HCOPS_LOG NOW %d TZ %s", now.Unix(), now.Format("-0700")))
	} else {
		now = time.Now()
	}
	th, err := inspect.ParseThresholds(c.warn, c.crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Asset: a, Thresholds: th, Section: sec, Now: now, Since: c.since, Lang: c.lang}
	return dbLogCheck{}.Evaluate(context.Background(), env)
}

func testdataLog(name string) string { return filepath.Join("testdata", "dblog", name) }

// wantDBLog checks a db-log result: status, value, and text in the message
// and the evidence (and none of notIn in either).
func wantDBLog(t *testing.T, rs []result.Result, item string, st result.Status, value float64, msg, evidence []string, notIn ...string) result.Result {
	t.Helper()
	r := item0(t, rs, item)
	if r.Status != st || r.Value == nil || *r.Value != value {
		t.Errorf("%s: got %s %v %q, want %s %v", item, r.Status, checktest.Deref(r.Value), r.Message, st, value)
	}
	for _, s := range msg {
		if !strings.Contains(r.Message, s) {
			t.Errorf("%s: message %q lacks %q", item, r.Message, s)
		}
	}
	for _, s := range evidence {
		if !strings.Contains(r.Evidence, s) {
			t.Errorf("%s: evidence lacks %q:\n%s", item, s, r.Evidence)
		}
	}
	for _, s := range notIn {
		if strings.Contains(r.Message, s) || strings.Contains(r.Evidence, s) {
			t.Errorf("%s: %q should not be shown:\n%s\n%s", item, s, r.Message, r.Evidence)
		}
	}
	return r
}

func item0(t *testing.T, rs []result.Result, name string) result.Result {
	t.Helper()
	for _, r := range rs {
		if r.Item == name {
			return r
		}
	}
	t.Fatalf("no result with item %q in %+v", name, rs)
	return result.Result{}
}

// PostgreSQL server logs: the default prefix with ms and a zone
// abbreviation of the host's zone, extra prefix fields (user@db), %t
// without ms, multi-line statements (one starting "ERROR:  " at column 0),
// DETAIL/STATEMENT lines, auto_explain plans, warnings, and a line of
// binary and terminal escapes.
func TestDBLogPostgresServerLog(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, checktest.CST)
	c := dbLogCase{engine: "postgresql", params: map[string]any{"error_log": testdataLog("postgresql-16-cst.log")}, now: now, since: now.Add(-24 * time.Hour)}
	rs := c.run(t)
	if len(rs) != 2 {
		t.Fatalf("want errors and slow, got %+v", rs)
	}
	e := wantDBLog(t, rs, "errors", result.Warn, 4,
		[]string{"server log " + testdataLog("postgresql-16-cst.log") + ": 4 error(s) since 2026-11-28 12:00", "(FATAL 1)", "latest: 2026-11-29 03:00:00.000 CST [2500] app@his ERROR:  invalid byte sequence"},
		[]string{"duplicate key value", `FATAL:  password authentication failed for user "his"`, "statement timeout", "invalid byte sequence"},
		"old_table", "continuation line", "no transaction in progress", "\x1b", "\x07", "\x00", "\xff")
	if e.Advice == "" || !strings.Contains(e.Advice, "STATEMENT lines") {
		t.Errorf("advice %q", e.Advice)
	}
	if v, _ := checktest.Metric(e, "db.log_errors"); v != 4 {
		t.Errorf("metric db.log_errors %v", v)
	}
	s := wantDBLog(t, rs, "slow", result.OK, 3,
		[]string{"3 slow statement(s) since 2026-11-28 12:00 (1000 ms or longer), the longest took 60 s (2026-11-29 11:00:00)"},
		[]string{"VACUUM FULL visit", "execute <unnamed>: SELECT * FROM lab", "duration: 1500.250 ms"},
		"999.999", "plan:")
	if v, _ := checktest.Metric(s, "db.slow_queries"); v != 3 {
		t.Errorf("db.slow_queries %v", v)
	}
	if v, _ := checktest.Metric(s, "db.slow_max_s"); v != 60 {
		t.Errorf("db.slow_max_s %v", v)
	}
	// The longest comes first in the evidence: it is the one to EXPLAIN.
	if !strings.HasPrefix(s.Evidence, "2026-11-29 11:00:00.000 CST [2501] LOG:  duration: 60000.000 ms") {
		t.Errorf("evidence order:\n%s", s.Evidence)
	}

	// slow_ms and the slow thresholds; the errors' own thresholds.
	c.params = map[string]any{"error_log": testdataLog("postgresql-16-cst.log"), "slow_ms": 2000, "slow_warn": "~:1", "slow_crit": "~:5"}
	c.warn, c.crit = "~:10", "~:20"
	rs = c.run(t)
	wantDBLog(t, rs, "errors", result.OK, 4, nil, nil)
	s = wantDBLog(t, rs, "slow", result.Warn, 2, []string{"(2000 ms or longer)"}, nil, "1500.250")
	if s.Warn != "~:1" || s.Crit != "~:5" || !strings.Contains(s.Advice, "EXPLAIN") {
		t.Errorf("slow thresholds %q %q, advice %q", s.Warn, s.Crit, s.Advice)
	}

	// A shorter window: since the last inspection 10 hours ago.
	c.params, c.warn, c.crit = map[string]any{"error_log": testdataLog("postgresql-16-cst.log")}, "", ""
	c.since = now.Add(-10 * time.Hour)
	rs = c.run(t)
	wantDBLog(t, rs, "errors", result.Warn, 1, []string{"1 error(s) since 2026-11-29 02:00"}, nil, "duplicate key", "statement timeout")
	wantDBLog(t, rs, "slow", result.OK, 1, nil, nil)
	// An explicit window wins over the last inspection.
	c.params = map[string]any{"error_log": testdataLog("postgresql-16-cst.log"), "window": "1h"}
	rs = c.run(t)
	wantDBLog(t, rs, "errors", result.OK, 0, []string{"no errors since 2026-11-29 11:00"}, nil)
	wantDBLog(t, rs, "slow", result.OK, 1, nil, nil)
}

// lc_messages = zh_CN: PostgreSQL writes its severities and durations in
// Chinese; the log's own zone (UTC) is honoured on a +0800 host; a PANIC is
// critical whatever the thresholds say.
func TestDBLogPostgresChineseMessages(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, checktest.CST)
	rs := dbLogCase{engine: "postgresql", params: map[string]any{"error_log": testdataLog("postgresql-15-zh_CN.log")},
		warn: "~:10", crit: "~:20", now: now, since: time.Date(2026, 11, 29, 9, 30, 0, 0, checktest.CST)}.run(t)
	e := wantDBLog(t, rs, "errors", result.Crit, 3, []string{"(FATAL 1, PANIC 1)"}, []string{"比致命错误还过分的错误:  无法写入到文件"}, "警告")
	if !strings.Contains(e.Advice, "PANIC") {
		t.Errorf("advice %q", e.Advice)
	}
	wantDBLog(t, rs, "slow", result.OK, 1, []string{"the longest took 3 s (2026-11-29 10:10:00)"}, []string{"执行时间: 3000.500 ms"}, "20.500")
}

// The real log of a PostgreSQL 15 started by the test helper (default
// prefix plus user@db, log_min_duration_statement = 500): two failed
// queries, three slow ones, one of them spread over three lines.
func TestDBLogPostgresRealCapture(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c := dbLogCase{engine: "postgresql", params: map[string]any{"error_log": testdataLog("postgresql-15-real.log"), "slow_ms": 500}, now: now, since: now.Add(-time.Hour)}
	rs := c.run(t)
	wantDBLog(t, rs, "errors", result.Warn, 2, nil, []string{`relation "no_such_table" does not exist`, "division by zero"}, "STATEMENT")
	wantDBLog(t, rs, "slow", result.OK, 3, []string{"the longest took 1.2"}, []string{"SELECT pg_sleep(1.2)"}, "FROM pg_class")
}

// MySQL and MariaDB error logs: [ERROR] entries count, [Warning]/[Note]/
// [System] do not, a crash report counts once (its stack and the query
// echoed in it do not) and is critical.
func TestDBLogMySQLErrorLogs(t *testing.T) {
	for _, tc := range []struct {
		file, engine string
		now, since   time.Time
		st           result.Status
		n            float64
		msg          []string
		evidence     []string
		notIn        []string
	}{
		{"mysql-8.0-error.log", "mysql", time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC),
			result.Crit, 4, []string{"error log " + testdataLog("mysql-8.0-error.log") + ": 4 error(s)", "(server crash 1)", "latest: 2026-11-28T09:00:00.000000Z 12 [ERROR] [MY-011011] [Repl]"},
			[]string{"[MY-012592]", "mysqld got signal 11"}, []string{"Aborting", "semaphore", "not a log entry", "Aborted connection"}},
		{"mysql-5.7-error.log", "mysql", time.Date(2026, 11, 29, 12, 0, 0, 0, checktest.CST), time.Date(2026, 11, 28, 12, 0, 0, 0, checktest.CST),
			result.Warn, 2, []string{"2 error(s) since 2026-11-28 12:00"}, []string{"Error_code: 1062", "Errcode: 28"}, []string{"before the window", "could not be resolved"}},
		{"mariadb-5.5-error.log", "mariadb", time.Date(2026, 11, 29, 12, 0, 0, 0, checktest.CST), time.Date(2026, 11, 28, 12, 0, 0, 0, checktest.CST),
			result.Crit, 2, []string{"(server crash 1)"}, []string{"marked as crashed", "261129  8:00:01 [ERROR] mysqld got signal 11 ;"}, []string{"before the window", "Aborted connection", "libraries"}},
		{"mariadb-10.11-error-real.log", "mariadb", time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC),
			result.Warn, 1, []string{"1 error(s) since 2026-11-29 09:00"}, []string{"Event Scheduler: [root@localhost][d.e] Table 'd.nosuch' doesn't exist"}, []string{"Access denied", "skip-name-resolve"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rs := dbLogCase{engine: tc.engine, params: map[string]any{"error_log": testdataLog(tc.file)}, now: tc.now, since: tc.since}.run(t)
			if len(rs) != 1 {
				t.Fatalf("want only the errors result without slow_log, got %+v", rs)
			}
			wantDBLog(t, rs, "errors", tc.st, tc.n, tc.msg, tc.evidence, tc.notIn...)
		})
	}
}

// Slow query logs: MySQL 8 (ISO # Time, a multi-line statement with a
// "use" line) and a real MariaDB 10.11 one (YYMMDD # Time, left out for the
// second statement of the same second).
func TestDBLogMySQLSlowLogs(t *testing.T) {
	rs := dbLogCase{engine: "mysql", params: map[string]any{"slow_log": testdataLog("mysql-8.0-slow.log")},
		now: time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC), since: time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)}.run(t)
	if len(rs) != 1 {
		t.Fatalf("want only the slow result without error_log, got %+v", rs)
	}
	s := wantDBLog(t, rs, "slow", result.OK, 2, []string{"slow query log " + testdataLog("mysql-8.0-slow.log") + ": 2 slow statement(s) since 2026-11-28 04:00, the longest took 12.3 s (2026-11-28 05:59:48)"},
		[]string{"Query_time: 12.300000  Lock_time: 0.000100 Rows_sent: 20  Rows_examined: 1500000  SELECT p.name, v.date", "SELECT /* nightly */ SUM(amount) FROM fee;"},
		"99.0", "COUNT(*)", "use his", "ms or longer")
	if v, _ := checktest.Metric(s, "db.slow_max_s"); v != 12.3 {
		t.Errorf("db.slow_max_s %v", v)
	}

	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c := dbLogCase{engine: "mariadb", params: map[string]any{"slow_log": testdataLog("mariadb-10.11-slow-real.log"), "slow_warn": "~:3"}, now: now, since: now.Add(-time.Hour)}
	wantDBLog(t, c.run(t), "slow", result.Warn, 4, []string{"the longest took 1.5 s (2026-11-29 09:32:40)"}, []string{"SELECT SLEEP(1.5);", "SELECT SLEEP(0.6);"})
	c.since = time.Date(2026, 11, 29, 9, 32, 39, 0, time.UTC)
	wantDBLog(t, c.run(t), "slow", result.OK, 3, nil, nil, "SLEEP(0.7)")
}

// Both logs of a MySQL instance give both results; a log that is not there
// is UNKNOWN with advice while the other is still judged.
func TestDBLogMySQLBothLogsOneMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "mysql", "error.log")
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	rs := dbLogCase{engine: "mysql", params: map[string]any{"error_log": missing, "slow_log": testdataLog("mysql-8.0-slow.log")},
		now: now, since: now.Add(-24 * time.Hour)}.run(t)
	if len(rs) != 2 {
		t.Fatalf("%+v", rs)
	}
	e := item0(t, rs, "errors")
	if e.Status != result.Unknown || e.Reason != "missing" || e.Message != "error log "+missing+" does not exist or cannot be reached" || !strings.Contains(e.Advice, "error_log/slow_log") {
		t.Errorf("missing: %s %s %q %q", e.Status, e.Reason, e.Message, e.Advice)
	}
	wantDBLog(t, rs, "slow", result.OK, 2, nil, nil)
}

// A glob reads the newest matching file (PostgreSQL's postgresql-%a.log
// rotation); a glob matching nothing is UNKNOWN.
func TestDBLogGlobNewestFile(t *testing.T) {
	dir := t.TempDir()
	line := func(ago time.Duration, msg string) string {
		return time.Now().Add(-ago).Format("2006-01-02 15:04:05.000 MST") + " [42] " + msg + "\n"
	}
	old := filepath.Join(dir, "postgresql-Sat.log")
	cur := filepath.Join(dir, "postgresql-Sun.log")
	os.WriteFile(old, []byte(line(time.Hour, "ERROR:  in the older file")), 0o644)
	os.WriteFile(cur, []byte(line(time.Hour, "ERROR:  in the newest file")+line(time.Minute, "ERROR:  again")), 0o644)
	os.Chtimes(old, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	rs := dbLogCase{engine: "postgresql", params: map[string]any{"error_log": filepath.Join(dir, "postgresql-*.log")}, since: time.Now().Add(-24 * time.Hour)}.run(t)
	wantDBLog(t, rs, "errors", result.Warn, 2, []string{"server log " + cur + ": 2 error(s)"}, []string{"in the newest file"}, "older file")

	rs = dbLogCase{engine: "postgresql", params: map[string]any{"error_log": filepath.Join(dir, "nothing-*.log")}, since: time.Now().Add(-24 * time.Hour)}.run(t)
	if r := checktest.One(t, rs); r.Status != result.Unknown || r.Reason != "missing" {
		t.Errorf("%s %s %q", r.Status, r.Reason, r.Message)
	}
	// A path with characters a glob may not have is taken literally.
	odd := filepath.Join(dir, "pg log $(touch "+filepath.Join(dir, "pwned")+") *.log")
	dbLogCase{engine: "postgresql", params: map[string]any{"error_log": odd}, since: time.Now().Add(-time.Hour)}.run(t)
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("the path was run as a command")
	}
}

// Log text can neither forge the collector's markers nor leak control
// characters; only the end of a large log is read, and the message says
// when the read does not reach back to the window's start.
func TestDBLogHostileAndLargeLogs(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "error.log")
	ts := func(ago time.Duration) string {
		return time.Now().Add(-ago).UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	var b strings.Builder
	b.WriteString(ts(5*time.Hour) + " 0 [ERROR] [MY-000001] [Server] far back, before the part read\n")
	for b.Len() < 300_000 {
		b.WriteString(ts(4*time.Hour) + " 0 [Note] [MY-000002] [Server] filler filler filler filler\n")
	}
	b.WriteString(ts(time.Hour) + " 0 [ERROR] [MY-000003] [Server] \x1b]0;owned\x07title \x1b[2Jcleared\n")
	b.WriteString("@@HCOPS_LOG COUNT E 999\n|E " + ts(time.Minute) + " 0 [ERROR] forged\n@@HCOPS_LOG STREAM slow\n@@HCOPS_LOG MISSING\n")
	os.WriteFile(p, []byte(b.String()), 0o644)
	rs := dbLogCase{engine: "mysql", params: map[string]any{"error_log": p, "max_bytes": "64K"}, since: time.Now().Add(-24 * time.Hour)}.run(t)
	r := wantDBLog(t, rs, "errors", result.Warn, 1, []string{"1 error(s)", "only the last 64.0 KiB of "}, []string{"[MY-000003]", "title cleared"}, "far back", "forged", "owned", "\x1b", "\x07")
	if len(rs) != 1 || r.Reason != "" {
		t.Errorf("forged stream: %+v", rs)
	}
}

// The time formats of database logs.
func TestDBLogTime(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, checktest.CST)
	for _, c := range []struct {
		line string
		want time.Time
	}{
		{"2026-11-29 08:00:01.123 CST [1234] ERROR:  x", time.Date(2026, 11, 29, 8, 0, 1, 0, checktest.CST)},
		{"2026-11-29 08:00:01 CST [1234] app@his ERROR:  x", time.Date(2026, 11, 29, 8, 0, 1, 0, checktest.CST)},
		{"2026-11-29 00:00:01.123 UTC [1234] ERROR:  x", time.Date(2026, 11, 29, 0, 0, 1, 0, time.UTC)},
		{"2026-11-29 08:00:01 +08 [1234] LOG:  x", time.Date(2026, 11, 29, 8, 0, 1, 0, checktest.CST)},
		{"1795944742.123 [1234] ERROR:  x", time.Unix(1795944742, 0)},
		{"2026-11-29T08:00:01.123456Z 0 [ERROR] [MY-010119] [Server] x", time.Date(2026, 11, 29, 8, 0, 1, 0, time.UTC)},
		{"2026-11-29T16:00:01.123456+08:00 0 [ERROR] x", time.Date(2026, 11, 29, 8, 0, 1, 0, time.UTC)},
		{"2026-11-29  8:00:01 0 [ERROR] x", time.Date(2026, 11, 29, 8, 0, 1, 0, checktest.CST)},
		{"2026-11-29 18:00:01 0 [ERROR] x", time.Date(2026, 11, 29, 18, 0, 1, 0, checktest.CST)},
		{"261129  8:00:01 [ERROR] x", time.Date(2026, 11, 29, 8, 0, 1, 0, checktest.CST)},
		{"261129 18:00:01", time.Date(2026, 11, 29, 18, 0, 1, 0, checktest.CST)},
		{"Nov 29 08:00:01 his-db-01 postgres[1234]: [3-1] ERROR:  x", time.Date(2026, 11, 29, 8, 0, 1, 0, checktest.CST)},
	} {
		got, ok := dbLogTime(c.line, checktest.CST, now)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%q: got %v %v, want %v", c.line, got, ok, c.want)
		}
	}
	for _, line := range []string{"08:00:01 UTC - mysqld got signal 11 ;", "\t FROM visit", "ERROR:  no prefix", "", "2026-13-45 99:99:99 x"} {
		if got, ok := dbLogTime(line, checktest.CST, now); ok {
			t.Errorf("%q: got %v, want no time", line, got)
		}
	}
}

// Parameters are checked before any host is contacted.
func TestDBLogParams(t *testing.T) {
	for _, c := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"error_log": "/x", "slow_ms": -1}, "slow_ms"},
		{map[string]any{"error_log": "/x", "slow_warn": "~:x"}, "slow_warn"},
		{map[string]any{"error_log": "/x", "max_bytes": "lots"}, "max_bytes"},
		{map[string]any{"eror_log": "/x"}, "error_log"},
	} {
		err := dbLogCheck{}.Validate(&inspect.Spec{Name: "db-log", Type: "db-log", Params: c.params})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error naming %s", c.params, err, c.want)
		}
		// A mistake keeps the check in the plan, so it is reported.
		if !(dbLogCheck{}).Applies(&inspect.Spec{Params: c.params}, dbLogAsset("mysql")) {
			t.Errorf("%v: a bad parameter must not make the check disappear", c.params)
		}
	}
	_, err := dbLogCheck{}.Script(&inspect.Spec{Name: "db-log", Params: map[string]any{"error_log": "/x", "slow_log": "/y"}}, dbLogAsset("postgresql"))
	if err == nil || err.Error() != "check db-log: parameter slow_log: PostgreSQL writes slow statements (duration: lines) to its server log: give error_log only" {
		t.Errorf("slow_log for PostgreSQL: %v", err)
	} else if zh := i18n.Render(i18n.ZH, "inspect.param.detail", i18n.Neutral([]any{err})); zh != "检查项 db-log 的参数 slow_log：PostgreSQL 把慢语句（duration: 行）写在服务器日志中：只需给出 error_log" {
		// The run's result quotes the error (an UNKNOWN "config" result):
		// in Chinese under --lang zh.
		t.Errorf("slow_log for PostgreSQL in Chinese: %q", zh)
	}
	_, err = dbLogCheck{}.Script(&inspect.Spec{Name: "db-log", Params: map[string]any{"error_log": "/x"}}, dbLogAsset("oracle"))
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("unsupported engine: %v", err)
	}
}

// An asset without log paths (a cloud database without SSH) gets no db-log
// at all: the plan leaves it out, so there is no SSH script and no result;
// an asset whose override gives the path gets it, as a shell check.
func TestDBLogNotConfiguredIsLeftOut(t *testing.T) {
	pb, err := inspect.ParsePlaybook(testChecks, "db-health.yaml", []byte("name: db-health\nchecks:\n  - {name: db-status, type: db-status}\n  - {name: db-log, type: db-log, params: {slow_ms: 1000}}\n"), "db-health")
	if err != nil {
		t.Fatal(err)
	}
	cloud := dbLogAsset("mysql")
	cloud.Name = "cloud-db"
	own := dbLogAsset("postgresql")
	own.Name = "own-db"
	own.Checks = map[string]inventory.CheckOverride{"db-log": {Params: map[string]any{"error_log": "/var/log/postgresql/postgresql-*.log"}}}
	p, err := inspect.BuildPlan(inspect.PlanInput{Assets: []*inventory.Asset{cloud, own}, Playbooks: []*inspect.Playbook{pb}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, h := range p.Hosts {
		for _, it := range h.Items {
			kind := "probe"
			if it.Shell() {
				kind = "shell"
			}
			got[h.Name] = append(got[h.Name], it.Spec.Name+":"+kind)
		}
	}
	if fmt.Sprint(got["cloud-db"]) != "[db-status:probe]" || fmt.Sprint(got["own-db"]) != "[db-status:probe db-log:shell]" {
		t.Errorf("plan: %v", got)
	}
	if s, err := (dbLogCheck{}).Script(&pb.Checks[1], cloud); s != "" || err != nil {
		t.Errorf("unconfigured script %q %v", s, err)
	}
	if rs := (dbLogCheck{}).Evaluate(context.Background(), &inspect.Env{Spec: &pb.Checks[1], Asset: cloud}); rs != nil {
		t.Errorf("unconfigured results %+v", rs)
	}
}

// Chinese messages read as the engineer's own language, with the figures.
func TestDBLogChinese(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, checktest.CST)
	rs := dbLogCase{engine: "postgresql", params: map[string]any{"error_log": testdataLog("postgresql-16-cst.log")}, now: now, since: now.Add(-24 * time.Hour), lang: i18n.ZH}.run(t)
	e := item0(t, rs, "errors")
	if want := "数据库日志 " + testdataLog("postgresql-16-cst.log") + "：自 2026-11-28 12:00 以来记录错误 4 条（其中 FATAL 1 条）；最近一条："; !strings.HasPrefix(e.Message, want) {
		t.Errorf("errors: %q, want prefix %q", e.Message, want)
	}
	if !strings.HasPrefix(e.Advice, "查看证据中的错误行") {
		t.Errorf("advice %q", e.Advice)
	}
	checktest.WantChinese(t, rs)
	s := item0(t, rs, "slow")
	if want := "：自 2026-11-28 12:00 以来慢查询 3 条（执行时间不少于 1000 毫秒），最长一条耗时 60 秒（2026-11-29 11:00:00）"; !strings.Contains(s.Message, want) {
		t.Errorf("slow: %q, want %q", s.Message, want)
	}
	rs = dbLogCase{engine: "mysql", params: map[string]any{"error_log": "/nonexistent/mysql/error.log"}, lang: i18n.ZH}.run(t)
	if r := checktest.One(t, rs); r.Message != "错误日志 /nonexistent/mysql/error.log 不存在或无法访问" || !strings.HasPrefix(r.Advice, "核对清单中该资产") {
		t.Errorf("missing: %q %q", r.Message, r.Advice)
	}
	checktest.WantChinese(t, rs)
}

// Every message key db-log uses is in the catalogue, in both languages.
func TestDBLogMessagesInCatalogue(t *testing.T) {
	checktest.WantKeys(t, []string{"log.go"}, 20)
}

// Real servers write the logs: PostgreSQL with log_min_duration_statement
// (a failed query, a failed login, a slow and a quick pg_sleep), MariaDB
// with its slow query log (a slow and a quick SLEEP, an event that fails,
// and logins refused, which it logs as warnings). db-log's collector reads
// their actual log files.
func TestDBLogRealServers(t *testing.T) {
	start := time.Now().Add(-time.Second)
	t.Run("postgresql", func(t *testing.T) {
		pg := testenv.StartPostgres(t, "log_min_duration_statement = 1000")
		db := openDirect(t, "pgx", fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", pg.Password, pg.Port))
		if _, err := db.Exec("SELECT * FROM no_such_table"); err == nil {
			t.Fatal("the bad query ran")
		}
		if bad, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres:wrong@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)); err == nil {
			if bad.Ping() == nil {
				t.Fatal("a wrong password logged in")
			}
			bad.Close()
		}
		for _, q := range []string{"SELECT pg_sleep(1.2)", "SELECT pg_sleep(0.2)"} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		rs := dbLogCase{engine: "postgresql", params: map[string]any{"error_log": pg.Log}, since: start}.run(t)
		wantDBLog(t, rs, "errors", result.Warn, 2, []string{"(FATAL 1)"}, []string{`relation "no_such_table" does not exist`, `password authentication failed for user "postgres"`})
		s := wantDBLog(t, rs, "slow", result.OK, 1, []string{"the longest took 1.2"}, []string{"statement: SELECT pg_sleep(1.2)"}, "pg_sleep(0.2)")
		if v, _ := checktest.Metric(s, "db.slow_max_s"); v < 1.2 || v > 2 {
			t.Errorf("db.slow_max_s %v", v)
		}
	})
	t.Run("mariadb", func(t *testing.T) {
		m := testenv.StartMariaDB(t, 1, "--slow-query-log=1", "--long-query-time=0.5")
		m.SQL(t, "SELECT SLEEP(0.7); SELECT SLEEP(0.1)")
		m.SQL(t, "CREATE DATABASE ev; CREATE EVENT ev.fail ON SCHEDULE AT CURRENT_TIMESTAMP DO INSERT INTO ev.nosuch VALUES (1); SET GLOBAL event_scheduler = ON")
		if bad, err := sql.Open("mysql", fmt.Sprintf("root:wrong@tcp(127.0.0.1:%d)/", m.Port)); err == nil {
			bad.Ping()
			bad.Close()
		}
		testenv.WaitFor(t, 20*time.Second, "the event's error in the error log", func() bool {
			b, _ := os.ReadFile(m.ErrorLog)
			return strings.Contains(string(b), "[ERROR] Event Scheduler")
		})
		if b, _ := os.ReadFile(m.ErrorLog); !strings.Contains(string(b), "[Warning] Access denied") {
			t.Fatalf("the refused login is not in the error log as a warning:\n%s", b)
		}
		rs := dbLogCase{engine: "mariadb", params: map[string]any{"error_log": m.ErrorLog, "slow_log": m.SlowLog}, since: start}.run(t)
		wantDBLog(t, rs, "errors", result.Warn, 1, nil, []string{"[ERROR] Event Scheduler: [root@localhost][ev.fail] Table 'ev.nosuch' doesn't exist"}, "Access denied")
		wantDBLog(t, rs, "slow", result.OK, 1, []string{"the longest took 0.7 s"}, []string{"SELECT SLEEP(0.7)"}, "SLEEP(0.1)")
	})
}

// The collector's awk programs give the same output under gawk (RHEL,
// Kylin, UOS), mawk (Debian, Ubuntu) and busybox awk (appliances), on every
// log excerpt.
func TestDBLogAwkImplementations(t *testing.T) {
	type impl struct{ name, dir string }
	var impls []impl
	for _, name := range []string{"gawk", "mawk", "busybox"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Logf("%s is not installed here", name)
			continue
		}
		dir := t.TempDir()
		script := "#!/bin/sh\nexec " + p + " \"$@\"\n"
		if name == "busybox" {
			script = "#!/bin/sh\nexec " + p + " awk \"$@\"\n"
		}
		if err := os.WriteFile(filepath.Join(dir, "awk"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		impls = append(impls, impl{name, dir})
	}
	if len(impls) < 2 {
		t.Fatalf("need two awk implementations to compare, have %v", impls)
	}
	for _, c := range []struct{ engine, param, file string }{
		{"postgresql", "error_log", "postgresql-16-cst.log"},
		{"postgresql", "error_log", "postgresql-15-zh_CN.log"},
		{"postgresql", "error_log", "postgresql-15-real.log"},
		{"mysql", "error_log", "mysql-8.0-error.log"},
		{"mariadb", "error_log", "mariadb-5.5-error.log"},
		{"mysql", "slow_log", "mysql-8.0-slow.log"},
		{"mariadb", "slow_log", "mariadb-10.11-slow-real.log"},
	} {
		s, err := dbLogCheck{}.Script(&inspect.Spec{Name: "db-log", Params: map[string]any{c.param: testdataLog(c.file)}}, dbLogAsset(c.engine))
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for _, im := range impls {
			cmd := exec.Command("/bin/sh", "-c", "LC_ALL=C; export LC_ALL\n"+s)
			cmd.Env = append(os.Environ(), "PATH="+im.dir+":"+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", c.file, im.name, err, out)
			}
			got := dbLogNowRE.ReplaceAllString(string(out), "")
			if !strings.Contains(got, "@@HCOPS_LOG COUNT ") {
				t.Errorf("%s %s: no counts:\n%s", c.file, im.name, got)
			}
			if first == "" {
				first = got
			} else if got != first {
				t.Errorf("%s: %s differs from %s:\n%s\n---\n%s", c.file, im.name, impls[0].name, got, first)
			}
		}
	}
}

// More matching lines than come back from the host: the figure is a lower
// bound, and says so.
func TestDBLogManyErrorsIsALowerBound(t *testing.T) {
	var b strings.Builder
	for i := 0; i < dbLogShipLines+50; i++ {
		fmt.Fprintf(&b, "%s %d [ERROR] [MY-010584] [Repl] Slave I/O for channel '': error reconnecting to master, Error_code: MY-002003\n",
			time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z"), i)
	}
	p := filepath.Join(t.TempDir(), "error.log")
	os.WriteFile(p, []byte(b.String()), 0o644)
	rs := dbLogCase{engine: "mysql", params: map[string]any{"error_log": p}, since: time.Now().Add(-time.Hour)}.run(t)
	r := wantDBLog(t, rs, "errors", result.Crit, dbLogShipLines, []string{fmt.Sprintf("at least %d error(s)", dbLogShipLines)}, nil)
	if n := strings.Count(r.Evidence, "\n") + 1; n != dbLogSample || !r.EvidenceTruncated {
		t.Errorf("evidence has %d lines (truncated %v), want %d", n, r.EvidenceTruncated, dbLogSample)
	}
}
