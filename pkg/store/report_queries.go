package store

// Read-only queries for the reports (pkg/report). They read the schema
// directly through db.SQL() so a monthly report over millions of results is
// one streaming pass, never a slice of every result in memory.

import (
	"context"
	"database/sql"
	"fmt"
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
}

// EachReportRow calls fn for every result of runs of kind ("" for any)
// started in [since, until), in order of run start. The row is reused
// between calls: copy what you keep. An error from fn stops the walk.
func (db *DB) EachReportRow(ctx context.Context, kind string, since, until time.Time, fn func(*ReportRow) error) error {
	q := `SELECT r.id, r.started_at, s.asset, s.check_name, s.type, s.item, s.system, s.status, s.value, s.unit,
		CASE WHEN s.status <> 0 THEN s.message ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.reason ELSE '' END,
		CASE WHEN s.status <> 0 THEN s.advice ELSE '' END
		FROM runs r JOIN results s ON s.run_id = r.id
		WHERE r.started_at >= ? AND r.started_at < ?`
	args := []any{ms(since), ms(until)}
	if kind != "" {
		q += ` AND r.kind = ?`
		args = append(args, kind)
	}
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
	)
	for rows.Next() {
		if err := rows.Scan(&row.RunID, &at, &row.Asset, &row.Check, &row.Type, &row.Item, &row.System,
			&st, &value, &row.Unit, &row.Message, &row.Reason, &row.Advice); err != nil {
			return fmt.Errorf("history: report query: %w", err)
		}
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

// RunSummary is a run without its results: when it started and its counts.
type RunSummary struct {
	ID        int64
	Kind      string
	StartedAt time.Time
	Status    string
	Assets    int
	Counts    result.Counts
	Worst     result.Status
}

// RunSummaries lists runs of kind ("" for any) started in [since, until),
// oldest first, with their stored counts.
func (db *DB) RunSummaries(ctx context.Context, kind string, since, until time.Time) ([]RunSummary, error) {
	q := `SELECT id, kind, started_at, status, assets, worst, n_ok, n_warn, n_crit, n_unknown, n_unreachable
		FROM runs WHERE started_at >= ? AND started_at < ?`
	args := []any{ms(since), ms(until)}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
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
		if err := rows.Scan(&s.ID, &s.Kind, &at, &s.Status, &s.Assets, &worst,
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

// RunStatuses returns the status of every result of run runID keyed by
// asset, check and item joined with NUL bytes: what a report needs to
// compare two runs, without loading messages and evidence.
func (db *DB) RunStatuses(ctx context.Context, runID int64) (map[string]result.Status, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT asset, check_name, item, status FROM results WHERE run_id = ?`, runID)
	if err != nil {
		return nil, fmt.Errorf("history: statuses of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]result.Status{}
	var asset, check, item string
	var st int
	for rows.Next() {
		if err := rows.Scan(&asset, &check, &item, &st); err != nil {
			return nil, fmt.Errorf("history: statuses of run %d: %w", runID, err)
		}
		out[asset+"\x00"+check+"\x00"+item] = result.Status(st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: statuses of run %d: %w", runID, err)
	}
	return out, nil
}
