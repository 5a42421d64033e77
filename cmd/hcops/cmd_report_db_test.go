package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/result"
)

// TestReportDBAgainstPostgres diagnoses a real PostgreSQL primary with its
// streaming standby and an instance that refuses connections (hcops inspect
// --playbook db-health), then writes the database health report from the
// history and checks it shows what the servers really are.
func TestReportDBAgainstPostgres(t *testing.T) {
	primary := testenv.StartPostgres(t)
	standby := primary.StartStandby(t)
	t.Setenv("HCOPS_TEST_PG_PW", primary.Password)
	primary.SQL(t, "", "CREATE DATABASE his")
	primary.SQL(t, "his", "CREATE TABLE emr_record (id int primary key, note text); INSERT INTO emr_record SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g")
	testenv.WaitFor(t, 30*time.Second, "standby streaming", func() bool {
		return primary.SQL(t, "", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1"
	})
	version := strings.Fields(primary.SQL(t, "", "SHOW server_version"))[0]
	refused := testenv.FreePort(t)

	e := &inspectEnv{dir: t.TempDir()}
	e.inv = filepath.Join(e.dir, "inventory.yaml")
	e.db = filepath.Join(e.dir, "history.db")
	inv := fmt.Sprintf(`systems:
  - name: HIS
  - name: LIS
assets:
  - name: pg-primary
    kind: database
    address: 127.0.0.1
    port: %d
    system: HIS
    database: {engine: postgresql, database: his, user: postgres, password: {env: HCOPS_TEST_PG_PW}, role: primary, replicas: 1}
  - name: pg-standby
    kind: database
    address: 127.0.0.1
    port: %d
    system: HIS
    database: {engine: postgresql, user: postgres, password: {env: HCOPS_TEST_PG_PW}, role: standby}
  - name: lis-db
    kind: database
    address: 127.0.0.1
    port: %d
    system: LIS
    database: {engine: postgresql, user: postgres, password: {env: HCOPS_TEST_PG_PW}, role: primary}
`, primary.Port, standby.Port, refused)
	if err := os.WriteFile(e.inv, []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Before any inspection there is nothing to report: exit 3 and a hint.
	code, _, errOut := e.hcops(ctx, t, "report", "db")
	if code != ExitUnknown || !strings.Contains(errOut, "hcops inspect --playbook db-health") {
		t.Fatalf("empty history: %d %s", code, errOut)
	}

	code, out, errOut := e.hcops(ctx, t, "inspect", "--playbook", "db-health", "--connect-timeout", "2s")
	if code != ExitUnknown || !strings.Contains(out, "lis-db") || !strings.Contains(out, "pg-standby") { // lis-db cannot be reached
		t.Fatalf("inspect: exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, errOut = e.hcops(ctx, t, "report", "db", "--format", "json", "--out", "-")
	if code != 0 {
		t.Fatalf("report db: %d %s", code, errOut)
	}
	var d report.DBReport
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	inst := map[string]report.DBInstance{}
	for _, in := range d.Instances {
		inst[in.Name] = in
	}
	if d.Overview.Instances != 3 || d.Overview.Unreachable != 1 || len(inst) != 3 {
		t.Fatalf("overview %+v", d.Overview)
	}
	if !strings.HasPrefix(d.Conclusion, "No critical problem, but instances that could not be reached: 1;") {
		t.Errorf("conclusion %q", d.Conclusion)
	}
	p := inst["pg-primary"]
	if p.Engine != "PostgreSQL" || p.Version != version || p.Role != "primary" || p.Address != "127.0.0.1:"+strconv.Itoa(primary.Port) {
		t.Errorf("primary: %+v (server version %s)", p, version)
	}
	if p.Standbys == nil || *p.Standbys != 1 || p.ReplicationStatus != result.OK || p.ConnectionsPct == nil || p.CacheHitPct == nil || p.TPS == nil || p.UptimeS == nil {
		t.Errorf("primary figures: %+v", p)
	}
	s := inst["pg-standby"]
	if s.Role != "standby" || s.ReplicationLagS == nil || s.Version != version {
		t.Errorf("standby: %+v", s)
	}
	if l := inst["lis-db"]; l.Reachable || l.Status != result.Unreachable || d.Problems[0].Asset != "lis-db" || d.Problems[0].Advice == "" {
		t.Errorf("unreachable instance: %+v, first problem %+v", l, d.Problems[0])
	}
	// The size of database his is what the server says it is (the table
	// is not written to meanwhile).
	wantSize, _ := strconv.ParseFloat(primary.SQL(t, "", "SELECT pg_database_size('his')"), 64)
	var his *report.DBSize
	for i := range d.Sizes {
		if d.Sizes[i].Instance == "pg-primary" && d.Sizes[i].Database == "his" {
			his = &d.Sizes[i]
		}
	}
	if his == nil || his.Bytes < wantSize*0.9 || his.Bytes > wantSize*1.1 {
		t.Errorf("size of his: %+v, server says %.0f", his, wantSize)
	}
	if len(d.LargestTables) == 0 || !strings.Contains(d.LargestTables[0].Tables, "emr_record") {
		t.Errorf("largest tables %+v", d.LargestTables)
	}
	// WAL archiving is off on the test servers: a DR warning with advice.
	var archiveWarn, sslWarn bool
	for _, sec := range d.Sections {
		for _, it := range sec.Items {
			if sec.Key == "dr" && it.Item == "wal-archive" && it.Status == result.Warn && it.Advice != "" {
				archiveWarn = true
			}
			if sec.Key == "security" && it.Item == "settings" && it.Status == result.Warn {
				sslWarn = true
			}
		}
	}
	if !archiveWarn || !sslWarn {
		t.Errorf("want the archiving warning in DR (%v) and the ssl warning in security (%v): %+v", archiveWarn, sslWarn, d.Sections)
	}

	// The HTML report in Chinese, written to a file whose path is printed.
	code, out, errOut = e.hcops(ctx, t, "--lang", "zh", "report", "db", "--out", filepath.Join(e.dir, "db.html"))
	if code != 0 || strings.TrimSpace(out) != filepath.Join(e.dir, "db.html") {
		t.Fatalf("html: %d %q %s", code, out, errOut)
	}
	html, _ := os.ReadFile(filepath.Join(e.dir, "db.html"))
	for _, want := range []string{"数据库健康诊断报告", "pg-primary", "PostgreSQL " + version, "无法连接", "1/1 个备库在线", "高可用与容灾", "emr_record"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("html lacks %q", want)
		}
	}

	// A selection reports only its instances; a run that does not exist
	// or one without database results is exit 3.
	code, out, _ = e.hcops(ctx, t, "report", "db", "pg-standby", "--format", "json", "--out", "-")
	if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil || len(d.Instances) != 1 || d.Instances[0].Name != "pg-standby" {
		t.Errorf("selection: %d %v %+v", code, err, d.Instances)
	}
	if code, _, errOut = e.hcops(ctx, t, "report", "db", "--run", "99"); code != ExitUnknown || !strings.Contains(errOut, "no run 99") {
		t.Errorf("missing run: %d %s", code, errOut)
	}
	if code, _, errOut = e.hcops(ctx, t, "report", "appliance"); code != ExitUnknown || !strings.Contains(errOut, "hardware-monthly") {
		t.Errorf("appliance report without hardware runs: %d %s", code, errOut)
	}
	if code, _, errOut = e.hcops(ctx, t, "report", "appliance", "--run", strconv.FormatInt(d.RunID, 10)); code != ExitUnknown || !strings.Contains(errOut, "no hardware results") {
		t.Errorf("appliance report of a db run: %d %s", code, errOut)
	}

	// An inspection in Chinese: the version and role are facts of the
	// run, the same in an English report; the status line is English.
	if code, out, errOut := e.hcops(ctx, t, "--lang", "zh", "inspect", "--playbook", "db-health", "--connect-timeout", "2s"); code != ExitUnknown {
		t.Fatalf("inspect in Chinese: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = e.hcops(ctx, t, "report", "db", "--format", "json", "--out", "-")
	d = report.DBReport{}
	if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil {
		t.Fatalf("report db of a Chinese run: %d %v %s", code, err, errOut)
	}
	for _, in := range d.Instances {
		if in.Name == "lis-db" {
			continue
		}
		if in.Engine != "PostgreSQL" || in.Version != version || in.Role != inst[in.Name].Role {
			t.Errorf("%s from a Chinese run: %s %q %q, want PostgreSQL %q %q", in.Name, in.Engine, in.Version, in.Role, version, inst[in.Name].Role)
		}
	}
	for _, sec := range d.Sections {
		for _, it := range sec.Items {
			if it.Type == "db-status" && it.Asset == "pg-primary" && !strings.HasPrefix(it.Message, "PostgreSQL "+version+" ") {
				t.Errorf("status of a Chinese run in an English report: %q", it.Message)
			}
			// (等保 2.0 is the standard's name in English text too.)
			if strings.ContainsFunc(it.Message+strings.ReplaceAll(it.Advice, "等保", ""), func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("Chinese in the English report of a Chinese run: %s %s: %q %q", it.Asset, it.Check, it.Message, it.Advice)
			}
		}
	}
}

// TestReportApplianceCLI writes the hardware report of a stored hardware
// run: the failing disk leads the problems, a name glob narrows the servers.
// The stored advice is plain English without a code, so the Chinese report
// gives its own (issue #13: one language).
func TestReportApplianceCLI(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.Local)
	temp := 41.0
	seedHistoryRun(t, db, result.KindInspect, at, result.RunCompleted,
		result.Result{Asset: "yj-01", Check: "smart", Type: "smart", Item: "/dev/sdc", Playbook: "hardware-monthly", Status: result.Crit,
			Value: &temp, Unit: "C", Warn: "~:55", Crit: "~:65", Message: "/dev/sdc EXAMPLE HDD 2TB EXAMPLE-0001: SMART self-assessment FAILED",
			Advice: "replace the disk (serial EXAMPLE-0001)", Metrics: []result.Metric{{Name: "disk.temp_c", Value: 41, Unit: "C"}}, StartedAt: at},
		result.Result{Asset: "pm-02", Check: "edac", Type: "edac", Item: "memory", Playbook: "hardware-monthly", Status: result.OK,
			Message: "1 memory controller(s): 0 correctable, 0 uncorrectable errors since boot", StartedAt: at,
			Metrics: []result.Metric{{Name: "mem.ce_count", Value: 0}, {Name: "mem.ue_count", Value: 0}}})
	db.Close()

	code, out, errOut := e.hcops(t, "--lang", "zh", "report", "appliance", "--format", "md", "--out", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"一体机及物理服务器硬件巡检报告", "2026年11月", "| 1 | 严重 | yj-01 | /dev/sdc (硬盘 SMART 健康) | 41 °C |", "建议当日内核查并处理 yj-01 硬盘健康（SMART） /dev/sdc", "hcops report db"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = e.hcops(t, "report", "appliance", "pm-*", "--format", "json", "--out", "-")
	var a report.ApplianceReport
	if err := json.Unmarshal([]byte(out), &a); code != 0 || err != nil || len(a.Servers) != 1 || a.Servers[0].Name != "pm-02" || a.Worst != result.OK {
		t.Errorf("selection: %d %v %s", code, err, errOut)
	}
	// The default file name carries the report and the run's day.
	cfg := filepath.Join(e.dir, "config.yaml")
	os.WriteFile(cfg, []byte("report:\n  out_dir: "+filepath.Join(e.dir, "reports")+"\n"), 0o644)
	code, out, errOut = e.hcops(t, "--config", cfg, "--lang", "zh", "report", "appliance", "--format", "xlsx")
	want := filepath.Join(e.dir, "reports", "硬件巡检报告-2026-11-01.xlsx")
	if code != 0 || strings.TrimSpace(out) != want {
		t.Errorf("default name: %d %q %s", code, out, errOut)
	}
	if f, err := excelize.OpenFile(want); err != nil {
		t.Errorf("workbook: %v", err)
	} else {
		f.Close()
	}
}
