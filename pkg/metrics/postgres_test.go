package metrics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/alert"
	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
	"github.com/cyhealth/hcops/pkg/watch"
)

// Two runners, one per network zone, write one history on a real
// PostgreSQL server; the metrics read from a third connection show both
// zones in one view: each runner's findings with its zone, each runner's
// latest run, the alert and ticket the watcher opened, the backup age.
// It also runs the collector's one SQL read (EachFindingLatest) on
// PostgreSQL.
func TestTwoRunnersOnePostgres(t *testing.T) {
	ctx := context.Background()
	pg := testenv.StartPostgres(t)
	pg.SQL(t, "", "CREATE DATABASE hcops_metrics")
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/hcops_metrics?sslmode=disable", pg.Port)
	open := func(r store.Runner) *store.DB {
		t.Helper()
		db, err := store.OpenWith(ctx, url, store.Options{Password: pg.Password, Runner: r})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	intranet := open(store.Runner{Name: "runner-intranet", Zone: "intranet"})
	internet := open(store.Runner{Name: "runner-internet", Zone: "internet"})
	reader := open(store.Runner{})

	now := time.Now().Truncate(time.Second)
	t1 := now.Add(-2 * time.Hour)
	tickets := seedTwoZones(t, intranet, internet, reader, now)

	url2 := serve(t, &Collector{History: reader, Tickets: func() *ticket.Service { return tickets }, Now: func() time.Time { return now }})
	mfs := scrapeHTTP(t, url2)
	wantValue(t, mfs, "hcops_history_up", nil, 1)
	wantValue(t, mfs, "hcops_check_status", map[string]string{"asset": "web-01", "system": "his", "zone": "intranet", "check": "disk:/data", "item": "/data"}, float64(result.Crit))
	wantValue(t, mfs, "hcops_check_value", map[string]string{"asset": "ext-01", "system": "portal", "zone": "internet", "check": "cert"}, 12)
	wantValue(t, mfs, "hcops_findings", map[string]string{"zone": "internet", "system": "portal", "status": "CRIT"}, 1)
	wantValue(t, mfs, "hcops_run_last_start_timestamp_seconds", map[string]string{"kind": "inspect", "runner": "runner-intranet", "zone": "intranet"}, float64(t1.Unix()))
	wantValue(t, mfs, "hcops_run_last_start_timestamp_seconds", map[string]string{"kind": "inspect", "runner": "runner-internet", "zone": "internet"}, float64(t1.Add(time.Minute).Unix()))
	wantValue(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "CRIT", "system": "his", "zone": "intranet"}, 1)
	wantValue(t, mfs, "hcops_alerts_firing", map[string]string{"severity": "CRIT", "system": "portal", "zone": "internet"}, 1)
	wantValue(t, mfs, "hcops_tickets_open", map[string]string{"class": "serious", "system": "his", "zone": "intranet", "state": "open"}, 1)
	wantValue(t, mfs, "hcops_tickets_open", map[string]string{"class": "serious", "system": "portal", "zone": "internet", "state": "open"}, 1)
	backup := map[string]string{"asset": "ext-db-01", "system": "portal", "zone": "internet", "policy": "portal-dump"}
	wantValue(t, mfs, "hcops_backup_age_seconds", backup, (30*time.Hour + now.Sub(t1.Add(2*time.Minute))).Seconds())
	wantValue(t, mfs, "hcops_backup_rpo_seconds", backup, (24 * time.Hour).Seconds())
	wantValue(t, mfs, "hcops_availability_ratio", map[string]string{"asset": "ext-01", "system": "portal", "zone": "internet"}, 1)
}

// seedTwoZones stores what two runners find in their zones two hours
// before now — a CRIT disk on web-01 (his, intranet), a WARN certificate on
// ext-01 and a stale backup of ext-db-01 (portal, internet) — and a probe
// round; then a watcher cycle, through reader, fires the alerts and opens
// their tickets. It returns the ticket service, clocked at now.
func seedTwoZones(t testing.TB, intranet, internet, reader *store.DB, now time.Time) *ticket.Service {
	t.Helper()
	ctx := context.Background()
	t1 := now.Add(-2 * time.Hour)
	storeRun(t, intranet, "", result.KindInspect, t1,
		res("web-01", "his", "intranet", "disk:/data", "/data", result.Crit, 97),
		res("db-01", "his", "intranet", "load", "", result.OK, 0.5))
	storeRun(t, internet, "", result.KindInspect, t1.Add(time.Minute),
		res("ext-01", "portal", "internet", "cert", "", result.Warn, 12))
	fresh := result.Result{Asset: "ext-db-01", System: "portal", Zone: "internet", Check: "backup:portal-dump", Type: "backup",
		Item: "freshness", Status: result.Crit, Crit: "~:24"}
	fresh.SetValue(30, "h")
	storeRun(t, internet, "", result.KindBackup, t1.Add(2*time.Minute), fresh)
	if err := internet.AddProbes(ctx, now.Add(-time.Minute), map[string]bool{"ext-01": true}); err != nil {
		t.Fatal(err)
	}

	tpol, err := ticket.NewPolicy(config.Tickets{}, nil, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	tickets := &ticket.Service{Store: reader, Policy: tpol, Now: func() time.Time { return now }}
	apol, err := alert.NewPolicy(&config.Config{}, "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&watch.Cycle{Store: reader, Alerts: apol, Tickets: tickets, Lang: "en"}).Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	return tickets
}
