package inspect

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// PostgreSQL probes of the db-* check types (see check_db.go). They need
// the pg_monitor role (or a superuser) for complete answers; the security
// probe reads pg_authid, which needs superuser, and says so when it cannot.

func pgStatus(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	var version string
	var num int
	var uptime float64
	var recovery bool
	err := db.QueryRowContext(ctx, `SELECT current_setting('server_version'), current_setting('server_version_num')::int,
		extract(epoch from now() - pg_postmaster_start_time())::float8, pg_is_in_recovery()`).Scan(&version, &num, &uptime, &recovery)
	if err != nil {
		return dbFail(base, "read server status", err)
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
func statusResult(env *Env, base result.Result, product, version string, uptime float64, role string) []result.Result {
	r := base
	r.Status = result.OK
	r.Item = "status"
	r.SetValue(uptime, "s")
	r.Metrics = []result.Metric{{Name: "db.uptime_s", Value: uptime, Unit: "s"}}
	var notes []string
	minV, err := paramString(env.Spec, "min_version", "")
	if err != nil {
		return dbFail(base, "playbook", err)
	}
	if minV != "" && dbCompareVersions(version, minV) < 0 {
		r.Status = result.Worst(r.Status, result.Warn)
		notes = append(notes, fmt.Sprintf("version %s is below the required minimum %s", version, minV))
		r.Advice = fmt.Sprintf("plan a minor-version upgrade to %s or later in a maintenance window (security and bug fixes; DB3)", minV)
	}
	started := env.Now.Add(-time.Duration(uptime * float64(time.Second)))
	if !env.Since.IsZero() && started.After(env.Since) {
		r.Status = result.Worst(r.Status, result.Warn)
		notes = append(notes, "restarted at "+started.Format("2006-01-02 15:04")+" since the last inspection")
		if r.Advice == "" {
			r.Advice = "find out why the instance restarted (server log, OOM killer, operator action) and record it"
		}
	}
	if env.Asset != nil && env.Asset.Database != nil && env.Asset.Database.Role != "" && !strings.EqualFold(env.Asset.Database.Role, role) {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, fmt.Sprintf("role is %s, the inventory expects %s (failover?)", role, env.Asset.Database.Role))
		r.Advice = "confirm whether a failover happened; update the inventory or fail back, and check that applications write to the primary"
	}
	r.Message = fmt.Sprintf("%s, %s, up %s", product, role, humanAge(time.Duration(uptime)*time.Second))
	if len(notes) > 0 {
		r.Message += "; " + strings.Join(notes, "; ")
	}
	return []result.Result{r}
}

func pgConnections(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	var used, maxConn, reserved int
	err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
		current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int`).Scan(&used, &maxConn, &reserved)
	if err != nil {
		return dbFail(base, "count connections", err)
	}
	return connectionsResult(env, base, used, maxConn-reserved, "max_connections − superuser_reserved_connections")
}

func connectionsResult(env *Env, base result.Result, used, limit int, limitName string) []result.Result {
	r := base
	r.Item = "connections"
	r.Status = result.OK
	pct := 0.0
	if limit > 0 {
		pct = float64(used) / float64(limit) * 100
	}
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = ParseThresholds("~:80", "~:90")
	}
	th.Apply(&r, pct, "%")
	r.Metrics = []result.Metric{{Name: "db.connections", Value: float64(used)}, {Name: "db.connections_pct", Value: pct, Unit: "%"}}
	r.Message = fmt.Sprintf("%d of %d connections in use (%.0f%%; limit = %s)", used, limit, pct, limitName)
	if r.Status != result.OK {
		r.Advice = "find who holds the connections (by application and client address) and fix leaks or add a connection pool; raise the limit only with memory to back it"
	}
	return []result.Result{r}
}

func pgActivity(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := db.QueryContext(ctx, `SELECT pid, coalesce(usename,''), coalesce(datname,''), coalesce(state,''),
		coalesce(extract(epoch from now() - xact_start)::float8, 0), coalesce(extract(epoch from now() - query_start)::float8, 0),
		left(regexp_replace(coalesce(query,''), '\s+', ' ', 'g'), 160)
		FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
		ORDER BY xact_start LIMIT 20`)
	if err != nil {
		return dbFail(base, "read pg_stat_activity", err)
	}
	defer rows.Close()
	var acts []dbActivity
	for rows.Next() {
		var a dbActivity
		var pid int
		if err := rows.Scan(&pid, &a.User, &a.DB, &a.State, &a.XactSecs, &a.QuerySecs, &a.Query); err != nil {
			return dbFail(base, "read pg_stat_activity", err)
		}
		a.ID = fmt.Sprint(pid)
		acts = append(acts, a)
	}
	if err := rows.Err(); err != nil {
		return dbFail(base, "read pg_stat_activity", err)
	}
	var waiting, deadlocks float64
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_locks WHERE NOT granted)::float8,
		(SELECT coalesce(sum(deadlocks),0) FROM pg_stat_database)::float8`).Scan(&waiting, &deadlocks); err != nil {
		return dbFail(base, "read pg_locks", err)
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
func activityResults(env *Env, base result.Result, acts []dbActivity, waiting, deadlocks float64, killHint string) []result.Result {
	r := base
	r.Item = "long-transactions"
	r.Status = result.OK
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = ParseThresholds("~:300", "~:1800")
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
		r.Message = "no open transactions"
	} else {
		r.Message = fmt.Sprintf("oldest open transaction %s old (session %s, user %s, db %s, %s)", humanAge(time.Duration(oldest.XactSecs)*time.Second), oldest.ID, oldest.User, oldest.DB, oldest.State)
	}
	if r.Status != result.OK {
		var ev []string
		for _, a := range acts {
			ev = append(ev, fmt.Sprintf("%s %s@%s %s xact %.0fs query %.0fs: %s", a.ID, a.User, a.DB, a.State, a.XactSecs, a.QuerySecs, a.Query))
		}
		r.Evidence = strings.Join(ev, "\n")
		r.Advice = fmt.Sprintf("ask the owner of session %s what it is doing; a long transaction holds locks and blocks cleanup (vacuum/purge). End it if it is stuck: %s", oldest.ID, strings.ReplaceAll(killHint, "PID", oldest.ID))
	}

	l := base
	l.Item = "locks"
	l.Status = result.OK
	l.SetValue(waiting, "sessions")
	l.Metrics = []result.Metric{{Name: "db.lock_waits", Value: waiting}, {Name: "db.deadlocks_total", Value: deadlocks}}
	l.Message = fmt.Sprintf("%.0f session(s) waiting for a lock; %.0f deadlocks since statistics reset", waiting, deadlocks)
	if waiting > 0 {
		l.Status = result.Warn
		l.Advice = "find the blocking session (the oldest transaction above is the usual culprit) and end it or let it commit"
	}
	return []result.Result{r, l}
}

func pgCache(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	var hit, read float64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(sum(blks_hit),0)::float8, coalesce(sum(blks_read),0)::float8 FROM pg_stat_database`).Scan(&hit, &read); err != nil {
		return dbFail(base, "read pg_stat_database", err)
	}
	return cacheResult(env, base, hit, read, "shared_buffers")
}

// cacheResult: buffer cache hit ratio in percent (default warn below 95,
// crit below 90).
func cacheResult(env *Env, base result.Result, hits, misses float64, bufferName string) []result.Result {
	r := base
	r.Item = "cache-hit"
	r.Status = result.OK
	if hits+misses == 0 {
		r.Message = "no reads yet: cache hit ratio not meaningful"
		return []result.Result{r}
	}
	pct := hits / (hits + misses) * 100
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = ParseThresholds("95:", "90:")
	}
	th.Apply(&r, pct, "%")
	r.Metrics = []result.Metric{{Name: "db.cache_hit_pct", Value: pct, Unit: "%"}}
	r.Message = fmt.Sprintf("cache hit ratio %.2f%% (%s)", pct, bufferName)
	if r.Status != result.OK {
		r.Advice = fmt.Sprintf("most reads go to disk: review the largest queries (slow log / pg_stat_statements) and indexes, and size %s to the working set if memory allows", bufferName)
	}
	return []result.Result{r}
}

func pgThroughput(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	interval, err := paramDuration(env.Spec, "interval", time.Second)
	if err != nil {
		return dbFail(base, "playbook", err)
	}
	rates, err := dbSample(ctx, interval, func() ([]float64, error) {
		var v float64
		err := db.QueryRowContext(ctx, `SELECT coalesce(sum(xact_commit + xact_rollback),0)::float8 FROM pg_stat_database`).Scan(&v)
		return []float64{v}, err
	})
	if err != nil {
		return dbFail(base, "sample pg_stat_database", err)
	}
	tps := rates[0]
	r := base
	r.Item = "throughput"
	r.Status = result.OK
	env.Thresholds.Apply(&r, tps, "tps")
	r.Metrics = []result.Metric{{Name: "db.tps", Value: tps}}
	r.Message = fmt.Sprintf("%.1f transactions/s over %s", tps, interval)
	return []result.Result{r}
}

func pgReplication(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	var recovery bool
	if err := db.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovery); err != nil {
		return dbFail(base, "read recovery state", err)
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
			return dbFail(base, "read standby state", err)
		}
		lag := timeLag.Float64
		r.SetValue(lag, "s")
		r.Warn, r.Crit = lagWarn.String(), lagCrit.String()
		r.Metrics = []result.Metric{{Name: "db.replication_lag_s", Value: lag, Unit: "s"}, {Name: "db.replication_lag_bytes", Value: byteLag.Float64, Unit: "B"}}
		switch {
		case !status.Valid || status.String != "streaming":
			r.Status = result.Crit
			r.Message = fmt.Sprintf("standby is not streaming from its primary (WAL receiver: %s)", dbOrNone(status.String))
			r.Advice = "check primary_conninfo, the network to the primary and the primary's log; if the primary recycled the WAL this standby needs, rebuild it with pg_basebackup"
		default:
			r.Status = (Thresholds{Warn: lagWarn, Crit: lagCrit}).Status(lag)
			r.Message = fmt.Sprintf("standby streaming, replay %s behind (%s not yet replayed)", humanAge(time.Duration(lag)*time.Second), humanBytes(int64(byteLag.Float64)))
			if r.Status != result.OK {
				r.Advice = "replay is falling behind: check the standby's I/O and whether replay is paused (SELECT pg_is_wal_replay_paused()); long queries on the standby can also hold replay"
			}
		}
		return []result.Result{r}
	}
	rows, err := db.QueryContext(ctx, `SELECT coalesce(application_name,''), coalesce(host(client_addr),'local'), coalesce(state,''), coalesce(sync_state,''),
		coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),0)::float8, coalesce(extract(epoch from replay_lag)::float8, 0)
		FROM pg_stat_replication ORDER BY application_name`)
	if err != nil {
		return dbFail(base, "read pg_stat_replication", err)
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
			return dbFail(base, "read pg_stat_replication", err)
		}
		standbys = append(standbys, s)
	}
	if err := rows.Err(); err != nil {
		return dbFail(base, "read pg_stat_replication", err)
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
		parts = append(parts, fmt.Sprintf("%s (%s) %s %s, replay lag %s / %.1fs", dbOrNone(s.name), s.addr, s.state, s.sync, humanBytes(int64(s.bytes)), s.secs))
	}
	r.SetValue(maxLag, "s")
	r.Warn, r.Crit = lagWarn.String(), lagCrit.String()
	r.Metrics = []result.Metric{{Name: "db.standbys_streaming", Value: float64(streaming)}, {Name: "db.replication_lag_s", Value: maxLag, Unit: "s"}, {Name: "db.replication_lag_bytes", Value: maxBytes, Unit: "B"}}
	r.Evidence = strings.Join(parts, "\n")
	switch {
	case want > 0 && streaming < want:
		r.Status = result.Crit
		r.Message = fmt.Sprintf("primary: %d of %d expected standbys streaming", streaming, want)
		r.Advice = "a standby is down or disconnected: the instance has no disaster-recovery copy until it streams again — check the standby's service and log"
	case want == 0 && len(standbys) == 0:
		r.Status = result.OK
		r.Message = "primary without standbys (none expected by the inventory)"
	default:
		lagStatus := (Thresholds{Warn: lagWarn, Crit: lagCrit}).Status(maxLag)
		byteStatus := result.OK
		if maxBytes > 1<<30 {
			byteStatus = result.Crit
		} else if maxBytes > 64<<20 {
			byteStatus = result.Warn
		}
		r.Status = result.Worst(lagStatus, byteStatus)
		r.Message = fmt.Sprintf("primary: %d standby(s) streaming, largest replay lag %s / %.1fs", streaming, humanBytes(int64(maxBytes)), maxLag)
		if r.Status != result.OK {
			r.Advice = "a standby is falling behind: check its I/O, the network, and whether replay is paused on it"
		}
	}
	return []result.Result{r}
}

// replicationThresholds: lag in seconds, default warn 60, crit 300.
func replicationThresholds(env *Env) (*Range, *Range) {
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = ParseThresholds("~:60", "~:300")
	}
	return th.Warn, th.Crit
}

func pgSize(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := db.QueryContext(ctx, `SELECT datname, pg_database_size(datname)::float8 FROM pg_database WHERE datallowconn ORDER BY 2 DESC`)
	if err != nil {
		return dbFail(base, "read database sizes", err)
	}
	defer rows.Close()
	var sizes []dbNamedSize
	for rows.Next() {
		var s dbNamedSize
		if err := rows.Scan(&s.Name, &s.Bytes); err != nil {
			return dbFail(base, "read database sizes", err)
		}
		sizes = append(sizes, s)
	}
	if err := rows.Err(); err != nil {
		return dbFail(base, "read database sizes", err)
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
func sizeResults(env *Env, base result.Result, sizes, tables []dbNamedSize) []result.Result {
	var rs []result.Result
	var tl []string
	for _, t := range tables {
		tl = append(tl, fmt.Sprintf("%s %s", t.Name, humanBytes(int64(t.Bytes))))
	}
	for _, s := range sizes {
		r := base
		r.Item = s.Name
		r.Status = result.OK
		env.Thresholds.Apply(&r, s.Bytes/(1<<30), "GiB")
		r.Metrics = []result.Metric{{Name: "db.size_bytes", Value: s.Bytes, Unit: "B"}}
		r.Message = fmt.Sprintf("database %s: %s", s.Name, humanBytes(int64(s.Bytes)))
		rs = append(rs, r)
	}
	if len(rs) > 0 && len(tl) > 0 {
		rs[0].Evidence = "largest tables: " + strings.Join(tl, ", ")
	}
	return rs
}

func pgBackupSignals(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
	var mode string
	var archived, failed int64
	var lastOK, lastFail sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT current_setting('archive_mode'), archived_count, failed_count, last_archived_time, last_failed_time FROM pg_stat_archiver`).
		Scan(&mode, &archived, &failed, &lastOK, &lastFail)
	if err != nil {
		return dbFail(base, "read pg_stat_archiver", err)
	}
	r := base
	r.Item = "wal-archive"
	r.Status = result.OK
	r.Metrics = []result.Metric{{Name: "db.archive_failed_total", Value: float64(failed)}}
	switch {
	case mode == "off":
		r.Status = result.Warn
		r.Message = "WAL archiving is off: point-in-time recovery is not possible from this instance"
		r.Advice = "if the backup policy promises point-in-time recovery (BK4), enable archive_mode and archive_command (or the backup tool's WAL archiving)"
	case lastFail.Valid && (!lastOK.Valid || lastFail.Time.After(lastOK.Time)):
		r.Status = result.Crit
		r.Message = fmt.Sprintf("WAL archiving is failing: last failure %s, last success %s (%d failures in total)", lastFail.Time.Format("2006-01-02 15:04"), dbFmtTime(lastOK), failed)
		r.Advice = "fix archive_command (see the server log for its error); until then WAL accumulates in pg_wal and point-in-time recovery has a gap"
	default:
		r.Message = fmt.Sprintf("WAL archiving on: %d segments archived, last %s", archived, dbFmtTime(lastOK))
	}
	return []result.Result{r}
}

