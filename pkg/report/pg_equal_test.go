package report

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// historyPair is one history built twice with the same store calls: in
// an SQLite file and in a PostgreSQL database.
type historyPair struct {
	name       string
	sqlite, pg *store.DB
}

// newHistoryPair opens, under name, an SQLite history and a PostgreSQL one
// on the shared server pg.
func newHistoryPair(t *testing.T, pg *testenv.Postgres, name string) historyPair {
	t.Helper()
	ctx := context.Background()
	lite, err := store.Open(ctx, filepath.Join(t.TempDir(), name+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg.SQL(t, "", "CREATE DATABASE "+name)
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, name)
	pgdb, err := store.OpenWith(ctx, url, store.Options{Password: pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgdb.Close() })
	return historyPair{name: name, sqlite: lite, pg: pgdb}
}

// both runs seed on each history of the pair.
func (p historyPair) both(seed func(db *store.DB)) {
	seed(p.sqlite)
	seed(p.pg)
}

// TestReportsSQLiteEqualPostgres builds the same histories in SQLite and
// in PostgreSQL (a real server on loopback) and renders every report kind
// the CLI offers, in both languages and every format, from each: the files
// must be the same, byte for byte (XLSX and DOCX compared entry by entry,
// unzipped). Report times are fixed by Options.Now, so nothing is
// normalised.
func TestReportsSQLiteEqualPostgres(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()

	runners := newHistoryPair(t, pg, "runners")
	runners.both(func(db *store.DB) { seedRunners(t, db) })
	tickets := map[*store.DB][]*ticket.Ticket{}
	runners.both(func(db *store.DB) { tickets[db] = seedTickets(t, db) })
	dbh := newHistoryPair(t, pg, "dbhealth")
	dbIDs := map[*store.DB]int64{}
	dbh.both(func(db *store.DB) { dbIDs[db] = seedDBInto(t, db) })
	base := newHistoryPair(t, pg, "baseline")
	base.both(func(db *store.DB) { seedBaselineInto(t, db) })

	type build func(db *store.DB, o Options) (any, error)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, cst)
	after := func(o Options) Options {
		o.Now = time.Date(2026, 12, 1, 9, 0, 0, 0, cst)
		return o
	}
	daily := func(day time.Time, sc store.Scope) build {
		return func(db *store.DB, o Options) (any, error) {
			ids, err := RunsForDay(ctx, db, day, cst, sc)
			if err != nil {
				return nil, err
			}
			o.Scope = sc
			return BuildDailyRuns(ctx, db, ids, o)
		}
	}
	monthly := func(sc store.Scope) build {
		return func(db *store.DB, o Options) (any, error) {
			o = after(o)
			o.Scope = sc
			o.Tickets = tickets[db]
			return BuildMonthly(ctx, db, nov, o)
		}
	}
	day29, day10 := time.Date(2026, 11, 29, 0, 0, 0, 0, cst), time.Date(2026, 11, 10, 0, 0, 0, 0, cst)
	cases := []struct {
		name string
		pair historyPair
		b    build
	}{
		{"daily-merged", runners, daily(day29, store.Scope{})},
		{"daily-latest", runners, daily(time.Time{}, store.Scope{})},
		{"daily-one-runner-day", runners, daily(day10, store.Scope{})},
		{"daily-zone", runners, daily(day29, store.Scope{Zone: zoneHLW})},
		{"daily-runner", runners, daily(day29, store.Scope{Runner: runnerZW})},
		{"daily-run", runners, func(db *store.DB, o Options) (any, error) {
			ids, err := RunsForDay(ctx, db, day29, cst, store.Scope{Runner: runnerHLW})
			if err != nil {
				return nil, err
			}
			return BuildDaily(ctx, db, ids[0], o)
		}},
		{"monthly", runners, monthly(store.Scope{})},
		{"monthly-zone", runners, monthly(store.Scope{Zone: zoneZW})},
		{"monthly-runner", runners, monthly(store.Scope{Runner: runnerHLW})},
		{"weekly", runners, func(db *store.DB, o Options) (any, error) {
			o = after(o)
			o.Tickets = tickets[db]
			return BuildWeekly(ctx, db, time.Date(2026, 11, 25, 0, 0, 0, 0, cst), o)
		}},
		{"incident", runners, func(db *store.DB, o Options) (any, error) {
			return BuildIncident(tickets[db][0], after(o)), nil
		}},
		{"db", dbh, func(db *store.DB, o Options) (any, error) {
			id, err := FindDBRun(ctx, db, time.Time{}, cst, nil, nil)
			if err != nil {
				return nil, err
			}
			if id != dbIDs[db] {
				return nil, fmt.Errorf("found run %d, seeded %d", id, dbIDs[db])
			}
			return BuildDB(ctx, db, id, nil, o)
		}},
		{"baseline", base, func(db *store.DB, o Options) (any, error) {
			return BuildBaseline(ctx, db, nil, time.Time{}, testWaiverSet(t), o)
		}},
	}
	for _, c := range cases {
		for _, lang := range []string{"zh", "en"} {
			o := testOpts(lang)
			lite, err := c.b(c.pair.sqlite, o)
			if err != nil {
				t.Fatalf("%s on SQLite: %v", c.name, err)
			}
			pgr, err := c.b(c.pair.pg, o)
			if err != nil {
				t.Fatalf("%s on PostgreSQL: %v", c.name, err)
			}
			for _, format := range Formats {
				var a, b bytes.Buffer
				if err := Render(&a, format, lite, ""); err != nil {
					if strings.Contains(err.Error(), "unsupported report") {
						continue // e.g. no XLSX of an incident
					}
					t.Fatalf("%s %s %s from SQLite: %v", c.name, lang, format, err)
				}
				if err := Render(&b, format, pgr, ""); err != nil {
					t.Fatalf("%s %s %s from PostgreSQL: %v", c.name, lang, format, err)
				}
				if a.Len() < 500 {
					t.Errorf("%s %s %s: a report of %d bytes", c.name, lang, format, a.Len())
				}
				sameReport(t, fmt.Sprintf("%s %s %s", c.name, lang, format), format, a.Bytes(), b.Bytes())
			}
		}
	}
}

