package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cyhealth/hcops/pkg/alert"
	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
	"github.com/cyhealth/hcops/pkg/watch"
)

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storeRun records a completed run of kind started at at with rs, by the
// runner "name@zone" ("" for this host's unnamed runner).
func storeRun(t testing.TB, db *store.DB, runner, kind string, at time.Time, rs ...result.Result) int64 {
	t.Helper()
	ctx := context.Background()
	name, zone, _ := strings.Cut(runner, "@")
	run := &result.Run{Kind: kind, StartedAt: at, Playbooks: []string{"linux-daily"}, Assets: 3, Runner: name, Zone: zone}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		if rs[i].StartedAt.IsZero() {
			rs[i].StartedAt = at
		}
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.Status = result.RunCompleted
	run.FinishedAt = at.Add(90 * time.Second)
	run.Results = rs
	run.Tally()
	run.Results = nil
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

func res(asset, system, zone, check, item string, st result.Status, value ...float64) result.Result {
	r := result.Result{Asset: asset, System: system, Zone: zone, Check: check, Type: strings.SplitN(check, ":", 2)[0], Item: item, Status: st, Message: st.String()}
	if len(value) > 0 {
		r.SetValue(value[0], "%")
	}
	return r
}

const testInventory = `systems:
  - {name: his, criticality: core}
  - {name: portal, criticality: non-core}
assets:
  - {name: web-01, kind: host, system: his, zone: intranet, address: 127.0.0.1}
  - {name: db-01, kind: host, system: his, zone: intranet, address: 127.0.0.1}
  - {name: ext-01, kind: host, system: portal, zone: internet, address: 127.0.0.1}
`

func loadInventory(t testing.TB) *inventory.Inventory {
	t.Helper()
	p := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := os.WriteFile(p, []byte(testInventory), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// scrapeHTTP GETs url and parses the body with the Prometheus text parser.
func scrapeHTTP(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return mfs
}

// series finds the sample of family name whose labels include want; it
// fails when more than one matches.
func series(t testing.TB, mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	var found []float64
	for _, m := range mf.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			if lv, has := labels[k]; !has || lv != v {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, m.GetGauge().GetValue())
		}
	}
	if len(found) > 1 {
		t.Fatalf("%s%v: %d series match", name, want, len(found))
	}
	if len(found) == 0 {
		return 0, false
	}
	return found[0], true
}

func wantValue(t testing.TB, mfs map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := series(t, mfs, name, labels)
	if !ok {
		t.Errorf("%s%v: no series", name, labels)
		return
	}
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func wantNone(t testing.TB, mfs map[string]*dto.MetricFamily, name string, labels map[string]string) {
	t.Helper()
	if v, ok := series(t, mfs, name, labels); ok {
		t.Errorf("%s%v = %v, want no series", name, labels, v)
	}
}

func serve(t testing.TB, c *Collector) string {
	t.Helper()
	reg, err := NewRegistry(c, true)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen("127.0.0.1:0", reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + srv.Addr() + "/metrics"
}

// What a Grafana user reads off the endpoint, over a history built by the
// real store, alert engine and ticket service: a CRIT on web-01 of system
// his in zone intranet is status 3 with those labels, after being OK the run
// before; the firing alert is counted and the resolved one not; the ticket
// the alert opened is open with its clocks; backup age and RPO; the
// watcher's availability; the latest run per kind and runner.
func TestScrapeOverHTTP(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	inv := loadInventory(t)
	now := time.Now().Truncate(time.Second)
	t1, t2, t3 := now.Add(-3*time.Hour), now.Add(-2*time.Hour), now.Add(-1*time.Hour)

	tpol, err := ticket.NewPolicy(config.Tickets{}, inv, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	tickets := &ticket.Service{Store: db, Policy: tpol, Now: func() time.Time { return now }}
	apol, err := alert.NewPolicy(&config.Config{}, "en")
	if err != nil {
		t.Fatal(err)
	}
	cycle := func(at time.Time) {
		t.Helper()
		tickets.Now = func() time.Time { return at }
		c := &watch.Cycle{Store: db, Alerts: apol, Tickets: tickets, Lang: "en"}
		if _, err := c.Run(ctx, at); err != nil {
			t.Fatalf("cycle at %s: %v", at, err)
		}
	}
	c := &Collector{History: db, Inventory: func() *inventory.Inventory { return inv },
		Tickets: func() *ticket.Service { return tickets }, Now: func() time.Time { return now }}
	url := serve(t, c)

	// Run 1: all well but the portal's http check, WARN.
	storeRun(t, db, "runner-intranet@intranet", result.KindInspect, t1,
		res("web-01", "his", "intranet", "disk:/data", "/data", result.OK, 40),
		res("db-01", "his", "intranet", "load", "", result.OK, 0.5),
		res("ext-01", "portal", "internet", "http", "", result.Warn))
	cycle(t1.Add(2 * time.Minute))
	mfs := scrapeHTTP(t, url)
	crit := map[string]string{"asset": "web-01", "system": "his", "zone": "intranet", "check": "disk:/data", "item": "/data"}
	wantValue(t, mfs, "hcops_check_status", crit, float64(result.OK))
	wantValue(t, mfs, "hcops_check_value", crit, 40)
	wantNone(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "WARN"}) // WARN fires on the second result

	// Run 2: the disk is full (OK -> CRIT); the WARN is seen again.
	storeRun(t, db, "runner-intranet@intranet", result.KindInspect, t2,
		res("web-01", "his", "intranet", "disk:/data", "/data", result.Crit, 97),
		res("db-01", "his", "intranet", "load", "", result.OK, 0.7),
		res("ext-01", "portal", "internet", "http", "", result.Warn))
	cycle(t2.Add(2 * time.Minute))
	mfs = scrapeHTTP(t, url)
	wantValue(t, mfs, "hcops_check_status", crit, float64(result.Crit))
	wantValue(t, mfs, "hcops_check_value", crit, 97)
	wantValue(t, mfs, "hcops_check_status_since_timestamp_seconds", crit, float64(t2.Unix()))
	wantValue(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "CRIT", "system": "his", "zone": "intranet"}, 1)
	wantValue(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "WARN", "system": "portal", "zone": "internet"}, 1)

	// Run 3, by the runner of the internet zone into the same history:
	// the portal is well again, so its alert resolves. A backup
	// verification by this host; the watcher's probes.
	storeRun(t, db, "runner-internet@internet", result.KindInspect, t3, res("ext-01", "portal", "internet", "http", "", result.OK))
	fresh := result.Result{Asset: "db-01", System: "his", Check: "backup:his-dump", Type: "backup", Item: "freshness", Status: result.OK, Crit: "~:24"}
	fresh.SetValue(5, "h")
	storeRun(t, db, "", result.KindBackup, t3, fresh)
	cycle(t3.Add(2 * time.Minute))
	if err := db.AddProbes(ctx, now.Add(-10*time.Minute), map[string]bool{"web-01": true, "db-01": false}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddProbes(ctx, now.Add(-5*time.Minute), map[string]bool{"web-01": true, "db-01": true}); err != nil {
		t.Fatal(err)
	}

	mfs = scrapeHTTP(t, url)
	wantValue(t, mfs, "hcops_history_up", nil, 1)
	wantValue(t, mfs, "hcops_check_status", crit, float64(result.Crit))
	wantValue(t, mfs, "hcops_check_status", map[string]string{"asset": "ext-01", "system": "portal", "zone": "internet", "check": "http"}, float64(result.OK))
	wantValue(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "CRIT", "system": "his", "zone": "intranet"}, 1)
	wantNone(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "WARN"})
	wantValue(t, mfs, "hcops_findings", map[string]string{"zone": "intranet", "system": "his", "status": "CRIT"}, 1)
	wantValue(t, mfs, "hcops_findings", map[string]string{"zone": "internet", "system": "portal", "status": "WARN"}, 0)

	// The CRIT alert opened a serious ticket at t2 (respond 2h, arrive
	// 30m, fix 4h): arrival is overdue, the repair clock has 2h left.
	wantValue(t, mfs, "hcops_tickets_open", map[string]string{"class": "serious", "system": "his", "zone": "intranet", "state": "open"}, 1)
	wantValue(t, mfs, "hcops_tickets_sla_breached", map[string]string{"class": "serious", "system": "his", "zone": "intranet", "clock": "arrival"}, 1)
	wantNone(t, mfs, "hcops_tickets_sla_breached", map[string]string{"clock": "repair"})
	wantValue(t, mfs, "hcops_ticket_sla_remaining_seconds", map[string]string{"class": "serious", "clock": "repair"}, (2 * time.Hour).Seconds())
	wantValue(t, mfs, "hcops_ticket_sla_remaining_seconds", map[string]string{"class": "serious", "clock": "arrival"}, -(90 * time.Minute).Seconds())

	backup := map[string]string{"asset": "db-01", "system": "his", "zone": "intranet", "policy": "his-dump"}
	wantValue(t, mfs, "hcops_backup_age_seconds", backup, (5*time.Hour + time.Hour).Seconds())
	wantValue(t, mfs, "hcops_backup_rpo_seconds", backup, (24 * time.Hour).Seconds())
	wantValue(t, mfs, "hcops_backup_verified_timestamp_seconds", backup, float64(t3.Unix()))

	wantValue(t, mfs, "hcops_availability_ratio", map[string]string{"asset": "db-01", "system": "his", "zone": "intranet"}, 0.5)
	wantValue(t, mfs, "hcops_availability_ratio", map[string]string{"asset": "web-01"}, 1)
	wantValue(t, mfs, "hcops_availability_samples", map[string]string{"asset": "db-01"}, 2)

	// The latest run of each kind by each runner.
	host, _ := os.Hostname()
	wantValue(t, mfs, "hcops_run_last_start_timestamp_seconds", map[string]string{"kind": "inspect", "runner": "runner-intranet", "zone": "intranet"}, float64(t2.Unix()))
	wantValue(t, mfs, "hcops_run_last_start_timestamp_seconds", map[string]string{"kind": "inspect", "runner": "runner-internet", "zone": "internet"}, float64(t3.Unix()))
	wantValue(t, mfs, "hcops_run_duration_seconds", map[string]string{"kind": "backup", "runner": host}, 90)
	wantValue(t, mfs, "hcops_run_results", map[string]string{"kind": "inspect", "runner": "runner-intranet", "status": "CRIT"}, 1)
	wantValue(t, mfs, "hcops_run_results", map[string]string{"kind": "inspect", "runner": "runner-internet", "status": "OK"}, 1)
	wantValue(t, mfs, "hcops_run_completed", map[string]string{"kind": "inspect", "runner": "runner-internet"}, 1)

	// /metrics also carries the Go and process collectors.
	if mfs["go_goroutines"] == nil || mfs["process_start_time_seconds"] == nil {
		t.Error("no Go or process metrics on /metrics")
	}
	// HELP is there for every family exported.
	for name, mf := range mfs {
		if strings.HasPrefix(name, "hcops_") && mf.GetHelp() == "" {
			t.Errorf("%s has no HELP", name)
		}
	}
}

