package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestMemoryCheck(t *testing.T) {
	// The generic capture: 84.7 % available, so 15.3 % in use.
	rs := osEval(t, "memory", osCapture(t, "memory", "linux-generic-meminfo.txt"), nil, osNow)
	mem := osItem(t, rs, "memory")
	if mem.Status != result.OK || mem.Value == nil || *mem.Value != 15.3 || osMetric(t, mem, "mem.available_pct") != 84.7 || osMetric(t, mem, "mem.used_pct") != 15.3 || mem.Warn != "~:90" {
		t.Errorf("generic meminfo: %+v", mem)
	}
	// Low memory and heavy swap (constructed figures).
	low := "MemTotal: 1000000 kB\nMemFree: 10000 kB\nMemAvailable: 40000 kB\nSwapTotal: 1000 kB\nSwapFree: 300 kB\n"
	rs = osEval(t, "memory", low, nil, osNow)
	mem, swap := osItem(t, rs, "memory"), osItem(t, rs, "swap")
	if mem.Status != result.Crit || *mem.Value != 96 || osMetric(t, mem, "mem.available_pct") != 4 || mem.Advice == "" || mem.Evidence == "" {
		t.Errorf("4%% available must be CRIT with advice and evidence: %+v", mem)
	}
	if swap.Status != result.Warn || *swap.Value != 70 || osMetric(t, swap, "swap.used_pct") != 70 || swap.Advice == "" {
		t.Errorf("70%% swap used must be WARN: %+v", swap)
	}
	// swap_crit from the playbook.
	rs = osEval(t, "memory", low, &inspect.Spec{Name: "memory", Type: "memory", Params: map[string]any{"swap_crit": "~:60"}}, osNow)
	if s := osItem(t, rs, "swap"); s.Status != result.Crit {
		t.Errorf("swap_crit ~:60 at 70%%: %+v", s)
	}
	// No swap configured: OK, no value.
	rs = osEval(t, "memory", "MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n", nil, osNow)
	if s := osItem(t, rs, "swap"); s.Status != result.OK || s.Value != nil || !strings.Contains(s.Message, "no swap") {
		t.Errorf("no swap: %+v", s)
	}
	// CentOS 6 without /proc/meminfo access falls back to free: the old
	// format is understood (the collector uses free -k).
	old := "@@FREE\n             total       used       free     shared    buffers     cached\nMem:       1922048    1648640     273408          0     125952     727040\n-/+ buffers/cache:     795648    1126400\nSwap:            0          0          0\n"
	rs = osEval(t, "memory", old, nil, osNow)
	if m := osItem(t, rs, "memory"); m.Status != result.OK || osMetric(t, m, "mem.available_pct") != 58.6 || !strings.Contains(m.Message, "estimated") {
		t.Errorf("free fallback: %+v", m)
	}
	if r := osOne(t, osEval(t, "memory", "@@FREE\nsh: free: not found\n", nil, osNow)); r.Status != result.Unknown {
		t.Errorf("no free: %+v", r)
	}
}

func TestMemoryBadParams(t *testing.T) {
	rs := osEval(t, "memory", "MemTotal: 1000 kB\n", &inspect.Spec{Name: "memory", Type: "memory", Params: map[string]any{"swap_warn": "abc"}}, osNow)
	if r := osOne(t, rs); r.Status != result.Unknown || !strings.Contains(r.Message, "swap_warn") {
		t.Errorf("bad swap_warn: %+v", r)
	}
}
