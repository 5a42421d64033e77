package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestProcessCheck(t *testing.T) {
	spec := &inspect.Spec{Name: "procs", Type: "process", Params: map[string]any{"processes": []any{
		"sshd",
		"crond",
		map[string]any{"name": "tomcat", "match": "org.apache.catalina.startup.Bootstrap", "max": 1},
		map[string]any{"name": "nginx", "min": 2},
	}}}
	c, _ := Lookup("process")
	script, err := c.Script(spec, nil)
	if err != nil || !strings.Contains(script, "ps -e -o args=") {
		t.Fatalf("script with match must read command lines: %v\n%s", err, script)
	}
	out := "@@COMM\nC systemd\nC sshd\nC sshd\nC nginx\nC java\nC java\n@@ARGS\n/usr/sbin/sshd -D\njava -cp x org.apache.catalina.startup.Bootstrap start\njava -cp x org.apache.catalina.startup.Bootstrap start\nnginx: master process\n"
	rs := osEval(t, "process", out, spec, osNow)
	if len(rs) != 4 {
		t.Fatalf("want 4 results, got %+v", rs)
	}
	if r := osItem(t, rs, "sshd"); r.Status != result.OK || *r.Value != 2 {
		t.Errorf("sshd: %+v", r)
	}
	if r := osItem(t, rs, "crond"); r.Status != result.Crit || r.Reason != "not-running" || r.Advice == "" {
		t.Errorf("crond: %+v", r)
	}
	if r := osItem(t, rs, "tomcat"); r.Status != result.Warn || *r.Value != 2 {
		t.Errorf("tomcat twice with max 1: %+v", r)
	}
	if r := osItem(t, rs, "nginx"); r.Status != result.Crit || *r.Value != 1 {
		t.Errorf("nginx once with min 2: %+v", r)
	}
	// 15-character comm truncation.
	rs = osEval(t, "process", "@@COMM\nC prometheus-node\n", &inspect.Spec{Name: "p", Params: map[string]any{"processes": "prometheus-node-exporter"}}, osNow)
	if r := osOne(t, rs); r.Status != result.OK {
		t.Errorf("truncated comm: %+v", r)
	}
	for _, bad := range []map[string]any{{}, {"processes": []any{map[string]any{"nmae": "x"}}}, {"processes": []any{map[string]any{"name": "x", "min": 3, "max": 1}}}, {"processes": []any{3.5}}} {
		if err := c.(inspect.Validator).Validate(&inspect.Spec{Name: "p", Params: bad}); err == nil {
			t.Errorf("params %v: want an error", bad)
		}
	}
}

func TestProcessForbidden(t *testing.T) {
	spec := &inspect.Spec{Name: "miners", Type: "process", Params: map[string]any{"forbidden": []any{"xmrig", "kdevtmpfsi", "kinsing"}}}
	rs := osEval(t, "process", "@@COMM\nC systemd\nC sshd\nC kdevtmpfsi\nC kdevtmpfsi\nC kinsing\n", spec, osNow)
	r := osOne(t, rs)
	if r.Item != "forbidden" || r.Status != result.Crit || *r.Value != 2 || !strings.Contains(r.Message, "kdevtmpfsi ×2, kinsing ×1") || !strings.Contains(r.Advice, "pgrep -x kdevtmpfsi") {
		t.Errorf("miners running: %+v", r)
	}
	r = osOne(t, osEval(t, "process", "@@COMM\nC systemd\nC sshd\n", spec, osNow))
	if r.Status != result.OK || *r.Value != 0 {
		t.Errorf("no miners: %+v", r)
	}
	// A process named like a marker, started before the miner, must not
	// hide it.
	r = osOne(t, osEval(t, "process", "@@COMM\nC @@ARGS\nC @@END\nC xmrig\n", spec, osNow))
	if r.Status != result.Crit || !strings.Contains(r.Message, "xmrig") {
		t.Errorf("miner behind a marker-named process: %+v", r)
	}
}
