package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// storeRun stores one run of kind started at at with rs (their StartedAt
// defaulting to at), finished with status ("" for completed).
func storeRun(t *testing.T, db *DB, kind string, at time.Time, status string, rs ...result.Result) int64 {
	t.Helper()
	ctx := context.Background()
	run := &result.Run{Kind: kind, StartedAt: at, Playbooks: []string{"linux-daily"}}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.Status = status
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

func finding(t *testing.T, db *DB, k result.Key) *Finding {
	t.Helper()
	f, err := db.Finding(context.Background(), k)
	if err != nil {
		t.Fatalf("Finding(%s): %v", k, err)
	}
	return f
}

func allFindings(t testing.TB, db *DB, f FindingFilter) []Finding {
	t.Helper()
	var out []Finding
	if err := db.EachFinding(context.Background(), f, func(fd *Finding) error {
		out = append(out, *fd)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFindingsStreak(t *testing.T) {
	db := openTest(t)
	disk := result.Key{Asset: "web-01", Check: "disk:/var", Item: "/var"}
	r := func(st result.Status, msg string) result.Result {
		return result.Result{Asset: disk.Asset, Check: disk.Check, Item: disk.Item, Type: "disk", System: "his", Status: st, Message: msg}
	}
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	type want struct {
		status      result.Status
		since       time.Time
		consecutive int
	}
	steps := []struct {
		st   result.Status
		want want
	}{
		{result.OK, want{result.OK, day(0), 1}},
		{result.Warn, want{result.Warn, day(1), 1}},
		{result.Warn, want{result.Warn, day(1), 2}},
		{result.Crit, want{result.Crit, day(3), 1}},
		{result.OK, want{result.OK, day(4), 1}},
	}
	var lastRun int64
	for i, s := range steps {
		lastRun = storeRun(t, db, "inspect", day(i), "", r(s.st, s.st.String()+" now"))
		f := finding(t, db, disk)
		if f.Key != disk || f.Status != s.want.status || !f.StatusSince.Equal(s.want.since) || f.Consecutive != s.want.consecutive {
			t.Errorf("after run %d (%s): status %s since %s, %d in a row; want %s since %s, %d in a row",
				i+1, s.st, f.Status, f.StatusSince.Format(time.DateOnly), f.Consecutive,
				s.want.status, s.want.since.Format(time.DateOnly), s.want.consecutive)
		}
		if !f.FirstSeen.Equal(day(0)) || !f.LastSeen.Equal(day(i)) || f.LastRunID != lastRun {
			t.Errorf("after run %d: first seen %s, last seen %s in run %d; want %s, %s, run %d",
				i+1, f.FirstSeen, f.LastSeen, f.LastRunID, day(0), day(i), lastRun)
		}
		if f.Message != s.st.String()+" now" || f.Type != "disk" || f.System != "his" || f.Kind != "inspect" {
			t.Errorf("after run %d: latest message/type/system/kind = %q %q %q %q", i+1, f.Message, f.Type, f.System, f.Kind)
		}
	}

	// A run that does not look at the key leaves it alone; the streak goes
	// on with the next result that has the same status.
	other := result.Result{Asset: "web-02", Check: "load", Status: result.Warn}
	storeRun(t, db, "inspect", day(5), "", other)
	if f := finding(t, db, disk); f.Consecutive != 1 || !f.LastSeen.Equal(day(4)) {
		t.Errorf("a run without the key changed it: %+v", f)
	}
	storeRun(t, db, "inspect", day(6), "", r(result.OK, "OK again"))
	if f := finding(t, db, disk); f.Status != result.OK || f.Consecutive != 2 || !f.StatusSince.Equal(day(4)) {
		t.Errorf("after a gap: status %s since %s, %d in a row; want OK since %s, 2 in a row", f.Status, f.StatusSince, f.Consecutive, day(4))
	}
}

func TestFindingsInterruptedRun(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := result.Key{Asset: "a", Check: "load"}
	b := result.Key{Asset: "b", Check: "load"}
	res := func(k result.Key, st result.Status) result.Result {
		return result.Result{Asset: k.Asset, Check: k.Check, Status: st}
	}
	storeRun(t, db, "inspect", t0, "", res(a, result.Crit), res(b, result.Crit))

	// The next run stores a's result, then is interrupted before b's.
	run := &result.Run{Kind: "inspect", StartedAt: t0.Add(time.Hour)}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := db.AddResults(ctx, run.ID, []result.Result{res(a, result.Crit)}); err != nil {
		t.Fatal(err)
	}
	// b's batch is cut off by Ctrl-C: nothing of it is stored, findings
	// included.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.AddResults(cancelled, run.ID, []result.Result{res(b, result.OK)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("AddResults with a cancelled context = %v, want context.Canceled", err)
	}
	run.Status = result.RunInterrupted
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if f := finding(t, db, a); f.Consecutive != 2 || f.LastRunID != run.ID {
		t.Errorf("a: %d in a row, last run %d; want 2 in run %d", f.Consecutive, f.LastRunID, run.ID)
	}
	if f := finding(t, db, b); f.Status != result.Crit || f.Consecutive != 1 || f.LastRunID == run.ID {
		t.Errorf("b, not reached by the interrupted run: %+v; want still CRIT, 1 in a row, from the first run", f)
	}

	// A result that failed validation stores nothing either.
	bad := []result.Result{res(a, result.OK), {Asset: "", Check: "x"}}
	if err := db.AddResults(ctx, run.ID, bad); err == nil {
		t.Fatal("a batch with a result without an asset was stored")
	}
	if f := finding(t, db, a); f.Status != result.Crit || f.Consecutive != 2 {
		t.Errorf("a rejected batch moved a finding: %+v", f)
	}
}

// A run stored late (its results older than the finding's latest) does not
// rewrite the latest state; it can only move first_seen back. The same key
// twice in one batch counts twice, in the batch's order.
func TestFindingsOrder(t *testing.T) {
	db := openTest(t)
	k := result.Key{Asset: "db-01", Check: "service", Item: "postgresql"}
	res := func(st result.Status, at time.Time) result.Result {
		return result.Result{Asset: k.Asset, Check: k.Check, Item: k.Item, Status: st, StartedAt: at}
	}
	late := storeRun(t, db, "inspect", t0.Add(2*time.Hour), "", res(result.Warn, t0.Add(2*time.Hour)), res(result.Warn, t0.Add(2*time.Hour+time.Minute)))
	f := finding(t, db, k)
	if f.Status != result.Warn || f.Consecutive != 2 || !f.LastSeen.Equal(t0.Add(2*time.Hour+time.Minute)) || !f.StatusSince.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("two results in one batch: %+v", f)
	}
	storeRun(t, db, "inspect", t0, "", res(result.Crit, t0))
	f = finding(t, db, k)
	if f.Status != result.Warn || f.Consecutive != 2 || f.LastRunID != late || !f.FirstSeen.Equal(t0) {
		t.Errorf("an older run stored late: %+v; want still WARN x2 from run %d, first seen %s", f, late, t0)
	}
}

func TestEachFindingFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	storeRun(t, db, "inspect", t0, "",
		result.Result{Asset: "web-01", Check: "disk", Item: "/", System: "his", Status: result.Crit, Code: "os.disk.usage", Args: []any{"/", 95.0}},
		result.Result{Asset: "web-01", Check: "load", System: "his", Status: result.OK},
		result.Result{Asset: "pacs-01", Check: "disk", Item: "/", System: "pacs", Status: result.Warn},
		result.Result{Asset: "pacs-01", Check: "ping", System: "pacs", Status: result.Unreachable},
	)
	storeRun(t, db, "backup", t0.Add(time.Hour), "",
		result.Result{Asset: "db-01", Check: "backup:nightly", Item: "freshness", Status: result.Crit})
	keys := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Key.String())
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    FindingFilter
		want []string
	}{
		{"all, by asset, check, item", FindingFilter{}, []string{"db-01/backup:nightly/freshness", "pacs-01/disk//", "pacs-01/ping", "web-01/disk//", "web-01/load"}},
		{"not OK", FindingFilter{Status: []result.Status{result.Warn, result.Crit, result.Unreachable}}, []string{"db-01/backup:nightly/freshness", "pacs-01/disk//", "pacs-01/ping", "web-01/disk//"}},
		{"critical", FindingFilter{Status: []result.Status{result.Crit}}, []string{"db-01/backup:nightly/freshness", "web-01/disk//"}},
		{"asset", FindingFilter{Asset: "web-01"}, []string{"web-01/disk//", "web-01/load"}},
		{"system", FindingFilter{System: "pacs"}, []string{"pacs-01/disk//", "pacs-01/ping"}},
		{"check", FindingFilter{Check: "disk"}, []string{"pacs-01/disk//", "web-01/disk//"}},
		{"kind", FindingFilter{Kind: "backup"}, []string{"db-01/backup:nightly/freshness"}},
		{"seen since", FindingFilter{SeenSince: t0.Add(30 * time.Minute)}, []string{"db-01/backup:nightly/freshness"}},
		{"system and status", FindingFilter{System: "his", Status: []result.Status{result.Crit}}, []string{"web-01/disk//"}},
		{"nothing", FindingFilter{Asset: "nope"}, nil},
	} {
		if got := keys(allFindings(t, db, tc.f)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	f := finding(t, db, result.Key{Asset: "web-01", Check: "disk", Item: "/"})
	if f.Code != "os.disk.usage" || !reflect.DeepEqual(f.Args, []any{"/", 95.0}) {
		t.Errorf("code and args of the latest result: %q %v", f.Code, f.Args)
	}
	if _, err := db.Finding(ctx, result.Key{Asset: "web-01", Check: "disk"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Finding of a key never stored = %v, want ErrNotFound", err)
	}
	stop := errors.New("stop")
	n := 0
	if err := db.EachFinding(ctx, FindingFilter{}, func(*Finding) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("an error from fn: %v after %d calls, want it back after 1", err, n)
	}
}

// Goroutines with their own handles (as separate processes would have)
// write runs over the same keys at once; every finding then agrees with
// the results in the order they were committed.
func TestFindingsConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			db, err := Open(ctx, path)
			if err != nil {
				errc <- err
				return
			}
			defer db.Close()
			for n := range 5 {
				run := &result.Run{Kind: "inspect", StartedAt: t0.Add(time.Duration(g*5+n) * time.Minute)}
				if err := db.BeginRun(ctx, run); err != nil {
					errc <- err
					return
				}
				rs := make([]result.Result, 30)
				for i := range rs {
					rs[i] = result.Result{Asset: "host-" + itoa(i%10), Check: "disk", Item: itoa(i % 3), Status: result.Status((g + n + i) % 3)}
				}
				if err := db.AddResults(ctx, run.ID, rs); err != nil {
					errc <- err
					return
				}
				if err := db.FinishRun(ctx, run); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkIntegrity(t, db)
	checkFindings(t, db)
}

// checkFindings recomputes every finding from the stored results, in the
// order they were committed (result ids), and compares it with the table:
// the findings must have been updated with their results, never apart.
func checkFindings(t testing.TB, db *DB) {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT s.asset, s.check_name, s.item, s.status, s.started_at, s.run_id
		FROM results s ORDER BY s.id`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[result.Key]*Finding{}
	for rows.Next() {
		var k result.Key
		var st int
		var at, run int64
		if err := rows.Scan(&k.Asset, &k.Check, &k.Item, &st, &at, &run); err != nil {
			t.Fatal(err)
		}
		when := fromMS(at)
		f := want[k]
		switch {
		case f == nil:
			want[k] = &Finding{Key: k, FirstSeen: when, LastSeen: when, Status: result.Status(st), StatusSince: when, Consecutive: 1, LastRunID: run}
			continue
		case when.Before(f.FirstSeen):
			f.FirstSeen = when
		}
		if when.Before(f.LastSeen) {
			continue
		}
		if result.Status(st) == f.Status {
			f.Consecutive++
		} else {
			f.Status, f.StatusSince, f.Consecutive = result.Status(st), when, 1
		}
		f.LastSeen, f.LastRunID = when, run
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := allFindings(t, db, FindingFilter{})
	if len(got) != len(want) {
		t.Errorf("%d findings for %d keys with results", len(got), len(want))
	}
	for _, g := range got {
		w := want[g.Key]
		if w == nil {
			t.Errorf("finding %s has no results", g.Key)
			continue
		}
		if g.Status != w.Status || g.Consecutive != w.Consecutive || g.LastRunID != w.LastRunID ||
			!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) || !g.StatusSince.Equal(w.StatusSince) {
			t.Errorf("finding %s:\n got  %s x%d since %s, first %s, last %s run %d\n want %s x%d since %s, first %s, last %s run %d",
				g.Key, g.Status, g.Consecutive, g.StatusSince, g.FirstSeen, g.LastSeen, g.LastRunID,
				w.Status, w.Consecutive, w.StatusSince, w.FirstSeen, w.LastSeen, w.LastRunID)
		}
	}
}

// Results stored before the findings table existed are carried into it by
// the migration, with the same first/last seen, streak and latest message
// as if they had been stored since.
func TestFindingsBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:3] {
		if _, err := raw.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec("PRAGMA user_version = 3"); err != nil {
		t.Fatal(err)
	}
	// Three runs (ids out of time order: run 9 was stored last but started
	// first) over two keys; key b is missing from run 8.
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	h := int64(3600 * 1000)
	base := ms(t0)
	exec(`INSERT INTO runs (id, kind, started_at, status) VALUES (7, 'inspect', ?, 'completed'), (8, 'inspect', ?, 'completed'), (9, 'inspect', ?, 'completed')`,
		base+h, base+2*h, base)
	exec(`INSERT INTO results (id, run_id, asset, check_name, item, system, status, message, code, args, started_at) VALUES
		(1, 7, 'a', 'disk', '/', 'his', 3, 'a crit 1', '', '', ?),
		(2, 7, 'b', 'load', '', 'his', 1, 'b warn 1', '', '', ?),
		(3, 8, 'a', 'disk', '/', 'his', 3, 'a crit 2', 'os.disk.usage', '["/",91]', ?),
		(4, 9, 'a', 'disk', '/', 'his', 0, 'a ok 0', '', '', ?),
		(5, 9, 'b', 'load', '', 'his', 1, 'b warn 0', '', '', ?)`,
		base+h, base+h, base+2*h, base, base)
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := finding(t, db, result.Key{Asset: "a", Check: "disk", Item: "/"})
	if a.Status != result.Crit || a.Consecutive != 2 || !a.StatusSince.Equal(fromMS(base+h)) || !a.FirstSeen.Equal(t0) ||
		!a.LastSeen.Equal(fromMS(base+2*h)) || a.LastRunID != 8 || a.Message != "a crit 2" || a.Code != "os.disk.usage" ||
		!reflect.DeepEqual(a.Args, []any{"/", 91.0}) || a.System != "his" || a.Kind != "inspect" {
		t.Errorf("a after backfill: %+v", a)
	}
	b := finding(t, db, result.Key{Asset: "b", Check: "load"})
	if b.Status != result.Warn || b.Consecutive != 2 || !b.StatusSince.Equal(t0) || b.LastRunID != 7 || b.Message != "b warn 1" {
		t.Errorf("b after backfill: %+v", b)
	}
	// And the table goes on from there.
	storeRun(t, db, "inspect", t0.Add(3*time.Hour), "", result.Result{Asset: "b", Check: "load", Status: result.Warn})
	if b := finding(t, db, result.Key{Asset: "b", Check: "load"}); b.Consecutive != 3 {
		t.Errorf("b after one more WARN: %d in a row, want 3", b.Consecutive)
	}
	// (checkFindings does not apply here: it replays results in id order,
	// as AddResults sees them, while the backfill orders them by time, so
	// run 9, stored last but older, counts in its streak.)
}

func TestPruneDropsStaleFindings(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	storeRun(t, db, "inspect", t0, "", result.Result{Asset: "gone", Check: "load", Status: result.Crit},
		result.Result{Asset: "kept", Check: "load", Status: result.Warn})
	storeRun(t, db, "inspect", t0.Add(48*time.Hour), "", result.Result{Asset: "kept", Check: "load", Status: result.Warn})
	if n, err := db.Prune(ctx, t0.Add(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	got := allFindings(t, db, FindingFilter{})
	if len(got) != 1 || got[0].Asset != "kept" || got[0].Consecutive != 2 || !got[0].FirstSeen.Equal(t0) {
		t.Errorf("findings after prune: %+v; want only kept, still 2 in a row since %s", got, t0)
	}
}
