package inspect

import (
	"regexp"
	"strings"
)

// ShellQuote quotes s for POSIX sh so that it is passed as one literal word,
// whatever it contains. Every value from the inventory or a playbook that
// reaches a remote command goes through it.
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=:,+@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// SafeGlob is the character set of file patterns used unquoted (so the shell
// expands the glob); anything else is quoted and taken literally.
var SafeGlob = regexp.MustCompile(`^[A-Za-z0-9._/*?\[\]+@%,:=-]+$`)
