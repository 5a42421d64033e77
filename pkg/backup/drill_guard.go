package backup

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A restore drill runs SQL that hcops did not write (the dump) with an
// account on a server. Text filters cannot make that safe: a dump can hide
// a database switch or a client command anywhere. What keeps a drill inside
// its scratch database is, layer by layer:
//
//  1. the target: never the address of a database asset of the inventory,
//     and a server that holds nothing but system databases and scratch
//     (<prefix>*) ones (serverGuard);
//  2. the account: no superuser, no global privileges, no role that reads
//     the server's files or runs programs; it may create databases and
//     owns only those it created (accountGuard);
//  3. the client: psql locked with \restrict (no backslash command of the
//     dump runs), the MariaDB client with --sandbox (no shell, no file) and
//     --local-infile=0, started with a minimal environment (restoreTool).
//
// Each layer alone stops the reproduced attacks; the tests check them one
// at a time.

// systemDatabases are the databases a drill server may hold besides
// scratch ones, per engine.
var systemDatabases = map[string][]string{
	"postgresql": {"postgres", "template0", "template1"},
	"mysql":      {"information_schema", "mysql", "performance_schema", "sys"},
}

// refusal is why a drill target or account is refused; it renders in the
// user's language like every catalogue error.
func refusal(key string, args ...any) error { return errorf(key, args...) }

// checkAddress refuses a drill target at the address of a database asset
// of the inventory (host:port after resolving names), whatever database
// names are configured: a drill creates and drops databases and runs a
// dump's SQL, which must never happen on a production server.
func checkAddress(ctx context.Context, t DrillTarget, port int, production []ProductionDB) error {
	tAddrs := resolve(ctx, t.Host)
	for _, p := range production {
		if p.Port != port {
			continue
		}
		for _, a := range resolve(ctx, p.Host) {
			for _, b := range tAddrs {
				if a == b {
					return refusal("backup.drill.refuse_production_addr", t.Host, port, p.Name, p.Host, p.Port)
				}
			}
		}
	}
	return nil
}

// ProductionDB is a database asset of the inventory, by address: a drill
// target there is refused.
type ProductionDB struct {
	Name string
	Host string
	Port int // the engine's default when the asset has none
}

// resolve returns host's addresses in a comparable form, and the name
// itself (lower case) so that two unresolvable spellings still match.
func resolve(ctx context.Context, host string) []string {
	h := strings.ToLower(strings.Trim(strings.TrimSpace(host), "[]"))
	out := []string{"name:" + h}
	if ip := net.ParseIP(h); ip != nil {
		return append(out, ip.String())
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, _ := net.DefaultResolver.LookupHost(rctx, h)
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil {
			out = append(out, ip.String())
		}
	}
	return out
}

// serverFacts is what the preflight learnt of the drill server.
type serverFacts struct {
	// legacyDrop: PostgreSQL before 13 has no DROP DATABASE ... WITH
	// (FORCE) (Kingbase and openGauss are based on such versions).
	legacyDrop bool
	version    string
}

// preflight checks the drill account and the server before anything is
// created: accountGuard, then serverGuard.
func preflight(ctx context.Context, db *sql.DB, engine string, t DrillTarget, prefix string) (serverFacts, error) {
	var f serverFacts
	if err := accountGuard(ctx, db, engine, t, prefix); err != nil {
		return f, err
	}
	if err := serverGuard(ctx, db, engine, t, prefix); err != nil {
		return f, err
	}
	if engine == "postgresql" {
		var num string
		if err := db.QueryRowContext(ctx, "SHOW server_version_num").Scan(&num); err != nil {
			return f, refusal("backup.drill.check_failed", t.User, t.Host, err)
		}
		n, _ := strconv.Atoi(num)
		f.legacyDrop = n > 0 && n < 130000
		f.version = num
	}
	return f, nil
}

// dangerousPGRoles are predefined roles that read or write the server's
// files, run programs on it or read every database's data.
var dangerousPGRoles = []string{"pg_read_server_files", "pg_write_server_files", "pg_execute_server_program", "pg_read_all_data", "pg_write_all_data"}

