package transport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sshRunner runs scripts over one SSH connection, one session per Run.
type sshRunner struct {
	client    *ssh.Client
	name      string
	command   string        // the remote command that reads the script on stdin
	sem       chan struct{} // free session slots
	maxOutput int

	mu     sync.Mutex
	active int           // sessions open on the connection
	ended  int           // sessions closed so far
	freed  chan struct{} // closed (and replaced) when a session ends
}

// Target names the host as "user@host:port".
func (r *sshRunner) Target() string { return r.name }

// Close closes the connection.
func (r *sshRunner) Close() error { return r.client.Close() }

// Run runs script on the host (see Runner). When ctx is done the command
// is killed with everything it started and Run returns ctx's error at once,
// with what the command printed so far; the connection stays usable.
func (r *sshRunner) Run(ctx context.Context, script string) (Output, error) {
	start := time.Now()
	stdout, stderr := newBoundedBuffer(r.maxOutput), newBoundedBuffer(r.maxOutput)
	code, err := r.exec(ctx, script, stdout, stderr)
	out := Output{ExitCode: code, Duration: time.Since(start)}
	var t1, t2 bool
	out.Stdout, t1 = stdout.result()
	out.Stderr, t2 = stderr.result()
	out.Truncated = t1 || t2
	return out, err
}

// RunCommand runs cmdline exactly as given, as the session's command, with
// nothing on its standard input (closed at once) and without the sh
// wrapper or become: for hosts whose login shell is not POSIX sh (Windows
// OpenSSH runs it with cmd.exe or PowerShell). Output is bounded like Run's;
// when ctx is done the session is closed and ctx's error returned.
func (r *sshRunner) RunCommand(ctx context.Context, cmdline string) (Output, error) {
	start := time.Now()
	stdout, stderr := newBoundedBuffer(r.maxOutput), newBoundedBuffer(r.maxOutput)
	code, err := r.execCommand(ctx, cmdline, "", stdout, stderr)
	out := Output{ExitCode: code, Duration: time.Since(start)}
	var t1, t2 bool
	out.Stdout, t1 = stdout.result()
	out.Stderr, t2 = stderr.result()
	out.Truncated = t1 || t2
	return out, err
}

// exec runs script in a session of its own (see remoteWrapper) with its
// output going to stdout and stderr, and returns its exit code: -1 when it
// did not exit normally (killed, cancelled, connection lost). Run and
// Stream share it.
func (r *sshRunner) exec(ctx context.Context, script string, stdout, stderr io.Writer) (int, error) {
	marker := endMarker()
	payload := script
	if !strings.HasSuffix(payload, "\n") {
		payload += "\n"
	}
	payload += marker + "\n"
	return r.execCommand(ctx, r.command+" "+marker, payload, stdout, stderr)
}

// execCommand runs cmdline in a session of its own with payload on its
// standard input. An empty payload means none: stdin is closed as soon as
// the command has started, so a program that reads it sees end-of-file.
// A payload keeps stdin open until the command is over (the wrapper's
// lifeline).
func (r *sshRunner) execCommand(ctx context.Context, cmdline, payload string, stdout, stderr io.Writer) (int, error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	defer func() { <-r.sem }()

	sess, err := r.openSession(ctx)
	if err != nil {
		return -1, err
	}
	defer r.closeSession(sess)
	// On cancel Run returns before the session's own goroutines have
	// drained the channel; the gates make sure that nothing reaches the
	// caller's writers after exec returns (Stream hands w back then).
	outGate, errGate := &gate{w: stdout}, &gate{w: stderr}
	defer outGate.close()
	defer errGate.close()
	sess.Stdout, sess.Stderr = outGate, errGate
	// Not sess.Stdin: Wait would wait for it, and stdin must stay open
	// until the command is over (it is the lifeline, see remoteWrapper).
	stdin, err := sess.StdinPipe()
	if err != nil {
		return -1, fmt.Errorf("%s: %w", r.name, err)
	}
	if err := sess.Start(cmdline); err != nil {
		return -1, fmt.Errorf("%s: start command: %w", r.name, err)
	}
	if payload == "" {
		// Nothing to send: end-of-file now, no sender, no lifeline.
		stdin.Close()
		return r.wait(ctx, sess)
	}
	// The sender owns stdin until it closes sent; only then may exec close
	// it. x/crypto's channel does not allow CloseWrite during a Write (the
	// end-of-file flag is a plain field both touch), and Write can block
	// for long: while the host has not read the script, the SSH window is
	// full.
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		// Fails at once when the session is closed (see below).
		io.WriteString(stdin, payload)
	}()
	defer func() {
		select {
		case <-sent:
			// End-of-file on the lifeline makes the host kill what the
			// command left running, also when it was cancelled.
			stdin.Close()
		default:
			// Still sending: the host has not read the end marker, so no
			// line of the script has run. Closing the session (deferred
			// before this) ends the Write; the channel close reaches the
			// wrapper as end-of-file too.
		}
	}()
	return r.wait(ctx, sess)
}

