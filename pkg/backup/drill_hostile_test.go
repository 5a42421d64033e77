package backup

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Issue #10's reproducers, each against real servers: a drill must never
// run a dump's client command on this machine, never leave its scratch
// database, never put a local file's text in a message, and never be
// pointed at a production server. Each layer (drill_guard.go) is tested on
// its own where it can be.

const secretText = "TOP-SECRET-9c1e"

// hostileCopy writes testdata/hostile/name with @OUT@ and @SECRET@ filled
// in, and returns the copy, the file the attack tries to create, and the
// secret file it tries to read.
func hostileCopy(t *testing.T, name string) (c Copy, out string) {
	t.Helper()
	dir := t.TempDir()
	out = filepath.Join(dir, "pwned")
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(secretText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("@OUT@", out, "@SECRET@", secret).Replace(string(data))
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Copy{Name: name, Path: f, Time: time.Now(), Size: int64(len(text))}, out
}

func drillCopy(t *testing.T, p *Policy, c Copy, o DrillOptions) []result.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return Drill(ctx, p, c, transport.NewLocal(), o)
}

// assertFailedSafe: the restore is CRIT, names the refused line, created no
// file and carries no secret.
func assertFailedSafe(t *testing.T, rs []result.Result, out string, refused *regexp.Regexp) {
	t.Helper()
	r := aspect(rs, DrillRestore)
	t.Logf("%s %s", r.Status, r.Message)
	if r.Status != result.Crit {
		t.Errorf("restore %s, want CRIT: %q", r.Status, r.Message)
	}
	if !refused.MatchString(r.Message) {
		t.Errorf("message does not name the refused statement (%s):\n%s", refused, r.Message)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("the dump created %s on this machine", out)
	}
	for _, x := range rs {
		if strings.Contains(x.Message+x.Advice+x.Evidence, secretText) {
			t.Errorf("a local secret reached the result: %q", x.Message)
		}
	}
}

func TestHostileDumpsPostgres(t *testing.T) {
	srv := testenv.StartPostgres(t)
	// Production-like databases on the drill server itself, tolerated by
	// system_databases so that the layers behind the server check are what
	// is tested here: the psql lock and the account.
	srv.SQL(t, "", "CREATE DATABASE victim_prod")
	srv.SQL(t, "", "CREATE DATABASE victim_other")
	srv.SQL(t, "victim_prod", "CREATE TABLE patients (id int); INSERT INTO patients SELECT generate_series(1, 7)")
	target := pgDrillAccount(t, srv)
	target.SystemDatabases = []string{"victim_prod", "victim_other"}
	o := DrillOptions{Target: target}
	p := &Policy{Name: "his-db", Kind: KindPgDump, Schedule: "daily", Drill: &DrillSpec{Engine: "postgresql"}}

	for _, tc := range []struct{ file, refused string }{
		{"pg-shell.sql", `restricted.*\[line 2: \\! id > `},
		{"pg-shell-midline.sql", `restricted.*\[line 2: SELECT 1; \\! touch`},
		{"pg-write-file.sql", `restricted.*\[line 1: \\o `},
		{"pg-read-file.sql", `restricted.*\[line 2: \\i `},
		{"pg-connect.sql", `restricted.*\[line 2: SELECT 1; \\connect victim_prod`},
		{"pg-drop-db.sql", `must be owner of database victim_other.*\[line 1: SELECT 1; DROP DATABASE`},
		{"pg-unrestrict.sql", `restricted.*\[line 3: \\! touch`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c, out := hostileCopy(t, tc.file)
			rs := drillCopy(t, p, c, o)
			assertFailedSafe(t, rs, out, regexp.MustCompile(tc.refused))
		})
	}
	if got := srv.SQL(t, "victim_prod", "SELECT count(*) FROM patients"); got != "7" {
		t.Errorf("victim_prod.patients changed: %s rows", got)
	}
	if got := srv.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname IN ('victim_prod', 'victim_other')"); got != "2" {
		t.Errorf("a production database was dropped: %s left", got)
	}
	if got := srv.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hcops_drill_%'"); got != "0" {
		t.Errorf("scratch databases left behind: %s", got)
	}

	// The lock alone: even a superuser session cannot run the dump's
	// client commands (the account check would refuse it before that).
	t.Run("psql lock without the account check", func(t *testing.T) {
		t.Setenv("HCOPS_TEST_SU_PW", srv.Password)
		srv.SQL(t, "", "CREATE DATABASE hcops_drill_lock")
		tool, err := findRestoreTool(context.Background(), "postgresql")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"pg-shell.sql", "pg-connect.sql", "pg-write-file.sql"} {
			c, out := hostileCopy(t, f)
			err := restore(context.Background(), tool, c, transport.NewLocal(), DrillTarget{Host: "127.0.0.1", User: "postgres"}, srv.Port, "disable", srv.Password, "hcops_drill_lock")
			if err == nil || !strings.Contains(err.Error(), "restricted") {
				t.Errorf("%s: %v", f, err)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s created %s", f, out)
			}
		}
		if got := srv.SQL(t, "victim_prod", "SELECT count(*) FROM patients"); got != "7" {
			t.Errorf("victim_prod.patients changed: %s rows", got)
		}
	})

	// COPY rows that look like database switches are data (issue #10, 7).
	t.Run("COPY rows kept", func(t *testing.T) {
		p := &Policy{Name: "notes", Kind: KindPgDump, Schedule: "daily", Drill: &DrillSpec{Engine: "postgresql", Tables: []string{"notes"}}}
		c, _ := hostileCopy(t, "pg-copy-data.sql")
		rs := drillCopy(t, p, c, o)
		if r := aspect(rs, DrillRows); r.Status != result.OK || !strings.Contains(r.Message, "notes=4") {
			t.Errorf("rows: %s %q (restore: %q)", r.Status, r.Message, aspect(rs, DrillRestore).Message)
		}
	})
}

