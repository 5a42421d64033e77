package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// This file holds the read pkg/metrics needs beyond the History methods.
// The SQL is portable on purpose (a plain SELECT with ? placeholders and a
// LEFT JOIN, no SQLite function): the PostgreSQL backend runs the same
// statement.

// FindingLatest is a finding as the metrics export it: its state, and
// what its latest result says besides the status — the network zone it
// was inspected in, the value it measured and its CRIT threshold. It
// carries no message (metrics never put free text in a label).
type FindingLatest struct {
	result.Key
	Type        string
	System      string
	Status      result.Status
	StatusSince time.Time
	LastSeen    time.Time
	Zone        string   // "" when the latest result recorded none
	Value       *float64 // nil when the check measured no number
	Unit        string
	Crit        string // CRIT threshold as stored (a Nagios range), "" for none
}

// EachFindingLatest calls fn for every finding, ordered by asset, check,
// item, with its latest result's zone, value, unit and CRIT threshold (left
// empty when that result is gone). When one run stored a key twice, fn is
// called for each row. The value passed is reused between calls.
func (db *DB) EachFindingLatest(ctx context.Context, fn func(*FindingLatest) error) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT f.asset, f.check_name, f.item, f.type, f.system, f.last_status,
		f.status_since, f.last_seen, r.zone, r.value, r.unit, r.crit
		FROM findings f LEFT JOIN results r
		  ON r.run_id = f.last_run_id AND r.asset = f.asset AND r.check_name = f.check_name AND r.item = f.item
		ORDER BY f.asset, f.check_name, f.item`)
	if err != nil {
		return fmt.Errorf("history: findings for metrics: %w", err)
	}
	defer rows.Close()
	var (
		f           FindingLatest
		status      int
		since, last int64
		zone, unit  sql.NullString
		crit        sql.NullString
		v           sql.NullFloat64
	)
	for rows.Next() {
		if err := rows.Scan(&f.Asset, &f.Check, &f.Item, &f.Type, &f.System, &status, &since, &last,
			&zone, &v, &unit, &crit); err != nil {
			return fmt.Errorf("history: findings for metrics: %w", err)
		}
		f.Status, f.StatusSince, f.LastSeen = result.Status(status), fromMS(since), fromMS(last)
		f.Zone, f.Unit, f.Crit, f.Value = zone.String, unit.String, crit.String, nil
		if v.Valid {
			val := v.Float64
			f.Value = &val
		}
		if err := fn(&f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: findings for metrics: %w", err)
	}
	return nil
}
