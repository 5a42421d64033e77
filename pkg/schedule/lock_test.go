package schedule

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestLockHolder is not a test: run by TestLockContention as a separate
// process, it takes the lock and holds it until its stdin closes.
func TestLockHolder(t *testing.T) {
	dir := os.Getenv("HCOPS_TEST_LOCK_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	release, err := Lock(dir, "daily-inspection")
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	io.Copy(io.Discard, os.Stdin)
	release()
	os.Exit(0)
}

// holder starts a process that holds the lock of daily-inspection in dir.
func holder(t *testing.T, dir string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolder$")
	cmd.Env = append(os.Environ(), "HCOPS_TEST_LOCK_DIR="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		cmd.Process.Kill()
		t.Fatalf("holder: %q %v", line, err)
	}
	return cmd, stdin
}

func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin := holder(t, dir)

	_, err := Lock(dir, "daily-inspection")
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: err = %v, want *LockedError", err)
	}
	if le.PID != cmd.Process.Pid || le.Job != "daily-inspection" || time.Since(le.Since) > time.Minute {
		t.Errorf("LockedError = %+v, want pid %d and a recent start", le, cmd.Process.Pid)
	}
	want := "job daily-inspection is already running (pid " + strconv.Itoa(cmd.Process.Pid) + ", since " + le.Since.Format("15:04:05") + "); exiting"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	// Another job is not blocked by this one.
	rel, err := Lock(dir, "monthly-report")
	if err != nil {
		t.Fatalf("other job: %v", err)
	}
	rel()
	rel() // twice is harmless

	// When the holder ends, the lock is free again.
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	rel, err = Lock(dir, "daily-inspection")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	rel()
}

func TestLockFreedWhenHolderIsKilled(t *testing.T) {
	dir := t.TempDir()
	cmd, _ := holder(t, dir)
	if _, err := Lock(dir, "daily-inspection"); err == nil {
		t.Fatal("lock not held")
	}
	cmd.Process.Kill() // SIGKILL: no chance to clean up
	cmd.Wait()
	rel, err := Lock(dir, "daily-inspection")
	if err != nil {
		t.Fatalf("lock of a killed process is stale: %v", err)
	}
	rel()
}

func TestLockDirUnwritable(t *testing.T) {
	_, err := Lock("/proc/hcops-locks", "x")
	if err == nil {
		t.Fatal("no error for an impossible directory")
	}
}
