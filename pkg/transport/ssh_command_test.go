package transport

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

// RunCommand sends the command line as it is (no sh wrapper, no script on
// stdin), closes stdin at once so a program that reads it ends, and bounds
// the output like Run; a hung command ends with the context.
func TestSSHRunCommand(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}, MaxOutput: 1000})
	ctx := context.Background()
	r, err := d.Dial(ctx, target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cr, ok := r.(CommandRunner)
	if !ok {
		t.Fatal("the SSH runner is not a CommandRunner")
	}
	// cat reads stdin: it must see end-of-file, not wait.
	out, err := cr.RunCommand(ctx, "cat; echo done; echo err >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Stdout) != "done\n" || string(out.Stderr) != "err\n" || out.ExitCode != 3 {
		t.Fatalf("got %+v", out)
	}
	out, err = cr.RunCommand(ctx, "head -c 5000 /dev/zero")
	if err != nil || len(out.Stdout) != 1000 || !out.Truncated {
		t.Fatalf("bounded output: %d bytes, truncated %v, %v", len(out.Stdout), out.Truncated, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = cr.RunCommand(tctx, "sleep 30")
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("hung command: %v after %s", err, time.Since(start))
	}
	// The connection is still usable.
	if out, err := cr.RunCommand(ctx, "echo again"); err != nil || strings.TrimSpace(string(out.Stdout)) != "again" {
		t.Fatalf("after a cancelled command: %q %v", out.Stdout, err)
	}
}
