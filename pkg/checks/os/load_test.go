package os

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestLoadCheck(t *testing.T) {
	out := "loadavg " + osCapture(t, "load", "linux-generic-loadavg.txt") + "online 0-1\n"
	r := osOne(t, osEval(t, "load", out, nil, osNow))
	if r.Status != result.OK || *r.Value != 0.01 || osMetric(t, r, "cpu.count") != 2 {
		t.Errorf("idle 2-CPU host: %+v", r)
	}
	// 8 CPUs, 5-minute load 40: 5 per core, above the default crit ~:4.
	r = osOne(t, osEval(t, "load", "loadavg 12.00 40.00 30.00 9/800 1234\nonline 0-7\n", nil, osNow))
	if r.Status != result.Crit || *r.Value != 5 || osMetric(t, r, "load.per_core") != 5 || r.Advice == "" {
		t.Errorf("overloaded host: %+v", r)
	}
	// window 1 reads the 1-minute average; /proc/cpuinfo count fallback.
	r = osOne(t, osEval(t, "load", "loadavg 12.00 40.00 30.00 9/800 1234\ncpus 8\n", &inspect.Spec{Name: "load", Params: map[string]any{"window": 1}}, osNow))
	if *r.Value != 1.5 || r.Status != result.OK {
		t.Errorf("window 1: %+v", r)
	}
	if r := osOne(t, osEval(t, "load", "loadavg 1 1 1 1/1 1\n", nil, osNow)); r.Status != result.Unknown {
		t.Errorf("no CPU count: %+v", r)
	}
	if r := osOne(t, osEval(t, "load", "x", &inspect.Spec{Name: "load", Params: map[string]any{"window": 10}}, osNow)); r.Status != result.Unknown || r.Reason != "bad-parameter" {
		t.Errorf("window 10: %+v", r)
	}
}
