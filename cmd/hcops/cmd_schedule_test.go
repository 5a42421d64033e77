package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestScheduleRunStopsJobOnSIGTERM: systemd stops a unit and a user presses
// Ctrl-C by signalling `hcops schedule run`; the job it started must be
// stopped too (not left running without its lock), and the run exits 130.
func TestScheduleRunStopsJobOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cfg.yaml", "jobs:\n  - name: slow\n    schedule: \"0 8 * * *\"\n    args: [inspect, --playbooks-dir, pb, --playbook, slow]\n")
	write("pb/slow.yaml", "name: slow\nchecks:\n  - name: nap\n    type: command\n    params: {script: \"sleep 60; echo slept\"}\n")

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// argv[0] "hcops" makes the test binary run hcops' main (see TestMain).
	cmd := &exec.Cmd{Path: exe, Args: []string{"hcops", "--config", "cfg.yaml", "schedule", "run", "slow"}, Dir: dir}
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"), "LANG=C")
	stderr := &schedTestBuf{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// Wait until the job is running: the lock is taken and the child started.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "job slow started") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("job did not start; stderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let the inspection reach its sleep
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
			t.Errorf("exit: %v, want code %d; stderr:\n%s", err, ExitInterrupted, stderr.String())
		}
	case <-time.After(45 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("schedule run did not stop after SIGTERM; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "job slow finished with exit code 130") {
		t.Errorf("the job was not stopped as interrupted; stderr:\n%s", stderr.String())
	}
}

// schedTestBuf is a bytes.Buffer safe to read while exec copies into it.
type schedTestBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *schedTestBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *schedTestBuf) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestScheduleUnitFileMode: unit files written by --dir are 0644 narrowed by
// the umask — readable by systemd and by everyone, as systemd wants — and
// replace older ones atomically.
func TestScheduleUnitFileMode(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".data"))
	t.Setenv("HCOPS_CONFIG", "")
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}} {
		old := syscall.Umask(tc.umask)
		units := filepath.Join(t.TempDir(), "units")
		stdout, stderr, code := runHcops(t, "--db", filepath.Join(dir, "h.db"), "schedule", "print", "--systemd", "--dir", units, "--binary", "/usr/local/bin/hcops")
		syscall.Umask(old)
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, stdout, stderr)
		}
		ents, err := os.ReadDir(units)
		if err != nil || len(ents) == 0 {
			t.Fatalf("no units written: %v", err)
		}
		for _, e := range ents {
			st, err := os.Stat(filepath.Join(units, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(e.Name(), ".service") && !strings.HasSuffix(e.Name(), ".timer") {
				t.Errorf("umask %03o: unexpected file %s", tc.umask, e.Name())
			}
			if st.Mode().Perm() != tc.want {
				t.Errorf("umask %03o: %s mode %04o, want %04o", tc.umask, e.Name(), st.Mode().Perm(), tc.want)
			}
		}
	}
}