// With no inventory, system and zone come from what the history recorded;
// with one, the inventory wins for the assets it knows and the history
// fills in for the rest. Label zone is always there, empty when unknown.
func TestLabelsFromHistoryOrInventory(t *testing.T) {
	db := openDB(t)
	now := time.Now().Truncate(time.Second)
	storeRun(t, db, "", result.KindInspect, now.Add(-time.Hour),
		res("web-01", "his-old", "dmz", "load", "", result.Warn, 3),
		res("ext-09", "portal", "internet", "load", "", result.OK, 1),
		res("lab-01", "", "", "load", "", result.OK, 1))
	for _, tc := range []struct {
		name string
		inv  *inventory.Inventory
		web  map[string]string
	}{
		{"history", nil, map[string]string{"asset": "web-01", "system": "his-old", "zone": "dmz"}},
		{"inventory", loadInventory(t), map[string]string{"asset": "web-01", "system": "his", "zone": "intranet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Collector{History: db, Inventory: func() *inventory.Inventory { return tc.inv }, Now: func() time.Time { return now }}
			mfs := gather(t, c)
			wantValue(t, mfs, "hcops_check_status", tc.web, float64(result.Warn))
			wantValue(t, mfs, "hcops_check_value", tc.web, 3)
			wantValue(t, mfs, "hcops_check_status", map[string]string{"asset": "ext-09", "system": "portal", "zone": "internet"}, 0)
			wantValue(t, mfs, "hcops_check_status", map[string]string{"asset": "lab-01", "system": "", "zone": ""}, 0)
		})
	}
}

