package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/result"
)

// TestInspectDBLogOverSSH runs the built-in db-health playbook against a
// real PostgreSQL whose server log has an error and a slow statement in
// it. his-db-01 has its log path in the inventory (a check override, with
// a glob): db-log logs in over SSH with the asset's connection settings
// (SSH port, user and key; the asset's port is PostgreSQL's) and counts
// them. cloud-db-01, the same kind of asset without a log path, gets no
// SSH login and no db-log result. The database report then places the two
// figures.
func TestInspectDBLogOverSSH(t *testing.T) {
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	pg := testenv.StartPostgres(t, "log_min_duration_statement = 1000")
	t.Setenv("HCOPS_TEST_PG_PW", pg.Password)
	db, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", pg.Password, pg.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SELECT * FROM his_no_such_table"); err == nil {
		t.Fatal("the bad query ran")
	}
	if _, err := db.Exec("SELECT pg_sleep(1.2)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	e := &inspectEnv{dir: t.TempDir()}
	e.inv = filepath.Join(e.dir, "inventory.yaml")
	e.db = filepath.Join(e.dir, "history.db")
	conn := fmt.Sprintf("{port: %d, user: %s, key_file: %s}", sshd.Port, sshd.User, sshd.ClientKeyPath)
	inv := fmt.Sprintf(`systems:
  - name: HIS
assets:
  - name: his-db-01
    kind: database
    address: 127.0.0.1
    port: %[1]d
    system: HIS
    connection: %[2]s
    database: {engine: postgresql, user: postgres, password: {env: HCOPS_TEST_PG_PW}, role: primary}
    checks:
      db-log: {params: {error_log: "%[3]s/lo*"}}
  - name: cloud-db-01
    kind: database
    address: 127.0.0.1
    port: %[1]d
    system: HIS
    connection: %[2]s
    database: {engine: postgresql, user: postgres, password: {env: HCOPS_TEST_PG_PW}, role: primary}
`, pg.Port, conn, pg.Dir)
	if err := os.WriteFile(e.inv, []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	code, out, errOut := e.hcops(ctx, t, "inspect", "--playbook", "db-health", "--known-hosts", sshd.KnownHostsPath,
		"--connect-timeout", "5s", "-o", "json")
	var run result.Run
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("exit %d: json: %v\n%s\n%s", code, err, out, errOut)
	}
	got := map[string]result.Result{}
	for _, r := range run.Results {
		if r.Type == "db-log" || r.Check == "connect" {
			got[r.Asset+"/"+r.Item] = r
		}
	}
	errs, slow := got["his-db-01/errors"], got["his-db-01/slow"]
	if errs.Status != result.Warn || errs.Value == nil || *errs.Value != 1 || !strings.Contains(errs.Evidence, `relation "his_no_such_table" does not exist`) ||
		!strings.Contains(errs.Message, "server log "+pg.Log+": 1 error(s) since ") {
		t.Errorf("errors: %+v", errs)
	}
	if slow.Status != result.OK || slow.Value == nil || *slow.Value != 1 || !strings.Contains(slow.Evidence, "SELECT pg_sleep(1.2)") {
		t.Errorf("slow: %+v", slow)
	}
	if len(got) != 2 {
		t.Errorf("want db-log results of his-db-01 only (and no connection failure), got %+v", got)
	}
	if n := sshd.CountLog("Accepted publickey"); n != 1 {
		t.Errorf("%d SSH logins, want 1: cloud-db-01 has no log to read", n)
	}
	// The other db-* checks reached both instances over the database protocol.
	reached := 0
	for _, r := range run.Results {
		if r.Type == "db-status" && r.Status != result.Unreachable && strings.Contains(r.Message, "PostgreSQL") {
			reached++
		}
	}
	if reached != 2 {
		t.Errorf("db-status reached %d instances, want 2\n%s", reached, errOut)
	}

	code, out, errOut = e.hcops(ctx, t, "report", "db", "--format", "json", "--out", "-")
	if code != 0 {
		t.Fatalf("report db: exit %d\n%s", code, errOut)
	}
	var d report.DBReport
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	placed := map[string]string{}
	for _, s := range d.Sections {
		for _, it := range s.Items {
			if it.Type == "db-log" {
				placed[it.Asset+"/"+it.Item] = s.Key
			}
		}
	}
	if placed["his-db-01/errors"] != "status" || placed["his-db-01/slow"] != "performance" || len(placed) != 2 {
		t.Errorf("report sections: %v", placed)
	}
}
