// Package store is hcops' history: every inspection, backup verification and
// drill run, with its results, metrics, findings and the inventory it ran
// against. Commands, the engine and the reports use it through the History
// interface (history.go); DB implements it on one embedded SQLite file
// (modernc.org/sqlite, pure Go, no cgo) or, for several runners in
// different network zones sharing one history, on PostgreSQL (pgx): the
// same SQL, schema versions and rules on both engines (postgres.go says
// what differs). A runner that cannot reach its PostgreSQL history spools
// its runs locally and delivers them later, exactly once (spool.go). All
// SQL lives in this package.
//
// The database is opened in WAL mode with a busy timeout, foreign keys on and
// synchronous=NORMAL: readers never block the writer, two hcops processes can
// write at once (writes are short BEGIN IMMEDIATE transactions, retried while
// another process holds the lock), and a process killed at any moment leaves
// a database that opens and holds exactly the transactions that committed.
// Each AddResults call is one transaction, so a run's results are stored
// whole batch by batch, never half a batch.
//
// The schema lives in migrations/NNNN_name.sql, embedded in the binary and
// applied in order inside one transaction; the version is PRAGMA
// user_version. A database written by a newer hcops is refused rather than
// misread (see SchemaTooNewError).
//
// Schema conventions: times are INTEGER Unix milliseconds, statuses are
// INTEGER codes as in pkg/result (bigger is worse; table statuses maps them
// to names), a run's playbooks are a JSON array. See migrations/0001_init.sql.
//
// A run left "running" by a process that died is reported as "interrupted"
// when it is read back, if it ran on this host and its process is gone, or if
// it has been running for more than StaleAfter. The row itself is not
// rewritten on read: reads stay reads.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when a run, snapshot or maintenance window does
// not exist.
var ErrNotFound = errors.New("not found")

// BusyTimeout is how long one statement waits for another process's write
// lock before SQLite gives up; writes are then retried until WriteTimeout.
const BusyTimeout = 10 * time.Second

// busyTimeout is BusyTimeout, shortened by tests that exercise the retry.
var busyTimeout = BusyTimeout

// WriteTimeout bounds how long a write keeps retrying while other processes
// hold the database.
const WriteTimeout = 2 * time.Minute

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the embedded schema steps, in version order. Version N is
// the file NNNN_*.sql; numbers must be 1, 2, 3, ... without gaps.
var migrations = mustLoadMigrations(migrationFS)

func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic("store: " + err.Error())
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []migration
	for i, name := range names {
		base := filepath.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		if v != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (no gaps, no duplicates)", base, i+1)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(data)})
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int { return len(migrations) }

// SchemaTooNewError is returned by Open for a database whose schema was
// written by a newer hcops: reading it could misreport history, and writing
// it could corrupt it.
type SchemaTooNewError struct {
	Path    string
	Version int // schema version in the file
	Known   int // newest version this binary knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("history database %s has schema version %d, newer than this hcops (%d): upgrade hcops", e.Path, e.Version, e.Known)
}

// DB is an open history database. It is safe for concurrent use.
type DB struct {
	sql  *sql.DB
	path string

	// writeMu serialises this process's write transactions so goroutines
	// queue here instead of spinning in SQLite's busy handler; other
	// processes are kept out by SQLite's own lock.
	writeMu sync.Mutex

	host string // this machine's host name, for telling dead "running" runs
	boot string // this boot's id ("" where unknown), likewise

	dialect dialect
	runner  Runner // tags the runs this process begins
}

// dialect is the SQL engine behind a DB.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// Open opens (creating if needed, with its directory) the history database at
// path and brings its schema up to date. A postgres:// URL opens the
// shared PostgreSQL history instead (see OpenWith).
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options: the PostgreSQL password and the runner's
// name, zone and site.
func OpenWith(ctx context.Context, path string, o Options) (*DB, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, o)
	}
	if path == "" {
		return nil, errors.New("history database: no path given (use --db or HCOPS_DB)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("history database %s: create directory: %w", path, err)
	}
	// History holds host names and raw command output: create it private.
	// SQLite gives the -wal and -shm files the same mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history database %s: %w", path, err)
	}
	f.Close()

	q := url.Values{}
	q.Set("_busy_timeout", strconv.Itoa(int(busyTimeout/time.Millisecond)))
	q.Set("_foreign_keys", "1")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "journal_size_limit(67108864)")
	q.Add("_pragma", "cache_size(-32768)") // 32 MiB per connection, at most
	// url.URL escapes '?', '#', '%' and spaces in the path; SQLite decodes
	// them (the name is passed as a URI).
	dsn := (&url.URL{Scheme: "file", Path: abs}).String() + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history database %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(2)
	db := &DB{sql: sdb, path: path, runner: o.Runner}
	db.host, _ = os.Hostname()
	db.boot = bootID()
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// migrate checks the schema version and applies missing migrations in one
// transaction. Two processes opening a fresh file at once are serialised by
// BEGIN IMMEDIATE: the second sees the first one's version and does nothing.
// While the other process is still setting up the file (switching it to
// WAL, creating the schema), SQLite can answer "busy" without waiting; that
// is retried like a busy write.
func (db *DB) migrate(ctx context.Context) error {
	deadline := time.Now().Add(WriteTimeout)
	backoff := 10 * time.Millisecond
	for {
		err := db.migrateOnce(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff + rand.N(backoff)):
		}
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

func (db *DB) migrateOnce(ctx context.Context) error {
	var v int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return db.openError(err)
	}
	if v > len(migrations) {
		return &SchemaTooNewError{Path: db.path, Version: v, Known: len(migrations)}
	}
	if v == len(migrations) {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var cur int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
			return err
		}
		if cur > len(migrations) {
			return &SchemaTooNewError{Path: db.path, Version: cur, Known: len(migrations)}
		}
		for _, m := range migrations[cur:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("history database %s: migration %s: %w", db.path, m.name, err)
			}
		}
		// PRAGMA takes no parameters; the number is ours.
		_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(len(migrations)))
		return err
	})
}

