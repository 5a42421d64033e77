package tui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

func assetNames(m Model) []string {
	var out []string
	for _, r := range m.rows {
		out = append(out, m.snap.Assets[r].Name)
	}
	return out
}

func TestFilterAndSort(t *testing.T) {
	f := newFixture(t)
	m := press(t, f.model(t, "en", 80, 24), "2")
	if got := strings.Join(assetNames(m), ","); got != "web-01,pacs-db-01,his-app-01,pacs-app-01" {
		t.Fatalf("worst first: %s", got)
	}
	// Words match name, system, zone, address.
	m = typeText(t, press(t, m, "/"), "pacs")
	if got := strings.Join(assetNames(m), ","); got != "pacs-db-01,pacs-app-01" {
		t.Errorf("filter pacs: %s", got)
	}
	m = press(t, m, "enter")
	if m.filtering || m.filter.Value() != "pacs" {
		t.Errorf("enter keeps the filter and leaves the input: filtering %v value %q", m.filtering, m.filter.Value())
	}
	// esc clears it.
	m = press(t, m, "esc")
	if len(m.rows) != 4 {
		t.Errorf("esc: %d rows", len(m.rows))
	}
	// With = it is an hcops selector.
	m = press(t, typeText(t, press(t, m, "/"), "zone=intranet,system=his"), "enter")
	if got := strings.Join(assetNames(m), ","); got != "his-app-01" {
		t.Errorf("selector: %s", got)
	}
	m = press(t, typeText(t, press(t, press(t, m, "esc"), "/"), "zone=("), "enter")
	if m.filterErr == "" || !strings.Contains(ansi.Strip(m.Frame()), m.filterErr[:10]) {
		t.Errorf("a bad selector is shown: %q", m.filterErr)
	}
	m = press(t, m, "esc")
	// s moves the sort to the next column (name), S reverses it.
	m = press(t, m, "s")
	if got := strings.Join(assetNames(m), ","); got != "his-app-01,pacs-app-01,pacs-db-01,web-01" {
		t.Errorf("by name: %s", got)
	}
	m = press(t, m, "S")
	if got := assetNames(m)[0]; got != "web-01" {
		t.Errorf("reversed: %s first", got)
	}
}

func TestDrillDown(t *testing.T) {
	f := newFixture(t)
	m := press(t, f.model(t, "zh", 80, 40), "2", "j", "enter")
	if m.drillName != "pacs-db-01" || m.drill == nil {
		t.Fatalf("enter on the second row: drill %q %v", m.drillName, m.drill)
	}
	frame := ansi.Strip(m.Frame())
	for _, want := range []string{"disk:/data", "/data 94%", "| /dev/sdb1", "建议：清理或扩容 /data", "disk_used_pct /data", "工单 #1", "告警 #1"} {
		if !strings.Contains(frame, want) {
			t.Errorf("drill-down lacks %q:\n%s", want, frame)
		}
	}
	if sr := m.drill.Series; len(sr) != 2 || len(sr[0].Values) != 3 {
		t.Errorf("series: %+v", sr)
	}
	m = press(t, m, "esc")
	if m.drillName != "" {
		t.Error("esc leaves the drill-down")
	}
}

func TestOverviewEnterFiltersAssets(t *testing.T) {
	f := newFixture(t)
	m := press(t, f.model(t, "en", 80, 24), "l", "enter")
	if m.screen != scrAssets || m.filter.Value() != "system=his" {
		t.Fatalf("screen %d filter %q", m.screen, m.filter.Value())
	}
	if got := strings.Join(assetNames(m), ","); got != "web-01,his-app-01" {
		t.Errorf("his assets: %s", got)
	}
}