func TestHostileDumpsMariaDB(t *testing.T) {
	srv := testenv.StartMariaDB(t, 1)
	srv.SQL(t, "CREATE DATABASE pacs_prod; CREATE TABLE pacs_prod.studies (id INT); INSERT INTO pacs_prod.studies VALUES (1),(2),(3)")
	target := myDrillAccount(t, srv)
	o := DrillOptions{Target: target}
	p := &Policy{Name: "pacs-db", Kind: KindMysqldump, Schedule: "daily", Drill: &DrillSpec{Engine: "mariadb"}}
	denied := `(?i)access denied.*pacs_prod`
	for _, tc := range []struct{ file, refused string }{
		{"my-shell.sql", `(?i)sandbox.*\[line 2: \\! touch`},
		{"my-use-backtick.sql", denied + `.*\[line 2: USE` + "`pacs_prod`"},
		{"my-u.sql", denied + `.*\[line 2: \\u pacs_prod`},
		{"my-connect.sql", denied + `.*\[line 2: connect pacs_prod`},
		{"my-versioned-use.sql", denied + `.*\[line 2: /\*!40101 USE pacs_prod`},
		{"my-drop-db.sql", denied + `.*\[line 2: SELECT 1; DROP DATABASE pacs_prod`},
		{"my-load-local.sql", `(?i)(used command is not allowed|local infile|not allowed).*\[line 2: LOAD DATA LOCAL`},
		{"my-source.sql", `(?i)sandbox.*\[line 2: source`},
		{"my-tee.sql", `(?i)sandbox.*\[line 2: tee`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c, out := hostileCopy(t, tc.file)
			rs := drillCopy(t, p, c, o)
			assertFailedSafe(t, rs, out, regexp.MustCompile(tc.refused))
		})
	}
	if got := srv.SQL(t, "SELECT COUNT(*) FROM pacs_prod.studies"); got != "3" {
		t.Errorf("pacs_prod.studies changed: %s rows", got)
	}
	if got := srv.SQL(t, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'hcops_drill_%'"); got != "0" {
		t.Errorf("scratch databases left behind: %s", got)
	}
}

