package os

import (
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestKernelLogOOMFromDmesg(t *testing.T) {
	// The Ubuntu droplet's OOM kills, at 518 s after boot; the host has
	// been up 600 s, so they happened 82 s before "now".
	out := "@@UPTIME 600.00\n@@DMESG\n" + osCapture(t, "kernel-log", "ubuntu-droplet-oom.txt")
	r := osOne(t, osEval(t, "kernel-log", out, nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.Crit || r.Reason != "oom-kill" || osMetric(t, r, "kernel.oom_kills") != 4 || osMetric(t, r, "kernel.errors") != 0 {
		t.Fatalf("4 OOM kills (reaper lines are companions, not errors): %+v", r)
	}
	if !strings.Contains(r.Message, "python3 (15784)") || !strings.Contains(r.Message, "(resolved) (15925)") {
		t.Errorf("victims not named: %q", r.Message)
	}
	if r.Advice == "" || !strings.Contains(r.Evidence, "Killed process 15784") {
		t.Errorf("advice/evidence: %+v", r)
	}
	// The same kills before the last inspection are old news.
	r = osOne(t, osEval(t, "kernel-log", out, nil, osNow.Add(-time.Minute)))
	if r.Status != result.OK {
		t.Errorf("kills before the window: %+v", r)
	}
}

func TestKernelLogJournal(t *testing.T) {
	// journalctl -o short-iso, old (+0800) and new (+08:00) offsets; a 3.10
	// kernel's "Kill process" + "Killed process" pair counts once.
	out := `@@UPTIME 90000.0
@@JOURNAL
2026-11-29T09:10:00+0800 web-01 kernel: Out of memory: Kill process 2210 (java) score 912 or sacrifice child
2026-11-29T09:10:00+0800 web-01 kernel: Killed process 2210 (java) total-vm:8000000kB, anon-rss:6000000kB, file-rss:0kB
2026-11-29T10:00:00+08:00 web-01 kernel: blk_update_request: I/O error, dev sdb, sector 123456
2026-11-29T10:05:00+08:00 web-01 kernel: ACPI Error: Method parse/execution failed
2026-11-20T10:05:00+08:00 web-01 kernel: EXT4-fs error (device sda1): old news
`
	r := osOne(t, osEval(t, "kernel-log", out, nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.Crit || osMetric(t, r, "kernel.oom_kills") != 1 || osMetric(t, r, "kernel.errors") != 2 {
		t.Errorf("journal: %+v", r)
	}
	r = osOne(t, osEval(t, "kernel-log", out, &inspect.Spec{Name: "k", Params: map[string]any{"ignore": "ACPI Error|Out of memory"}}, osNow.Add(-24*time.Hour)))
	if r.Status != result.Warn || *r.Value != 1 || !strings.Contains(r.Message, "I/O error") {
		t.Errorf("ignore ACPI and OOM: %+v", r)
	}
	r = osOne(t, osEval(t, "kernel-log", "@@UPTIME 5\n@@JOURNAL\n", nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.OK {
		t.Errorf("clean journal: %+v", r)
	}
	r = osOne(t, osEval(t, "kernel-log", "@@UPTIME 5\n@@DMESG\ndmesg: read kernel buffer failed: Operation not permitted\n", nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.Unknown || r.Reason != "not-readable" || r.Advice == "" {
		t.Errorf("dmesg restricted: %+v", r)
	}
	// A user outside adm/systemd-journal sees only its own journal: that is
	// "cannot tell", never "no errors".
	hint := "@@UPTIME 5\n@@JOURNAL\nHint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n-- No entries --\n"
	r = osOne(t, osEval(t, "kernel-log", hint, nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.Unknown || r.Reason != "not-readable" {
		t.Errorf("journal not readable: %+v", r)
	}
	r = osOne(t, osEval(t, "kernel-log", "@@UPTIME 5\n@@NOTOOL\n", nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.Unknown || r.Reason != "tool-missing" {
		t.Errorf("no dmesg: %+v", r)
	}
	c, _ := Lookup("kernel-log")
	s, err := c.Script(&inspect.Spec{Name: "k", Params: map[string]any{"lookback": "3d"}}, nil)
	if err != nil || !strings.Contains(s, "--since=-72h") {
		t.Errorf("lookback 3d: %v\n%s", err, s)
	}
	if _, err := c.Script(&inspect.Spec{Name: "k", Params: map[string]any{"ignore": "("}}, nil); err == nil {
		t.Error("bad ignore regexp accepted")
	}
}

func BenchmarkParseKernelDmesg(b *testing.B) {
	out := osCapture(b, "kernel-log", "ubuntu-droplet-oom.txt")
	for b.Loop() {
		if len(parseKernelDmesg(out, osNow)) != 8 {
			b.Fatal("want 8 lines")
		}
	}
}
