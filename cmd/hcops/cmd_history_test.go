package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/backup"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// historyEnv is a history database seeded through pkg/store, and a way to
// run the real command tree against it.
type historyEnv struct {
	dir, db string
}

func newHistoryEnv(t *testing.T) *historyEnv {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("HCOPS_DB", "")
	t.Setenv("HCOPS_OUTPUT", "")
	t.Setenv("HCOPS_CONFIG", "")
	return &historyEnv{dir: dir, db: filepath.Join(dir, "history.db")}
}

func (e *historyEnv) hcops(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := newRootCmd(ios)
	root.SetArgs(append([]string{"--db", e.db, "--lang", "en"}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		if _, ok := err.(*exitStatusError); !ok {
			errOut.WriteString("hcops: " + err.Error() + "\n")
		}
	}
	return exitCode(err), out.String(), errOut.String()
}

func (e *historyEnv) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func histVal(v float64) *float64 { return &v }

// seed stores a run of kind started at start, lasting a minute, with rs.
func seedHistoryRun(t *testing.T, db *store.DB, kind string, start time.Time, status string, rs ...result.Result) *result.Run {
	t.Helper()
	ctx := context.Background()
	run := &result.Run{Kind: kind, StartedAt: start, Playbooks: []string{"linux-daily"}, Selector: "zone=intranet",
		Assets: 2, Inventory: 40, Operator: "ops", RanFrom: "jump-01"}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.FinishedAt = start.Add(time.Minute)
	run.Status = status
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	return run
}

func sampleHistoryResults() []result.Result {
	return []result.Result{
		{Asset: "web-01", Check: "load", Status: result.OK, Value: histVal(0.5), Message: "load 0.50"},
		{Asset: "db-01", Check: "disk:/data", Item: "/data", Status: result.Crit, Value: histVal(97.5), Unit: "%",
			Warn: "80", Crit: "95", Message: "/data is 97.5% full", Evidence: "/dev/sdb1 97%\n",
			Metrics: []result.Metric{{Name: "disk.used_pct", Value: 97.5, Unit: "%"}}},
		{Asset: "web-01", Check: "disk:/var", Status: result.Warn, Value: histVal(85), Unit: "%", Message: "/var is 85% full"},
		{Asset: "app-01", Check: "connect", Status: result.Unreachable, Reason: result.ReasonTimeout, Message: "connect: timed out"},
	}
}

func histTSV(out string) [][]string {
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l != "" {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows
}

func TestHistoryList(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	now := time.Now().Truncate(time.Second)
	old := seedHistoryRun(t, db, "inspect", now.Add(-72*time.Hour), "completed", sampleHistoryResults()...)
	bk := seedHistoryRun(t, db, "backup", now.Add(-30*time.Hour), "failed", result.Result{Asset: "db-01", Check: "restic", Status: result.Crit, Message: "snapshot too old"})
	recent := seedHistoryRun(t, db, "inspect", now.Add(-2*time.Hour), "completed", sampleHistoryResults()[:1]...)

	code, out, errOut := e.hcops(t, "history", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := histTSV(out)
	wantHeader := "ID KIND STARTED DURATION STATUS PLAYBOOKS ASSETS OK WARN CRIT UNKNOWN UNREACHABLE"
	if len(rows) != 4 || strings.Join(rows[0], " ") != wantHeader {
		t.Fatalf("list output:\n%s", out)
	}
	first := strings.Join(rows[3], "|")
	want := histID(old.ID) + "|inspect|" + old.StartedAt.Format(time.DateTime) + "|1m0s|completed|linux-daily|2|1|1|1|0|1"
	if first != want {
		t.Errorf("oldest row\n got %s\nwant %s", first, want)
	}
	if rows[1][0] != histID(recent.ID) || rows[2][0] != histID(bk.ID) || rows[2][4] != "failed" || rows[2][1] != "backup" {
		t.Errorf("rows not newest first or wrong: %v", rows[1:])
	}

	for _, tc := range []struct {
		args []string
		ids  []int64
	}{
		{[]string{"--kind", "backup"}, []int64{bk.ID}},
		{[]string{"--since", "2d"}, []int64{recent.ID, bk.ID}},
		{[]string{"--since", now.Add(-3 * time.Hour).Format("2006-01-02 15:04")}, []int64{recent.ID}},
		{[]string{"--limit", "1"}, []int64{recent.ID}},
		{[]string{"--status", "failed"}, []int64{bk.ID}},
	} {
		code, out, errOut := e.hcops(t, append([]string{"history", "list"}, tc.args...)...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
			continue
		}
		var got []int64
		for _, r := range histTSV(out)[1:] {
			got = append(got, histAtoi(t, r[0]))
		}
		if !slices.Equal(got, tc.ids) {
			t.Errorf("list %v: ids %v, want %v", tc.args, got, tc.ids)
		}
	}

	code, out, _ = e.hcops(t, "history", "list", "-o", "json", "--kind", "inspect")
	var runs []result.Run
	if err := json.Unmarshal([]byte(out), &runs); code != 0 || err != nil {
		t.Fatalf("json: exit %d, %v:\n%s", code, err, out)
	}
	if len(runs) != 2 || runs[1].ID != old.ID || runs[1].Counts != (result.Counts{OK: 1, Warn: 1, Crit: 1, Unreachable: 1}) ||
		runs[1].Worst != result.Crit || runs[1].Operator != "ops" || runs[1].RanFrom != "jump-01" || len(runs[1].Results) != 0 {
		t.Errorf("json runs: %+v", runs)
	}
	for _, field := range []string{`"run_id"`, `"started_at"`, `"finished_at"`, `"counts"`, `"unreachable"`} {
		if !strings.Contains(out, field) {
			t.Errorf("json lacks %s", field)
		}
	}
	_, out, _ = e.hcops(t, "history", "list", "-o", "yaml", "--limit", "1")
	for _, field := range []string{"- run_id: " + histID(recent.ID), "  started_at: ", "  counts:\n", "    ok: 1"} {
		if !strings.Contains(out, field) {
			t.Errorf("yaml lacks %q:\n%s", field, out)
		}
	}

	_, out, _ = e.hcops(t, "history", "list", "--lang", "zh")
	if !strings.HasPrefix(out, "编号\t类型\t开始时间") || !strings.Contains(out, "已完成") || !strings.Contains(out, "备份验证") {
		t.Errorf("zh list:\n%s", out)
	}
}

func TestHistoryListEmptyAndBadFlags(t *testing.T) {
	e := newHistoryEnv(t)
	code, out, errOut := e.hcops(t, "history", "list")
	if code != 0 || out != "" || !strings.Contains(errOut, "no matching runs in history "+e.db) {
		t.Errorf("empty history: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, out, _ := e.hcops(t, "history", "list", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty json = %q, want []", out)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--kind", "nightly"}, `bad kind "nightly"`},
		{[]string{"--since", "yesterday"}, `--since: cannot read "yesterday"`},
		{[]string{"--status", "done"}, `bad run status "done"`},
		{[]string{"--limit", "-1"}, "--limit must not be negative"},
		{[]string{"-o", "csv"}, `unsupported output format "csv"`},
	} {
		code, _, errOut := e.hcops(t, append([]string{"history", "list"}, tc.args...)...)
		if code != ExitUnknown || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 3 and %q", tc.args, code, errOut, tc.msg)
		}
	}
}

func TestHistoryShow(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	now := time.Now().Truncate(time.Second)
	rs := sampleHistoryResults()
	rs[0].Message = "load \x1b[31mred\x1b]0;pwned\x07 0.50" // hostile output must not reach the terminal
	run := seedHistoryRun(t, db, "inspect", now.Add(-time.Hour), "completed", rs...)
	later := seedHistoryRun(t, db, "inspect", now.Add(-time.Minute), "completed", rs[0])

	code, out, errOut := e.hcops(t, "history", "show", histID(run.ID))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("control characters reached stdout: %q", out)
	}
	for _, want := range []string{
		"run " + histID(run.ID) + " (inspect): completed\n",
		"started:   " + run.StartedAt.Format(time.DateTime),
		"took:      1m0s",
		"operator:  ops@jump-01",
		"selector:  zone=intranet",
		"assets:    2 of 40 in the inventory",
		"results:   1 CRIT, 1 WARN, 0 UNKNOWN, 1 UNREACHABLE, 1 OK (4 in all)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	// Results table: worst first.
	table := out[strings.Index(out, "STATUS\t"):]
	rows := histTSV(table)
	var order []string
	for _, r := range rows[1:] {
		order = append(order, r[0]+" "+r[1]+" "+r[2]+" "+r[3])
	}
	wantOrder := []string{"UNREACHABLE app-01 connect ", "CRIT db-01 disk:/data 97.50 %", "WARN web-01 disk:/var 85 %", "OK web-01 load 0.50"}
	if strings.Join(order, "|") != strings.Join(wantOrder, "|") {
		t.Errorf("results order:\n%q\nwant\n%q", order, wantOrder)
	}

	_, out, _ = e.hcops(t, "history", "show", histID(run.ID), "--status", "crit,warn")
	rows = histTSV(out[strings.Index(out, "STATUS\t"):])
	if len(rows) != 3 || rows[1][0] != "CRIT" || rows[2][0] != "WARN" {
		t.Errorf("--status crit,warn rows: %v", rows)
	}
	_, out, _ = e.hcops(t, "history", "show", histID(run.ID), "--status", "crit", "--evidence")
	if !strings.Contains(out, "--- evidence of db-01 disk:/data ---\n/dev/sdb1 97%\n") {
		t.Errorf("--evidence output:\n%s", out)
	}

	code, out, _ = e.hcops(t, "history", "show", histID(run.ID), "-o", "json")
	var got result.Run
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	if got.ID != run.ID || len(got.Results) != 4 || got.Results[0].Status != result.Unreachable || got.Results[0].Reason != "timeout" {
		t.Fatalf("json run: %+v", got)
	}
	crit := got.Results[1]
	if crit.Asset != "db-01" || *crit.Value != 97.5 || crit.Warn != "80" || crit.Crit != "95" || crit.Item != "/data" ||
		len(crit.Metrics) != 1 || crit.Metrics[0].Name != "disk.used_pct" || crit.Evidence != "/dev/sdb1 97%\n" {
		t.Errorf("json crit result: %+v", crit)
	}
	for _, field := range []string{`"run_id"`, `"results"`, `"evidence"`, `"duration_ms"`, `"metrics"`} {
		if !strings.Contains(out, field) {
			t.Errorf("json lacks %s", field)
		}
	}

	_, out, _ = e.hcops(t, "history", "show", "latest", "-o", "json", "--status", "unreachable")
	got = result.Run{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.ID != later.ID || got.Results == nil || len(got.Results) != 0 {
		t.Errorf("latest with no matching result: %v %+v\n%s", err, got, out)
	}

	for _, tc := range []struct{ arg, msg string }{
		{"999", "run 999 not found in history " + e.db + " (see hcops history list)"},
		{"abc", `bad run "abc"`},
		{"-5", "unknown shorthand flag"},
	} {
		code, _, errOut := e.hcops(t, "history", "show", tc.arg)
		if code != ExitUnknown || !strings.Contains(errOut, tc.msg) {
			t.Errorf("show %s: exit %d, stderr %q; want 3 and %q", tc.arg, code, errOut, tc.msg)
		}
	}
	if code, _, errOut := e.hcops(t, "history", "show", "1", "--status", "bad"); code != ExitUnknown || !strings.Contains(errOut, `unknown status "bad"`) {
		t.Errorf("--status bad: exit %d, %q", code, errOut)
	}
}

func TestHistoryShowsKilledRunAsInterrupted(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	ctx := context.Background()
	run := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-10 * time.Minute), Playbooks: []string{"linux-daily"}}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := db.AddResults(ctx, run.ID, sampleHistoryResults()[:2]); err != nil {
		t.Fatal(err)
	}
	// The process that wrote it is gone (as after kill -9).
	p := exec.Command("true")
	if err := p.Run(); err != nil {
		t.Skip(err)
	}
	if _, err := db.SQL().Exec("UPDATE runs SET pid = ? WHERE id = ?", p.Process.Pid, run.ID); err != nil {
		t.Fatal(err)
	}
	_, out, _ := e.hcops(t, "history", "list")
	rows := histTSV(out)
	// Counts of what it stored before it died: 1 OK, 1 CRIT.
	if len(rows) != 2 || rows[1][4] != "interrupted" || rows[1][3] != "-" || strings.Join(rows[1][7:], " ") != "1 0 1 0 0" {
		t.Errorf("killed run listed as:\n%s", out)
	}
	_, out, _ = e.hcops(t, "history", "show", histID(run.ID))
	if !strings.Contains(out, "(inspect): interrupted") || !strings.Contains(out, "never finished") || !strings.Contains(out, "db-01") {
		t.Errorf("killed run shown as:\n%s", out)
	}
}

func TestHistoryPrune(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	now := time.Now()
	old1 := seedHistoryRun(t, db, "inspect", now.AddDate(0, 0, -500), "completed", sampleHistoryResults()...)
	old2 := seedHistoryRun(t, db, "backup", now.AddDate(0, 0, -401), "completed", sampleHistoryResults()[:1]...)
	keep := seedHistoryRun(t, db, "inspect", now.AddDate(0, 0, -399), "completed", sampleHistoryResults()...)

	code, out, errOut := e.hcops(t, "history", "prune", "--older-than", "400d", "--dry-run")
	if code != 0 || !strings.Contains(out, "would delete 2 runs (5 results) started before ") {
		t.Errorf("dry run: exit %d, %q %q", code, out, errOut)
	}
	if runs, _ := db.ListRuns(context.Background(), store.RunFilter{}); len(runs) != 3 {
		t.Fatalf("--dry-run deleted runs: %d left", len(runs))
	}
	code, out, errOut = e.hcops(t, "history", "prune", "--older-than", "400d", "-o", "json")
	var rep struct {
		Before  time.Time `json:"before"`
		Runs    int64     `json:"runs"`
		Results *int64    `json:"results"`
		DryRun  bool      `json:"dry_run"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Runs != 2 || rep.DryRun || rep.Results != nil {
		t.Fatalf("prune json: exit %d, %v, %+v (%s)", code, err, rep, errOut)
	}
	if d := now.AddDate(0, 0, -400).Sub(rep.Before); d < -time.Minute || d > time.Minute {
		t.Errorf("before = %v, want about 400 days ago", rep.Before)
	}
	runs, _ := db.ListRuns(context.Background(), store.RunFilter{})
	if len(runs) != 1 || runs[0].ID != keep.ID {
		t.Errorf("left after prune: %+v", runs)
	}
	for _, id := range []int64{old1.ID, old2.ID} {
		if _, err := db.GetRun(context.Background(), id, true); err == nil {
			t.Errorf("run %d still there", id)
		}
	}
	code, out, _ = e.hcops(t, "history", "prune", "--older-than", "400d")
	if code != 0 || !strings.Contains(out, "deleted 0 runs started before") {
		t.Errorf("second prune: %d %q", code, out)
	}

	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "--older-than 400d"},
		{[]string{"--older-than", "soon"}, `--older-than: cannot read "soon"`},
		{[]string{"--older-than", "-3d"}, `--older-than: cannot read "-3d"`},
		{[]string{"--older-than", "0h"}, `--older-than: cannot read "0h"`},
	} {
		code, _, errOut := e.hcops(t, append([]string{"history", "prune"}, tc.args...)...)
		if code != ExitUnknown || !strings.Contains(errOut, tc.msg) {
			t.Errorf("prune %v: exit %d, %q; want 3 and %q", tc.args, code, errOut, tc.msg)
		}
	}
}

func TestHistoryDatabaseProblems(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	db.Close()
	raw, err := sql.Open("sqlite", e.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	code, _, errOut := e.hcops(t, "history", "list")
	want := "history database " + e.db + " has schema version 99, newer than this hcops (" + strconv.Itoa(store.SchemaVersion()) + "): upgrade hcops"
	if code != ExitUnknown || !strings.Contains(errOut, want) {
		t.Errorf("newer schema: exit %d, %q\nwant %q", code, errOut, want)
	}
	_, _, errOut = e.hcops(t, "history", "list", "--lang", "zh")
	if !strings.Contains(errOut, "请升级 hcops") {
		t.Errorf("zh newer schema: %q", errOut)
	}

	notDB := filepath.Join(e.dir, "notes.txt")
	os.WriteFile(notDB, []byte(strings.Repeat("meeting notes, not a database\n", 200)), 0o600)
	ios, _, _, errBuf := iostreams.Test()
	root := newRootCmd(ios)
	root.SetArgs([]string{"--db", notDB, "history", "list"})
	err = root.ExecuteContext(context.Background())
	if exitCode(err) != ExitUnknown || err == nil || !strings.Contains(err.Error(), notDB+": not an SQLite database") {
		t.Errorf("text file as history: %v %s", err, errBuf)
	}
}

func TestParseHistoryAge(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"400d": 400 * day, "12h": 12 * time.Hour, "30m": 30 * time.Minute, "2w": 14 * day,
		"1d12h": 36 * time.Hour, "1h30m": 90 * time.Minute, "90s": 90 * time.Second, " 7d ": 7 * day,
	} {
		got, err := parseHistoryAge(in)
		if err != nil || got != want {
			t.Errorf("parseHistoryAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "0", "d", "-1d", "1y", "12", "3 days", "1d-2h", "99999999d"} {
		if got, err := parseHistoryAge(in); err == nil {
			t.Errorf("parseHistoryAge(%q) = %v, want an error", in, got)
		}
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.Local)
	for in, want := range map[string]time.Time{
		"7d":                   now.AddDate(0, 0, -7),
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local),
		"2026-11-01 08:30":     time.Date(2026, 11, 1, 8, 30, 0, 0, time.Local),
		"2026-11-01T08:30:05":  time.Date(2026, 11, 1, 8, 30, 5, 0, time.Local),
		"2026-11-01T08:30:00Z": time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC),
	} {
		got, err := parseHistorySince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseHistorySince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseHistorySince("last tuesday", now); err == nil {
		t.Error("parseHistorySince accepted nonsense")
	}
}

func histID(n int64) string { return strconv.FormatInt(n, 10) }

func histAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func TestHistoryYAMLKeepsText(t *testing.T) {
	// Evidence is raw command output: YAML must give it back byte for byte.
	e := newHistoryEnv(t)
	db := e.open(t)
	evidence := "Filesystem  Use%  \n\t/dev/sda1 91%\n\nlast line no newline \x01"
	run := seedHistoryRun(t, db, "inspect", time.Now().Add(-time.Hour), "completed",
		result.Result{Asset: "web-01", Check: "disk", Status: result.Warn, Unit: "%", Message: "true", Evidence: evidence},
		result.Result{Asset: "web-02", Check: "disk", Status: result.OK, Message: "123", Evidence: "ok\n"})
	code, out, errOut := e.hcops(t, "history", "show", histID(run.ID), "-o", "yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		RunID   int64 `yaml:"run_id"`
		Results []struct {
			Message  string `yaml:"message"`
			Unit     string `yaml:"unit"`
			Evidence string `yaml:"evidence"`
		} `yaml:"results"`
	}
	if err := yaml.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("yaml does not parse: %v\n%s", err, out)
	}
	if got.RunID != run.ID || len(got.Results) != 2 {
		t.Fatalf("yaml: %+v", got)
	}
	w, o := got.Results[0], got.Results[1]
	if w.Evidence != evidence || w.Message != "true" || w.Unit != "%" || o.Message != "123" || o.Evidence != "ok\n" {
		t.Errorf("yaml changed the text: %+v", got.Results)
	}
}

func TestHistoryDamagedDatabase(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	run := seedHistoryRun(t, db, "inspect", time.Now().Add(-time.Hour), "completed", sampleHistoryResults()...)
	var root, pageSize int64
	if err := db.SQL().QueryRow("SELECT rootpage FROM sqlite_master WHERE name = 'results'").Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	db.Close() // checkpoints the WAL into the file
	f, err := os.OpenFile(e.db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the results table's root page, as a failing disk would.
	if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", int(pageSize/4))), (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, _, errOut := e.hcops(t, "history", "show", histID(run.ID))
	if code != ExitUnknown || !strings.Contains(errOut, "the history database "+e.db+" is damaged: restore it from a backup") {
		t.Errorf("damaged database: exit %d, stderr %q", code, errOut)
	}
}

// history show renders stored results in the reader's language from their
// code and args: a run recorded in English reads in Chinese, and the other
// way round; a result without a code shows its stored text.
func TestHistoryShowInReadersLanguage(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	now := time.Now().Truncate(time.Second)
	p := &backup.Policy{Name: "his-db", Kind: backup.KindMysqldump, Of: "his-db-01", Path: "/backup/his-*.sql.gz", Schedule: "daily", RPO: "26h"}
	copies := []backup.Copy{{Name: "his-20261126.sql.gz", Path: "/backup/his-20261126.sql.gz", Time: now.Add(-72 * time.Hour), Size: 1 << 20}}
	recorded := func(lang string) []result.Result {
		rs := backup.Judge(p, copies, now, lang)[:1] // freshness: 3d old, RPO 26h
		unreachable := result.Result{Asset: "app-01", Check: "connect", Status: result.Unreachable, Reason: result.ReasonTimeout}
		unreachable.SetMessage(lang, "inspect.run.unreachable", "app-01", result.ReasonTimeout, "dial tcp 10.0.0.9:22: i/o timeout")
		raw := result.Result{Asset: "web-01", Check: "command", Status: result.Warn}
		raw.SetText("exit 1: no such file")
		return append(rs, unreachable, raw)
	}
	enRun := seedHistoryRun(t, db, "backup", now.Add(-time.Hour), "completed", recorded("en")...)
	zhRun := seedHistoryRun(t, db, "backup", now.Add(-time.Minute), "completed", recorded("zh")...)

	for _, tc := range []struct {
		lang string
		run  *result.Run
		want []string
		bad  []string
	}{
		{"zh", enRun, []string{"最新备份 his-20261126.sql.gz 距今 3天，超过恢复点目标（RPO）26小时", "app-01 无法连接（timeout）：dial tcp 10.0.0.9:22: i/o timeout", "exit 1: no such file"},
			[]string{"newest copy", "unreachable"}},
		{"en", zhRun, []string{"newest copy his-20261126.sql.gz is 3d old, older than the RPO of 26h", "app-01 unreachable (timeout): dial tcp 10.0.0.9:22: i/o timeout", "exit 1: no such file"},
			[]string{"最新备份", "无法连接"}},
	} {
		code, out, errOut := e.hcops(t, "--lang", tc.lang, "history", "show", histID(tc.run.ID))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.lang, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("history show in %s lacks %q:\n%s", tc.lang, w, out)
			}
		}
		for _, b := range tc.bad {
			if strings.Contains(out, b) {
				t.Errorf("history show in %s shows %q:\n%s", tc.lang, b, out)
			}
		}
	}
}
