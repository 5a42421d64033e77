package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// MySQL and MariaDB probes of the db-* check types (see check_db.go). The
// monitoring account needs PROCESS, REPLICATION CLIENT and SELECT on the
// mysql schema for complete answers.

func myStatusCheck(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	var version string
	if err := db.QueryRowContext(ctx, `SELECT VERSION()`).Scan(&version); err != nil {
		return dbFail(env, base, "db.q.version", err)
	}
	st, err := myStatus(ctx, db, "Uptime")
	if err != nil {
		return dbFail(env, base, "db.q.status", err)
	}
	role := "primary"
	if reps, err := myReplicaStatus(ctx, db); err == nil && len(reps) > 0 {
		role = "standby"
	}
	product := "MySQL " + version
	if strings.Contains(strings.ToLower(version), "mariadb") {
		product = "MariaDB " + strings.SplitN(version, "-MariaDB", 2)[0]
	}
	return statusResult(env, base, product, version, dbAtof(st["uptime"]), role)
}

func myConnections(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	st, err := myStatus(ctx, db, "Threads_connected")
	if err != nil {
		return dbFail(env, base, "db.q.status", err)
	}
	vars, err := myVariables(ctx, db, "max_connections")
	if err != nil {
		return dbFail(env, base, "db.q.variables", err)
	}
	return connectionsResult(env, base, int(dbAtof(st["threads_connected"])), int(dbAtof(vars["max_connections"])), "max_connections")
}

func myActivity(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := db.QueryContext(ctx, `SELECT t.trx_mysql_thread_id, COALESCE(p.USER,''), COALESCE(p.DB,''), COALESCE(p.COMMAND,''),
		TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), COALESCE(p.TIME,0), LEFT(COALESCE(t.trx_query, p.INFO, ''), 160)
		FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
		ORDER BY t.trx_started LIMIT 20`)
	if err != nil {
		return dbFail(env, base, "db.q.innodb_trx", err)
	}
	var acts []dbActivity
	for rows.Next() {
		var a dbActivity
		var id int64
		var xact, q float64
		if err := rows.Scan(&id, &a.User, &a.DB, &a.State, &xact, &q, &a.Query); err != nil {
			rows.Close()
			return dbFail(env, base, "db.q.innodb_trx", err)
		}
		a.ID, a.XactSecs, a.QuerySecs = fmt.Sprint(id), xact, q
		if a.State == "Sleep" {
			a.State = "idle in transaction"
		}
		acts = append(acts, a)
	}
	rows.Close()
	// Long statements outside InnoDB transactions (DDL, MyISAM) count too.
	prow, err := db.QueryContext(ctx, `SELECT ID, USER, COALESCE(DB,''), COMMAND, TIME, LEFT(COALESCE(INFO,''),160) FROM information_schema.PROCESSLIST
		WHERE COMMAND NOT IN ('Sleep','Daemon','Binlog Dump','Binlog Dump GTID','Slave_IO','Slave_SQL','Slave_worker') AND ID <> CONNECTION_ID() AND USER <> 'system user'
		ORDER BY TIME DESC LIMIT 5`)
	if err == nil {
		for prow.Next() {
			var a dbActivity
			var id int64
			if prow.Scan(&id, &a.User, &a.DB, &a.State, &a.QuerySecs, &a.Query) == nil {
				a.ID, a.XactSecs = fmt.Sprint(id), a.QuerySecs
				dup := false
				for _, b := range acts {
					dup = dup || b.ID == a.ID
				}
				if !dup {
					acts = append(acts, a)
				}
			}
		}
		prow.Close()
	}
	var waits float64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS`).Scan(&waits); err != nil {
		// MySQL 8 moved lock waits to performance_schema.
		if err2 := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM performance_schema.data_lock_waits`).Scan(&waits); err2 != nil {
			return dbFail(env, base, "db.q.lock_waits", err)
		}
	}
	st, _ := myStatus(ctx, db, "Innodb_deadlocks")
	return activityResults(env, base, acts, waits, dbAtof(st["innodb_deadlocks"]), "KILL PID")
}

