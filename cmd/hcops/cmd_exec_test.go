package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/iostreams"
)

// execFleet is an inventory of n hosts on one real sshd, plus a hung host
// and a core database server.
func execFleet(t *testing.T, n int) (e *inspectEnv, base []string) {
	t.Helper()
	testenv.LookPath(t, "sshd")
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{Extra: []string{"MaxStartups 200", "MaxSessions 64"}})
	hung := testenv.StartHungListener(t)
	e = &inspectEnv{sshd: sshd, dir: t.TempDir()}
	var inv strings.Builder
	inv.WriteString("groups:\n  fleet: {description: test fleet}\nsystems:\n  - {name: his, criticality: core}\nassets:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&inv, "  - {name: host-%02d, kind: host, groups: [fleet], address: 127.0.0.1, connection: {port: %d, user: %s}}\n", i, sshd.Port, sshd.User)
	}
	fmt.Fprintf(&inv, "  - {name: hung-01, kind: host, groups: [fleet], address: 127.0.0.1, connection: {port: %d, user: %s}}\n", hung.Port, sshd.User)
	fmt.Fprintf(&inv, "  - {name: his-db-01, kind: host, system: his, address: 127.0.0.1, connection: {port: %d, user: %s}}\n", sshd.Port, sshd.User)
	e.inv = filepath.Join(e.dir, "inventory.yaml")
	os.WriteFile(e.inv, []byte(inv.String()), 0o644)
	e.db = filepath.Join(e.dir, "history.db")
	base = []string{"--identity", sshd.ClientKeyPath, "--known-hosts", sshd.KnownHostsPath, "--connect-timeout", "2s", "--audit-log", filepath.Join(e.dir, "audit.log")}
	return e, base
}