// wait waits for the session's command and returns its exit code (see
// exec), or ctx's error at once when ctx is done first.
func (r *sshRunner) wait(ctx context.Context, sess *ssh.Session) (int, error) {
	var err error
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		// The deferred calls of execCommand close stdin (when the sender
		// is done with it), then the session; the goroutines end when the
		// host confirms.
		return -1, ctx.Err()
	}
	var ee *ssh.ExitError
	var em *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.Signal() == "":
		return ee.ExitStatus(), nil
	case errors.As(err, &ee):
		// Killed by a signal on the host: it ran, and did not finish.
		return -1, nil
	case errors.As(err, &em):
		return -1, fmt.Errorf("%s: command ended without an exit status (connection lost?)", r.name)
	}
	return -1, fmt.Errorf("%s: %w", r.name, err)
}

// openSession opens a session, honouring ctx. A server whose MaxSessions is
// below ours (hardened hosts set it as low as 1) refuses the channel; then
// wait for one of this connection's own sessions to end and try again,
// rather than failing a check the host would run a moment later.
func (r *sshRunner) openSession(ctx context.Context) (*ssh.Session, error) {
	type opened struct {
		s   *ssh.Session
		err error
	}
	retries := 0
	for {
		r.mu.Lock()
		ended := r.ended
		r.mu.Unlock()
		ch := make(chan opened, 1)
		go func() {
			s, err := r.client.NewSession()
			ch <- opened{s, err}
		}()
		var o opened
		select {
		case o = <-ch:
		case <-ctx.Done():
			go func() {
				if o := <-ch; o.s != nil {
					o.s.Close()
				}
			}()
			return nil, ctx.Err()
		}
		var oce *ssh.OpenChannelError
		r.mu.Lock()
		switch {
		case o.err == nil:
			r.active++
			r.mu.Unlock()
			return o.s, nil
		case !errors.As(o.err, &oce):
			r.mu.Unlock()
			return nil, fmt.Errorf("%s: open session: %w", r.name, o.err)
		case r.ended != ended:
			r.mu.Unlock() // a session ended meanwhile: try again now
			continue
		case r.active == 0:
			// The server may not have released a session of ours that
			// just ended: back off a little before giving up.
			r.mu.Unlock()
			if retries >= 5 {
				return nil, fmt.Errorf("%s: open session: %w", r.name, o.err)
			}
			retries++
			select {
			case <-time.After(time.Duration(retries*retries) * 20 * time.Millisecond):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if r.freed == nil {
			r.freed = make(chan struct{})
		}
		freed := r.freed
		r.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// endMarker returns a line that ends the script on stdin. It is random so
// that no script line can be mistaken for it.
func endMarker() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "HCOPS_END_" + hex.EncodeToString(b)
}

// closeSession closes sess and wakes Run calls waiting for a session.
func (r *sshRunner) closeSession(sess *ssh.Session) {
	sess.Close()
	r.mu.Lock()
	r.active--
	r.ended++
	if r.freed != nil {
		close(r.freed)
		r.freed = nil
	}
	r.mu.Unlock()
}

// gate passes writes on to w until closed. After close returns no Write to
// w is running and none will start: the writer is the caller's again.
// Writes after that are dropped but reported as done, so the session keeps
// draining its channel until the host closes it.
type gate struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// SFTP opens an SFTP session on the runner's connection (the sftp
// subsystem logs in as the connection's user; become does not apply).
func (r *sshRunner) SFTP() (*sftp.Client, error) {
	c, err := sftp.NewClient(r.client)
	if err != nil {
		return nil, fmt.Errorf("%s: sftp: %w", r.name, err)
	}
	return c, nil
}
