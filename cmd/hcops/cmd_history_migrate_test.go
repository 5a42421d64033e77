package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
)

// migrateTestHome is a home of its own for a migrate test, with no
// setting from the environment: the inventory inv.yaml and the playbooks
// pb/ in it.
func migrateTestHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".data"))
	t.Setenv("HCOPS_CONFIG", "")
	t.Setenv("HCOPS_DB", "")
	t.Setenv("HCOPS_DB_PASSWORD", "")
	t.Setenv("HCOPS_OUTPUT", "")
	t.Setenv("HCOPS_INVENTORY", filepath.Join(dir, "inv.yaml"))
	t.Setenv("HCOPS_PLAYBOOKS_DIR", filepath.Join(dir, "pb"))
	return dir
}

// TestHistoryMigrateRoundTrip seeds a history file with real inspections
// (transport local), moves it into a real PostgreSQL server on loopback,
// reads it back through --db postgres://, and moves it back into a new
// file: every view of the runs is the same in all three, and a second
// migration into the same database is refused.
func TestHistoryMigrateRoundTrip(t *testing.T) {
	dir := migrateTestHome(t)
	os.MkdirAll(filepath.Join(dir, "pb"), 0o755)
	os.WriteFile(filepath.Join(dir, "inv.yaml"), []byte(`systems:
  - {name: 影像归档}
  - {name: his}
assets:
  - {name: pacs-01, kind: host, system: 影像归档, zone: 内网, connection: {transport: local}}
  - {name: his-01, kind: host, system: his, zone: dmz, connection: {transport: local}}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "pb", "numbers.yaml"), []byte(`name: numbers
checks:
  - name: number
    type: command
    warn: "~:5"
    params: {script: "echo 7"}
  - name: words
    type: command
    params: {script: "echo 磁盘正常"}
`), 0o644)
	file := filepath.Join(dir, "history.db")
	for range 2 {
		if _, errOut, code := runHcops(t, "--db", file, "--lang", "en", "inspect", "--playbook", "numbers", "--all"); code != 1 {
			t.Fatalf("inspect: exit %d, want 1 (WARN): %s", code, errOut)
		}
	}

	pg := testenv.StartPostgres(t)
	pg.SQL(t, "", "CREATE DATABASE hcops_mig")
	url := "postgres://postgres@127.0.0.1:" + strconv.Itoa(pg.Port) + "/hcops_mig?sslmode=disable"
	t.Setenv("PGPW", pg.Password)

	// Off a terminal, --yes is required.
	if _, errOut, code := runHcops(t, "--db", file, "--lang", "en", "history", "migrate", "--to", url, "--to-password", "env:PGPW"); code != 3 || !strings.Contains(errOut, "--yes") {
		t.Fatalf("without --yes: exit %d, %s", code, errOut)
	}
	out, errOut, code := runHcops(t, "--db", file, "--lang", "en", "history", "migrate", "--to", url, "--to-password", "env:PGPW", "--yes", "-o", "json")
	if code != 0 {
		t.Fatalf("migrate to PostgreSQL: exit %d: %s", code, errOut)
	}
	var rep struct {
		OK     bool  `json:"ok"`
		Rows   int64 `json:"rows"`
		Tables []struct {
			Table      string `json:"table"`
			SourceRows int64  `json:"source_rows"`
			DestRows   int64  `json:"destination_rows"`
			SourceSum  string `json:"source_checksum"`
			DestSum    string `json:"destination_checksum"`
			OK         bool   `json:"ok"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	rows := map[string]int64{}
	for _, tc := range rep.Tables {
		rows[tc.Table] = tc.DestRows
		if !tc.OK || tc.SourceSum != tc.DestSum || len(tc.DestSum) != 64 {
			t.Errorf("table %s not verified: %+v", tc.Table, tc)
		}
	}
	if !rep.OK || rows["runs"] != 2 || rows["results"] != 8 || rows["inventory_snapshots"] != 1 {
		t.Errorf("report: ok %v, rows %v; want 2 runs, 8 results, 1 snapshot", rep.OK, rows)
	}
	if !strings.Contains(errOut, "every table has the same row count and checksum") || strings.Contains(errOut, pg.Password) {
		t.Errorf("summary on stderr: %s", errOut)
	}

	listJSON := func(db string, extra ...string) string {
		t.Helper()
		args := append([]string{"--db", db, "--lang", "en"}, extra...)
		out, errOut, code := runHcops(t, append(args, "history", "list", "--limit", "0", "-o", "json")...)
		if code != 0 {
			t.Fatalf("history list on %s: exit %d: %s", db, code, errOut)
		}
		return out
	}
	showJSON := func(db string, extra ...string) string {
		t.Helper()
		args := append([]string{"--db", db, "--lang", "en"}, extra...)
		out, errOut, code := runHcops(t, append(args, "history", "show", "latest", "-o", "json")...)
		if code != 0 {
			t.Fatalf("history show on %s: exit %d: %s", db, code, errOut)
		}
		return out
	}
	want := listJSON(file)
	if strings.Count(want, `"run_id"`) != 2 {
		t.Fatalf("the file history lists %d runs, want 2:\n%s", strings.Count(want, `"run_id"`), want)
	}
	if got := listJSON(url, "--db-password", "env:PGPW"); got != want {
		t.Errorf("history list on PostgreSQL differs from the file:\nfile %s\n  pg %s", want, got)
	}
	wantShow := showJSON(file)
	if !strings.Contains(wantShow, "磁盘正常") {
		t.Errorf("the latest run lacks its Chinese output:\n%s", wantShow)
	}
	if got := showJSON(url, "--db-password", "env:PGPW"); got != wantShow {
		t.Errorf("history show latest on PostgreSQL differs from the file:\nfile %s\n  pg %s", wantShow, got)
	}

	// Once more into the same database: refused, naming it, nothing changed.
	_, errOut, code = runHcops(t, "--db", file, "--lang", "en", "history", "migrate", "--to", url, "--to-password", "env:PGPW", "--yes")
	if code != 3 || !strings.Contains(errOut, "127.0.0.1:"+strconv.Itoa(pg.Port)+"/hcops_mig already holds history (2 runs") {
		t.Errorf("second migrate: exit %d, %s", code, errOut)
	}
	if got := listJSON(url, "--db-password", "env:PGPW"); got != want {
		t.Errorf("the refused migrate changed the PostgreSQL history")
	}

	// And back into a file, in Chinese.
	back := filepath.Join(dir, "back", "history.db")
	out, errOut, code = runHcops(t, "--db", url, "--db-password", "env:PGPW", "--lang", "zh", "history", "migrate", "--to", back, "--yes")
	if code != 0 {
		t.Fatalf("migrate back to a file: exit %d: %s", code, errOut)
	}
	for _, s := range []string{"数据表\t源记录数\t目标记录数\t校验值\t核对", "results\t8\t8\t", "\t一致"} {
		if !strings.Contains(out, s) {
			t.Errorf("the table lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "DIFFERS") || strings.Contains(out, "不一致") || !strings.Contains(errOut, "全部一致") {
		t.Errorf("zh report:\n%s\n%s", out, errOut)
	}
	if got := listJSON(back); got != want {
		t.Errorf("history list on the file moved back differs:\nfirst %s\n back %s", want, got)
	}
	if got := showJSON(back); got != wantShow {
		t.Errorf("history show latest on the file moved back differs")
	}
}

// TestHistoryMigrateTextPostgreSQLCannotStore: a host that answers in GBK
// leaves raw bytes in the file history's evidence; moving it into
// PostgreSQL stops with the table, row and column and commits nothing,
// and --repair-text moves it with the bad bytes replaced, counted.
func TestHistoryMigrateTextPostgreSQLCannotStore(t *testing.T) {
	dir := migrateTestHome(t)
	os.MkdirAll(filepath.Join(dir, "pb"), 0o755)
	os.WriteFile(filepath.Join(dir, "inv.yaml"), []byte("assets:\n  - {name: kylin-01, kind: host, connection: {transport: local}}\n"), 0o644)
	// "磁盘 86%" in GBK, as a host with a zh_CN.GBK locale prints it.
	os.WriteFile(filepath.Join(dir, "pb", "gbk.yaml"), []byte(`name: gbk
checks:
  - name: gbk
    type: command
    params: {script: "printf '\\264\\305\\305\\314 86%%\\n'"}
`), 0o644)
	file := filepath.Join(dir, "history.db")
	if _, errOut, code := runHcops(t, "--db", file, "--lang", "en", "inspect", "--playbook", "gbk", "--all"); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	pg := testenv.StartPostgres(t)
	pg.SQL(t, "", "CREATE DATABASE hcops_gbk")
	url := "postgres://postgres@127.0.0.1:" + strconv.Itoa(pg.Port) + "/hcops_gbk?sslmode=disable"
	t.Setenv("PGPW", pg.Password)

	_, errOut, code := runHcops(t, "--db", file, "--lang", "en", "history", "migrate", "--to", url, "--to-password", "env:PGPW", "--yes")
	if code != 3 || !strings.Contains(errOut, "holds text PostgreSQL cannot store (not UTF-8, such as a GBK host's raw output") ||
		!strings.Contains(errOut, "--repair-text") {
		t.Fatalf("migrate of GBK evidence: exit %d, %s", code, errOut)
	}
	out, _, _ := runHcops(t, "--db", url, "--db-password", "env:PGPW", "history", "list", "-o", "json")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("the refused migration left runs in PostgreSQL: %s", out)
	}
	_, errOut, code = runHcops(t, "--db", file, "--lang", "zh", "history", "migrate", "--to", url, "--to-password", "env:PGPW", "--yes", "--repair-text")
	if code != 0 || !strings.Contains(errOut, "个文本值含 PostgreSQL 无法保存的字节，已以 U+FFFD 替换后写入") {
		t.Fatalf("migrate --repair-text: exit %d, %s", code, errOut)
	}
	out, errOut, code = runHcops(t, "--db", url, "--db-password", "env:PGPW", "history", "show", "latest", "-o", "json")
	if code != 0 || !strings.Contains(out, "\"evidence\": \"\uFFFD 86%\\n\"") {
		t.Errorf("evidence on PostgreSQL after --repair-text: exit %d, %s%s", code, out, errOut)
	}
}
