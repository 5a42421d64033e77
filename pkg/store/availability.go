package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// AvailabilityStore keeps the availability probes' counts per asset and
// hour (migration 0007).
type AvailabilityStore interface {
	// AddProbes counts one probe round taken at at: up[asset] is whether
	// the asset answered.
	AddProbes(ctx context.Context, at time.Time, up map[string]bool) error
	// Availability returns the hourly counts of [since, until), by asset
	// then hour.
	Availability(ctx context.Context, since, until time.Time) ([]AvailabilityHour, error)
}

// AvailabilityHour is one asset's probes in one clock hour.
type AvailabilityHour struct {
	Asset   string    `json:"asset"`
	Hour    time.Time `json:"hour"`
	Samples int       `json:"samples"`
	Down    int       `json:"down"`
	LastAt  time.Time `json:"last_at"`
}

// AddProbes adds one round of probes to the hour it was taken in, in one
// transaction.
func (db *DB) AddProbes(ctx context.Context, at time.Time, up map[string]bool) error {
	hour := at.UTC().Truncate(time.Hour)
	names := make([]string, 0, len(up))
	for n := range up {
		names = append(names, n)
	}
	sort.Strings(names)
	err := db.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO availability (asset, hour, samples, down, last_at) VALUES (?, ?, 1, ?, ?)
			ON CONFLICT (asset, hour) DO UPDATE SET samples = availability.samples + 1, down = availability.down + excluded.down,
				last_at = CASE WHEN excluded.last_at > availability.last_at THEN excluded.last_at ELSE availability.last_at END`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, n := range names {
			down := 0
			if !up[n] {
				down = 1
			}
			if _, err := st.ExecContext(ctx, n, ms(hour), down, ms(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: add probes: %w", err)
	}
	return nil
}

// Availability returns the hourly counts of [since, until).
func (db *DB) Availability(ctx context.Context, since, until time.Time) ([]AvailabilityHour, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT asset, hour, samples, down, last_at FROM availability
		WHERE hour >= ? AND hour < ? ORDER BY asset, hour`, ms(since.UTC().Truncate(time.Hour)), ms(until))
	if err != nil {
		return nil, fmt.Errorf("history: availability: %w", err)
	}
	defer rows.Close()
	var out []AvailabilityHour
	for rows.Next() {
		var h AvailabilityHour
		var hour, last int64
		if err := rows.Scan(&h.Asset, &hour, &h.Samples, &h.Down, &last); err != nil {
			return nil, err
		}
		h.Hour, h.LastAt = time.UnixMilli(hour), time.UnixMilli(last)
		out = append(out, h)
	}
	return out, rows.Err()
}
