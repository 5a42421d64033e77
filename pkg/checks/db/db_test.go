package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// These tests run the db-* checks against real PostgreSQL (a primary and a
// streaming standby made with pg_basebackup) and real MariaDB (a primary and
// a replica) on loopback, and make each failure the issue names happen for
// real: replication lag, broken replication, connections near the maximum,
// a long-running transaction, a superuser without a password, a version
// below the minimum.

func dbAsset(name, engine string, port int, user, pwEnv, role string, replicas int) *inventory.Asset {
	return &inventory.Asset{
		Name: name, Kind: inventory.KindDatabase, Address: "127.0.0.1", Port: port,
		Database: &inventory.Database{Engine: engine, User: user, Password: inventory.SecretRef{Env: pwEnv}, Role: role, Replicas: replicas},
	}
}

func runDB(t *testing.T, typ string, a *inventory.Asset, spec *inspect.Spec) []result.Result {
	t.Helper()
	return runDBSince(t, typ, a, spec, time.Time{})
}

func runDBSince(t *testing.T, typ string, a *inventory.Asset, spec *inspect.Spec, since time.Time) []result.Result {
	t.Helper()
	return runDBLang(t, typ, a, spec, since, "")
}

// runDBZH runs a check with Chinese messages.
func runDBZH(t *testing.T, typ string, a *inventory.Asset, spec *inspect.Spec) []result.Result {
	t.Helper()
	return runDBLang(t, typ, a, spec, time.Time{}, i18n.ZH)
}

func runDBLang(t *testing.T, typ string, a *inventory.Asset, spec *inspect.Spec, since time.Time, lang string) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("%s not registered", typ)
	}
	if spec == nil {
		spec = &inspect.Spec{}
	}
	spec.Name, spec.Type = typ, typ
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Since zero: never inspected before, so a fresh server is no "restart".
	return c.Evaluate(ctx, &inspect.Env{Spec: spec, Asset: a, Thresholds: th, Now: time.Now(), Since: since, Lang: lang})
}

func wantStatus(t *testing.T, r result.Result, st result.Status, contains string) {
	t.Helper()
	if r.Status != st || !strings.Contains(r.Message, contains) {
		t.Errorf("%s/%s: got %s %q, want %s containing %q", r.Type, r.Item, r.Status, r.Message, st, contains)
	}
}

