package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// PostgreSQL probes of the db-* check types (see check_db.go). They need
// the pg_monitor role (or a superuser) for complete answers; the security
// probe reads pg_authid, which needs superuser, and says so when it cannot.

func pgStatus(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var version string
	var num int
	var uptime float64
	var recovery bool
	err := db.QueryRowContext(ctx, `SELECT current_setting('server_version'), current_setting('server_version_num')::int,
		extract(epoch from now() - pg_postmaster_start_time())::float8, pg_is_in_recovery()`).Scan(&version, &num, &uptime, &recovery)
	if err != nil {
		return dbFail(env, base, "db.q.server_status", err)
	}
	role := "primary"
	if recovery {
		role = "standby"
	}
	return statusResult(env, base, "PostgreSQL "+version, version, uptime, role)
}

// statusResult is the shared verdict of db-status: reachable, version
// against min_version (DB3), uptime (a restart since the last inspection is
// WARN), role against the inventory's expected role.
func statusResult(env *inspect.Env, base result.Result, product, version string, uptime float64, role string) []result.Result {
	r := base
	r.Status = result.OK
	r.Item = "status"
	r.SetValue(uptime, "s")
	r.Metrics = []result.Metric{{Name: "db.uptime_s", Value: uptime, Unit: "s"}}
	// The evidence keeps product, version and role as the server reported
	// them, in every language, for reports (the message is translated).
	r.Evidence = fmt.Sprintf("%s\nrole: %s", product, role)
	var notes []i18n.Sub
	sp, err := inspect.ParamsOf[dbStatusParams](env.Spec)
	if err != nil {
		return dbFail(env, base, "db.q.playbook", err)
	}
	minV := sp.MinVersion
	if minV != "" && dbCompareVersions(version, minV) < 0 {
		r.Status = result.Worst(r.Status, result.Warn)
		notes = append(notes, i18n.S("db.status.version_low", version, minV))
		inspect.SetAdvice(&r, env, "db.status.version_advice", minV)
	}
	started := env.Now.Add(-time.Duration(uptime * float64(time.Second)))
	if !env.Since.IsZero() && started.After(env.Since) {
		r.Status = result.Worst(r.Status, result.Warn)
		notes = append(notes, i18n.S("db.status.restarted", started.Format("2006-01-02 15:04")))
		if r.Advice == "" {
			inspect.SetAdvice(&r, env, "db.status.restart_advice")
		}
	}
	if env.Asset != nil && env.Asset.Database != nil && env.Asset.Database.Role != "" && !strings.EqualFold(env.Asset.Database.Role, role) {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("db.status.role_mismatch", dbRole(env, role), dbRole(env, env.Asset.Database.Role)))
		inspect.SetAdvice(&r, env, "db.status.role_advice")
	}
	// The arguments are the instance's facts as well (product, version as
	// shown, role), which the db report reads instead of the text.
	name, shown, _ := strings.Cut(product, " ")
	inspect.SetMsg(&r, env, "db.status.summary", name, shown, strings.ToLower(role), dbRole(env, role), dbAge(env, time.Duration(uptime)*time.Second))
	if len(notes) > 0 {
		inspect.AddMsg(&r, env, "db.sep")
		inspect.AddPart(&r, env, dbJoin(env, notes))
	}
	return []result.Result{r}
}

