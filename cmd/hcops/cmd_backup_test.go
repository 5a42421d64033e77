package main

import (
	"compress/gzip"
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
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// writeDailyCopies writes n daily gzip copies ending lastAge ago.
func writeDailyCopies(t *testing.T, dir, prefix string, n int, lastAge time.Duration, size int) {
	t.Helper()
	now := time.Now()
	for i := 0; i < n; i++ {
		at := now.Add(-lastAge).Add(-time.Duration(n-1-i) * 24 * time.Hour)
		f := filepath.Join(dir, fmt.Sprintf("%s-%s.sql.gz", prefix, at.Format("20060102")))
		fh, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(fh, gzip.NoCompression)
		buf := make([]byte, size)
		for j := range buf {
			buf[j] = byte(j * 31)
		}
		zw.Write([]byte("-- MySQL dump\n"))
		zw.Write(buf)
		zw.Write([]byte("\n-- Dump completed on x\n"))
		zw.Close()
		fh.Close()
		os.Chtimes(f, at, at)
	}
}

func TestBackupVerifyListAndHistory(t *testing.T) {
	testenv.LookPath(t, "sshd")
	e := newInspectEnv(t, "")
	remote, local := t.TempDir(), t.TempDir()
	writeDailyCopies(t, remote, "oa", 7, 2*time.Hour, 50_000)
	writeDailyCopies(t, local, "his", 7, 4*24*time.Hour, 50_000) // stale
	policies := fmt.Sprintf(`policies:
  - name: oa-dump
    kind: mysqldump
    asset: app-01
    of: oa-db-01
    system: pacs
    path: %s/oa-*.sql.gz
    schedule: daily
    rpo: 26h
    retention: {keep_last: 7}
  - name: his-dump
    kind: mysqldump
    of: his-db-01
    path: %s/his-*.sql.gz
    schedule: daily
    retention: {keep_last: 7}
`, remote, local)
	bf := filepath.Join(e.dir, "backups.yaml")
	os.WriteFile(bf, []byte(policies), 0o644)
	ssh := []string{"--identity", e.sshd.ClientKeyPath, "--known-hosts", e.sshd.KnownHostsPath}

	code, out, errOut := e.hcops(context.Background(), t, append([]string{"backup", "verify", "-o", "json"}, ssh...)...)
	if code != ExitCrit {
		t.Fatalf("a stale backup must exit 2, got %d\n%s\n%s", code, out, errOut)
	}
	var run result.Run
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	got := map[string]result.Status{}
	for _, r := range run.Results {
		got[r.Check+"/"+r.Item] = r.Status
	}
	for k, want := range map[string]result.Status{
		"backup:oa-dump/freshness": result.OK, "backup:oa-dump/integrity": result.OK, "backup:oa-dump/size": result.OK,
		"backup:his-dump/freshness": result.Crit,
	} {
		if got[k] != want {
			t.Errorf("%s: got %s, want %s (all: %v)", k, got[k], want, got)
		}
	}

	// Stored as a backup run for reports.
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.ListRuns(context.Background(), store.RunFilter{Kind: result.KindBackup})
	db.Close()
	if err != nil || len(runs) != 1 || runs[0].Counts.Crit == 0 {
		t.Fatalf("backup run in history: %v %+v", err, runs)
	}

	// list: the copies with their last integrity verdict.
	code, out, errOut = e.hcops(context.Background(), t, append([]string{"backup", "list", "oa-dump", "-o", "json"}, ssh...)...)
	if code != 0 {
		t.Fatalf("list: %d %s", code, errOut)
	}
	var rows []copyRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 7 {
		t.Fatalf("list rows: %v %s", err, out)
	}
	if !strings.HasPrefix(rows[0].Integrity, "OK ") || rows[0].LastDrill != "never" {
		t.Errorf("newest copy's evidence: %+v", rows[0])
	}

	// A policy file with a typo names the file and line.
	os.WriteFile(bf, []byte("policies:\n  - name: x\n    kind: file\n    path: /x/*.tar\n    schedule: daily\n    rpo_hours: 3\n"), 0o644)
	code, _, errOut = e.hcops(context.Background(), t, "backup", "verify")
	if code != ExitUnknown || !strings.Contains(errOut, `backups.yaml:6: unknown key "rpo_hours"`) {
		t.Errorf("typo in policies: %d %s", code, errOut)
	}
}

func TestBackupDrillCLI(t *testing.T) {
	src := testenv.StartPostgres(t)
	target := testenv.StartPostgres(t)
	src.SQL(t, "", "CREATE DATABASE his")
	src.SQL(t, "his", "CREATE TABLE patients (id int primary key); INSERT INTO patients SELECT generate_series(1, 100)")
	dir := t.TempDir()
	f := filepath.Join(dir, "his-20261129.dump")
	cmd := exec.Command(filepath.Join(src.BinDir, "pg_dump"), "-h", "127.0.0.1", "-p", strconv.Itoa(src.Port), "-U", "postgres", "-Fc", "-f", f, "his")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+src.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v %s", err, out)
	}
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
`, src.Port)), 0o644)
	os.WriteFile(filepath.Join(e.dir, "backups.yaml"), []byte(fmt.Sprintf(`policies:
  - name: his-dump
    kind: pg_dump
    of: his-db-01
    path: %s/his-*.dump
    schedule: daily
    drill: {engine: postgresql, tables: [patients], source: his-db-01}
drill_targets:
  postgresql: {host: 127.0.0.1, port: %d, user: drill, password: {env: HCOPS_TEST_DRILL_PW}, scratch_prefix: hcops_drill_}
`, dir, target.Port)), 0o644)
	code, out, errOut := e.hcops(context.Background(), t, "backup", "drill", "-o", "json")
	if code != 0 {
		t.Fatalf("drill: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "within ±10% of the source") || !strings.Contains(out, `"drill.duration_s"`) {
		t.Errorf("drill output: %s", out)
	}
	// In Chinese: the restore and row verdicts name the copy, the reference and the counts.
	code, out, errOut = e.hcops(context.Background(), t, "backup", "drill", "--lang", "zh", "--no-store")
	if code != 0 || !strings.Contains(out, "各表行数与源库的偏差均在 ±10% 以内：patients=100") ||
		!strings.Contains(out, "his-20261129.dump 已恢复到临时演练库 hcops_drill_his_dump_") || !strings.Contains(errOut, "恢复演练 his-dump：正在将 his-20261129.dump") {
		t.Errorf("drill in Chinese: %d\n%s\n%s", code, out, errOut)
	}
	// The drill is evidence in history, and backup list shows it.
	code, out, _ = e.hcops(context.Background(), t, "backup", "list", "-o", "json")
	if code != 0 || !strings.Contains(out, `"last_drill": "`+time.Now().Format("2006-01-02")+` OK"`) {
		t.Errorf("list after drill: %d %s", code, out)
	}

	// A drill target that is the production database's server, under
	// another spelling of its address, is refused before anything runs:
	// exit 3, naming the asset.
	bf := filepath.Join(e.dir, "backups.yaml")
	data, _ := os.ReadFile(bf)
	os.WriteFile(bf, []byte(strings.Replace(string(data), fmt.Sprintf("host: 127.0.0.1, port: %d", target.Port), fmt.Sprintf("host: localhost, port: %d", src.Port), 1)), 0o644)
	code, out, errOut = e.hcops(context.Background(), t, "backup", "drill", "--no-store")
	if code != ExitUnknown || !strings.Contains(out, fmt.Sprintf("refusing to drill into localhost:%d: it is the address of the database asset his-db-01 (127.0.0.1:%d)", src.Port, src.Port)) {
		t.Errorf("drill into production: %d\n%s\n%s", code, out, errOut)
	}
	if got := src.SQL(t, "", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hcops_drill_%'"); got != "0" {
		t.Errorf("a scratch database was created on the production server")
	}
}

// drillRole makes the drill account a site creates on its drill server
// (CREATEDB, nothing more), its password in HCOPS_TEST_DRILL_PW.
func drillRole(t *testing.T, target *testenv.Postgres) {
	t.Helper()
	target.SQL(t, "", "CREATE ROLE drill LOGIN CREATEDB PASSWORD 'drill-pw'")
	t.Setenv("HCOPS_TEST_DRILL_PW", "drill-pw")
}

// hcops backup verify|list with --lang zh: headers, verdicts, advice and the
// summary in Chinese, with the copies' names and ages; JSON keeps its
// English status words and values for scripts.
func TestBackupVerifyInChinese(t *testing.T) {
	e := &inspectEnv{dir: t.TempDir()}
	e.inv = filepath.Join(e.dir, "inventory.yaml")
	e.db = filepath.Join(e.dir, "history.db")
	os.WriteFile(e.inv, []byte("assets:\n  - {name: his-db-01, kind: host, address: 127.0.0.1}\n"), 0o644)
	copies := t.TempDir()
	writeDailyCopies(t, copies, "his", 7, 51*time.Hour, 20_000) // stale: 2 days 3 hours
	bf := filepath.Join(e.dir, "backups.yaml")
	os.WriteFile(bf, []byte(fmt.Sprintf(`policies:
  - name: his-dump
    kind: mysqldump
    of: his-db-01
    path: %s/his-*.sql.gz
    schedule: daily
    rpo: 24h
    retention: {keep_last: 7}
`, copies)), 0o644)
	newest := "his-" + time.Now().Add(-51*time.Hour).Format("20060102") + ".sql.gz"

	code, out, errOut := e.hcops(context.Background(), t, "backup", "verify", "--lang", "zh")
	if code != ExitCrit {
		t.Fatalf("a stale backup must exit 2, got %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"策略", "校验项", "状态", "说明",
		"时效性", "严重", "最新备份 " + newest + " 距今 2天3小时，超过恢复点目标（RPO）24小时",
		"完整性", "正常", newest + " 校验通过：gzip、dump-complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"his-dump（时效性）建议：最近几次备份任务失败或未运行", "共 5 项结果：正常 4，警告 0，严重 1，未知 0，无法连接 0"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, "newest copy") || strings.Contains(out, "POLICY") {
		t.Errorf("English left in the Chinese output:\n%s\n%s", out, errOut)
	}

	// backup list reads the Chinese integrity verdict back from history.
	code, out, _ = e.hcops(context.Background(), t, "backup", "list", "--lang", "zh")
	today := time.Now().Format("2006-01-02")
	if code != 0 || !strings.Contains(out, "最近演练") || !strings.Contains(out, newest) || !strings.Contains(out, "正常 "+today) || !strings.Contains(out, "从未演练") {
		t.Errorf("list in Chinese: %d\n%s", code, out)
	}
	code, out, _ = e.hcops(context.Background(), t, "backup", "list", "--lang", "zh", "-o", "json")
	var rows []copyRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 || len(rows) != 7 {
		t.Fatalf("list json: %d %v %s", code, err, out)
	}
	if rows[0].Integrity != "OK "+today || rows[0].LastDrill != "never" {
		t.Errorf("JSON values must not depend on the language: %+v", rows[0])
	}

	// A typo in the policy file, in Chinese, with its line.
	os.WriteFile(bf, []byte("policies:\n  - name: x\n    kind: file\n    path: /x/*.tar\n    schedule: daily\n    rpo_hours: 3\n"), 0o644)
	code, _, errOut = e.hcops(context.Background(), t, "backup", "verify", "--lang", "zh")
	if code != ExitUnknown || !strings.Contains(errOut, `backups.yaml:6: 未知的键 "rpo_hours"`) {
		t.Errorf("typo in policies, Chinese: %d %s", code, errOut)
	}
}

// hcops backup drill on a file policy whose archives live on another host
// (the real sshd): extracted on this machine, checked against the manifest
// inside, stored as a drill, shown by backup list; a tampered archive fails
// the drill naming the file.
func TestBackupDrillArchiveCLI(t *testing.T) {
	testenv.LookPath(t, "sshd")
	e := newInspectEnv(t, "")
	tree, remote, scratch := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "drill")
	for name, body := range map[string]string{
		"etc/nginx/nginx.conf":   "worker_processes auto;\n",
		"data/his/visits-01.csv": strings.Repeat("1,2026-11-29,门诊\n", 2000),
		"data/his/visits-02.csv": strings.Repeat("2,2026-11-30,住院\n", 2000),
	} {
		os.MkdirAll(filepath.Join(tree, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(tree, name), []byte(body), 0o644)
	}
	pack := func(name string, age time.Duration) {
		t.Helper()
		f := filepath.Join(remote, name)
		script := "find . -type f ! -name MANIFEST.sha256 | sort | xargs sha256sum > MANIFEST.sha256 && tar -czf " + f + " ."
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = tree
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
		at := time.Now().Add(-age)
		os.Chtimes(f, at, at)
	}
	pack("web-20261129.tar.gz", 26*time.Hour)
	os.WriteFile(filepath.Join(e.dir, "backups.yaml"), []byte(fmt.Sprintf(`policies:
  - name: web-files
    kind: file
    asset: app-01
    of: web-01
    path: %s/web-*.tar.gz
    schedule: daily
    drill: {expect: [etc/nginx/nginx.conf, data/his/], manifest: MANIFEST.sha256}
drill_targets:
  files: {scratch_dir: %s}
`, remote, scratch)), 0o644)
	ssh := []string{"--identity", e.sshd.ClientKeyPath, "--known-hosts", e.sshd.KnownHostsPath}

	code, out, errOut := e.hcops(context.Background(), t, append([]string{"backup", "drill", "-o", "json"}, ssh...)...)
	if code != 0 {
		t.Fatalf("drill: %d\n%s\n%s", code, out, errOut)
	}
	var run result.Run
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	got := map[string]result.Result{}
	for _, r := range run.Results {
		got[r.Check+"/"+r.Item] = r
	}
	restore, files, manifest := got["drill:web-files/restore"], got["drill:web-files/files"], got["drill:web-files/manifest"]
	if run.Kind != result.KindDrill || restore.Status != result.OK || restore.Value == nil || len(restore.Metrics) == 0 || restore.Metrics[0].Name != "drill.duration_s" {
		t.Errorf("restore: kind %s %+v", run.Kind, restore)
	}
	if files.Status != result.OK || !strings.HasPrefix(files.Message, "4 files (") || !strings.HasSuffix(files.Message, "restored, all 2 expected paths present") {
		t.Errorf("files: %s %q", files.Status, files.Message)
	}
	if manifest.Status != result.OK || manifest.Message != "all 3 files listed in MANIFEST.sha256 match (sha256)" {
		t.Errorf("manifest: %s %q", manifest.Status, manifest.Message)
	}
	if !strings.Contains(errOut, "drill web-files: extracting web-20261129.tar.gz (") || !strings.Contains(errOut, "into a scratch directory under "+scratch) {
		t.Errorf("progress: %s", errOut)
	}

	// Stored as a drill run; backup list shows it as the last drill.
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.ListRuns(context.Background(), store.RunFilter{Kind: result.KindDrill})
	db.Close()
	if err != nil || len(runs) != 1 || runs[0].Counts.OK != 3 {
		t.Fatalf("drill run in history: %v %+v", err, runs)
	}
	code, out, _ = e.hcops(context.Background(), t, append([]string{"backup", "list", "-o", "json"}, ssh...)...)
	today := time.Now().Format("2006-01-02")
	if code != 0 || !strings.Contains(out, `"copy": "web-20261129.tar.gz"`) || !strings.Contains(out, `"last_drill": "`+today+` OK"`) {
		t.Errorf("list after drill: %d %s", code, out)
	}

	// A newer archive altered after its manifest was written: CRIT naming
	// the file, in Chinese; nothing left in the scratch directory.
	pack("web-20261130.tar.gz", time.Hour) // manifest of the good tree...
	os.WriteFile(filepath.Join(tree, "data/his/visits-02.csv"), []byte("truncated\n"), 0o644)
	cmd := exec.Command("sh", "-c", "tar -czf "+filepath.Join(remote, "web-20261130.tar.gz")+" .") // ...packed with a changed file
	cmd.Dir = tree
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, b)
	}
	code, out, errOut = e.hcops(context.Background(), t, append([]string{"backup", "drill", "web-files", "--lang", "zh"}, ssh...)...)
	if code != ExitCrit || !strings.Contains(out, "校验清单") || !strings.Contains(out, "严重") ||
		!strings.Contains(out, "校验清单 MANIFEST.sha256 所列 3 个文件中有 1 个不一致：./data/his/visits-02.csv（校验值不一致）") ||
		!strings.Contains(errOut, "web-files（校验清单）建议：归档中的文件与打包时记录的校验值不符") ||
		!strings.Contains(errOut, "恢复演练 web-files：正在将 web-20261130.tar.gz") {
		t.Errorf("tampered archive: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = e.hcops(context.Background(), t, append([]string{"backup", "list", "--lang", "zh"}, ssh...)...)
	if code != 0 || !strings.Contains(out, today+" 严重") {
		t.Errorf("list shows the failed drill: %d\n%s", code, out)
	}
	// the older copy still drills clean
	code, _, errOut = e.hcops(context.Background(), t, append([]string{"backup", "drill", "--copy", "web-20261129.tar.gz", "--no-store"}, ssh...)...)
	if code != 0 {
		t.Errorf("--copy older: %d %s", code, errOut)
	}
	if es, _ := os.ReadDir(scratch); len(es) != 0 {
		t.Errorf("scratch directory not cleaned: %v", es)
	}
}
