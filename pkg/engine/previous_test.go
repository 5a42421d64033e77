package engine

import (
	"context"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// countingCheck is a probe that counts its runs through Env.Previous: the
// metric "n" of its previous result plus one, or 1 when there is none; -1
// when the run gives it no history at all.
type countingCheck struct{}

func (countingCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

func (countingCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	n := -1.0
	if env.Previous != nil {
		prev, err := env.Previous(ctx)
		if err != nil {
			return []result.Result{{Status: result.Unknown, Message: err.Error()}}
		}
		n = 1
		for _, r := range prev {
			for _, m := range r.Metrics {
				if m.Name == "n" {
					n = m.Value + 1
				}
			}
		}
	}
	return []result.Result{{Status: result.OK, Item: "x", Metrics: []result.Metric{{Name: "n", Value: n}}}}
}

// A check sees its own previous result of the same asset, metrics
// included, run after run; each asset its own; none under --no-store.
func TestInspectPrevious(t *testing.T) {
	reg := inspect.Registry{"counting": countingCheck{}}
	pb, err := inspect.ParsePlaybook(reg, "c.yaml", []byte("name: c\ntarget: 'kind=switch'\nchecks:\n  - {name: count, type: counting}\n"), "c")
	if err != nil {
		t.Fatal(err)
	}
	sw := func(name string) *inventory.Asset {
		a := &inventory.Asset{Name: name, Kind: "switch", Address: "127.0.0.1"}
		a.Connection.Transport = inventory.TransportNone
		return a
	}
	e := newEngine(t, true)
	n := func(run *result.Run) map[string]float64 {
		out := map[string]float64{}
		for _, r := range run.Results {
			out[r.Asset] = r.Metrics[0].Value
		}
		return out
	}
	one := []*inventory.Asset{sw("sw-01")}
	both := []*inventory.Asset{sw("sw-01"), sw("sw-02")}
	for i, want := range []map[string]float64{
		{"sw-01": 1}, {"sw-01": 2}, {"sw-01": 3, "sw-02": 1}, {"sw-01": 4, "sw-02": 2},
	} {
		assets := one
		if i >= 2 {
			assets = both
		}
		run, err := e.Inspect(context.Background(), InspectRequest{Assets: assets, Playbooks: []*inspect.Playbook{pb}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := n(run); len(got) != len(want) || got["sw-01"] != want["sw-01"] || got["sw-02"] != want["sw-02"] {
			t.Errorf("run %d: counts %v, want %v", i+1, got, want)
		}
	}
	run, err := e.Inspect(context.Background(), InspectRequest{Assets: one, Playbooks: []*inspect.Playbook{pb}}, nil)
	if err == nil && n(run)["sw-01"] != 5 {
		t.Errorf("fifth run: %v", n(run))
	}
	ns := newEngine(t, false)
	run, err = ns.Inspect(context.Background(), InspectRequest{Assets: one, Playbooks: []*inspect.Playbook{pb}}, nil)
	if err != nil || n(run)["sw-01"] != -1 {
		t.Errorf("--no-store: Previous must be nil: %v %v", n(run), err)
	}
}