func pgConnections(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var used, maxConn, reserved int
	err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
		current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int`).Scan(&used, &maxConn, &reserved)
	if err != nil {
		return dbFail(env, base, "db.q.count_connections", err)
	}
	return connectionsResult(env, base, used, maxConn-reserved, "max_connections − superuser_reserved_connections")
}

func connectionsResult(env *inspect.Env, base result.Result, used, limit int, limitName string) []result.Result {
	r := base
	r.Item = "connections"
	r.Status = result.OK
	pct := 0.0
	if limit > 0 {
		pct = float64(used) / float64(limit) * 100
	}
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = inspect.ParseThresholds("~:80", "~:90")
	}
	th.Apply(&r, pct, "%")
	r.Metrics = []result.Metric{{Name: "db.connections", Value: float64(used)}, {Name: "db.connections_pct", Value: pct, Unit: "%"}}
	inspect.SetMsg(&r, env, "db.conn.msg", used, limit, pct, limitName)
	if r.Status != result.OK {
		inspect.SetAdvice(&r, env, "db.conn.advice")
	}
	return []result.Result{r}
}

func pgActivity(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := db.QueryContext(ctx, `SELECT pid, coalesce(usename,''), coalesce(datname,''), coalesce(state,''),
		coalesce(extract(epoch from now() - xact_start)::float8, 0), coalesce(extract(epoch from now() - query_start)::float8, 0),
		left(regexp_replace(coalesce(query,''), '\s+', ' ', 'g'), 160)
		FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
		ORDER BY xact_start LIMIT 20`)
	if err != nil {
		return dbFail(env, base, "db.q.pg_stat_activity", err)
	}
	defer rows.Close()
	var acts []dbActivity
	for rows.Next() {
		var a dbActivity
		var pid int
		if err := rows.Scan(&pid, &a.User, &a.DB, &a.State, &a.XactSecs, &a.QuerySecs, &a.Query); err != nil {
			return dbFail(env, base, "db.q.pg_stat_activity", err)
		}
		a.ID = fmt.Sprint(pid)
		acts = append(acts, a)
	}
	if err := rows.Err(); err != nil {
		return dbFail(env, base, "db.q.pg_stat_activity", err)
	}
	var waiting, deadlocks float64
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_locks WHERE NOT granted)::float8,
		(SELECT coalesce(sum(deadlocks),0) FROM pg_stat_database)::float8`).Scan(&waiting, &deadlocks); err != nil {
		return dbFail(env, base, "db.q.pg_locks", err)
	}
	return activityResults(env, base, acts, waiting, deadlocks, "SELECT pg_terminate_backend(PID)")
}

// dbActivity is one open transaction or running statement.
type dbActivity struct {
	ID, User, DB, State, Query string
	XactSecs, QuerySecs        float64
}

// activityResults: the oldest open transaction against thresholds in
// seconds (default warn 300, crit 1800), idle-in-transaction sessions, and
// lock waits (WARN when any session waits; deadlocks are recorded as a
// counter for trends).
func activityResults(env *inspect.Env, base result.Result, acts []dbActivity, waiting, deadlocks float64, killHint string) []result.Result {
	r := base
	r.Item = "long-transactions"
	r.Status = result.OK
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = inspect.ParseThresholds("~:300", "~:1800")
	}
	var oldest dbActivity
	for _, a := range acts {
		if a.XactSecs > oldest.XactSecs {
			oldest = a
		}
	}
	th.Apply(&r, oldest.XactSecs, "s")
	r.Metrics = []result.Metric{{Name: "db.oldest_xact_s", Value: oldest.XactSecs, Unit: "s"}}
	if oldest.ID == "" {
		inspect.SetMsg(&r, env, "db.act.none")
	} else {
		inspect.SetMsg(&r, env, "db.act.oldest", dbAge(env, time.Duration(oldest.XactSecs)*time.Second), oldest.ID, oldest.User, oldest.DB, oldest.State)
	}
	if r.Status != result.OK {
		var ev []string
		for _, a := range acts {
			ev = append(ev, fmt.Sprintf("%s %s@%s %s xact %.0fs query %.0fs: %s", a.ID, a.User, a.DB, a.State, a.XactSecs, a.QuerySecs, a.Query))
		}
		r.Evidence = strings.Join(ev, "\n")
		inspect.SetAdvice(&r, env, "db.act.advice", oldest.ID, strings.ReplaceAll(killHint, "PID", oldest.ID))
	}

	l := base
	l.Item = "locks"
	l.Status = result.OK
	l.SetValue(waiting, "sessions")
	l.Metrics = []result.Metric{{Name: "db.lock_waits", Value: waiting}, {Name: "db.deadlocks_total", Value: deadlocks}}
	inspect.SetMsg(&l, env, "db.act.locks", waiting, deadlocks)
	if waiting > 0 {
		l.Status = result.Warn
		inspect.SetAdvice(&l, env, "db.act.lock_advice")
	}
	return []result.Result{r, l}
}

