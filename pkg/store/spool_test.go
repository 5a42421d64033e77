package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

func spoolBatch(asset string, st result.Status, at time.Time, n int) []result.Result {
	var rs []result.Result
	for i := range n {
		r := result.Result{Asset: asset, Check: "disk", Item: string(rune('a' + i)), Type: "disk", Status: st, StartedAt: at}
		r.SetMessage("en", "check.disk.usage", "/data", 91.5)
		v := 91.5
		r.Value = &v
		rs = append(rs, r)
	}
	return rs
}

// TestSpoolDeliversExactlyOnce: the database stops in the middle of one
// run and before another; both are spooled, delivered in order when it is
// back, and delivering the same operations again stores nothing twice.
func TestSpoolDeliversExactlyOnce(t *testing.T) {
	ctx := context.Background()
	// The test server trades durability for speed; this test stops it
	// hard, so commits must reach the WAL as on a real server.
	pg := startTestPG(t, "synchronous_commit = on")
	db, err := OpenWith(ctx, pg.NewDatabase(t), Options{Password: pg.Password, Runner: Runner{Name: "r-dmz", Zone: "dmz"}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sp, err := OpenSpool(filepath.Join(t.TempDir(), "spool.db"), db.Location(), Runner{Name: "r-dmz", Zone: "dmz"})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	var told error
	rec := &Spooling{DB: db, Spool: sp, OnSpool: func(err error) { told = err }}

	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	run1 := &result.Run{Kind: result.KindInspect, StartedAt: t0, Playbooks: []string{"linux-daily"}}
	if err := rec.BeginRun(ctx, run1); err != nil || run1.ID <= 0 {
		t.Fatalf("begin on the history: id %d, %v", run1.ID, err)
	}
	if err := rec.AddResults(ctx, run1.ID, spoolBatch("web-01", result.OK, t0, 3)); err != nil {
		t.Fatal(err)
	}
	pg.Stop()
	if err := rec.AddResults(ctx, run1.ID, spoolBatch("web-02", result.Crit, t0.Add(time.Second), 2)); err != nil {
		t.Fatalf("a batch while the database is down: %v", err)
	}
	if told == nil || !Unavailable(told) {
		t.Fatalf("OnSpool told %v, want the connection error", told)
	}
	if err := rec.SaveSnapshot(ctx, run1.ID, []byte(`[{"name":"web-01"}]`)); err != nil {
		t.Fatal(err)
	}
	if err := rec.FinishRun(ctx, run1); err != nil {
		t.Fatal(err)
	}
	run2 := &result.Run{Kind: result.KindInspect, StartedAt: t0.Add(time.Minute), Playbooks: []string{"linux-daily"}}
	if err := rec.BeginRun(ctx, run2); err != nil || run2.ID >= 0 {
		t.Fatalf("begin while down: id %d (want a spool id < 0), %v", run2.ID, err)
	}
	if err := rec.AddResults(ctx, run2.ID, spoolBatch("web-02", result.Warn, t0.Add(time.Minute), 2)); err != nil {
		t.Fatal(err)
	}
	run2.Status = result.RunCompleted
	if err := rec.FinishRun(ctx, run2); err != nil {
		t.Fatal(err)
	}
	if n, _ := sp.Pending(ctx); n != 6 {
		t.Fatalf("%d operations spooled, want 6 (results, snapshot, finish of run 1; begin, results, finish of run 2)", n)
	}
	saved := spoolRows(t, sp)

	pg.Start()
	var rep SpoolReport
	deadline := time.Now().Add(20 * time.Second)
	for {
		rep, err = rec.Deliver(ctx)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("delivery after the database is back: %v", err)
	}
	if rep.Runs != 1 || rep.Batches != 2 || rep.Ops != 6 {
		t.Errorf("delivery report %+v, want 1 run, 2 batches, 6 operations", rep)
	}
	check := func(when string) {
		t.Helper()
		runs, err := db.ListRuns(ctx, RunFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 {
			t.Fatalf("%s: %d runs, want 2", when, len(runs))
		}
		// newest first: run 2 then run 1
		r2, r1 := runs[0], runs[1]
		if r1.ID != run1.ID || r1.Status != result.RunCompleted || r1.Counts.OK != 3 || r1.Counts.Crit != 2 {
			t.Errorf("%s: run 1 %+v, want completed with 3 OK and 2 CRIT", when, r1)
		}
		if r2.Status != result.RunCompleted || r2.Counts.Warn != 2 || r2.Runner != "r-dmz" || r2.Zone != "dmz" || !r2.StartedAt.Equal(run2.StartedAt) {
			t.Errorf("%s: run 2 %+v, want completed, 2 WARN, runner r-dmz in dmz, started as spooled", when, r2)
		}
		n := 0
		if err := db.EachResult(ctx, ResultFilter{}, func(*StoredResult) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != 7 {
			t.Errorf("%s: %d results stored, want 7 (3 + 2 + 2)", when, n)
		}
		f, err := db.Finding(ctx, result.Key{Asset: "web-02", Check: "disk", Item: "a"})
		if err != nil || f.Status != result.Warn || f.Consecutive != 1 {
			t.Errorf("%s: finding of web-02 %+v, %v: want WARN (run 2 after run 1's CRIT)", when, f, err)
		}
		if data, err := db.Snapshot(ctx, run1.ID); err != nil || string(data) != `[{"name":"web-01"}]` {
			t.Errorf("%s: snapshot of run 1 %q, %v", when, data, err)
		}
	}
	check("first delivery")
	if n, _ := sp.Pending(ctx); n != 0 {
		t.Errorf("%d operations left in the spool after delivery", n)
	}

	// The runner died after the history committed but before the spool
	// let go: the same operations are delivered again.
	restoreSpoolRows(t, sp, saved)
	if _, err := rec.Deliver(ctx); err != nil {
		t.Fatalf("second delivery: %v", err)
	}
	check("second delivery of the same operations")
}

type spoolRow struct {
	seq, local, run int64
	op              string
	data            []byte
	at              int64
}

func spoolRows(t *testing.T, sp *Spool) []spoolRow {
	rows, err := sp.sql.Query(`SELECT seq, local_run, run_id, op, data, at FROM ops ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []spoolRow
	for rows.Next() {
		var r spoolRow
		if err := rows.Scan(&r.seq, &r.local, &r.run, &r.op, &r.data, &r.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func restoreSpoolRows(t *testing.T, sp *Spool, rows []spoolRow) {
	for _, r := range rows {
		if _, err := sp.sql.Exec(`INSERT INTO ops (seq, local_run, run_id, op, data, at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.seq, r.local, r.run, r.op, r.data, r.at); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpoolWithoutHistory: a runner that could not open the history at all
// spools whole runs, and its reads see no earlier runs rather than fail.
func TestSpoolWithoutHistory(t *testing.T) {
	ctx := context.Background()
	sp, err := OpenSpool(filepath.Join(t.TempDir(), "spool.db"), "postgres://h@db.example/hcops", Runner{Name: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	rec := &Spooling{Spool: sp}
	if seen, err := rec.LastSeen(ctx, result.KindInspect, "linux-daily"); err != nil || len(seen) != 0 {
		t.Errorf("LastSeen while spooling: %v, %v", seen, err)
	}
	if _, err := rec.LatestRun(ctx, result.KindInspect); !errors.Is(err, ErrNotFound) {
		t.Errorf("LatestRun while spooling: %v, want ErrNotFound", err)
	}
	run := &result.Run{Kind: result.KindInspect}
	if err := rec.BeginRun(ctx, run); err != nil || run.ID >= 0 || run.Runner != "r1" {
		t.Fatalf("begin: %+v, %v", run, err)
	}
	if err := rec.AddResults(ctx, run.ID, spoolBatch("db-01", result.Crit, time.Now(), 1)); err != nil {
		t.Fatal(err)
	}
	if n, _ := sp.Pending(ctx); n != 2 {
		t.Errorf("%d operations spooled, want 2", n)
	}
	// An end the history would refuse is refused now, not at delivery.
	run.Status = "done"
	if err := rec.FinishRun(ctx, run); err == nil || !strings.Contains(err.Error(), "unknown status") {
		t.Errorf("finish with status %q while spooling: %v", run.Status, err)
	}
	if n, _ := sp.Pending(ctx); n != 2 {
		t.Errorf("%d operations spooled after a refused end, want 2", n)
	}
	// A spool holding operations for one history is not silently
	// re-pointed at another.
	sp.Close()
	if _, err := OpenSpool(sp.Path(), "postgres://h@other.example/hcops", Runner{}); err == nil {
		t.Error("a spool of one history opened for another")
	}
}

// TestSpoolingTellsOnce: however the history went away, the user is told
// once per process.
func TestSpoolingTellsOnce(t *testing.T) {
	ctx := context.Background()
	sp, err := OpenSpool(filepath.Join(t.TempDir(), "spool.db"), "postgres://h@db.example/hcops", Runner{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	told := 0
	rec := &Spooling{Spool: sp, OnSpool: func(error) { told++ }}
	rec.Down(errors.New("connection refused"))
	for range 2 {
		run := &result.Run{Kind: result.KindInspect}
		if err := rec.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := rec.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	if told != 1 {
		t.Errorf("told %d times, want once", told)
	}
}

// TestSpoolStuckOperationDoesNotStopRuns: an operation that cannot be
// delivered (its run never reached the spool) stays, in order, and says
// so; new runs are recorded in the history all the same.
func TestSpoolStuckOperationDoesNotStopRuns(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	sp, err := OpenSpool(filepath.Join(t.TempDir(), "spool.db"), db.Location(), Runner{Name: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if _, err := sp.add(ctx, 99, 0, "results", spoolBatch("web-01", result.OK, time.Now(), 1)); err != nil {
		t.Fatal(err)
	}
	rec := &Spooling{DB: db, Spool: sp}
	run := &result.Run{Kind: result.KindInspect}
	if err := rec.BeginRun(ctx, run); err != nil || run.ID <= 0 {
		t.Fatalf("a new run with a stuck spool: id %d, %v; want it in the history", run.ID, err)
	}
	rep, err := sp.Deliver(ctx, db)
	if err == nil || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "never delivered") || rep.Left != 1 {
		t.Errorf("delivering the stuck operation: %+v, %v; want it named and left in the spool", rep, err)
	}
}

// TestSpoolWhenTheServerHangs: a server that stops answering in the
// middle of a run (frozen: connections open, nothing answers) does not
// hold the run: the write gives up after
// pgWriteTimeout, the rest of the run is spooled, and it is delivered once
// the server answers again.
func TestSpoolWhenTheServerHangs(t *testing.T) {
	ctx := context.Background()
	old := pgWriteTimeout
	pgWriteTimeout = 2 * time.Second
	t.Cleanup(func() { pgWriteTimeout = old })
	pg := startTestPG(t)
	db, err := OpenWith(ctx, pg.NewDatabase(t), Options{Password: pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sp, err := OpenSpool(filepath.Join(t.TempDir(), "spool.db"), db.Location(), Runner{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	var told error
	rec := &Spooling{DB: db, Spool: sp, OnSpool: func(err error) { told = err }}
	run := &result.Run{Kind: result.KindInspect}
	if err := rec.BeginRun(ctx, run); err != nil || run.ID <= 0 {
		t.Fatalf("begin: %d, %v", run.ID, err)
	}
	if err := rec.AddResults(ctx, run.ID, spoolBatch("web-01", result.OK, time.Now(), 2)); err != nil {
		t.Fatal(err)
	}

	pg.Freeze()
	start := time.Now()
	if err := rec.AddResults(ctx, run.ID, spoolBatch("web-02", result.Crit, time.Now(), 2)); err != nil {
		t.Fatalf("a batch while the server hangs: %v", err)
	}
	if err := rec.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("the run waited %s for a server that does not answer (write timeout %s)", took, pgWriteTimeout)
	}
	if !Unavailable(told) {
		t.Errorf("OnSpool was told %v, want the timeout as unreachable", told)
	}
	if n, _ := sp.Pending(ctx); n != 2 {
		t.Errorf("%d operations spooled, want 2 (the batch and the run's end)", n)
	}

	pg.Thaw()
	var rep SpoolReport
	deadline := time.Now().Add(20 * time.Second)
	for {
		if rep, err = rec.Deliver(ctx); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || rep.Batches != 1 {
		t.Fatalf("delivery once the server answers: %+v, %v", rep, err)
	}
	got, err := db.GetRun(ctx, run.ID, false)
	if err != nil || got.Status != result.RunCompleted || got.Counts.OK != 2 || got.Counts.Crit != 2 {
		t.Errorf("the run after delivery: %+v, %v; want completed with 2 OK and 2 CRIT", got, err)
	}
}

func TestUnavailableReason(t *testing.T) {
	ctx := context.Background()
	_, err := OpenWith(ctx, fmt.Sprintf("postgres://h@127.0.0.1:%d/hcops?sslmode=disable", closedPort(t)), Options{})
	if !Unavailable(err) || UnavailableReason(err) != "connection refused" {
		t.Errorf("a closed port: %v → %q, want unavailable: connection refused", err, UnavailableReason(err))
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
