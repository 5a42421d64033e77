package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// MaxEvidence is the most raw evidence kept per result, in bytes. Longer
// evidence is cut (at a character boundary) and marked truncated: history
// must stay small enough to keep for a year and a half.
const MaxEvidence = 64 << 10

// boundEvidence cuts s to MaxEvidence bytes without splitting a character.
func boundEvidence(s string, truncated bool) (string, bool) {
	if len(s) <= MaxEvidence {
		return s, truncated
	}
	cut := MaxEvidence
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

// finite turns NaN and ±Inf, which SQLite cannot store as REAL, into NULL.
func finite(v *float64) any {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return *v
}

// Rows are inserted many per statement (see batchInsert): one statement per
// row spends most of its time in the driver, not in SQLite. Optional text
// columns are passed as NULL when empty and turned back into empty text by
// SQLite (coalesce), which spares the driver a C string copy per value.
const (
	resultInsertHead = `INSERT INTO results (id, run_id, asset, check_name, type, item, playbook, system, zone,
	status, value, unit, warn, crit, message, reason, advice, evidence, evidence_truncated, started_at, duration_ms,
	code, args, advice_code, advice_args) VALUES `
	resultRow = `(?, ?, ?, ?, coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''),
	?, ?, coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), ?, ?, ?,
	coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), coalesce(?, ''))`
	resultCols       = 25
	metricInsertHead = `INSERT INTO metrics (run_id, result_id, at, asset, check_name, item, name, value, unit) VALUES `
	metricRow        = `(?, ?, ?, ?, ?, coalesce(?, ''), ?, ?, coalesce(?, ''))`
	metricCols       = 9
	rowsPerStatement = 40 // 40 x 25 parameters stays far below SQLite's limit
	// pgRowsPerStatement is rowsPerStatement on PostgreSQL, where every
	// statement is a round trip to the server; 200 x 25 parameters stays
	// far below its limit of 65,535.
	pgRowsPerStatement = 200
)

// orNull passes an empty optional text column as NULL (see resultRow).
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// batchInsert collects rows and inserts them rowsPerStatement at a time with
// a prepared multi-row INSERT.
type batchInsert struct {
	ctx   context.Context
	tx    *sql.Tx
	head  string
	row   string // one row's VALUES tuple
	tail  string // after the rows (ON CONFLICT ...), may be ""
	cols  int
	args  []any
	full  *sql.Stmt // statement for rows rows, prepared on first use
	count int       // rows pending in args
	rows  int       // rows per statement (rowsPerStatement unless tuned)
	// cached, on PostgreSQL, runs the statement of rows rows as text
	// through the driver's per-connection statement cache instead of
	// preparing it in each transaction: pgx parses it once per connection,
	// not once per batch.
	cached  bool
	fullSQL string

	// keyCols, for an upsert, is how many leading values are the conflict
	// key: a row whose key is already pending is stored after the pending
	// rows, in a statement of its own, since PostgreSQL's ON CONFLICT
	// cannot touch one row twice in a statement (SQLite applies the rows
	// one by one; both end the same).
	keyCols int
	keys    map[string]bool
}

func newBatchInsert(ctx context.Context, tx *sql.Tx, head, row string, cols int) *batchInsert {
	return &batchInsert{ctx: ctx, tx: tx, head: head, row: row, cols: cols, rows: rowsPerStatement, args: make([]any, 0, cols*rowsPerStatement)}
}

// tune sets bi up for db's engine (see pgRowsPerStatement, cached).
func (db *DB) tune(bi *batchInsert) *batchInsert {
	if db.dialect == dialectPostgres {
		bi.rows, bi.cached = pgRowsPerStatement, true
	}
	return bi
}

func (bi *batchInsert) sql(rows int) string {
	var b strings.Builder
	b.WriteString(bi.head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(bi.row)
	}
	b.WriteString(bi.tail)
	return b.String()
}

// add queues one row (exactly cols values).
func (bi *batchInsert) add(vals ...any) error {
	if bi.keyCols > 0 {
		k := fmt.Sprint(vals[:bi.keyCols]...)
		if bi.keys[k] {
			if err := bi.execPending(); err != nil {
				return err
			}
		}
		if bi.keys == nil {
			bi.keys = map[string]bool{}
		}
		bi.keys[k] = true
	}
	bi.args = append(bi.args, vals...)
	bi.count++
	if bi.count < bi.rows {
		return nil
	}
	if bi.cached {
		if bi.fullSQL == "" {
			bi.fullSQL = bi.sql(bi.rows)
		}
		_, err := bi.tx.ExecContext(bi.ctx, bi.fullSQL, bi.args...)
		bi.args, bi.count = bi.args[:0], 0
		clear(bi.keys)
		return err
	}
	if bi.full == nil {
		st, err := bi.tx.PrepareContext(bi.ctx, bi.sql(bi.rows))
		if err != nil {
			return err
		}
		bi.full = st
	}
	_, err := bi.full.ExecContext(bi.ctx, bi.args...)
	bi.args, bi.count = bi.args[:0], 0
	clear(bi.keys)
	return err
}

// flush inserts the rows still queued and releases the statement.
func (bi *batchInsert) flush() error {
	defer bi.close()
	return bi.execPending()
}

// execPending inserts the rows queued so far.
func (bi *batchInsert) execPending() error {
	if bi.count == 0 {
		return nil
	}
	_, err := bi.tx.ExecContext(bi.ctx, bi.sql(bi.count), bi.args...)
	bi.args, bi.count = bi.args[:0], 0
	clear(bi.keys)
	return err
}

func (bi *batchInsert) close() {
	if bi.full != nil {
		bi.full.Close()
		bi.full = nil
	}
}

// last_seen is upserted many rows per statement, like the results: one
// statement per asset was a round trip per asset on PostgreSQL.
const (
	lastSeenInsertHead = `INSERT INTO last_seen (kind, playbook, asset, run_id, started_at) VALUES `
	lastSeenRow        = `(?, ?, ?, ?, ?)`
	lastSeenCols       = 5
	lastSeenUpsertTail = `
	ON CONFLICT (kind, playbook, asset) DO UPDATE SET run_id = excluded.run_id, started_at = excluded.started_at
	WHERE excluded.started_at > last_seen.started_at
	   OR (excluded.started_at = last_seen.started_at AND excluded.run_id > last_seen.run_id)`
)

// AddResults stores rs as results of run runID, with each result's Metrics
// (non-finite metric values are dropped; a non-finite Value is stored as no
// value), all in one transaction: after a crash either all of rs is stored or
// none. Evidence is bounded to MaxEvidence. A result without a start time
// gets the run's. The findings of the results' keys (see Finding) are
// updated in the same transaction, in the order of rs for equal keys.
//
// A cancelled ctx stores nothing; to keep results gathered before Ctrl-C,
// pass context.WithoutCancel(ctx).
func (db *DB) AddResults(ctx context.Context, runID int64, rs []result.Result) error {
	return db.addResults(ctx, runID, rs, "")
}

// addResults is AddResults; a non-empty delivery key is recorded in the
// same transaction, and a batch whose key is already recorded is not
// stored again (a spool delivering twice).
func (db *DB) addResults(ctx context.Context, runID int64, rs []result.Result, delivery string) error {
	if len(rs) == 0 {
		return nil
	}
	for i := range rs {
		r := &rs[i]
		switch {
		case r.Asset == "":
			return fmt.Errorf("history: run %d: result %d (check %q): no asset", runID, i+1, r.Check)
		case r.Check == "":
			return fmt.Errorf("history: run %d: result %d (asset %q): no check name", runID, i+1, r.Asset)
		case r.Status < result.OK || r.Status > result.Unreachable:
			return fmt.Errorf("history: run %d: result %s/%s: invalid status %d", runID, r.Asset, r.Check, int(r.Status))
		}
	}
	// Insert in (asset, check) order: consecutive rows then land on the same
	// index pages, which keeps big batches fast. Reads order by asset and
	// check anyway; equal keys keep the caller's order.
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := &rs[order[a]], &rs[order[b]]
		if ra.Asset != rb.Asset {
			return ra.Asset < rb.Asset
		}
		return ra.Check < rb.Check
	})
	err := db.write(ctx, func(tx *sql.Tx) error {
		var (
			kind, pbJSON string
			runStart     int64
		)
		if delivery != "" {
			if done, err := recordDelivery(ctx, tx, delivery); err != nil || done {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `SELECT kind, playbooks, started_at FROM runs WHERE id = ?`, runID).Scan(&kind, &pbJSON, &runStart)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		// Ids are given, not left to SQLite, so metrics can point at their
		// result without a round trip per row. The write lock is held
		// (BEGIN IMMEDIATE), so nobody else takes these ids.
		var lastID int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM results`).Scan(&lastID); err != nil {
			return err
		}
		insR := db.tune(newBatchInsert(ctx, tx, resultInsertHead, resultRow, resultCols))
		defer insR.close()
		insM := db.tune(newBatchInsert(ctx, tx, metricInsertHead, metricRow, metricCols))
		defer insM.close()
		insF := db.tune(newFindingUpsert(ctx, tx))
		defer insF.close()
		type seenKey struct{ playbook, asset string }
		seen := map[seenKey]bool{}
		runPlaybooks := parsePlaybooks(pbJSON)
		for _, i := range order {
			r := &rs[i]
			evidence, truncated := boundEvidence(r.Evidence, r.EvidenceTruncated)
			at := runStart
			if !r.StartedAt.IsZero() {
				at = ms(r.StartedAt)
			}
			args, err := i18n.EncodeArgs(r.Args)
			if err != nil {
				return fmt.Errorf("result %s/%s: message args: %w", r.Asset, r.Check, err)
			}
			adviceArgs, err := i18n.EncodeArgs(r.AdviceArgs)
			if err != nil {
				return fmt.Errorf("result %s/%s: advice args: %w", r.Asset, r.Check, err)
			}
			lastID++
			if err := insR.add(lastID, runID, r.Asset, r.Check,
				orNull(r.Type), orNull(r.Item), orNull(r.Playbook), orNull(r.System), orNull(r.Zone),
				int(r.Status), finite(r.Value), orNull(r.Unit), orNull(r.Warn), orNull(r.Crit), orNull(r.Message),
				orNull(r.Reason), orNull(r.Advice), orNull(evidence), truncated, at, r.DurationMS,
				orNull(r.Code), orNull(args), orNull(r.AdviceCode), orNull(adviceArgs)); err != nil {
				return fmt.Errorf("result %s/%s: %w", r.Asset, r.Check, err)
			}
			if err := addFinding(insF, r, kind, runID, at, args); err != nil {
				return fmt.Errorf("result %s/%s: finding: %w", r.Asset, r.Check, err)
			}
			for _, m := range r.Metrics {
				v := m.Value
				if m.Name == "" || finite(&v) == nil {
					continue
				}
				if err := insM.add(runID, lastID, at, r.Asset, r.Check, orNull(r.Item), m.Name, v, orNull(m.Unit)); err != nil {
					return fmt.Errorf("result %s/%s: metric %s: %w", r.Asset, r.Check, m.Name, err)
				}
			}
			if r.Playbook != "" {
				seen[seenKey{r.Playbook, r.Asset}] = true
			} else {
				for _, pb := range runPlaybooks {
					seen[seenKey{pb, r.Asset}] = true
				}
			}
		}
		if err := insR.flush(); err != nil {
			return err
		}
		if err := insM.flush(); err != nil {
			return err
		}
		if err := insF.flush(); err != nil {
			return err
		}
		if len(seen) > 0 {
			// Each key once (seen is a set), so one statement never
			// touches a row twice, as PostgreSQL's ON CONFLICT requires.
			up := db.tune(newBatchInsert(ctx, tx, lastSeenInsertHead, lastSeenRow, lastSeenCols))
			up.tail = lastSeenUpsertTail
			defer up.close()
			for k := range seen {
				if err := up.add(kind, k.playbook, k.asset, runID, runStart); err != nil {
					return err
				}
			}
			if err := up.flush(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: add %d results to run %d: %w", len(rs), runID, err)
	}
	return nil
}

func parsePlaybooks(s string) []string {
	var pbs []string
	_ = json.Unmarshal([]byte(s), &pbs) // written by BeginRun; unreadable means none
	return pbs
}

const resultColumns = `r.id, r.run_id, r.asset, r.check_name, r.type, r.item, r.playbook, r.system, r.zone,
	r.status, r.value, r.unit, r.warn, r.crit, r.message, r.reason, r.advice, r.evidence,
	r.evidence_truncated, r.started_at, r.duration_ms, r.code, r.args, r.advice_code, r.advice_args`

// scanResult reads one row of resultColumns.
func scanResult(sc interface{ Scan(...any) error }, out *StoredResult) (id int64, err error) {
	var (
		status           int
		value            sql.NullFloat64
		started          int64
		args, adviceArgs string
	)
	r := &out.Result
	err = sc.Scan(&id, &out.RunID, &r.Asset, &r.Check, &r.Type, &r.Item, &r.Playbook, &r.System, &r.Zone,
		&status, &value, &r.Unit, &r.Warn, &r.Crit, &r.Message, &r.Reason, &r.Advice, &r.Evidence,
		&r.EvidenceTruncated, &started, &r.DurationMS, &r.Code, &args, &r.AdviceCode, &adviceArgs)
	if err != nil {
		return 0, err
	}
	r.Args, r.AdviceArgs = decodeArgs(&r.Code, args), decodeArgs(&r.AdviceCode, adviceArgs)
	r.Status = result.Status(status)
	if value.Valid {
		v := value.Float64
		r.Value = &v
	}
	r.StartedAt = fromMS(started)
	return id, nil
}

// decodeArgs reads stored message args; args that cannot be read (a
// hand-edited row) drop the code too, so the stored text is shown instead of
// a format without its arguments.
func decodeArgs(code *string, s string) []any {
	args, err := i18n.DecodeArgs(s)
	if err != nil {
		*code = ""
		return nil
	}
	return args
}

// loadResults fills run.Results (ordered by asset, check) and their Metrics.
func (db *DB) loadResults(ctx context.Context, run *result.Run) error {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+resultColumns+
		" FROM results r WHERE r.run_id = ? ORDER BY r.asset, r.check_name, r.id", run.ID)
	if err != nil {
		return err
	}
	byID := map[int64]int{}
	run.Results = []result.Result{}
	for rows.Next() {
		var sr StoredResult
		id, err := scanResult(rows, &sr)
		if err != nil {
			rows.Close()
			return err
		}
		byID[id] = len(run.Results)
		run.Results = append(run.Results, sr.Result)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	mrows, err := db.sql.QueryContext(ctx,
		`SELECT result_id, name, value, unit FROM metrics WHERE run_id = ? ORDER BY result_id, id`, run.ID)
	if err != nil {
		return err
	}
	defer mrows.Close()
	for mrows.Next() {
		var rid int64
		var m result.Metric
		if err := mrows.Scan(&rid, &m.Name, &m.Value, &m.Unit); err != nil {
			return err
		}
		if i, ok := byID[rid]; ok {
			run.Results[i].Metrics = append(run.Results[i].Metrics, m)
		}
	}
	return mrows.Err()
}

// EachResult calls fn for every stored result matching f, ordered by run
// start, then asset, then check, without loading them all into memory.
// Metrics are not attached (use Metrics). fn may query the DB; an error from
// fn stops the walk and is returned as is.
func (db *DB) EachResult(ctx context.Context, f ResultFilter, fn func(*StoredResult) error) error {
	type runRef struct {
		id      int64
		started time.Time
	}
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
	if f.RunID != 0 {
		where = append(where, "id = ?")
		args = append(args, f.RunID)
	}
	q := "SELECT id, started_at FROM runs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at, id"
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("history: results: %w", err)
	}
	var runs []runRef
	for rows.Next() {
		var rr runRef
		var st int64
		if err := rows.Scan(&rr.id, &st); err != nil {
			rows.Close()
			return fmt.Errorf("history: results: %w", err)
		}
		rr.started = fromMS(st)
		runs = append(runs, rr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: results: %w", err)
	}

	// One query per run walks the (run_id, asset, check_name) index in
	// order, so nothing is sorted in memory however many results there are.
	rq := "SELECT " + resultColumns + " FROM results r WHERE r.run_id = ?"
	var rargs []any
	if f.Asset != "" {
		rq += " AND r.asset = ?"
		rargs = append(rargs, f.Asset)
	}
	if f.Check != "" {
		rq += " AND r.check_name = ?"
		rargs = append(rargs, f.Check)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, s := range f.Status {
			ph[i] = "?"
			rargs = append(rargs, int(s))
		}
		rq += " AND r.status IN (" + strings.Join(ph, ", ") + ")"
	}
	rq += " ORDER BY r.asset, r.check_name, r.id"
	for _, rr := range runs {
		if err := db.eachResultOfRun(ctx, rq, append([]any{rr.id}, rargs...), rr.started, fn); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) eachResultOfRun(ctx context.Context, q string, args []any, started time.Time, fn func(*StoredResult) error) error {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("history: results: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		sr := &StoredResult{RunStartedAt: started}
		if _, err := scanResult(rows, sr); err != nil {
			return fmt.Errorf("history: results: %w", err)
		}
		if err := fn(sr); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: results: %w", err)
	}
	return nil
}

// Metrics calls fn for every metric sample matching f, ordered by asset,
// metric name, time.
func (db *DB) Metrics(ctx context.Context, f MetricFilter, fn func(MetricPoint) error) error {
	var where []string
	var args []any
	if f.Name != "" {
		where = append(where, "name = ?")
		args = append(args, f.Name)
	}
	if f.NamePrefix != "" {
		// A range instead of LIKE: uses the (name, asset, at) index and
		// treats % and _ in names literally.
		where = append(where, "name >= ? AND name < ?")
		args = append(args, f.NamePrefix, f.NamePrefix+"\U0010FFFF")
	}
	if f.Asset != "" {
		where = append(where, "asset = ?")
		args = append(args, f.Asset)
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < ?")
		args = append(args, ms(f.Until))
	}
	q := "SELECT run_id, at, asset, check_name, item, name, value, unit FROM metrics"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY asset, name, at, id"
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("history: metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p MetricPoint
		var at int64
		if err := rows.Scan(&p.RunID, &at, &p.Asset, &p.Check, &p.Item, &p.Name, &p.Value, &p.Unit); err != nil {
			return fmt.Errorf("history: metrics: %w", err)
		}
		p.At = fromMS(at)
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: metrics: %w", err)
	}
	return nil
}
