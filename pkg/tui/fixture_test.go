package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

var cst = time.FixedZone("CST", 8*3600)

// fixedNow is the fixture's clock: every frame is drawn at this instant.
var fixedNow = time.Date(2026, 11, 16, 10, 0, 0, 0, cst)

const fixtureInventory = `
systems:
  - name: pacs
    name_zh: 区域影像PACS
    name_en: Regional PACS
    criticality: core
    sla:
      availability: 99.9
      urgent: {respond: 15m, fix: 2h}
      serious: {respond: 2h, fix: 4h}
      general: {respond: 4h, fix: 8h}
  - name: his
    name_zh: 医院信息系统
    name_en: HIS
    sla:
      availability: 99.5
assets:
  - {name: pacs-db-01, kind: host, address: 10.1.0.11, system: pacs, zone: intranet}
  - {name: pacs-app-01, kind: host, address: 10.1.0.21, system: pacs, zone: intranet}
  - {name: his-app-01, kind: host, address: 10.2.0.11, system: his, zone: intranet}
  - {name: web-01, kind: host, address: 203.0.113.5, system: his, zone: internet}
`

// fixture is a history seeded with fixed data: three inspections over two
// days, a firing alert, an urgent ticket and a probe hour.
type fixture struct {
	db   *store.DB
	inv  *inventory.Inventory
	svc  *ticket.Service
	deps Deps
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	inv, err := inventory.LoadBytes("fixture.yaml", []byte(fixtureInventory))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := ticket.NewPolicy(config.Tickets{}, inv, cst)
	if err != nil {
		t.Fatal(err)
	}
	svc := &ticket.Service{Store: db, Policy: pol, Now: func() time.Time { return fixedNow }}
	f := &fixture{db: db, inv: inv, svc: svc}
	for i, at := range []time.Time{fixedNow.Add(-26 * time.Hour), fixedNow.Add(-2 * time.Hour), fixedNow.Add(-20 * time.Minute)} {
		f.inspect(t, at, float64(80+i*7))
	}
	k := result.Key{Asset: "pacs-db-01", Check: "disk:/data", Item: "/data"}
	al := &store.Alert{Key: k, System: "pacs", Zone: "intranet", State: store.AlertFiring, Severity: result.Crit, Status: result.Crit,
		Since: fixedNow.Add(-2 * time.Hour), FiredAt: fixedNow.Add(-2 * time.Hour), Message: "/data 94%"}
	if err := db.ApplyAlert(ctx, &store.AlertChange{Alert: al, Event: store.AlertEvent{At: al.FiredAt, Kind: "fire"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Open(ctx, ticket.New{Title: "PACS 影像存储 /data 将满", Class: ticket.Urgent, System: "pacs", Asset: "pacs-db-01",
		OpenedAt: fixedNow.Add(-10 * time.Minute), Actor: "hcops", Source: "alert", AlertKey: k}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddProbes(ctx, fixedNow.Add(-time.Hour), map[string]bool{"pacs-db-01": true, "pacs-app-01": true, "his-app-01": true, "web-01": false}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddProbes(ctx, fixedNow.Add(-59*time.Minute), map[string]bool{"pacs-db-01": true, "pacs-app-01": true, "his-app-01": true, "web-01": true}); err != nil {
		t.Fatal(err)
	}
	f.deps = Deps{Inventory: inv, History: db, Alerts: db, Tickets: svc, Availability: db}
	return f
}

// inspect stores one inspection at at; pacs-db-01's /data is at disk %.
func (f *fixture) inspect(t testing.TB, at time.Time, disk float64) {
	t.Helper()
	ctx := context.Background()
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Status: result.RunRunning, Playbooks: []string{"linux-daily"}}
	if err := f.db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	var rs []result.Result
	for _, a := range f.inv.Assets {
		r := result.Result{Asset: a.Name, Check: "load", Type: "load", System: a.System, Zone: a.Zone, Status: result.OK,
			Message: "load 0.4", StartedAt: at, Metrics: []result.Metric{{Name: "load1", Value: 0.4 + disk/100}}}
		rs = append(rs, r)
		d := result.Result{Asset: a.Name, Check: "disk:/data", Type: "disk", Item: "/data", System: a.System, Zone: a.Zone,
			Status: result.OK, StartedAt: at, Metrics: []result.Metric{{Name: "disk_used_pct", Value: 40, Unit: "%"}}}
		d.Message = "/data 40%"
		if a.Name == "pacs-db-01" {
			d.Status, d.Message, d.Metrics[0].Value = result.Warn, fmt.Sprintf("/data %.0f%%", disk), disk
			if disk >= 90 {
				d.Status = result.Crit
			}
			d.Evidence = fmt.Sprintf("Filesystem  Size Used Avail Use%% Mounted on\n/dev/sdb1   2.0T 1.8T  120G  %.0f%% /data", disk)
			d.Advice = "清理或扩容 /data"
		}
		rs = append(rs, d)
	}
	if at.After(fixedNow.Add(-time.Hour)) {
		rs = append(rs, result.Result{Asset: "web-01", Check: "http", Type: "http", System: "his", Zone: "internet",
			Status: result.Unreachable, Message: "connection timed out", Reason: result.ReasonTimeout, StartedAt: at})
	}
	if err := f.db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.FinishedAt, run.Status = at.Add(time.Minute), result.RunCompleted
	if err := f.db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
}

// model returns the dashboard over the fixture at w×h with its first
// snapshot read, as the program would have it after Init.
func (f *fixture) model(t testing.TB, lang string, w, h int, opts ...func(*Options)) Model {
	t.Helper()
	o := Options{Lang: lang, Actor: "张工", Now: func() time.Time { return fixedNow }}
	for _, fn := range opts {
		fn(&o)
	}
	m := New(context.Background(), f.deps, o)
	m = step(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return step(t, m, m.loadCmd()())
}

// step applies msg and runs the commands it returns that read data
// (snapshot, detail, action), as the program would.
func step(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	nm, cmd := m.Update(msg)
	m = nm.(Model)
	for cmd != nil {
		next := runData(cmd)
		if next == nil {
			break
		}
		nm, cmd = m.Update(next)
		m = nm.(Model)
	}
	return m
}

// runData runs cmd when it reads or writes data and returns its message;
// timers and the quit command are not run.
func runData(cmd tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		switch msg := msg.(type) {
		case snapshotMsg, detailMsg, actionMsg:
			return msg
		case tea.BatchMsg:
			for _, c := range msg {
				if c == nil {
					continue
				}
				if got := runData(c); got != nil {
					return got
				}
			}
		}
		return nil
	case <-time.After(100 * time.Millisecond):
		return nil // a timer
	}
}

// press sends key presses: "enter", "esc", "tab", or text typed a rune at a time.
func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m = step(t, m, keyMsg(k))
	}
	return m
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m = step(t, m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}