func pgSecurity(ctx context.Context, env *Env, db *sql.DB, base result.Result) []result.Result {
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
			return dbFail(base, "read roles", err)
		}
	}
	for rows.Next() {
		var x role
		if err := rows.Scan(&x.name, &x.super, &x.nopw); err != nil {
			rows.Close()
			return dbFail(base, "read roles", err)
		}
		roles = append(roles, x)
	}
	rows.Close()
	allowed := map[string]bool{"postgres": true}
	if extra, err := paramStrings(env.Spec, "allowed_superusers"); err == nil {
		for _, n := range extra {
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
	acc.Message = fmt.Sprintf("%d login role(s), superusers: %s", len(roles), strings.Join(supers, ", "))
	// trust authentication over the network makes a password moot; a
	// superuser without one is still a finding (DB4)
	trustRules := pgTrustRules(ctx, db)
	switch {
	case len(superNoPw) > 0 && len(trustRules) > 0:
		acc.Status = result.Crit
		acc.Message = fmt.Sprintf("superuser(s) without a password: %s, and pg_hba.conf trusts network connections (%s)", strings.Join(superNoPw, ", "), strings.Join(trustRules, "; "))
	case len(superNoPw) > 0:
		acc.Status = result.Crit
		acc.Message = fmt.Sprintf("superuser(s) without a password: %s", strings.Join(superNoPw, ", "))
	case len(extraSupers) > 0:
		acc.Status = result.Warn
		acc.Message = fmt.Sprintf("superusers besides postgres: %s", strings.Join(extraSupers, ", "))
	}
	if acc.Status != result.OK {
		acc.Advice = "give every superuser a strong password (ALTER ROLE name PASSWORD ...), remove SUPERUSER from application accounts (ALTER ROLE name NOSUPERUSER), and replace trust with scram-sha-256 in pg_hba.conf"
	}
	if !canReadAuthid {
		acc.Message += " (passwords not checked: the monitoring account cannot read pg_authid)"
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
	var issues []string
	if settings["ssl"] == "off" {
		issues = append(issues, "ssl is off (connections are not encrypted)")
	}
	if settings["password_encryption"] == "md5" {
		issues = append(issues, "password_encryption is md5 (use scram-sha-256)")
	}
	if settings["log_connections"] == "off" {
		issues = append(issues, "log_connections is off (logins are not audited)")
	}
	if len(trustRules) > 0 && len(superNoPw) == 0 {
		issues = append(issues, "pg_hba.conf trusts network connections: "+strings.Join(trustRules, "; "))
	}
	if len(issues) > 0 {
		cfg.Status = result.Warn
		cfg.Message = strings.Join(issues, "; ")
		cfg.Advice = "harden per the security baseline (等保 2.0): ssl = on, password_encryption = scram-sha-256, log_connections = on, no trust entries for network connections"
	} else {
		cfg.Message = "ssl, password encryption and connection logging as the baseline expects"
	}
	return append(rs, cfg)
}

// pgTrustRules lists pg_hba.conf lines that let network connections in
// without a password (PostgreSQL 10+, needs superuser; empty otherwise).
func pgTrustRules(ctx context.Context, db *sql.DB) []string {
	rows, err := db.QueryContext(ctx, `SELECT line_number, type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address,'')
		FROM pg_hba_file_rules WHERE auth_method = 'trust' AND type <> 'local' ORDER BY line_number`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line int
		var typ, dbs, users, addr string
		if rows.Scan(&line, &typ, &dbs, &users, &addr) == nil {
			out = append(out, fmt.Sprintf("line %d: %s %s %s %s trust", line, typ, dbs, users, addr))
		}
	}
	return out
}

func dbOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func dbFmtTime(t sql.NullTime) string {
	if !t.Valid {
		return "never"
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
