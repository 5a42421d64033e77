package playbooks_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/checks"
	"github.com/cyhealth/hcops/pkg/inspect"
)

// The examples in README.md are what a playbook author copies first: each
// playbook in it loads, and each parameter its inventory overrides give is
// one the check type takes.
func TestReadmeExamples(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 2 {
		t.Fatalf("%d yaml examples in README.md", len(blocks))
	}
	reg := checks.All()
	playbooks, overrides := 0, 0
	for i, b := range blocks {
		src := b[1]
		if strings.HasPrefix(src, "name:") {
			playbooks++
			if _, err := inspect.ParsePlaybook(reg, "README.md example", []byte(src), "example"); err != nil {
				t.Errorf("playbook example %d:\n%v", i, err)
			}
			continue
		}
		var inv struct {
			Defaults struct {
				Checks map[string]inspect.Spec `yaml:"checks"`
			} `yaml:"defaults"`
			Groups map[string]struct {
				Checks map[string]inspect.Spec `yaml:"checks"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal([]byte(src), &inv); err != nil {
			continue
		}
		all := []map[string]inspect.Spec{inv.Defaults.Checks}
		for _, g := range inv.Groups {
			all = append(all, g.Checks)
		}
		for _, m := range all {
			for name, s := range m {
				if len(s.Params) == 0 {
					continue
				}
				overrides++
				pb := "name: x\nchecks:\n  - {name: " + name + ", type: " + name + "}\n"
				p, err := inspect.ParsePlaybook(reg, "x.yaml", []byte(pb), "x")
				if err != nil {
					t.Fatalf("override of %s: %v", name, err)
				}
				spec := p.Checks[0]
				spec.Params = s.Params
				if v, ok := spec.Check().(inspect.Validator); ok {
					if err := v.Validate(&spec); err != nil {
						t.Errorf("override example of %s: %v", name, err)
					}
				}
			}
		}
	}
	if playbooks == 0 || overrides == 0 {
		t.Errorf("checked %d playbook and %d override examples; want both", playbooks, overrides)
	}
}