// sameReport compares two renderings, zip containers by their entries.
func sameReport(t *testing.T, what, format string, a, b []byte) {
	t.Helper()
	if format != FormatXLSX && format != FormatDOCX {
		if !bytes.Equal(a, b) {
			t.Errorf("%s: SQLite and PostgreSQL differ:\n%s", what, firstDiff(string(a), string(b)))
		}
		return
	}
	ea, eb := zipEntries(t, a), zipEntries(t, b)
	names := make([]string, 0, len(ea))
	for n := range ea {
		names = append(names, n)
	}
	sort.Strings(names)
	var nb []string
	for n := range eb {
		nb = append(nb, n)
	}
	sort.Strings(nb)
	if !slices.Equal(names, nb) {
		t.Errorf("%s: entries %v and %v", what, names, nb)
		return
	}
	for _, n := range names {
		if ea[n] != eb[n] {
			t.Errorf("%s: %s: SQLite and PostgreSQL differ:\n%s", what, n, firstDiff(ea[n], eb[n]))
		}
	}
}

func zipEntries(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// seedTickets opens and works two tickets through the ticket service on
// db: a serious fault of his-db-01 taken through to closed, and one
// opened by an alert on dns-01, still open.
func seedTickets(t testing.TB, db *store.DB) []*ticket.Ticket {
	t.Helper()
	ctx := context.Background()
	inv := &inventory.Inventory{}
	zw, hlw := runnerAssets()
	inv.Assets = append(slices.Clone(zw), hlw[:2]...)
	pol, err := ticket.NewPolicy(config.Tickets{}, inv, cst)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, cst)
	svc := &ticket.Service{Store: db, Policy: pol, Now: func() time.Time { return now }}
	opened := time.Date(2026, 11, 17, 9, 12, 0, 0, cst)
	tk, _, err := svc.Open(ctx, ticket.New{Title: "HIS 数据库备份失败", Class: ticket.Serious, Asset: "his-db-01",
		Description: "备份校验失败，最近一次备份超过 17 小时", OpenedAt: opened, Actor: "张伟"})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range []ticket.Action{
		{Kind: ticket.EvAck, Actor: "张伟"},
		{Kind: ticket.EvAssign, Actor: "张伟", Data: map[string]string{"assignee": "李娜"}},
		{Kind: ticket.EvArrive, Actor: "李娜"},
		{Kind: ticket.EvNote, Actor: "李娜", Text: "备份目录所在卷已满"},
		{Kind: ticket.EvResolve, Actor: "李娜", Text: "清理过期备份后重新执行备份，校验通过"},
		{Kind: ticket.EvClose, Actor: "张伟"},
	} {
		a.At = opened.Add(time.Duration(i+1) * 20 * time.Minute)
		if _, err := svc.Act(ctx, tk.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.OpenFromAlert(ctx, ticket.Alert{Key: result.Key{Asset: "dns-01", Check: "dns", Item: "his.local"},
		Ref: "alert:7", Status: result.Crit, System: "infra", Title: "dns-01 resolution failed",
		FiredAt: time.Date(2026, 11, 29, 8, 3, 0, 0, cst)}); err != nil {
		t.Fatal(err)
	}
	ts, err := svc.List(ctx, store.TicketFilter{OpenedSince: time.Date(2026, 11, 1, 0, 0, 0, 0, cst), OpenedUntil: time.Date(2026, 12, 1, 0, 0, 0, 0, cst)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("tickets %d, want 2", len(ts))
	}
	slices.SortFunc(ts, func(a, b *ticket.Ticket) int { return strings.Compare(a.Title, b.Title) })
	return ts
}
