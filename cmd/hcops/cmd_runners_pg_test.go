package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

const runnersInventory = `systems:
  - {name: rhis}
  - {name: idx}
assets:
  - {name: priv-01, kind: host, system: rhis, zone: 卫生专网, connection: {transport: local}}
  - {name: priv-02, kind: host, system: rhis, zone: 卫生专网, connection: {transport: local}}
  - {name: priv-03, kind: host, system: rhis, zone: 卫生专网, connection: {transport: local}}
  - {name: dmz-01, kind: host, system: idx, zone: 互联网区, connection: {transport: local}}
  - {name: dmz-02, kind: host, system: idx, zone: 互联网区, connection: {transport: local}}
`

const runnersPlaybooks = `-- numbers.yaml --
name: numbers
checks:
  - name: load
    type: command
    warn: "~:5"
    params: {script: "echo 7"}
  - name: temp
    type: command
    params: {script: "echo 40"}
-- slow.yaml --
name: slow
checks:
  - name: queue
    type: command
    crit: "~:50"
    params: {script: "sleep 1; echo 99"}
`

// runner is one hcops runner of the test: its own state directory (spool,
// vault, locks) and its name and zone, sharing one PostgreSQL history.
type runner struct {
	bin, name, zone, home string
	env                   []string
}

func (r *runner) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), r.env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s %v: %v", r.name, args, err)
	}
	return o.String(), e.String(), code
}

