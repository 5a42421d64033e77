package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/playbooks"
)

// inspectEnv is a real sshd on loopback, a refused port, a hung listener,
// and an inventory naming several assets on them.
type inspectEnv struct {
	sshd   *testenv.SSHD
	dir    string
	inv    string
	pbDir  string
	db     string
	hungAt string
}

const e2ePlaybook = `name: e2e
description: one command check and one number
checks:
  - name: work
    type: command
    params: {script: "echo hello from $(id -un); echo INSPECT_END"}
  - name: number
    type: command
    warn: "~:5"
    params: {script: "echo 7"}
`

func newInspectEnv(t *testing.T, extraAssets string) *inspectEnv {
	t.Helper()
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	hung := testenv.StartHungListener(t)
	refused := testenv.FreePort(t)
	e := &inspectEnv{sshd: sshd, dir: t.TempDir(), hungAt: hung.Addr}
	e.pbDir = filepath.Join(e.dir, "playbooks")
	os.MkdirAll(e.pbDir, 0o755)
	os.WriteFile(filepath.Join(e.pbDir, "e2e.yaml"), []byte(e2ePlaybook), 0o644)
	var inv strings.Builder
	inv.WriteString("systems:\n  - {name: pacs}\n  - {name: his}\nassets:\n")
	for _, n := range []string{"app-01", "app-02", "app-03"} {
		fmt.Fprintf(&inv, "  - {name: %s, kind: host, system: pacs, address: 127.0.0.1, connection: {port: %d, user: %s}}\n", n, sshd.Port, sshd.User)
	}
	fmt.Fprintf(&inv, "  - {name: down-01, kind: host, system: his, address: 127.0.0.1, connection: {port: %d, user: %s}}\n", refused, sshd.User)
	fmt.Fprintf(&inv, "  - {name: hung-01, kind: host, system: his, address: 127.0.0.1, connection: {port: %d, user: %s}}\n", hung.Port, sshd.User)
	inv.WriteString(extraAssets)
	e.inv = filepath.Join(e.dir, "inventory.yaml")
	os.WriteFile(e.inv, []byte(inv.String()), 0o644)
	e.db = filepath.Join(e.dir, "history.db")
	return e
}

// hcops runs the real command tree in-process with test streams.
func (e *inspectEnv) hcops(ctx context.Context, t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := newRootCmd(ios)
	base := []string{"--inventory", e.inv, "--db", e.db, "--lang", "en"}
	root.SetArgs(append(base, args...))
	err := root.ExecuteContext(ctx)
	if err != nil {
		if _, ok := err.(*exitStatusError); !ok {
			errOut.WriteString("hcops: " + err.Error() + "\n")
		}
	}
	return exitCode(err), out.String(), errOut.String()
}

func (e *inspectEnv) sshArgs() []string {
	return []string{"inspect", "--playbooks-dir", e.pbDir, "--playbook", "e2e",
		"--identity", e.sshd.ClientKeyPath, "--known-hosts", e.sshd.KnownHostsPath,
		"--connect-timeout", "2s", "--host-timeout", "20s"}
}

