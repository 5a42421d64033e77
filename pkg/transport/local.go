package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Local runs scripts on this machine. It is what `hcops inspect` uses when
// there is no inventory, and for assets whose connection is "local".
type Local struct {
	// MaxOutput bounds each of stdout and stderr (DefaultMaxOutput when 0).
	MaxOutput int
}

// NewLocal returns a Runner for this machine.
func NewLocal() Runner { return &Local{} }

// Target names this machine: "localhost".
func (l *Local) Target() string { return "localhost" }

// Close does nothing: there is no connection.
func (l *Local) Close() error { return nil }

// Run runs script with /bin/sh, the script on stdin. The script runs in its
// own process group; when ctx is done the whole group is killed (a check's
// children included) and Run returns ctx's error. Background processes the
// script leaves behind are killed when it ends.
func (l *Local) Run(ctx context.Context, script string) (Output, error) {
	start := time.Now()
	if err := ctx.Err(); err != nil {
		return Output{ExitCode: -1}, err
	}
	stdout, stderr := newBoundedBuffer(l.MaxOutput), newBoundedBuffer(l.MaxOutput)
	cmd, err := startLocal(script, stdout, stderr)
	if err != nil {
		return Output{ExitCode: -1}, err
	}
	pgid := cmd.Process.Pid
	stop := context.AfterFunc(ctx, func() {
		syscall.Kill(-pgid, syscall.SIGKILL)
	})
	waitErr := cmd.Wait()
	stop()
	// Whatever the script left running in the background dies with it: an
	// inspection must not leave processes behind on the machine.
	syscall.Kill(-pgid, syscall.SIGKILL)

	out := Output{ExitCode: -1, Duration: time.Since(start)}
	var t1, t2 bool
	out.Stdout, t1 = stdout.result()
	out.Stderr, t2 = stderr.result()
	out.Truncated = t1 || t2
	if err := ctx.Err(); err != nil {
		return out, err
	}
	var ee *exec.ExitError
	switch {
	case waitErr == nil:
		out.ExitCode = 0
	case errors.As(waitErr, &ee) && ee.Exited():
		out.ExitCode = ee.ExitCode()
	case errors.As(waitErr, &ee):
		// Killed by a signal that was not ours (OOM killer, a stray kill):
		// the script did not finish, but it ran; the exit code says so.
	case errors.Is(waitErr, exec.ErrWaitDelay):
		// The script exited but left something holding its output
		// open; what it printed before is kept.
		out.ExitCode = cmd.ProcessState.ExitCode()
	default:
		return out, fmt.Errorf("localhost: %w", waitErr)
	}
	return out, nil
}

// startLocal starts script with /bin/sh in a process group of its own and a
// minimal environment (ChildEnv: hcops' secrets stay with hcops). It uses
// the remote wrapper, so stdin stays open as a lifeline while the script
// runs: should hcops be killed (kill -9, OOM), the kernel closes the pipe
// and the wrapper's watcher kills the whole group, so nothing it started
// (a cat blocked on a FIFO, a restore stream) outlives it. The caller waits
// for cmd; Wait closes the lifeline.
func startLocal(script string, stdout, stderr io.Writer) (*exec.Cmd, error) {
	marker := endMarker()
	cmd := exec.Command("/bin/sh", "-c", remoteWrapper, "hcops", marker)
	cmd.Env = ChildEnv()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A grandchild that keeps the output pipes open must not hold Wait
	// after the group was killed (it would be killed too, but a process
	// that left the group could linger).
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("localhost: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("localhost: start /bin/sh: %w", err)
	}
	payload := script
	if !strings.HasSuffix(payload, "\n") {
		payload += "\n"
	}
	// The pipe's buffer may be smaller than the script: sed reads it while
	// this goroutine writes. A failed write (the shell died) leaves the
	// script unrun, as a cut-off transfer does over SSH.
	go io.WriteString(stdin, payload+marker+"\n")
	return cmd, nil
}
