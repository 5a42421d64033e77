package inspect

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// A host's shell collectors run as ONE remote execution: round trips, not
// bytes, dominate at fleet scale. The batch script wraps each snippet in a
// subshell between two marker lines:
//
//	printf '\n@@HCOPS-<nonce> BEGIN <i>@@\n'
//	( eval '<snippet>' ) </dev/null 2>&1
//	printf '\n@@HCOPS-<nonce> END <i> %d@@\n' "$?"
//
// The subshell keeps an `exit`, a syntax error or a failing command of one snippet from
// stopping the others; stdin is /dev/null because the script itself arrives
// on the shell's stdin and a snippet that reads stdin would otherwise eat the
// rest of the script. The nonce is random per host and per run, so output
// printed by a snippet (or by anything on the host) cannot forge or close a
// section it does not know the marker of. The newline printed before each
// marker keeps the marker at the start of a line even when a snippet's output
// does not end with one; the splitter removes exactly that newline again.

// markerPrefix starts every section marker.
const markerPrefix = "@@HCOPS-"

// NewNonce returns a fresh random marker nonce (16 hex digits).
func NewNonce() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; a fixed nonce
		// would only weaken forgery protection, never correctness.
		return "0000000000000000"
	}
	return hex.EncodeToString(b[:])
}

// BuildScript joins snippets into one POSIX sh script whose output
// SplitSections cuts back into one Section per snippet.
func BuildScript(nonce string, snippets []string) string {
	var sb strings.Builder
	// A fixed, C locale keeps tool output parseable whatever the login
	// environment of the target says.
	sb.WriteString("LC_ALL=C; LANG=C; export LC_ALL LANG\n")
	for i, s := range snippets {
		fmt.Fprintf(&sb, "printf '\\n%s%s BEGIN %d@@\\n'\n", markerPrefix, nonce, i)
		// eval of a quoted string: a snippet with a syntax error fails
		// alone (in its subshell) instead of ending the whole script.
		sb.WriteString("( eval ")
		sb.WriteString(ShellQuote(s))
		sb.WriteString(" ) </dev/null 2>&1\n")
		fmt.Fprintf(&sb, "printf '\\n%s%s END %d %%d@@\\n' \"$?\"\n", markerPrefix, nonce, i)
	}
	return sb.String()
}

// SplitSections cuts the output of a script made by BuildScript into n
// sections. A section whose BEGIN marker never appeared is Missing; one whose
// END marker is absent because the output hit its bound (truncated) is
// Truncated and holds what arrived; one whose END marker is absent for another
// reason (the script was killed, the host deadline passed) is Missing and
// holds what arrived. Sections are searched in order, each after the end of
// the previous one.
func SplitSections(nonce string, out []byte, n int, truncated bool) []Section {
	secs := make([]Section, n)
	pos := 0
	for i := 0; i < n; i++ {
		begin := []byte(fmt.Sprintf("\n%s%s BEGIN %d@@\n", markerPrefix, nonce, i))
		b := bytes.Index(out[pos:], begin)
		if b < 0 && pos == 0 && bytes.HasPrefix(out, begin[1:]) {
			// The very first marker may lack its leading newline if the
			// shell printed nothing before it and a transport trimmed it.
			b, begin = 0, begin[1:]
		}
		if b < 0 {
			secs[i] = Section{Missing: true, Truncated: truncated, ExitCode: -1}
			continue
		}
		start := pos + b + len(begin)
		endMark := []byte(fmt.Sprintf("\n%s%s END %d ", markerPrefix, nonce, i))
		e := bytes.Index(out[start:], endMark)
		if e < 0 {
			secs[i] = Section{Stdout: string(out[start:]), ExitCode: -1, Truncated: truncated, Missing: !truncated}
			pos = len(out)
			continue
		}
		sec := Section{Stdout: string(out[start : start+e])}
		rest := out[start+e+len(endMark):]
		// "<rc>@@\n"
		code, after, ok := bytes.Cut(rest, []byte("@@"))
		rc, err := strconv.Atoi(string(code))
		if !ok || err != nil {
			rc = -1
		}
		sec.ExitCode = rc
		secs[i] = sec
		pos = start + e + len(endMark)
		if ok {
			pos = len(out) - len(after)
		}
	}
	return secs
}
