package i18n

import "testing"

func TestBaselineMessagesBothLanguages(t *testing.T) { checkPrefixBothLanguages(t, "baseline.", 90) }

func TestSecCheckMessagesBothLanguages(t *testing.T) { checkPrefixBothLanguages(t, "sec.", 150) }
