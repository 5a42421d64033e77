package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

func reportRun(t *testing.T, db *DB, kind string, at time.Time, rs ...result.Result) int64 {
	t.Helper()
	ctx := context.Background()
	run := &result.Run{Kind: kind, StartedAt: at, Operator: "ops", RanFrom: "jump-01"}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].StartedAt = at
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.Results = rs
	run.FinishedAt = at.Add(time.Minute)
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

func TestReportQueries(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	v := func(f float64) *float64 { return &f }
	day1 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	r1 := reportRun(t, db, result.KindInspect, day1,
		result.Result{Asset: "a", Check: "disk:/", Type: "disk", Item: "/", System: "HIS", Status: result.OK, Value: v(50), Unit: "%", Message: "ok msg"},
		result.Result{Asset: "a", Check: "load", Type: "load", Status: result.Warn, Value: v(3), Message: "load high", Advice: "look"},
		result.Result{Asset: "b", Check: "connect", Status: result.Unreachable, Reason: "timeout", Message: "timed out"})
	reportRun(t, db, result.KindBackup, day1.Add(time.Hour),
		result.Result{Asset: "a", Check: "restic", Status: result.Crit, Message: "backup failed"})
	r3 := reportRun(t, db, result.KindInspect, day1.Add(24*time.Hour),
		result.Result{Asset: "a", Check: "disk:/", Type: "disk", Item: "/", System: "HIS", Status: result.OK, Value: v(51), Unit: "%"},
		result.Result{Asset: "b", Check: "disk:/", Type: "disk", Item: "/", System: "PACS", Status: result.Crit, Value: v(95), Unit: "%", Message: "full"})
	since, until := day1.Add(-time.Hour), day1.Add(48*time.Hour)

	collect := func(f ReportRowFilter) []ReportRow {
		var out []ReportRow
		if err := db.EachReportRow(ctx, result.KindInspect, since, until, f, func(r *ReportRow) error {
			out = append(out, *r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if rows := collect(ReportRowFilter{}); len(rows) != 5 {
		t.Errorf("all inspect rows: %d, want 5 (the backup run is another kind)", len(rows))
	}
	notOK := collect(ReportRowFilter{NotOK: true})
	if len(notOK) != 3 || notOK[0].Message != "load high" || notOK[0].Advice != "look" || notOK[1].Reason != "timeout" {
		t.Errorf("not-OK rows %+v", notOK)
	}
	ok := collect(ReportRowFilter{Types: []string{"disk"}, RunIDs: []int64{r1}})
	if len(ok) != 1 || ok[0].Message != "" || !ok[0].HasValue || ok[0].Value != 50 || ok[0].System != "HIS" || !ok[0].RunAt.Equal(day1) {
		t.Errorf("disk rows of run 1 %+v (OK messages are not read)", ok)
	}

	perRun := map[int64][]string{}
	for _, id := range []int64{r1, r3} {
		if err := db.EachRunAsset(ctx, id, "", func(asset string) error {
			perRun[id] = append(perRun[id], asset)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(perRun[r1], []string{"a", "b"}) || !slices.Equal(perRun[r3], []string{"a", "b"}) {
		t.Errorf("assets per run %v", perRun)
	}

	// A run stored last that started first (another runner writing into
	// the same history, or a late upload): runs are read by time, not by
	// where their results sit in the table.
	r0 := reportRun(t, db, result.KindInspect, day1.Add(-30*time.Minute),
		result.Result{Asset: "c", Check: "load", Type: "load", Status: result.Crit, Message: "earlier"})
	byTime := collect(ReportRowFilter{NotOK: true})
	if len(byTime) != 4 || byTime[0].RunID != r0 || byTime[0].Message != "earlier" || byTime[3].RunID != r3 {
		t.Errorf("not-OK rows with a late-stored earlier run: %+v", byTime)
	}
	if rows := collect(ReportRowFilter{RunIDs: []int64{r0, r3}, Types: []string{"load", "disk"}}); len(rows) != 3 || rows[0].RunID != r0 {
		t.Errorf("rows of runs r0 and r3: %+v", rows)
	}

	st, err := db.RunStatuses(ctx, r3)
	if err != nil || len(st) != 2 || st[result.Key{Asset: "b", Check: "disk:/", Item: "/"}] != result.Crit {
		t.Errorf("statuses %v %v", st, err)
	}
	sys, err := db.AssetSystems(ctx, []int64{r1, r3})
	if err != nil || sys["a"] != "HIS" || sys["b"] != "PACS" {
		t.Errorf("systems %v %v", sys, err)
	}
	sums, err := db.RunSummaries(ctx, result.KindInspect, since, until, Scope{})
	if err != nil || len(sums) != 3 || sums[0].ID != r0 || sums[1].Counts.Unreachable != 1 || sums[2].Worst != result.Crit {
		t.Errorf("summaries %+v %v", sums, err)
	}
	if id, err := db.RunOnDay(ctx, result.KindInspect, day1.Add(-8*time.Hour), day1.Add(16*time.Hour)); err != nil || id != r1 {
		t.Errorf("run on day: %d %v", id, err)
	}
	if _, err := db.RunOnDay(ctx, result.KindInspect, day1.Add(72*time.Hour), day1.Add(96*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("no run that day: %v", err)
	}
}

// Two runners in two zones write into one history; the report reads
// narrow to one zone's assets (results.zone) or one runner's runs.
func TestReportQueriesScope(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	v := func(f float64) *float64 { return &f }
	day := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	run := func(runner, zone string, at time.Time, rs ...result.Result) int64 {
		t.Helper()
		r := &result.Run{Kind: result.KindInspect, StartedAt: at, Runner: runner, Zone: zone}
		if err := db.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			rs[i].StartedAt = at
		}
		if err := db.AddResults(ctx, r.ID, rs); err != nil {
			t.Fatal(err)
		}
		r.Results, r.FinishedAt = rs, at.Add(time.Minute)
		if err := db.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	// zw inspects a and b (its zone) and dns (the other zone's); hlw
	// inspects web and dns.
	zw := run("zw", "专网", day,
		result.Result{Asset: "a", Check: "disk:/", Type: "disk", Zone: "专网", Status: result.Warn, Value: v(85)},
		result.Result{Asset: "a", Check: "load", Type: "load", Zone: "专网", Status: result.OK},
		result.Result{Asset: "b", Check: "connect", Zone: "专网", Status: result.Unreachable, Reason: "timeout"},
		result.Result{Asset: "dns", Check: "dns", Type: "dns", Zone: "互联网区", Status: result.OK})
	hlw := run("hlw", "互联网区", day.Add(2*time.Minute),
		result.Result{Asset: "web", Check: "tls", Type: "tls-cert", Zone: "互联网区", Status: result.Crit},
		result.Result{Asset: "dns", Check: "dns", Type: "dns", Zone: "互联网区", Status: result.Crit})
	since, until := day.Add(-time.Hour), day.Add(time.Hour)

	rows := func(sc Scope) (out []string) {
		t.Helper()
		if err := db.EachReportRow(ctx, result.KindInspect, since, until, ReportRowFilter{Scope: sc}, func(r *ReportRow) error {
			out = append(out, r.Asset+"/"+r.Check)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	if got := rows(Scope{Zone: "互联网区"}); !slices.Equal(got, []string{"dns/dns", "dns/dns", "web/tls"}) {
		t.Errorf("zone rows %v", got)
	}
	if got := rows(Scope{Runner: "zw"}); !slices.Equal(got, []string{"a/disk:/", "a/load", "b/connect", "dns/dns"}) {
		t.Errorf("runner rows %v", got)
	}
	if got := rows(Scope{Runner: "hlw", Zone: "专网"}); len(got) != 0 {
		t.Errorf("runner and zone rows %v", got)
	}

	all, err := db.RunSummaries(ctx, result.KindInspect, since, until, Scope{})
	if err != nil || len(all) != 2 || all[0].Runner != "zw" || all[1].Zone != "互联网区" || all[1].Counts.Crit != 2 {
		t.Errorf("summaries %+v %v", all, err)
	}
	z, err := db.RunSummaries(ctx, result.KindInspect, since, until, Scope{Zone: "专网"})
	if err != nil || len(z) != 1 || z[0].ID != zw || z[0].Assets != 2 ||
		z[0].Counts != (result.Counts{OK: 1, Warn: 1, Unreachable: 1}) || z[0].Worst != result.Unreachable || !z[0].StartedAt.Equal(day) {
		t.Errorf("zone 专网 summaries %+v %v", z, err)
	}
	z, err = db.RunSummaries(ctx, result.KindInspect, since, until, Scope{Zone: "互联网区"})
	if err != nil || len(z) != 2 || z[0].ID != zw || z[0].Assets != 1 || z[0].Counts.OK != 1 ||
		z[1].ID != hlw || z[1].Assets != 2 || z[1].Counts.Crit != 2 || z[1].Worst != result.Crit {
		t.Errorf("zone 互联网区 summaries %+v %v", z, err)
	}
	r, err := db.RunSummaries(ctx, result.KindInspect, since, until, Scope{Runner: "hlw"})
	if err != nil || len(r) != 1 || r[0].ID != hlw {
		t.Errorf("runner summaries %+v %v", r, err)
	}
	var assets []string
	if err := db.EachRunAsset(ctx, zw, "互联网区", func(a string) error {
		assets = append(assets, a)
		return nil
	}); err != nil || !slices.Equal(assets, []string{"dns"}) {
		t.Errorf("zw's assets of 互联网区 %v %v", assets, err)
	}
}
