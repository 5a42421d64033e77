package report

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// historyOnly hides the SQLite store behind the interface: a report that
// type-asserted its way back to *store.DB, or needed anything beyond
// store.History, would not build from it. A second backend gets exactly
// this much.
type historyOnly struct{ store.History }

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReportsNeedOnlyHistory(t *testing.T) {
	ctx := context.Background()
	db := seedMonth(t)
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, cst)
	direct, err := BuildMonthly(ctx, db, month, monthOpts("en"))
	if err != nil {
		t.Fatal(err)
	}
	via, err := BuildMonthly(ctx, historyOnly{db}, month, monthOpts("en"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jsonOf(t, direct), jsonOf(t, via)) {
		t.Error("the monthly report built through store.History differs from the one built on the SQLite store")
	}

	ddb, id := seedDaily(t)
	d1, err := BuildDaily(ctx, ddb, id, testOpts("zh"))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := BuildDaily(ctx, historyOnly{ddb}, id, testOpts("zh"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jsonOf(t, d1), jsonOf(t, d2)) {
		t.Error("the daily report built through store.History differs from the one built on the SQLite store")
	}
}

// The newest backup verification of a policy is the one that started last,
// not the one with the highest id: a run stored late (another runner, a
// retried upload) must not hide the newer run's verdict.
func TestBackupPolicyNewestByStartTime(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	add := func(at time.Time, rs ...result.Result) {
		run := &result.Run{Kind: result.KindBackup, StartedAt: at, Playbooks: []string{"backup"}}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	v := func(aspect string, st result.Status, msg string) result.Result {
		return result.Result{Asset: "his-db-01", Check: "backup:his-dump", Type: "backup", Item: aspect, Status: st, Message: msg}
	}
	// Stored first, started last: the copies could not be listed.
	add(time.Date(2026, 11, 20, 9, 0, 0, 0, cst), v("listing", result.Crit, "cannot list copies"))
	// Stored second, started a day earlier: integrity checked fine.
	add(time.Date(2026, 11, 19, 9, 0, 0, 0, cst), v("integrity", result.OK, "integrity ok"))

	b, err := backupSection(ctx, db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), time.Date(2026, 12, 1, 0, 0, 0, 0, cst), cst, "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Policies) != 1 {
		t.Fatalf("policies %+v", b.Policies)
	}
	p := b.Policies[0]
	if p.Aspects.Listing == nil || *p.Aspects.Listing != result.Crit || p.Status != result.Crit || p.Message != "cannot list copies" {
		t.Errorf("policy row %+v: want the listing failure of the run that started last to decide", p)
	}
}
