package report

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Every catalogue key the report code and templates use exists in both
// languages, so no report ever shows a raw key.
func TestReportKeysTranslated(t *testing.T) {
	re := regexp.MustCompile(`"((?:report|status|reason)\.[a-z0-9_.-]+)"`)
	files, _ := filepath.Glob("*.go")
	tmpls, _ := filepath.Glob("templates/*.tmpl")
	tmpls = append(tmpls, filepath.Join("..", "..", "cmd", "hcops", "cmd_report.go"))
	seen := 0
	for _, f := range append(files, tmpls...) {
		if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			key := m[1]
			if key[len(key)-1] == '.' { // a prefix completed at run time
				continue
			}
			seen++
			msg, ok := i18n.Keys()[key]
			if !ok {
				t.Errorf("%s: key %q is not in the catalogue", f, key)
				continue
			}
			if msg.ZH == "" || msg.EN == "" {
				t.Errorf("%s: key %q lacks a translation", f, key)
			}
		}
	}
	if seen < 100 {
		t.Errorf("found only %d keys: is the pattern right?", seen)
	}
}
