package mw

import (
	"regexp"
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
)

// Every message key the middleware checks use is in the catalogue, in both
// languages: a key is any string literal "mw.…" (or the Linux duration
// keys "os.dur.…" they share) in the package's source.
func TestMWMessagesInCatalogue(t *testing.T) {
	checktest.WantLiteralKeys(t, regexp.MustCompile(`"((?:mw|os\.dur|probe\.advice)\.[a-z_.]+)"`), 50)
}
