package sec

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// runCollectors runs every collector of the playbook on this machine with
// the shell sh and PATH, each wrapped as the batch script wraps it, and
// evaluates the output.
func runCollectors(t *testing.T, sh, path string) map[string]result.Result {
	t.Helper()
	return runCollectorsAs(t, sh, path, nil)
}

// runCollectorsAs is runCollectors as the user cred (nil: this process's).
func runCollectorsAs(t *testing.T, sh, path string, cred *syscall.Credential) map[string]result.Result {
	t.Helper()
	got := map[string]result.Result{}
	for _, s := range playbookSpecs(t) {
		c := allTypes[s.Type]
		script, err := c.Script(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sh)
		cmd.Env = []string{"PATH=" + path, "LC_ALL=C"}
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			cmd.Dir = "/"
		}
		cmd.Stdin = strings.NewReader("( eval " + inspect.ShellQuote(script) + " ) </dev/null 2>&1\n")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s under %s: %v", s.Name, sh, err)
		}
		env := &inspect.Env{Spec: s, Section: &inspect.Section{Stdout: string(out)}, Now: time.Now()}
		for _, r := range c.Evaluate(context.Background(), env) {
			got[r.Item] = r
		}
	}
	return got
}

// The collectors are POSIX sh: BusyBox's sh with nothing but BusyBox
// applets on PATH (a minimal appliance) and dash (Debian's /bin/sh) reach
// the same verdict on this machine for every rule, except the one that
// looks for compilers and sniffers on PATH, and the same words for every
// rule that runs no tool from PATH.
func TestCollectorsUnderBusyboxAndDash(t *testing.T) {
	bb := testenv.LookPath(t, "busybox")
	dash := testenv.LookPath(t, "dash")
	bin := t.TempDir()
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range strings.Fields(string(list)) {
		os.Symlink(bb, filepath.Join(bin, n))
	}
	ref := runCollectors(t, dash, "/usr/sbin:/usr/bin:/sbin:/bin")
	small := runCollectors(t, filepath.Join(bin, "sh"), bin)
	if len(ref) != len(baseline.Rules()) || len(small) != len(baseline.Rules()) {
		t.Fatalf("%d and %d results for %d rules", len(ref), len(small), len(baseline.Rules()))
	}
	for _, rule := range baseline.Rules() {
		a, b := ref[rule.ID], small[rule.ID]
		if a.Reason == "internal-error" || b.Reason == "internal-error" {
			t.Errorf("%s: %q / %q", rule.ID, a.Message, b.Message)
		}
		if rule.ID == "ip-minimal-install" {
			continue
		}
		// auditctl and systemctl are looked up on PATH, which BusyBox's
		// lacks: the audit rules are then read from the files instead of the
		// kernel, which may word the same verdict differently.
		// The listening sockets of a shared machine come and go between
		// the two runs.
		sameText := !strings.HasPrefix(rule.ID, "au-") && rule.ID != "ip-listening-ports"
		if baseline.VerdictOf(a) != baseline.VerdictOf(b) || sameText && a.Message != b.Message {
			t.Errorf("%s: dash %s %q, busybox %s %q\nbusybox evidence:\n%s", rule.ID, baseline.VerdictOf(a), a.Message, baseline.VerdictOf(b), b.Message, b.Evidence)
		}
	}
}

// Run by an unprivileged account, what needs root is 未检查 with the file
// named and the advice to inspect as root — never a false 不符合 — and sshd
// is judged from its files, saying so.
func TestUnprivilegedIsNotChecked(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "running the collectors as nobody needs root")
	}
	if _, err := os.Stat("/etc/shadow"); err != nil {
		t.Skip("no /etc/shadow")
	}
	got := runCollectorsAs(t, "/bin/sh", "/usr/sbin:/usr/bin:/sbin:/bin", &syscall.Credential{Uid: 65534, Gid: 65534})
	for _, id := range []string{"ia-empty-password", "ia-account-expiry", "ia-password-hash", "ac-sudoers"} {
		r := got[id]
		if baseline.VerdictOf(r) != baseline.NotChecked || r.Reason != "not-root" || !strings.Contains(r.Advice, "become: true") {
			t.Errorf("%s as nobody: %s %s %q, advice %q\n%s", id, baseline.VerdictOf(r), r.Reason, r.Message, r.Advice, r.Evidence)
		}
	}
	if r := got["ia-account-expiry"]; !strings.Contains(r.Message, "/etc/shadow can be read by root only (collector ran as uid 65534)") {
		t.Errorf("message %q", r.Message)
	}
	if r := got["ia-ssh-empty-password"]; baseline.VerdictOf(r) == baseline.NotChecked || !strings.Contains(r.Message, "judged from the configuration files") {
		t.Errorf("sshd as nobody: %s %q", baseline.VerdictOf(r), r.Message)
	}
	// What nobody can read is judged as root judges it.
	root := runCollectors(t, "/bin/sh", "/usr/sbin:/usr/bin:/sbin:/bin")
	for _, id := range []string{"ia-password-expiry", "ia-password-complexity", "ia-lockout-faillock", "ri-history-size", "ip-listening-ports"} {
		if a, b := baseline.VerdictOf(root[id]), baseline.VerdictOf(got[id]); a != b {
			t.Errorf("%s: root %s, nobody %s", id, a, b)
		}
	}
}
