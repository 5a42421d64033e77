package inspect

import (
	"os/exec"
	"testing"
)

// osRunSh runs a collector snippet through the real sh of this machine, as
// the engine does on a target (stdin /dev/null, stderr merged).
func osRunSh(t testing.TB, script string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(cmd.Environ(), "LC_ALL=C", "LANG=C")
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("sh: %v", err)
	}
	return string(out)
}
