package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cyhealth/hcops/pkg/result"

	_ "modernc.org/sqlite"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	if openTestHook != nil {
		return openTestHook(t)
	}
	return openSQLiteTest(t)
}

// openSQLiteTest opens a fresh SQLite history, closed when the test ends.
func openSQLiteTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenCreatesDirectoryAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "history.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	var mode, fk, sync string
	if err := db.SQL().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || fk != "1" || sync != "1" {
		t.Errorf("journal_mode=%s foreign_keys=%s synchronous=%s, want wal 1 1(NORMAL)", mode, fk, sync)
	}
	for _, table := range []string{"runs", "results", "metrics", "inventory_snapshots", "maintenance", "last_seen", "statuses"} {
		var n int
		if err := db.SQL().QueryRow("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s missing (n=%d, err=%v)", table, n, err)
		}
	}
	db.Close()

	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600 (history holds raw evidence)", st.Mode().Perm())
	}
	if v := userVersion(t, path); v != SchemaVersion() {
		t.Errorf("user_version = %d, want %d", v, SchemaVersion())
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	run := newRun("inspect")
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	got, err := db.GetRun(ctx, run.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "inspect" {
		t.Errorf("kind = %q after reopen", got.Kind)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	newer := SchemaVersion() + 3
	if _, err := db.SQL().Exec("PRAGMA user_version = " + itoa(newer)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctx, path)
	var tooNew *SchemaTooNewError
	if !errors.As(err, &tooNew) {
		t.Fatalf("Open of a newer schema: err = %v, want SchemaTooNewError", err)
	}
	want := "history database " + path + " has schema version " + itoa(newer) + ", newer than this hcops (" + itoa(SchemaVersion()) + "): upgrade hcops"
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	// Refusing must not touch the file.
	if v := userVersion(t, path); v != newer {
		t.Errorf("user_version changed to %d", v)
	}
}

func TestOpenRejectsNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	if err == nil {
		t.Fatal("Open of a text file succeeded")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Errorf("error %q should name the file and say it is not a database", err)
	}
}

func TestOpenUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	_, err := Open(context.Background(), filepath.Join(dir, "sub", "history.db"))
	if err == nil || !strings.Contains(err.Error(), "history database") {
		t.Fatalf("err = %v, want a history database error naming the path", err)
	}
}

func TestMigrationUpgradesOlderSchema(t *testing.T) {
	// A database at version 1 (the first schema) is brought to the newest.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(migrations[0].sql); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO runs (id, kind, started_at, finished_at, status, playbooks)
		VALUES (7, 'inspect', 1764367200000, 1764367260000, 'completed', '["linux-daily"]')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// The run written by the older schema reads back, and new runs get the
	// columns added since.
	run, err := db.GetRun(ctx, 7, false)
	if err != nil || run.Kind != "inspect" || run.Status != "completed" || run.Playbooks[0] != "linux-daily" {
		t.Errorf("run from schema 1: %+v, %v", run, err)
	}
	if err := db.BeginRun(ctx, &result.Run{Kind: "inspect"}); err != nil {
		t.Errorf("new run after the upgrade: %v", err)
	}
	db.Close()
	if v := userVersion(t, path); v != SchemaVersion() {
		t.Errorf("user_version = %d, want %d", v, SchemaVersion())
	}
}

func TestLoadMigrationsRejectsGaps(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":  {Data: []byte("CREATE TABLE a (x);")},
		"migrations/0003_later.sql": {Data: []byte("CREATE TABLE b (x);")},
	}
	if _, err := loadMigrations(fsys); err == nil || !strings.Contains(err.Error(), "0003_later.sql") {
		t.Errorf("err = %v, want a complaint about 0003_later.sql", err)
	}
	fsys = fstest.MapFS{"migrations/init.sql": {Data: []byte("")}}
	if _, err := loadMigrations(fsys); err == nil {
		t.Error("a migration without a number was accepted")
	}
}

func TestConcurrentOpenOfFreshFile(t *testing.T) {
	// Several handles racing to create the schema: all succeed, schema once.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(ctx, path)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestOpenOddPath(t *testing.T) {
	// The path becomes a file: URI; characters that mean something in a URI
	// must still name the file the user gave.
	dir := filepath.Join(t.TempDir(), "巡检 记录 #1?x=%20&mode=ro")
	path := filepath.Join(dir, "history.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.BeginRun(context.Background(), &result.Run{Kind: "inspect"}); err != nil {
		t.Errorf("write (mode=ro must not have been applied): %v", err)
	}
	db.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Name() != "history.db" {
		t.Errorf("files in %q: %v, want history.db", dir, entries)
	}
}
