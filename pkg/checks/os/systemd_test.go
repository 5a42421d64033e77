package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestSystemdFailedUnits(t *testing.T) {
	// systemd 210-228 (openSUSE/SLES): legend and footer, no bullet; the
	// reporter's "RETCODE: 0" line follows.
	out := "@@FAILED\n" + osCapture(t, "systemd-unit", "sles-systemd228-failed.txt")
	r := osOne(t, osEval(t, "systemd-unit", out, nil, osNow))
	if r.Status != result.Warn || *r.Value != 1 || !strings.Contains(r.Message, "apache2.service") || !strings.Contains(r.Advice, "journalctl -u apache2.service") {
		t.Errorf("one failed unit: %+v", r)
	}
	if !strings.Contains(r.Evidence, "The Apache Webserver") {
		t.Errorf("evidence = %q", r.Evidence)
	}
	// Newer systemd with --no-legend: a bullet before each unit.
	out = "@@FAILED\n● kdump.service   loaded failed failed Crash recovery kernel arming\n● mcelog.service  loaded failed failed Machine Check Exception Logging Daemon\n"
	r = osOne(t, osEval(t, "systemd-unit", out, &inspect.Spec{Name: "units", Params: map[string]any{"ignore": "kdump*"}, Crit: "0"}, osNow))
	if *r.Value != 1 || r.Status != result.Crit || strings.Contains(r.Message, "kdump") {
		t.Errorf("ignore kdump, crit on any: %+v", r)
	}
	r = osOne(t, osEval(t, "systemd-unit", "@@FAILED\n", nil, osNow))
	if r.Status != result.OK || *r.Value != 0 {
		t.Errorf("no failed units: %+v", r)
	}
	// This machine: systemctl exists but PID 1 is not systemd.
	r = osOne(t, osEval(t, "systemd-unit", "@@NOSYSTEMD\n", nil, osNow))
	if r.Status != result.Unknown || r.Reason != "no-systemd" {
		t.Errorf("no systemd: %+v", r)
	}
	r = osOne(t, osEval(t, "systemd-unit", "@@FAILED\nSystem has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n", nil, osNow))
	if r.Status != result.Unknown || !strings.Contains(r.Message, "not been booted") {
		t.Errorf("systemctl error: %+v", r)
	}
}

func TestSystemdNamedUnits(t *testing.T) {
	spec := &inspect.Spec{Name: "services", Type: "systemd-unit", Params: map[string]any{"units": []any{"sshd", "nginx.service", "nosuch.service"}}}
	c, _ := Lookup("systemd-unit")
	script, err := c.Script(spec, nil)
	if err != nil || !strings.Contains(script, "-- sshd nginx.service nosuch.service") {
		t.Fatalf("script: %v\n%s", err, script)
	}
	out := `@@SHOW
Id=sshd.service
LoadState=loaded
ActiveState=active
SubState=running

Id=nginx.service
LoadState=loaded
ActiveState=failed
SubState=failed

Id=nosuch.service
LoadState=not-found
ActiveState=inactive
SubState=dead
`
	rs := osEval(t, "systemd-unit", out, spec, osNow)
	if len(rs) != 3 {
		t.Fatalf("want 3 results, got %+v", rs)
	}
	if r := osItem(t, rs, "sshd"); r.Status != result.OK {
		t.Errorf("sshd: %+v", r)
	}
	if r := osItem(t, rs, "nginx.service"); r.Status != result.Crit || r.Reason != "failed" || !strings.Contains(r.Advice, "systemctl start nginx.service") {
		t.Errorf("nginx: %+v", r)
	}
	if r := osItem(t, rs, "nosuch.service"); r.Status != result.Crit || r.Reason != "not-found" {
		t.Errorf("nosuch: %+v", r)
	}
	// A hostile unit name is quoted.
	script, _ = c.Script(&inspect.Spec{Name: "x", Params: map[string]any{"units": "a;rm -rf /"}}, nil)
	if !strings.Contains(script, `'a;rm -rf /'`) {
		t.Errorf("unit name not quoted:\n%s", script)
	}
	if _, err := c.Script(&inspect.Spec{Name: "x", Params: map[string]any{"units": "--now"}}, nil); err == nil {
		t.Error("option-like unit name accepted")
	}
}

func BenchmarkParseSystemctlFailed(b *testing.B) {
	out := osCapture(b, "systemd-unit", "sles-systemd228-failed.txt")
	for b.Loop() {
		if len(parseSystemctlFailed(out)) != 1 {
			b.Fatal("want 1 unit")
		}
	}
}
