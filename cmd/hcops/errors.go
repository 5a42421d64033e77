package main

import (
	"errors"
	"fmt"
)

// Exit codes (README, STYLE.md). They are a promise to cron jobs and Nagios:
// keep them.
const (
	ExitOK          = 0   // all OK
	ExitWarn        = 1   // at least one WARN, nothing worse
	ExitCrit        = 2   // at least one CRIT, or a failed backup verification
	ExitUnknown     = 3   // could not decide: bad flags, bad inventory or playbook, unreachable targets
	ExitInterrupted = 130 // Ctrl-C / SIGTERM
)

// exitStatusError carries a non-zero exit code for a command that did its
// work and reported findings: nothing more is printed.
type exitStatusError struct{ code int }

func (e *exitStatusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// withExitCode makes a command end with code without printing an error.
func withExitCode(code int) error {
	if code == 0 {
		return nil
	}
	return &exitStatusError{code: code}
}

// flagError is a usage mistake: bad flag value or argument. Exit 3 and a hint
// to read --help.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &flagError{err: fmt.Errorf(format, args...)}
}

// interruptedError is returned when the user stopped the command.
var errInterrupted = errors.New("interrupted")

// codedError is an error with an explicit exit code (e.g. a failed backup
// verification is 2, not 3).
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// exitCode maps any error a command returns to the process exit code. This
// is the only place that decides.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var es *exitStatusError
	if errors.As(err, &es) {
		return es.code
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	if errors.Is(err, errInterrupted) {
		return ExitInterrupted
	}
	return ExitUnknown
}
