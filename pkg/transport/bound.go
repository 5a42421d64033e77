package transport

import (
	"strings"
	"sync"
)

// remoteWrapper runs a script sent on stdin, on a host over SSH and on this
// machine alike, called as `/bin/sh -c remoteWrapper hcops MARKER`. The
// client sends the script, then a line MARKER, and keeps stdin open. The
// script is read up to the marker before any of it runs, and evaluated with
// stdin at end-of-file: a command inside it that reads stdin (read, ssh,
// mysql, ...) sees end-of-file instead of silently eating the rest of the
// script. A script whose
// marker never came (the session was closed or the connection dropped while
// it was being sent) is not run at all: exit 125, nothing evaluated. Stdin
// itself stays open as a lifeline: a watcher waits for its end-of-file,
// which comes when the client closes the session (run cancelled or
// finished) or the connection drops, and then kills the session's whole
// process group. So a cancelled check leaves nothing running on the host,
// also for root logins (OpenSSH ignores signal requests for them) and
// behind sudo.
//
// Cost on the host: one sed and one forked shell per command (the watcher
// uses the read builtin, not cat), about a millisecond of CPU.
const remoteWrapper = `exec 3<&0; s=$(sed -n "/^$1\$/{p;q;};p"; echo .); s=${s%.}; ` +
	`case $s in *"$1"?) s=${s%"$1"?} ;; *) exit 125 ;; esac; ` +
	`(while read -r _; do :; done <&3; kill -KILL 0) </dev/null >/dev/null 2>&1 & ` +
	`exec 3<&- </dev/null; eval "$s"`

// remoteCommand is the command line that runs remoteWrapper with /bin/sh.
var remoteCommand = `/bin/sh -c '` + remoteWrapper + `' hcops`

// boundedBuffer keeps the first max bytes written to it and notes that the
// rest was dropped.
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
