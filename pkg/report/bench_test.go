package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Benchmark history: a month (November 2026) of 500 assets × 40 checks × 4
// inspections a day = 2.4 M results. Generating it takes minutes, so the
// database is kept in os.TempDir under a name carrying benchVersion and
// reused; change benchVersion when the generator or the schema changes.
const (
	benchVersion = 1
	benchAssets  = 500
	benchChecks  = 40
	benchPerDay  = 4
)

func benchDBPath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("hcops-bench-report-v%d-s%d.db", benchVersion, store.SchemaVersion()))
}

// benchDB opens the cached benchmark history, generating it first if needed.
func benchDB(b *testing.B) *store.DB {
	b.Helper()
	ctx := context.Background()
	path := benchDBPath()
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		os.Remove(tmp)
		start := time.Now()
		if err := generateBenchHistory(ctx, tmp); err != nil {
			b.Fatal(err)
		}
		for _, ext := range []string{"-wal", "-shm"} {
			os.Remove(tmp + ext)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %s", path, time.Since(start).Round(time.Second))
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchAssetList() []*inventory.Asset {
	as := make([]*inventory.Asset, benchAssets)
	for i := range as {
		crit := inventory.CriticalityNonCore
		if i%10 == 0 {
			crit = inventory.CriticalityCore
		}
		as[i] = &inventory.Asset{Name: fmt.Sprintf("host-%03d", i), Kind: "host", Address: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1),
			System: fmt.Sprintf("sys-%02d", i%20), Zone: []string{"intranet", "dmz"}[i%2], Criticality: crit}
	}
	return as
}

// benchRun makes the results of one inspection: mostly OK, a few warnings
// and criticals, disks filling slowly, and one asset in fifty unreachable
// for a few runs.
func benchRun(assets []*inventory.Asset, at time.Time, n int) []result.Result {
	rs := make([]result.Result, 0, len(assets)*benchChecks)
	day := float64(at.Day())
	for i, a := range assets {
		if i%50 == 7 && n%37 < 2 {
			rs = append(rs, result.Result{Asset: a.Name, Check: "connect", Type: "connect", System: a.System, Zone: a.Zone,
				Status: result.Unreachable, Reason: result.ReasonTimeout, Message: "ssh " + a.Address + ":22: i/o timeout", StartedAt: at})
			continue
		}
		for c := range benchChecks {
			r := result.Result{Asset: a.Name, System: a.System, Zone: a.Zone, Playbook: "linux-daily", StartedAt: at, DurationMS: 12}
			var v float64
			switch c {
			case 0:
				r.Check, r.Type, r.Item, r.Unit, r.Warn, r.Crit = "disk:/", "disk", "/", "%", "80", "90"
				v = 30 + float64(i%40) + day*float64(i%3)*0.5
			case 1:
				r.Check, r.Type, r.Item, r.Unit, r.Warn, r.Crit = "disk:/data", "disk", "/data", "%", "80", "90"
				v = 40 + float64(i%30) + day*float64(i%5)*0.3
			case 2:
				r.Check, r.Type, r.Item, r.Unit, r.Warn, r.Crit = "inode:/", "inode", "/", "%", "80", "90"
				v = 10 + float64(i%20)
			case 3:
				r.Check, r.Type, r.Unit, r.Warn, r.Crit = "memory", "memory", "%", "85", "95"
				v = 40 + float64((i*7+n)%50)
			case 4:
				r.Check, r.Type, r.Warn, r.Crit = "load", "load", "2", "4"
				v = float64((i+n)%30) / 10
			default:
				r.Check, r.Type = fmt.Sprintf("check-%02d", c), "command"
				v = float64((i*c + n) % 100)
				r.Warn, r.Crit = "97", "99"
			}
			r.SetValue(v, r.Unit)
			if r.Warn != "" {
				switch {
				case v > 90 && r.Crit == "90", v > 95 && r.Crit == "95", v > 4 && r.Crit == "4", v > 99 && r.Crit == "99":
					r.Status = result.Crit
				case v > 80 && r.Warn == "80", v > 85 && r.Warn == "85", v > 2 && r.Warn == "2", v > 97 && r.Warn == "97":
					r.Status = result.Warn
				}
			}
			r.Message = fmt.Sprintf("%s %.1f%s", r.Check, v, r.Unit)
			if r.Status != result.OK {
				r.Evidence = "Filesystem Size Used Avail Use% Mounted on\n/dev/vda1 100G 91G 9G 91% /"
			}
			rs = append(rs, r)
		}
	}
	return rs
}

func generateBenchHistory(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return seedBenchHistory(ctx, db)
}

// seedBenchHistory writes the benchmark month into db through the store.
func seedBenchHistory(ctx context.Context, db store.History) error {
	assets := benchAssetList()
	snap, _ := json.Marshal(assets)
	n := 0
	for day := 1; day <= 30; day++ {
		for k := range benchPerDay {
			at := time.Date(2026, 11, day, 2+6*k, 0, 0, 0, cst)
			run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "bench",
				Playbooks: []string{"linux-daily"}, Assets: benchAssets, Inventory: benchAssets}
			if err := db.BeginRun(ctx, run); err != nil {
				return err
			}
			rs := benchRun(assets, at, n)
			n++
			if err := db.AddResults(ctx, run.ID, rs); err != nil {
				return err
			}
			if err := db.SaveSnapshot(ctx, run.ID, snap); err != nil {
				return err
			}
			run.Results = rs
			run.FinishedAt = at.Add(5 * time.Minute)
			if err := db.FinishRun(ctx, run); err != nil {
				return err
			}
		}
	}
	return nil
}

func benchOpts() Options {
	o := testOpts("zh")
	o.Now = time.Date(2026, 12, 1, 7, 0, 0, 0, cst)
	return o
}

