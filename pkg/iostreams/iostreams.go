// Package iostreams carries the terminal a command writes to: stdin, stdout,
// stderr, whether each is a TTY, and whether colour is wanted. Commands take
// it explicitly so tests can capture everything (see Test).
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams is the terminal of one command invocation.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY bool
	stderrTTY bool
	stdinTTY  bool
	color     bool
	width     int  // columns of the terminal on stdout; 0 when unknown or not a TTY
	wide      bool // --wide: tables keep every cell whole
}

// System returns the process's own streams. Colour is on when stdout is a
// TTY and NO_COLOR is unset.
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdoutTTY: isTTY(os.Stdout), stderrTTY: isTTY(os.Stderr), stdinTTY: isTTY(os.Stdin),
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	s.color = s.stdoutTTY && !noColor && os.Getenv("TERM") != "dumb"
	if s.stdoutTTY {
		s.width = terminalWidth(os.Stdout)
	}
	return s
}

// terminalWidth is the terminal's width in columns: COLUMNS when set (the
// user's override), else what the terminal says; 0 when neither knows.
func terminalWidth(f *os.File) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
		return w
	}
	return 0
}

func isTTY(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers: stdin, stdout, stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdoutTTY reports whether stdout is a terminal (tables are drawn, not tab-separated).
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal (progress bars are shown).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// IsStdinTTY reports whether stdin is a terminal (prompts are allowed).
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// SetTTY overrides TTY detection (tests, --no-tty style overrides).
func (s *IOStreams) SetTTY(stdout, stderr bool) { s.stdoutTTY, s.stderrTTY = stdout, stderr }

// ColorEnabled reports whether output may use ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// SetColor turns colour on or off (--no-color).
func (s *IOStreams) SetColor(on bool) { s.color = on }

// TerminalWidth is the width of the terminal on stdout in columns, 0 when
// unknown or stdout is not a terminal.
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetTerminalWidth overrides the detected width (tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// SetWide makes tables keep every cell whole instead of wrapping the widest
// columns to the terminal's width (--wide).
func (s *IOStreams) SetWide(on bool) { s.wide = on }
