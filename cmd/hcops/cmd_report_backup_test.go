package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

// The monthly report's backup section is made from what hcops backup verify
// and drill recorded: a real pg_dump, restored into a real scratch
// PostgreSQL, and a stale file backup.
func TestMonthlyReportBackupSection(t *testing.T) {
	src := testenv.StartPostgres(t)
	target := testenv.StartPostgres(t)
	src.SQL(t, "", "CREATE DATABASE his")
	src.SQL(t, "his", "CREATE TABLE patients (id int primary key); INSERT INTO patients SELECT generate_series(1, 500)")
	dumps, files := t.TempDir(), t.TempDir()
	now := time.Now()
	for i := 2; i >= 0; i-- {
		at := now.Add(-time.Duration(i)*24*time.Hour - time.Hour)
		f := filepath.Join(dumps, "his-"+at.Format("20060102")+".dump")
		cmd := exec.Command(filepath.Join(src.BinDir, "pg_dump"), "-h", "127.0.0.1", "-p", strconv.Itoa(src.Port), "-U", "postgres", "-Fc", "-f", f, "his")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+src.Password)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v %s", err, out)
		}
		os.Chtimes(f, at, at)
	}
	writeDailyCopies(t, files, "lis", 5, 3*24*time.Hour, 20_000) // newest is 3 days old

	t.Setenv("HCOPS_TEST_SRC_PW", src.Password)
	drillRole(t, target)
	e := &inspectEnv{dir: t.TempDir()}
	e.inv = filepath.Join(e.dir, "inventory.yaml")
	e.db = filepath.Join(e.dir, "history.db")
	os.WriteFile(e.inv, []byte(fmt.Sprintf(`assets:
  - name: his-db-01
    kind: database
    address: 127.0.0.1
    port: %d
    database: {engine: postgresql, database: his, user: postgres, password: {env: HCOPS_TEST_SRC_PW}}
  - name: lis-01
    kind: host
    address: 127.0.0.1
`, src.Port)), 0o644)
	os.WriteFile(filepath.Join(e.dir, "backups.yaml"), []byte(fmt.Sprintf(`policies:
  - name: his-dump
    kind: pg_dump
    of: his-db-01
    path: %s/his-*.dump
    schedule: daily
    drill: {engine: postgresql, tables: [patients], source: his-db-01}
  - name: lis-files
    kind: mysqldump
    of: lis-01
    path: %s/lis-*.sql.gz
    schedule: daily
drill_targets:
  postgresql: {host: 127.0.0.1, port: %d, user: drill, password: {env: HCOPS_TEST_DRILL_PW}, scratch_prefix: hcops_drill_}
`, dumps, files, target.Port)), 0o644)

	ctx := context.Background()
	if code, out, errOut := e.hcops(ctx, t, "backup", "verify"); code != ExitCrit {
		t.Fatalf("verify: want exit 2 for the stale lis-files, got %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := e.hcops(ctx, t, "backup", "drill", "his-dump"); code != 0 {
		t.Fatalf("drill: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := e.hcops(ctx, t, "report", "monthly", "--month", now.Format("2006-01"), "--format", "json", "--out", "-")
	if code != 0 {
		t.Fatalf("report: %d %s", code, errOut)
	}
	var m struct {
		Backup struct {
			Policies []struct {
				Policy    string            `json:"policy"`
				Asset     string            `json:"asset"`
				Status    string            `json:"status"`
				Compliant bool              `json:"compliant"`
				Aspects   map[string]string `json:"aspects"`
				LastDrill *struct {
					Status    string   `json:"status"`
					DurationS *float64 `json:"duration_s"`
				} `json:"last_drill"`
			} `json:"policies"`
			DrillRuns []struct {
				Policy    string   `json:"policy"`
				DurationS *float64 `json:"duration_s"`
			} `json:"drill_runs"`
			Compliant int `json:"policies_compliant"`
		} `json:"backup"`
		Risks []struct {
			Object string `json:"object"`
			Level  string `json:"level"`
		} `json:"risks"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	b := m.Backup
	if len(b.Policies) != 2 || b.Compliant != 1 {
		t.Fatalf("policies: %+v", b.Policies)
	}
	lis, his := b.Policies[0], b.Policies[1] // worst first
	if lis.Policy != "lis-files" || lis.Status != "CRIT" || lis.Aspects["freshness"] != "CRIT" || lis.Compliant || lis.Asset != "lis-01" {
		t.Errorf("lis-files row: %+v", lis)
	}
	if his.Policy != "his-dump" || his.Status != "OK" || !his.Compliant || his.Aspects["integrity"] != "OK" {
		t.Errorf("his-dump row: %+v", his)
	}
	if his.LastDrill == nil || his.LastDrill.Status != "OK" || his.LastDrill.DurationS == nil || *his.LastDrill.DurationS <= 0 {
		t.Errorf("his-dump drill: %+v", his.LastDrill)
	}
	if len(b.DrillRuns) != 1 || b.DrillRuns[0].Policy != "his-dump" {
		t.Errorf("drills: %+v", b.DrillRuns)
	}
	found := false
	for _, r := range m.Risks {
		if r.Object == "Backup policy lis-files (lis-01)" && r.Level == "CRIT" {
			found = true
		}
	}
	if !found {
		t.Errorf("the stale policy is not a risk: %+v", m.Risks)
	}

	// The same section in the Chinese HTML report.
	code, html, errOut := e.hcops(ctx, t, "--lang", "zh", "report", "monthly", "--month", now.Format("2006-01"), "--format", "html", "--out", "-")
	if code != 0 {
		t.Fatalf("html report: %d %s", code, errOut)
	}
	for _, want := range []string{"备份策略合规情况：共 2 个备份策略", "恢复演练情况：本月共进行恢复演练 1 次，成功 1 次", "lis-files"} {
		if !strings.Contains(html, want) {
			t.Errorf("html report lacks %q", want)
		}
	}
	// The verdicts were recorded in English (--lang en, as under cron with
	// LANG=C): the Chinese report renders them from their code and args —
	// the stale policy's verdict and advice (also in the risk table), the
	// drill's restore with its time — and shows none of the English text.
	for _, want := range []string{"超过恢复点目标（RPO）", "最近几次备份任务失败或未运行", "已恢复到临时演练库", "秒（可作为 RTO 依据）"} {
		if !strings.Contains(html, want) {
			t.Errorf("Chinese report of English runs lacks %q", want)
		}
	}
	for _, bad := range []string{"older than the RPO", "restored into scratch database", "RTO evidence", "the last backup runs failed"} {
		if strings.Contains(html, bad) {
			t.Errorf("Chinese report of English runs shows %q", bad)
		}
	}

	// And the other way round: a verification in Chinese, the report in
	// English.
	if code, out, errOut := e.hcops(ctx, t, "--lang", "zh", "backup", "verify"); code != ExitCrit {
		t.Fatalf("verify in Chinese: %d\n%s\n%s", code, out, errOut)
	}
	code, html, errOut = e.hcops(ctx, t, "report", "monthly", "--month", now.Format("2006-01"), "--format", "html", "--out", "-")
	if code != 0 {
		t.Fatalf("English html report: %d %s", code, errOut)
	}
	if !strings.Contains(html, "older than the RPO") {
		t.Errorf("English report of a Chinese run lacks the stale verdict")
	}
	for _, bad := range []string{"超过恢复点目标", "距今", "校验通过", "最近几次备份任务"} {
		if strings.Contains(html, bad) {
			t.Errorf("English report of a Chinese run shows %q", bad)
		}
	}
}
