package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Database health checks (the db-health playbook, DB1–DB5). Each db-* check
// type looks at one dimension of an instance — status and version,
// connections, activity (long queries, locks), cache, throughput,
// replication, size, backup signals, security — and all of them share the
// run's one connection to the instance (Env.SQL). They run from this
// machine: Script returns "".
//
// The instance comes from the asset: address, port, and the `database:`
// block (engine, database, user, password reference, role, replicas, tls).
// Supported engines: PostgreSQL (also Kingbase in its PostgreSQL mode) and
// MySQL/MariaDB (also engines that speak the MySQL protocol). Oracle and SQL
// Server are not covered.

// dbProbe is a check type that runs queries against a database instance.
type dbProbe struct {
	name string
	pg   func(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result
	my   func(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result
}

func (dbProbe) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// dbStatusParams are the parameters of db-status.
type dbStatusParams struct {
	MinVersion string `param:"min_version"` // lowest acceptable version, "15.8"; "" = any
}

// dbThroughputParams are the parameters of db-throughput.
type dbThroughputParams struct {
	Interval time.Duration `param:"interval"` // between the two samples
}

// Defaults samples one second apart.
func (p *dbThroughputParams) Defaults() { p.Interval = time.Second }

// dbSecurityParams are the parameters of db-security.
type dbSecurityParams struct {
	AllowedSuperusers []string `param:"allowed_superusers"` // superusers besides postgres
}

// dbNoParams are the parameters of the database checks that take none.
type dbNoParams struct{}

// DecodeParams decodes the parameters of the check type p is, once when the
// playbook is loaded (inspect.ParamsDecoder).
func (p dbProbe) DecodeParams(spec *inspect.Spec) (any, error) {
	switch p.name {
	case "db-status":
		return inspect.DecodeParams[dbStatusParams](spec)
	case "db-throughput":
		return inspect.DecodeParams[dbThroughputParams](spec)
	case "db-security":
		return inspect.DecodeParams[dbSecurityParams](spec)
	}
	return inspect.DecodeParams[dbNoParams](spec)
}

func (p dbProbe) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	base := result.Result{Type: p.name}
	t, err := DBTarget(env.Asset)
	if err != nil {
		base.Status = result.Unknown
		base.Reason = "config"
		inspect.SetMsgSub(&base, env, dbConfigMessage(env, err))
		inspect.SetAdvice(&base, env, "db.advice.config")
		return []result.Result{base}
	}
	db, release, err := dbConn(ctx, env, t)
	if err != nil {
		base.Status = result.Unreachable
		base.Reason = transport.ReasonOf(err)
		if base.Reason == "" {
			base.Reason = result.ReasonNetwork
		}
		inspect.SetMsg(&base, env, "db.connect_failed", env.Asset.Name, t.Engine, t.Host, t.Port, err)
		inspect.SetAdviceSub(&base, env, dbConnectAdvice(env, base.Reason))
		// db-status owns the connect verdict; the other checks say they were
		// not checked, so an unreachable instance is reported once.
		if p.name != "db-status" {
			base.Status = result.Unknown
			inspect.SetMsg(&base, env, "db.not_checked")
			base.SetAdviceText("")
		}
		return []result.Result{base}
	}
	defer release()
	var rs []result.Result
	switch transport.NormalizeEngine(t.Engine) {
	case transport.EnginePostgres:
		rs = p.pg(ctx, env, db, base)
	default:
		rs = p.my(ctx, env, db, base)
	}
	return rs
}

func dbConnectAdvice(env *inspect.Env, reason string) i18n.Sub {
	switch reason {
	case result.ReasonAuth:
		return i18n.S("db.advice.auth")
	case result.ReasonRefused:
		return i18n.S("db.advice.refused")
	case result.ReasonTimeout:
		return i18n.S("db.advice.timeout")
	case transport.ReasonTLS:
		return i18n.S("db.advice.tls")
	}
	return i18n.S("db.advice.network")
}

// dbConfigMessage says in env's language why DBTarget could not build a
// target for the asset (DBTarget's own error stays English: other commands
// wrap it).
func dbConfigMessage(env *inspect.Env, err error) i18n.Sub {
	a := env.Asset
	switch {
	case a == nil || a.Database == nil || a.Database.Engine == "":
		name := "?"
		if a != nil {
			name = a.Name
		}
		return i18n.S("db.config.no_engine", name)
	case transport.NormalizeEngine(a.Database.Engine) == "":
		return i18n.S("db.config.unsupported", a.Name, a.Database.Engine)
	}
	if cause := errors.Unwrap(err); cause != nil {
		return i18n.S("db.config.password", a.Name, cause)
	}
	return i18n.S("db.config.other", err)
}

// DBTarget builds the connection target of a database asset (address,
// port and its database: block, the password read from its reference).
func DBTarget(a *inventory.Asset) (transport.SQLTarget, error) { return connect.SQLTarget(a) }

// dbConn returns the run's connection to t, or a private one closed by
// release when the runner gave no pool.
func dbConn(ctx context.Context, env *inspect.Env, t transport.SQLTarget) (*sql.DB, func(), error) {
	if env.SQL != nil {
		db, err := env.SQL.Get(ctx, t)
		return db, func() {}, err
	}
	db, err := transport.OpenSQL(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}

// dbFail turns a query error into an UNKNOWN result naming what failed;
// what is the catalogue key of the step ("db.q.…").
func dbFail(env *inspect.Env, base result.Result, what string, err error) []result.Result {
	base.Status = result.Unknown
	base.Reason = "query"
	inspect.SetMsg(&base, env, "db.query_failed", i18n.S(what), err)
	if strings.Contains(strings.ToLower(err.Error()), "permission denied") || strings.Contains(err.Error(), "1227") || strings.Contains(err.Error(), "1142") {
		inspect.SetAdvice(&base, env, "db.advice.grant")
	}
	return []result.Result{base}
}

// dbList joins names with the list separator of env's language.
func dbList[T any](env *inspect.Env, names []T) i18n.List {
	return dbItems(names, "db.list_sep")
}

// dbJoin joins clauses with the clause separator of env's language.
func dbJoin[T any](env *inspect.Env, parts []T) i18n.List {
	return dbItems(parts, "db.sep")
}

// dbItems is a list of data strings or messages joined by the catalogue
// separator sep when shown.
func dbItems[T any](items []T, sep string) i18n.List {
	l := i18n.List{Items: make([]any, len(items)), Sep: sep}
	for i, it := range items {
		l.Items[i] = it
	}
	return l
}

// dbRole names a replication role in env's language; a role the catalogue
// does not know (a typo in the inventory) is shown as written.
func dbRole(env *inspect.Env, role string) any {
	switch strings.ToLower(role) {
	case "primary":
		return i18n.S("db.role.primary")
	case "standby":
		return i18n.S("db.role.standby")
	}
	return role
}

// dbAge writes a duration the way HumanAge does (45s, 12m, 3h20m, 2d4h), in
// env's language (45 秒, 12 分钟, 3 小时 20 分钟, 2 天 4 小时).
func dbAge(env *inspect.Env, d time.Duration) i18n.Sub {
	switch {
	case d < time.Minute:
		return i18n.S("db.age.s", int(d.Seconds()))
	case d < time.Hour:
		return i18n.S("db.age.m", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return i18n.S("db.age.hm", h, m)
		}
		return i18n.S("db.age.h", h)
	}
	days := int(d.Hours()) / 24
	if h := int(d.Hours()) % 24; h != 0 {
		return i18n.S("db.age.dh", days, h)
	}
	return i18n.S("db.age.d", days)
}

// dbMyVars reads SHOW GLOBAL STATUS / VARIABLES rows matching names into a map.
func dbMyVars(ctx context.Context, db *sql.DB, query string, names ...string) (map[string]string, error) {
	args := make([]any, len(names))
	ph := make([]string, len(names))
	for i, n := range names {
		args[i], ph[i] = n, "?"
	}
	q := query
	if len(names) > 0 {
		q += " WHERE Variable_name IN (" + strings.Join(ph, ",") + ")"
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[strings.ToLower(k.String)] = v.String
	}
	return out, rows.Err()
}

func myStatus(ctx context.Context, db *sql.DB, names ...string) (map[string]string, error) {
	return dbMyVars(ctx, db, "SHOW GLOBAL STATUS", names...)
}

func myVariables(ctx context.Context, db *sql.DB, names ...string) (map[string]string, error) {
	return dbMyVars(ctx, db, "SHOW GLOBAL VARIABLES", names...)
}

func dbAtof(s string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return v
}

// dbRowsMap runs a query and returns each row as column → text, so the
// same code reads MySQL's SHOW SLAVE STATUS and SHOW REPLICA STATUS, whose
// column names differ by version.
func dbRowsMap(ctx context.Context, db *sql.DB, q string) ([]map[string]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]string, len(cols))
		for i, c := range cols {
			m[c] = string(vals[i])
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// first returns the first non-empty value among keys of m.
func dbFirst(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != "" {
			return v
		}
	}
	return ""
}

// dbSample reads counters twice, interval apart, and returns each one's
// rate per second.
func dbSample(ctx context.Context, interval time.Duration, read func() ([]float64, error)) ([]float64, error) {
	a, err := read()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(interval):
	}
	b, err := read()
	if err != nil {
		return nil, err
	}
	secs := time.Since(t0).Seconds()
	if secs <= 0 || len(a) != len(b) {
		return nil, errors.New("no time between samples")
	}
	rates := make([]float64, len(a))
	for k := range a {
		rates[k] = (b[k] - a[k]) / secs
	}
	return rates, nil
}