func pgCache(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var hit, read float64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(sum(blks_hit),0)::float8, coalesce(sum(blks_read),0)::float8 FROM pg_stat_database`).Scan(&hit, &read); err != nil {
		return dbFail(env, base, "db.q.pg_stat_database", err)
	}
	return cacheResult(env, base, hit, read, "shared_buffers")
}

// cacheResult: buffer cache hit ratio in percent (default warn below 95,
// crit below 90).
func cacheResult(env *inspect.Env, base result.Result, hits, misses float64, bufferName string) []result.Result {
	r := base
	r.Item = "cache-hit"
	r.Status = result.OK
	if hits+misses == 0 {
		inspect.SetMsg(&r, env, "db.cache.no_reads")
		return []result.Result{r}
	}
	pct := hits / (hits + misses) * 100
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = inspect.ParseThresholds("95:", "90:")
	}
	th.Apply(&r, pct, "%")
	r.Metrics = []result.Metric{{Name: "db.cache_hit_pct", Value: pct, Unit: "%"}}
	inspect.SetMsg(&r, env, "db.cache.msg", pct, bufferName)
	if r.Status != result.OK {
		inspect.SetAdvice(&r, env, "db.cache.advice", bufferName)
	}
	return []result.Result{r}
}

func pgThroughput(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	tp, err := inspect.ParamsOf[dbThroughputParams](env.Spec)
	if err != nil {
		return dbFail(env, base, "db.q.playbook", err)
	}
	interval := tp.Interval
	rates, err := dbSample(ctx, interval, func() ([]float64, error) {
		var v float64
		err := db.QueryRowContext(ctx, `SELECT coalesce(sum(xact_commit + xact_rollback),0)::float8 FROM pg_stat_database`).Scan(&v)
		return []float64{v}, err
	})
	if err != nil {
		return dbFail(env, base, "db.q.sample_pg_stat", err)
	}
	tps := rates[0]
	r := base
	r.Item = "throughput"
	r.Status = result.OK
	env.Thresholds.Apply(&r, tps, "tps")
	r.Metrics = []result.Metric{{Name: "db.tps", Value: tps}}
	inspect.SetMsg(&r, env, "db.tp.pg", tps, interval)
	return []result.Result{r}
}

func pgReplication(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var recovery bool
	if err := db.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovery); err != nil {
		return dbFail(env, base, "db.q.recovery_state", err)
	}
	r := base
	r.Item = "replication"
	r.Status = result.OK
	lagWarn, lagCrit := replicationThresholds(env)
	if recovery {
		// Standby: is the WAL receiver streaming, and how far behind is replay?
		var status sql.NullString
		var byteLag, timeLag sql.NullFloat64
		err := db.QueryRowContext(ctx, `SELECT (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
			pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8,
			CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
			     ELSE extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 END`).Scan(&status, &byteLag, &timeLag)
		if err != nil {
			return dbFail(env, base, "db.q.standby_state", err)
		}
		lag := timeLag.Float64
		r.SetValue(lag, "s")
		r.Warn, r.Crit = lagWarn.String(), lagCrit.String()
		r.Metrics = []result.Metric{{Name: "db.replication_lag_s", Value: lag, Unit: "s"}, {Name: "db.replication_lag_bytes", Value: byteLag.Float64, Unit: "B"}}
		switch {
		case !status.Valid || status.String != "streaming":
			r.Status = result.Crit
			inspect.SetMsg(&r, env, "db.repl.pg_not_streaming", dbOrNone(env, status.String))
			inspect.SetAdvice(&r, env, "db.repl.pg_not_streaming_a")
		default:
			r.Status = (inspect.Thresholds{Warn: lagWarn, Crit: lagCrit}).Status(lag)
			inspect.SetMsg(&r, env, "db.repl.pg_standby", dbAge(env, time.Duration(lag)*time.Second), oschecks.HumanBytes(int64(byteLag.Float64)))
			if r.Status != result.OK {
				inspect.SetAdvice(&r, env, "db.repl.pg_standby_lag_a")
			}
		}
		return []result.Result{r}
	}
	rows, err := db.QueryContext(ctx, `SELECT coalesce(application_name,''), coalesce(host(client_addr),'local'), coalesce(state,''), coalesce(sync_state,''),
		coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),0)::float8, coalesce(extract(epoch from replay_lag)::float8, 0)
		FROM pg_stat_replication ORDER BY application_name`)
	if err != nil {
		return dbFail(env, base, "db.q.pg_stat_replication", err)
	}
	defer rows.Close()
	type standby struct {
		name, addr, state, sync string
		bytes, secs             float64
	}
	var standbys []standby
	for rows.Next() {
		var s standby
		if err := rows.Scan(&s.name, &s.addr, &s.state, &s.sync, &s.bytes, &s.secs); err != nil {
			return dbFail(env, base, "db.q.pg_stat_replication", err)
		}
		standbys = append(standbys, s)
	}
	if err := rows.Err(); err != nil {
		return dbFail(env, base, "db.q.pg_stat_replication", err)
	}
	want := 0
	if env.Asset != nil && env.Asset.Database != nil {
		want = env.Asset.Database.Replicas
	}
	streaming := 0
	maxLag, maxBytes := 0.0, 0.0
	var parts []string
	for _, s := range standbys {
		if s.state == "streaming" {
			streaming++
		}
		if s.secs > maxLag {
			maxLag = s.secs
		}
		if s.bytes > maxBytes {
			maxBytes = s.bytes
		}
		parts = append(parts, fmt.Sprintf("%s (%s) %s %s, replay lag %s / %.1fs", dbOrNone(nil, s.name), s.addr, s.state, s.sync, oschecks.HumanBytes(int64(s.bytes)), s.secs))
	}
	r.SetValue(maxLag, "s")
	r.Warn, r.Crit = lagWarn.String(), lagCrit.String()
	r.Metrics = []result.Metric{{Name: "db.standbys_streaming", Value: float64(streaming)}, {Name: "db.replication_lag_s", Value: maxLag, Unit: "s"}, {Name: "db.replication_lag_bytes", Value: maxBytes, Unit: "B"}}
	r.Evidence = strings.Join(parts, "\n")
	switch {
	case want > 0 && streaming < want:
		r.Status = result.Crit
		inspect.SetMsg(&r, env, "db.repl.pg_missing", streaming, want)
		inspect.SetAdvice(&r, env, "db.repl.pg_missing_a")
	case want == 0 && len(standbys) == 0:
		r.Status = result.OK
		inspect.SetMsg(&r, env, "db.repl.pg_no_standby")
	default:
		lagStatus := (inspect.Thresholds{Warn: lagWarn, Crit: lagCrit}).Status(maxLag)
		byteStatus := result.OK
		if maxBytes > 1<<30 {
			byteStatus = result.Crit
		} else if maxBytes > 64<<20 {
			byteStatus = result.Warn
		}
		r.Status = result.Worst(lagStatus, byteStatus)
		inspect.SetMsg(&r, env, "db.repl.pg_primary", streaming, oschecks.HumanBytes(int64(maxBytes)), maxLag)
		if r.Status != result.OK {
			inspect.SetAdvice(&r, env, "db.repl.pg_primary_lag_a")
		}
	}
	return []result.Result{r}
}

// replicationThresholds: lag in seconds, default warn 60, crit 300.
func replicationThresholds(env *inspect.Env) (*inspect.Range, *inspect.Range) {
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = inspect.ParseThresholds("~:60", "~:300")
	}
	return th.Warn, th.Crit
}

func pgSize(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := db.QueryContext(ctx, `SELECT datname, pg_database_size(datname)::float8 FROM pg_database WHERE datallowconn ORDER BY 2 DESC`)
	if err != nil {
		return dbFail(env, base, "db.q.database_sizes", err)
	}
	defer rows.Close()
	var sizes []dbNamedSize
	for rows.Next() {
		var s dbNamedSize
		if err := rows.Scan(&s.Name, &s.Bytes); err != nil {
			return dbFail(env, base, "db.q.database_sizes", err)
		}
		sizes = append(sizes, s)
	}
	if err := rows.Err(); err != nil {
		return dbFail(env, base, "db.q.database_sizes", err)
	}
	var tables []dbNamedSize
	trows, err := db.QueryContext(ctx, `SELECT schemaname || '.' || relname, pg_total_relation_size(relid)::float8 FROM pg_stat_user_tables ORDER BY 2 DESC LIMIT 5`)
	if err == nil {
		for trows.Next() {
			var s dbNamedSize
			if trows.Scan(&s.Name, &s.Bytes) == nil {
				tables = append(tables, s)
			}
		}
		trows.Close()
	}
	return sizeResults(env, base, sizes, tables)
}

type dbNamedSize struct {
	Name  string
	Bytes float64
}

// sizeResults: one result per database with its size in bytes (metric
// db.size_bytes, item = database) for growth trends; thresholds, when set,
// apply to the size in GiB.
func sizeResults(env *inspect.Env, base result.Result, sizes, tables []dbNamedSize) []result.Result {
	var rs []result.Result
	var tl []string
	for _, t := range tables {
		tl = append(tl, fmt.Sprintf("%s %s", t.Name, oschecks.HumanBytes(int64(t.Bytes))))
	}
	for _, s := range sizes {
		r := base
		r.Item = s.Name
		r.Status = result.OK
		env.Thresholds.Apply(&r, s.Bytes/(1<<30), "GiB")
		r.Metrics = []result.Metric{{Name: "db.size_bytes", Value: s.Bytes, Unit: "B"}}
		inspect.SetMsg(&r, env, "db.size.msg", s.Name, oschecks.HumanBytes(int64(s.Bytes)))
		rs = append(rs, r)
	}
	if len(rs) > 0 && len(tl) > 0 {
		rs[0].Evidence = "largest tables: " + strings.Join(tl, ", ")
	}
	return rs
}

func pgBackupSignals(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var mode string
	var archived, failed int64
	var lastOK, lastFail sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT current_setting('archive_mode'), archived_count, failed_count, last_archived_time, last_failed_time FROM pg_stat_archiver`).
		Scan(&mode, &archived, &failed, &lastOK, &lastFail)
	if err != nil {
		return dbFail(env, base, "db.q.pg_stat_archiver", err)
	}
	r := base
	r.Item = "wal-archive"
	r.Status = result.OK
	r.Metrics = []result.Metric{{Name: "db.archive_failed_total", Value: float64(failed)}}
	switch {
	case mode == "off":
		r.Status = result.Warn
		inspect.SetMsg(&r, env, "db.backup.pg_off")
		inspect.SetAdvice(&r, env, "db.backup.pg_off_a")
	case lastFail.Valid && (!lastOK.Valid || lastFail.Time.After(lastOK.Time)):
		r.Status = result.Crit
		inspect.SetMsg(&r, env, "db.backup.pg_failing", lastFail.Time.Format("2006-01-02 15:04"), dbFmtTime(env, lastOK), failed)
		inspect.SetAdvice(&r, env, "db.backup.pg_failing_a")
	default:
		inspect.SetMsg(&r, env, "db.backup.pg_ok", archived, dbFmtTime(env, lastOK))
	}
	return []result.Result{r}
}

