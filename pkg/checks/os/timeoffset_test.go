package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/result"
)

func TestTimeOffsetChrony(t *testing.T) {
	r := osOne(t, osEval(t, "time-offset", "@@CHRONYC\n"+osCapture(t, "time-offset", "chrony-healthy.txt"), nil, osNow))
	if r.Status != result.OK || *r.Value != 0.26 || r.Unit != "ms" || !strings.Contains(r.Message, "+0.260 ms") || !strings.Contains(r.Message, "ntp1.bytestacker.com") {
		t.Errorf("healthy chrony: %+v", r)
	}
	// 7.8 s slow: CRIT with the default crit ~:1000 ms.
	r = osOne(t, osEval(t, "time-offset", "@@CHRONYC\n"+osCapture(t, "time-offset", "chrony-bad-offset.txt"), nil, osNow))
	if r.Status != result.Crit || *r.Value != 7810.537 || !strings.Contains(r.Message, "-7810.537 ms") || r.Advice == "" {
		t.Errorf("7.8 s slow: %+v", r)
	}
	if osMetric(t, r, "time.offset_ms") != 7810.537 {
		t.Errorf("metric: %+v", r.Metrics)
	}
	// chronyd not synchronised (constructed from the healthy layout).
	unsynced := "@@CHRONYC\nReference ID    : 00000000 ()\nStratum         : 0\nSystem time     : 0.000000001 seconds fast of NTP time\nLeap status     : Not synchronised\n"
	r = osOne(t, osEval(t, "time-offset", unsynced, nil, osNow))
	if r.Status != result.Warn || r.Reason != "not-synchronised" {
		t.Errorf("unsynced chrony: %+v", r)
	}
	// chronyc installed but chronyd stopped; ntpq absent; timedatectl (old
	// systemd wording) answers.
	out := "@@CHRONYC\n506 Cannot talk to daemon\n@@TIMEDATECTL\n" + osCapture(t, "time-offset", "centos-7.7-timedatectl.txt") + "@@TIMESYNC\n"
	r = osOne(t, osEval(t, "time-offset", out, nil, osNow))
	if r.Status != result.OK || r.Value != nil || !strings.Contains(r.Message, "timedatectl") {
		t.Errorf("timedatectl synced: %+v", r)
	}
}

func TestTimeOffsetOthers(t *testing.T) {
	ntpq := `@@NTPQ
     remote           refid      st t when poll reach   delay   offset  jitter
==============================================================================
+192.0.2.10      .GPS.            1 u   33   64  377    0.512    0.101   0.020
*192.0.2.11      .PPS.            1 u   12   64  377    0.498  -150.456   0.012
`
	r := osOne(t, osEval(t, "time-offset", ntpq, nil, osNow))
	if r.Status != result.Warn || *r.Value != 150.456 || !strings.Contains(r.Message, "192.0.2.11") {
		t.Errorf("ntpq: %+v", r)
	}
	r = osOne(t, osEval(t, "time-offset", "@@NTPQ\n     remote  refid st t when poll reach delay offset jitter\n=====\n 192.0.2.10 .INIT. 16 u - 64 0 0.000 0.000 0.000\n", nil, osNow))
	if r.Status != result.Warn || r.Reason != "not-synchronised" {
		t.Errorf("ntpq without a system peer: %+v", r)
	}
	ts := "@@TIMEDATECTL\n System clock synchronized: no\n              NTP service: active\n@@TIMESYNC\n       Server: 192.0.2.1 (ntp.example)\n       Offset: -2.5s\n"
	r = osOne(t, osEval(t, "time-offset", ts, nil, osNow))
	if r.Status != result.Crit || *r.Value != 2500 {
		t.Errorf("timesyncd 2.5 s off: %+v", r)
	}
	r = osOne(t, osEval(t, "time-offset", "@@NOTOOL\n", nil, osNow))
	if r.Status != result.Unknown || r.Reason != "tool-missing" || !strings.Contains(r.Message, "chronyc, ntpq and timedatectl not found") {
		t.Errorf("no tool: %+v", r)
	}
	// This machine: timedatectl exists but systemd is not PID 1.
	r = osOne(t, osEval(t, "time-offset", "@@TIMEDATECTL\nSystem has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n@@NOTOOL\n", nil, osNow))
	if r.Status != result.Unknown || r.Reason != "no-answer" || !strings.Contains(r.Message, "timedatectl: System has not been booted") {
		t.Errorf("timedatectl failing: %+v", r)
	}
}

func BenchmarkParseChrony(b *testing.B) {
	out := osCapture(b, "time-offset", "chrony-bad-offset.txt")
	for b.Loop() {
		if !parseChronyTracking(out).Known {
			b.Fatal("not understood")
		}
	}
}
