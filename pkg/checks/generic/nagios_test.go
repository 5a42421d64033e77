package generic

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// writePlugin writes an executable shell plugin into dir and returns its path.
func writePlugin(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNagiosPluginExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		body   string
		want   result.Status
		msg    string
		reason string
	}{
		{"echo 'DISK OK - free space: / 3326 MB (56%);| /=2643MB;5948;5958;0;5968'; exit 0", result.OK, "DISK OK - free space: / 3326 MB (56%);", ""},
		{"echo 'LOAD WARNING - load average: 5.1'; exit 1", result.Warn, "LOAD WARNING - load average: 5.1", ""},
		{"echo 'PROCS CRITICAL: 0 processes'; exit 2", result.Crit, "PROCS CRITICAL: 0 processes", ""},
		{"echo 'UNKNOWN - cannot stat'; exit 3", result.Unknown, "UNKNOWN - cannot stat", ""},
		{"echo 'segfault'; exit 139", result.Unknown, "plugin exit code 139 is outside the Nagios convention 0-3: segfault", "bad-exit"},
		{"exit 2", result.Crit, "plugin exited 2 with no output", ""},
		{"echo 'stderr only' >&2; exit 1", result.Warn, "stderr only", ""},
	}
	for i, c := range cases {
		p := writePlugin(t, dir, "check_t"+string(rune('a'+i)), c.body)
		r := checktest.One(t, prEval(t, "nagios-plugin", &inspect.Spec{Params: map[string]any{"plugin": p}}))
		if r.Status != c.want || r.Message != c.msg || r.Reason != c.reason {
			t.Errorf("%q: got %s %q reason %q, want %s %q reason %q", c.body, r.Status, r.Message, r.Reason, c.want, c.msg, c.reason)
		}
	}
}

func TestNagiosPluginPerfdataToMetrics(t *testing.T) {
	p := writePlugin(t, t.TempDir(), "check_multi", `echo "HTTP OK: 200 | time=0.012s;1;2;0; size=5120B;;;0"
echo "long line 1"
echo "long line 2 | 'Free Space'=56%;20;10;0;100"
echo "'it''s'=3"`)
	r := checktest.One(t, prEval(t, "nagios-plugin", &inspect.Spec{Params: map[string]any{"plugin": p}}))
	want := []result.Metric{
		{Name: "time", Value: 0.012, Unit: "s"},
		{Name: "size", Value: 5120, Unit: "B"},
		{Name: "Free Space", Value: 56, Unit: "%"},
		{Name: "it's", Value: 3},
	}
	if !reflect.DeepEqual(r.Metrics, want) {
		t.Fatalf("metrics = %+v\nwant %+v", r.Metrics, want)
	}
	if r.Value == nil || *r.Value != 0.012 || r.Unit != "s" || r.Warn != "1" || r.Crit != "2" {
		t.Fatalf("value %v %q warn %q crit %q", r.Value, r.Unit, r.Warn, r.Crit)
	}
	if r.Message != "HTTP OK: 200" {
		t.Fatalf("message %q", r.Message)
	}
	if !strings.Contains(r.Evidence, "long line 2") {
		t.Fatalf("evidence lacks long output: %q", r.Evidence)
	}
}

func TestNagiosPluginArgsArriveLiterally(t *testing.T) {
	dir := t.TempDir()
	canary := filepath.Join(dir, "pwned")
	p := writePlugin(t, dir, "check_args", `for a in "$@"; do printf '<%s>' "$a"; done; echo; exit 0`)
	args := []any{"-w", "it's", "$(touch " + canary + ")", "`touch " + canary + "`", "a b", "x\ny", ""}
	r := checktest.One(t, prEval(t, "nagios-plugin", &inspect.Spec{Params: map[string]any{"plugin": p, "args": args}}))
	want := "<-w><it's><$(touch " + canary + ")><`touch " + canary + "`><a b><x\ny><>\n"
	if r.Evidence != want {
		t.Fatalf("plugin saw %q\nwant %q", r.Evidence, want)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("an argument was executed by the shell")
	}
}

func TestNagiosPluginMissing(t *testing.T) {
	for _, plugin := range []string{"check_hcops_does_not_exist", "/nonexistent/check_x"} {
		r := checktest.One(t, prEval(t, "nagios-plugin", &inspect.Spec{Params: map[string]any{"plugin": plugin}}))
		if r.Status != result.Unknown || r.Reason != "plugin-missing" || r.Advice == "" {
			t.Errorf("%s: %s %s %q", plugin, r.Status, r.Reason, r.Message)
		}
		if !strings.Contains(r.Message, plugin) {
			t.Errorf("message does not name the plugin: %q", r.Message)
		}
	}
}