func myCache(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	st, err := myStatus(ctx, db, "Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads")
	if err != nil {
		return dbFail(env, base, "db.q.status", err)
	}
	req, reads := dbAtof(st["innodb_buffer_pool_read_requests"]), dbAtof(st["innodb_buffer_pool_reads"])
	return cacheResult(env, base, req-reads, reads, "innodb_buffer_pool_size")
}

func myThroughput(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	tp, err := inspect.ParamsOf[dbThroughputParams](env.Spec)
	if err != nil {
		return dbFail(env, base, "db.q.playbook", err)
	}
	interval := tp.Interval
	rates, err := dbSample(ctx, interval, func() ([]float64, error) {
		st, err := myStatus(ctx, db, "Questions", "Com_commit", "Com_rollback")
		if err != nil {
			return nil, err
		}
		return []float64{dbAtof(st["questions"]), dbAtof(st["com_commit"]) + dbAtof(st["com_rollback"])}, nil
	})
	if err != nil {
		return dbFail(env, base, "db.q.sample_status", err)
	}
	qps, tps := rates[0], rates[1]
	r := base
	r.Item = "throughput"
	r.Status = result.OK
	env.Thresholds.Apply(&r, qps, "qps")
	r.Metrics = []result.Metric{{Name: "db.qps", Value: qps}, {Name: "db.tps", Value: tps}}
	inspect.SetMsg(&r, env, "db.tp.my", qps, tps, interval)
	return []result.Result{r}
}

// myReplicaStatus reads SHOW REPLICA STATUS (MySQL 8.0.22+, MariaDB 10.5+)
// or SHOW SLAVE STATUS, one row per replication channel.
func myReplicaStatus(ctx context.Context, db *sql.DB) ([]map[string]string, error) {
	rows, err := dbRowsMap(ctx, db, "SHOW REPLICA STATUS")
	if err != nil {
		rows, err = dbRowsMap(ctx, db, "SHOW SLAVE STATUS")
	}
	return rows, err
}

