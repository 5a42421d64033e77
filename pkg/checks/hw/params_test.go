package hw

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
)

// edac, raid and smart take no parameters: a key given to them (a
// misspelling, or a parameter of another check) is refused when the
// playbook is loaded, at its line, instead of being silently ignored.
func TestHardwareNoParams(t *testing.T) {
	for _, typ := range []string{"edac", "raid", "smart"} {
		_, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n  - name: x\n    type: "+typ+"\n    params:\n      disks: [sda]\n"), "p")
		want := "p.yaml:6: check x: parameter disks: unknown parameter: this check type takes none"
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", typ, err, want)
		}
		if _, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n  - {name: x, type: "+typ+"}\n"), "p"); err != nil {
			t.Errorf("%s without parameters: %v", typ, err)
		}
	}
}
