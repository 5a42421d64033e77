package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Two runners, one per network zone, share one history: the health
// private network (专网, runner hcops-zw) and the internet-facing zone
// (互联网区, runner hcops-hlw). dns-01 sits in the internet-facing zone but
// both runners inspect it.
const (
	zoneZW, runnerZW   = "专网", "hcops-zw"
	zoneHLW, runnerHLW = "互联网区", "hcops-hlw"
)

func runnerAssets() (zw, hlw []*inventory.Asset) {
	dns := &inventory.Asset{Name: "dns-01", Kind: "host", Address: "172.16.0.53", System: "infra", Zone: zoneHLW}
	zw = []*inventory.Asset{
		{Name: "his-db-01", Kind: "host", Address: "10.1.1.11", System: "HIS", Zone: zoneZW, Criticality: "core"},
		{Name: "his-app-01", Kind: "host", Address: "10.1.1.21", System: "HIS", Zone: zoneZW, Criticality: "core"},
		{Name: "pacs-01", Kind: "host", Address: "10.1.2.11", System: "PACS", Zone: zoneZW},
		dns,
	}
	hlw = []*inventory.Asset{
		{Name: "web-01", Kind: "host", Address: "172.16.0.5", System: "portal", Zone: zoneHLW},
		{Name: "portal-01", Kind: "host", Address: "172.16.0.6", System: "portal", Zone: zoneHLW},
		dns,
	}
	return zw, hlw
}

// runnerResults are what runner (zw or hlw) found on day of November 2026.
func runnerResults(zw bool, day int) []result.Result {
	var rs []result.Result
	if zw {
		use := 60 + 1.1*float64(day)
		st := result.OK
		if use > 90 {
			st = result.Crit
		} else if use > 80 {
			st = result.Warn
		}
		rs = append(rs,
			res("his-db-01", "disk:/data", "/data", st, fv(use), "%", "80", "90", "/data use"),
			res("his-db-01", "load", "", result.OK, fv(1.25), "", "8", "16", "load"))
		mem, mst := 50.0, result.OK
		if day == 29 {
			mem, mst = 96, result.Crit
		}
		rs = append(rs, res("his-app-01", "memory", "", mst, fv(mem), "%", "85", "95", "memory use"))
		if day == 15 || day == 28 {
			r := res("pacs-01", "connect", "", result.Unreachable, nil, "", "", "", "ssh 10.1.2.11:22: i/o timeout")
			r.Reason = result.ReasonTimeout
			rs = append(rs, r)
		} else {
			rs = append(rs, res("pacs-01", "disk:/", "/", result.OK, fv(40+float64(day%3)), "%", "80", "90", "/ use"))
		}
		rs = append(rs, res("dns-01", "dns", "his.local", result.OK, fv(12), "ms", "200", "1000", "resolved"))
	} else {
		left := 50 - float64(day)
		cst := result.OK
		if left < 30 {
			cst = result.Warn
		}
		rs = append(rs,
			res("web-01", "tls-cert", "https://web-01/", cst, fv(left), "d", "30:", "7:", "certificate expires soon"),
			res("web-01", "ntp", "", result.OK, fv(0.012), "s", "0.5", "1", "offset"),
			res("portal-01", "disk:/", "/", result.Warn, fv(85.5), "%", "80", "90", hostileMsg))
		if day == 29 {
			rs = append(rs, res("dns-01", "dns", "his.local", result.Crit, nil, "ms", "200", "1000", "resolution failed"))
		} else {
			rs = append(rs, res("dns-01", "dns", "his.local", result.OK, fv(30), "ms", "200", "1000", "resolved"))
		}
	}
	return rs
}

