package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
)

// Streamer is implemented by runners that can stream a script's stdout
// without the DefaultMaxOutput bound: fetching a backup copy for a restore
// drill, where the data goes straight into a restore tool and is never held
// in memory. stderr is still bounded.
type Streamer interface {
	Stream(ctx context.Context, script string, stdout io.Writer) (exitCode int, stderr []byte, err error)
}

// Stream runs script on this machine with stdout going to w.
func (l *Local) Stream(ctx context.Context, script string, w io.Writer) (int, []byte, error) {
	stderr := newBoundedBuffer(64 << 10)
	cmd, err := startLocal(script, w, stderr)
	if err != nil {
		return -1, nil, err
	}
	pgid := cmd.Process.Pid
	stop := context.AfterFunc(ctx, func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	err = cmd.Wait()
	stop()
	syscall.Kill(-pgid, syscall.SIGKILL) // leftovers die with the script, as in Run
	errOut, _ := stderr.result()
	if ctx.Err() != nil {
		return -1, errOut, ctx.Err()
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, errOut, nil
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), errOut, nil
	}
	return -1, errOut, fmt.Errorf("localhost: %w", err)
}

// Stream runs script on the host with stdout going to w, over the runner's
// one connection, with the same wrapper, lifeline and exit codes as Run.
func (r *sshRunner) Stream(ctx context.Context, script string, w io.Writer) (int, []byte, error) {
	stderr := newBoundedBuffer(64 << 10)
	code, err := r.exec(ctx, script, w, stderr)
	errOut, _ := stderr.result()
	return code, errOut, err
}
