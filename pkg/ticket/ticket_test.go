package ticket

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

var cst = time.FixedZone("CST", 8*3600)

func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fakeNow is a settable clock.
type fakeNow struct{ t time.Time }

func (f *fakeNow) Now() time.Time { return f.t }

const testSystems = `systems:
  - name: pacs
    criticality: core
    sla:
      urgent: {respond: 15m, fix: 2h}
      serious: {respond: 2h, fix: 4h}
      general: {respond: 4h, fix: 8h}
      max_outage: 2h
  - name: cost
    criticality: non-core
    sla:
      general: {respond: 4h, arrive: 1h, fix: 8h}
`

func testInventory(t testing.TB) *inventory.Inventory {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "systems.yaml"), []byte(testSystems), 0o600); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func newService(t testing.TB, c config.Tickets) (*Service, *fakeNow) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := NewPolicy(c, testInventory(t), cst)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeNow{}
	return &Service{Store: db, Policy: p, Now: clk.Now}, clk
}

func TestTransitions(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{})
	clk.t = at(t, "2026-11-16 09:00")
	tk, _, err := s.Open(ctx, New{Title: "PACS 影像调阅缓慢", Class: Serious, System: "pacs", Actor: "li"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		kind    string
		wantErr string // the English message, "" for allowed
		state   State
	}{
		{EvArrive, "ticket 1 is not acknowledged yet, so it cannot record arrival: run hcops ticket ack 1 first", Open},
		{EvPause, "ticket 1 is not acknowledged: the response clock never pauses (hcops ticket ack 1 first)", Open},
		{EvResolve, "ticket 1 is not acknowledged yet, so it cannot be resolved: run hcops ticket ack 1 first", Open},
		{EvClose, "ticket 1 is open: only a resolved ticket can be closed (hcops ticket resolve 1 first)", Open},
		{EvResume, "ticket 1 is not paused", Open},
		{EvReport, "ticket 1 is not a security incident: it cannot be reported", Open},
		{EvAck, "", Acknowledged},
		{EvAck, "ticket 1 is already acknowledged", Acknowledged},
		{EvPause, "", Acknowledged},
		{EvPause, "ticket 1 is already paused (waiting on the client)", Acknowledged},
		{EvResume, "", Acknowledged},
		{EvArrive, "", Arrived},
		{EvArrive, "ticket 1 is already on site / logged in", Arrived},
		{EvNote, "", Arrived},
		{EvResolve, "", Resolved},
		{EvPause, "ticket 1 is resolved: it cannot be paused any more", Resolved},
		{EvArrive, "ticket 1 is resolved: it cannot record arrival any more", Resolved},
		{EvClose, "", Closed},
		{EvNote, "ticket 1 is closed: nothing more can be done to it (open a new one for a new fault: hcops ticket new)", Closed},
	}
	for i, st := range steps {
		clk.t = clk.t.Add(5 * time.Minute)
		got, err := s.Act(ctx, tk.ID, Action{Kind: st.kind, Actor: "li", Text: "x"})
		if st.wantErr == "" {
			if err != nil {
				t.Fatalf("step %d %s: %v", i, st.kind, err)
			}
			if got.State != st.state {
				t.Fatalf("step %d %s: state %s, want %s", i, st.kind, got.State, st.state)
			}
			continue
		}
		var te *TransitionError
		if !errors.As(err, &te) || err.Error() != st.wantErr {
			t.Fatalf("step %d %s: error %v, want %q", i, st.kind, err, st.wantErr)
		}
		if zh := i18n.T(i18n.ZH, te.Key, te.Args...); zh == te.Key {
			t.Errorf("step %d: no Chinese message for %s", i, te.Key)
		}
		if got, _ := s.Get(ctx, tk.ID); got.State != st.state {
			t.Fatalf("step %d %s: refused action changed the state to %s", i, st.kind, got.State)
		}
	}
	// An event dated before the latest one is refused.
	_, err = s.Act(ctx, tk.ID, Action{Kind: EvNote, At: at(t, "2026-11-16 09:01")})
	var te *TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("backdated event: %v", err)
	}
}

