package store

// Tests with real processes: two hcops-like writers at once, and a writer
// killed with SIGKILL in the middle of its writes. The writer is this test
// binary re-executed with HCOPS_STORE_WRITER set (see TestWriterProcess).

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

const (
	writerBatch   = 50 // results per AddResults call
	writerBatches = 6  // batches per run
)

// writerResult is the deterministic content of result i of batch b of a run,
// so a reader can tell a stored result is exactly what was written.
func writerResult(runID int64, b, i int) result.Result {
	n := b*writerBatch + i
	v := float64(runID)*1e6 + float64(n)
	return result.Result{
		Asset:    fmt.Sprintf("host-%04d", n),
		Check:    "disk",
		Playbook: "daily",
		Status:   result.Status((int(runID) + n) % 5),
		Value:    &v,
		Message:  fmt.Sprintf("run %d batch %d item %d", runID, b, i),
		Evidence: strings.Repeat("x", 200+n),
		Metrics:  []result.Metric{{Name: "disk.used_pct", Value: v}},
	}
}

// TestWriterProcess is the writer subprocess; it does nothing in a normal
// test run. It writes runs until it has written HCOPS_STORE_WRITER_RUNS of
// them (0: forever), printing a line after each commit:
//
//	B <run>        run begun
//	C <run> <b>    batch b of run committed
//	F <run>        run finished
func TestWriterProcess(t *testing.T) {
	path := os.Getenv("HCOPS_STORE_WRITER")
	if path == "" {
		t.Skip("writer subprocess only")
	}
	runs, _ := strconv.Atoi(os.Getenv("HCOPS_STORE_WRITER_RUNS"))
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	if os.Getenv("HCOPS_STORE_WRITER_MODE") == "prune" {
		fmt.Println("P")
		n, err := db.Prune(ctx, time.Now().Add(time.Hour))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("pruned", n)
		os.Exit(0)
	}
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for n := 0; runs == 0 || n < runs; n++ {
		run := &result.Run{Kind: result.KindInspect, Playbooks: []string{"daily"}, Assets: writerBatch * writerBatches}
		if err := db.BeginRun(ctx, run); err != nil {
			fail(err)
		}
		say("B %d", run.ID)
		if n%3 == 0 {
			if err := db.SaveSnapshot(ctx, run.ID, []byte(fmt.Sprintf(`{"run":%d}`, run.ID%4))); err != nil {
				fail(err)
			}
		}
		for b := range writerBatches {
			rs := make([]result.Result, writerBatch)
			for i := range rs {
				rs[i] = writerResult(run.ID, b, i)
			}
			if err := db.AddResults(ctx, run.ID, rs); err != nil {
				fail(err)
			}
			say("C %d %d", run.ID, b)
		}
		if err := db.FinishRun(ctx, run); err != nil {
			fail(err)
		}
		say("F %d", run.ID)
	}
	db.Close()
	os.Exit(0)
}

// writerLog is what a writer process reported as committed.
type writerLog struct {
	mu       sync.Mutex
	begun    map[int64]bool
	batches  map[int64]int // batches reported committed per run
	finished map[int64]bool
	lines    int
}

func newWriterLog() *writerLog {
	return &writerLog{begun: map[int64]bool{}, batches: map[int64]int{}, finished: map[int64]bool{}}
}

func (l *writerLog) read(t *testing.T, sc *bufio.Scanner, firstLine chan<- struct{}) {
	once := sync.Once{}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		id, _ := strconv.ParseInt(f[1], 10, 64)
		l.mu.Lock()
		switch f[0] {
		case "B":
			l.begun[id] = true
		case "C":
			l.batches[id]++
		case "F":
			l.finished[id] = true
		}
		l.lines++
		l.mu.Unlock()
		once.Do(func() { close(firstLine) })
	}
}

func startWriter(t *testing.T, path string, runs int, log *writerLog, env ...string) (*exec.Cmd, <-chan struct{}, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HCOPS_STORE_WRITER="+path, "HCOPS_STORE_WRITER_RUNS="+strconv.Itoa(runs))
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	go log.read(t, bufio.NewScanner(stdout), first)
	return cmd, first, stderr
}

