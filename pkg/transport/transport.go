// Package transport runs commands and scripts on targets: this machine
// (local.go) or a remote host over SSH (ssh.go: connection per host, jump
// hosts, known_hosts). It knows nothing of checks or playbooks.
package transport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pkg/sftp"
)

// DefaultMaxOutput bounds what one command may return per stream; the rest is
// discarded and Output.Truncated is set.
const DefaultMaxOutput = 1 << 20

// Output is what one command printed and how it ended.
type Output struct {
	Stdout    []byte
	Stderr    []byte
	ExitCode  int           // -1 when the command did not exit normally (killed, timed out)
	Truncated bool          // stdout or stderr hit the bound
	Duration  time.Duration // wall time of the command
}

// Runner runs commands on one target. Implementations are safe for use by one
// goroutine at a time per command; SSH runners open one session per Run over
// a single shared connection.
type Runner interface {
	// Run runs script with /bin/sh on the target (the script is sent on stdin,
	// so its size is not bounded by the command line). A non-zero exit is not
	// an error: it is in Output.ExitCode. Errors mean the command could not
	// run at all (connection lost, context done).
	Run(ctx context.Context, script string) (Output, error)
	// Target names the target in messages: "localhost" or "user@host:port".
	Target() string
	// Close releases the connection.
	Close() error
}

// CommandRunner is implemented by runners over SSH: run one command line
// as given, without the POSIX sh wrapper and with nothing on stdin. The
// inspection runner reaches Windows hosts (OpenSSH with cmd.exe or
// PowerShell as the login shell) this way.
type CommandRunner interface {
	RunCommand(ctx context.Context, cmdline string) (Output, error)
}

// SFTPer is implemented by runners over SSH: file transfer on the same
// connection.
type SFTPer interface {
	SFTP() (*sftp.Client, error)
}

// UnreachableError says a target could not be reached at all. Reason is one
// of the result.Reason* constants (refused, timeout, auth, host-key-mismatch,
// host-key-unknown, dns, network).
type UnreachableError struct {
	Target string
	Reason string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Target, e.Reason, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ReasonOf returns the unreachable reason in err, or "" when err is not an
// UnreachableError.
func ReasonOf(err error) string {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return ue.Reason
	}
	return ""
}
