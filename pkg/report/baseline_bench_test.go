package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// seedBaselineFleet stores one mlps3-linux run of n hosts, every rule
// answered as baselineResults does.
func seedBaselineFleet(b *testing.B, n int) *store.DB {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, cst)
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Playbooks: []string{baseline.Playbook}, Assets: n}
	if err := db.BeginRun(ctx, run); err != nil {
		b.Fatal(err)
	}
	var assets []*inventory.Asset
	for i := range n {
		name := fmt.Sprintf("host-%04d", i+1)
		assets = append(assets, &inventory.Asset{Name: name, Kind: "host", Address: fmt.Sprintf("10.1.%d.%d", i/250, i%250+1), System: "rhis",
			OS: inventory.OS{Family: []string{"kylin", "uos", "centos"}[i%3]}})
		if err := db.AddResults(ctx, run.ID, baselineResults(name, 99999, at)); err != nil {
			b.Fatal(err)
		}
	}
	snap, _ := json.Marshal(assets)
	if err := db.SaveSnapshot(ctx, run.ID, snap); err != nil {
		b.Fatal(err)
	}
	run.FinishedAt = at.Add(5 * time.Minute)
	if err := db.FinishRun(ctx, run); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkBaseline500 builds and renders the report of 500 hosts × every
// rule: go test -run '^$' -bench Baseline500 -benchtime 1x ./pkg/report
func BenchmarkBaseline500(b *testing.B) {
	db := seedBaselineFleet(b, 500)
	set := testWaiverSet(b)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rep, err := BuildBaseline(context.Background(), db, nil, time.Time{}, set, testOpts(i18n.ZH))
		if err != nil {
			b.Fatal(err)
		}
		built := time.Since(start)
		b.ReportMetric(float64(built.Milliseconds()), "build-ms")
		b.ReportMetric(float64(len(rep.Findings)), "findings")
		for _, f := range []string{FormatHTML, FormatXLSX, FormatMD, FormatJSON} {
			var buf bytes.Buffer
			t0 := time.Now()
			if err := Render(&buf, f, rep, ""); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(t0).Milliseconds()), f+"-ms")
			b.ReportMetric(float64(buf.Len())/1e6, f+"-MB")
		}
	}
}
