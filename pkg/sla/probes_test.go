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

// A link pinged by the watcher every minute of a 30-day month against
// SLA2 (99.95 %: 21 min 36 s of downtime allowed): one 21-minute outage
// meets it, one of 22 minutes does not. The outage is what the watcher
// stores — every down probe, and the first up one — and the hours whose
// probes all answered.
func TestLinkPingsAgainstSLA2(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	month := Window{Start: start, End: start.AddDate(0, 0, 30)}
	for _, c := range []struct {
		down int // minutes
		met  bool
	}{{0, true}, {21, true}, {22, false}} {
		var hours []HourCount
		var observed []Sample
		outageAt := start.Add(10*24*time.Hour + 3*time.Hour) // 11 Nov 03:00
		for h := month.Start; h.Before(month.End); h = h.Add(time.Hour) {
			hc := HourCount{Hour: h, Samples: 60}
			if h.Equal(outageAt) && c.down > 0 {
				hc.Down = c.down
				for m := 0; m < c.down; m++ {
					observed = append(observed, Sample{At: h.Add(time.Duration(m) * time.Minute), Up: false})
				}
				observed = append(observed, Sample{At: h.Add(time.Duration(c.down) * time.Minute), Up: true})
			}
			hours = append(hours, hc)
		}
		av := Compute(ProbeSamples(hours, observed), month, Options{MaxGap: ProbeMaxGap, Target: TargetLinkStorage})
		if av.Down != time.Duration(c.down)*time.Minute || av.Met != c.met || !av.Known {
			t.Errorf("%d min down: down %s, %.4f %%, met %v, want met %v", c.down, av.Down, av.Percent, av.Met, c.met)
		}
		if samples, down := ProbeCount(hours); samples != 30*24*60 || down != c.down {
			t.Errorf("%d min down: %d samples, %d down", c.down, samples, down)
		}
	}
}
