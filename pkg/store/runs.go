package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// StaleAfter is how long a run may stay "running" before it is reported as
// interrupted even when its process cannot be checked (it ran on another
// host). No inspection, backup verification or drill takes this long.
const StaleAfter = 24 * time.Hour

// BeginRun records the start of run with status "running" and sets run.ID.
// StartedAt defaults to now, Operator to the OS user, RanFrom to this host.
// The process id is kept so a run whose process died can be told apart.
func (db *DB) BeginRun(ctx context.Context, run *result.Run) error {
	return db.beginRun(ctx, run, "", os.Getpid())
}

// beginRun is BeginRun for the process pid; a non-empty origin (a spooled
// run's key) makes it idempotent: a run of that origin already stored is
// the one returned.
func (db *DB) beginRun(ctx context.Context, run *result.Run, origin string, pid int) error {
	if err := startRun(run, db.host, db.runner); err != nil {
		return err
	}
	pbs := run.Playbooks
	if pbs == nil {
		pbs = []string{}
	}
	pbJSON, err := json.Marshal(pbs)
	if err != nil {
		return err
	}
	var id int64
	err = db.write(ctx, func(tx *sql.Tx) error {
		if origin != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE origin = ?`, origin).Scan(&id)
			if err == nil || !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO runs
			(kind, started_at, status, operator, ran_from, pid, boot_id, playbooks, selector, assets, inventory,
			runner, zone, site, origin)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			run.Kind, ms(run.StartedAt), run.Status, run.Operator, run.RanFrom, pid, db.boot,
			string(pbJSON), run.Selector, run.Assets, run.Inventory, run.Runner, run.Zone, run.Site, orNull(origin)).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("history: begin %s run: %w", run.Kind, err)
	}
	run.ID = id
	return nil
}

// startRun checks run and fills what the caller left out, as a run begun
// on host by runner: its start (now), operator (the OS user), host, and
// runner name, zone and site; its status becomes running.
func startRun(run *result.Run, host string, runner Runner) error {
	if run.Kind == "" {
		return errors.New("history: begin run: no kind given")
	}
	if run.StartedAt.IsZero() {
		run.StartedAt = time.Now()
	}
	if run.Operator == "" {
		run.Operator = currentUser()
	}
	if run.RanFrom == "" {
		run.RanFrom = host
	}
	if run.Runner == "" && run.Zone == "" && run.Site == "" {
		run.Runner, run.Zone, run.Site = runner.Name, runner.Zone, runner.Site
	}
	if run.Runner == "" {
		run.Runner = run.RanFrom
	}
	run.Status = result.RunRunning
	return nil
}

// endRun checks how run ended and fills what the caller left out: status
// completed, finished now.
func endRun(run *result.Run) error {
	switch run.Status {
	case "", result.RunRunning:
		run.Status = result.RunCompleted
	case result.RunCompleted, result.RunInterrupted, result.RunFailed:
	default:
		return fmt.Errorf("history: finish run %d: unknown status %q (want completed, interrupted or failed)", run.ID, run.Status)
	}
	if run.FinishedAt.IsZero() {
		run.FinishedAt = time.Now()
	}
	return nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, v := range []string{"USER", "LOGNAME"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	return ""
}

// FinishRun records how run ended: its status (default "completed"),
// finished time (default now), counts and worst status. Counts come from
// run.Results when it has any, else from the results stored for the run. The
// run struct is updated to match what was stored.
//
// FinishRun still writes when ctx is already cancelled (the usual case after
// Ctrl-C, when the run must be recorded as interrupted); it gives up after
// WriteTimeout.
func (db *DB) FinishRun(ctx context.Context, run *result.Run) error {
	if run.ID == 0 {
		return errors.New("history: finish run: run was never begun (no id)")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), WriteTimeout)
	defer cancel()
	if err := endRun(run); err != nil {
		return err
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var (
			c     result.Counts
			worst result.Status
		)
		if len(run.Results) > 0 {
			run.Tally()
			c, worst = run.Counts, run.Worst
		} else {
			var err error
			if c, worst, err = tallyStored(ctx, tx, run.ID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ?, worst = ?,
			n_ok = ?, n_warn = ?, n_crit = ?, n_unknown = ?, n_unreachable = ?,
			assets = CASE WHEN ? > 0 THEN ? ELSE assets END,
			inventory = CASE WHEN ? > 0 THEN ? ELSE inventory END
			WHERE id = ?`,
			run.Status, ms(run.FinishedAt), int(worst),
			c.OK, c.Warn, c.Crit, c.Unknown, c.Unreachable,
			run.Assets, run.Assets, run.Inventory, run.Inventory, run.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("run %d: %w", run.ID, ErrNotFound)
		}
		run.Counts, run.Worst = c, worst
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: finish run %d: %w", run.ID, err)
	}
	return nil
}

