package store

import (
	"context"
	"database/sql"
	"fmt"
)

// AuditLine is one record of a runner's audit log, as written in its file.
type AuditLine struct {
	Seq  int64
	Line []byte
}

// AuditHead is the highest record number of runner's log the history has.
func (db *DB) AuditHead(ctx context.Context, runner string) (int64, error) {
	var n int64
	err := db.sql.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit_records WHERE runner = ?`, runner).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("history: audit records of %s: %w", runner, err)
	}
	return n, nil
}

// AddAuditLines copies records of runner's audit log, in one transaction;
// a record already copied is left as it is.
func (db *DB) AddAuditLines(ctx context.Context, runner string, lines []AuditLine) error {
	if len(lines) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO audit_records (runner, seq, line) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, l := range lines {
			if _, err := st.ExecContext(ctx, runner, l.Seq, string(l.Line)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: copy the audit log of %s: %w", runner, err)
	}
	return nil
}

// EachAuditLine calls fn with the copied records of runner ("" for every
// runner), by runner and number.
func (db *DB) EachAuditLine(ctx context.Context, runner string, fn func(runner string, l AuditLine) error) error {
	q, args := `SELECT runner, seq, line FROM audit_records ORDER BY runner, seq`, []any(nil)
	if runner != "" {
		q, args = `SELECT runner, seq, line FROM audit_records WHERE runner = ? ORDER BY seq`, []any{runner}
	}
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("history: audit records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r    string
			l    AuditLine
			line string
		)
		if err := rows.Scan(&r, &l.Seq, &line); err != nil {
			return fmt.Errorf("history: audit records: %w", err)
		}
		l.Line = []byte(line)
		if err := fn(r, l); err != nil {
			return err
		}
	}
	return rows.Err()
}
