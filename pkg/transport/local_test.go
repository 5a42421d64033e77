package transport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLocalRun(t *testing.T) {
	ctx := context.Background()
	l := NewLocal()
	if l.Target() != "localhost" {
		t.Errorf("Target() = %q", l.Target())
	}
	tests := []struct {
		name, script   string
		stdout, stderr string
		exit           int
	}{
		{"ok", "echo hello", "hello\n", "", 0},
		{"exit code", "echo out; echo err >&2; exit 3", "out\n", "err\n", 3},
		{"multi-line with quotes", "x='a b'\nprintf '%s|' \"$x\"\n", "a b|", "", 0},
		// A command that reads stdin must not swallow the rest of the script.
		{"stdin readers see EOF", "cat\nread x || echo eof\necho after", "eof\nafter\n", "", 0},
		{"missing command", "no-such-command-hcops", "", "", 127},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := l.Run(ctx, tc.script)
			if err != nil {
				t.Fatal(err)
			}
			if string(out.Stdout) != tc.stdout || out.ExitCode != tc.exit {
				t.Errorf("stdout %q exit %d, want %q exit %d (stderr %q)", out.Stdout, out.ExitCode, tc.stdout, tc.exit, out.Stderr)
			}
			if tc.stderr != "" && string(out.Stderr) != tc.stderr {
				t.Errorf("stderr %q, want %q", out.Stderr, tc.stderr)
			}
			if out.Truncated {
				t.Error("Truncated set")
			}
		})
	}
}

func TestLocalOutputBounded(t *testing.T) {
	l := &Local{MaxOutput: 1000}
	out, err := l.Run(context.Background(), "head -c 5000000 /dev/zero | tr '\\0' x; echo done >&2")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Stdout) != 1000 || !out.Truncated || out.ExitCode != 0 {
		t.Fatalf("stdout %d bytes, truncated %v, exit %d", len(out.Stdout), out.Truncated, out.ExitCode)
	}
	if string(out.Stderr) != "done\n" {
		t.Errorf("stderr %q", out.Stderr)
	}
}

func TestLocalControlCharactersRaw(t *testing.T) {
	out, err := NewLocal().Run(context.Background(), `printf '\033[31mred\033[0m\r\n\007'`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x1b[31mred\x1b[0m\r\n\a"; string(out.Stdout) != want {
		t.Fatalf("stdout %q, want %q (the transport must not alter output)", out.Stdout, want)
	}
}

// TestLocalCancelKillsGroup checks a cancelled script returns promptly and
// its children die with it.
func TestLocalCancelKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var out Output
	var err error
	go func() {
		out, err = NewLocal().Run(ctx, "echo started; sh -c 'echo $$ > "+pidFile+"; exec sleep 60' & sleep 60")
		close(done)
	}()
	pid := waitForFile(t, pidFile)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !bytes.Contains(out.Stdout, []byte("started")) || out.ExitCode != -1 {
		t.Errorf("partial output %q exit %d", out.Stdout, out.ExitCode)
	}
	waitGone(t, pid)
}

// waitForFile waits until path holds something and returns it, trimmed:
// the test knows the command got that far, however loaded the machine.
func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written within 30s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGone waits until process pid (on this machine; the test sshd runs
// here too) has exited, and fails the test after 5s.
func waitGone(t *testing.T, pid string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		// Gone, or a zombie waiting for init to reap it.
		if err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %s still runs: %s", pid, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLocalLargeScript(t *testing.T) {
	// Scripts are sent on stdin, so their size is not bounded by ARG_MAX.
	var b strings.Builder
	for i := 0; i < 40000; i++ {
		b.WriteString(": padding line to make the script big\n")
	}
	b.WriteString("echo end\n")
	out, err := NewLocal().Run(context.Background(), b.String())
	if err != nil || string(out.Stdout) != "end\n" {
		t.Fatalf("out %q err %v", out.Stdout, err)
	}
}

// TestLocalNoLeftovers: background processes a script leaves are killed
// when it ends.
func TestLocalNoLeftovers(t *testing.T) {
	out, err := NewLocal().Run(context.Background(), "sleep 30 >/dev/null 2>&1 & echo $!")
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, strings.TrimSpace(string(out.Stdout)))
}

func TestLocalStream(t *testing.T) {
	st, ok := NewLocal().(Streamer)
	if !ok {
		t.Fatal("the local runner is not a Streamer")
	}
	var buf bytes.Buffer
	code, errOut, err := st.Stream(context.Background(), "printf 'a\\n\\nb\\n'; head -c 3000000 /dev/zero; echo warn >&2; exit 3", &buf)
	if err != nil || code != 3 || string(errOut) != "warn\n" {
		t.Fatalf("code %d stderr %q err %v", code, errOut, err)
	}
	if buf.Len() != 3000000+5 || !strings.HasPrefix(buf.String(), "a\n\nb\n") {
		t.Fatalf("streamed %d bytes", buf.Len())
	}
}
