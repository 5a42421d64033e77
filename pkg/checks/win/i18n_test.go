package win

import (
	"regexp"
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
)

// Every message key the Windows checks use is in the catalogue, in both
// languages: a key is any string literal "win.…" (or the Linux duration
// keys "os.dur.…" they share) in the package's source.
func TestWinMessagesInCatalogue(t *testing.T) {
	checktest.WantLiteralKeys(t, regexp.MustCompile(`"((?:win|os\.dur)\.[a-z_.]+)"`), 30)
}