func tallyStored(ctx context.Context, q queryer, runID int64) (result.Counts, result.Status, error) {
	var c result.Counts
	worst := result.OK
	rows, err := q.QueryContext(ctx, `SELECT status, count(*) FROM results WHERE run_id = ? GROUP BY status`, runID)
	if err != nil {
		return c, worst, err
	}
	defer rows.Close()
	for rows.Next() {
		var s, n int
		if err := rows.Scan(&s, &n); err != nil {
			return c, worst, err
		}
		st := result.Status(s)
		switch st {
		case result.OK:
			c.OK += n
		case result.Warn:
			c.Warn += n
		case result.Crit:
			c.Crit += n
		case result.Unknown:
			c.Unknown += n
		case result.Unreachable:
			c.Unreachable += n
		}
		worst = result.Worst(worst, st)
	}
	return c, worst, rows.Err()
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const runColumns = `id, kind, started_at, finished_at, status, operator, ran_from, pid, boot_id, playbooks,
	selector, assets, inventory, worst, n_ok, n_warn, n_crit, n_unknown, n_unreachable, runner, zone, site`

// scanRun reads one runs row (runColumns) and applies the interrupted rule.
func (db *DB) scanRun(sc interface{ Scan(...any) error }) (*result.Run, error) {
	var (
		r        result.Run
		started  int64
		finished sql.NullInt64
		pid      int
		boot     string
		pbs      string
		worst    int
	)
	if err := sc.Scan(&r.ID, &r.Kind, &started, &finished, &r.Status, &r.Operator, &r.RanFrom, &pid, &boot, &pbs,
		&r.Selector, &r.Assets, &r.Inventory, &worst,
		&r.Counts.OK, &r.Counts.Warn, &r.Counts.Crit, &r.Counts.Unknown, &r.Counts.Unreachable,
		&r.Runner, &r.Zone, &r.Site); err != nil {
		return nil, err
	}
	r.StartedAt = fromMS(started)
	r.FinishedAt = fromNullMS(finished)
	r.Worst = result.Status(worst)
	if err := json.Unmarshal([]byte(pbs), &r.Playbooks); err != nil {
		return nil, fmt.Errorf("run %d: playbooks column: %w", r.ID, err)
	}
	if r.Playbooks == nil {
		r.Playbooks = []string{}
	}
	if r.Status == result.RunRunning && db.deadRun(r.RanFrom, pid, boot, r.StartedAt) {
		r.Status = result.RunInterrupted
	}
	return &r, nil
}

// deadRun reports whether a run stored as running can no longer be running:
// it ran on this host and the machine has rebooted since or its process is
// gone, or it started more than StaleAfter ago.
func (db *DB) deadRun(host string, pid int, boot string, started time.Time) bool {
	if time.Since(started) > StaleAfter {
		return true
	}
	if host == "" || host != db.host {
		return false
	}
	if boot != "" && db.boot != "" && boot != db.boot {
		return true
	}
	return pid > 0 && !processAlive(pid)
}

// ListRuns returns runs matching f, newest first, without their results.
func (db *DB) ListRuns(ctx context.Context, f RunFilter) ([]result.Run, error) {
	var where []string
	var args []any
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		where = append(where, "started_at >= ?")
		args = append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "started_at < ?")
		args = append(args, ms(f.Until))
	}
	if f.Runner != "" {
		where = append(where, "runner = ?")
		args = append(args, f.Runner)
	}
	if f.Zone != "" {
		where = append(where, "zone = ?")
		args = append(args, f.Zone)
	}
	// "interrupted" and "running" depend on the process check done after
	// reading, so both are fetched and filtered below.
	derived := f.Status == result.RunRunning || f.Status == result.RunInterrupted
	switch {
	case derived:
		where = append(where, "status IN ('running', 'interrupted')")
	case f.Status != "":
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	q := "SELECT " + runColumns + " FROM runs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at DESC, id DESC"
	if f.Limit > 0 && !derived {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	defer rows.Close()
	var out []result.Run
	for rows.Next() {
		r, err := db.scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("history: list runs: %w", err)
		}
		if derived && r.Status != f.Status {
			continue
		}
		out = append(out, *r)
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	rows.Close()
	for i := range out {
		if err := db.unfinishedCounts(ctx, &out[i]); err != nil {
			return nil, fmt.Errorf("history: list runs: %w", err)
		}
	}
	return out, nil
}

// unfinishedCounts fills the counts of a run that never finished (still
// going, or killed) from the results stored so far: FinishRun has not
// written them, and "how far did it get" is what the reader wants to know.
func (db *DB) unfinishedCounts(ctx context.Context, r *result.Run) error {
	if !r.FinishedAt.IsZero() {
		return nil
	}
	c, worst, err := tallyStored(ctx, db.sql, r.ID)
	if err != nil {
		return err
	}
	r.Counts, r.Worst = c, worst
	return nil
}

// GetRun returns run id, with its results (and their metrics) when
// withResults. Results are ordered by asset, check. A missing run is
// ErrNotFound.
func (db *DB) GetRun(ctx context.Context, id int64, withResults bool) (*result.Run, error) {
	r, err := db.scanRun(db.sql.QueryRowContext(ctx, "SELECT "+runColumns+" FROM runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history: run %d: %w", id, err)
	}
	if err := db.unfinishedCounts(ctx, r); err != nil {
		return nil, fmt.Errorf("history: run %d: %w", id, err)
	}
	if !withResults {
		return r, nil
	}
	if err := db.loadResults(ctx, r); err != nil {
		return nil, fmt.Errorf("history: run %d: %w", id, err)
	}
	return r, nil
}

// LatestRun returns the most recently started run of kind ("" for any), or
// ErrNotFound when there is none. Results are not loaded.
func (db *DB) LatestRun(ctx context.Context, kind string) (*result.Run, error) {
	runs, err := db.ListRuns(ctx, RunFilter{Kind: kind, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("latest %s run: %w", kindOrAny(kind), ErrNotFound)
	}
	return &runs[0], nil
}

func kindOrAny(kind string) string {
	if kind == "" {
		return "history"
	}
	return kind
}

// PreviousRun returns the run of the same kind that started before run and
// completed or was interrupted (failed runs and runs still going are
// skipped), or ErrNotFound. Results are not loaded.
func (db *DB) PreviousRun(ctx context.Context, run *result.Run) (*result.Run, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+runColumns+` FROM runs
		WHERE kind = ? AND id <> ? AND (started_at < ? OR (started_at = ? AND id < ?))
		  AND status IN ('completed', 'interrupted', 'running')
		ORDER BY started_at DESC, id DESC`,
		run.Kind, run.ID, ms(run.StartedAt), ms(run.StartedAt), run.ID)
	if err != nil {
		return nil, fmt.Errorf("history: previous run: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := db.scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("history: previous run: %w", err)
		}
		if r.Status == result.RunCompleted || r.Status == result.RunInterrupted {
			return r, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: previous run: %w", err)
	}
	return nil, fmt.Errorf("run before %d: %w", run.ID, ErrNotFound)
}

// LastSeen returns, per asset, the start time of the latest run of kind in
// which the asset got a result from playbook. Call it before adding the
// current run's results, or the current run is the answer.
func (db *DB) LastSeen(ctx context.Context, kind, playbook string) (map[string]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT asset, started_at FROM last_seen WHERE kind = ? AND playbook = ?`, kind, playbook)
	if err != nil {
		return nil, fmt.Errorf("history: last seen: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var asset string
		var at int64
		if err := rows.Scan(&asset, &at); err != nil {
			return nil, fmt.Errorf("history: last seen: %w", err)
		}
		out[asset] = fromMS(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: last seen: %w", err)
	}
	return out, nil
}

// Prune deletes runs started before olderThan, with their results, metrics,
// the findings last seen in them and (when no other run uses it) inventory
// snapshot, and returns how many runs it deleted. Each run is deleted in
// its own short transaction, so other processes can keep writing and an
// interrupted prune leaves whole runs. A run still running on this host
// (its process alive, started within StaleAfter) is kept. Snapshots and
// findings left behind by an interrupted prune go with the next one. The
// file does not shrink: SQLite reuses the freed pages for new runs.
func (db *DB) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	ids, err := db.prunable(ctx, olderThan)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		err := db.write(ctx, func(tx *sql.Tx) error {
			for _, q := range []string{
				`DELETE FROM metrics WHERE run_id = ?`,
				`DELETE FROM last_seen WHERE run_id = ?`,
				`DELETE FROM results WHERE run_id = ?`,
				`DELETE FROM runs WHERE id = ?`,
			} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("history: prune run %d: %w", id, err)
		}
		n++
	}
	if n > 0 {
		err := db.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM inventory_snapshots
				WHERE sha256 NOT IN (SELECT snapshot FROM runs WHERE snapshot IS NOT NULL)`)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("history: prune snapshots: %w", err)
		}
		// A finding whose latest result went with its run has not been
		// seen within the retention: it goes too. One pass over the
		// (small) findings table, not one per run.
		err = db.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE last_run_id NOT IN (SELECT id FROM runs)`)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("history: prune findings: %w", err)
		}
	}
	return n, nil
}

// CountPrunable returns how many runs, and results in them, Prune(olderThan)
// would delete (for --dry-run).
func (db *DB) CountPrunable(ctx context.Context, olderThan time.Time) (runs, results int64, err error) {
	ids, err := db.prunable(ctx, olderThan)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		var n int64
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM results WHERE run_id = ?`, id).Scan(&n); err != nil {
			return 0, 0, fmt.Errorf("history: count results of run %d: %w", id, err)
		}
		results += n
	}
	return int64(len(ids)), results, nil
}

// prunable lists the ids of runs Prune(olderThan) deletes.
func (db *DB) prunable(ctx context.Context, olderThan time.Time) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+runColumns+" FROM runs WHERE started_at < ? ORDER BY started_at, id", ms(olderThan))
	if err != nil {
		return nil, fmt.Errorf("history: prune: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		r, err := db.scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("history: prune: %w", err)
		}
		if r.Status == result.RunRunning {
			continue // still going: deleting it would fail its next write
		}
		ids = append(ids, r.ID)
	}
	return ids, rows.Err()
}
