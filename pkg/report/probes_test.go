package report

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// The watcher's probes measure availability: an asset probed every minute
// of a day with a 30-minute outage is 30 minutes down, its row says it was
// measured by probes and on how many, and a note explains it.
func TestMonthlyAvailabilityFromProbes(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.Local)
	for m := 0; m < 24*60; m++ {
		at := day.Add(time.Duration(m) * time.Minute)
		up := m < 10*60 || m >= 10*60+30
		if err := db.AddProbes(ctx, at, map[string]bool{"web-01": up}); err != nil {
			t.Fatal(err)
		}
		if !up || m == 10*60+30 {
			run := &result.Run{Kind: result.KindProbe, StartedAt: at}
			db.BeginRun(ctx, run)
			st := result.Unreachable
			if up {
				st = result.OK
			}
			db.AddResults(ctx, run.ID, []result.Result{{Asset: "web-01", Check: "availability", Status: st, StartedAt: at}})
			run.Status, run.FinishedAt = result.RunCompleted, at
			db.FinishRun(ctx, run)
		}
	}
	o := Options{Lang: "en", Now: day.Add(24 * time.Hour)}
	m, err := BuildMonthly(ctx, db, day, o)
	if err != nil {
		t.Fatal(err)
	}
	var row *AvailRow
	for i := range m.AssetAvail {
		if m.AssetAvail[i].Name == "web-01" {
			row = &m.AssetAvail[i]
		}
	}
	if row == nil || row.Measured != "probes" || row.Samples != 1440 || row.DownS != 30*60 || row.LongestS != 30*60 {
		t.Fatalf("row %+v", row)
	}
}
