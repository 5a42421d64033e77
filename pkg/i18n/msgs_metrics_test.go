package i18n

import "testing"

func TestMetricsMessagesBothLanguages(t *testing.T) { checkPrefixBothLanguages(t, "metrics.", 9) }
