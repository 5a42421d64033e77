package store

// Read-only queries for the reports (pkg/report), the ReportReader part of
// History: streaming passes with callbacks, so a monthly report over
// millions of results never holds a slice of every result in memory.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// ReportRow is one stored result reduced to what report aggregation needs.
// Message is filled only for results that are not OK (the OK messages of a
// month are many and never shown).
type ReportRow struct {
	RunID    int64
	RunAt    time.Time
	Asset    string
	Check    string
	Type     string
	Item     string
	System   string
	Status   result.Status
	HasValue bool
	Value    float64
	Unit     string
	Message  string
	Reason   string
	Advice   string
	// Code, Args, AdviceCode and AdviceArgs are the meaning of Message and
	// Advice (see result.Result), filled like them.
	Code       string
	Args       []any
	AdviceCode string
	AdviceArgs []any
}

// ReportRowFilter narrows EachReportRow. The zero value walks every result.
type ReportRowFilter struct {
	// NotOK keeps only results whose status is not OK: a month of results is
	// mostly OK, and the store reads them through an index of the results
	// that are not OK, never the OK ones.
	NotOK bool
	// RunIDs, when not empty, keeps only results of these runs (read through
	// the run index, so a few runs cost little whatever the month holds).
	RunIDs []int64
	// Types, when not empty, keeps only results of these check types.
	Types []string
	// Scope keeps only the results of one zone's assets and/or one
	// runner's runs.
	Scope Scope
}

// Scope narrows what the reports read, where several runners share one
// history: Zone keeps the results of the assets of that network zone (the
// zone the inventory gives each asset, stored with its results), Runner
// the runs that runner wrote. The zero value keeps everything.
type Scope struct {
	Zone   string
	Runner string
}

// IsZero says the scope keeps everything.
func (s Scope) IsZero() bool { return s.Zone == "" && s.Runner == "" }

// where adds the scope's conditions on runs r and results s to q.
func (s Scope) where(q string, args []any) (string, []any) {
	if s.Runner != "" {
		q += ` AND r.runner = ?`
		args = append(args, s.Runner)
	}
	if s.Zone != "" {
		q += ` AND s.zone = ?`
		args = append(args, s.Zone)
	}
	return q, args
}