func myReplication(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	reps, err := myReplicaStatus(ctx, db)
	if err != nil {
		return dbFail(env, base, "db.q.replica_status", err)
	}
	lagWarn, lagCrit := replicationThresholds(env)
	r := base
	r.Item = "replication"
	r.Status = result.OK
	if len(reps) > 0 {
		var msgs []i18n.Sub
		broken := false
		maxLag := 0.0
		for _, m := range reps {
			io := dbFirst(m, "Replica_IO_Running", "Slave_IO_Running")
			sqlT := dbFirst(m, "Replica_SQL_Running", "Slave_SQL_Running")
			lagText := dbFirst(m, "Seconds_Behind_Source", "Seconds_Behind_Master")
			src := dbFirst(m, "Source_Host", "Master_Host") + ":" + dbFirst(m, "Source_Port", "Master_Port")
			ch := dbFirst(m, "Channel_Name", "Connection_name")
			if ch != "" {
				ch = " [" + ch + "]"
			}
			if io != "Yes" || sqlT != "Yes" {
				r.Status = result.Crit
				broken = true
				errText := strings.TrimSpace(dbFirst(m, "Last_IO_Error") + " " + dbFirst(m, "Last_SQL_Error"))
				msgs = append(msgs, i18n.S("db.repl.my_broken", src, ch, dbOrDash(io), dbOrDash(sqlT), dbPrefixIf(env, errText)))
				continue
			}
			lag := dbAtof(lagText)
			if lag > maxLag {
				maxLag = lag
			}
			msgs = append(msgs, i18n.S("db.repl.my_running", src, ch, dbAge(env, time.Duration(lag)*time.Second)))
		}
		r.SetValue(maxLag, "s")
		r.Warn, r.Crit = lagWarn.String(), lagCrit.String()
		r.Metrics = []result.Metric{{Name: "db.replication_lag_s", Value: maxLag, Unit: "s"}}
		if r.Status == result.OK {
			r.Status = (inspect.Thresholds{Warn: lagWarn, Crit: lagCrit}).Status(maxLag)
		}
		inspect.SetMsg(&r, env, i18n.ConcatCode, dbJoin(env, msgs))
		switch {
		case broken:
			inspect.SetAdvice(&r, env, "db.repl.my_broken_a")
		case r.Status != result.OK:
			inspect.SetAdvice(&r, env, "db.repl.my_lag_a")
		}
		return []result.Result{r}
	}
	// A primary: count connected replicas (binlog dump threads).
	var dumps float64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND IN ('Binlog Dump','Binlog Dump GTID')`).Scan(&dumps); err != nil {
		return dbFail(env, base, "db.q.processlist", err)
	}
	want := 0
	if env.Asset != nil && env.Asset.Database != nil {
		want = env.Asset.Database.Replicas
	}
	r.SetValue(dumps, "replicas")
	r.Metrics = []result.Metric{{Name: "db.replicas_connected", Value: dumps}}
	switch {
	case want > 0 && int(dumps) < want:
		r.Status = result.Crit
		inspect.SetMsg(&r, env, "db.repl.my_missing", dumps, want)
		inspect.SetAdvice(&r, env, "db.repl.my_missing_a")
	default:
		inspect.SetMsg(&r, env, "db.repl.my_primary", dumps)
	}
	return []result.Result{r}
}

func mySize(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := db.QueryContext(ctx, `SELECT table_schema, COALESCE(SUM(data_length + index_length),0) FROM information_schema.TABLES
		WHERE table_schema NOT IN ('information_schema','performance_schema','sys') GROUP BY table_schema ORDER BY 2 DESC`)
	if err != nil {
		return dbFail(env, base, "db.q.schema_sizes", err)
	}
	var sizes []dbNamedSize
	for rows.Next() {
		var s dbNamedSize
		if err := rows.Scan(&s.Name, &s.Bytes); err != nil {
			rows.Close()
			return dbFail(env, base, "db.q.schema_sizes", err)
		}
		sizes = append(sizes, s)
	}
	rows.Close()
	var tables []dbNamedSize
	if trows, err := db.QueryContext(ctx, `SELECT CONCAT(table_schema,'.',table_name), COALESCE(data_length + index_length,0) FROM information_schema.TABLES
		WHERE table_schema NOT IN ('information_schema','performance_schema','sys','mysql') ORDER BY 2 DESC LIMIT 5`); err == nil {
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

func myBackupSignals(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	vars, err := myVariables(ctx, db, "log_bin", "binlog_format", "expire_logs_days", "binlog_expire_logs_seconds")
	if err != nil {
		return dbFail(env, base, "db.q.variables", err)
	}
	r := base
	r.Item = "binlog"
	r.Status = result.OK
	if !strings.EqualFold(vars["log_bin"], "ON") {
		r.Status = result.Warn
		inspect.SetMsg(&r, env, "db.backup.my_off")
		inspect.SetAdvice(&r, env, "db.backup.my_off_a")
		return []result.Result{r}
	}
	var keep any = ""
	if s := dbAtof(vars["binlog_expire_logs_seconds"]); s > 0 {
		keep = i18n.S("db.backup.my_keep_age", dbAge(env, time.Duration(s)*time.Second))
	} else if d := dbAtof(vars["expire_logs_days"]); d > 0 {
		keep = i18n.S("db.backup.my_keep_days", d)
	}
	inspect.SetMsg(&r, env, "db.backup.my_ok", vars["binlog_format"], keep)
	return []result.Result{r}
}

func mySecurity(ctx context.Context, env *inspect.Env, db *sql.DB, base result.Result) []result.Result {
	rows, err := dbRowsMap(ctx, db, `SELECT * FROM mysql.user`)
	if err != nil {
		return dbFail(env, base, "db.q.mysql_user", err)
	}
	// MariaDB 10.4+ keeps account locking in mysql.global_priv's JSON; the
	// mysql.user view does not show it (MySQL has an account_locked column).
	lockedAcct := map[string]bool{}
	if locked, err := dbRowsMap(ctx, db, `SELECT User, Host FROM mysql.global_priv WHERE JSON_VALUE(Priv, '$.account_locked') IN ('true', '1')`); err == nil {
		for _, l := range locked {
			lockedAcct[l["User"]+"@"+l["Host"]] = true
		}
	}
	var noPw, remoteRoot, anon, superNoPw []string
	for _, u := range rows {
		user, host := dbFirst(u, "User", "user"), dbFirst(u, "Host", "host")
		plugin := strings.ToLower(dbFirst(u, "plugin"))
		auth := dbFirst(u, "authentication_string") + dbFirst(u, "Password")
		who := fmt.Sprintf("'%s'@'%s'", user, host)
		isRole := strings.EqualFold(dbFirst(u, "is_role"), "Y")
		if isRole {
			continue
		}
		if user == "" {
			anon = append(anon, who)
		}
		passwordless := auth == "" && (plugin == "" || plugin == "mysql_native_password" || plugin == "caching_sha2_password")
		locked := strings.EqualFold(dbFirst(u, "account_locked"), "Y") || lockedAcct[user+"@"+host]
		if passwordless && !locked {
			noPw = append(noPw, who)
			if strings.EqualFold(dbFirst(u, "Super_priv"), "Y") || strings.EqualFold(dbFirst(u, "Grant_priv"), "Y") {
				superNoPw = append(superNoPw, who)
			}
		}
		if user == "root" && host != "localhost" && host != "127.0.0.1" && host != "::1" && !locked {
			remoteRoot = append(remoteRoot, who)
		}
	}
	acc := base
	acc.Item = "accounts"
	acc.Status = result.OK
	var issues []i18n.Sub
	if len(superNoPw) > 0 {
		issues = append(issues, i18n.S("db.sec.my_priv_nopw", dbList(env, superNoPw)))
	} else if len(noPw) > 0 {
		issues = append(issues, i18n.S("db.sec.my_nopw", dbList(env, noPw)))
	}
	if len(anon) > 0 {
		issues = append(issues, i18n.S("db.sec.my_anon", dbList(env, anon)))
	}
	if len(remoteRoot) > 0 {
		issues = append(issues, i18n.S("db.sec.my_remote_root", dbList(env, remoteRoot)))
	}
	if len(issues) > 0 {
		acc.Status = result.Crit
		inspect.SetMsg(&acc, env, i18n.ConcatCode, dbJoin(env, issues))
		inspect.SetAdvice(&acc, env, "db.sec.my_accounts_a")
	} else {
		inspect.SetMsg(&acc, env, "db.sec.my_accounts_ok", len(rows))
	}

	cfg := base
	cfg.Item = "settings"
	cfg.Status = result.OK
	vars, _ := myVariables(ctx, db, "require_secure_transport", "have_ssl", "validate_password.policy", "validate_password_policy", "simple_password_check_minimal_length", "general_log", "local_infile")
	plugins, _ := dbRowsMap(ctx, db, `SELECT PLUGIN_NAME FROM information_schema.PLUGINS WHERE PLUGIN_STATUS = 'ACTIVE' AND PLUGIN_NAME IN ('validate_password','simple_password_check','cracklib_password_check','server_audit','audit_log')`)
	active := map[string]bool{}
	for _, p := range plugins {
		active[strings.ToLower(p["PLUGIN_NAME"])] = true
	}
	var cfgIssues []i18n.Sub
	if !strings.EqualFold(vars["require_secure_transport"], "ON") {
		cfgIssues = append(cfgIssues, i18n.S("db.sec.my_no_tls"))
	}
	if !active["validate_password"] && !active["simple_password_check"] && !active["cracklib_password_check"] && vars["validate_password.policy"] == "" && vars["validate_password_policy"] == "" {
		cfgIssues = append(cfgIssues, i18n.S("db.sec.my_no_pwcheck"))
	}
	if !active["server_audit"] && !active["audit_log"] {
		cfgIssues = append(cfgIssues, i18n.S("db.sec.my_no_audit"))
	}
	if strings.EqualFold(vars["local_infile"], "ON") {
		cfgIssues = append(cfgIssues, i18n.S("db.sec.my_local_infile"))
	}
	if len(cfgIssues) > 0 {
		cfg.Status = result.Warn
		inspect.SetMsg(&cfg, env, i18n.ConcatCode, dbJoin(env, cfgIssues))
		inspect.SetAdvice(&cfg, env, "db.sec.my_settings_a")
	} else {
		inspect.SetMsg(&cfg, env, "db.sec.my_settings_ok")
	}
	return []result.Result{acc, cfg}
}

func dbOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func dbPrefixIf(env *inspect.Env, s string) any {
	if s == "" {
		return ""
	}
	return i18n.Sub{Key: i18n.ConcatCode, Args: []any{i18n.S("db.colon"), s}}
}
