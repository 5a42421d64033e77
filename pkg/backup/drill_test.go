package backup

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Drills against real servers: dumps made here with pg_dump and
// mysqldump from a source database, restored into scratch databases on a
// separate drill server, checked, dropped.

func drillResults(t *testing.T, p *Policy, file string, o DrillOptions) []result.Result {
	t.Helper()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	c := Copy{Name: filepath.Base(file), Path: file, Time: st.ModTime(), Size: st.Size()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return Drill(ctx, p, c, transport.NewLocal(), o)
}

// pgDrillAccount makes the account a site creates for drills on its drill
// server: it logs in and may create databases, nothing more.
func pgDrillAccount(t *testing.T, target *testenv.Postgres) DrillTarget {
	t.Helper()
	target.SQL(t, "", "CREATE ROLE drill LOGIN CREATEDB PASSWORD 'drill-pw-1'")
	t.Setenv("HCOPS_TEST_DRILL_PW", "drill-pw-1")
	return DrillTarget{Host: "127.0.0.1", Port: target.Port, User: "drill", Password: Secret{Env: "HCOPS_TEST_DRILL_PW"}, ScratchPrefix: "hcops_drill_"}
}

// myDrillAccount makes a MariaDB drill account with privileges on the
// scratch databases only.
func myDrillAccount(t *testing.T, target *testenv.MariaDB) DrillTarget {
	t.Helper()
	target.SQL(t, "CREATE USER 'drill'@'%' IDENTIFIED BY 'drill-pw-2'; GRANT ALL ON `hcops\\_drill\\_%`.* TO 'drill'@'%'")
	t.Setenv("HCOPS_TEST_DRILL_MY_PW", "drill-pw-2")
	return DrillTarget{Host: "127.0.0.1", Port: target.Port, User: "drill", Password: Secret{Env: "HCOPS_TEST_DRILL_MY_PW"}, ScratchPrefix: "hcops_drill_"}
}

func aspect(rs []result.Result, a string) result.Result {
	for _, r := range rs {
		if r.Item == a {
			return r
		}
	}
	return result.Result{Message: "no " + a}
}

func TestPostgresDrill(t *testing.T) {
	src := testenv.StartPostgres(t)
	target := testenv.StartPostgres(t)
	src.SQL(t, "", "CREATE DATABASE his")
	src.SQL(t, "his", `CREATE TABLE patients (id int primary key, name text);
		CREATE TABLE visits (id int primary key, patient int references patients);
		INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 500) g;
		INSERT INTO visits SELECT g, 1 + g % 500 FROM generate_series(1, 2000) g;`)
	dir := t.TempDir()
	dump := func(name string, args ...string) string {
		f := filepath.Join(dir, name)
		cmd := exec.Command(filepath.Join(src.BinDir, "pg_dump"), append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(src.Port), "-U", "postgres", "-f", f}, append(args, "his")...)...)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+src.Password)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
		return f
	}
	custom := dump("his-20261129.dump", "-Fc")
	plain := dump("his-20261129.sql", "-Fp", "--create") // --create writes CREATE DATABASE and \connect: must be filtered
	partial := dump("his-partial.dump", "-Fc", "-t", "patients")

	o := DrillOptions{Target: pgDrillAccount(t, target),
		ProductionNames: []string{"his"}, Reference: map[string]float64{"patients": 500, "visits": 2000}, ReferenceFrom: "source"}
	p := &Policy{Name: "his-db", Kind: KindPgDump, Schedule: "daily", Drill: &DrillSpec{Engine: "postgresql", Tables: []string{"patients", "visits"}}}

	for _, f := range []string{custom, plain} {
		t.Run(filepath.Ext(f), func(t *testing.T) {
			rs := drillResults(t, p, f, o)
			for _, a := range []string{DrillRestore, DrillTables, DrillRows} {
				if r := aspect(rs, a); r.Status != result.OK {
					t.Errorf("%s: %s %q", a, r.Status, r.Message)
				}
			}
			if r := aspect(rs, DrillRestore); r.Value == nil || *r.Value <= 0 {
				t.Errorf("restore duration not recorded: %+v", r)
			}
			if r := aspect(rs, DrillRows); !strings.Contains(r.Message, "within ±10% of the source") {
				t.Errorf("rows: %q", r.Message)
			}
		})
	}
	// The scratch databases are gone, and the production database was never touched.
	if got := target.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hcops_drill_%'"); got != "0" {
		t.Errorf("scratch databases left behind: %s", got)
	}
	if got := target.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname = 'his'"); got != "0" {
		t.Errorf("the plain dump's CREATE DATABASE his reached the drill server")
	}

	t.Run("dump missing a table", func(t *testing.T) {
		rs := drillResults(t, p, partial, o)
		if r := aspect(rs, DrillRestore); r.Status != result.OK {
			t.Fatalf("restore itself works: %s %q", r.Status, r.Message)
		}
		// one table came back (the map of names holds it twice: patients
		// and public.patients)
		if r := aspect(rs, DrillTables); r.Status != result.Crit || r.Message != "expected table(s) missing after restore: visits (1 tables restored)" {
			t.Errorf("missing table: %s %q", r.Status, r.Message)
		}
		o2 := o
		o2.Lang = "zh"
		r := aspect(drillResults(t, p, partial, o2), DrillTables)
		if r.Status != result.Crit || r.Message != "恢复后缺少预期的表：visits（共恢复 1 张表）" || !strings.Contains(r.Advice, "导出命令的范围") {
			t.Errorf("missing table in Chinese: %s %q %q", r.Status, r.Message, r.Advice)
		}
	})

	t.Run("corrupt dump", func(t *testing.T) {
		data, _ := os.ReadFile(custom)
		bad := filepath.Join(dir, "his-bad.dump")
		os.WriteFile(bad, data[:len(data)/3], 0o644)
		if r := aspect(drillResults(t, p, bad, o), DrillRestore); r.Status != result.Crit || !strings.Contains(r.Message, "failed") {
			t.Errorf("corrupt dump: %s %q", r.Status, r.Message)
		}
		// In Chinese: the copy, the scratch database, the time taken and
		// pg_restore's own error, in the commission's wording.
		o2 := o
		o2.Lang = "zh"
		r := aspect(drillResults(t, p, bad, o2), DrillRestore)
		re := regexp.MustCompile(`^his-bad\.dump 恢复到临时演练库 hcops_drill_his_db_\d{14} 失败（耗时 \d+\.\d秒）：.*pg_restore`)
		if r.Status != result.Crit || !re.MatchString(r.Message) {
			t.Errorf("corrupt dump in Chinese: %s %q", r.Status, r.Message)
		}
		if !strings.HasPrefix(r.Advice, "该备份无法恢复") {
			t.Errorf("advice in Chinese: %q", r.Advice)
		}
	})

	t.Run("prefix naming a production database is refused", func(t *testing.T) {
		o2 := o
		o2.Target.ScratchPrefix = "his_"
		o2.ProductionNames = []string{"his_prod"}
		r := aspect(drillResults(t, p, custom, o2), DrillRestore)
		if r.Status != result.Unknown || !strings.Contains(r.Message, "refusing to drill") {
			t.Errorf("%s %q", r.Status, r.Message)
		}
		o2.Lang = "zh"
		r = aspect(drillResults(t, p, custom, o2), DrillRestore)
		if r.Status != result.Unknown || r.Message != `拒绝演练：临时演练库前缀 "his_" 与生产库 "his_prod" 冲突，请选用任何生产库都不使用的前缀` {
			t.Errorf("refusal in Chinese: %s %q", r.Status, r.Message)
		}
	})
}