// EachReportRow calls fn for every result of runs of kind ("" for any)
// started in [since, until) that f keeps, in order of run start (runs that
// started at the same time in the order they were stored). Which runs is
// decided by their time and f.RunIDs only, never by ranges of result ids,
// so results written by several runners into one history read the same.
// The row is reused between calls: copy what you keep. An error from fn
// stops the walk.
func (db *DB) EachReportRow(ctx context.Context, kind string, since, until time.Time, f ReportRowFilter, fn func(*ReportRow) error) error {
	// The runs of the period through their (kind, started_at) index, then
	// each run's results through the run index (results_run_notok, of the
	// results that are not OK, when f.NotOK).
	q := `SELECT r.id, r.started_at, s.asset, s.check_name, s.type, s.item, s.system, s.status, s.value, s.unit,
		CASE WHEN s.status <> 0 THEN s.message ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.reason ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.advice ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.code ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.args ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.advice_code ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.advice_args ELSE '' END
		FROM runs r JOIN results s ON s.run_id = r.id
		WHERE r.started_at >= ? AND r.started_at < ?`
	args := []any{ms(since), ms(until)}
	if kind != "" {
		q += ` AND r.kind = ?`
		args = append(args, kind)
	}
	if f.NotOK {
		q += ` AND s.status <> 0`
	}
	if len(f.RunIDs) > 0 {
		q += ` AND s.run_id IN (` + placeholders(len(f.RunIDs)) + `)`
		for _, id := range f.RunIDs {
			args = append(args, id)
		}
	}
	if len(f.Types) > 0 {
		q += ` AND s.type IN (` + placeholders(len(f.Types)) + `)`
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	q, args = f.Scope.where(q, args)
	q += ` ORDER BY r.started_at, r.id`
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("history: report query: %w", err)
	}
	defer rows.Close()
	var (
		row   ReportRow
		at    int64
		st    int
		value sql.NullFloat64

		msgArgs, adviceArgs string
	)
	for rows.Next() {
		if err := rows.Scan(&row.RunID, &at, &row.Asset, &row.Check, &row.Type, &row.Item, &row.System,
			&st, &value, &row.Unit, &row.Message, &row.Reason, &row.Advice,
			&row.Code, &msgArgs, &row.AdviceCode, &adviceArgs); err != nil {
			return fmt.Errorf("history: report query: %w", err)
		}
		row.Args, row.AdviceArgs = decodeArgs(&row.Code, msgArgs), decodeArgs(&row.AdviceCode, adviceArgs)
		row.RunAt = fromMS(at)
		row.Status = result.Status(st)
		row.HasValue, row.Value = value.Valid, value.Float64
		if err := fn(&row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: report query: %w", err)
	}
	return nil
}

// Key returns the identity of the finding the row is a verdict on.
func (r *ReportRow) Key() result.Key { return result.Key{Asset: r.Asset, Check: r.Check, Item: r.Item} }

// indexedBy is SQLite's hint to read a table through index; PostgreSQL's
// planner takes no hints.
func (db *DB) indexedBy(index string) string {
	if db.dialect == dialectPostgres {
		return ""
	}
	return "INDEXED BY " + index
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// EachRunAsset calls fn once for every asset that has results in run
// runID (of zone, when not ""), in asset order. It reads only the run
// index, so it is cheap over millions of results.
func (db *DB) EachRunAsset(ctx context.Context, runID int64, zone string, fn func(asset string) error) error {
	q, args := `SELECT DISTINCT asset FROM results
		`+db.indexedBy("results_run")+` WHERE run_id = ?`, []any{runID}
	if zone != "" {
		q += ` AND zone = ?`
		args = append(args, zone)
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY asset`, args...)
	if err != nil {
		return fmt.Errorf("history: report query: %w", err)
	}
	defer rows.Close()
	var asset string
	for rows.Next() {
		if err := rows.Scan(&asset); err != nil {
			return fmt.Errorf("history: report query: %w", err)
		}
		if err := fn(asset); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: report query: %w", err)
	}
	return nil
}

// EachRunCheck calls fn once for every distinct (asset, type, check,
// playbook) among run runID's results. It reads no messages or evidence, so
// reports can find the run that holds the checks they need cheaply.
func (db *DB) EachRunCheck(ctx context.Context, runID int64, fn func(asset, typ, check, playbook string) error) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT asset, type, check_name, playbook FROM results WHERE run_id = ?`, runID)
	if err != nil {
		return fmt.Errorf("history: results of run %d: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var asset, typ, check, pb string
		if err := rows.Scan(&asset, &typ, &check, &pb); err != nil {
			return fmt.Errorf("history: results of run %d: %w", runID, err)
		}
		if err := fn(asset, typ, check, pb); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: results of run %d: %w", runID, err)
	}
	return nil
}

// AssetSystems returns the application system each asset's results in the
// given runs were recorded under (the last non-empty one wins).
func (db *DB) AssetSystems(ctx context.Context, runIDs []int64) (map[string]string, error) {
	out := map[string]string{}
	if len(runIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(runIDs))
	for i, id := range runIDs {
		args[i] = id
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT asset, MAX(system) FROM results
		WHERE run_id IN (`+placeholders(len(runIDs))+`) AND system <> '' GROUP BY asset`, args...)
	if err != nil {
		return nil, fmt.Errorf("history: report query: %w", err)
	}
	defer rows.Close()
	var asset, system string
	for rows.Next() {
		if err := rows.Scan(&asset, &system); err != nil {
			return nil, fmt.Errorf("history: report query: %w", err)
		}
		out[asset] = system
	}
	return out, rows.Err()
}

// RunSummary is a run without its results: when it started, which runner
// wrote it and its counts.
type RunSummary struct {
	ID        int64
	Kind      string
	StartedAt time.Time
	Status    string
	Runner    string
	Zone      string
	Assets    int
	Counts    result.Counts
	Worst     result.Status
}

// RunSummaries lists runs of kind ("" for any) started in [since, until)
// that sc keeps, oldest first (ties in storage order), with their stored
// counts. With sc.Zone, only runs with results of that zone's assets are
// listed, and their counts and assets are those of that zone, counted from
// the results.
func (db *DB) RunSummaries(ctx context.Context, kind string, since, until time.Time, sc Scope) ([]RunSummary, error) {
	if sc.Zone != "" {
		return db.zoneRunSummaries(ctx, kind, since, until, sc)
	}
	q := `SELECT id, kind, started_at, status, runner, zone, assets, worst, n_ok, n_warn, n_crit, n_unknown, n_unreachable
		FROM runs WHERE started_at >= ? AND started_at < ?`
	args := []any{ms(since), ms(until)}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	if sc.Runner != "" {
		q += ` AND runner = ?`
		args = append(args, sc.Runner)
	}
	q += ` ORDER BY started_at, id`
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: list runs for report: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var s RunSummary
		var at int64
		var worst int
		if err := rows.Scan(&s.ID, &s.Kind, &at, &s.Status, &s.Runner, &s.Zone, &s.Assets, &worst,
			&s.Counts.OK, &s.Counts.Warn, &s.Counts.Crit, &s.Counts.Unknown, &s.Counts.Unreachable); err != nil {
			return nil, fmt.Errorf("history: list runs for report: %w", err)
		}
		s.StartedAt = fromMS(at)
		s.Worst = result.Status(worst)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list runs for report: %w", err)
	}
	return out, nil
}

// zoneRunSummaries is RunSummaries of one zone's assets: counts per run,
// asset and status from the results, summed per run here.
func (db *DB) zoneRunSummaries(ctx context.Context, kind string, since, until time.Time, sc Scope) ([]RunSummary, error) {
	q := `SELECT r.id, r.kind, r.started_at, r.status, r.runner, r.zone, s.asset, s.status, COUNT(*)
		FROM runs r JOIN results s ON s.run_id = r.id
		WHERE r.started_at >= ? AND r.started_at < ?`
	args := []any{ms(since), ms(until)}
	if kind != "" {
		q += ` AND r.kind = ?`
		args = append(args, kind)
	}
	q, args = sc.where(q, args)
	q += ` GROUP BY r.id, r.kind, r.started_at, r.status, r.runner, r.zone, s.asset, s.status
		ORDER BY r.started_at, r.id, s.asset`
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: list runs for report: %w", err)
	}
	defer rows.Close()
	var (
		out       []RunSummary
		lastAsset string
	)
	for rows.Next() {
		var s RunSummary
		var at, n int64
		var asset string
		var st int
		if err := rows.Scan(&s.ID, &s.Kind, &at, &s.Status, &s.Runner, &s.Zone, &asset, &st, &n); err != nil {
			return nil, fmt.Errorf("history: list runs for report: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != s.ID {
			s.StartedAt = fromMS(at)
			out = append(out, s)
			lastAsset = ""
		}
		cur := &out[len(out)-1]
		if asset != lastAsset || cur.Assets == 0 {
			cur.Assets++
			lastAsset = asset
		}
		for range n {
			cur.Counts.Add(result.Status(st))
		}
		cur.Worst = result.Worst(cur.Worst, result.Status(st))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list runs for report: %w", err)
	}
	return out, nil
}

// RunOnDay returns the id of the latest run of kind started in [since,
// until), or ErrNotFound.
func (db *DB) RunOnDay(ctx context.Context, kind string, since, until time.Time) (int64, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `SELECT id FROM runs WHERE kind = ? AND started_at >= ? AND started_at < ?
		ORDER BY started_at DESC, id DESC LIMIT 1`, kind, ms(since), ms(until)).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("history: find run: %w", err)
	}
	return id, nil
}

// RunStatuses returns the status of every result of run runID by its key:
// what a report needs to compare two runs, without loading messages and
// evidence.
func (db *DB) RunStatuses(ctx context.Context, runID int64) (map[result.Key]result.Status, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT asset, check_name, item, status FROM results WHERE run_id = ?`, runID)
	if err != nil {
		return nil, fmt.Errorf("history: statuses of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[result.Key]result.Status{}
	var k result.Key
	var st int
	for rows.Next() {
		if err := rows.Scan(&k.Asset, &k.Check, &k.Item, &st); err != nil {
			return nil, fmt.Errorf("history: statuses of run %d: %w", runID, err)
		}
		out[k] = result.Status(st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: statuses of run %d: %w", runID, err)
	}
	return out, nil
}
