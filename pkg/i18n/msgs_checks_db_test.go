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