// gather collects c once through a registry and parses the text, as the
// textfile is written.
func gather(t testing.TB, c *Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg, err := NewRegistry(c, false)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteText(&b, reg); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b.String())
	}
	return mfs
}

// A check with more items than the cap keeps the worst ones and folds the
// rest into item "_other" with their worst status; a finding not seen for
// the stale period is left out and counted.
func TestCardinalityBounds(t *testing.T) {
	db := openDB(t)
	now := time.Now().Truncate(time.Second)
	storeRun(t, db, "", result.KindInspect, now.Add(-30*24*time.Hour), res("gone-01", "his", "intranet", "load", "", result.Crit))
	var rs []result.Result
	for i := range 12 {
		st := result.OK
		switch i {
		case 3:
			st = result.Crit
		case 7, 9:
			st = result.Warn
		}
		rs = append(rs, res("nas-01", "pacs", "intranet", "disk", fmt.Sprintf("/mnt/vol%02d", i), st, float64(i)))
	}
	rs = append(rs, res("nas-01", "pacs", "intranet", "load", "", result.OK, 1))
	storeRun(t, db, "", result.KindInspect, now.Add(-time.Hour), rs...)

	c := &Collector{History: db, Now: func() time.Time { return now }, MaxItems: 4}
	mfs := gather(t, c)
	var items []string
	for _, m := range mfs["hcops_check_status"].Metric {
		var asset, check, item string
		for _, l := range m.Label {
			switch l.GetName() {
			case "asset":
				asset = l.GetValue()
			case "check":
				check = l.GetValue()
			case "item":
				item = l.GetValue()
			}
		}
		if asset == "gone-01" {
			t.Errorf("stale finding exported: %v", m)
		}
		if check == "disk" {
			items = append(items, item)
		}
	}
	sort.Strings(items)
	// CRIT vol03, WARN vol07 and vol09 keep their series; the 9 OK
	// volumes fold into _other.
	if want := []string{"/mnt/vol03", "/mnt/vol07", "/mnt/vol09", "_other"}; strings.Join(items, ",") != strings.Join(want, ",") {
		t.Errorf("disk items exported: %v, want %v", items, want)
	}
	wantValue(t, mfs, "hcops_check_status", map[string]string{"asset": "nas-01", "check": "disk", "item": "_other"}, float64(result.OK))
	wantValue(t, mfs, "hcops_check_items_folded", map[string]string{"asset": "nas-01", "check": "disk"}, 9)
	wantNone(t, mfs, "hcops_check_value", map[string]string{"asset": "nas-01", "check": "disk", "item": "/mnt/vol00"})
	wantValue(t, mfs, "hcops_findings", map[string]string{"zone": "intranet", "system": "pacs", "status": "OK"}, 10)
	wantValue(t, mfs, "hcops_findings_stale", nil, 1)
}

