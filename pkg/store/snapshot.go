package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// SaveSnapshot keeps data (the inventory as JSON) as the inventory run runID
// ran against. Identical snapshots are stored once, compressed, so a daily
// run over an unchanged inventory adds nothing. Saving again replaces the
// run's snapshot.
func (db *DB) SaveSnapshot(ctx context.Context, runID int64, data []byte) error {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO inventory_snapshots (sha256, encoding, size, data)
			VALUES (?, 'gzip', ?, ?) ON CONFLICT (sha256) DO NOTHING`, key, len(data), buf.Bytes()); err != nil {
			return err
		}
		var old sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT snapshot FROM runs WHERE id = ?`, runID).Scan(&old); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET snapshot = ? WHERE id = ?`, key, runID); err != nil {
			return err
		}
		if old.Valid && old.String != key {
			_, err := tx.ExecContext(ctx, `DELETE FROM inventory_snapshots WHERE sha256 = ?
				AND NOT EXISTS (SELECT 1 FROM runs WHERE snapshot = ?)`, old.String, old.String)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: save inventory snapshot of run %d: %w", runID, err)
	}
	return nil
}

// Snapshot returns the inventory snapshot saved for run runID, or
// ErrNotFound when the run does not exist or has none. The content is
// checked against its SHA-256.
func (db *DB) Snapshot(ctx context.Context, runID int64) ([]byte, error) {
	var (
		key, enc string
		size     int64
		blob     []byte
	)
	err := db.sql.QueryRowContext(ctx, `SELECT s.sha256, s.encoding, s.size, s.data
		FROM runs r JOIN inventory_snapshots s ON s.sha256 = r.snapshot WHERE r.id = ?`, runID).Scan(&key, &enc, &size, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("inventory snapshot of run %d: %w", runID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history: inventory snapshot of run %d: %w", runID, err)
	}
	if enc != "gzip" {
		return nil, fmt.Errorf("history: inventory snapshot of run %d: unknown encoding %q (written by a newer hcops?)", runID, enc)
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, fmt.Errorf("history: inventory snapshot of run %d: %w", runID, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, size+1))
	if err != nil {
		return nil, fmt.Errorf("history: inventory snapshot of run %d: %w", runID, err)
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != size || hex.EncodeToString(sum[:]) != key {
		return nil, fmt.Errorf("history: inventory snapshot of run %d is damaged (checksum mismatch)", runID)
	}
	return data, nil
}
