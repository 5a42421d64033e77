package i18n

import "testing"

// Every hardware check message exists in both languages and uses the same
// arguments in both.
func TestHWMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "hw.", 80)
}
