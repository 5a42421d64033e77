package win

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
)

// Every message key the Windows checks use is in the catalogue, in both
// languages: a key is any string literal "win.…" (or the Linux duration
// keys "os.dur.…" they share) in the package's source.
func TestWinMessagesInCatalogue(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"((?:win|os\.dur)\.[a-z_.]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			checktest.WantKey(t, m[1])
		}
	}
	if n < 30 {
		t.Fatalf("only %d message keys found: is the pattern stale?", n)
	}
}
