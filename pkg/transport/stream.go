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

	"golang.org/x/crypto/ssh"
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
	cmd := exec.Command("/bin/sh", "-c", `eval "$(cat)"`)
	cmd.Stdin = strings.NewReader(script)
	cmd.Stdout, cmd.Stderr = w, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return -1, nil, fmt.Errorf("localhost: start /bin/sh: %w", err)
	}
	pgid := cmd.Process.Pid
	stop := context.AfterFunc(ctx, func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	err := cmd.Wait()
	stop()
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
// one connection.
func (r *sshRunner) Stream(ctx context.Context, script string, w io.Writer) (int, []byte, error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return -1, nil, ctx.Err()
	}
	defer func() { <-r.sem }()
	sess, err := r.openSession(ctx)
	if err != nil {
		return -1, nil, err
	}
	defer r.closeSession(sess)
	stderr := newBoundedBuffer(64 << 10)
	sess.Stdin = strings.NewReader(script)
	sess.Stdout, sess.Stderr = w, stderr
	if err := sess.Start(r.command); err != nil {
		return -1, nil, fmt.Errorf("%s: start command: %w", r.name, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		sess.Signal(ssh.SIGKILL)
		sess.Close()
		errOut, _ := stderr.result()
		return -1, errOut, ctx.Err()
	}
	errOut, _ := stderr.result()
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return 0, errOut, nil
	case errors.As(err, &ee) && ee.Signal() == "":
		return ee.ExitStatus(), errOut, nil
	}
	return -1, errOut, fmt.Errorf("%s: %w", r.name, err)
}
