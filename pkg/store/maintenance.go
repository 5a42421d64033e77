package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AddMaintenance records a maintenance window and sets w.ID. The window
// needs an asset or a system, and must end after it starts.
func (db *DB) AddMaintenance(ctx context.Context, w *MaintenanceWindow) error {
	switch {
	case w.Asset == "" && w.System == "":
		return errors.New("history: maintenance window: give an asset or a system")
	case w.Start.IsZero() || w.End.IsZero():
		return errors.New("history: maintenance window: give both start and end")
	case !w.End.After(w.Start):
		return fmt.Errorf("history: maintenance window: end %s is not after start %s",
			w.End.Format(time.DateTime), w.Start.Format(time.DateTime))
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO maintenance (asset, system, start_at, end_at, reason, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, w.Asset, w.System, ms(w.Start), ms(w.End), w.Reason, ms(time.Now())).Scan(&w.ID)
	})
	if err != nil {
		return fmt.Errorf("history: add maintenance window: %w", err)
	}
	return nil
}

// Maintenance returns the windows that overlap [since, until), ordered by
// start. A zero until means no upper bound.
func (db *DB) Maintenance(ctx context.Context, since, until time.Time) ([]MaintenanceWindow, error) {
	q := `SELECT id, asset, system, start_at, end_at, reason FROM maintenance WHERE end_at > ?`
	args := []any{ms(since)}
	if !until.IsZero() {
		q += ` AND start_at < ?`
		args = append(args, ms(until))
	}
	q += ` ORDER BY start_at, id`
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: maintenance windows: %w", err)
	}
	defer rows.Close()
	var out []MaintenanceWindow
	for rows.Next() {
		var w MaintenanceWindow
		var s, e int64
		if err := rows.Scan(&w.ID, &w.Asset, &w.System, &s, &e, &w.Reason); err != nil {
			return nil, fmt.Errorf("history: maintenance windows: %w", err)
		}
		w.Start, w.End = fromMS(s), fromMS(e)
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: maintenance windows: %w", err)
	}
	return out, nil
}

// DeleteMaintenance removes window id; ErrNotFound when there is none.
func (db *DB) DeleteMaintenance(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM maintenance WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: delete maintenance window %d: %w", id, err)
	}
	return nil
}