func TestClocksFromEvents(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{Calendars: map[string]string{"repair": "working"}})
	clk.t = at(t, "2026-11-20 16:00") // a Friday
	tk, _, err := s.Open(ctx, New{Title: "HIS 挂号失败", Class: Serious, System: "pacs", OpenedAt: at(t, "2026-11-20 15:50")})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Terms.Deadlines[Response] != "2h" || tk.Terms.Deadlines[Arrival] != "30m" || tk.Terms.Deadlines[Repair] != "4h" || tk.Terms.Calendars[Repair] != "working" {
		t.Fatalf("terms: %+v", tk.Terms)
	}
	act := func(kind, when string) *Ticket {
		t.Helper()
		clk.t = at(t, when)
		got, err := s.Act(ctx, tk.ID, Action{Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	act(EvAck, "2026-11-20 16:05")
	act(EvArrive, "2026-11-20 16:15")
	act(EvPause, "2026-11-20 17:00")  // waiting for the client's DBA
	act(EvResume, "2026-11-23 10:00") // Monday
	got := act(EvResolve, "2026-11-23 11:00")
	rsp, _ := got.Clock(Response)
	arr, _ := got.Clock(Arrival)
	rep, _ := got.Clock(Repair)
	if !rsp.Met() || rsp.Elapsed != 15*time.Minute {
		t.Errorf("response: %+v", rsp)
	}
	if !arr.Met() || arr.Elapsed != 25*time.Minute {
		t.Errorf("arrival: %+v", arr)
	}
	// Repair on working hours: Fri 15:50–17:00 (70 min, paused from 17:00),
	// Mon 10:00–11:00 (60 min) = 2h10m of 4h.
	if !rep.Met() || rep.Elapsed != 2*time.Hour+10*time.Minute || rep.Calendar != "working" {
		t.Errorf("repair: %+v", rep)
	}
	// Read again a week later: the clocks say the same (nothing ticks).
	clk.t = at(t, "2026-11-30 12:00")
	again, _ := s.Get(ctx, tk.ID)
	if c, _ := again.Clock(Repair); c.Elapsed != rep.Elapsed || !c.Met() {
		t.Errorf("repair a week later: %+v", c)
	}
}

func TestMarksRecordedOnceAndBreachStays(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{})
	clk.t = at(t, "2026-11-16 09:00")
	tk, _, _ := s.Open(ctx, New{Title: "disk", Class: Urgent, System: "pacs"})
	clk.t = at(t, "2026-11-16 09:20") // response 15m passed
	added, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]int{}
	for _, m := range added {
		levels[m.Clock] = max(levels[m.Clock], m.Level)
	}
	if levels["response"] != 100 || levels["arrival"] != 80 || levels["repair"] != 0 {
		t.Fatalf("marks after 20 min: %+v", added)
	}
	if again, _ := s.Sweep(ctx); len(again) != 0 {
		t.Fatalf("second sweep recorded %v", again)
	}
	// Acknowledging now does not undo the recorded breach.
	got, err := s.Act(ctx, tk.ID, Action{Kind: EvAck})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := got.Clock(Response)
	if !c.Breach() || !c.Recorded || c.Met() {
		t.Errorf("response after late ack: %+v", c)
	}
}

