package transport

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

// TestSSHCancelAnyMoment cancels commands at every stage of their life:
// before the session opens, while the script is still being sent (a script
// bigger than the SSH window, so the sender is blocked on the host), while
// it runs, and as it ends. Each Run must return promptly with the context's
// error or a result, the connection must stay usable, and nothing the run
// started may outlive it: run with -race, this is the test that catches the
// script sender and the cancel path touching the session at once.
func TestSSHCancelAnyMoment(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	r, err := d.Dial(context.Background(), target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The goroutines of the idle connection (mux, keepalive, ...): every
	// cancelled run must give back what it started.
	if _, err := r.Run(context.Background(), "true"); err != nil {
		t.Fatal(err)
	}
	before := settledGoroutines(0)

	// 3 MB: more than OpenSSH's 2 MB session window, so the sender blocks
	// until the host has read most of it.
	big := strings.Repeat(": padding line of a large script\n", 3<<20/33) + "sleep 60\n"
	scripts := map[string]string{"small": "echo started; sleep 60", "big": big}
	delays := []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond, 100 * time.Millisecond}
	for name, script := range scripts {
		for _, delay := range delays {
			for i := 0; i < 3; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), delay)
				start := time.Now()
				out, err := r.Run(ctx, script)
				took := time.Since(start)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("%s script, deadline %s: err = %v, want the deadline (stdout %q)", name, delay, err, out.Stdout)
				}
				if out.ExitCode != -1 {
					t.Errorf("%s script, deadline %s: exit code %d for a killed command", name, delay, out.ExitCode)
				}
				if took > delay+5*time.Second {
					t.Errorf("%s script, deadline %s: Run returned after %s", name, delay, took)
				}
			}
		}
	}
	// Stream hands the writer back on return: reading it right away must
	// not race with output still arriving from the cancelled command.
	st := r.(Streamer)
	for _, delay := range delays {
		var buf bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), delay)
		_, _, err := st.Stream(ctx, "yes", &buf)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("stream, deadline %s: err = %v", delay, err)
		}
		// The buffer is ours again: use it while the host's output of
		// the cancelled command is still arriving.
		got := buf.String()
		for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
			if buf.String() != got {
				t.Fatalf("stream, deadline %s: output written after Stream returned", delay)
			}
			buf.Reset()
			buf.WriteString(got)
		}
		if strings.Trim(got, "y\n") != "" {
			t.Fatalf("stream, deadline %s: unexpected output %q", delay, got[:min(40, len(got))])
		}
	}
	if out, err := r.Run(context.Background(), "echo still here"); err != nil || string(out.Stdout) != "still here\n" {
		t.Fatalf("after the cancelled runs: %q %v", out.Stdout, err)
	}
	if n := settledGoroutines(before); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before the cancelled runs, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits (up to 10 s) for the number of goroutines to come
// down to want, or to stop changing when want is 0, and returns it.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		m := runtime.NumGoroutine()
		if (want > 0 && m <= want) || (want == 0 && m == n) {
			return m
		}
		n = m
	}
	return n
}
