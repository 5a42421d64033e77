package store

// The spool: a runner that cannot reach the shared (PostgreSQL) history
// keeps working. What it would have written (run starts, result batches,
// snapshots, run ends) goes, in order, into a small local SQLite file, and
// is delivered when the history answers again: by the next hcops command
// that opens it, by the next run, or by the watcher's next cycle.
//
// Delivery is exactly once although the spool and the history are two
// databases: a spooled run is begun with its spool key as runs.origin
// (begun once), a result batch is stored in the same transaction as its
// key in deliveries (stored once), and snapshots and run ends are
// idempotent. An operation leaves the spool only after the history has
// committed it; delivering it again, after a crash in between or from two
// processes at once, changes nothing.
//
// Alerts are not spooled: they are raised from findings, which the
// delivered results update, so the watcher's next evaluation raises what
// the spooled runs found, once (one firing alert per finding).

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cyhealth/hcops/pkg/result"
)

// Unavailable reports whether err means the history could not be reached
// (refused, reset, timed out, server shutting down) rather than that it
// refused what was written: the case for spooling.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || // connection_exception
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" // shutdown, crash, starting up
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &oe), errors.As(err, &ne):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "broken pipe")
}

// UnavailableReason says in a few words why the history could not be
// reached ("connection refused", "no answer within 1m0s", the server's own
// message), for a note that already names the history.
func UnavailableReason(err error) string {
	var pe *pgconn.PgError
	var oe *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return pe.Message
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return fmt.Sprintf("no answer within %s", pgWriteTimeout)
	case errors.As(err, &oe) && oe.Err != nil:
		msg := oe.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return msg
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed"
	}
	return err.Error()
}

// Spool is a runner's local outbox for the shared history.
type Spool struct {
	path   string
	sql    *sql.DB
	id     string // random, fixed when the file is made: keys are id/seq
	target string // the history location it was filled for
	runner Runner
	host   string
}

// SpoolReport says what a delivery did.
type SpoolReport struct {
	Runs    int // spooled runs now in the history
	Batches int // result batches delivered
	Ops     int // operations delivered in all
	Left    int // operations still in the spool
}

// OpenSpool opens (creating it, private) the spool file at path for the
// history at target.
func OpenSpool(path, target string, runner Runner) (*Spool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	f.Close()
	q := url.Values{}
	q.Set("_busy_timeout", strconv.Itoa(int(BusyTimeout/time.Millisecond)))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL") // the only copy of what it holds
	q.Set("_txlock", "immediate")
	abs, _ := filepath.Abs(path)
	sdb, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs}).String()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(1)
	s := &Spool{path: path, sql: sdb, runner: runner}
	s.host, _ = os.Hostname()
	if err := s.init(target); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	return s, nil
}

func (s *Spool) init(target string) error {
	ctx := context.Background()
	if _, err := s.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		CREATE TABLE IF NOT EXISTS ops (
			seq       INTEGER PRIMARY KEY AUTOINCREMENT,
			local_run INTEGER NOT NULL DEFAULT 0,  -- seq of the begin op of a run begun here
			run_id    INTEGER NOT NULL DEFAULT 0,  -- or the history's id of a run begun there
			op        TEXT NOT NULL CHECK (op IN ('begin', 'results', 'snapshot', 'finish')),
			data      BLOB NOT NULL,
			at        INTEGER NOT NULL
		)`); err != nil {
		return err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	if _, err := s.sql.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('id', ?), ('target', ?) ON CONFLICT DO NOTHING`,
		hex.EncodeToString(b), target); err != nil {
		return err
	}
	if err := s.sql.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'id'`).Scan(&s.id); err != nil {
		return err
	}
	if err := s.sql.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'target'`).Scan(&s.target); err != nil {
		return err
	}
	if s.target != target {
		n, _ := s.Pending(ctx)
		if n > 0 {
			return fmt.Errorf("it holds %d operations for the history %s, not %s: deliver them with --db %s first", n, s.target, target, s.target)
		}
		_, err := s.sql.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'target'`, target)
		s.target = target
		return err
	}
	return nil
}

// Path is the spool file.
func (s *Spool) Path() string { return s.path }

// Close closes the spool file.
func (s *Spool) Close() error { return s.sql.Close() }

// Pending is the number of operations waiting for delivery.
func (s *Spool) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.sql.QueryRowContext(ctx, `SELECT count(*) FROM ops`).Scan(&n)
	return n, err
}

type spooledRun struct {
	Run result.Run `json:"run"`
	PID int        `json:"pid"`
}

func (s *Spool) add(ctx context.Context, localRun, runID int64, op string, v any) (int64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = s.sql.QueryRowContext(context.WithoutCancel(ctx), `INSERT INTO ops (local_run, run_id, op, data, at) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
		localRun, runID, op, data, ms(time.Now())).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("spool %s: %w", s.path, err)
	}
	return seq, nil
}