// A history that cannot be read is hcops_history_up 0, not a failed scrape.
func TestHistoryDown(t *testing.T) {
	db := openDB(t)
	db.Close()
	mfs := gather(t, &Collector{History: db, Log: slog.New(slog.DiscardHandler)})
	wantValue(t, mfs, "hcops_history_up", nil, 0)
}

// A busy address is refused with an error that names it.
func TestListenBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	reg, _ := NewRegistry(&Collector{History: openDB(t)}, false)
	_, err = Listen(ln.Addr().String(), reg, nil)
	var busy *AddrInUseError
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("Listen on a busy address: %v", err)
	}
}

// The textfile is complete, parses, and has mode TextfileMode or
// stricter; rewriting replaces it whole.
func TestWriteTextfile(t *testing.T) {
	db := openDB(t)
	storeRun(t, db, "", result.KindInspect, time.Now().Add(-time.Minute), res("web-01", "his", "intranet", "load", "", result.Crit, 9))
	reg, err := NewRegistry(&Collector{History: db}, false)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "textfile", "hcops.prom")
	for range 2 {
		if err := WriteTextfile(path, reg); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&^TextfileMode != 0 {
		t.Errorf("mode %v, wider than %v", st.Mode().Perm(), TextfileMode)
	}
	f, _ := os.Open(path)
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, mfs, "hcops_check_status", map[string]string{"asset": "web-01", "check": "load"}, float64(result.Crit))
	if mfs["go_goroutines"] != nil {
		t.Error("the textfile carries Go runtime metrics (node_exporter has its own)")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("textfile directory holds %d entries, want the file alone", len(entries))
	}
}