func TestSecurityIncidentClocks(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{Security: config.TicketSecurity{OperatorClass: "cii"}})
	clk.t = at(t, "2026-02-15 23:30") // a Sunday in Spring Festival: the report clock runs anyway
	tk, _, err := s.Open(ctx, New{Title: "勒索软件", Class: Security, System: "pacs", Level: "significant"})
	if err != nil {
		t.Fatal(err)
	}
	rc, ok := tk.Clock(Report)
	if !ok || rc.Deadline != time.Hour || !rc.Due.Equal(at(t, "2026-02-16 00:30")) {
		t.Fatalf("report clock: %+v", rc)
	}
	if rsp, _ := tk.Clock(Response); rsp.Deadline != 15*time.Minute {
		t.Errorf("a security incident runs the urgent deadlines: %+v", rsp)
	}
	clk.t = at(t, "2026-02-15 23:40")
	if _, err := s.Act(ctx, tk.ID, Action{Kind: EvItem, Text: "PACS 前置机", Data: map[string]string{"item": "unit"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Act(ctx, tk.ID, Action{Kind: EvItem, Data: map[string]string{"item": "nope"}}); err == nil {
		t.Error("unknown item accepted")
	}
	clk.t = at(t, "2026-02-16 00:20")
	got, err := s.Act(ctx, tk.ID, Action{Kind: EvReport, Text: "报市网信办"})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ = got.Clock(Report)
	if !rc.Met() || rc.Elapsed != 50*time.Minute || got.Items["unit"] != "PACS 前置机" {
		t.Errorf("reported after 50 min: %+v items %v", rc, got.Items)
	}
	if _, err := s.Act(ctx, tk.ID, Action{Kind: EvReport}); err == nil {
		t.Error("reported twice")
	}
	// Other operator classes: 2 h and 4 h; a minor incident needs no report.
	for _, tc := range []struct {
		op, level string
		want      time.Duration
	}{{"central", "", 2 * time.Hour}, {"other", "major", 4 * time.Hour}, {"cii", "minor", 0}} {
		tk, _, err := s.Open(ctx, New{Title: "x", Class: Security, OperatorClass: tc.op, Level: tc.level})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := tk.Clock(Report)
		if ok != (tc.want > 0) || c.Deadline != tc.want {
			t.Errorf("%s %s: report clock %v %+v", tc.op, tc.level, ok, c)
		}
	}
}

func TestOpenFromAlert(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{})
	clk.t = at(t, "2026-11-16 09:05")
	key := result.Key{Asset: "pacs-db-01", Check: "disk:/data"}
	a := Alert{Key: key, Ref: "alert:3", Status: result.Crit, System: "pacs", Title: "/data 98%", FiredAt: at(t, "2026-11-16 09:00"), RunID: 42}
	tk, created, err := s.OpenFromAlert(ctx, a)
	if err != nil || !created || tk.Class != Serious || !tk.OpenedAt.Equal(a.FiredAt) || tk.Evidence[0] != "run:42" || tk.Source != "alert" {
		t.Fatalf("first: %+v %v %v", tk, created, err)
	}
	// The watcher killed and restarted fires the same alert again.
	again, created, err := s.OpenFromAlert(ctx, a)
	if err != nil || created || again.ID != tk.ID {
		t.Fatalf("again: %+v %v %v", again, created, err)
	}
	if warn, created, err := s.OpenFromAlert(ctx, Alert{Key: key, Status: result.Warn}); warn != nil || created || err != nil {
		t.Fatalf("a WARN opens no ticket: %v %v %v", warn, created, err)
	}
	if u, _, _ := s.OpenFromAlert(ctx, Alert{Key: result.Key{Asset: "x", Check: "ping"}, Status: result.Unreachable, System: "unknown-system"}); u == nil || u.Class != Urgent || u.System != "" {
		t.Fatalf("unreachable: %+v", u)
	}
}

// One fault, one ticket: a host that goes down raises the watcher's
// availability alert and the inspection's connect alert together; the
// second is noted (once) on the first's ticket. After the ticket is
// resolved, a new alert on the asset is a new fault with a ticket of its
// own, and another asset's alert never folds in.
func TestOpenFromAlertFoldsTheSameAsset(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{})
	clk.t = at(t, "2026-11-16 09:05")
	avail := Alert{Key: result.Key{Asset: "pacs-db-01", Check: "availability"}, Ref: "alert:1", Status: result.Unreachable,
		System: "pacs", Title: "pacs-db-01: 10.1.0.11:22 does not answer", FiredAt: at(t, "2026-11-16 09:01")}
	first, created, err := s.OpenFromAlert(ctx, avail)
	if err != nil || !created {
		t.Fatalf("first: %+v %v %v", first, created, err)
	}
	conn := Alert{Key: result.Key{Asset: "pacs-db-01", Check: "connect"}, Ref: "alert:2", Status: result.Unreachable,
		System: "pacs", Title: "pacs-db-01 unreachable (timeout)", FiredAt: at(t, "2026-11-16 09:02")}
	for i := range 2 { // the second time: a watcher restarted after a kill
		got, created, err := s.OpenFromAlert(ctx, conn)
		if err != nil || created || got.ID != first.ID {
			t.Fatalf("connect alert, try %d: ticket %+v created %v %v; want it noted on ticket %d", i+1, got, created, err, first.ID)
		}
	}
	tk, _ := s.Get(ctx, first.ID)
	notes := 0
	for _, ev := range tk.Events {
		if ev.Kind == EvNote && ev.Data["alert"] == "alert:2" {
			notes++
			if !strings.Contains(ev.Text, "pacs-db-01 unreachable (timeout)") || ev.Actor != "hcops" {
				t.Errorf("note %+v", ev)
			}
		}
	}
	if notes != 1 {
		t.Errorf("the folded alert is noted %d times, want once: %+v", notes, tk.Events)
	}
	if all, _ := s.List(ctx, store.TicketFilter{}); len(all) != 1 {
		t.Errorf("%d tickets for one fault", len(all))
	}
	// Another asset: its own ticket.
	other := Alert{Key: result.Key{Asset: "his-db-01", Check: "availability"}, Ref: "alert:3", Status: result.Unreachable, System: "his", FiredAt: at(t, "2026-11-16 09:03")}
	if o, created, err := s.OpenFromAlert(ctx, other); err != nil || !created || o.ID == first.ID {
		t.Errorf("another asset folded in: %+v %v %v", o, created, err)
	}
	// Resolved: the next alert on the asset is a new fault.
	clk.t = at(t, "2026-11-16 10:00")
	for _, k := range []string{EvAck, EvArrive, EvResolve} {
		if _, err := s.Act(ctx, first.ID, Action{Kind: k, Data: map[string]string{"cause": "NIC"}}); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = at(t, "2026-11-16 11:00")
	again := Alert{Key: result.Key{Asset: "pacs-db-01", Check: "disk:/data"}, Ref: "alert:4", Status: result.Crit, System: "pacs", FiredAt: at(t, "2026-11-16 10:59")}
	if n, created, err := s.OpenFromAlert(ctx, again); err != nil || !created || n.ID == first.ID {
		t.Errorf("after resolution: %+v %v %v", n, created, err)
	}
}

func TestAttainment(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t, config.Tickets{})
	type step struct{ kind, when string }
	mk := func(class Class, sys, opened string, steps ...step) {
		clk.t = at(t, opened)
		tk, _, err := s.Open(ctx, New{Title: "t", Class: class, System: sys})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			clk.t = at(t, st.when)
			if _, err := s.Act(ctx, tk.ID, Action{Kind: st.kind}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// pacs urgent: respond 15m, arrive 20m, fix 2h.
	mk(Urgent, "pacs", "2026-11-02 10:00", step{EvAck, "2026-11-02 10:10"}, step{EvArrive, "2026-11-02 10:15"}, step{EvResolve, "2026-11-02 11:00"})
	mk(Urgent, "pacs", "2026-11-10 10:00", step{EvAck, "2026-11-10 10:20"}, step{EvArrive, "2026-11-10 10:25"}, step{EvResolve, "2026-11-10 13:00"})
	// pacs serious, still open with the response deadline (2h) not reached.
	mk(Serious, "pacs", "2026-11-30 23:00")
	// cost general: arrive 1h from its sla:.
	mk(General, "cost", "2026-11-30 22:00", step{EvAck, "2026-11-30 22:40"}, step{EvArrive, "2026-11-30 22:50"})
	// October and December tickets are not November's.
	mk(General, "cost", "2026-10-31 23:59")
	mk(General, "cost", "2026-12-01 00:00")
	clk.t = at(t, "2026-12-01 00:30")
	ts, err := s.List(ctx, store.TicketFilter{OpenedSince: at(t, "2026-11-01 00:00"), OpenedUntil: at(t, "2026-12-01 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	a := ComputeAttainment(ts, at(t, "2026-11-01 00:00"), at(t, "2026-12-01 00:00"))
	if a.Total.Tickets != 4 || len(a.Rows) != 3 {
		t.Fatalf("rows: %+v", a)
	}
	type want struct{ met, breached, running int }
	check := func(r AttainmentRow, c ClockName, w want, pct float64) {
		t.Helper()
		g := r.Clocks[c]
		if g == nil || g.Met != w.met || g.Breached != w.breached || g.Running != w.running || (g.Percent == nil) != (pct < 0) || (g.Percent != nil && *g.Percent != pct) {
			t.Errorf("%s/%s %s: %+v, want %+v %v%%", r.System, r.Class, c, g, w, pct)
		}
	}
	r := a.Rows // cost/general, pacs/urgent, pacs/serious
	if r[0].System != "cost" || r[1].Class != Urgent || r[2].Class != Serious {
		t.Fatalf("order: %+v", r)
	}
	check(r[0], Response, want{1, 0, 0}, 100)
	check(r[0], Arrival, want{1, 0, 0}, 100)
	check(r[0], Repair, want{0, 0, 1}, -1)
	check(r[1], Response, want{1, 1, 0}, 50)
	check(r[1], Arrival, want{1, 1, 0}, 50) // the second arrived after 25 min of 20
	check(r[1], Repair, want{1, 1, 0}, 50)
	check(r[2], Response, want{0, 0, 1}, -1)
	check(r[2], Arrival, want{0, 1, 0}, 0) // 90 min without arriving, of 30
	check(a.Total, Response, want{2, 1, 1}, 200.0/3)
}
