package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cyhealth/hcops/pkg/result"
)

// t0 is a fixed, millisecond-aligned start so stored times compare equal.
var t0 = time.Date(2026, 11, 1, 3, 0, 0, 0, time.Local)

func newRun(kind string) *result.Run {
	return &result.Run{Kind: kind, StartedAt: t0, Playbooks: []string{"daily"}, Selector: "zone=intranet", Assets: 3, Inventory: 10}
}

func val(v float64) *float64 { return &v }

func sampleResults(at time.Time) []result.Result {
	return []result.Result{
		{Asset: "web-01", Check: "disk:/var", Type: "disk", Item: "/var", Playbook: "daily", System: "his", Zone: "intranet",
			Status: result.Warn, Value: val(85.5), Unit: "%", Warn: "80", Crit: "90", Message: "/var is 85.5% full",
			Advice: "clean old logs", Evidence: "Filesystem Use%\n/dev/sda2 86%", StartedAt: at, DurationMS: 120,
			Metrics: []result.Metric{{Name: "disk.used_pct", Value: 85.5, Unit: "%"}, {Name: "disk.free_bytes", Value: 1.5e9, Unit: "B"}}},
		{Asset: "db-01", Check: "load", Type: "load", Playbook: "daily", Status: result.OK, Value: val(0.4),
			Message: "load 0.40", StartedAt: at.Add(time.Second), DurationMS: 30,
			Metrics: []result.Metric{{Name: "load.1", Value: 0.4}}},
		{Asset: "app-01", Check: "ssh", Playbook: "daily", Status: result.Unreachable, Reason: result.ReasonTimeout,
			Message: "connect timed out", StartedAt: at, DurationMS: 10000},
	}
}

func TestRunLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	run := newRun(result.KindInspect)
	run.StartedAt = time.Now().Truncate(time.Millisecond) // recent: not stale
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if run.ID == 0 || run.Status != result.RunRunning {
		t.Fatalf("after BeginRun: id=%d status=%q", run.ID, run.Status)
	}
	host, _ := os.Hostname()
	if run.RanFrom != host || run.Operator == "" {
		t.Errorf("defaults: ran_from=%q (want %q) operator=%q", run.RanFrom, host, run.Operator)
	}
	got, err := db.GetRun(ctx, run.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != result.RunRunning {
		t.Errorf("stored status %q, want running (this process is alive)", got.Status)
	}

	rs := sampleResults(t0)
	if err := db.AddResults(ctx, run.ID, rs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := db.AddResults(ctx, run.ID, rs[2:]); err != nil {
		t.Fatal(err)
	}
	// Before it finishes, a run's counts are those of what it stored so far.
	mid, err := db.GetRun(ctx, run.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Counts != (result.Counts{OK: 1, Warn: 1, Unreachable: 1}) || mid.Worst != result.Unreachable {
		t.Errorf("unfinished run read with counts %+v worst %v", mid.Counts, mid.Worst)
	}
	fin := *run
	fin.Results = nil // counts must come from the stored results
	fin.FinishedAt = run.StartedAt.Add(2 * time.Minute)
	if err := db.FinishRun(ctx, &fin); err != nil {
		t.Fatal(err)
	}
	wantCounts := result.Counts{OK: 1, Warn: 1, Unreachable: 1}
	if fin.Counts != wantCounts || fin.Worst != result.Unreachable || fin.Status != result.RunCompleted {
		t.Errorf("FinishRun set counts=%+v worst=%v status=%q", fin.Counts, fin.Worst, fin.Status)
	}

	got, err = db.GetRun(ctx, run.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != result.RunCompleted || !got.FinishedAt.Equal(fin.FinishedAt) || got.Counts != wantCounts || got.Worst != result.Unreachable {
		t.Errorf("stored run: status=%q finished=%v counts=%+v worst=%v", got.Status, got.FinishedAt, got.Counts, got.Worst)
	}
	if !reflect.DeepEqual(got.Playbooks, []string{"daily"}) || got.Selector != "zone=intranet" || got.Assets != 3 || got.Inventory != 10 {
		t.Errorf("stored run header: %+v", got)
	}
	// Results come back ordered by asset, check, exactly as given.
	want := []result.Result{rs[2], rs[1], rs[0]}
	if len(got.Results) != len(want) {
		t.Fatalf("%d results stored, want %d", len(got.Results), len(want))
	}
	for i := range want {
		g, w := got.Results[i], want[i]
		if !g.StartedAt.Equal(w.StartedAt) {
			t.Errorf("result %d started %v, want %v", i, g.StartedAt, w.StartedAt)
		}
		g.StartedAt, w.StartedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("result %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestFinishRunTalliesGivenResults(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	run := newRun(result.KindBackup)
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Results = []result.Result{{Status: result.Crit}, {Status: result.OK}, {Status: result.OK}}
	run.Status = result.RunFailed
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetRun(ctx, run.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts != (result.Counts{OK: 2, Crit: 1}) || got.Worst != result.Crit || got.Status != result.RunFailed {
		t.Errorf("stored counts=%+v worst=%v status=%q", got.Counts, got.Worst, got.Status)
	}
}

func TestFinishRunAfterCancel(t *testing.T) {
	// After Ctrl-C the context is cancelled, yet the run must be recorded
	// as interrupted.
	db := openTest(t)
	run := newRun(result.KindInspect)
	if err := db.BeginRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run.Status = result.RunInterrupted
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatalf("FinishRun with a cancelled context: %v", err)
	}
	got, err := db.GetRun(context.Background(), run.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != result.RunInterrupted || got.FinishedAt.IsZero() {
		t.Errorf("status=%q finished=%v", got.Status, got.FinishedAt)
	}
}

func TestFinishRunErrors(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.FinishRun(ctx, &result.Run{ID: 999}); !errors.Is(err, ErrNotFound) {
		t.Errorf("finish unknown run: %v, want ErrNotFound", err)
	}
	run := newRun(result.KindInspect)
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Status = "done"
	if err := db.FinishRun(ctx, run); err == nil || !strings.Contains(err.Error(), `"done"`) {
		t.Errorf("finish with status done: %v", err)
	}
	if err := db.BeginRun(ctx, &result.Run{}); err == nil {
		t.Error("BeginRun without a kind succeeded")
	}
}

func TestAddResultsRejectsWholeBadBatch(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.AddResults(ctx, 42, sampleResults(t0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("results for a missing run: %v, want ErrNotFound", err)
	}
	run := newRun(result.KindInspect)
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	bad := sampleResults(t0)
	bad[2].Asset = ""
	err := db.AddResults(ctx, run.ID, bad)
	if err == nil || !strings.Contains(err.Error(), "result 3") {
		t.Fatalf("err = %v, want a complaint about result 3", err)
	}
	bad = sampleResults(t0)
	bad[1].Status = 17
	if err := db.AddResults(ctx, run.ID, bad); err == nil {
		t.Fatal("status 17 accepted")
	}
	var n int
	if err := db.SQL().QueryRow("SELECT (SELECT count(*) FROM results) + (SELECT count(*) FROM metrics)").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows stored from rejected batches", n)
	}
}

func TestAddResultsBoundsEvidenceAndNonFinite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	run := newRun(result.KindInspect)
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("磁盘", MaxEvidence/3) // 3-byte runes: the bound falls inside one
	rs := []result.Result{
		{Asset: "web-01", Check: "log", Status: result.Warn, Evidence: big, Value: val(math.NaN()),
			Metrics: []result.Metric{{Name: "inf", Value: math.Inf(1)}, {Name: "ok", Value: 1}}},
		{Asset: "web-02", Check: "log", Status: result.OK, Evidence: "short"},
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	if len(rs[0].Evidence) != len(big) {
		t.Error("AddResults modified the caller's result")
	}
	got, err := db.GetRun(ctx, run.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	r0 := got.Results[0]
	if len(r0.Evidence) > MaxEvidence || len(r0.Evidence) < MaxEvidence-3 || !utf8.ValidString(r0.Evidence) || !r0.EvidenceTruncated {
		t.Errorf("evidence: %d bytes, valid=%v truncated=%v; want <= %d, valid UTF-8, truncated",
			len(r0.Evidence), utf8.ValidString(r0.Evidence), r0.EvidenceTruncated, MaxEvidence)
	}
	if !strings.HasPrefix(big, r0.Evidence) {
		t.Error("stored evidence is not a prefix of the original")
	}
	if r0.Value != nil {
		t.Errorf("NaN value stored as %v, want none", *r0.Value)
	}
	if len(r0.Metrics) != 1 || r0.Metrics[0].Name != "ok" {
		t.Errorf("metrics %+v, want only the finite one", r0.Metrics)
	}
	if got.Results[1].EvidenceTruncated || got.Results[1].Evidence != "short" {
		t.Errorf("short evidence: %+v", got.Results[1])
	}
}

// seedRuns stores runs at t0, t0+1d, t0+2d... of the given kinds, each with
// sampleResults, and finishes them.
func seedRuns(t *testing.T, db *DB, kinds ...string) []*result.Run {
	t.Helper()
	ctx := context.Background()
	var out []*result.Run
	for i, k := range kinds {
		run := newRun(k)
		run.StartedAt = t0.Add(time.Duration(i) * 24 * time.Hour)
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := db.AddResults(ctx, run.ID, sampleResults(run.StartedAt)); err != nil {
			t.Fatal(err)
		}
		run.FinishedAt = run.StartedAt.Add(time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		out = append(out, run)
	}
	return out
}

func ids(runs []result.Run) []int64 {
	out := []int64{}
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func TestListRuns(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	runs := seedRuns(t, db, "inspect", "backup", "inspect", "inspect")
	failed := runs[3]
	failed.Status = result.RunFailed
	if err := db.FinishRun(ctx, failed); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	tests := []struct {
		name string
		f    RunFilter
		want []int64
	}{
		{"all newest first", RunFilter{}, []int64{runs[3].ID, runs[2].ID, runs[1].ID, runs[0].ID}},
		{"kind", RunFilter{Kind: "inspect"}, []int64{runs[3].ID, runs[2].ID, runs[0].ID}},
		{"limit", RunFilter{Limit: 2}, []int64{runs[3].ID, runs[2].ID}},
		{"since", RunFilter{Since: t0.Add(day)}, []int64{runs[3].ID, runs[2].ID, runs[1].ID}},
		{"until", RunFilter{Until: t0.Add(day)}, []int64{runs[0].ID}},
		{"status", RunFilter{Status: result.RunFailed}, []int64{runs[3].ID}},
		{"status and kind", RunFilter{Kind: "inspect", Status: result.RunCompleted}, []int64{runs[2].ID, runs[0].ID}},
		{"none", RunFilter{Kind: "drill"}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListRuns(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids(got), tt.want) {
				t.Errorf("ids %v, want %v", ids(got), tt.want)
			}
			for _, r := range got {
				if r.Results != nil {
					t.Errorf("run %d listed with results", r.ID)
				}
			}
		})
	}
	got, _ := db.ListRuns(ctx, RunFilter{Kind: "backup"})
	if len(got) != 1 || got[0].Counts != (result.Counts{OK: 1, Warn: 1, Unreachable: 1}) || !got[0].StartedAt.Equal(t0.Add(day)) {
		t.Errorf("backup run listed as %+v", got)
	}
}

func TestLatestAndPreviousRun(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.LatestRun(ctx, "inspect"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LatestRun on empty history: %v, want ErrNotFound", err)
	}
	runs := seedRuns(t, db, "inspect", "backup", "inspect", "inspect", "inspect")
	// runs[3] failed: PreviousRun skips it.
	runs[3].Status = result.RunFailed
	if err := db.FinishRun(ctx, runs[3]); err != nil {
		t.Fatal(err)
	}
	latest, err := db.LatestRun(ctx, "inspect")
	if err != nil || latest.ID != runs[4].ID {
		t.Fatalf("LatestRun = %v, %v; want run %d", latest, err, runs[4].ID)
	}
	if l, err := db.LatestRun(ctx, ""); err != nil || l.ID != runs[4].ID {
		t.Errorf("LatestRun(any) = %v, %v", l, err)
	}
	prev, err := db.PreviousRun(ctx, latest)
	if err != nil || prev.ID != runs[2].ID {
		t.Fatalf("PreviousRun(%d) = %v, %v; want run %d (skipping the failed one)", latest.ID, prev, err, runs[2].ID)
	}
	prev, err = db.PreviousRun(ctx, prev)
	if err != nil || prev.ID != runs[0].ID {
		t.Fatalf("PreviousRun = %v, %v; want run %d (skipping the backup)", prev, err, runs[0].ID)
	}
	if _, err := db.PreviousRun(ctx, prev); !errors.Is(err, ErrNotFound) {
		t.Errorf("PreviousRun of the first: %v, want ErrNotFound", err)
	}
	if _, err := db.GetRun(ctx, 12345, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRun(12345): %v, want ErrNotFound", err)
	}
}

func TestPreviousRunSameStartTime(t *testing.T) {
	// Two runs in the same millisecond are still ordered (by id).
	ctx := context.Background()
	db := openTest(t)
	a, b := newRun("inspect"), newRun("inspect")
	for _, r := range []*result.Run{a, b} {
		if err := db.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	prev, err := db.PreviousRun(ctx, b)
	if err != nil || prev.ID != a.ID {
		t.Errorf("PreviousRun = %v, %v; want %d", prev, err, a.ID)
	}
}

func TestLastSeen(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	day := 24 * time.Hour
	add := func(kind string, start time.Time, playbooks []string, rs ...result.Result) {
		t.Helper()
		run := &result.Run{Kind: kind, StartedAt: start, Playbooks: playbooks}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
	}
	add("inspect", t0, []string{"daily"},
		result.Result{Asset: "web-01", Check: "disk", Playbook: "daily"},
		result.Result{Asset: "web-02", Check: "disk", Playbook: "daily"})
	add("inspect", t0.Add(day), []string{"daily"},
		result.Result{Asset: "web-01", Check: "disk", Playbook: "daily"})
	// An older run stored later must not move last-seen backwards.
	add("inspect", t0.Add(-day), []string{"daily"},
		result.Result{Asset: "web-01", Check: "disk", Playbook: "daily"})
	// Results without a playbook count for the run's playbooks.
	add("inspect", t0.Add(2*day), []string{"weekly"},
		result.Result{Asset: "web-02", Check: "raid"})
	add("backup", t0.Add(3*day), []string{"daily"},
		result.Result{Asset: "web-01", Check: "restic", Playbook: "daily"})

	got, err := db.LastSeen(ctx, "inspect", "daily")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["web-01"].Equal(t0.Add(day)) || !got["web-02"].Equal(t0) {
		t.Errorf("LastSeen(inspect, daily) = %v", got)
	}
	got, _ = db.LastSeen(ctx, "inspect", "weekly")
	if len(got) != 1 || !got["web-02"].Equal(t0.Add(2*day)) {
		t.Errorf("LastSeen(inspect, weekly) = %v", got)
	}
	got, _ = db.LastSeen(ctx, "backup", "daily")
	if len(got) != 1 || !got["web-01"].Equal(t0.Add(3*day)) {
		t.Errorf("LastSeen(backup, daily) = %v", got)
	}
}

func TestEachResult(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	runs := seedRuns(t, db, "inspect", "backup", "inspect")
	collect := func(f ResultFilter) []string {
		t.Helper()
		var out []string
		err := db.EachResult(ctx, f, func(sr *StoredResult) error {
			out = append(out, fmt.Sprintf("%d:%s:%s:%s", sr.RunID, sr.Asset, sr.Check, sr.Status))
			for _, r := range runs {
				if r.ID == sr.RunID && !sr.RunStartedAt.Equal(r.StartedAt) {
					t.Errorf("RunStartedAt %v, want %v", sr.RunStartedAt, r.StartedAt)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	r0, r1, r2 := runs[0].ID, runs[1].ID, runs[2].ID
	all := collect(ResultFilter{})
	want := []string{
		fmt.Sprintf("%d:app-01:ssh:UNREACHABLE", r0), fmt.Sprintf("%d:db-01:load:OK", r0), fmt.Sprintf("%d:web-01:disk:/var:WARN", r0),
		fmt.Sprintf("%d:app-01:ssh:UNREACHABLE", r1), fmt.Sprintf("%d:db-01:load:OK", r1), fmt.Sprintf("%d:web-01:disk:/var:WARN", r1),
		fmt.Sprintf("%d:app-01:ssh:UNREACHABLE", r2), fmt.Sprintf("%d:db-01:load:OK", r2), fmt.Sprintf("%d:web-01:disk:/var:WARN", r2),
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("all results:\n%v\nwant\n%v", all, want)
	}
	if got := collect(ResultFilter{Kind: "inspect", Status: []result.Status{result.Warn, result.Unreachable}, Since: t0.Add(time.Hour)}); !reflect.DeepEqual(got, []string{
		fmt.Sprintf("%d:app-01:ssh:UNREACHABLE", r2), fmt.Sprintf("%d:web-01:disk:/var:WARN", r2)}) {
		t.Errorf("filtered: %v", got)
	}
	if got := collect(ResultFilter{Asset: "db-01", Check: "load", Until: t0.Add(time.Hour)}); !reflect.DeepEqual(got, []string{fmt.Sprintf("%d:db-01:load:OK", r0)}) {
		t.Errorf("by asset/check: %v", got)
	}
	if got := collect(ResultFilter{RunID: r1, Asset: "nope"}); len(got) != 0 {
		t.Errorf("no match: %v", got)
	}
	stop := errors.New("stop")
	n := 0
	err := db.EachResult(ctx, ResultFilter{}, func(*StoredResult) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("an error from fn: err=%v after %d calls, want stop after 1", err, n)
	}
}

func TestMetrics(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	runs := seedRuns(t, db, "inspect", "inspect")
	var got []string
	collect := func(f MetricFilter) []string {
		got = nil
		if err := db.Metrics(ctx, f, func(p MetricPoint) error {
			got = append(got, fmt.Sprintf("%s %s %s %g %s r%d", p.Asset, p.Name, p.At.Format("01-02"), p.Value, p.Unit, p.RunID))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	r0, r1 := runs[0].ID, runs[1].ID
	want := []string{
		fmt.Sprintf("db-01 load.1 11-01 0.4  r%d", r0), fmt.Sprintf("db-01 load.1 11-02 0.4  r%d", r1),
		fmt.Sprintf("web-01 disk.free_bytes 11-01 1.5e+09 B r%d", r0), fmt.Sprintf("web-01 disk.free_bytes 11-02 1.5e+09 B r%d", r1),
		fmt.Sprintf("web-01 disk.used_pct 11-01 85.5 %% r%d", r0), fmt.Sprintf("web-01 disk.used_pct 11-02 85.5 %% r%d", r1),
	}
	if g := collect(MetricFilter{}); !reflect.DeepEqual(g, want) {
		t.Errorf("all metrics:\n%q\nwant\n%q", g, want)
	}
	if g := collect(MetricFilter{NamePrefix: "disk."}); !reflect.DeepEqual(g, want[2:]) {
		t.Errorf("prefix disk.: %q", g)
	}
	if g := collect(MetricFilter{Name: "disk.used_pct", Asset: "web-01", Since: t0.Add(time.Hour)}); !reflect.DeepEqual(g, want[5:]) {
		t.Errorf("name+asset+since: %q", g)
	}
	if g := collect(MetricFilter{Until: t0.Add(time.Hour), Asset: "db-01"}); !reflect.DeepEqual(g, want[:1]) {
		t.Errorf("until+asset: %q", g)
	}
	// The point carries the check and item it came from.
	_ = db.Metrics(ctx, MetricFilter{Name: "disk.used_pct"}, func(p MetricPoint) error {
		if p.Check != "disk:/var" || p.Item != "/var" {
			t.Errorf("point check=%q item=%q", p.Check, p.Item)
		}
		return nil
	})
}

func TestSnapshots(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	runs := seedRuns(t, db, "inspect", "inspect", "inspect")
	inv := []byte(`{"assets":[{"name":"web-01","address":"192.0.2.10"}]}`)
	if _, err := db.Snapshot(ctx, runs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("snapshot before saving: %v, want ErrNotFound", err)
	}
	for _, r := range runs[:2] {
		if err := db.SaveSnapshot(ctx, r.ID, inv); err != nil {
			t.Fatal(err)
		}
	}
	other := []byte(`{"assets":[]}`)
	if err := db.SaveSnapshot(ctx, runs[2].ID, other); err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{inv, inv, other} {
		got, err := db.Snapshot(ctx, runs[i].ID)
		if err != nil || string(got) != string(want) {
			t.Errorf("snapshot of run %d = %q, %v", runs[i].ID, got, err)
		}
	}
	var n int
	db.SQL().QueryRow("SELECT count(*) FROM inventory_snapshots").Scan(&n)
	if n != 2 {
		t.Errorf("%d snapshots stored for 2 distinct inventories", n)
	}
	// Replacing run 2's snapshot drops the one nobody uses any more.
	if err := db.SaveSnapshot(ctx, runs[2].ID, inv); err != nil {
		t.Fatal(err)
	}
	db.SQL().QueryRow("SELECT count(*) FROM inventory_snapshots").Scan(&n)
	if n != 1 {
		t.Errorf("%d snapshots after replacing, want 1", n)
	}
	if err := db.SaveSnapshot(ctx, 999, inv); !errors.Is(err, ErrNotFound) {
		t.Errorf("snapshot for a missing run: %v", err)
	}
	// Damage is detected, not returned as the inventory.
	if _, err := db.SQL().Exec("UPDATE inventory_snapshots SET size = size + 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Snapshot(ctx, runs[0].ID); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged snapshot: %v", err)
	}
}

func TestMaintenance(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	h := time.Hour
	a := &MaintenanceWindow{Asset: "db-01", Start: t0, End: t0.Add(2 * h), Reason: "patching"}
	b := &MaintenanceWindow{System: "pacs", Start: t0.Add(5 * h), End: t0.Add(6 * h), Reason: "upgrade"}
	for _, w := range []*MaintenanceWindow{a, b} {
		if err := db.AddMaintenance(ctx, w); err != nil {
			t.Fatal(err)
		}
		if w.ID == 0 {
			t.Error("AddMaintenance did not set the id")
		}
	}
	for _, bad := range []*MaintenanceWindow{
		{Start: t0, End: t0.Add(h)},
		{Asset: "x", Start: t0, End: t0},
		{Asset: "x", Start: t0.Add(h), End: t0},
		{Asset: "x", Start: t0},
	} {
		if err := db.AddMaintenance(ctx, bad); err == nil {
			t.Errorf("window %+v accepted", bad)
		}
	}
	tests := []struct {
		since, until time.Time
		want         []int64
	}{
		{t0.Add(-h), t0.Add(10 * h), []int64{a.ID, b.ID}},
		{t0.Add(h), t0.Add(90 * time.Minute), []int64{a.ID}}, // inside a
		{t0.Add(2 * h), t0.Add(5 * h), nil},                  // touching both ends: no overlap
		{t0.Add(3 * h), time.Time{}, []int64{b.ID}},          // open end
	}
	for _, tt := range tests {
		ws, err := db.Maintenance(ctx, tt.since, tt.until)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, w := range ws {
			got = append(got, w.ID)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Maintenance(%v, %v) = %v, want %v", tt.since.Format("15:04"), tt.until.Format("15:04"), got, tt.want)
		}
	}
	ws, _ := db.Maintenance(ctx, t0, t0.Add(h))
	if len(ws) != 1 || ws[0].Asset != "db-01" || ws[0].Reason != "patching" || !ws[0].Start.Equal(t0) || !ws[0].End.Equal(t0.Add(2*h)) {
		t.Errorf("window read back as %+v", ws)
	}
	if err := db.DeleteMaintenance(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteMaintenance(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	runs := seedRuns(t, db, "inspect", "inspect", "inspect")
	inv := []byte(`{"assets":["old"]}`)
	if err := db.SaveSnapshot(ctx, runs[0].ID, inv); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveSnapshot(ctx, runs[2].ID, []byte(`{"assets":["new"]}`)); err != nil {
		t.Fatal(err)
	}
	// A run of this (live) process that started long enough ago to be
	// pruned, but within StaleAfter, is still running: kept.
	live := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-time.Hour)}
	if err := db.BeginRun(ctx, live); err != nil {
		t.Fatal(err)
	}
	cutoff := t0.Add(36 * time.Hour) // after runs 0 and 1
	nr, nres, err := db.CountPrunable(ctx, cutoff)
	if err != nil || nr != 2 || nres != 6 {
		t.Errorf("CountPrunable = %d runs, %d results, %v; want 2, 6", nr, nres, err)
	}
	n, err := db.Prune(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2", n, err)
	}
	if n, err := db.Prune(ctx, time.Now()); err != nil || n != 1 {
		t.Errorf("second prune up to now = %d, %v; want 1 (run 2, not the live run)", n, err)
	}
	left, _ := db.ListRuns(ctx, RunFilter{})
	if !reflect.DeepEqual(ids(left), []int64{live.ID}) {
		t.Errorf("runs left %v, want only the live run %d", ids(left), live.ID)
	}
	for _, q := range []string{
		"SELECT count(*) FROM results", "SELECT count(*) FROM metrics",
		"SELECT count(*) FROM last_seen", "SELECT count(*) FROM inventory_snapshots",
	} {
		var c int
		if err := db.SQL().QueryRow(q).Scan(&c); err != nil || c != 0 {
			t.Errorf("%s = %d, %v after pruning every finished run", q, c, err)
		}
	}
	checkIntegrity(t, db)
}

func TestDeadRunShowsInterrupted(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot start a process:", err)
	}
	deadPID := cmd.Process.Pid

	dead := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-time.Minute)}
	alive := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-time.Minute)}
	remote := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-time.Minute), RanFrom: "jump-02.example"}
	stale := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-StaleAfter - time.Hour), RanFrom: "jump-02.example"}
	// Written by a process whose pid is alive now, but in an earlier boot:
	// the pid was reused after a restart.
	reboot := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(-time.Minute)}
	for _, r := range []*result.Run{dead, alive, remote, stale, reboot} {
		if err := db.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SQL().Exec("UPDATE runs SET pid = ? WHERE id = ?", deadPID, dead.ID); err != nil {
		t.Fatal(err)
	}
	if db.boot != "" {
		if _, err := db.SQL().Exec("UPDATE runs SET boot_id = 'an-earlier-boot' WHERE id = ?", reboot.ID); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Log("no boot id on this system: a reboot is only seen through the pid")
		reboot.ID = dead.ID
	}
	want := map[int64]string{dead.ID: "interrupted", alive.ID: "running", remote.ID: "running", stale.ID: "interrupted", reboot.ID: "interrupted"}
	all, err := db.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Status != want[r.ID] {
			t.Errorf("run %d listed as %q, want %q", r.ID, r.Status, want[r.ID])
		}
		g, _ := db.GetRun(ctx, r.ID, false)
		if g.Status != want[r.ID] {
			t.Errorf("run %d read as %q, want %q", r.ID, g.Status, want[r.ID])
		}
	}
	intr, _ := db.ListRuns(ctx, RunFilter{Status: result.RunInterrupted})
	wantIntr := []int64{dead.ID, stale.ID}
	if reboot.ID != dead.ID {
		wantIntr = []int64{reboot.ID, dead.ID, stale.ID} // newest first
	}
	if got := ids(intr); !reflect.DeepEqual(got, wantIntr) {
		t.Errorf("interrupted runs %v, want %v", got, wantIntr)
	}
	running, _ := db.ListRuns(ctx, RunFilter{Status: result.RunRunning, Limit: 1})
	if len(running) != 1 || running[0].Status != "running" {
		t.Errorf("running runs (limit 1): %+v", running)
	}
}

// checkIntegrity runs SQLite's own checks and hcops' invariants.
func checkIntegrity(t testing.TB, db *DB) {
	t.Helper()
	if db.dialect == dialectPostgres {
		// The server keeps its own pages and foreign keys; what is left to
		// check is hcops' invariants.
		checkInvariants(t, db)
		return
	}
	var res string
	if err := db.SQL().QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q, %v", res, err)
	}
	rows, err := db.SQL().Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check reports orphans")
	}
	rows.Close()
	checkInvariants(t, db)
}

// checkInvariants checks what no engine checks for hcops: every metric
// belongs to a stored result of its run.
func checkInvariants(t testing.TB, db *DB) {
	t.Helper()
	var orphans int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM metrics m WHERE NOT EXISTS
		(SELECT 1 FROM results r WHERE r.id = m.result_id AND r.run_id = m.run_id)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d metrics without their result (%v)", orphans, err)
	}
}

// TestAddResultsHostileText: output a host wrote in GBK, or with a NUL
// byte, is stored with its batch on either engine, and reads back as the
// same text once shown (bad bytes as U+FFFD).
func TestAddResultsHostileText(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	run := &result.Run{Kind: result.KindInspect}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	gbk := "\xb4\xc5\xc5\xcc 86%" // "磁盘 86%" in GBK
	rs := []result.Result{
		{Asset: "his-db-01", Check: "disk", Status: result.Warn, Message: gbk, Evidence: "df -h\n" + gbk},
		{Asset: "his-db-01", Check: "core", Item: "a\x00b", Status: result.OK, Evidence: "core\x00dump"},
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatalf("the batch was refused: %v", err)
	}
	shown := func(s string) string { return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD") }
	var got []string
	if err := db.EachResult(ctx, ResultFilter{RunID: run.ID}, func(r *StoredResult) error {
		got = append(got, shown(r.Check+"|"+r.Item+"|"+r.Message+"|"+r.Evidence))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"core|a\uFFFDb||core\uFFFDdump", "disk||\uFFFD 86%|df -h\n\uFFFD 86%"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stored results:\n%q\nwant\n%q", got, want)
	}
}
