package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NobodyWithoutICMP returns a command that runs the test binary's test
// helper (a test function name) as nobody, without capabilities, from a
// fresh world-writable directory, which it also returns: an unprivileged
// process that may open no ICMP socket. It needs root (to change user) and
// setpriv; it skips when net.ipv4.ping_group_range admits nobody's group,
// since nobody could then ping after all.
func NobodyWithoutICMP(t *testing.T, helper string) (*exec.Cmd, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "root (to run the test binary as another user)")
	}
	setpriv := LookPath(t, "setpriv")
	b, _ := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || (lo <= 65534 && 65534 <= hi) {
		t.Skipf("ping_group_range %q admits nobody's group", strings.TrimSpace(string(b)))
	}
	dir, err := os.MkdirTemp("", "hcops-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, filepath.Base(os.Args[0]))
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		bin, "-test.run=^"+helper+"$", "-test.v")
	cmd.Dir = dir
	return cmd, dir
}