// BenchmarkMonthlyReport builds and renders (HTML and XLSX) the monthly
// report over 2.4 M results. Goal: < 5 s and < 500 MB peak RSS (measure RSS
// with /usr/bin/time -v go test -run x -bench MonthlyReport).
func BenchmarkMonthlyReport(b *testing.B) {
	benchMonthly(b, benchDB(b))
}

// benchMonthly times building November's monthly report from db and
// rendering it as HTML and XLSX.
func benchMonthly(b *testing.B, db store.History) {
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		m, err := BuildMonthly(ctx, db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), benchOpts())
		if err != nil {
			b.Fatal(err)
		}
		if m.Inspections.Runs != 30*benchPerDay || len(m.AssetAvail) != benchAssets {
			b.Fatalf("runs %d assets %d", m.Inspections.Runs, len(m.AssetAvail))
		}
		for _, f := range []string{FormatHTML, FormatXLSX} {
			if err := Render(io.Discard, f, m, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMonthlyReportPostgres builds and renders the same monthly
// report as BenchmarkMonthlyReport from a PostgreSQL history (a real
// server on loopback, started by the benchmark, PostgreSQL's default
// shared_buffers) holding a year of the 500 assets: November 2026 as
// above, written through the store, and the eleven 30-day periods before
// it, copied from November server-side (runs and results, one run a day;
// their metrics, snapshots and findings are left out: the report does not
// read them). Seeding takes minutes and is done once per process; only
// the report is timed. Goal: < 10 s.
//
//	go test ./pkg/report -run XXX -bench MonthlyReportPostgres -benchtime 1x
func BenchmarkMonthlyReportPostgres(b *testing.B) {
	ctx := context.Background()
	pg := testenv.StartPostgres(b, "shared_buffers = 128MB", "max_wal_size = 4GB", "checkpoint_timeout = 30min")
	pg.SQL(b, "", "CREATE DATABASE bench")
	db, err := store.OpenWith(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/bench?sslmode=disable", pg.Port), store.Options{Password: pg.Password})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	start := time.Now()
	if err := seedBenchHistory(ctx, db); err != nil {
		b.Fatal(err)
	}
	month := time.Since(start)
	// The earlier months: the last run of each November day, shifted back
	// 30 days at a time, with its results.
	cols := func(table string) []string {
		out := pg.SQL(b, "bench", "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '"+table+"' AND column_name <> 'id'")
		return strings.Split(out, ",")
	}
	shiftMS := int64(30 * 24 * time.Hour / time.Millisecond)
	runCols, resCols := cols("runs"), cols("results")
	for m := int64(1); m <= 11; m++ {
		sel := func(cs []string, alias string, repl map[string]string) string {
			out := make([]string, len(cs))
			for i, c := range cs {
				out[i] = alias + "." + c
				if r, ok := repl[c]; ok {
					out[i] = r
				}
			}
			return strings.Join(out, ", ")
		}
		tag := fmt.Sprintf("'bench-%d-' || r.id", m)
		pg.SQL(b, "bench", fmt.Sprintf(`INSERT INTO runs (%s) SELECT %s FROM runs r
			WHERE r.origin IS NULL AND EXTRACT(HOUR FROM to_timestamp(r.started_at / 1000.0) AT TIME ZONE 'Asia/Shanghai') = 20`,
			strings.Join(runCols, ", "), sel(runCols, "r", map[string]string{
				"started_at":  fmt.Sprintf("r.started_at - %d", m*shiftMS),
				"finished_at": fmt.Sprintf("r.finished_at - %d", m*shiftMS),
				"origin":      tag,
			})))
		// The store gives results their ids itself (not the identity).
		pg.SQL(b, "bench", fmt.Sprintf(`INSERT INTO results (id, %s) SELECT (SELECT max(id) FROM results) + row_number() OVER (ORDER BY s.id), %s
			FROM results s JOIN runs r ON r.id = s.run_id JOIN runs n ON n.origin = %s`,
			strings.Join(resCols, ", "), sel(resCols, "s", map[string]string{
				"run_id":     "n.id",
				"started_at": fmt.Sprintf("s.started_at - %d", m*shiftMS),
			}), tag))
	}
	pg.SQL(b, "bench", "VACUUM ANALYZE")
	b.Logf("seeded: November (%s runs, %s results) through the store in %s, the year in %s",
		pg.SQL(b, "bench", "SELECT count(*) FROM runs WHERE origin IS NULL"), pg.SQL(b, "bench", "SELECT count(*) FROM results r JOIN runs u ON u.id = r.run_id WHERE u.origin IS NULL"),
		month.Round(time.Second), time.Since(start).Round(time.Second))
	b.Logf("year: %s runs, %s results", pg.SQL(b, "bench", "SELECT count(*) FROM runs"), pg.SQL(b, "bench", "SELECT count(*) FROM results"))
	benchMonthly(b, db)
}

// BenchmarkDailyReport builds and renders (HTML) the daily report of one
// 500-host run (20 000 results). Goal: < 1 s.
func BenchmarkDailyReport(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	runs, err := db.RunSummaries(ctx, result.KindInspect, time.Date(2026, 11, 30, 0, 0, 0, 0, cst), time.Date(2026, 12, 1, 0, 0, 0, 0, cst), store.Scope{})
	if err != nil || len(runs) == 0 {
		b.Fatal(err, len(runs))
	}
	id := runs[len(runs)-1].ID
	b.ResetTimer()
	for b.Loop() {
		d, err := BuildDaily(ctx, db, id, benchOpts())
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Render(&buf, FormatHTML, d, ""); err != nil {
			b.Fatal(err)
		}
	}
}