// accountGuard refuses a drill account that can do more than create
// databases and work inside its own: a PostgreSQL superuser (or member of
// one), CREATEROLE, REPLICATION, BYPASSRLS or membership of a role that
// reaches the server's files; a MySQL/MariaDB account with any global
// privilege or any privilege on a database outside <prefix>*.
func accountGuard(ctx context.Context, db *sql.DB, engine string, t DrillTarget, prefix string) error {
	if engine == "postgresql" {
		var super, createRole, repl, bypass, createDB bool
		var members string
		q := `SELECT r.rolsuper, r.rolcreaterole, r.rolreplication, r.rolbypassrls, r.rolcreatedb,
			coalesce((SELECT string_agg(b.rolname, ',' ORDER BY b.rolname) FROM pg_roles b
			  WHERE b.oid <> r.oid AND pg_has_role(r.oid, b.oid, 'MEMBER')
			  AND (b.rolsuper OR b.rolcreaterole OR b.rolreplication OR b.rolbypassrls OR b.rolname IN ('` + strings.Join(dangerousPGRoles, "','") + `'))), '')
			FROM pg_roles r WHERE r.rolname = current_user`
		if err := db.QueryRowContext(ctx, q).Scan(&super, &createRole, &repl, &bypass, &createDB, &members); err != nil {
			return refusal("backup.drill.check_failed", t.User, t.Host, err)
		}
		var attrs []string
		for _, a := range []struct {
			on   bool
			name string
		}{{super, "SUPERUSER"}, {createRole, "CREATEROLE"}, {repl, "REPLICATION"}, {bypass, "BYPASSRLS"}} {
			if a.on {
				attrs = append(attrs, a.name)
			}
		}
		switch {
		case len(attrs) > 0:
			return refusal("backup.drill.refuse_pg_attr", t.User, t.Host, strings.Join(attrs, ", "))
		case members != "":
			return refusal("backup.drill.refuse_pg_member", t.User, t.Host, members)
		case !createDB:
			return refusal("backup.drill.refuse_pg_createdb", t.User, t.Host)
		}
		return nil
	}
	rows, err := db.QueryContext(ctx, "SHOW GRANTS FOR CURRENT_USER()")
	if err != nil {
		return refusal("backup.drill.check_failed", t.User, t.Host, err)
	}
	defer rows.Close()
	var grants []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return refusal("backup.drill.check_failed", t.User, t.Host, err)
		}
		grants = append(grants, g)
	}
	if err := rows.Err(); err != nil {
		return refusal("backup.drill.check_failed", t.User, t.Host, err)
	}
	for _, g := range grants {
		if !grantWithinPrefix(g, prefix) {
			return refusal("backup.drill.refuse_grant", t.User, t.Host, trimGrant(g), strings.ReplaceAll(prefix, "_", `\_`))
		}
	}
	return nil
}

// grantRE reads one line of SHOW GRANTS: privileges, the object (*.*,
// db.*, db.table, with an optional PROCEDURE/FUNCTION/... keyword) and
// the grantee.
var grantRE = regexp.MustCompile(`(?is)^GRANT\s+(.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE|PACKAGE\s+BODY|PACKAGE)\s+)?((?:` + "`(?:[^`]|``)*`" + `|[^\s.` + "`" + `]+|\*)(?:\.(?:` + "`(?:[^`]|``)*`" + `|[^\s` + "`" + `]+|\*))?)\s+TO\s`)

// grantWithinPrefix reports whether a SHOW GRANTS line gives nothing beyond
// databases whose names start with prefix. USAGE on *.* (the right to log
// in) is allowed; every other global privilege, a role, PROXY, or a
// database pattern that could match another name is not. In a grant's
// database name _ and % are wildcards unless escaped with \ (hcops\_drill\_%):
// the literal part before the first wildcard must start with the prefix.
func grantWithinPrefix(g, prefix string) bool {
	g = strings.TrimSpace(g)
	if strings.HasPrefix(strings.ToUpper(g), "SET DEFAULT ROLE") {
		return true // names a role granted elsewhere; that GRANT line is judged
	}
	m := grantRE.FindStringSubmatch(g)
	if m == nil {
		return false // a role, PROXY, or a shape this check does not know
	}
	privs, object := strings.ToUpper(strings.TrimSpace(m[1])), m[2]
	dbPart := object
	if strings.HasPrefix(object, "`") {
		end := 1
		for end < len(object) {
			if object[end] == '`' {
				if end+1 < len(object) && object[end+1] == '`' {
					end += 2
					continue
				}
				break
			}
			end++
		}
		dbPart = strings.ReplaceAll(object[1:min(end, len(object))], "``", "`")
	} else if i := strings.IndexByte(object, '.'); i >= 0 {
		dbPart = object[:i]
	}
	if dbPart == "*" {
		return privs == "USAGE"
	}
	var lit strings.Builder
	for i := 0; i < len(dbPart); i++ {
		c := dbPart[i]
		if c == '\\' && i+1 < len(dbPart) {
			lit.WriteByte(dbPart[i+1])
			i++
			continue
		}
		if c == '%' || c == '_' {
			break
		}
		lit.WriteByte(c)
	}
	return strings.HasPrefix(strings.ToLower(lit.String()), strings.ToLower(prefix))
}