func TestActionsGoThroughTheService(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := press(t, f.model(t, "en", 80, 24), "3")
	if len(m.items) != 2 || m.items[0].ticket == nil || m.items[1].alert == nil {
		t.Fatalf("items: ticket first, then the alert: %+v", m.items)
	}
	// Resolving an open ticket is refused by the same check as the CLI.
	m = press(t, press(t, m, "r"), "enter")
	if !m.flashErr || !strings.Contains(m.flash, "acknowledge") {
		t.Errorf("resolve before ack: %q (err %v)", m.flash, m.flashErr)
	}
	m = press(t, m, "a")
	if m.flashErr {
		t.Fatalf("ack: %s", m.flash)
	}
	tk, err := f.svc.Get(ctx, 1)
	if err != nil || tk.State != ticket.Acknowledged || tk.Events[len(tk.Events)-1].Actor != "张工" {
		t.Fatalf("ticket after ack: %+v %v", tk, err)
	}
	m = press(t, typeText(t, press(t, m, "A"), "李工"), "enter")
	m = press(t, typeText(t, press(t, m, "n"), "已清理 /data 日志"), "enter")
	m = press(t, typeText(t, press(t, m, "r"), "日志未轮转"), "enter")
	if m.flashErr {
		t.Fatalf("resolve: %s", m.flash)
	}
	tk, _ = f.svc.Get(ctx, 1)
	if tk.State != ticket.Resolved || tk.Assignee != "李工" || tk.Fields[ticket.FieldCause] != "日志未轮转" {
		t.Errorf("ticket: state %s assignee %q fields %v", tk.State, tk.Assignee, tk.Fields)
	}
	notes := 0
	for _, ev := range tk.Events {
		if ev.Kind == ticket.EvNote && ev.Text == "已清理 /data 日志" {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("note recorded %d times", notes)
	}
	// The alert: acknowledge it; a note is for tickets.
	for m.items[m.wcur].alert == nil {
		m = press(t, m, "j")
	}
	m = press(t, m, "n")
	if !m.flashErr || m.prompting != "" {
		t.Errorf("note on an alert: %q", m.flash)
	}
	m = press(t, m, "a")
	al, err := f.db.Alert(ctx, 1)
	if err != nil || al.AckedBy != "张工" {
		t.Errorf("alert after ack: %+v %v", al, err)
	}
	m = press(t, m, "z")
	al, _ = f.db.Alert(ctx, 1)
	if !al.Silenced(fixedNow) {
		t.Errorf("alert not silenced: %+v", al)
	}
}

func TestReadOnlyDoesNothing(t *testing.T) {
	f := newFixture(t)
	m := f.model(t, "en", 80, 24, func(o *Options) { o.ReadOnly = true })
	m.deps.Inspect = fakeRun
	m = press(t, m, "3", "a", "z", "A", "n", "r")
	if m.prompting != "" {
		t.Errorf("prompt opened read-only: %s", m.prompting)
	}
	tk, _ := f.svc.Get(context.Background(), 1)
	al, _ := f.db.Alert(context.Background(), 1)
	if tk.State != ticket.Open || !al.AckedAt.IsZero() || !al.SilencedUntil.IsZero() {
		t.Errorf("read-only changed something: ticket %s alert %+v", tk.State, al)
	}
	m = press(t, m, "2", "i")
	if m.prompting != "" || m.run != nil {
		t.Error("read-only offered a run")
	}
}

func TestQuit(t *testing.T) {
	f := newFixture(t)
	for _, k := range []string{"q", "ctrl+c"} {
		m := f.model(t, "en", 80, 24)
		var msg tea.KeyPressMsg
		if k == "q" {
			msg = keyMsg("q")
		} else {
			msg = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
		}
		_, cmd := m.Update(msg)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
	// q while typing a filter is text, not quit.
	m := typeText(t, press(t, f.model(t, "en", 80, 24), "2", "/"), "q")
	if m.filter.Value() != "q" {
		t.Errorf("filter %q", m.filter.Value())
	}
}

// A hung host never freezes the screen: the other hosts' events arrive and
// keys work while it runs; x stops the run and it ends interrupted.
func TestRunWithHungHost(t *testing.T) {
	f := newFixture(t)
	m := runScreen(t, f.model(t, "en", 80, 24))
	if h := m.run.byName["hung"]; h.Phase != hostRunning {
		t.Fatalf("hung: phase %d", h.Phase)
	}
	m = press(t, m, "1", "4", "j")
	if m.screen != scrRun || m.run.cur != 1 {
		t.Errorf("keys during the run: screen %d cursor %d", m.screen, m.run.cur)
	}
	m = press(t, m, "2", "i")
	if m.prompting != "" || !strings.Contains(m.flash, "run is going on") {
		t.Errorf("second run while one runs: prompting %q flash %q", m.prompting, m.flash)
	}
	m = press(t, m, "4", "x")
	for m.run.running() {
		nm, _ := m.Update(<-m.runChan())
		m = nm.(Model)
	}
	if m.run.Status != "interrupted" || m.run.Done != 2 {
		t.Errorf("after x: status %q done %d", m.run.Status, m.run.Done)
	}
}

func TestWallCyclesTiles(t *testing.T) {
	f := newFixture(t)
	m := f.model(t, "zh", 80, 24, func(o *Options) { o.Wall = true })
	seen := map[int]bool{}
	for range m.systemTiles() {
		seen[m.tileCur] = true
		m = step(t, m, wallMsg{})
	}
	if len(seen) != m.systemTiles() || m.tileCur != 0 {
		t.Errorf("wall visited %v, back at %d", seen, m.tileCur)
	}
}

func TestWorkOrder(t *testing.T) {
	s := &snapshot{Alerts: []store.Alert{{ID: 1, Severity: 1}, {ID: 2, Severity: 3}}}
	items := workItems(s)
	if items[0].alert.ID != 2 {
		t.Errorf("worst first: %+v", items)
	}
}

// A run that fails before it starts (bad settings, no history) ends as
// failed with its error on the run screen, not as a run in progress.
func TestRunFailsToStart(t *testing.T) {
	f := newFixture(t)
	m := f.model(t, "en", 80, 24)
	m.deps.Inspect = func(context.Context, []string, engine.Observer) error {
		return errors.New("--forks must be a positive number, not 0")
	}
	m.prompting, m.pendingRun = "inspect", []string{"pacs-db-01"}
	nm, _ := m.Update(keyMsg("y"))
	m = nm.(Model)
	for i := 0; i < 10 && m.run.running(); i++ {
		nm, _ = m.Update(<-m.runChan())
		m = nm.(Model)
	}
	frame := m.Frame()
	if m.run.Status != "failed" || !strings.Contains(frame, "failed") || !strings.Contains(frame, "--forks must be") {
		t.Errorf("status %q; the run screen:\n%s", m.run.Status, frame)
	}
	if strings.Contains(frame, "tui.run.status") {
		t.Errorf("a message key shows on screen:\n%s", frame)
	}
}

// This machine inspected without an inventory (or a host of no system)
// has a tile of its own, named as the CLI names it, instead of an overview
// that says there is nothing.
func TestAssetsOfNoSystemHaveATile(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := fixedNow.Add(-5 * time.Minute)
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Status: result.RunRunning, Playbooks: []string{"local-default"}}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := db.AddResults(ctx, run.ID, []result.Result{{Asset: "localhost", Check: "load", Type: "load", Status: result.Crit, Message: "load 6", StartedAt: at}}); err != nil {
		t.Fatal(err)
	}
	run.FinishedAt, run.Status = at.Add(time.Second), result.RunCompleted
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for lang, title := range map[string]string{"zh": "（未归属系统）", "en": "(no system)"} {
		m := New(ctx, Deps{History: db, Alerts: db, Availability: db}, Options{Lang: lang, Now: func() time.Time { return fixedNow }})
		m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = step(t, m, m.loadCmd()())
		frame := ansi.Strip(m.Frame())
		if !strings.Contains(frame, title) || !strings.Contains(frame, "X1") || strings.Contains(frame, m.t("tui.empty")) {
			t.Errorf("%s overview:\n%s", lang, frame)
		}
	}
}
