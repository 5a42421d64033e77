package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// hcops ticket list --zone and alert list --zone: the tickets and alerts
// of one network zone's assets, the zone known from the inventory or, for
// another runner's asset, from the alerts raised on it.
func TestTicketAndAlertListZone(t *testing.T) {
	e := newHistoryEnv(t)
	inv := filepath.Join(e.dir, "inv.yaml")
	if err := os.WriteFile(inv, []byte(`systems:
  - {name: rhis}
assets:
  - {name: priv-01, kind: host, address: 10.1.0.1, zone: 专网, system: rhis}
  - {name: priv-02, kind: host, address: 10.1.0.2, zone: 专网, system: rhis}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HCOPS_INVENTORY", inv)
	db := e.open(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, a := range []struct{ asset, zone string }{{"dmz-01", "互联网区"}, {"priv-01", "专网"}} {
		al := &store.Alert{Key: result.Key{Asset: a.asset, Check: "load"}, Zone: a.zone, State: store.AlertFiring, Severity: result.Crit,
			Status: result.Crit, Since: at, FiredAt: at, Message: "load high"}
		if err := db.ApplyAlert(ctx, &store.AlertChange{Alert: al, Event: store.AlertEvent{At: at, Kind: "fire"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tk := range []*store.Ticket{
		{Title: "dmz load", Class: "serious", Source: "alert", AlertKey: result.Key{Asset: "dmz-01", Check: "load"}, OpenedAt: at},
		{Title: "priv-02 disk", Class: "general", Asset: "priv-02", OpenedAt: at},
		{Title: "rhis slow", Class: "general", System: "rhis", OpenedAt: at},
	} {
		if _, _, err := db.OpenTicket(ctx, tk, &store.TicketEvent{At: at, Kind: "open"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	tickets := func(zone string) (titles []string) {
		t.Helper()
		code, out, stderr := e.hcops(t, "ticket", "list", "--zone", zone, "-o", "json")
		if code != 0 {
			t.Fatalf("ticket list --zone %s: exit %d\n%s", zone, code, stderr)
		}
		var ts []struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal([]byte(out), &ts); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, x := range ts {
			titles = append(titles, x.Title)
		}
		slices.Sort(titles)
		return titles
	}
	if got := tickets("专网"); !slices.Equal(got, []string{"priv-02 disk"}) {
		t.Errorf("专网 tickets %v, want priv-02's (from the inventory)", got)
	}
	if got := tickets("互联网区"); !slices.Equal(got, []string{"dmz load"}) {
		t.Errorf("互联网区 tickets %v, want dmz-01's (from its alert's zone)", got)
	}
	code, out, stderr := e.hcops(t, "alert", "list", "--zone", "互联网区", "-o", "json")
	var as []struct {
		Asset string `json:"asset"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &as) != nil || len(as) != 1 || as[0].Asset != "dmz-01" {
		t.Errorf("alert list --zone 互联网区: exit %d %s\n%s", code, out, stderr)
	}
}
