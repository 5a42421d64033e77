package iostreams

import (
	"regexp"
	"strings"
)

// ansiRE matches terminal escape sequences: CSI (ESC [ ... final), OSC
// (ESC ] ... BEL or ST), and two-byte ESC sequences.
var ansiRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]`)

// Sanitize removes terminal control sequences and control characters other
// than newline and tab from s, so output from a remote host or a hostile
// inventory cannot move the cursor, change the title or hide text.
func Sanitize(s string) string {
	if !needsSanitize(s) {
		return s
	}
	s = ansiRE.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case r == '\uFFFD':
			return r
		}
		return r
	}, s)
}

func needsSanitize(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c == 0xc2 {
			return true
		}
	}
	return false
}
