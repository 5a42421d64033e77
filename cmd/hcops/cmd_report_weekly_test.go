package main

import (
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

func TestParseWeek(t *testing.T) {
	for in, want := range map[string]string{
		"2026-W48":   "2026-11-23",
		"2026-w01":   "2025-12-29", // ISO week 1 of 2026 starts in 2025
		"2026-11-25": "2026-11-25",
	} {
		got, err := parseWeek(in, time.UTC)
		if err != nil || got.Format("2006-01-02") != want {
			t.Errorf("parseWeek(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"2026-W54", "2026-48", "next week"} {
		if _, err := parseWeek(bad, time.UTC); err == nil {
			t.Errorf("parseWeek(%q) accepted", bad)
		}
	}
}

// TestReportWeeklyCLI writes the weekly report of the week that holds a
// stored inspection, and refuses a week it cannot read.
func TestReportWeeklyCLI(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	at := time.Now().Add(-time.Hour)
	v := 93.0
	seedHistoryRun(t, db, result.KindInspect, at, result.RunCompleted,
		result.Result{Asset: "web-01", Check: "disk:/data", Type: "disk", Item: "/data", Status: result.Crit, Value: &v, Unit: "%", Warn: "80", Crit: "90",
			Message: "/data 93% used", StartedAt: at})
	db.Close()
	code, out, errOut := e.hcops(t, "--lang", "zh", "report", "weekly", "--week", at.Format("2006-01-02"), "--format", "md", "--out", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"运维周报", "本周运维情况综述", "下周工作计划", "web-01"} {
		if !strings.Contains(out, want) {
			t.Errorf("weekly report lacks %q", want)
		}
	}
	if strings.Contains(out, "本月") {
		t.Errorf("month words in the weekly report")
	}
	if code, _, _ := e.hcops(t, "report", "weekly", "--week", "week 48"); code != 3 {
		t.Errorf("bad --week: exit %d, want 3", code)
	}
}