// Activity is the check type playbooks call "db-activity".
func Activity() inspect.Check { return dbProbe{name: "db-activity", pg: pgActivity, my: myActivity} }

// Backup is the check type playbooks call "db-backup".
func Backup() inspect.Check {
	return dbProbe{name: "db-backup", pg: pgBackupSignals, my: myBackupSignals}
}

// Cache is the check type playbooks call "db-cache".
func Cache() inspect.Check { return dbProbe{name: "db-cache", pg: pgCache, my: myCache} }

// Connections is the check type playbooks call "db-connections".
func Connections() inspect.Check {
	return dbProbe{name: "db-connections", pg: pgConnections, my: myConnections}
}

// Replication is the check type playbooks call "db-replication".
func Replication() inspect.Check {
	return dbProbe{name: "db-replication", pg: pgReplication, my: myReplication}
}

// Security is the check type playbooks call "db-security".
func Security() inspect.Check { return dbProbe{name: "db-security", pg: pgSecurity, my: mySecurity} }

// Size is the check type playbooks call "db-size".
func Size() inspect.Check { return dbProbe{name: "db-size", pg: pgSize, my: mySize} }

// Status is the check type playbooks call "db-status".
func Status() inspect.Check { return dbProbe{name: "db-status", pg: pgStatus, my: myStatusCheck} }

// Throughput is the check type playbooks call "db-throughput".
func Throughput() inspect.Check {
	return dbProbe{name: "db-throughput", pg: pgThroughput, my: myThroughput}
}