func TestPostgresHealth(t *testing.T) {
	primary := testenv.StartPostgres(t)
	standby := primary.StartStandby(t)
	t.Setenv("HCOPS_TEST_PG_PW", primary.Password)
	pa := dbAsset("pg-primary", "postgresql", primary.Port, "postgres", "HCOPS_TEST_PG_PW", "primary", 1)
	sa := dbAsset("pg-standby", "postgresql", standby.Port, "postgres", "HCOPS_TEST_PG_PW", "standby", 0)

	primary.SQL(t, "", "CREATE TABLE t (id int primary key, v text); INSERT INTO t SELECT g, 'x' FROM generate_series(1,1000) g")
	testenv.WaitFor(t, 30*time.Second, "standby streaming", func() bool {
		return primary.SQL(t, "", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1"
	})

	t.Run("healthy", func(t *testing.T) {
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-status", pa, nil), "status"), result.OK, "primary")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-status", sa, nil), "status"), result.OK, "standby")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-replication", pa, nil), "replication"), result.OK, "1 standby(s) streaming")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-replication", sa, nil), "replication"), result.OK, "standby streaming")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-connections", pa, nil), "connections"), result.OK, "of 17 connections")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-security", pa, nil), "accounts"), result.OK, "superusers: postgres")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-backup", pa, nil), "wal-archive"), result.Warn, "archiving is off")
		sizes := runDB(t, "db-size", pa, nil)
		if r := checktest.ResultItem(t, sizes, "postgres"); len(r.Metrics) == 0 || r.Metrics[0].Value <= 0 {
			t.Errorf("database size metric: %+v", r)
		}
		tp := checktest.ResultItem(t, runDB(t, "db-throughput", pa, &inspect.Spec{Params: map[string]any{"interval": "200ms"}}), "throughput")
		if tp.Status != result.OK || len(tp.Metrics) == 0 || tp.Metrics[0].Name != "db.tps" {
			t.Errorf("throughput: %+v", tp)
		}
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-cache", pa, nil), "cache-hit"), result.OK, "cache hit ratio")
	})

	t.Run("healthy, in Chinese", func(t *testing.T) {
		for _, typ := range dbCheckTypes {
			for _, a := range []*inventory.Asset{pa, sa} {
				checktest.WantChinese(t, runDBZH(t, typ, a, &inspect.Spec{Params: dbFastParams(typ)}))
			}
		}
		r := checktest.ResultItem(t, runDBZH(t, "db-connections", pa, nil), "connections")
		if want := fmt.Sprintf("连接数 %.0f/17（", r.Metrics[0].Value); !strings.Contains(r.Message, want) {
			t.Errorf("want %q in %q", want, r.Message)
		}
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-replication", pa, nil), "replication"), result.OK, "主库：1 个备库处于流复制状态")
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-backup", pa, nil), "wal-archive"), result.Warn, "未开启 WAL 归档")
	})

	t.Run("restart since the last inspection", func(t *testing.T) {
		r := checktest.ResultItem(t, runDBSince(t, "db-status", pa, nil, time.Now().Add(-time.Hour)), "status")
		wantStatus(t, r, result.Warn, "since the last inspection")
	})

	t.Run("version below minimum", func(t *testing.T) {
		r := checktest.ResultItem(t, runDB(t, "db-status", pa, &inspect.Spec{Params: map[string]any{"min_version": "99.1"}}), "status")
		wantStatus(t, r, result.Warn, "below the required minimum 99.1")
		if r.Advice == "" {
			t.Error("no advice")
		}
	})

	t.Run("long transaction and lock wait", func(t *testing.T) {
		db := openDirect(t, "pgx", fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", primary.Password, primary.Port))
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec("UPDATE t SET v = 'held' WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
		// a second session waits for the row lock
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db.ExecContext(ctx, "UPDATE t SET v = 'waiting' WHERE id = 1")
		}()
		time.Sleep(2200 * time.Millisecond)
		rs := runDB(t, "db-activity", pa, &inspect.Spec{Warn: "~:1", Crit: "~:600"})
		wantStatus(t, checktest.ResultItem(t, rs, "long-transactions"), result.Warn, "oldest open transaction")
		wantStatus(t, checktest.ResultItem(t, rs, "locks"), result.Warn, "1 session(s) waiting")
	})

	t.Run("connections near the maximum", func(t *testing.T) {
		db := openDirect(t, "pgx", fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", primary.Password, primary.Port))
		db.SetMaxOpenConns(20)
		var conns []*sql.Conn
		for i := 0; i < 14; i++ {
			c, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		r := checktest.ResultItem(t, runDB(t, "db-connections", pa, nil), "connections")
		if r.Status != result.Warn && r.Status != result.Crit {
			t.Errorf("14+ of 17 connections should alert: %s %q", r.Status, r.Message)
		}
	})

	t.Run("superuser without a password", func(t *testing.T) {
		primary.SQL(t, "", "CREATE ROLE dbadmin SUPERUSER LOGIN")
		defer primary.SQL(t, "", "DROP ROLE dbadmin")
		r := checktest.ResultItem(t, runDB(t, "db-security", pa, nil), "accounts")
		wantStatus(t, r, result.Crit, "without a password: dbadmin")
		zh := checktest.ResultItem(t, runDBZH(t, "db-security", pa, nil), "accounts")
		wantStatus(t, zh, result.Crit, "超级用户未设置密码：dbadmin")
		if !strings.Contains(zh.Advice, "ALTER ROLE") || !checktest.HasHan(zh.Advice) {
			t.Errorf("Chinese advice should keep the SQL to type: %q", zh.Advice)
		}
	})

	t.Run("replication lag", func(t *testing.T) {
		standby.SQL(t, "", "SELECT pg_wal_replay_pause()")
		defer standby.SQL(t, "", "SELECT pg_wal_replay_resume()")
		primary.SQL(t, "", "INSERT INTO t SELECT g, 'y' FROM generate_series(1001, 50000) g")
		time.Sleep(1500 * time.Millisecond)
		primary.SQL(t, "", "UPDATE t SET v = 'z' WHERE id < 100")
		testenv.WaitFor(t, 20*time.Second, "standby to receive WAL", func() bool {
			return standby.SQL(t, "", "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()") == "t"
		})
		time.Sleep(1100 * time.Millisecond)
		r := checktest.ResultItem(t, runDB(t, "db-replication", sa, &inspect.Spec{Warn: "~:0.5", Crit: "~:3600"}), "replication")
		wantStatus(t, r, result.Warn, "behind")
		zh := checktest.ResultItem(t, runDBZH(t, "db-replication", sa, &inspect.Spec{Warn: "~:0.5", Crit: "~:3600"}), "replication")
		wantStatus(t, zh, result.Warn, "备库流复制正常，回放延迟 "+subText(i18n.ZH, dbAge(&inspect.Env{Lang: i18n.ZH}, time.Duration(*zh.Value)*time.Second)))
		if !strings.Contains(zh.Message, "秒") || !strings.Contains(zh.Advice, "pg_is_wal_replay_paused()") {
			t.Errorf("lag in seconds and the query to run: %q / %q", zh.Message, zh.Advice)
		}
	})

	t.Run("broken replication", func(t *testing.T) {
		standby.Stop()
		testenv.WaitFor(t, 20*time.Second, "primary to see the standby gone", func() bool {
			return primary.SQL(t, "", "SELECT count(*) FROM pg_stat_replication") == "0"
		})
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-replication", pa, nil), "replication"), result.Crit, "0 of 1 expected standbys")
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-replication", pa, nil), "replication"), result.Crit, "主库：应有 1 个备库，仅 0 个处于流复制状态")
		r := runDB(t, "db-status", sa, nil)[0]
		if r.Status != result.Unreachable || r.Reason != result.ReasonRefused {
			t.Errorf("stopped standby should be UNREACHABLE/refused: %+v", r)
		}
		if r := runDB(t, "db-cache", sa, nil)[0]; r.Status != result.Unknown {
			t.Errorf("other checks of an unreachable instance are UNKNOWN, once: %+v", r)
		}
		zh := runDBZH(t, "db-status", sa, nil)[0]
		if want := fmt.Sprintf("pg-standby：无法连接 postgresql 实例 127.0.0.1:%d（", standby.Port); !strings.Contains(zh.Message, want) || !strings.Contains(zh.Advice, "数据库未在监听") {
			t.Errorf("Chinese connect failure: want %q in %q (advice %q)", want, zh.Message, zh.Advice)
		}
	})
}

func TestPostgresAuthFailureNamesReason(t *testing.T) {
	pg := testenv.StartPostgres(t)
	t.Setenv("HCOPS_TEST_PG_BAD", "wrong-password")
	r := runDB(t, "db-status", dbAsset("pg", "postgresql", pg.Port, "postgres", "HCOPS_TEST_PG_BAD", "", 0), nil)[0]
	if r.Status != result.Unreachable || r.Reason != result.ReasonAuth {
		t.Fatalf("want UNREACHABLE auth, got %+v", r)
	}
	if strings.Contains(r.Message, "wrong-password") {
		t.Fatalf("password leaked into the message: %s", r.Message)
	}
}

func TestMariaDBHealth(t *testing.T) {
	primary := testenv.StartMariaDB(t, 1)
	replica := testenv.StartMariaDB(t, 2)
	replica.ReplicateFrom(t, primary)
	t.Setenv("HCOPS_TEST_MY_PW", primary.RootPassword)
	pa := dbAsset("maria-primary", "mariadb", primary.Port, "root", "HCOPS_TEST_MY_PW", "primary", 1)
	ra := dbAsset("maria-replica", "mariadb", replica.Port, "root", "HCOPS_TEST_MY_PW", "standby", 0)
	primary.SQL(t, "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO app.t VALUES (1,'a'),(2,'b');")
	testenv.WaitFor(t, 20*time.Second, "replica to catch up", func() bool {
		return replica.SQL(t, "SELECT COUNT(*) FROM app.t") == "2"
	})

	t.Run("healthy", func(t *testing.T) {
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-status", pa, nil), "status"), result.OK, "MariaDB")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-status", ra, nil), "status"), result.OK, "standby")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-replication", pa, nil), "replication"), result.OK, "1 replica(s) connected")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-replication", ra, nil), "replication"), result.OK, "running")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-security", pa, nil), "accounts"), result.OK, "all have passwords")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-backup", pa, nil), "binlog"), result.OK, "binary log on")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-connections", pa, nil), "connections"), result.OK, "of 30 connections")
		tp := checktest.ResultItem(t, runDB(t, "db-throughput", pa, &inspect.Spec{Params: map[string]any{"interval": "200ms"}}), "throughput")
		if len(tp.Metrics) != 2 {
			t.Errorf("qps and tps metrics: %+v", tp)
		}
		if r := checktest.ResultItem(t, runDB(t, "db-size", pa, nil), "app"); r.Status != result.OK {
			t.Errorf("size of app: %+v", r)
		}
	})

	t.Run("healthy, in Chinese", func(t *testing.T) {
		for _, typ := range dbCheckTypes {
			for _, a := range []*inventory.Asset{pa, ra} {
				checktest.WantChinese(t, runDBZH(t, typ, a, &inspect.Spec{Params: dbFastParams(typ)}))
			}
		}
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-replication", pa, nil), "replication"), result.OK, "主库：已连接 1 个备库")
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-backup", pa, nil), "binlog"), result.OK, "二进制日志已开启（")
	})

	t.Run("version below minimum", func(t *testing.T) {
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-status", pa, &inspect.Spec{Params: map[string]any{"min_version": "11.4.2"}}), "status"), result.Warn, "below the required minimum 11.4.2")
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-status", pa, &inspect.Spec{Params: map[string]any{"min_version": "11.4.2"}}), "status"), result.Warn, "低于要求的最低版本 11.4.2")
	})

	t.Run("long transaction", func(t *testing.T) {
		db := openDirect(t, "mysql", fmt.Sprintf("root:%s@tcp(127.0.0.1:%d)/app", primary.RootPassword, primary.Port))
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec("UPDATE t SET v = 'held' WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2200 * time.Millisecond)
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-activity", pa, &inspect.Spec{Warn: "~:1"}), "long-transactions"), result.Warn, "oldest open transaction")
	})

	t.Run("connections near the maximum", func(t *testing.T) {
		db := openDirect(t, "mysql", fmt.Sprintf("root:%s@tcp(127.0.0.1:%d)/", primary.RootPassword, primary.Port))
		db.SetMaxOpenConns(40)
		var conns []*sql.Conn
		for i := 0; i < 26; i++ {
			c, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		r := checktest.ResultItem(t, runDB(t, "db-connections", pa, nil), "connections")
		if r.Status != result.Crit {
			t.Errorf("27+ of 30 connections should be CRIT: %s %q", r.Status, r.Message)
		}
	})

	t.Run("privileged account without a password", func(t *testing.T) {
		primary.SQL(t, "CREATE USER 'dbadmin'@'%'; GRANT ALL ON *.* TO 'dbadmin'@'%' WITH GRANT OPTION;")
		defer primary.SQL(t, "DROP USER 'dbadmin'@'%'")
		wantStatus(t, checktest.ResultItem(t, runDB(t, "db-security", pa, nil), "accounts"), result.Crit, "privileged account(s) without a password: 'dbadmin'@'%'")
		wantStatus(t, checktest.ResultItem(t, runDBZH(t, "db-security", pa, nil), "accounts"), result.Crit, "存在空密码的高权限账号：'dbadmin'@'%'")
	})

	t.Run("replication lag", func(t *testing.T) {
		replica.SQL(t, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=30; START SLAVE;")
		defer replica.SQL(t, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE;")
		primary.SQL(t, "INSERT INTO app.t VALUES (10,'delayed')")
		var r result.Result
		testenv.WaitFor(t, 20*time.Second, "replica to report lag", func() bool {
			r = checktest.ResultItem(t, runDB(t, "db-replication", ra, &inspect.Spec{Warn: "~:1", Crit: "~:3600"}), "replication")
			return r.Status == result.Warn
		})
		wantStatus(t, r, result.Warn, "behind")
		zh := checktest.ResultItem(t, runDBZH(t, "db-replication", ra, &inspect.Spec{Warn: "~:1", Crit: "~:3600"}), "replication")
		want := fmt.Sprintf("复制正常（源 127.0.0.1:%d），延迟 %s", primary.Port, subText(i18n.ZH, dbAge(&inspect.Env{Lang: i18n.ZH}, time.Duration(*zh.Value)*time.Second)))
		wantStatus(t, zh, result.Warn, want)
		if !strings.Contains(zh.Message, "秒") {
			t.Errorf("lag of seconds in Chinese: %q", zh.Message)
		}
	})

	t.Run("broken replication", func(t *testing.T) {
		// The classic break: a row written on the replica, then the same key on the primary.
		replica.SQL(t, "SET sql_log_bin=0; INSERT INTO app.t VALUES (20,'replica-only');")
		primary.SQL(t, "INSERT INTO app.t VALUES (20,'primary')")
		var r result.Result
		testenv.WaitFor(t, 40*time.Second, "replication to break", func() bool {
			r = checktest.ResultItem(t, runDB(t, "db-replication", ra, nil), "replication")
			return r.Status == result.Crit
		})
		wantStatus(t, r, result.Crit, "is broken")
		if !strings.Contains(r.Message, "Duplicate entry") {
			t.Errorf("the replica's error should be in the message: %q", r.Message)
		}
		zh := checktest.ResultItem(t, runDBZH(t, "db-replication", ra, nil), "replication")
		wantStatus(t, zh, result.Crit, "复制中断（源 127.0.0.1:")
		if !strings.Contains(zh.Message, "SQL 线程 No：") || !strings.Contains(zh.Message, "Duplicate entry") || !strings.Contains(zh.Advice, "SHOW REPLICA STATUS") {
			t.Errorf("Chinese broken replication keeps the thread state and the server's error: %q / %q", zh.Message, zh.Advice)
		}
	})
}

// dbCheckTypes are the database check types, in playbook order.
var dbCheckTypes = []string{"db-status", "db-connections", "db-activity", "db-cache", "db-throughput", "db-replication", "db-size", "db-backup", "db-security"}

// dbFastParams shortens the throughput sample in tests.
func dbFastParams(typ string) map[string]any {
	if typ == "db-throughput" {
		return map[string]any{"interval": "200ms"}
	}
	return nil
}

func openDirect(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

// BenchmarkDBHealth18Instances runs every db-* check against 18 real
// instances on loopback (9 PostgreSQL, 9 MariaDB), all instances in
// parallel through one shared pool per run, as the db-health playbook does.
// The goal: one round under 5 s wall time.
func BenchmarkDBHealth18Instances(b *testing.B) {
	var assets []*inventory.Asset
	for i := 0; i < 9; i++ {
		pg := testenv.StartPostgres(b)
		my := testenv.StartMariaDB(b, i+1)
		b.Setenv("HCOPS_TEST_PG_PW", pg.Password)
		b.Setenv("HCOPS_TEST_MY_PW", my.RootPassword)
		assets = append(assets,
			dbAsset(fmt.Sprintf("pg-%d", i), "postgresql", pg.Port, "postgres", "HCOPS_TEST_PG_PW", "", 0),
			dbAsset(fmt.Sprintf("my-%d", i), "mariadb", my.Port, "root", "HCOPS_TEST_MY_PW", "", 0))
	}
	types := dbCheckTypes
	b.ResetTimer()
	for b.Loop() {
		pool := transport.NewSQLPool()
		var wg sync.WaitGroup
		for _, a := range assets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, typ := range types {
					c, _ := Lookup(typ)
					spec := &inspect.Spec{Name: typ, Type: typ}
					for _, r := range c.Evaluate(context.Background(), &inspect.Env{Spec: spec, Asset: a, Now: time.Now(), SQL: pool}) {
						if r.Status == result.Unreachable || r.Reason == "query" {
							b.Errorf("%s %s: %s", a.Name, typ, r.Message)
						}
					}
				}
			}()
		}
		wg.Wait()
		pool.Close()
	}
}
