package transport

import (
	"strings"
	"sync"
)

// shellWrapper is the remote (and local) command that runs a script sent on
// stdin. The shell reads the whole script first (`$(cat)`) and only then
// evaluates it, for two reasons: a command inside the script that reads
// stdin (read, ssh, mysql, ...) sees end-of-file instead of silently eating
// the rest of the script, and a transfer cut off half-way runs nothing
// rather than a truncated script.
const shellWrapper = `/bin/sh -c 'eval "$(cat)"'`

// boundedBuffer keeps the first max bytes written to it and counts the rest.
// It never returns an error, so the producer (a remote channel, a pipe) is
// drained to the end and never blocks on a full window.
type boundedBuffer struct {
	mu        sync.Mutex
	buf       []byte
	max       int
	truncated bool
}

func newBoundedBuffer(max int) *boundedBuffer {
	if max <= 0 {
		max = DefaultMaxOutput
	}
	return &boundedBuffer{max: max}
}

// Write keeps what fits and drops the rest.
func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - len(b.buf)
	if room >= len(p) {
		b.buf = append(b.buf, p...)
	} else {
		if room > 0 {
			b.buf = append(b.buf, p[:room]...)
		}
		b.truncated = true
	}
	return len(p), nil
}

// result returns a copy of what was kept and whether anything was dropped.
func (b *boundedBuffer) result() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...), b.truncated
}

// shellQuote quotes s for POSIX sh as one literal word. It is the same rule
// as inspect.ShellQuote, repeated here because inspect imports transport.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