// hcops exec on 50 hosts: identical outputs collapse into groups, exit
// codes differ per host, a hung host is bounded by its deadline, the exit
// status is the worst, and the action is in the audit log.
func TestExecFleet(t *testing.T) {
	e, base := execFleet(t, 50)
	counter := filepath.Join(e.dir, "counter")
	os.WriteFile(counter, []byte("0\n"), 0o666)
	// Each host takes the next number; exit code = number mod 3.
	cmd := fmt.Sprintf(`n=$(flock %[1]s sh -c 'n=$(($(cat %[1]s)+1)); echo $n > %[1]s; echo $n'); echo done; exit $((n %% 3))`, counter)
	code, stdout, stderr := e.hcops(context.Background(), t, append([]string{"exec", "--group", "fleet", "-o", "json", "--host-timeout", "20s"}, append(base, "--", cmd)...)...)
	var out struct {
		Hosts []struct {
			Asset    string `json:"asset"`
			ExitCode int    `json:"exit_code"`
			Reason   string `json:"reason"`
		} `json:"hosts"`
		Groups []struct {
			Hosts    []string `json:"hosts"`
			ExitCode int      `json:"exit_code"`
		} `json:"groups"`
		AuditSeq int64 `json:"audit_seq"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("json: %v\n%s\n%s", err, stdout, stderr)
	}
	if code != ExitCrit {
		t.Errorf("exit %d, want 2 (non-zero exit codes)\n%s", code, stderr)
	}
	sizes := map[int]int{}
	for _, g := range out.Groups {
		sizes[g.ExitCode] = len(g.Hosts)
	}
	if len(out.Hosts) != 51 || sizes[0] != 16 || sizes[1] != 17 || sizes[2] != 17 || sizes[-1] != 1 {
		t.Errorf("%d hosts, groups by exit code %v", len(out.Hosts), sizes)
	}
	if out.AuditSeq != 1 {
		t.Errorf("audit seq %d", out.AuditSeq)
	}

	// The table collapses identical outputs.
	os.WriteFile(counter, []byte("0\n"), 0o666)
	_, stdout, _ = e.hcops(context.Background(), t, append([]string{"exec", "host-*"}, append(base, "--", "echo same")...)...)
	if !strings.HasPrefix(stdout, "50 hosts, exit 0: host-01, host-02, host-03, host-04, host-05, … host-49, host-50\n  same\n") {
		t.Errorf("table:\n%s", stdout)
	}

	// sudo.
	_, stdout, stderr = e.hcops(context.Background(), t, append([]string{"exec", "host-01", "--become"}, append(base, "--", "id -u")...)...)
	if !strings.Contains(stdout, "\n  0\n") {
		t.Errorf("--become:\n%s\n%s", stdout, stderr)
	}
}

// Core assets need their names typed back; --dry-run runs nothing.
func TestExecConfirmAndDryRun(t *testing.T) {
	e, base := execFleet(t, 2)
	marker := filepath.Join(e.dir, "ran")
	code, _, stderr := e.hcops(context.Background(), t, append([]string{"exec", "his-*"}, append(base, "--", "touch "+marker)...)...)
	if code != ExitUnknown || !strings.Contains(stderr, "type their names back with --confirm") || !strings.Contains(stderr, "his-db-01") {
		t.Errorf("unconfirmed core asset: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := e.hcops(context.Background(), t, append([]string{"exec", "host-*", "his-*", "--dry-run"}, append(base, "--", "touch "+marker)...)...)
	if code != 0 || !strings.Contains(stdout, "his-db-01") || !strings.Contains(stdout, "needs --confirm") {
		t.Errorf("dry run: %d\n%s", code, stdout)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("a refused or dry exec ran the command")
	}
	code, _, stderr = e.hcops(context.Background(), t, append([]string{"exec", "his-*", "--confirm", "his-db-01"}, append(base, "--", "touch "+marker)...)...)
	if _, err := os.Stat(marker); err != nil || code != 0 {
		t.Errorf("confirmed exec: exit %d, %v\n%s", code, err, stderr)
	}
}

// hcops cp puts a file on a group and fetches it back, each transfer
// verified; both are in the audit log, whose chain verifies.
func TestCpPutGet(t *testing.T) {
	e, base := execFleet(t, 3)
	src := filepath.Join(e.dir, "app.conf")
	os.WriteFile(src, []byte("threads=8\n"), 0o640)
	dst := filepath.Join(t.TempDir(), "app.conf")
	code, stdout, stderr := e.hcops(context.Background(), t, append([]string{"cp", "host-*"}, append(base, "--", src, dst)...)...)
	if code != 0 || strings.Count(stdout, "verified (10 bytes") != 3 {
		t.Fatalf("put: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "threads=8\n" {
		t.Errorf("target: %q %v", b, err)
	}
	into := t.TempDir()
	code, _, stderr = e.hcops(context.Background(), t, append([]string{"cp", "host-0*", "--get"}, append(base, "--", dst, into)...)...)
	if b, err := os.ReadFile(filepath.Join(into, "host-02", "app.conf")); code != 0 || err != nil || string(b) != "threads=8\n" {
		t.Errorf("get: exit %d, %q %v\n%s", code, b, err, stderr)
	}
	n, err := audit.Verify(filepath.Join(e.dir, "audit.log"))
	if err != nil || n != 2 {
		t.Errorf("audit log: %d records, %v", n, err)
	}
	recs, _ := audit.List(filepath.Join(e.dir, "audit.log"), audit.Filter{})
	if len(recs) == 2 && (recs[0].Action != "cp" || !strings.HasPrefix(recs[0].FileHash, "sha256:") || len(recs[0].Targets) != 3) {
		t.Errorf("audit record: %+v", recs[0])
	}
}

// hcops ssh: a shell on one host, fed from a pipe here; the session is
// recorded beside the audit log, replays to what was shown, and is audited;
// the shell's exit status is hcops' own.
func TestSSHRecorded(t *testing.T) {
	e, base := execFleet(t, 1)
	ios, in, out, errOut := iostreams.Test()
	in.WriteString("echo rec-$((2+3))\nexit 4\n")
	root := newRootCmd(ios)
	root.SetArgs(append([]string{"--inventory", e.inv, "--db", e.db, "--lang", "en", "ssh", "host-01"}, base...))
	err := root.ExecuteContext(context.Background())
	if code := exitCode(err); code != 4 || !strings.Contains(out.String(), "rec-5") {
		t.Fatalf("exit %d (%v)\n%s\n%s", code, err, out.String(), errOut.String())
	}
	recs, _ := audit.List(filepath.Join(e.dir, "audit.log"), audit.Filter{})
	if len(recs) != 1 || recs[0].Action != "ssh" || filepath.Dir(recs[0].Recording) != filepath.Join(e.dir, "recordings") {
		t.Fatalf("audit: %+v", recs)
	}
	shown, typed, err := engine.ReadCast(recs[0].Recording)
	if err != nil || !strings.Contains(shown, "rec-5") || typed != "echo rec-$((2+3))\nexit 4\n" {
		t.Errorf("replay: %v\n%q\n%q", err, shown, typed)
	}
	if st, err := os.Stat(recs[0].Recording); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("recording mode: %v %v", st, err)
	}
}

// With remote.approval: core, a core asset needs a second person's approval
// file: refused without one or with the operator's own, run with the
// approver's; --approve prints one for this command and these assets.
func TestExecApproval(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "giving the approval file to another account needs root")
	}
	e, base := execFleet(t, 1)
	cfg := filepath.Join(e.dir, "config.yaml")
	os.WriteFile(cfg, []byte("remote:\n  approval: core\n"), 0o644)
	base = append(base, "--config", cfg)
	marker := filepath.Join(e.dir, "restarted")
	cmd := "touch " + marker
	code, _, stderr := e.hcops(context.Background(), t, append([]string{"exec", "his-*", "--confirm", "his-db-01"}, append(base, "--", cmd)...)...)
	if code != ExitUnknown || !strings.Contains(stderr, "requires a second person's approval for 1 assets (his-db-01)") {
		t.Errorf("without approval: %d\n%s", code, stderr)
	}
	// The operator's own --approve output is refused.
	code, own, _ := e.hcops(context.Background(), t, append([]string{"exec", "his-*", "--approve"}, append(base, "--", cmd)...)...)
	ownFile := filepath.Join(e.dir, "own.yaml")
	os.WriteFile(ownFile, []byte(own), 0o644)
	code2, _, stderr := e.hcops(context.Background(), t, append([]string{"exec", "his-*", "--approval", ownFile}, append(base, "--", cmd)...)...)
	if code != 0 || !strings.Contains(own, "command_sha256:") || code2 != ExitUnknown || !strings.Contains(stderr, "second person's account") {
		t.Errorf("own approval: %d %d\n%s\n%s", code, code2, own, stderr)
	}
	// The approver's file, for this command.
	nobody, _ := user.Lookup("nobody")
	uid, _ := strconv.Atoi(nobody.Uid)
	a := engine.Approval{Approver: "nobody", CommandSHA256: engine.CommandHash(cmd), Command: cmd, Targets: []string{"his-db-01"}, Expires: time.Now().Add(time.Hour)}
	data, _ := a.Marshal()
	theirs := filepath.Join(e.dir, "approval.yaml")
	os.WriteFile(theirs, data, 0o644)
	os.Chown(theirs, uid, -1)
	code, _, stderr = e.hcops(context.Background(), t, append([]string{"exec", "his-*", "--approval", theirs}, append(base, "--", cmd)...)...)
	if _, err := os.Stat(marker); code != 0 || err != nil || !strings.Contains(stderr, "approved by nobody") {
		t.Errorf("approved exec: %d %v\n%s", code, err, stderr)
	}
	// The same approval does not cover another command.
	code, _, stderr = e.hcops(context.Background(), t, append([]string{"exec", "his-*", "--approval", theirs}, append(base, "--", "rm -f "+marker)...)...)
	if _, err := os.Stat(marker); code != ExitUnknown || err != nil || !strings.Contains(stderr, "approves another command") {
		t.Errorf("approval reused for another command: %d\n%s", code, stderr)
	}
}
