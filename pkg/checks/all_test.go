package checks

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/playbooks"
)

// Every built-in playbook must load strictly (known keys, registered check
// types, valid thresholds and parameters): a broken built-in would break
// every user's inspection.
func TestBuiltinPlaybooksLoad(t *testing.T) {
	lib, err := inspect.LoadLibrary(All(), playbooks.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"db-health", "hardware-monthly"} {
		pb, err := lib.Get(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(pb.Checks) == 0 {
			t.Errorf("%s has no checks", name)
		}
	}
	for _, pb := range lib.List() {
		for _, c := range pb.Checks {
			if _, ok := All().Lookup(c.Type); !ok {
				t.Errorf("%s: check %s has unregistered type %q", pb.Name, c.Name, c.Type)
			}
		}
	}
}
