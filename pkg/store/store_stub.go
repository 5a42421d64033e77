package store

import (
	"context"
	"errors"
)

// DB is the history database. TEMPORARY STUB: replaced by store.go.
type DB struct{}

// Open is a TEMPORARY STUB.
func Open(ctx context.Context, path string) (*DB, error) { return nil, errors.New("not implemented") }

// Close is a TEMPORARY STUB.
func (db *DB) Close() error { return nil }
