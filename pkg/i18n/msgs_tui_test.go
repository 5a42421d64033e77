package i18n

import "testing"

func TestTUIMessages(t *testing.T) { checkPrefixBothLanguages(t, "tui.", 100) }
