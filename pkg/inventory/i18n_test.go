package inventory

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Every catalogue key the inventory code uses exists, in both languages.
func TestMessageKeysExist(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	files = append(files, "../../cmd/hcops/cmd_inventory.go", "../../cmd/hcops/selector.go")
	keyRE := regexp.MustCompile(`"(inventory\.(?:problem|hint|import|cli|col|err)\.[a-z_]+)"`)
	keys := i18n.Keys()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			n++
			msg, ok := keys[m[1]]
			if !ok {
				t.Errorf("%s uses %s, which is not in the catalogue", f, m[1])
			} else if msg.ZH == "" || msg.EN == "" {
				t.Errorf("%s lacks a translation", m[1])
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d keys: the scan is broken", n)
	}
}