// TestRunnersShareOnePostgres: two runners of two network zones, two
// processes, write one PostgreSQL history at once; the database stops in
// the middle of one runner's run and while the other starts one; when it
// is back, everything spooled is delivered once, the watcher raises the
// alert of what was found meanwhile once, and the daily report covers both
// zones.
func TestRunnersShareOnePostgres(t *testing.T) {
	pg := testenv.StartPostgres(t, "synchronous_commit = on")
	pg.SQL(t, "", "CREATE DATABASE hcops")
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/hcops?sslmode=disable", pg.Port)
	dir := t.TempDir()
	bin := filepath.Join(dir, "hcops")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	inv := filepath.Join(dir, "inv.yaml")
	if err := os.WriteFile(inv, []byte(runnersInventory), 0o644); err != nil {
		t.Fatal(err)
	}
	pbDir := filepath.Join(dir, "pb")
	writeTxtarFiles(t, pbDir, runnersPlaybooks)
	mk := func(name, zone string) *runner {
		home := filepath.Join(dir, name)
		return &runner{bin: bin, name: name, zone: zone, home: home, env: []string{
			"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
			"HCOPS_DB=" + url, "HCOPS_DB_PASSWORD=env:TEST_PGPW", "TEST_PGPW=" + pg.Password,
			"HCOPS_INVENTORY=" + inv, "HCOPS_PLAYBOOKS_DIR=" + pbDir, "HCOPS_RUNNER=" + name, "HCOPS_ZONE=" + zone,
			"HCOPS_LANG=en", "NO_COLOR=1",
		}}
	}
	priv, dmz := mk("runner-priv", "卫生专网"), mk("runner-dmz", "互联网区")

	// 1. Both runners at once, three runs each.
	var wg sync.WaitGroup
	for _, r := range []*runner{priv, dmz} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, stderr, code := r.run(t, "inspect", "--playbook", "numbers"); code != 1 {
					t.Errorf("%s: inspect exit %d, want 1 (WARN)\n%s", r.name, code, stderr)
				}
			}
		}()
	}
	wg.Wait()
	got := pg.SQL(t, "hcops", `SELECT r.runner || ' ' || s.zone || ' ' || count(DISTINCT r.id) || ' ' || count(*)
		FROM runs r JOIN results s ON s.run_id = r.id GROUP BY r.runner, s.zone ORDER BY 1`)
	want := "runner-dmz 互联网区 3 12\nrunner-priv 卫生专网 3 18"
	if got != want {
		t.Fatalf("runs and results by runner and zone:\n%s\nwant\n%s", got, want)
	}

	// Either runner lists the other's runs, by zone.
	stdout, stderr, code := priv.run(t, "history", "list", "--zone", "互联网区", "-o", "json")
	var listed []struct {
		Runner string `json:"runner"`
		Zone   string `json:"zone"`
	}
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil || code != 0 {
		t.Fatalf("history list --zone: exit %d, %v\n%s", code, err, stderr)
	}
	if len(listed) != 3 || listed[0].Runner != "runner-dmz" || listed[2].Zone != "互联网区" {
		t.Errorf("runs of zone 互联网区 listed by runner-priv: %+v, want runner-dmz's 3", listed)
	}

	// 2. The database stops while runner-priv is in the middle of a run.
	done := make(chan string, 1)
	go func() {
		_, stderr, code := priv.run(t, "inspect", "--playbook", "slow", "--forks", "1")
		done <- fmt.Sprintf("exit %d\n%s", code, stderr)
	}()
	testenv.WaitFor(t, 30*time.Second, "runner-priv's first slow result in the history", func() bool {
		n, _ := strconv.Atoi(pg.SQL(t, "hcops", `SELECT count(*) FROM results WHERE check_name = 'queue'`))
		return n >= 1
	})
	pg.Stop()
	privOut := <-done
	if !strings.HasPrefix(privOut, "exit 2") || !strings.Contains(privOut, "cannot be reached") || !strings.Contains(privOut, "spool") {
		t.Errorf("runner-priv's run across the outage: %s\nwant exit 2 (CRIT) and a note that the rest went to the spool", privOut)
	}
	// runner-dmz starts a run while the database is down.
	_, stderr, code = dmz.run(t, "inspect", "--playbook", "slow")
	if code != 2 || !strings.Contains(stderr, "cannot be reached") {
		t.Errorf("runner-dmz while the database is down: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dmz.home, "data", "hcops", "spool.db")); err != nil {
		t.Errorf("runner-dmz has no spool: %v", err)
	}
	spoolState := func(r *runner) (pending int, code int) {
		stdout, stderr, code := r.run(t, "history", "spool", "-o", "json")
		var s struct {
			Pending int `json:"pending"`
		}
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatalf("%s: history spool: %v\n%s%s", r.name, err, stdout, stderr)
		}
		return s.Pending, code
	}
	if n, code := spoolState(dmz); n < 3 || code != 1 {
		t.Errorf("runner-dmz's spool while the database is down: %d operations, exit %d; want its run (begin, results, end) and exit 1", n, code)
	}

	// runner-dmz's watcher starts while the database is down: it waits.
	watch := exec.Command(dmz.bin, "watch", "--no-jobs")
	watch.Env = append(os.Environ(), dmz.env...)
	var watchErr syncBuffer
	watch.Stderr = &watchErr
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { watch.Process.Kill(); watch.Wait() }()
	testenv.WaitFor(t, 20*time.Second, "the watcher to say it waits for the history", func() bool {
		return strings.Contains(watchErr.String(), "the watcher waits for it")
	})

	// 3. Back: the watcher delivers runner-dmz's spool and raises the
	// alerts of what its spooled run found; any command of runner-priv
	// delivers runner-priv's. Once.
	pg.Start()
	testenv.WaitFor(t, 30*time.Second, "runner-dmz's watcher to deliver and raise the alerts of its spooled run", func() bool {
		n, _ := strconv.Atoi(pg.SQL(t, "hcops", `SELECT count(*) FROM alerts WHERE check_name = 'queue' AND asset LIKE 'dmz-%' AND state = 'firing'`))
		return n == 2
	})
	if !strings.Contains(watchErr.String(), "delivered the spool") {
		t.Errorf("the watcher did not say it delivered the spool:\n%s", watchErr.String())
	}
	_, stderr, code = priv.run(t, "history", "list", "-o", "json")
	if code != 0 || !strings.Contains(stderr, "delivered") {
		t.Errorf("runner-priv: history list after the outage: exit %d, want a delivery note\n%s", code, stderr)
	}
	for _, r := range []*runner{priv, dmz} {
		_, stderr, _ = r.run(t, "history", "list", "-o", "json")
		if strings.Contains(stderr, "delivered") {
			t.Errorf("%s: delivered a second time: %s", r.name, stderr)
		}
		if n, code := spoolState(r); n != 0 || code != 0 {
			t.Errorf("%s: spool after delivery: %d operations, exit %d", r.name, n, code)
		}
	}
	got = pg.SQL(t, "hcops", `SELECT r.runner || ' ' || r.status || ' ' || count(*) FROM runs r
		JOIN results s ON s.run_id = r.id WHERE s.check_name = 'queue' GROUP BY r.id, r.runner, r.status ORDER BY 1`)
	want = "runner-dmz completed 2\nrunner-priv completed 3"
	if got != want {
		t.Errorf("the slow runs after delivery:\n%s\nwant\n%s", got, want)
	}
	if dup := pg.SQL(t, "hcops", `SELECT count(*) FROM (SELECT run_id, asset, check_name, item FROM results
		GROUP BY run_id, asset, check_name, item HAVING count(*) > 1) d`); dup != "0" {
		t.Errorf("%s results stored twice", dup)
	}

	// Each runner's audit log is in the shared history too, also the
	// record of the run it made while the database was down.
	stdout, stderr, code = priv.run(t, "audit", "list", "--runner", "runner-dmz", "--limit", "0", "-o", "json")
	var recs []struct {
		Action string `json:"action"`
		Seq    int64  `json:"seq"`
	}
	if err := json.Unmarshal([]byte(stdout), &recs); err != nil || code != 0 {
		t.Fatalf("audit list --runner: exit %d, %v\n%s", code, err, stderr)
	}
	if len(recs) != 4 || recs[3].Seq != 4 || recs[3].Action != "inspect" {
		t.Errorf("runner-dmz's audit records in the shared history: %+v, want its 4 inspections", recs)
	}
	if stdout, stderr, code := priv.run(t, "audit", "verify", "--runner", "runner-dmz"); code != 0 || !strings.Contains(stdout, "intact: 4 records") {
		t.Errorf("audit verify --runner: exit %d\n%s%s", code, stdout, stderr)
	}
	pg.SQL(t, "hcops", `UPDATE audit_records SET line = replace(line, 'slow', 'fast') WHERE runner = 'runner-dmz' AND seq = 4`)
	if stdout, stderr, code := priv.run(t, "audit", "verify", "--runner", "runner-dmz"); code != 2 || !strings.Contains(stderr, "record 4") {
		t.Errorf("audit verify --runner after an edit in the database: exit %d, want 2 naming record 4\n%s%s", code, stdout, stderr)
	}

	// 4. The watcher raises each CRIT found during the outage once.
	for range 2 {
		if _, stderr, code := priv.run(t, "watch", "--once", "--no-jobs"); code != 0 {
			t.Errorf("watch --once: exit %d\n%s", code, stderr)
		}
	}
	if got := pg.SQL(t, "hcops", `SELECT asset || ' ' || count(*) FROM alerts WHERE check_name = 'queue' AND state = 'firing'
		GROUP BY asset ORDER BY asset`); got != "dmz-01 1\ndmz-02 1\npriv-01 1\npriv-02 1\npriv-03 1" {
		t.Errorf("firing alerts of the slow check:\n%s\nwant one per asset", got)
	}

	// 5. One daily report covers both zones.
	report := filepath.Join(dir, "daily.json")
	if _, stderr, code := priv.run(t, "report", "daily", "--format", "json", "--out", report); code != 0 {
		t.Fatalf("report daily: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var anyJSON any
	if err := json.Unmarshal(data, &anyJSON); err != nil {
		t.Fatalf("daily report JSON: %v", err)
	}
	for _, a := range []string{"priv-01", "priv-03", "dmz-01", "dmz-02"} {
		if !bytes.Contains(data, []byte(`"`+a+`"`)) {
			t.Errorf("the daily report does not mention %s (both zones' runs must be in it)", a)
		}
	}
}

// syncBuffer is a bytes.Buffer a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeTxtarFiles writes the "-- name --" sections of text into dir.
func writeTxtarFiles(t *testing.T, dir, text string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(text, "-- ")
	for _, p := range parts[1:] {
		name, body, ok := strings.Cut(p, " --\n")
		if !ok {
			t.Fatalf("bad section %q", p)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
