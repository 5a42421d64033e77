package i18n

import "testing"

// Every Windows check message exists in both languages with the same verbs.
func TestWinMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "win.", 30)
}
