package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

func TestTicketOpenIdempotent(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.Local)
	key := result.Key{Asset: "pacs-db-01", Check: "disk:/data"}
	// Two watchers racing on the same alert open one ticket.
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	created := make([]bool, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, c, err := db.OpenTicket(ctx, &Ticket{Title: "disk full", Class: "serious", Source: "alert", AlertKey: key, OpenedAt: at},
				&TicketEvent{At: at, Kind: "open"})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], created[i] = tk.ID, c
		}()
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("two tickets for one alert key: %v", ids)
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("created %d times", n)
	}
	// Once closed, the same key opens a new ticket; a ref is idempotent.
	if err := db.AddTicketEvent(ctx, &TicketEvent{TicketID: ids[0], At: at.Add(time.Hour), Kind: "close"}, nil); err != nil {
		t.Fatal(err)
	}
	tk, c, err := db.OpenTicket(ctx, &Ticket{Title: "disk full again", Class: "serious", AlertKey: key, Ref: "alert:7", OpenedAt: at.Add(2 * time.Hour)}, &TicketEvent{Kind: "open"})
	if err != nil || !c || tk.ID == ids[0] {
		t.Fatalf("after close: %v %v %v", tk, c, err)
	}
	tk2, c, err := db.OpenTicket(ctx, &Ticket{Title: "x", Class: "serious", Ref: "alert:7", OpenedAt: at}, &TicketEvent{Kind: "open"})
	if err != nil || c || tk2.ID != tk.ID || len(tk2.Events) != 1 {
		t.Fatalf("same ref: %+v %v %v", tk2, c, err)
	}
}

func TestTicketEventsAndMarksAreNeverRewritten(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.Local)
	tk, _, err := db.OpenTicket(ctx, &Ticket{Title: "t", Class: "urgent", OpenedAt: at}, &TicketEvent{At: at, Kind: "open", Actor: "li"})
	if err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("refused")
	if err := db.AddTicketEvent(ctx, &TicketEvent{TicketID: tk.ID, Kind: "ack"}, func(*Ticket) error { return refuse }); err != refuse {
		t.Fatalf("check error = %v, want it as is", err)
	}
	if err := db.AddTicketEvent(ctx, &TicketEvent{TicketID: tk.ID, At: at.Add(time.Minute), Kind: "note", Data: map[string]string{"run": "42"}},
		func(got *Ticket) error {
			if len(got.Events) != 1 {
				t.Errorf("check saw %d events", len(got.Events))
			}
			return nil
		}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTicketEvent(ctx, &TicketEvent{TicketID: 999, Kind: "ack"}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing ticket: %v", err)
	}
	m := TicketMark{TicketID: tk.ID, Clock: "repair", Level: 100, At: at.Add(2 * time.Hour)}
	added, err := db.AddTicketMarks(ctx, []TicketMark{m, {TicketID: tk.ID, Clock: "repair", Level: 50, At: at.Add(time.Hour)}})
	if err != nil || len(added) != 2 {
		t.Fatalf("marks: %v %v", added, err)
	}
	m.At = at.Add(3 * time.Hour)
	if added, err = db.AddTicketMarks(ctx, []TicketMark{m}); err != nil || len(added) != 0 {
		t.Fatalf("second record: %v %v", added, err)
	}
	got, err := db.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 2 || got.Events[1].Data["run"] != "42" || len(got.Marks) != 2 || !got.Marks[1].At.Equal(at.Add(2*time.Hour)) {
		t.Fatalf("ticket: %+v", got)
	}
	for _, q := range []string{`UPDATE ticket_marks SET at = 0`, `DELETE FROM ticket_marks`, `UPDATE ticket_events SET at = 0`, `DELETE FROM ticket_events`} {
		if _, err := db.SQL().ExecContext(ctx, q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	var n int
	err = db.EachTicket(ctx, TicketFilter{NotClosed: true, OpenedSince: at, OpenedUntil: at.Add(time.Hour)}, func(t *Ticket) error { n += len(t.Events); return nil })
	if err != nil || n != 2 {
		t.Fatalf("EachTicket: %d %v", n, err)
	}
}

// Tickets and alerts of one network zone: a ticket is of the zone of its
// asset (or its alert's asset) — listed by the caller from the inventory,
// or known from an alert raised in the zone; a ticket with no asset is of
// no zone.
func TestTicketsAndAlertsByZone(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.Local)
	for _, a := range []struct{ asset, zone string }{{"dmz-01", "互联网区"}, {"priv-01", "专网"}} {
		al := &Alert{Key: result.Key{Asset: a.asset, Check: "load"}, Zone: a.zone, State: AlertFiring, Severity: result.Crit, Status: result.Crit,
			Since: at, FiredAt: at, Message: "load"}
		if err := db.ApplyAlert(ctx, &AlertChange{Alert: al, Event: AlertEvent{At: at, Kind: "fire"}}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(title, asset string, key result.Key) {
		t.Helper()
		if _, _, err := db.OpenTicket(ctx, &Ticket{Title: title, Class: "serious", Asset: asset, AlertKey: key, OpenedAt: at}, &TicketEvent{At: at, Kind: "open"}); err != nil {
			t.Fatal(err)
		}
	}
	open("dmz by alert", "", result.Key{Asset: "dmz-01", Check: "load"})
	open("priv by hand", "priv-02", result.Key{})
	open("priv known by alert", "priv-01", result.Key{})
	open("system-wide", "", result.Key{})
	titles := func(f TicketFilter) (out []string) {
		t.Helper()
		if err := db.EachTicket(ctx, f, func(tk *Ticket) error { out = append(out, tk.Title); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := titles(TicketFilter{Zone: "互联网区"}); len(got) != 1 || got[0] != "dmz by alert" {
		t.Errorf("互联网区 tickets %v", got)
	}
	if got := titles(TicketFilter{Zone: "专网", ZoneAssets: []string{"priv-02"}}); len(got) != 2 || got[0] != "priv by hand" || got[1] != "priv known by alert" {
		t.Errorf("专网 tickets %v", got)
	}
	if got := titles(TicketFilter{Zone: "nowhere"}); len(got) != 0 {
		t.Errorf("tickets of a zone with nothing %v", got)
	}
	if got := titles(TicketFilter{}); len(got) != 4 {
		t.Errorf("all tickets %v", got)
	}
	as, err := db.Alerts(ctx, AlertFilter{Zone: "专网"})
	if err != nil || len(as) != 1 || as[0].Asset != "priv-01" {
		t.Errorf("专网 alerts %+v %v", as, err)
	}
}
