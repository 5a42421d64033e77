package i18n

import (
	"fmt"
	"strings"
	"testing"
)

// Every backup message exists in both languages and uses the same
// arguments with the same verbs in both: a %d in English and a %s in
// Chinese would print %!s(int=3) to the engineer, and a missing argument
// would drop a copy name or an age from the verdict.
func TestBackupMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "backup.", 150)
}

// The formats really print their arguments in both languages: no
// %!(EXTRA …), %!(MISSING) or %!(BADINDEX) when given values of the verbs'
// kinds.
func TestBackupMessagesFormatCleanly(t *testing.T) {
	for k, m := range Keys() {
		if !strings.HasPrefix(k, "backup.") {
			continue
		}
		verbs := formatVerbs(m.EN)
		if verbs == "" || strings.HasPrefix(verbs, "conflict") {
			continue
		}
		var args []any
		for _, v := range verbs {
			switch v {
			case 'd':
				args = append(args, 7)
			case 'f':
				args = append(args, 2.5)
			case 'v':
				args = append(args, fmt.Errorf("boom"))
			default:
				args = append(args, "x")
			}
		}
		for _, lang := range []string{ZH, EN} {
			if s := T(lang, k, args...); strings.Contains(s, "%!") {
				t.Errorf("%s (%s): %s", k, lang, s)
			}
		}
	}
}