// verifyWriterDB checks that the database holds exactly what the writers
// committed: every reported batch is there, whole and exact; at most one
// unreported transaction per killed process; no result without its run, no
// metric without its result.
func verifyWriterDB(t *testing.T, path string, log *writerLog, kills int) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after the writers: %v", err)
	}
	defer db.Close()
	checkIntegrity(t, db)
	checkFindings(t, db)

	runs, err := db.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]bool{}
	unreported := 0 // transactions committed but killed before reporting
	for _, r := range runs {
		stored[r.ID] = true
		if !log.begun[r.ID] {
			unreported++
		}
		full, err := db.GetRun(ctx, r.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Results)%writerBatch != 0 {
			t.Errorf("run %d holds %d results: a partial batch", r.ID, len(full.Results))
			continue
		}
		nb := len(full.Results) / writerBatch
		switch d := nb - log.batches[r.ID]; {
		case d < 0:
			t.Errorf("run %d: %d batches reported committed, only %d stored", r.ID, log.batches[r.ID], nb)
		case d == 1:
			unreported++
		case d > 1:
			t.Errorf("run %d: %d batches stored, %d reported", r.ID, nb, log.batches[r.ID])
		}
		// Every stored batch is exact (batches are stored in order 0..nb-1).
		want := map[string]result.Result{}
		for b := range nb {
			for i := range writerBatch {
				w := writerResult(r.ID, b, i)
				want[w.Asset] = w
			}
		}
		var tally result.Counts
		for _, g := range full.Results {
			w, ok := want[g.Asset]
			if !ok || g.Message != w.Message || g.Status != w.Status || g.Value == nil || *g.Value != *w.Value ||
				g.Evidence != w.Evidence || len(g.Metrics) != 1 || g.Metrics[0].Value != *w.Value {
				t.Errorf("run %d: stored result %s (%q) differs from what was written", r.ID, g.Asset, g.Message)
				break
			}
			delete(want, g.Asset)
			tally.Add(g.Status)
		}
		switch {
		case log.finished[r.ID]:
			if full.Status != result.RunCompleted || full.Counts != tally || nb != writerBatches {
				t.Errorf("finished run %d: status %q counts %+v (tally %+v), %d batches", r.ID, full.Status, full.Counts, tally, nb)
			}
		case full.Status == result.RunCompleted:
			unreported++ // finished, killed before saying so
		case full.Status != result.RunInterrupted:
			t.Errorf("run %d of a killed writer shows %q, want interrupted", r.ID, full.Status)
		}
	}
	for id := range log.begun {
		if !stored[id] {
			t.Errorf("run %d was reported begun but is not stored", id)
		}
	}
	if unreported > kills {
		t.Errorf("%d unreported commits for %d kills: something was stored that nobody wrote", unreported, kills)
	}
}