// seedRunners writes November 2026 (days 1-29) of both runners into db
// through the History interface only, so the same calls build the same
// history on SQLite and on PostgreSQL: hcops-zw at 08:00, hcops-hlw at
// 08:02 (missing on the 10th); on odd days hcops-hlw's run is stored
// first, as a runner that reached the database late would. A maintenance
// window on his-db-01 and backup verifications are added.
func seedRunners(t testing.TB, db store.History) {
	t.Helper()
	ctx := context.Background()
	zwAssets, hlwAssets := runnerAssets()
	zone := map[string]*inventory.Asset{}
	for _, a := range append(slices.Clone(zwAssets), hlwAssets...) {
		zone[a.Name] = a
	}
	write := func(zw bool, day int) {
		t.Helper()
		at := time.Date(2026, 11, day, 8, 0, 0, 0, cst)
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "zw-jump",
			Runner: runnerZW, Zone: zoneZW, Site: "朝阳数据中心", Playbooks: []string{"linux-daily"}, Assets: 4, Inventory: 4}
		assets := zwAssets
		if !zw {
			at = at.Add(2 * time.Minute)
			run = &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "dmz-jump",
				Runner: runnerHLW, Zone: zoneHLW, Site: "朝阳数据中心", Playbooks: []string{"linux-daily", "web-probes"}, Assets: 3, Inventory: 3}
			assets = hlwAssets
		}
		rs := runnerResults(zw, day)
		for i := range rs {
			a := zone[rs[i].Asset]
			rs[i].System, rs[i].Zone = a.System, a.Zone
		}
		storeRun(t, db, run, rs, assets, 90*time.Second)
	}
	for day := 1; day <= 29; day++ {
		order := []bool{true, false}
		if day%2 == 1 {
			order = []bool{false, true}
		}
		for _, zw := range order {
			if !zw && day == 10 {
				continue
			}
			write(zw, day)
		}
	}
	if err := db.AddMaintenance(ctx, &store.MaintenanceWindow{Asset: "his-db-01", Start: time.Date(2026, 11, 20, 1, 0, 0, 0, cst),
		End: time.Date(2026, 11, 20, 3, 0, 0, 0, cst), Reason: "内存扩容"}); err != nil {
		t.Fatal(err)
	}
	for _, day := range []int{3, 17} {
		at := time.Date(2026, 11, day, 14, 0, 0, 0, cst)
		run := &result.Run{Kind: result.KindBackup, StartedAt: at, Operator: "ops", RanFrom: "zw-jump", Runner: runnerZW, Zone: zoneZW}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		st := result.OK
		if day == 17 {
			st = result.Crit
		}
		rs := []result.Result{{Asset: "his-db-01", Check: "his-dump", Type: "backup", Item: "freshness", Status: st, Value: fv(float64(day)),
			Unit: "h", Message: "latest dump age", System: "HIS", Zone: zoneZW, StartedAt: at, Playbook: "backup"}}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		run.Results, run.FinishedAt = rs, at.Add(time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
}

func openRunners(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seedRunners(t, db)
	return db
}

func assetsOf(d *Daily) []string {
	var out []string
	for _, ad := range d.Details {
		out = append(out, ad.Asset)
	}
	slices.Sort(out)
	return out
}

// The daily report of a day two runners inspected covers both zones: the
// latest run of each runner, an asset both inspected from the later run,
// changes measured against each runner's own previous run.
func TestDailyMergesRunners(t *testing.T) {
	db := openRunners(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, cst)
	ids, err := RunsForDay(ctx, db, day, cst, store.Scope{})
	if err != nil || len(ids) != 2 {
		t.Fatalf("runs of the day: %v %v, want one per runner", ids, err)
	}
	latest, err := RunsForDay(ctx, db, time.Time{}, cst, store.Scope{})
	if err != nil || !slices.Equal(latest, ids) {
		t.Errorf("runs of the latest day %v %v, want %v", latest, err, ids)
	}
	// hcops-zw starts again at 09:00 and is stopped before any result:
	// its 08:00 run still stands for its zone.
	stopped := &result.Run{Kind: result.KindInspect, StartedAt: day.Add(9 * time.Hour), Runner: runnerZW, Zone: zoneZW}
	if err := db.BeginRun(ctx, stopped); err != nil {
		t.Fatal(err)
	}
	stopped.Status, stopped.FinishedAt = result.RunInterrupted, stopped.StartedAt.Add(time.Second)
	if err := db.FinishRun(ctx, stopped); err != nil {
		t.Fatal(err)
	}
	if again, err := RunsForDay(ctx, db, day, cst, store.Scope{}); err != nil || !slices.Equal(again, ids) {
		t.Errorf("runs of the day after an empty run %v %v, want %v", again, err, ids)
	}
	d, err := BuildDailyRuns(ctx, db, ids, testOpts("zh"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dns-01", "his-app-01", "his-db-01", "pacs-01", "portal-01", "web-01"}
	if got := assetsOf(d); !slices.Equal(got, want) {
		t.Fatalf("assets %v, want both zones' %v", got, want)
	}
	zones := map[string]int{}
	for _, g := range d.ByZone {
		zones[g.Name] = g.Assets
	}
	if zones[zoneZW] != 3 || zones[zoneHLW] != 3 {
		t.Errorf("by zone %+v, want 3 and 3", d.ByZone)
	}
	// dns-01: hcops-hlw's run started later, its CRIT wins over hcops-zw's OK.
	var dns []Finding
	for _, f := range d.Findings {
		if f.Asset == "dns-01" {
			dns = append(dns, f)
		}
	}
	if len(dns) != 1 || dns[0].Status != result.Crit {
		t.Errorf("dns-01 findings %+v, want hcops-hlw's CRIT", dns)
	}
	if d.Checks != 4+4 { // dns-01 once
		t.Errorf("checks %d, want 8", d.Checks)
	}
	if d.Coverage.Inventory != 6 || d.Coverage.Inspected != 6 {
		t.Errorf("coverage %+v, want 6 of the two snapshots' 6", d.Coverage)
	}
	// New since each runner's previous run: his-app-01 memory and dns-01;
	// his-db-01 /data went WARN→CRIT on the 28th (not today), portal-01's
	// warning is old. Against the other runner's run of the same morning
	// every problem would look new.
	var news []string
	for _, f := range d.Changes.New {
		news = append(news, f.Asset+"/"+f.Check)
	}
	slices.Sort(news)
	if !slices.Equal(news, []string{"dns-01/dns", "his-app-01/memory"}) {
		t.Errorf("new problems %v", news)
	}
	if len(d.Runs) != 2 || d.Runs[0].Runner != runnerZW || d.Runs[1].Runner != runnerHLW || d.RunID != d.Runs[1].ID {
		t.Errorf("runs %+v (run id %d)", d.Runs, d.RunID)
	}
	for _, s := range []string{runnerZW, runnerHLW, zoneZW, zoneHLW, "合并 2 个巡检节点"} {
		if !strings.Contains(d.Scope, s) {
			t.Errorf("scope line %q lacks %q", d.Scope, s)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		d, err := BuildDailyRuns(ctx, db, ids, testOpts(lang))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{FormatMD, FormatHTML} {
			var buf bytes.Buffer
			if err := Render(&buf, format, d, ""); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, s := range append(want, runnerZW, runnerHLW) {
				if !strings.Contains(out, s) {
					t.Errorf("%s %s report lacks %q", lang, format, s)
				}
			}
			// The run row names every run merged, not the newest alone.
			sep := map[string]string{"zh": "、", "en": ", "}[lang]
			if nums := fmt.Sprintf("%d%s%d", d.Runs[0].ID, sep, d.Runs[1].ID); !strings.Contains(out, nums) {
				t.Errorf("%s %s report does not number both runs merged (%s)", lang, format, nums)
			}
			if lang == "en" && strings.Contains(out, "合并") {
				t.Errorf("en %s report has Chinese scope words", format)
			}
			if prev := map[string]string{"zh": "对比各巡检节点的上次巡检", "en": "Compared with each runner"}[lang]; !strings.Contains(out, prev) {
				t.Errorf("%s %s report does not say it compares with each runner's previous run", lang, format)
			}
		}
	}
}

// --zone keeps one zone's assets (dns-01 from the later run, whichever
// runner); --runner keeps one runner's run.
func TestDailyScope(t *testing.T) {
	db := openRunners(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, cst)
	for _, c := range []struct {
		sc     store.Scope
		runs   int
		assets []string
		scope  string
	}{
		{store.Scope{Zone: zoneHLW}, 2, []string{"dns-01", "portal-01", "web-01"}, "仅含网络区域 互联网区 的设备"},
		{store.Scope{Zone: zoneZW}, 1, []string{"his-app-01", "his-db-01", "pacs-01"}, "仅含网络区域 专网 的设备"},
		{store.Scope{Runner: runnerZW}, 1, []string{"dns-01", "his-app-01", "his-db-01", "pacs-01"}, "仅含巡检节点 hcops-zw 的巡检"},
		{store.Scope{Runner: runnerHLW, Zone: zoneZW}, 0, nil, ""},
	} {
		ids, err := RunsForDay(ctx, db, day, cst, c.sc)
		if c.runs == 0 {
			if err == nil {
				t.Errorf("%+v: runs %v, want none", c.sc, ids)
			}
			continue
		}
		if err != nil || len(ids) != c.runs {
			t.Fatalf("%+v: runs %v %v, want %d", c.sc, ids, err, c.runs)
		}
		o := testOpts("zh")
		o.Scope = c.sc
		d, err := BuildDailyRuns(ctx, db, ids, o)
		if err != nil {
			t.Fatal(err)
		}
		if got := assetsOf(d); !slices.Equal(got, c.assets) {
			t.Errorf("%+v: assets %v, want %v", c.sc, got, c.assets)
		}
		if !strings.Contains(d.Scope, c.scope) {
			t.Errorf("%+v: scope %q, want %q in it", c.sc, d.Scope, c.scope)
		}
		if d.Coverage.Inventory != len(c.assets) {
			t.Errorf("%+v: coverage %+v, want the zone's inventory", c.sc, d.Coverage)
		}
		if c.sc.Zone == zoneHLW {
			for _, f := range d.Findings {
				if f.Asset == "dns-01" && f.Status != result.Crit {
					t.Errorf("dns-01 %+v, want the later run's CRIT", f)
				}
			}
		}
	}
}

// The monthly report over two runners: the capacity samples of both zones
// (the last run of each day of each runner), and --zone narrows counts,
// availability and findings to the zone's assets.
func TestMonthlyRunnersAndZone(t *testing.T) {
	db := openRunners(t)
	ctx := context.Background()
	o := testOpts("zh")
	o.Now = time.Date(2026, 12, 1, 9, 0, 0, 0, cst)
	m, err := BuildMonthly(ctx, db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Inspections.Runs != 29+28 {
		t.Errorf("runs %d, want 57", m.Inspections.Runs)
	}
	avail := map[string]bool{}
	for _, a := range m.AssetAvail {
		avail[a.Name] = true
	}
	for _, a := range []string{"his-db-01", "pacs-01", "web-01", "portal-01", "dns-01"} {
		if !avail[a] {
			t.Errorf("monthly availability lacks %s: %+v", a, m.AssetAvail)
		}
	}
	var json1 bytes.Buffer
	if err := Render(&json1, FormatJSON, m, ""); err != nil {
		t.Fatal(err)
	}
	// Capacity of both zones: hcops-zw's /data and hcops-hlw's portal disk,
	// though hcops-hlw's run is the last of every day but the 10th.
	for _, s := range []string{`"his-db-01"`, `"portal-01"`} {
		if !strings.Contains(capacityJSON(t, m), s) {
			t.Errorf("capacity trends lack %s", s)
		}
	}

	o.Scope = store.Scope{Zone: zoneHLW}
	z, err := BuildMonthly(ctx, db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range z.AssetAvail {
		if a.Name == "his-db-01" || a.Name == "pacs-01" || a.Name == "his-app-01" {
			t.Errorf("zone %s report has %s", zoneHLW, a.Name)
		}
	}
	if !strings.Contains(z.Scope, zoneHLW) {
		t.Errorf("scope %q", z.Scope)
	}
	// Both runners inspect dns-01 of the internet-facing zone: every run
	// of the month counts, with that zone's results only.
	if z.Inspections.Runs != 57 || z.Inspections.Counts.Unreachable != 0 {
		t.Errorf("zone inspections %+v", z.Inspections)
	}
	if c := capacityJSON(t, z); strings.Contains(c, "his-db-01") || !strings.Contains(c, "portal-01") {
		t.Errorf("zone capacity %s", c)
	}
}

func capacityJSON(t *testing.T, m *Monthly) string {
	t.Helper()
	b, err := json.Marshal(m.Capacity)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A zone's daily report of runs without inventory snapshots, made without
// an inventory: coverage counts the zone's assets, not the runs' counts of
// every zone.
func TestDailyZoneCoverageWithoutSnapshot(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, cst)
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Runner: runnerZW, Zone: zoneZW, Assets: 4, Inventory: 40}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	rs := []result.Result{
		{Asset: "his-db-01", Check: "load", Type: "load", Zone: zoneZW, Status: result.OK, StartedAt: at},
		{Asset: "dns-01", Check: "dns", Type: "dns", Zone: zoneHLW, Status: result.OK, StartedAt: at},
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.Results, run.FinishedAt = rs, at.Add(time.Minute)
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	o := testOpts("en")
	o.Scope = store.Scope{Zone: zoneHLW}
	d, err := BuildDaily(ctx, db, run.ID, o)
	if err != nil {
		t.Fatal(err)
	}
	if d.Assets != 1 || d.Coverage.Inventory != 1 || d.Coverage.Percent != 100 {
		t.Errorf("zone %s of a 40-asset run: assets %d, coverage %+v", zoneHLW, d.Assets, d.Coverage)
	}
}