// trimGrant shortens a grant for a message and hides its password hash.
func trimGrant(g string) string {
	if i := strings.Index(strings.ToUpper(g), " IDENTIFIED BY"); i >= 0 {
		g = g[:i]
	}
	if len(g) > 200 {
		g = g[:200] + "…"
	}
	return g
}

// serverGuard refuses a drill server that holds databases other than the
// engine's system databases, the target's system_databases and scratch
// (<prefix>*) ones: a server kept for drills has nothing else, and a
// production database there is one mistake away from a dump's DROP.
func serverGuard(ctx context.Context, db *sql.DB, engine string, t DrillTarget, prefix string) error {
	q := "SELECT datname FROM pg_database"
	if engine != "postgresql" {
		q = "SHOW DATABASES"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return refusal("backup.drill.check_failed", t.User, t.Host, err)
	}
	defer rows.Close()
	allowed := map[string]bool{}
	for _, n := range append(systemDatabases[engineFamily(engine)], t.SystemDatabases...) {
		allowed[strings.ToLower(n)] = true
	}
	var others []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return refusal("backup.drill.check_failed", t.User, t.Host, err)
		}
		if !allowed[strings.ToLower(n)] && !strings.HasPrefix(strings.ToLower(n), prefix) {
			others = append(others, n)
		}
	}
	if err := rows.Err(); err != nil {
		return refusal("backup.drill.check_failed", t.User, t.Host, err)
	}
	if len(others) > 0 {
		sort.Strings(others)
		if len(others) > 10 {
			others = append(others[:10], "…")
		}
		return refusal("backup.drill.refuse_databases", t.Host, prefix, strings.Join(others, ", "))
	}
	return nil
}

func engineFamily(engine string) string {
	if engine == "postgresql" {
		return "postgresql"
	}
	return "mysql"
}

// scratchTimeRE is the time a scratch database name ends with.
var scratchTimeRE = regexp.MustCompile(`_(\d{14})$`)

// leftoverScratch returns the scratch databases (<prefix>…_<time>) created more
// than a day before now: drills that were killed before they could drop
// them. Younger ones may belong to a drill running now.
func leftoverScratch(ctx context.Context, db *sql.DB, engine, prefix string, now time.Time) ([]string, error) {
	q := "SELECT datname FROM pg_database"
	if engine != "postgresql" {
		q = "SHOW DATABASES"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(n, prefix) {
			continue
		}
		m := scratchTimeRE.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		at, err := time.ParseInLocation("20060102150405", m[1], now.Location())
		if err == nil && now.Sub(at) > 24*time.Hour {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, rows.Err()
}

// dropScratch drops a scratch database. PostgreSQL 13 and later close its
// sessions with WITH (FORCE); older servers (and Kingbase, openGauss) get
// the sessions terminated first and a plain DROP.
func dropScratch(ctx context.Context, db *sql.DB, engine, name string, legacy bool) error {
	q := identQuote(engine, name)
	if engine != "postgresql" {
		_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q)
		return err
	}
	if !legacy {
		_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q+" WITH (FORCE)")
		return err
	}
	// Stop new sessions, close the open ones (the drill account's own:
	// the restore client, a query left running), then drop.
	db.ExecContext(ctx, "ALTER DATABASE "+q+" ALLOW_CONNECTIONS false")
	var err error
	for i := 0; i < 5; i++ {
		db.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
		if _, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", err, ctx.Err())
		case <-time.After(time.Duration(i+1) * 200 * time.Millisecond):
		}
	}
	return err
}