// begin spools the start of run; its id becomes minus its spool number.
func (s *Spool) begin(ctx context.Context, run *result.Run) error {
	if err := startRun(run, s.host, s.runner); err != nil {
		return err
	}
	c := *run
	c.Results = nil
	seq, err := s.add(ctx, 0, 0, "begin", spooledRun{Run: c, PID: os.Getpid()})
	if err != nil {
		return err
	}
	run.ID = -seq
	return nil
}

// target is where an operation on run id goes: a run begun in the spool
// (negative id) or in the history.
func spoolTarget(id int64) (localRun, runID int64) {
	if id < 0 {
		return -id, 0
	}
	return 0, id
}

// Deliver hands every spooled operation, oldest first, to db, removing each
// once db has committed it. It stops at the first error (the rest stay
// spooled, in order).
func (s *Spool) Deliver(ctx context.Context, db *DB) (SpoolReport, error) {
	var rep SpoolReport
	if s.target != db.Location() {
		return rep, fmt.Errorf("spool %s holds operations for %s, not %s", s.path, s.target, db.Location())
	}
	rows, err := s.sql.QueryContext(ctx, `SELECT seq FROM ops ORDER BY seq`)
	if err != nil {
		return rep, err
	}
	var seqs []int64
	for rows.Next() {
		var q int64
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return rep, err
		}
		seqs = append(seqs, q)
	}
	rows.Close()
	ids := map[int64]int64{} // local run → history id
	for i, seq := range seqs {
		var (
			localRun, runID int64
			op              string
			data            []byte
		)
		if err := s.sql.QueryRowContext(ctx, `SELECT local_run, run_id, op, data FROM ops WHERE seq = ?`, seq).
			Scan(&localRun, &runID, &op, &data); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				continue // delivered by another process meanwhile
			}
			return rep, err
		}
		if err := s.deliverOne(ctx, db, ids, seq, localRun, runID, op, data, &rep); err != nil {
			rep.Left = len(seqs) - i
			return rep, fmt.Errorf("spool %s: delivering operation %d (%s): %w", s.path, seq, op, err)
		}
		if _, err := s.sql.ExecContext(context.WithoutCancel(ctx), `DELETE FROM ops WHERE seq = ?`, seq); err != nil {
			rep.Left = len(seqs) - i
			return rep, err
		}
		rep.Ops++
	}
	return rep, nil
}

func (s *Spool) deliverOne(ctx context.Context, db *DB, ids map[int64]int64, seq, localRun, runID int64, op string, data []byte, rep *SpoolReport) error {
	if op == "begin" {
		var sr spooledRun
		if err := json.Unmarshal(data, &sr); err != nil {
			return err
		}
		run := sr.Run
		if err := db.beginRun(ctx, &run, s.key(seq), sr.PID); err != nil {
			return err
		}
		ids[seq] = run.ID
		rep.Runs++
		return nil
	}
	if localRun != 0 {
		id, ok := ids[localRun]
		if !ok {
			err := db.sql.QueryRowContext(ctx, `SELECT id FROM runs WHERE origin = ?`, s.key(localRun)).Scan(&id)
			if err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("its run (spool %s) was never delivered: %w", s.key(localRun), ErrNotFound)
				}
				return err
			}
			ids[localRun] = id
		}
		runID = id
	}
	switch op {
	case "results":
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber() // message arguments stay exactly as they were
		var rs []result.Result
		if err := dec.Decode(&rs); err != nil {
			return err
		}
		if err := db.addResults(ctx, runID, rs, s.key(seq)); err != nil {
			return err
		}
		rep.Batches++
	case "snapshot":
		var snap []byte
		if err := json.Unmarshal(data, &snap); err != nil {
			return err
		}
		return db.SaveSnapshot(ctx, runID, snap)
	case "finish":
		var run result.Run
		if err := json.Unmarshal(data, &run); err != nil {
			return err
		}
		run.ID = runID
		return db.FinishRun(ctx, &run)
	default:
		return fmt.Errorf("unknown operation %q", op)
	}
	return nil
}

