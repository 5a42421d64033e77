package i18n

import (
	"strings"
	"testing"
)

// Every database check message exists in both languages and uses the same
// arguments in both (a %d in English and a %s in Chinese would print
// %!s(int=3) to the engineer).
func TestDBMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "db.", 100)
}

// checkPrefixBothLanguages checks every message under prefix for both
// languages and matching verbs, and that the prefix has at least min keys.
func checkPrefixBothLanguages(t *testing.T, prefix string, min int) {
	t.Helper()
	n := 0
	for k, m := range Keys() {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		n++
		if m.ZH == "" || m.EN == "" {
			t.Errorf("%s: missing a language: %+v", k, m)
			continue
		}
		if zh, en := osVerbs(m.ZH), osVerbs(m.EN); zh != en {
			t.Errorf("%s: verbs differ: zh %s, en %s", k, zh, en)
		}
	}
	if n < min {
		t.Errorf("only %d %s* messages registered", n, prefix)
	}
}

// The Chinese register: full-width punctuation next to Chinese words, no
// English ", " or "; " separators left in a Chinese sentence.
func TestDBHWChinesePunctuation(t *testing.T) {
	for k, m := range Keys() {
		if !strings.HasPrefix(k, "db.") && !strings.HasPrefix(k, "hw.") {
			continue
		}
		for _, bad := range []string{"; ", "，,", "。."} {
			if strings.Contains(m.ZH, bad) {
				t.Errorf("%s: %q in Chinese text %q", k, bad, m.ZH)
			}
		}
	}
}
