package i18n

import "testing"

// Every SNMP check message exists in both languages and uses the same
// arguments in both.
func TestNetMessagesBothLanguagesSameVerbs(t *testing.T) {
	checkPrefixBothLanguages(t, "net.", 60)
}