func pgSecurity(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var rs []result.Result
	// Superusers, and login roles without a password (needs superuser to
	// read pg_authid; otherwise only names from pg_roles).
	type role struct {
		name        string
		super, nopw bool
	}
	var roles []role
	canReadAuthid := true
	rows, err := db.QueryContext(ctx, `SELECT rolname, rolsuper, rolpassword IS NULL FROM pg_authid WHERE rolcanlogin ORDER BY rolname`)
	if err != nil {
		canReadAuthid = false
		rows, err = db.QueryContext(ctx, `SELECT rolname, rolsuper, false FROM pg_roles WHERE rolcanlogin ORDER BY rolname`)
		if err != nil {
			return dbFail(env, base, "db.q.roles", err)
		}
	}
	for rows.Next() {
		var x role
		if err := rows.Scan(&x.name, &x.super, &x.nopw); err != nil {
			rows.Close()
			return dbFail(env, base, "db.q.roles", err)
		}
		roles = append(roles, x)
	}
	rows.Close()
	allowed := map[string]bool{"postgres": true}
	if sp, err := inspect.ParamsOf[dbSecurityParams](env.Spec); err == nil {
		for _, n := range sp.AllowedSuperusers {
			allowed[n] = true
		}
	}
	var supers, superNoPw, extraSupers []string
	for _, x := range roles {
		if x.super {
			supers = append(supers, x.name)
			if x.nopw {
				superNoPw = append(superNoPw, x.name)
			}
			if !allowed[x.name] {
				extraSupers = append(extraSupers, x.name)
			}
		}
	}
	acc := base
	acc.Item = "accounts"
	acc.Status = result.OK
	inspect.SetMsg(&acc, env, "db.sec.pg_accounts", len(roles), dbList(env, supers))
	// trust authentication over the network makes a password moot; a
	// superuser without one is still a finding (DB4)
	trustRules := pgTrustRules(ctx, env, db)
	switch {
	case len(superNoPw) > 0 && len(trustRules) > 0:
		acc.Status = result.Crit
		inspect.SetMsg(&acc, env, "db.sec.pg_super_nopw_trust", dbList(env, superNoPw), dbJoin(env, trustRules))
	case len(superNoPw) > 0:
		acc.Status = result.Crit
		inspect.SetMsg(&acc, env, "db.sec.pg_super_nopw", dbList(env, superNoPw))
	case len(extraSupers) > 0:
		acc.Status = result.Warn
		inspect.SetMsg(&acc, env, "db.sec.pg_extra_super", dbList(env, extraSupers))
	}
	if acc.Status != result.OK {
		inspect.SetAdvice(&acc, env, "db.sec.pg_accounts_a")
	}
	if !canReadAuthid {
		inspect.AddMsg(&acc, env, "db.sec.pg_no_authid")
	}
	rs = append(rs, acc)

	// Settings baseline.
	settings := map[string]string{}
	srows, err := db.QueryContext(ctx, `SELECT name, setting FROM pg_settings WHERE name IN ('ssl','password_encryption','log_connections','log_disconnections','log_min_duration_statement')`)
	if err == nil {
		for srows.Next() {
			var k, v string
			if srows.Scan(&k, &v) == nil {
				settings[k] = v
			}
		}
		srows.Close()
	}
	cfg := base
	cfg.Item = "settings"
	cfg.Status = result.OK
	var issues []i18n.Sub
	if settings["ssl"] == "off" {
		issues = append(issues, i18n.S("db.sec.pg_ssl_off"))
	}
	if settings["password_encryption"] == "md5" {
		issues = append(issues, i18n.S("db.sec.pg_md5"))
	}
	if settings["log_connections"] == "off" {
		issues = append(issues, i18n.S("db.sec.pg_no_log_conn"))
	}
	if len(trustRules) > 0 && len(superNoPw) == 0 {
		issues = append(issues, i18n.S("db.sec.pg_trust", dbJoin(env, trustRules)))
	}
	if len(issues) > 0 {
		cfg.Status = result.Warn
		inspect.SetMsg(&cfg, env, i18n.ConcatCode, dbJoin(env, issues))
		inspect.SetAdvice(&cfg, env, "db.sec.pg_settings_a")
	} else {
		inspect.SetMsg(&cfg, env, "db.sec.pg_settings_ok")
	}
	return append(rs, cfg)
}

