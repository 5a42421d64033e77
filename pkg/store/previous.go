package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cyhealth/hcops/pkg/result"
)

// PreviousResults returns the results check (its name in the playbook)
// gave asset from playbook in the latest run of kind other than run
// exclude, each with its metrics: the samples a check compares against to
// turn counters into rates. It returns nil, nil when there is none. The
// latest run is the one started last (the higher id on a tie), so a run
// stored late does not hide a newer one.
func (db *DB) PreviousResults(ctx context.Context, kind, playbook, asset, check string, exclude int64) ([]result.Result, error) {
	var runID int64
	err := db.sql.QueryRowContext(ctx, `SELECT r.run_id FROM results r JOIN runs u ON u.id = r.run_id
		WHERE r.asset = ? AND r.check_name = ? AND r.playbook = ? AND u.kind = ? AND r.run_id <> ?
		ORDER BY u.started_at DESC, r.run_id DESC LIMIT 1`, asset, check, playbook, kind, exclude).Scan(&runID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: previous results of %s/%s: %w", asset, check, err)
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+resultColumns+
		" FROM results r WHERE r.run_id = ? AND r.asset = ? AND r.check_name = ? AND r.playbook = ? ORDER BY r.id",
		runID, asset, check, playbook)
	if err != nil {
		return nil, fmt.Errorf("history: previous results of %s/%s: %w", asset, check, err)
	}
	var out []result.Result
	byID := map[int64]int{}
	for rows.Next() {
		var sr StoredResult
		id, err := scanResult(rows, &sr)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("history: previous results of %s/%s: %w", asset, check, err)
		}
		byID[id] = len(out)
		out = append(out, sr.Result)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: previous results of %s/%s: %w", asset, check, err)
	}
	mrows, err := db.sql.QueryContext(ctx,
		`SELECT result_id, name, value, unit FROM metrics WHERE run_id = ? AND asset = ? AND check_name = ? ORDER BY result_id, id`,
		runID, asset, check)
	if err != nil {
		return nil, fmt.Errorf("history: previous metrics of %s/%s: %w", asset, check, err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var rid int64
		var m result.Metric
		if err := mrows.Scan(&rid, &m.Name, &m.Value, &m.Unit); err != nil {
			return nil, fmt.Errorf("history: previous metrics of %s/%s: %w", asset, check, err)
		}
		if i, ok := byID[rid]; ok {
			out[i].Metrics = append(out[i].Metrics, m)
		}
	}
	return out, mrows.Err()
}