func (s *Spool) key(seq int64) string { return s.id + "/" + strconv.FormatInt(seq, 10) }

// Spooling is the recorder of a runner sharing a history: runs go to the
// history, and to the spool while the history cannot be reached. Once the
// history has failed, this process stops trying it for recording (a run
// does not wait a connect timeout per batch) until Deliver succeeds.
// Reads while the history is out of reach see no earlier runs.
type Spooling struct {
	// DB is the shared history; nil when it could not be opened.
	DB    *DB
	Spool *Spool
	// OnSpool is told, once, why runs are going to the spool.
	OnSpool func(err error)

	mu   sync.Mutex
	down bool
	told bool
}

// up returns the history when it is worth trying.
func (s *Spooling) up() *DB {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down || s.DB == nil {
		return nil
	}
	return s.DB
}

// fail marks the history out of reach and tells OnSpool once.
func (s *Spooling) fail(err error) {
	s.mu.Lock()
	s.down = true
	tell := !s.told && s.OnSpool != nil
	s.told = true
	s.mu.Unlock()
	if tell {
		s.OnSpool(err)
	}
}

// Down says the history is out of reach because of why (told to OnSpool
// once, as when a write fails).
func (s *Spooling) Down(why error) { s.fail(why) }

// Deliver tries to hand the spool to the history (when there is one).
func (s *Spooling) Deliver(ctx context.Context) (SpoolReport, error) {
	if s.DB == nil {
		return SpoolReport{}, nil
	}
	rep, err := s.Spool.Deliver(ctx, s.DB)
	s.mu.Lock()
	s.down = err != nil && Unavailable(err)
	s.mu.Unlock()
	return rep, err
}

// BeginRun records the start of run in the history, or in the spool. Runs
// spooled earlier are delivered first, so the history keeps their order.
func (s *Spooling) BeginRun(ctx context.Context, run *result.Run) error {
	if db := s.up(); db != nil {
		err := func() error {
			if n, err := s.Spool.Pending(ctx); err == nil && n > 0 {
				// Any other failure to deliver is the next command's to
				// report (App.DB warns); this run must not wait for it.
				if _, err := s.Spool.Deliver(ctx, db); Unavailable(err) {
					return err
				}
			}
			return db.BeginRun(ctx, run)
		}()
		if err == nil || !Unavailable(err) {
			return err
		}
		s.fail(err)
	} else if s.DB == nil {
		s.fail(errors.New("the history could not be opened"))
	}
	return s.Spool.begin(ctx, run)
}

// AddResults stores rs in the history, or spools them.
func (s *Spooling) AddResults(ctx context.Context, runID int64, rs []result.Result) error {
	if db := s.up(); db != nil && runID > 0 {
		err := db.AddResults(ctx, runID, rs)
		if err == nil || !Unavailable(err) {
			return err
		}
		s.fail(err)
	}
	local, id := spoolTarget(runID)
	_, err := s.Spool.add(ctx, local, id, "results", rs)
	return err
}

// SaveSnapshot stores the run's inventory snapshot, or spools it.
func (s *Spooling) SaveSnapshot(ctx context.Context, runID int64, data []byte) error {
	if db := s.up(); db != nil && runID > 0 {
		err := db.SaveSnapshot(ctx, runID, data)
		if err == nil || !Unavailable(err) {
			return err
		}
		s.fail(err)
	}
	local, id := spoolTarget(runID)
	_, err := s.Spool.add(ctx, local, id, "snapshot", data)
	return err
}

// FinishRun records how the run ended, or spools it.
func (s *Spooling) FinishRun(ctx context.Context, run *result.Run) error {
	if db := s.up(); db != nil && run.ID > 0 {
		err := db.FinishRun(ctx, run)
		if err == nil || !Unavailable(err) {
			return err
		}
		s.fail(err)
	}
	// Refused now, not at delivery, where it would stop the spool.
	if err := endRun(run); err != nil {
		return err
	}
	if len(run.Results) > 0 {
		run.Tally()
	}
	c := *run
	c.Results = nil // the history counts what was delivered
	local, id := spoolTarget(run.ID)
	_, err := s.Spool.add(ctx, local, id, "finish", c)
	return err
}

