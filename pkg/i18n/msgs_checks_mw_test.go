package i18n

import "testing"

// Every middleware check message exists in both languages with the same
// verbs.
func TestMWMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "mw.", 50)
}