// The targets a site could get wrong are refused before anything is
// created, with a message naming what is wrong.
func TestDrillTargetRefusals(t *testing.T) {
	c, _ := hostileCopy(t, "pg-copy-data.sql")
	p := &Policy{Name: "notes", Kind: KindPgDump, Schedule: "daily", Drill: &DrillSpec{Engine: "postgresql"}}
	srv := testenv.StartPostgres(t)
	drill := pgDrillAccount(t, srv)
	refused := func(t *testing.T, o DrillOptions, want string) {
		t.Helper()
		rs := drillCopy(t, p, c, o)
		r := aspect(rs, DrillRestore)
		if len(rs) != 1 || r.Status != result.Unknown || !strings.Contains(r.Message, want) {
			t.Errorf("%d results, %s %q; want UNKNOWN naming %q", len(rs), r.Status, r.Message, want)
		}
		if got := srv.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hcops_drill_%'"); got != "0" {
			t.Errorf("a scratch database was created: %s", got)
		}
	}
	t.Run("address of a production database", func(t *testing.T) {
		// The same server under another spelling of its address.
		o := DrillOptions{Target: drill, Production: []ProductionDB{{Name: "his-db-01", Host: "localhost", Port: srv.Port}}}
		refused(t, o, "it is the address of the database asset his-db-01 (localhost:")
	})
	t.Run("superuser", func(t *testing.T) {
		t.Setenv("HCOPS_TEST_SU_PW", srv.Password)
		su := drill
		su.User, su.Password = "postgres", Secret{Env: "HCOPS_TEST_SU_PW"}
		refused(t, DrillOptions{Target: su}, "the account has SUPERUSER")
	})
	t.Run("member of pg_execute_server_program", func(t *testing.T) {
		srv.SQL(t, "", "CREATE ROLE drill2 LOGIN CREATEDB PASSWORD 'drill-pw-3'; GRANT pg_execute_server_program TO drill2")
		t.Setenv("HCOPS_TEST_D2_PW", "drill-pw-3")
		d2 := drill
		d2.User, d2.Password = "drill2", Secret{Env: "HCOPS_TEST_D2_PW"}
		refused(t, DrillOptions{Target: d2}, "member of pg_execute_server_program")
	})
	t.Run("server holding a production database", func(t *testing.T) {
		srv.SQL(t, "", "CREATE DATABASE his_prod")
		defer srv.SQL(t, "", "DROP DATABASE his_prod")
		refused(t, DrillOptions{Target: drill}, "other than system and hcops_drill_* ones: his_prod")
		o := DrillOptions{Target: drill, Lang: "zh"}
		rs := drillCopy(t, p, c, o)
		if r := aspect(rs, DrillRestore); !strings.HasPrefix(r.Message, "拒绝演练：演练服务器 127.0.0.1 上除系统库和 hcops_drill_ 开头的临时演练库外还有其他数据库：his_prod") {
			t.Errorf("in Chinese: %q", r.Message)
		}
	})

	my := testenv.StartMariaDB(t, 2)
	mp := &Policy{Name: "oa-db", Kind: KindMysqldump, Schedule: "daily", Drill: &DrillSpec{Engine: "mariadb"}}
	mc, _ := hostileCopy(t, "my-shell.sql")
	for _, tc := range []struct{ name, grant, want string }{
		{"global privilege", "GRANT CREATE ON *.* TO 'g1'@'%'", "GRANT CREATE ON *.*"},
		{"unescaped wildcard", "GRANT ALL ON `hcops_drill_%`.* TO 'g2'@'%'", "GRANT ALL PRIVILEGES ON `hcops_drill_%`.*"},
		{"another database", "GRANT ALL ON `hcops\\_drill\\_%`.* TO 'g3'@'%'; GRANT SELECT ON mysql.user TO 'g3'@'%'", "GRANT SELECT ON `mysql`.`user`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := regexp.MustCompile(`'(g\d)'`).FindStringSubmatch(tc.grant)[1]
			my.SQL(t, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'pw-"+user+"'; "+tc.grant)
			t.Setenv("HCOPS_TEST_G_PW", "pw-"+user)
			o := DrillOptions{Target: DrillTarget{Host: "127.0.0.1", Port: my.Port, User: user, Password: Secret{Env: "HCOPS_TEST_G_PW"}, ScratchPrefix: "hcops_drill_"}}
			r := aspect(drillCopy(t, mp, mc, o), DrillRestore)
			if r.Status != result.Unknown || !strings.Contains(r.Message, tc.want) || !strings.Contains(r.Message, "GRANT ALL ON `hcops\\_drill\\_%`.*") {
				t.Errorf("%s %q; want UNKNOWN naming %q", r.Status, r.Message, tc.want)
			}
		})
	}
}