func TestNagiosPluginFoundOnPath(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "check_onpath", "echo 'PATH OK'; exit 0")
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	r := checktest.One(t, prEval(t, "nagios-plugin", &inspect.Spec{Params: map[string]any{"plugin": "check_onpath"}}))
	if r.Status != result.OK || r.Message != "PATH OK" || r.Item != "check_onpath" {
		t.Fatalf("%s %q item %q", r.Status, r.Message, r.Item)
	}
}

func TestParsePluginOutputOddities(t *testing.T) {
	cases := []struct {
		in      string
		metrics []result.Metric
		bad     int
	}{
		{"OK", nil, 0},
		{"OK |", nil, 0},
		{"OK | a=U;1;2", nil, 0},
		{"OK | a=1e3ms b=-2.5 c=0,5%", []result.Metric{{Name: "a", Value: 1000, Unit: "ms"}, {Name: "b", Value: -2.5}, {Name: "c", Value: 0.5, Unit: "%"}}, 0},
		{"OK | =5 junk x=abc 'q=r'=1", []result.Metric{{Name: "q=r", Value: 1}}, 3},
		{"OK | bytes=12B;;;; 'label with  spaces'=1KB", []result.Metric{{Name: "bytes", Value: 12, Unit: "B"}, {Name: "label with  spaces", Value: 1, Unit: "KB"}}, 0},
	}
	for _, c := range cases {
		p := ParsePluginOutput(c.in)
		if !reflect.DeepEqual(p.Metrics, c.metrics) || p.BadPerf != c.bad {
			t.Errorf("%q: metrics %+v bad %d, want %+v bad %d", c.in, p.Metrics, p.BadPerf, c.metrics, c.bad)
		}
		if p.Summary != "OK" {
			t.Errorf("%q: summary %q", c.in, p.Summary)
		}
	}
}

func BenchmarkParsePluginOutput(b *testing.B) {
	out := "DISK OK - free space: / 3326 MB (56% inode=98%); /boot 172 MB (83% inode=99%);| /=2643MB;5948;5958;0;5968 /boot=34MB;198;203;0;209 'data disk'=100GB;;;0;200\n" +
		strings.Repeat("long output line describing one mount\n", 20) + "| extra=1s;2;3;0;10 more=2.5%\n"
	b.ReportAllocs()
	for b.Loop() {
		if len(ParsePluginOutput(out).Metrics) != 5 {
			b.Fatal("parse")
		}
	}
}

// TestNagiosRealMonitoringPlugins runs plugins of the monitoring-plugins
// project (Debian: monitoring-plugins-basic), found by bare name in the
// standard plugin directory as on a real host.
func TestNagiosRealMonitoringPlugins(t *testing.T) {
	testenv.LookPath(t, "check_dummy", "/usr/lib/nagios/plugins", "/usr/lib64/nagios/plugins")
	cases := []struct {
		params map[string]any
		want   result.Status
		msg    string
		metric string
	}{
		{map[string]any{"plugin": "check_dummy", "args": []any{"1", "it's $(not run)"}}, result.Warn, "WARNING: it's $(not run)", ""},
		{map[string]any{"plugin": "check_procs", "args": []any{"-c", "1:", "-C", "hcops-no-such-daemon"}}, result.Crit, "PROCS CRITICAL: 0 processes with command name 'hcops-no-such-daemon'", "procs"},
		{map[string]any{"plugin": "check_disk", "args": []any{"-w", "0%", "-c", "0%", "-p", "/"}}, result.OK, "DISK OK", "/"},
	}
	for _, c := range cases {
		r := checktest.One(t, prEval(t, "nagios-plugin", &inspect.Spec{Params: c.params}))
		if r.Status != c.want || !strings.HasPrefix(r.Message, c.msg) {
			t.Errorf("%v: %s %q, want %s %q", c.params["plugin"], r.Status, r.Message, c.want, c.msg)
		}
		if c.metric != "" && (len(r.Metrics) == 0 || r.Metrics[0].Name != c.metric) {
			t.Errorf("%v: metrics %+v, want %s first", c.params["plugin"], r.Metrics, c.metric)
		}
	}
}
