package sec

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/playbooks"
)

// The README's inventory example for the baseline uses the playbook's
// check names and parameters the check types take: a copied override
// must not be rejected when the playbook loads.
func TestReadmeBaselineOverrides(t *testing.T) {
	data, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, s := range playbookSpecs(t) {
		types[s.Name] = s.Type
	}
	n := 0
	for _, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		var inv struct {
			Groups map[string]struct {
				Checks map[string]inspect.Spec `yaml:"checks"`
			} `yaml:"groups"`
		}
		if yaml.Unmarshal([]byte(b[1]), &inv) != nil {
			continue
		}
		for _, g := range inv.Groups {
			for name, s := range g.Checks {
				typ, ok := types[name]
				if !ok || !strings.HasPrefix(typ, "sec-") {
					continue
				}
				n++
				spec := &inspect.Spec{Name: name, Type: typ, Params: s.Params}
				if _, err := allTypes[typ].(inspect.ParamsDecoder).DecodeParams(spec); err != nil {
					t.Errorf("README override of %s: %v", name, err)
				}
			}
		}
	}
	if n < 3 {
		t.Errorf("found %d baseline overrides in README.md", n)
	}
}

// Inventory overrides are keyed by check name: the baseline's names must
// not be those of another built-in playbook, or an override meant for one
// would reach the other (linux-daily has an "accounts" check of type
// accounts, which takes no allowed_accounts).
func TestCheckNamesUniqueAmongBuiltins(t *testing.T) {
	mine := map[string]bool{}
	for _, s := range playbookSpecs(t) {
		mine[s.Name] = true
	}
	entries, err := fs.ReadDir(playbooks.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") || e.Name() == "mlps3-linux.yaml" {
			continue
		}
		data, _ := fs.ReadFile(playbooks.FS, e.Name())
		var pb struct {
			Checks []inspect.Spec `yaml:"checks"`
		}
		if err := yaml.Unmarshal(data, &pb); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, s := range pb.Checks {
			if mine[s.Name] {
				t.Errorf("check name %q is in both mlps3-linux and %s", s.Name, e.Name())
			}
		}
	}
}
