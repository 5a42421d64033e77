package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

func TestApplyAlertOutboxAndConflicts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 8, 0, 0, 0, time.Local)
	k := result.Key{Asset: "pacs-db-01", Check: "disk:/data", Item: "/data"}
	a := &Alert{Key: k, System: "pacs", State: AlertFiring, Severity: result.Crit, Status: result.Crit,
		Since: t0, FiredAt: t0, Message: "95%", Code: "os.disk.usage", Args: []any{"/data", 95.0}}
	render := func(a *Alert, ev *AlertEvent) ([]Notification, error) {
		if a.ID == 0 || ev.ID == 0 {
			t.Errorf("render without ids: alert %d event %d", a.ID, ev.ID)
		}
		return []Notification{{Channel: "ops", CreatedAt: t0, Subject: "s", Body: "b", Severity: a.Severity,
			Recipients: Recipients{Names: []string{"张三"}}, Data: []byte(`{"id":1}`)}}, nil
	}
	if err := db.ApplyAlert(ctx, &AlertChange{Alert: a, Event: AlertEvent{At: t0, Kind: "fire"}, Render: render}); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Version != 1 {
		t.Fatalf("id %d version %d", a.ID, a.Version)
	}
	// A second evaluator opening the same key: conflict, nothing written.
	dup := *a
	dup.ID = 0
	if err := db.ApplyAlert(ctx, &AlertChange{Alert: &dup, Event: AlertEvent{At: t0, Kind: "fire"}, Render: render}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second open: %v, want ErrConflict", err)
	}
	// A stale version: conflict too.
	stale := *a
	stale.Version = 0
	if err := db.ApplyAlert(ctx, &AlertChange{Alert: &stale, Event: AlertEvent{At: t0, Kind: "resolve"}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	got, err := db.Alert(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != k || got.Severity != result.Crit || got.Code != "os.disk.usage" || len(got.Args) != 2 || !got.FiredAt.Equal(t0) {
		t.Errorf("read back %+v", got)
	}
	ns, err := db.Notifications(ctx, a.ID)
	if err != nil || len(ns) != 1 || ns[0].State != NotifyPending || ns[0].Recipients.Names[0] != "张三" {
		t.Fatalf("notifications %+v, %v", ns, err)
	}

	// Claim: handed out once while the lease runs, again after it ends.
	c1, err := db.ClaimNotifications(ctx, t0, time.Minute, 10)
	if err != nil || len(c1) != 1 {
		t.Fatalf("claim: %v %v", c1, err)
	}
	if c2, _ := db.ClaimNotifications(ctx, t0.Add(30*time.Second), time.Minute, 10); len(c2) != 0 {
		t.Fatalf("claimed twice within the lease: %v", c2)
	}
	if c3, _ := db.ClaimNotifications(ctx, t0.Add(2*time.Minute), time.Minute, 10); len(c3) != 1 {
		t.Fatalf("expired lease not reclaimed: %v", c3)
	}
	fail := Delivery{IDs: []int64{ns[0].ID}, Channel: "ops", At: t0.Add(2 * time.Minute), Err: errors.New("down"), NextAt: t0.Add(5 * time.Minute)}
	if err := db.FinishDelivery(ctx, fail); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.ClaimNotifications(ctx, t0.Add(4*time.Minute), time.Minute, 10); len(c) != 0 {
		t.Fatalf("claimed before next_at: %v", c)
	}
	if c, _ := db.ClaimNotifications(ctx, t0.Add(5*time.Minute), time.Minute, 10); len(c) != 1 {
		t.Fatalf("not due at next_at: %v", c)
	}
	if err := db.FinishDelivery(ctx, Delivery{IDs: []int64{ns[0].ID}, Channel: "ops", At: t0.Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	ns, _ = db.Notifications(ctx, a.ID)
	if ns[0].State != NotifySent || ns[0].Attempts != 2 || ns[0].LastError != "" {
		t.Errorf("after success: %+v", ns[0])
	}
	log, _ := db.DeliveryAttempts(ctx, ns[0].ID)
	if len(log) != 2 || log[0].OK || !log[1].OK || log[0].Error != "down" {
		t.Errorf("delivery log %+v", log)
	}
	if n, _ := db.ChannelSent(ctx, "ops", t0); n != 1 {
		t.Errorf("ChannelSent = %d, want 1", n)
	}

	// Ack and silence by hand; resolved alerts refuse both.
	if err := db.AckAlert(ctx, a.ID, "zhang", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.SilenceAlert(ctx, a.ID, t0.Add(3*time.Hour), "zhang", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Alert(ctx, a.ID)
	if got.AckedBy != "zhang" || !got.Silenced(t0.Add(2*time.Hour)) || got.Silenced(t0.Add(3*time.Hour)) {
		t.Errorf("ack/silence: %+v", got)
	}
	got.State, got.ResolvedAt = AlertResolved, t0.Add(4*time.Hour)
	if err := db.ApplyAlert(ctx, &AlertChange{Alert: got, Event: AlertEvent{At: got.ResolvedAt, Kind: "resolve"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.AckAlert(ctx, a.ID, "li", t0); !errors.Is(err, ErrAlertResolved) {
		t.Errorf("ack resolved: %v", err)
	}
	if err := db.AckAlert(ctx, 999, "li", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("ack missing: %v", err)
	}
	evs, _ := db.AlertEvents(ctx, a.ID)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	if want := "fire ack silence resolve"; join(kinds) != want {
		t.Errorf("events %q, want %q", join(kinds), want)
	}
	// Once resolved, the key may fire again.
	again := &Alert{Key: k, State: AlertFiring, Severity: result.Warn, Status: result.Warn, Since: t0, FiredAt: t0.Add(5 * time.Hour)}
	if err := db.ApplyAlert(ctx, &AlertChange{Alert: again, Event: AlertEvent{At: again.FiredAt, Kind: "fire"}}); err != nil {
		t.Fatal(err)
	}
	if fs, _ := db.FiringAlerts(ctx); len(fs) != 1 || fs[0].ID != again.ID {
		t.Errorf("firing: %+v", fs)
	}
	if after, _ := db.AlertEventsAfter(ctx, evs[len(evs)-1].ID, 0); len(after) != 1 || after[0].AlertID != again.ID {
		t.Errorf("events after: %+v", after)
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}
