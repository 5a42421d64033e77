package checks

import (
	"os"
	"testing"

	"github.com/cyhealth/hcops/internal/checkdoc"
)

// doc_gen.go is what the check types' doc comments say now: edit a
// comment, then run go generate ./pkg/checks.
func TestDocsGenerated(t *testing.T) {
	want, err := checkdoc.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("doc_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("doc_gen.go is stale: run go generate ./pkg/checks")
	}
	for typ := range All() {
		if Doc(typ) == "" {
			t.Errorf("check type %s has no documentation", typ)
		}
	}
}