// read runs fn on the history when it is up; while it is not, reads find
// nothing (no earlier runs to compare with).
func (s *Spooling) read(ctx context.Context, fn func(ctx context.Context, db *DB) error) error {
	db := s.up()
	if db == nil {
		return nil
	}
	// A server that stops answering must not hold the run either.
	ctx, cancel := context.WithTimeout(ctx, pgWriteTimeout)
	defer cancel()
	err := fn(ctx, db)
	if Unavailable(err) {
		s.fail(err)
		return nil
	}
	return err
}

func (s *Spooling) GetRun(ctx context.Context, id int64, withResults bool) (*result.Run, error) {
	if id < 0 {
		return nil, fmt.Errorf("history: run %d is in the spool %s, not yet delivered: %w", id, s.Spool.path, ErrNotFound)
	}
	var r *result.Run
	err := s.read(ctx, func(ctx context.Context, db *DB) (err error) { r, err = db.GetRun(ctx, id, withResults); return })
	if err == nil && r == nil {
		err = fmt.Errorf("history: run %d: %w", id, ErrNotFound)
	}
	return r, err
}

func (s *Spooling) ListRuns(ctx context.Context, f RunFilter) (out []result.Run, err error) {
	err = s.read(ctx, func(ctx context.Context, db *DB) (err error) { out, err = db.ListRuns(ctx, f); return })
	return
}

func (s *Spooling) LatestRun(ctx context.Context, kind string) (*result.Run, error) {
	var r *result.Run
	err := s.read(ctx, func(ctx context.Context, db *DB) (err error) { r, err = db.LatestRun(ctx, kind); return })
	if err == nil && r == nil {
		err = fmt.Errorf("history: latest %s run: %w", kind, ErrNotFound)
	}
	return r, err
}

func (s *Spooling) PreviousRun(ctx context.Context, run *result.Run) (r *result.Run, err error) {
	err = s.read(ctx, func(ctx context.Context, db *DB) (err error) { r, err = db.PreviousRun(ctx, run); return })
	return
}

func (s *Spooling) LastSeen(ctx context.Context, kind, playbook string) (m map[string]time.Time, err error) {
	err = s.read(ctx, func(ctx context.Context, db *DB) (err error) { m, err = db.LastSeen(ctx, kind, playbook); return })
	if m == nil && err == nil {
		m = map[string]time.Time{}
	}
	return
}

func (s *Spooling) PreviousResults(ctx context.Context, kind, playbook, asset, check string, exclude int64) (rs []result.Result, err error) {
	err = s.read(ctx, func(ctx context.Context, db *DB) (err error) {
		rs, err = db.PreviousResults(ctx, kind, playbook, asset, check, exclude)
		return
	})
	return
}

func (s *Spooling) EachResult(ctx context.Context, f ResultFilter, fn func(*StoredResult) error) error {
	if f.RunID < 0 {
		return nil
	}
	return s.read(ctx, func(ctx context.Context, db *DB) error { return db.EachResult(ctx, f, fn) })
}

func (s *Spooling) Metrics(ctx context.Context, f MetricFilter, fn func(MetricPoint) error) error {
	return s.read(ctx, func(ctx context.Context, db *DB) error { return db.Metrics(ctx, f, fn) })
}

func (s *Spooling) Snapshot(ctx context.Context, runID int64) (data []byte, err error) {
	if runID < 0 {
		return nil, fmt.Errorf("history: run %d is in the spool: %w", runID, ErrNotFound)
	}
	err = s.read(ctx, func(ctx context.Context, db *DB) (err error) { data, err = db.Snapshot(ctx, runID); return })
	return
}

func (s *Spooling) EachFinding(ctx context.Context, f FindingFilter, fn func(*Finding) error) error {
	return s.read(ctx, func(ctx context.Context, db *DB) error { return db.EachFinding(ctx, f, fn) })
}

func (s *Spooling) Finding(ctx context.Context, k result.Key) (f *Finding, err error) {
	err = s.read(ctx, func(ctx context.Context, db *DB) (err error) { f, err = db.Finding(ctx, k); return })
	if f == nil && err == nil {
		err = fmt.Errorf("history: finding %v: %w", k, ErrNotFound)
	}
	return
}

var (
	_ Recorder = (*Spooling)(nil)
	_ Reader   = (*Spooling)(nil)
)
