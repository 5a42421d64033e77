package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestCPUCheck(t *testing.T) {
	busy := "cpu  1000 0 500 8000 100 0 0 0 0 0\ncpu  1095 0 500 8005 100 0 0 0 0 0\n" // 95 of 100 ticks busy
	r := osOne(t, osEval(t, "cpu", busy, nil, osNow))
	if r.Status != result.Warn || r.Value == nil || *r.Value != 95 || r.Warn != "~:90" {
		t.Errorf("95%% busy with the default threshold: %+v", r)
	}
	if r.Advice == "" || osMetric(t, r, "cpu.used_pct") != 95 {
		t.Errorf("want advice and metric: %+v", r)
	}
	iowait := "cpu  100 0 0 800 0 0 0 0\ncpu  110 0 0 805 85 0 0 0\n"
	r = osOne(t, osEval(t, "cpu", iowait, &inspect.Spec{Name: "cpu", Type: "cpu", Warn: "~:5"}, osNow))
	if r.Status != result.Warn || !strings.Contains(r.Advice, "iostat") {
		t.Errorf("iowait-bound CPU should point at the disks: %+v", r)
	}
	idle := "cpu  1000 0 500 8000 100 0 0 0 0 0\ncpu  1001 0 500 8099 100 0 0 0 0 0\n"
	if r := osOne(t, osEval(t, "cpu", idle, nil, osNow)); r.Status != result.OK || r.Advice != "" {
		t.Errorf("idle CPU: %+v", r)
	}
	if r := osOne(t, osEval(t, "cpu", "sh: /proc/stat: No such file or directory\n", nil, osNow)); r.Status != result.Unknown {
		t.Errorf("no /proc/stat: %+v", r)
	}
}

func TestCPUParams(t *testing.T) {
	c, _ := Lookup("cpu")
	s, err := c.Script(&inspect.Spec{Name: "cpu", Params: map[string]any{"sample": "1s"}}, nil)
	if err != nil || !strings.Contains(s, "sleep 1.00") {
		t.Errorf("sample 1s: %v\n%s", err, s)
	}
	for _, bad := range []map[string]any{{"sample": "10s"}, {"sampel": "1s"}, {"sample": "soon"}} {
		if _, err := c.Script(&inspect.Spec{Name: "cpu", Params: bad}, nil); err == nil {
			t.Errorf("params %v: want an error", bad)
		}
	}
}
