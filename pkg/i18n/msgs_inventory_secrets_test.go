package i18n

import (
	"strings"
	"testing"
)

// The messages of issue #10 item 8: both languages, the same verbs, and
// Chinese punctuation in the Chinese text.
func TestInventorySecretsMessages(t *testing.T) {
	for prefix, min := range map[string]int{
		"inventory.import.brings_":     6,
		"inventory.import.refused_":    2,
		"inventory.cli.import_brings":  1,
		"inventory.cli.import_refused": 1,
		"inventory.problem.bad_db_tls": 1,
		"inventory.hint.db_tls":        1,
		"db.advice.tls":                1,
		"transport.advice.tls":         1,
	} {
		checkPrefixBothLanguages(t, prefix, min)
		for k, m := range Keys() {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			for _, bad := range []string{"; ", ", ", "(", ")"} {
				if strings.Contains(m.ZH, bad) {
					t.Errorf("%s: %q in Chinese text %q", k, bad, m.ZH)
				}
			}
		}
	}
}
