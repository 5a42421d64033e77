package sla

import (
	"testing"
	"time"
)

// A day probed every minute with a 30-minute outage at 10:00: the hours the
// asset was up give Up samples, the stored observations place the outage,
// and Compute measures 30 minutes down; an hour the watcher did not run is
// Unknown, not up (but for the minute the last probe before it holds).
func TestProbeSamples(t *testing.T) {
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	var hours []HourCount
	for h := 0; h < 24; h++ {
		if h == 5 {
			continue // the watcher was stopped
		}
		hc := HourCount{Hour: day.Add(time.Duration(h) * time.Hour), Samples: 60}
		if h == 10 {
			hc.Down = 30
		}
		hours = append(hours, hc)
	}
	var observed []Sample
	for m := 0; m < 30; m++ {
		observed = append(observed, Sample{At: day.Add(10*time.Hour + time.Duration(m)*time.Minute)})
	}
	observed = append(observed, Sample{At: day.Add(10*time.Hour + 30*time.Minute), Up: true})
	a := Compute(ProbeSamples(hours, observed), Window{day, day.Add(24 * time.Hour)}, Options{MaxGap: ProbeMaxGap, Target: 99.9})
	if a.Down != 30*time.Minute || a.Unknown != 59*time.Minute || a.Longest != 30*time.Minute || a.Met {
		t.Errorf("down %s unknown %s longest %s met %v (%.3f%%)", a.Down, a.Unknown, a.Longest, a.Met, a.Percent)
	}
	if n, d := ProbeCount(hours); n != 23*60 || d != 30 {
		t.Errorf("count %d down %d", n, d)
	}
}
