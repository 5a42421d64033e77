package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// Finding is the state of one finding (one result.Key) across runs: what
// its latest result said, since when it says so, and how many results in a
// row have said it. It is what alerts, tickets and the dashboard read.
type Finding struct {
	result.Key
	Type   string // check type of the latest result
	System string // application system (the latest non-empty one)
	Kind   string // kind of the latest result's run (inspect, backup, drill)

	FirstSeen time.Time // first result stored for the key
	LastSeen  time.Time // latest result
	Status    result.Status
	// StatusSince is the time of the first result of the current streak:
	// when the key last changed to Status.
	StatusSince time.Time
	// Consecutive counts the results in a row with Status, the latest
	// included (so at least 1). A run without a result for the key leaves
	// it as it was: not being looked at is not a change.
	Consecutive int
	LastRunID   int64
	Message     string // of the latest result
	Code        string // message code of the latest result ("" for older results)
	Args        []any
}

// FindingFilter selects findings for EachFinding. The zero value selects
// every finding.
type FindingFilter struct {
	Status []result.Status // any of these last statuses; none for any
	Asset  string          // "" for any
	System string          // "" for any
	Check  string          // "" for any
	Kind   string          // run kind of the latest result, "" for any
	// SeenSince, when not zero, keeps findings with a result at or after it
	// (a check removed from the playbooks keeps its last state forever;
	// this leaves it out).
	SeenSince time.Time
}

// The findings upsert runs in AddResults' transaction, many rows per
// statement like the results. A result older than the finding's latest
// (stored late) only moves first_seen; otherwise the latest result wins,
// and the streak goes on while the status stays the same. Every SET
// expression reads the row as it was before this row's update.
const (
	findingInsertHead = `INSERT INTO findings (asset, check_name, item, type, system, kind, first_seen, last_seen,
	last_status, status_since, consecutive, last_run_id, message, code, args) VALUES `
	findingRow = `(?, ?, coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), ?, ?, ?, ?, ?, 1, ?,
	coalesce(?, ''), coalesce(?, ''), coalesce(?, ''))`
	findingCols = 14
)

var findingUpsertTail = ` ON CONFLICT (asset, check_name, item) DO UPDATE SET
	first_seen = CASE WHEN excluded.first_seen < findings.first_seen THEN excluded.first_seen ELSE findings.first_seen END,
	type = CASE WHEN ` + findingOlder + ` OR excluded.type = '' THEN findings.type ELSE excluded.type END,
	system = CASE WHEN ` + findingOlder + ` OR excluded.system = '' THEN findings.system ELSE excluded.system END,
	status_since = CASE WHEN ` + findingOlder + ` OR excluded.last_status = findings.last_status
		THEN findings.status_since ELSE excluded.last_seen END,
	consecutive = CASE WHEN ` + findingOlder + ` THEN findings.consecutive
		WHEN excluded.last_status = findings.last_status THEN findings.consecutive + 1 ELSE 1 END,
	` + latestWins("kind", "last_seen", "last_status", "last_run_id", "message", "code", "args")

// findingOlder is true when the result being stored is older than the
// finding's latest.
const findingOlder = `excluded.last_seen < findings.last_seen`

func latestWins(cols ...string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = fmt.Sprintf("%s = CASE WHEN %s THEN findings.%s ELSE excluded.%s END", c, findingOlder, c, c)
	}
	return strings.Join(set, ",\n\t")
}

// newFindingUpsert queues finding updates for AddResults' transaction.
func newFindingUpsert(ctx context.Context, tx *sql.Tx) *batchInsert {
	bi := newBatchInsert(ctx, tx, findingInsertHead, findingRow, findingCols)
	bi.tail = findingUpsertTail
	bi.keyCols = 3 // asset, check_name, item
	return bi
}

// addFinding queues the update of r's finding: r is a result of run runID
// (of kind) made at (Unix ms), args its message args as stored.
func addFinding(bi *batchInsert, r *result.Result, kind string, runID, at int64, args string) error {
	return bi.add(r.Asset, r.Check, orNull(r.Item), orNull(r.Type), orNull(r.System), kind,
		at, at, int(r.Status), at, runID, orNull(r.Message), orNull(r.Code), orNull(args))
}

const findingColumns = `asset, check_name, item, type, system, kind, first_seen, last_seen, last_status,
	status_since, consecutive, last_run_id, message, code, args`

func scanFinding(sc interface{ Scan(...any) error }, f *Finding) error {
	var (
		first, last, since int64
		status             int
		args               string
	)
	if err := sc.Scan(&f.Asset, &f.Check, &f.Item, &f.Type, &f.System, &f.Kind, &first, &last, &status,
		&since, &f.Consecutive, &f.LastRunID, &f.Message, &f.Code, &args); err != nil {
		return err
	}
	f.FirstSeen, f.LastSeen, f.StatusSince = fromMS(first), fromMS(last), fromMS(since)
	f.Status = result.Status(status)
	f.Args = decodeArgs(&f.Code, args)
	return nil
}

// EachFinding calls fn for every finding matching f, ordered by asset,
// check, item. The finding is fresh for each call. An error from fn stops
// the walk and is returned as is.
func (db *DB) EachFinding(ctx context.Context, f FindingFilter, fn func(*Finding) error) error {
	var where []string
	var args []any
	if len(f.Status) > 0 {
		where = append(where, "last_status IN ("+placeholders(len(f.Status))+")")
		for _, s := range f.Status {
			args = append(args, int(s))
		}
	}
	for _, c := range []struct{ col, v string }{{"asset", f.Asset}, {"system", f.System}, {"check_name", f.Check}, {"kind", f.Kind}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.SeenSince.IsZero() {
		where = append(where, "last_seen >= ?")
		args = append(args, ms(f.SeenSince))
	}
	q := "SELECT " + findingColumns + " FROM findings"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY asset, check_name, item"
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("history: findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fd Finding
		if err := scanFinding(rows, &fd); err != nil {
			return fmt.Errorf("history: findings: %w", err)
		}
		if err := fn(&fd); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: findings: %w", err)
	}
	return nil
}

// Finding returns the finding of key k, or ErrNotFound when no result was
// ever stored for it.
func (db *DB) Finding(ctx context.Context, k result.Key) (*Finding, error) {
	var f Finding
	err := scanFinding(db.sql.QueryRowContext(ctx, "SELECT "+findingColumns+
		" FROM findings WHERE asset = ? AND check_name = ? AND item = ?", k.Asset, k.Check, k.Item), &f)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("finding %s: %w", k, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history: finding %s: %w", k, err)
	}
	return &f, nil
}