func TestInspectSSHFleet(t *testing.T) {
	testenv.LookPath(t, "sshd")
	e := newInspectEnv(t, "")
	code, stdout, stderr := e.hcops(context.Background(), t, append(e.sshArgs(), "-o", "json")...)
	var run result.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil {
		t.Fatalf("json: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	// app-0x: WARN (7 is above ~:5); down/hung: UNREACHABLE -> exit 3.
	if code != ExitUnknown {
		t.Errorf("exit code %d, want 3 (UNREACHABLE counts as UNKNOWN)\nstderr: %s", code, stderr)
	}
	if run.ID == 0 || run.Status != result.RunCompleted || run.Assets != 5 || len(run.Playbooks) != 1 || run.Playbooks[0] != "e2e" {
		t.Errorf("run = id %d status %s assets %d playbooks %v", run.ID, run.Status, run.Assets, run.Playbooks)
	}
	got := map[string]result.Result{}
	for _, r := range run.Results {
		got[r.Asset+"/"+r.Check] = r
	}
	for _, n := range []string{"app-01", "app-02", "app-03"} {
		w := got[n+"/work"]
		if w.Status != result.OK || !strings.Contains(w.Evidence, "hello from "+e.sshd.User+"\nINSPECT_END") || w.System != "pacs" || w.Playbook != "e2e" {
			t.Errorf("%s/work = %+v", n, w)
		}
		if nb := got[n+"/number"]; nb.Status != result.Warn || nb.Value == nil || *nb.Value != 7 {
			t.Errorf("%s/number = %+v", n, nb)
		}
	}
	for name, reason := range map[string]string{"down-01": result.ReasonRefused, "hung-01": result.ReasonTimeout} {
		r := got[name+"/connect"]
		if r.Status != result.Unreachable || r.Reason != reason || !strings.Contains(r.Message, name) {
			t.Errorf("%s/connect = %+v, want UNREACHABLE %s", name, r, reason)
		}
		if _, extra := got[name+"/work"]; extra {
			t.Errorf("%s: an unreachable host has one result, not one per check", name)
		}
	}
	// One SSH login per reachable host for both checks (one connection,
	// one batched script).
	if n := e.sshd.CountLog("Accepted publickey"); n != 3 {
		t.Errorf("sshd accepted %d logins, want 3 (one per reachable host)", n)
	}

	// The run is in history with the same results.
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored, err := db.GetRun(context.Background(), run.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != result.RunCompleted || len(stored.Results) != len(run.Results) || stored.Counts != run.Counts {
		t.Errorf("stored run: status %s, %d results, counts %+v; printed %d, %+v", stored.Status, len(stored.Results), stored.Counts, len(run.Results), run.Counts)
	}

	// The next stored run tries last run's unreachable hosts first (their
	// timeouts overlap the healthy hosts' work) but prints in inventory order.
	code, stdout, _ = e.hcops(context.Background(), t, append(e.sshArgs(), "--forks", "1", "-o", "json")...)
	var next result.Run
	if err := json.Unmarshal([]byte(stdout), &next); err != nil || code != ExitUnknown {
		t.Fatalf("second run: exit %d, %v", code, err)
	}
	started := map[string]time.Time{}
	for _, r := range next.Results {
		started[r.Asset] = r.StartedAt
	}
	if next.Results[0].Asset != "app-01" || !started["down-01"].Before(started["app-01"]) || !started["hung-01"].Before(started["app-01"]) {
		t.Errorf("second run: first printed %s; started down-01 %v, hung-01 %v, app-01 %v",
			next.Results[0].Asset, started["down-01"], started["hung-01"], started["app-01"])
	}

	// The table names the fault hosts with a hint; nagios is one line.
	code, stdout, _ = e.hcops(context.Background(), t, append(e.sshArgs(), "--no-store", "--unreachable-critical")...)
	if code != ExitCrit || !strings.Contains(stdout, "UNREACHABLE\this\tdown-01\tconnect") || !strings.Contains(stdout, "check that sshd runs on the host") {
		t.Errorf("table (exit %d):\n%s", code, stdout)
	}
	code, stdout, _ = e.hcops(context.Background(), t, append(e.sshArgs(), "--no-store", "-o", "nagios", "app-0*")...)
	if code != ExitWarn || stdout != "HCOPS WARNING - 0 crit, 3 warn, 0 unknown, 0 unreachable of 3 hosts | ok=3 warn=3 crit=0 unknown=0 unreachable=0 hosts=3\n" {
		t.Errorf("nagios (exit %d): %q", code, stdout)
	}
}

func TestInspectInterruptKeepsFinishedHosts(t *testing.T) {
	testenv.LookPath(t, "sshd")
	// slow-01 hangs in its collector until the run is interrupted.
	e := newInspectEnv(t, "")
	slow := fmt.Sprintf("  - {name: slow-01, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s}, checks: {work: {params: {script: \"sleep 60\"}}}}\n", e.sshd.Port, e.sshd.User)
	inv, _ := os.ReadFile(e.inv)
	os.WriteFile(e.inv, append(inv, slow...), 0o644)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type ret struct {
		code           int
		stdout, stderr string
	}
	done := make(chan ret, 1)
	go func() {
		c, o, s := e.hcops(ctx, t, append(e.sshArgs(), "--host-timeout", "90s", "-o", "json")...)
		done <- ret{c, o, s}
	}()
	// Ctrl-C once the other five hosts are in history.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n := storedAssets(t, e.db); n >= 5 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("hcops ended before the interrupt (exit %d); stderr: %s", r.code, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			r := <-done
			t.Fatalf("hosts never stored; stderr: %s", r.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	var r ret
	select {
	case r = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("hcops inspect did not stop after Ctrl-C")
	}
	if r.code != ExitInterrupted {
		t.Errorf("exit code %d, want 130; stderr: %s", r.code, r.stderr)
	}
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.ListRuns(context.Background(), store.RunFilter{Kind: result.KindInspect})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	run, err := db.GetRun(context.Background(), runs[0].ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != result.RunInterrupted {
		t.Errorf("run status %s, want interrupted", run.Status)
	}
	assets := map[string]bool{}
	for _, res := range run.Results {
		assets[res.Asset] = true
	}
	if len(assets) != 5 || assets["slow-01"] {
		t.Errorf("stored assets %v: want the five finished hosts and not slow-01", assets)
	}
	if !strings.Contains(r.stderr, "inspection interrupted: 5 of 6 assets finished") {
		t.Errorf("stderr: %s", r.stderr)
	}
	// The JSON describes what was inspected: five assets, not the six planned.
	var out result.Run
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if out.Status != result.RunInterrupted || out.Assets != 5 || run.Assets != 5 {
		t.Errorf("interrupted run: status %s, %d assets in JSON and %d stored; want the 5 finished", out.Status, out.Assets, run.Assets)
	}
}

// storedAssets counts the assets with results in the history database
// (0 while it does not exist yet).
func storedAssets(t *testing.T, path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		return 0
	}
	defer db.Close()
	seen := map[string]bool{}
	db.EachResult(context.Background(), store.ResultFilter{Kind: result.KindInspect}, func(r *store.StoredResult) error {
		seen[r.Asset] = true
		return nil
	})
	return len(seen)
}

// Every built-in playbook loads with the check types compiled into hcops,
// and the two defaults of `hcops inspect` exist.
func TestBuiltinPlaybooksLoad(t *testing.T) {
	lib, err := inspect.LoadLibrary(checks.All(), playbooks.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range lib.Broken {
		t.Errorf("built-in playbook %s: %v", name, err)
	}
	for _, name := range []string{defaultFleetPlaybook, defaultLocalPlaybook} {
		pb, err := lib.Get(name)
		if err != nil {
			t.Errorf("default playbook %s: %v", name, err)
			continue
		}
		if pb.Source != inspect.BuiltinSource || len(pb.Checks) == 0 {
			t.Errorf("%s: source %s, %d checks", name, pb.Source, len(pb.Checks))
		}
	}
}

func TestInspectExitCode(t *testing.T) {
	rs := func(sts ...result.Status) []result.Result {
		var out []result.Result
		for _, s := range sts {
			out = append(out, result.Result{Status: s})
		}
		return out
	}
	cases := []struct {
		rs      []result.Result
		unreach bool
		want    int
	}{
		{nil, false, ExitOK},
		{rs(result.OK, result.OK), false, ExitOK},
		{rs(result.OK, result.Warn), false, ExitWarn},
		{rs(result.Warn, result.Unknown), false, ExitUnknown},
		{rs(result.Unknown, result.Crit), false, ExitCrit}, // CRIT outranks UNKNOWN
		{rs(result.Warn, result.Unreachable), false, ExitUnknown},
		{rs(result.Warn, result.Unreachable), true, ExitCrit},
		{rs(result.Unreachable, result.Crit), false, ExitCrit},
	}
	for i, c := range cases {
		if got := inspectExitCode(c.rs, c.unreach); got != c.want {
			t.Errorf("case %d: exit %d, want %d", i, got, c.want)
		}
		// The JSON's worst and counts give the same code as the results.
		run := result.Run{Results: c.rs}
		run.Tally()
		if got := exitForStatus(run.Worst, c.unreach); got != c.want {
			t.Errorf("case %d: worst %s gives exit %d, want %d", i, run.Worst, got, c.want)
		}
		if got := exitForCounts(run.Counts, c.unreach); got != c.want {
			t.Errorf("case %d: counts %+v give exit %d, want %d", i, run.Counts, got, c.want)
		}
	}
}

// An interrupted run says its results are kept only when it is stored.
func TestInterruptedNote(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	app := &App{IO: ios, Lang: "en"}
	fin := engine.RunFinished{Run: &result.Run{Status: result.RunInterrupted}, HostsDone: 5, HostsTotal: 6}
	if got := interruptedNote(app, fin, true); !strings.Contains(got, "5 of 6 assets finished; their results are kept") {
		t.Errorf("stored: %q", got)
	}
	got := interruptedNote(app, fin, false)
	if strings.Contains(got, "kept") || !strings.Contains(got, "5 of 6 assets finished; nothing is stored (--no-store)") {
		t.Errorf("--no-store: %q", got)
	}
}

// A host whose collector hangs costs at most --host-timeout: its checks are
// UNKNOWN with reason timeout, and the checks that finished before are kept.
func TestInspectHostDeadlineOverSSH(t *testing.T) {
	testenv.LookPath(t, "sshd")
	e := newInspectEnv(t, "")
	slow := fmt.Sprintf("  - {name: stuck-01, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s}, checks: {number: {params: {script: \"echo 1; sleep 60\"}}}}\n", e.sshd.Port, e.sshd.User)
	os.WriteFile(e.inv, []byte(fmt.Sprintf("assets:\n%s", slow)), 0o644)
	code, stdout, stderr := e.hcops(context.Background(), t, append(e.sshArgs(), "--host-timeout", "3s", "-o", "json", "--no-store")...)
	var run result.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil {
		t.Fatalf("json: %v\nstderr: %s", err, stderr)
	}
	if code != ExitUnknown {
		t.Errorf("exit %d, want 3", code)
	}
	got := map[string]result.Result{}
	for _, r := range run.Results {
		got[r.Check] = r
	}
	if w := got["work"]; w.Status != result.OK {
		t.Errorf("work (finished before the deadline) = %+v", w)
	}
	if n := got["number"]; n.Status != result.Unknown || n.Reason != result.ReasonTimeout || !strings.Contains(n.Message, "stuck-01: collector did not finish within the host deadline (3s)") {
		t.Errorf("number = %+v", n)
	}
}

// An asset behind a bastion (connection.via in the inventory) is inspected
// through it: one login on the bastion, one on the target.
func TestInspectThroughJumpHost(t *testing.T) {
	testenv.LookPath(t, "sshd")
	bastion := testenv.StartSSHD(t, testenv.SSHDOptions{AllowTCPForwarding: true})
	dst := testenv.StartSSHD(t, testenv.SSHDOptions{})
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	var khData []byte
	for _, p := range []string{bastion.KnownHostsPath, dst.KnownHostsPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		khData = append(khData, b...)
	}
	os.WriteFile(kh, khData, 0o600)
	pbDir := filepath.Join(dir, "playbooks")
	os.MkdirAll(pbDir, 0o755)
	os.WriteFile(filepath.Join(pbDir, "e2e.yaml"), []byte(e2ePlaybook), 0o644)
	inv := fmt.Sprintf(`assets:
  - {name: bastion-01, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s, key_file: %s}}
  - {name: app-behind, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s, key_file: %s, via: bastion-01}}
`, bastion.Port, bastion.User, bastion.ClientKeyPath, dst.Port, dst.User, dst.ClientKeyPath)
	e := &inspectEnv{dir: dir, inv: filepath.Join(dir, "inv.yaml"), pbDir: pbDir, db: filepath.Join(dir, "h.db")}
	os.WriteFile(e.inv, []byte(inv), 0o644)
	code, stdout, stderr := e.hcops(context.Background(), t, "inspect", "app-behind", "--playbooks-dir", pbDir, "--playbook", "e2e",
		"--known-hosts", kh, "--connect-timeout", "5s", "-o", "json", "--no-store")
	var run result.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil {
		t.Fatalf("json: %v\nstderr: %s", err, stderr)
	}
	if code != ExitWarn || len(run.Results) != 2 || run.Results[0].Asset != "app-behind" || run.Results[0].Status != result.OK {
		t.Errorf("exit %d, results %+v\nstderr: %s", code, run.Results, stderr)
	}
	if nb, nd := bastion.CountLog("Accepted publickey"), dst.CountLog("Accepted publickey"); nb != 1 || nd != 1 {
		t.Errorf("logins: bastion %d, target %d; want 1 and 1", nb, nd)
	}
}

// TestWriteEvidenceMode: --evidence-dir files are raw host output, written
// 0640 narrowed by the umask, replacing a world-readable older file.
func TestWriteEvidenceMode(t *testing.T) {
	for _, umask := range []int{0o022, 0o077} {
		old := syscall.Umask(umask)
		dir := filepath.Join(t.TempDir(), "evidence")
		path := filepath.Join(dir, "his-db-01.txt")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(path, []byte("old"), 0o644)
		err := writeEvidence(dir, "his-db-01", []result.Result{{Check: "disk", Status: result.OK, Message: "ok", Evidence: "Filesystem Use%\n/dev/sda1 10%"}})
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := os.FileMode(0o640) &^ os.FileMode(umask); st.Mode().Perm() != want {
			t.Errorf("umask %03o: mode %04o, want %04o", umask, st.Mode().Perm(), want)
		}
		if b, _ := os.ReadFile(path); !strings.Contains(string(b), "/dev/sda1 10%\n") {
			t.Errorf("evidence %q", b)
		}
	}
}

// An unreachable host's message says what happened and its advice what to
// do, without one repeating the other; every hung host is worded the same
// way ("no answer within" the connect timeout), whichever timer noticed.
func TestInspectUnreachableWording(t *testing.T) {
	testenv.LookPath(t, "sshd")
	var extra strings.Builder
	for i := 2; i <= 6; i++ {
		hung := testenv.StartHungListener(t)
		fmt.Fprintf(&extra, "  - {name: hung-0%d, kind: host, address: 127.0.0.1, connection: {port: %d, user: root}}\n", i, hung.Port)
	}
	e := newInspectEnv(t, extra.String())
	args := func(kh string) []string {
		return []string{"inspect", "--playbooks-dir", e.pbDir, "--playbook", "e2e", "--no-store",
			"--identity", e.sshd.ClientKeyPath, "--known-hosts", kh, "--connect-timeout", "1s", "--host-timeout", "20s", "-o", "json"}
	}
	run := func(kh string, sel ...string) map[string]result.Result {
		t.Helper()
		_, stdout, stderr := e.hcops(context.Background(), t, append(args(kh), sel...)...)
		var r result.Run
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("json: %v\nstderr: %s", err, stderr)
		}
		got := map[string]result.Result{}
		for _, res := range r.Results {
			got[res.Asset+"/"+res.Check] = res
		}
		return got
	}
	// Hung hosts: one wording.
	got := run(e.sshd.KnownHostsPath, "hung-*")
	for i := 1; i <= 6; i++ {
		r := got[fmt.Sprintf("hung-0%d/connect", i)]
		if r.Reason != result.ReasonTimeout || !strings.Contains(r.Message, "no answer within 1s") || strings.Contains(r.Message, "deadline") || strings.Contains(r.Message, "no SSH session") {
			t.Errorf("hung-0%d: %q (reason %s), want \"no answer within 1s\"", i, r.Message, r.Reason)
		}
	}
	// A changed and an unknown host key: facts in the message, what to do
	// in the advice, said once.
	impostor := testenv.WriteClientKey(t, filepath.Join(t.TempDir(), "k"), "")
	changed := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(changed, []byte(knownhosts.Line([]string{e.sshd.Addr}, impostor)+"\n"), 0o600)
	empty := filepath.Join(t.TempDir(), "empty_known_hosts")
	os.WriteFile(empty, nil, 0o600)
	for _, c := range []struct {
		kh, reason, fact, todo string
	}{
		{changed, result.ReasonHostKeyMismatch, changed + ":1 holds a different key", "ssh-keygen -R"},
		{empty, result.ReasonHostKeyUnknown, "is not known", "--accept-new-host-keys"},
	} {
		r := run(c.kh, "app-01")["app-01/connect"]
		if r.Reason != c.reason || !strings.Contains(r.Message, c.fact) || !strings.Contains(r.Advice, c.todo) {
			t.Errorf("%s: message %q, advice %q", c.reason, r.Message, r.Advice)
		}
		for _, phrase := range []string{c.todo, "intercepting", "verify", "Check the new key", "known_hosts, or"} {
			if strings.Contains(r.Message, phrase) {
				t.Errorf("%s: message repeats the advice (%q): %q", c.reason, phrase, r.Message)
			}
		}
	}
}
