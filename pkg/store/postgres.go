package store

// The PostgreSQL history: the same DB, the same SQL and the same schema
// versions as the SQLite file, for several runners (one per network zone)
// sharing one history. Only what the two engines spell differently lives
// here:
//
//   - placeholders: the store writes "?", rebound to $1, $2, ... by the
//     connector below, so every statement of the package runs unchanged;
//   - the schema: migrations/NNNN_*.sql translated (see pgSchema), or
//     migrations/postgres/NNNN_*.sql where a step must be written out;
//   - the schema version: table hcops_schema instead of PRAGMA user_version;
//   - writes: SQLite's BEGIN IMMEDIATE lets one writer in at a time; here a
//     transaction-level advisory lock does the same across all runners, so
//     every rule the SQLite store keeps (one firing alert per finding, one
//     ticket per fault, result ids taken under the lock) holds unchanged
//     when two runners write at once.
//
// Text columns use the "C" collation, so names sort byte-wise as in SQLite
// whatever the server's locale: reports list assets in the same order from
// either backend.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgres reports whether location names a PostgreSQL server
// (postgres:// or postgresql:// URL) rather than an SQLite file.
func IsPostgres(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Options are the settings of Open beyond the location.
type Options struct {
	// Password is the PostgreSQL password, read by the caller from a
	// reference (env:, file:, vault:). A password in the URL itself is
	// refused. Empty: libpq's usual PGPASSWORD and ~/.pgpass apply.
	Password string
	// Runner tags every run this process begins (see Runner).
	Runner Runner
}

// Runner names the hcops that wrote a run: several runners, one per
// network zone or site, share one PostgreSQL history.
type Runner struct {
	Name string `json:"runner,omitempty"` // default: this host's name
	Zone string `json:"zone,omitempty"`
	Site string `json:"site,omitempty"`
}

// pgWriteTimeout bounds one write transaction on PostgreSQL, waiting for
// the write lock included: no answer within it counts as the server being
// out of reach (Unavailable). A history migration, one long transaction,
// is exempt (withoutWriteTimeout).
var pgWriteTimeout = time.Minute

type longWriteKey struct{}

// withoutWriteTimeout marks ctx for a write that may rightly take long.
func withoutWriteTimeout(ctx context.Context) context.Context {
	return context.WithValue(ctx, longWriteKey{}, true)
}

// writeLockKey is the advisory lock every write transaction takes
// ("hcops" in ASCII).
const writeLockKey = 0x6863_6f70_73

// pgLocation is u without its password and query, for messages.
func pgLocation(u *url.URL) string {
	c := *u
	c.User = nil
	if u.User != nil {
		c.User = url.User(u.User.Username())
	}
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}

// openPostgres connects to the server named by location and brings its
// schema up to date.
func openPostgres(ctx context.Context, location string, o Options) (*DB, error) {
	u, err := url.Parse(location)
	if err != nil {
		return nil, errors.New("history database: the PostgreSQL URL does not parse (postgres://user@host:5432/dbname?sslmode=verify-full)")
	}
	loc := pgLocation(u)
	if _, set := u.User.Password(); set {
		return nil, fmt.Errorf("history database %s: the URL carries a password; give it as a reference instead (--db-password env:NAME, file:PATH or vault:NAME), so it is never in a process list or a crontab", loc)
	}
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		return nil, fmt.Errorf("history database %s: %v", loc, redactErr(err, location))
	}
	if o.Password != "" {
		cfg.Password = o.Password
	}
	if err := checkTLS(u, cfg); err != nil {
		return nil, fmt.Errorf("history database %s: %w", loc, err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = "hcops"
	sdb := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(2)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{sql: sdb, path: loc, dialect: dialectPostgres}
	db.host, _ = os.Hostname()
	db.boot = bootID()
	db.runner = o.Runner
	if err := db.migratePostgres(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// checkTLS refuses a connection to another machine that is not verified:
// a runner must not hand its history to whoever answers on the address.
// Loopback and Unix sockets need no TLS.
func checkTLS(u *url.URL, cfg *pgx.ConnConfig) error {
	local := func(host string) bool {
		if host == "" || strings.HasPrefix(host, "/") || host == "localhost" {
			return true
		}
		ip := net.ParseIP(host)
		return ip != nil && ip.IsLoopback()
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	remote := false
	for _, h := range hosts {
		if !local(h) {
			remote = true
		}
	}
	if !remote {
		return nil
	}
	mode := u.Query().Get("sslmode")
	if mode == "" {
		mode = os.Getenv("PGSSLMODE")
	}
	if mode == "verify-full" || mode == "verify-ca" {
		return nil
	}
	if mode == "" {
		mode = "prefer"
	}
	return fmt.Errorf("the connection to %s would not be verified (sslmode=%s): add sslmode=verify-full and sslrootcert=/path/to/the server's CA certificate to the URL", cfg.Host, mode)
}

// redactErr strips the URL (which may carry options) out of pgx's message.
func redactErr(err error, location string) string {
	return strings.ReplaceAll(err.Error(), location, "…")
}

// migratePostgres applies the missing schema steps in one transaction,
// under the write lock, so runners starting at once migrate once.
func (db *DB) migratePostgres(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return db.pgOpenError(err)
	}
	steps, err := pgSchema()
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS hcops_schema (version BIGINT NOT NULL)`); err != nil {
			return err
		}
		var cur int
		err := tx.QueryRowContext(ctx, `SELECT version FROM hcops_schema`).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO hcops_schema (version) VALUES (0)`); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if cur > len(steps) {
			return &SchemaTooNewError{Path: db.path, Version: cur, Known: len(steps)}
		}
		for _, m := range steps[cur:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("history database %s: migration %s: %w", db.path, m.name, err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE hcops_schema SET version = ?`, len(steps))
		return err
	})
}

func (db *DB) pgOpenError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fmt.Errorf("history database %s: the server refused the login: %s (check the user and the password reference)", db.path, pe.Message)
		case "3D000":
			return fmt.Errorf("history database %s: %s (create it: createdb -O USER NAME)", db.path, pe.Message)
		}
	}
	return fmt.Errorf("history database %s: cannot connect: %w", db.path, err)
}

//go:embed migrations/postgres/*.sql
var pgMigrationFS embed.FS

var (
	pgSchemaOnce  sync.Once
	pgSchemaSteps []migration
	pgSchemaErr   error
)

// pgSchema is the PostgreSQL form of every migration: the step written out
// in migrations/postgres when there is one, else the SQLite step
// translated by pgTranslate.
func pgSchema() ([]migration, error) {
	pgSchemaOnce.Do(func() {
		own := map[int]string{}
		names, _ := fs.Glob(pgMigrationFS, "migrations/postgres/*.sql")
		for _, name := range names {
			base := name[strings.LastIndex(name, "/")+1:]
			num, _, _ := strings.Cut(base, "_")
			v, err := strconv.Atoi(num)
			if err != nil || v < 1 || v > len(migrations) || !strings.HasPrefix(migrations[v-1].name+".sql", base[:5]) {
				pgSchemaErr = fmt.Errorf("store: postgres migration %s has no SQLite step of its number", base)
				return
			}
			data, _ := fs.ReadFile(pgMigrationFS, name)
			own[v] = string(data)
		}
		for _, m := range migrations {
			s, ok := own[m.version]
			if !ok {
				s = pgTranslate(m.sql)
			}
			pgSchemaSteps = append(pgSchemaSteps, migration{version: m.version, name: m.name, sql: s})
		}
	})
	return pgSchemaSteps, pgSchemaErr
}

var pgTypes = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`--[^\n]*`), ""},
	{regexp.MustCompile(`\bINTEGER PRIMARY KEY\b`), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
	{regexp.MustCompile(`\bINTEGER\b`), "BIGINT"},
	{regexp.MustCompile(`\bREAL\b`), "DOUBLE PRECISION"},
	{regexp.MustCompile(`\bBLOB\b`), "BYTEA"},
	{regexp.MustCompile(`\bTEXT\b`), `TEXT COLLATE "C"`},
	{regexp.MustCompile(`\)\s*WITHOUT ROWID`), ")"},
	{regexp.MustCompile(`(?m)^(\s+)by(\s)`), `$1"by"$2`},
}

// pgTranslate turns an SQLite schema step into PostgreSQL's: 64-bit
// integers (SQLite's INTEGER is 64-bit, PostgreSQL's 32), identity keys,
// DOUBLE PRECISION, BYTEA, byte-wise collation, no WITHOUT ROWID.
func pgTranslate(s string) string {
	for _, t := range pgTypes {
		s = t.re.ReplaceAllString(s, t.repl)
	}
	return s
}

// isPgRetry reports a PostgreSQL error after which the whole transaction
// can simply be run again.
func isPgRetry(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// rebindConnector hands out connections that rewrite the store's "?"
// placeholders as PostgreSQL's $1, $2, ...
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := cn.(pgDriverConn)
	if !ok {
		cn.Close()
		return nil, fmt.Errorf("store: unexpected PostgreSQL driver connection %T", cn)
	}
	return rebindConn{pc}, nil
}

// pgDriverConn is what pgx's database/sql connection offers.
type pgDriverConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
}

type rebindConn struct{ pgDriverConn }

func (c rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.pgDriverConn.Prepare(rebind(query))
}

func (c rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.pgDriverConn.PrepareContext(ctx, rebind(query))
}

func (c rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.pgDriverConn.ExecContext(ctx, rebind(query), args)
}

func (c rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.pgDriverConn.QueryContext(ctx, rebind(query), args)
}

// CheckNamedValue stores a bool as 0 or 1: the schema keeps flags in
// integer columns, as SQLite does. Text that PostgreSQL cannot store — not
// UTF-8 (a host answering in GBK), or holding a NUL byte — gets U+FFFD in
// place of the bad bytes, rather than failing the whole batch it is in:
// SQLite keeps such bytes as they are, so readers that show them repair
// them the same way.
func (c rebindConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case bool:
		nv.Value = int64(0)
		if v {
			nv.Value = int64(1)
		}
		return nil
	case string:
		nv.Value = pgText(v)
	}
	return c.pgDriverConn.CheckNamedValue(nv)
}

// pgStorable reports whether PostgreSQL can store s as text: UTF-8, no NUL.
func pgStorable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// pgText is s as PostgreSQL can store it (see CheckNamedValue).
func pgText(s string) string {
	if pgStorable(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

var rebound sync.Map // query → rebound query

// rebind rewrites each "?" outside quotes and comments as $1, $2, ...
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	if len(q) < 64<<10 {
		rebound.Store(q, out)
	}
	return out
}

// RedactLocation is a history location as messages may show it: a file
// path as is, a postgres:// URL without password or options.
func RedactLocation(location string) string {
	if !IsPostgres(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return "postgres://…"
	}
	return pgLocation(u)
}