// Drills end within their bounds: a FIFO in place of a copy (issue #10, 5)
// stops the drill as UNKNOWN, not as a failed restore, and leaves no scratch
// database; scratch databases of killed drills are removed and reported;
// the old-PostgreSQL drop path closes sessions and drops.
func TestDrillBoundsAndCleanup(t *testing.T) {
	srv := testenv.StartPostgres(t)
	target := pgDrillAccount(t, srv)
	p := &Policy{Name: "his-db", Kind: KindPgDump, Schedule: "daily", Drill: &DrillSpec{Engine: "postgresql"}}

	t.Run("FIFO in place of a copy", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "his-20261207.sql")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		c := Copy{Name: "his-20261207.sql", Path: fifo, Time: time.Now()}
		rs := drillCopy(t, p, c, DrillOptions{Target: target, Stall: 2 * time.Second})
		r := aspect(rs, DrillRestore)
		if r.Status != result.Unknown || !strings.Contains(r.Message, "no data from his-20261207.sql on localhost for 2s") || !strings.Contains(r.Message, "the copy was not judged") {
			t.Errorf("%s %q", r.Status, r.Message)
		}
		if got := srv.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hcops_drill_%'"); got != "0" {
			t.Errorf("scratch database left: %s", got)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "his-slow.sql")
		syscall.Mkfifo(fifo, 0o600)
		c := Copy{Name: "his-slow.sql", Path: fifo, Time: time.Now()}
		o := DrillOptions{Target: target, Timeout: 2 * time.Second, Lang: "zh"}
		r := aspect(drillCopy(t, p, c, o), DrillRestore)
		if r.Status != result.Unknown || !regexp.MustCompile(`^演练进行.+秒后停止（达到演练时限 2s），未能判定该备份能否恢复；临时演练库已删除$`).MatchString(r.Message) {
			t.Errorf("%s %q", r.Status, r.Message)
		}
	})
	t.Run("leftovers of killed drills", func(t *testing.T) {
		t.Setenv("PGPASSWORD", "drill-pw-1")
		// As the drill account, as a killed drill would have left them.
		drillSQL := func(q string) {
			t.Helper()
			db, err := transport.OpenSQL(context.Background(), transport.SQLTarget{Engine: "postgresql", Host: "127.0.0.1", Port: srv.Port, User: "drill", Password: "drill-pw-1", Database: "postgres", TLS: "disable"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		old := "hcops_drill_his_db_" + time.Now().Add(-49*time.Hour).Format("20060102150405")
		young := "hcops_drill_his_db_" + time.Now().Add(-time.Hour).Format("20060102150405")
		drillSQL(`CREATE DATABASE "` + old + `"`)
		drillSQL(`CREATE DATABASE "` + young + `"`)
		c, _ := hostileCopy(t, "pg-copy-data.sql")
		rs := drillCopy(t, p, c, DrillOptions{Target: target})
		if r := aspect(rs, DrillCleanup); r.Status != result.OK || r.Message != "removed 1 scratch database(s) left by interrupted drills: "+old {
			t.Errorf("cleanup: %s %q", r.Status, r.Message)
		}
		if r := aspect(rs, DrillRestore); r.Status != result.OK {
			t.Errorf("restore: %s %q", r.Status, r.Message)
		}
		if got := srv.SQL(t, "", "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'hcops_drill_%'"); got != young {
			t.Errorf("scratch databases after the drill: %q, want only the young one %s (it may belong to a running drill)", got, young)
		}
	})
	t.Run("old PostgreSQL drop path", func(t *testing.T) {
		srv.SQL(t, "", `CREATE DATABASE hcops_drill_legacy OWNER drill`)
		// A session left in the database, as a killed restore client leaves it.
		held, err := transport.OpenSQL(context.Background(), transport.SQLTarget{Engine: "postgresql", Host: "127.0.0.1", Port: srv.Port, User: "drill", Password: "drill-pw-1", Database: "hcops_drill_legacy", TLS: "disable"})
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		admin, err := transport.OpenSQL(context.Background(), transport.SQLTarget{Engine: "postgresql", Host: "127.0.0.1", Port: srv.Port, User: "drill", Password: "drill-pw-1", Database: "postgres", TLS: "disable"})
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if err := dropScratch(context.Background(), admin, "postgresql", "hcops_drill_legacy", true); err != nil {
			t.Fatalf("legacy drop: %v", err)
		}
		if got := srv.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname = 'hcops_drill_legacy'"); got != "0" {
			t.Errorf("not dropped")
		}
	})
}

func TestGrantWithinPrefix(t *testing.T) {
	for _, tc := range []struct {
		grant string
		ok    bool
	}{
		{"GRANT USAGE ON *.* TO `drill`@`%` IDENTIFIED BY PASSWORD '*ABC'", true},
		{"GRANT ALL PRIVILEGES ON `hcops\\_drill\\_%`.* TO `drill`@`%`", true},
		{"GRANT SELECT, INSERT ON `hcops\\_drill\\_x`.`t` TO `drill`@`%`", true},
		{"GRANT ALL PRIVILEGES ON `hcops_drill_%`.* TO `drill`@`%`", false}, // _ is a wildcard
		{"GRANT ALL PRIVILEGES ON `hcops\\_drill%`.* TO `drill`@`%`", false},
		{"GRANT ALL PRIVILEGES ON `%`.* TO `drill`@`%`", false},
		{"GRANT ALL PRIVILEGES ON *.* TO `drill`@`%`", false},
		{"GRANT CREATE ON *.* TO `drill`@`%`", false},
		{"GRANT FILE ON *.* TO 'drill'@'%'", false},
		{"GRANT SELECT ON `pacs_prod`.* TO `drill`@`%`", false},
		{"GRANT EXECUTE ON PROCEDURE `pacs_prod`.`p` TO `drill`@`%`", false},
		{"GRANT `dba` TO `drill`@`%`", false},
		{"GRANT PROXY ON ''@'%' TO 'drill'@'%'", false},
		{"GRANT SELECT ON hcops\\_drill\\_x.* TO drill@'%'", true},
		{"SET DEFAULT ROLE `dba` FOR `drill`@`%`", true},
	} {
		if got := grantWithinPrefix(tc.grant, "hcops_drill_"); got != tc.ok {
			t.Errorf("%s: %v, want %v", tc.grant, got, tc.ok)
		}
	}
}

func TestRestrictSupported(t *testing.T) {
	for _, tc := range []struct {
		major, minor int
		ok           bool
	}{{18, 0, true}, {17, 6, true}, {17, 5, false}, {16, 10, true}, {16, 9, false}, {15, 14, true}, {15, 13, false}, {14, 19, true}, {13, 22, true}, {13, 21, false}, {12, 99, false}, {9, 6, false}} {
		if got := restrictSupported(tc.major, tc.minor); got != tc.ok {
			t.Errorf("%d.%d: %v", tc.major, tc.minor, got)
		}
	}
}

func TestLibpqQuote(t *testing.T) {
	if got := libpqQuote(`a b'c\d`); got != `'a b\'c\\d'` {
		t.Errorf("%s", got)
	}
}
