package transport

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"
)

// Terminal describes the local terminal an interactive shell is attached
// to. Resize delivers new sizes (cols, rows); nil when the size is fixed.
type Terminal struct {
	Type       string // $TERM, default xterm-256color
	Cols, Rows int
	Resize     <-chan [2]int
}

// Sheller is implemented by runners over SSH: an interactive login shell on
// a pseudo-terminal, on the runner's verified connection.
type Sheller interface {
	Shell(ctx context.Context, t Terminal, in io.Reader, out io.Writer) (exitCode int, err error)
}

// Shell runs the user's login shell on a PTY until it exits, copying in to
// it and its output to out. The exit code is the shell's (-1 without one).
func (r *sshRunner) Shell(ctx context.Context, t Terminal, in io.Reader, out io.Writer) (int, error) {
	sess, err := r.openSession(ctx)
	if err != nil {
		return -1, err
	}
	defer r.closeSession(sess)
	if t.Type == "" {
		t.Type = "xterm-256color"
	}
	if t.Cols <= 0 || t.Rows <= 0 {
		t.Cols, t.Rows = 80, 24
	}
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := sess.RequestPty(t.Type, t.Rows, t.Cols, modes); err != nil {
		return -1, fmt.Errorf("%s: pty: %w", r.name, err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return -1, err
	}
	sess.Stdout, sess.Stderr = out, out
	if err := sess.Shell(); err != nil {
		return -1, fmt.Errorf("%s: shell: %w", r.name, err)
	}
	go func() {
		io.Copy(stdin, in)
		stdin.Close()
	}()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	for {
		select {
		case err := <-done:
			var ee *ssh.ExitError
			switch {
			case err == nil:
				return 0, nil
			case errors.As(err, &ee):
				return ee.ExitStatus(), nil
			}
			return -1, fmt.Errorf("%s: %w", r.name, err)
		case sz, ok := <-t.Resize:
			if !ok {
				t.Resize = nil
				continue
			}
			sess.WindowChange(sz[1], sz[0])
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
}
