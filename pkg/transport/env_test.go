package transport

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestChildEnvKeepsOnlyTheBasics(t *testing.T) {
	t.Setenv("HCOPS_TEST_SECRET", "s3cret")
	t.Setenv("PGPASSWORD", "inherited")
	t.Setenv("LC_TIME", "C")
	t.Setenv("PATH", "/usr/bin:/bin")
	env := strings.Join(ChildEnv("PGPASSWORD=given"), "\n")
	for _, want := range []string{"PATH=/usr/bin:/bin", "LC_TIME=C", "PGPASSWORD=given"} {
		if !strings.Contains(env, want) {
			t.Errorf("missing %s in\n%s", want, env)
		}
	}
	for _, bad := range []string{"s3cret", "inherited"} {
		if strings.Contains(env, bad) {
			t.Errorf("%s leaked into\n%s", bad, env)
		}
	}
}

func TestChildEnvDefaultPath(t *testing.T) {
	t.Setenv("PATH", "")
	if env := strings.Join(ChildEnv(), "\n"); !strings.Contains(env, "PATH=") {
		t.Errorf("no PATH: %s", env)
	}
}

// A local check sees none of hcops' secrets.
func TestLocalScriptDoesNotSeeSecrets(t *testing.T) {
	t.Setenv("HCOPS_TEST_DB_PW", "s3cret")
	out, err := NewLocal().Run(context.Background(), "env")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out.Stdout), "s3cret") {
		t.Errorf("a local script saw hcops' environment:\n%s", out.Stdout)
	}
	if !strings.Contains(string(out.Stdout), "PATH=") {
		t.Errorf("no PATH for a local script:\n%s", out.Stdout)
	}
}

// TestLocalLifeline: when hcops is killed (kill -9) while a local script is
// blocked, say a cat reading a FIFO in place of a backup copy, nothing the
// script started is left running.
func TestLocalLifeline(t *testing.T) {
	if dir := os.Getenv("HCOPS_TEST_LIFELINE_DIR"); dir != "" {
		NewLocal().Run(context.Background(), "cat "+dir+"/fifo & echo $! > "+dir+"/pid.tmp; mv "+dir+"/pid.tmp "+dir+"/pid; wait")
		return
	}
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestLocalLifeline$")
	child.Env = append(os.Environ(), "HCOPS_TEST_LIFELINE_DIR="+dir)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for i := 0; i < 200 && pid == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		b, _ := os.ReadFile(filepath.Join(dir, "pid"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if pid == 0 {
		child.Process.Kill()
		t.Fatal("the child's script never started its cat")
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("cat %d not running before the kill: %v", pid, err)
	}
	child.Process.Kill() // kill -9 hcops
	child.Wait()
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("cat %d outlived the killed hcops", pid)
}