// pgTrustRules lists pg_hba.conf lines that let network connections in
// without a password (PostgreSQL 10+, needs superuser; empty otherwise).
func pgTrustRules(ctx context.Context, env *inspect.Env, db *sql.DB) []i18n.Sub {
	rows, err := db.QueryContext(ctx, `SELECT line_number, type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address,'')
		FROM pg_hba_file_rules WHERE auth_method = 'trust' AND type <> 'local' ORDER BY line_number`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []i18n.Sub
	for rows.Next() {
		var line int
		var typ, dbs, users, addr string
		if rows.Scan(&line, &typ, &dbs, &users, &addr) == nil {
			out = append(out, i18n.S("db.sec.pg_trust_rule", line, typ, dbs, users, addr))
		}
	}
	return out
}

// dbOrNone returns s, or "none" in env's language when s is empty.
func dbOrNone(env *inspect.Env, s string) any {
	if s == "" {
		return i18n.S("db.none")
	}
	return s
}

// dbFmtTime writes t to the minute, or "never" in env's language.
func dbFmtTime(env *inspect.Env, t sql.NullTime) any {
	if !t.Valid {
		return i18n.S("db.never")
	}
	return t.Time.Format("2006-01-02 15:04")
}

// dbCompareVersions compares dotted numeric versions ("10.11.6-MariaDB",
// "15.4 (Debian 15.4-1)"): -1, 0 or 1. Non-numeric suffixes are ignored.
func dbCompareVersions(a, b string) int {
	pa, pb := dbVersionParts(a), dbVersionParts(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

func dbVersionParts(v string) []int {
	v = strings.TrimSpace(v)
	end := 0
	for end < len(v) && (v[end] >= '0' && v[end] <= '9' || v[end] == '.') {
		end++
	}
	var parts []int
	for _, p := range strings.Split(strings.Trim(v[:end], "."), ".") {
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		parts = append(parts, n)
	}
	return parts
}
