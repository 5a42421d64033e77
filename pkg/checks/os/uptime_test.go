package os

import (
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestUptimeCheck(t *testing.T) {
	lastRun := osNow.Add(-24 * time.Hour)
	// Up 40 days: no reboot since the last run.
	r := osOne(t, osEval(t, "uptime", "3456000.12 6000000.00\n", nil, lastRun))
	if r.Status != result.OK || osMetric(t, r, "uptime.seconds") != 3456000 || *r.Value != 40 || r.Unit != "d" {
		t.Errorf("40 days up: %+v", r)
	}
	// Up 2 hours, last run a day ago: an unexpected reboot.
	r = osOne(t, osEval(t, "uptime", "7200.00 100.0\n", nil, lastRun))
	boot := osNow.Add(-7200 * time.Second).Local().Format("2006-01-02 15:04")
	if r.Status != result.Warn || r.Reason != "rebooted" || !strings.Contains(r.Message, boot) || r.Advice == "" {
		t.Errorf("reboot since the last run: want WARN naming boot time %s, got %+v", boot, r)
	}
	// Up 2 hours, last run an hour ago: the reboot was already reported.
	r = osOne(t, osEval(t, "uptime", "7200.5 100.0\n", nil, osNow.Add(-time.Hour)))
	if r.Status != result.OK {
		t.Errorf("reboot before the last run: %+v", r)
	}
	// Up 2 hours and no earlier inspection (fresh history, --no-store):
	// nothing to have rebooted after.
	r = osOne(t, osEval(t, "uptime", "7200.00 100.0\n", nil, time.Time{}))
	if r.Status != result.OK || r.Reason == "rebooted" {
		t.Errorf("no earlier inspection: want OK without a reboot claim, got %+v", r)
	}
	// Threshold in days.
	r = osOne(t, osEval(t, "uptime", "40000000 1\n", &inspect.Spec{Name: "uptime", Warn: "~:365"}, lastRun))
	if r.Status != result.Warn || r.Advice == "" {
		t.Errorf("463 days with warn ~:365: %+v", r)
	}
	// The sample's `uptime` output is not /proc/uptime.
	if r := osOne(t, osEval(t, "uptime", osCapture(t, "uptime", "centos-7.7-uptime.txt"), nil, lastRun)); r.Status != result.Unknown {
		t.Errorf("uptime(1) output: %+v", r)
	}
}