func TestMariaDBDrill(t *testing.T) {
	src := testenv.StartMariaDB(t, 1)
	target := testenv.StartMariaDB(t, 2)
	src.SQL(t, `CREATE DATABASE oa; USE oa; CREATE TABLE oa.docs (id INT PRIMARY KEY, title VARCHAR(50)); CREATE TABLE oa.users (id INT PRIMARY KEY);
		INSERT INTO oa.docs SELECT seq, CONCAT('doc', seq) FROM seq_1_to_300; INSERT INTO oa.users SELECT seq FROM seq_1_to_40;`)
	dir := t.TempDir()
	dump := func(name string, args ...string) string {
		f := filepath.Join(dir, name)
		cmd := exec.Command("mariadb-dump", append([]string{"--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", strconv.Itoa(src.Port), "-uroot", "--single-transaction"}, args...)...)
		cmd.Env = append(os.Environ(), "MYSQL_PWD="+src.RootPassword)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mariadb-dump: %v", err)
		}
		os.WriteFile(f, out, 0o644)
		return f
	}
	full := dump("oa-20261129.sql", "--databases", "oa") // has CREATE DATABASE and USE: filtered
	partial := dump("oa-partial.sql", "oa", "docs")

	o := DrillOptions{Target: myDrillAccount(t, target),
		ProductionNames: []string{"oa"}}
	p := &Policy{Name: "oa-db", Kind: KindMysqldump, Schedule: "daily", Drill: &DrillSpec{Engine: "mariadb", Tables: []string{"docs", "users"}}}

	rs := drillResults(t, p, full, o)
	for _, a := range []string{DrillRestore, DrillTables, DrillRows} {
		if r := aspect(rs, a); r.Status != result.OK {
			t.Errorf("%s: %s %q", a, r.Status, r.Message)
		}
	}
	if r := aspect(rs, DrillRows); !strings.Contains(r.Message, "docs=300") {
		t.Errorf("row counts: %q", r.Message)
	}
	if got := target.SQL(t, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'oa' OR SCHEMA_NAME LIKE 'hcops_drill_%'"); got != "0" {
		t.Errorf("drill left databases or reached 'oa' on the drill server: %s", got)
	}
	if r := aspect(drillResults(t, p, partial, o), DrillTables); r.Status != result.Crit || !strings.Contains(r.Message, "users") {
		t.Errorf("dump missing a table: %s %q", r.Status, r.Message)
	}
	// Row counts compared with the last drill.
	o.Reference, o.ReferenceFrom = map[string]float64{"docs": 1000, "users": 40}, RefLastDrill
	if r := aspect(drillResults(t, p, full, o), DrillRows); r.Status != result.Crit || !strings.Contains(r.Message, "last drill had 1000") {
		t.Errorf("row drift: %s %q", r.Status, r.Message)
	}
	o.Lang = "zh"
	if r := aspect(drillResults(t, p, full, o), DrillRows); r.Status != result.Crit || r.Message != "docs 有 300 行，上次演练为 1000 行（偏差 -70%，允许 ±10%）" {
		t.Errorf("row drift in Chinese: %s %q", r.Status, r.Message)
	}
}

func TestFilterSQLDropsDatabaseSwitches(t *testing.T) {
	in := "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `oa`;\nUSE `oa`;\n\\connect his\nINSERT INTO t VALUES (1);\n" + strings.Repeat("x", 3<<20) + "\nuse_count INT,\n"
	var out bytes.Buffer
	if err := filterSQL(strings.NewReader(in), &out, newLineTap(16)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "CREATE DATABASE") || strings.Contains(got, "USE `oa`") || strings.Contains(got, "\\connect") {
		t.Errorf("database switches kept: %.200q", got)
	}
	if !strings.Contains(got, "INSERT INTO t VALUES (1);") || !strings.Contains(got, "use_count INT") || len(got) < 3<<20 {
		t.Errorf("content lost (len %d)", len(got))
	}
}