// openError explains the usual reasons a file will not open as history.
func (db *DB) openError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("history database %s: not an SQLite database (move it away or choose another file with --db)", db.path)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("history database %s: file is damaged: %v (restore it from a backup or choose another file with --db)", db.path, err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY:
			return fmt.Errorf("history database %s: cannot open for writing: %v (check the file's and directory's permissions)", db.path, err)
		}
	}
	return fmt.Errorf("history database %s: %w", db.path, err)
}

// Close checkpoints what it can and closes the database.
func (db *DB) Close() error {
	if db == nil || db.sql == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// Cheap, and keeps the query planner's statistics fresh.
	if db.dialect == dialectSQLite {
		_, _ = db.sql.ExecContext(ctx, "PRAGMA optimize")
	}
	return db.sql.Close()
}

// Path is the database file as given to Open.
func (db *DB) Path() string { return db.path }

// SQL gives tests of the SQLite store direct access. Everything else reads
// and writes through the History methods, so every write is a short,
// retried transaction and a second backend needs no SQL of this one.
func (db *DB) SQL() *sql.DB { return db.sql }

// write runs fn in a BEGIN IMMEDIATE transaction and commits it. When another
// process holds the write lock past the busy timeout, the whole transaction
// is retried with jittered backoff until WriteTimeout or ctx ends. fn must
// have no effect outside the transaction until it commits.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	deadline := time.Now().Add(WriteTimeout)
	backoff := 20 * time.Millisecond
	for {
		err := db.writeOnce(ctx, fn)
		if err == nil || !db.retryable(err) || time.Now().After(deadline) {
			if err != nil && isBusy(err) {
				return fmt.Errorf("history database %s: still locked by another process after %s: %w", db.path, WriteTimeout, err)
			}
			return err
		}
		sleep := backoff + rand.N(backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sleep):
		}
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

func (db *DB) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.dialect == dialectPostgres && ctx.Value(longWriteKey{}) == nil {
		// A server that stops answering (a cut link, a frozen VM) must not
		// hold a run: the write fails as unreachable, and a runner spools.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pgWriteTimeout)
		defer cancel()
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if db.dialect == dialectPostgres {
		// One writer at a time across every runner, as BEGIN IMMEDIATE
		// does for SQLite; released at commit or rollback.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writeLockKey)); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// IsCorrupt reports whether err says the database file is damaged (SQLite
// found a malformed page), so the caller can tell the user to restore it
// rather than retry.
func IsCorrupt(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// retryable reports whether the transaction that failed with err can be
// run again as it is.
func (db *DB) retryable(err error) bool {
	if db.dialect == dialectPostgres {
		return isPgRetry(err)
	}
	return isBusy(err)
}

// isBusy reports whether err is SQLite's "database is locked/busy".
func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// ms converts a time to the stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored Unix milliseconds back to a local time.
func fromMS(v int64) time.Time { return time.UnixMilli(v) }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}