func TestKillDuringWrites(t *testing.T) {
	if os.Getenv("HCOPS_STORE_WRITER") != "" {
		t.Skip()
	}
	path := filepath.Join(t.TempDir(), "history.db")
	log := newWriterLog()
	kills := 8
	for k := range kills {
		cmd, first, stderr := startWriter(t, path, 0, log)
		select {
		case <-first:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("writer %d wrote nothing in 30 s: %s", k, stderr)
		}
		// Writers commit a batch every few milliseconds: a random kill
		// lands inside a transaction most of the time.
		time.Sleep(time.Duration(rand.IntN(80)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("writer %d ended before the kill (%v): %s", k, err, stderr)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if log.lines == 0 {
		t.Fatal("writers reported nothing")
	}
	t.Logf("%d kills; %d runs begun, %d finished", kills, len(log.begun), len(log.finished))
	verifyWriterDB(t, path, log, kills)
}

func TestTwoWriterProcesses(t *testing.T) {
	if os.Getenv("HCOPS_STORE_WRITER") != "" {
		t.Skip()
	}
	path := filepath.Join(t.TempDir(), "history.db")
	const runsEach = 12
	log := newWriterLog()
	var cmds []*exec.Cmd
	var errs []*strings.Builder
	for range 2 {
		cmd, _, stderr := startWriter(t, path, runsEach, log)
		cmds = append(cmds, cmd)
		errs = append(errs, stderr)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer %d: %v: %s", i, err, errs[i])
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.finished) != 2*runsEach {
		t.Errorf("%d runs finished, want %d", len(log.finished), 2*runsEach)
	}
	verifyWriterDB(t, path, log, 0)
}

func TestConcurrentWritersInProcess(t *testing.T) {
	// Goroutines sharing one DB and goroutines with their own DB handle
	// (separate connections, as two processes would have) all succeed.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	shared, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := shared
			if g%2 == 1 {
				own, err := Open(ctx, path)
				if err != nil {
					errc <- err
					return
				}
				defer own.Close()
				db = own
			}
			for range 5 {
				run := &result.Run{Kind: "inspect"}
				if err := db.BeginRun(ctx, run); err != nil {
					errc <- err
					return
				}
				rs := make([]result.Result, writerBatch)
				for i := range rs {
					rs[i] = writerResult(run.ID, 0, i)
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
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	var runs, results int
	shared.SQL().QueryRow("SELECT count(*) FROM runs WHERE status = 'completed'").Scan(&runs)
	shared.SQL().QueryRow("SELECT count(*) FROM results").Scan(&results)
	if runs != 40 || results != 40*writerBatch {
		t.Errorf("%d completed runs and %d results, want 40 and %d", runs, results, 40*writerBatch)
	}
}

func TestWriteRetriesPastBusyTimeout(t *testing.T) {
	// Another process holds the write lock longer than SQLite's busy
	// timeout: the write is retried and succeeds once the lock is released.
	defer func(d time.Duration) { busyTimeout = d }(busyTimeout)
	busyTimeout = 50 * time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(400 * time.Millisecond) // 8 busy timeouts
		conn.ExecContext(ctx, "COMMIT")
		close(released)
	}()
	run := &result.Run{Kind: "inspect"}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatalf("BeginRun while another connection held the lock: %v", err)
	}
	select {
	case <-released:
	default:
		t.Fatal("BeginRun returned before the lock was released")
	}
	if run.ID == 0 {
		t.Error("no run id")
	}
}

func TestKillDuringPrune(t *testing.T) {
	if os.Getenv("HCOPS_STORE_WRITER") != "" {
		t.Skip()
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// Seed many small finished runs in one transaction (through the API
	// this takes long on a busy machine): 50 results and metrics each, and
	// a shared snapshot.
	const runs, perRun = 150, 50
	started := time.Now().Add(-time.Minute).UnixMilli()
	if err := db.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO inventory_snapshots (sha256, encoding, size, data) VALUES ('x', 'gzip', 0, x'')`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
			 INSERT INTO runs (id, kind, started_at, finished_at, status, n_ok, snapshot)
			 SELECT i, 'inspect', ?1, ?1, 'completed', 50, 'x' FROM n`,
			`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 150 * 50 - 1)
			 INSERT INTO results (id, run_id, asset, check_name, status, message, started_at)
			 SELECT i + 1, i / 50 + 1, 'host-' || (i % 50), 'disk', 0, 'fine', ?1 FROM n`,
			`INSERT INTO metrics (run_id, result_id, at, asset, check_name, name, value)
			 SELECT run_id, id, started_at, asset, check_name, 'disk.used_pct', id FROM results`,
		} {
			if _, err := tx.ExecContext(ctx, q, started); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	countRuns := func() int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM runs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Kill each pruner once it has deleted some runs, so the kill lands
	// inside the prune.
	killed := 0
	for k := range 3 {
		before := countRuns()
		if before == 0 {
			break
		}
		cmd, _, stderr := startWriter(t, path, 0, newWriterLog(), "HCOPS_STORE_WRITER_MODE=prune")
		deadline := time.Now().Add(30 * time.Second)
		for countRuns() > before-before/5-1 && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++
		} else {
			t.Logf("pruner %d finished before the kill (%v): %s", k, err, stderr)
		}
	}
	db.Close()
	if killed == 0 {
		t.Fatal("no pruner was killed mid-prune")
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after killed prunes: %v", err)
	}
	defer db.Close()
	checkIntegrity(t, db)
	left, err := db.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d runs left after %d killed prunes", len(left), runs, killed)
	// Every run left is whole: all its results, their metrics, its snapshot.
	for _, r := range left {
		full, err := db.GetRun(ctx, r.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Results) != perRun {
			t.Errorf("run %d left with %d results", r.ID, len(full.Results))
		}
		for _, res := range full.Results {
			if len(res.Metrics) != 1 {
				t.Errorf("run %d: result %s lost its metric", r.ID, res.Asset)
				break
			}
		}
		var snap sql.NullString
		db.SQL().QueryRow("SELECT snapshot FROM runs WHERE id = ?", r.ID).Scan(&snap)
		if snap.String != "x" {
			t.Errorf("run %d lost its snapshot", r.ID)
		}
	}
	var orphans int
	db.SQL().QueryRow(`SELECT (SELECT count(*) FROM results WHERE run_id NOT IN (SELECT id FROM runs))
		+ (SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM runs))`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d results or metrics of deleted runs remain", orphans)
	}
}

func TestKillDuringFirstOpen(t *testing.T) {
	// A process killed while it creates a fresh database (directory, WAL
	// switch, schema) leaves a file the next hcops opens and completes.
	if os.Getenv("HCOPS_STORE_WRITER") != "" {
		t.Skip()
	}
	ctx := context.Background()
	for k := range 6 {
		path := filepath.Join(t.TempDir(), "new", "history.db")
		cmd, _, _ := startWriter(t, path, 0, newWriterLog())
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("attempt %d: open after a killed first open: %v", k, err)
		}
		checkIntegrity(t, db)
		var v int
		if err := db.SQL().QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
			t.Errorf("attempt %d: schema version %d, %v", k, v, err)
		}
		run := &result.Run{Kind: "inspect"}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Errorf("attempt %d: write after recovery: %v", k, err)
		}
		db.Close()
	}
}
