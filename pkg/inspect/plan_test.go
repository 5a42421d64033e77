package inspect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// kvMatch is a minimal selector for these tests: "key=value" on kind, zone
// or name; the real one (inventory.ParseExpr) is used by the command.
func kvMatch(expr string) (func(*inventory.Asset) bool, error) {
	k, v, ok := strings.Cut(expr, "=")
	if !ok {
		return nil, fmt.Errorf("bad expression %q", expr)
	}
	return func(a *inventory.Asset) bool {
		switch k {
		case "kind":
			return a.Kind == v
		case "zone":
			return a.Zone == v
		case "name":
			return a.Name == v
		}
		return false
	}, nil
}

func mustPlaybook(t *testing.T, src string) *Playbook {
	t.Helper()
	pb, err := ParsePlaybook(testChecks, "test.yaml", []byte(src), "test")
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestBuildPlanOverrides(t *testing.T) {
	pb := mustPlaybook(t, `name: daily
checks:
  - {name: load, type: testonly-shell, warn: "80", crit: "95", params: {cmd: "echo 1", keep: true}}
  - {name: web, type: testonly-probe, target: zone=internet}
  - {name: extra, type: testonly-shell}
`)
	assets := []*inventory.Asset{
		{Name: "plain", Kind: "host", Zone: "intranet"},
		{Name: "tuned", Kind: "host", Zone: "internet", Checks: map[string]inventory.CheckOverride{
			"load":  {Warn: "90", Params: map[string]any{"cmd": "echo 2"}},
			"extra": {Disabled: true},
		}},
		{Name: "broken", Kind: "host", Checks: map[string]inventory.CheckOverride{"load": {Crit: "x:"}}},
		{Name: "probe-only", Kind: "host", Zone: "internet", Connection: inventory.Connection{Transport: inventory.TransportNone}},
		{Name: "db", Kind: "database"},
	}
	p, err := BuildPlan(PlanInput{Assets: assets, Playbooks: []*Playbook{pb}, Match: kvMatch})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	byName := map[string]*HostPlan{}
	for _, h := range p.Hosts {
		byName[h.Name] = h
		for _, it := range h.Items {
			got[h.Name] = append(got[h.Name], it.Spec.Name)
		}
	}
	want := map[string]string{
		"plain":      "load,extra",
		"tuned":      "load,web",
		"broken":     "load,extra",
		"probe-only": "web", // transport none: probes only
	}
	for name, w := range want {
		if g := strings.Join(got[name], ","); g != w {
			t.Errorf("%s: checks %s, want %s", name, g, w)
		}
	}
	if _, ok := byName["db"]; ok {
		t.Error("a database asset is outside the playbook's kind=host target")
	}
	tl := byName["tuned"].Items[0]
	if tl.Spec.Warn != "90" || tl.Spec.Crit != "95" || tl.Thresholds.Warn.Text != "90" {
		t.Errorf("tuned load thresholds = %q %q", tl.Spec.Warn, tl.Spec.Crit)
	}
	if tl.Spec.Params["cmd"] != "echo 2" || tl.Spec.Params["keep"] != true || tl.Script != "echo 2" {
		t.Errorf("tuned load params = %v, script %q", tl.Spec.Params, tl.Script)
	}
	// The playbook's own spec is not changed by an asset's override.
	if pb.Checks[0].Params["cmd"] != "echo 1" || pb.Checks[0].Warn != "80" {
		t.Errorf("override leaked into the playbook: %+v", pb.Checks[0])
	}
	bl := byName["broken"].Items[0]
	if bl.Err == nil || !strings.Contains(bl.Err.Error(), "override checks.load for broken") {
		t.Errorf("broken override error = %v", bl.Err)
	}
	if hosts, items := p.Counts(); hosts != 4 || items != 7 {
		t.Errorf("counts = %d hosts, %d items", hosts, items)
	}
}

func TestBuildPlanBadTarget(t *testing.T) {
	pb := mustPlaybook(t, "name: x\ntarget: nonsense\nchecks:\n  - {name: a, type: testonly-shell}\n")
	_, err := BuildPlan(PlanInput{Assets: []*inventory.Asset{{Name: "a", Kind: "host"}}, Playbooks: []*Playbook{pb}, Match: kvMatch})
	if err == nil || err.Error() != `test.yaml: target "nonsense": bad expression "nonsense"` {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkBuildPlan plans a 5,000-asset inventory against a playbook of
// shell and probe checks with per-asset overrides.
func BenchmarkBuildPlan(b *testing.B) {
	pb, err := ParsePlaybook(testChecks, "bench.yaml", []byte(`name: bench
checks:
  - {name: a, type: testonly-shell, warn: "80", crit: "90"}
  - {name: b, type: testonly-shell, params: {cmd: "echo 1"}}
  - {name: c, type: testonly-probe, target: zone=internet}
`), "bench")
	if err != nil {
		b.Fatal(err)
	}
	assets := make([]*inventory.Asset, 5000)
	for i := range assets {
		assets[i] = &inventory.Asset{Name: fmt.Sprintf("host-%04d", i), Kind: "host", Zone: []string{"intranet", "internet"}[i%2]}
		if i%10 == 0 {
			assets[i].Checks = map[string]inventory.CheckOverride{"a": {Warn: "85"}}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := BuildPlan(PlanInput{Assets: assets, Playbooks: []*Playbook{pb}, Match: kvMatch}); err != nil {
			b.Fatal(err)
		}
	}
}
