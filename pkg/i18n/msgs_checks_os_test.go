package i18n

import "testing"

// Every OS check message exists in both languages and uses the same
// arguments in both (a %d in English and a %s in Chinese would print
// %!s(int=3) to the engineer).
func TestOSMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "os.", 50)
}
