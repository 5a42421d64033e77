package sla

import (
	"math"
	"testing"
	"time"
)

var avZone = time.FixedZone("CST", 8*3600)

// at parses "2026-11-03 22:00" in Beijing time.
func avAt(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, avZone)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// november is the period used by most cases.
func avNovember(t *testing.T) Window {
	return Window{avAt(t, "2026-11-01 00:00"), avAt(t, "2026-12-01 00:00")}
}

// every returns samples every step from start (inclusive) to end (exclusive),
// up unless the time falls in one of downs.
func avEvery(start, end time.Time, step time.Duration, downs ...Window) []Sample {
	var out []Sample
	for t := start; t.Before(end); t = t.Add(step) {
		up := true
		for _, d := range downs {
			if !t.Before(d.Start) && t.Before(d.End) {
				up = false
			}
		}
		out = append(out, Sample{At: t, Up: up})
	}
	return out
}

// compute is Compute with the options most cases use.
func compute(s []Sample, p Window, maxGap time.Duration, maint []Window, target float64) Availability {
	return Compute(s, p, Options{MaxGap: maxGap, Maintenance: maint, Target: target})
}

func avCheckTotal(t *testing.T, a Availability) {
	t.Helper()
	if got, want := a.Up+a.Down+a.Unknown+a.Maintenance, a.Period.End.Sub(a.Period.Start); got != want {
		t.Errorf("up %v + down %v + unknown %v + maintenance %v = %v, want the period's %v",
			a.Up, a.Down, a.Unknown, a.Maintenance, got, want)
	}
}

func TestAvailabilityAllUp(t *testing.T) {
	p := avNovember(t)
	a := compute(avEvery(p.Start, p.End, 5*time.Minute), p, 10*time.Minute, nil, 99.975)
	avCheckTotal(t, a)
	if !a.Known || a.Percent != 100 || !a.Met || a.Down != 0 || a.Unknown != 0 || len(a.Outages) != 0 {
		t.Fatalf("all up: %+v", a)
	}
}

func TestAvailabilityAddedMidMonth(t *testing.T) {
	p := avNovember(t)
	start := avAt(t, "2026-11-16 00:00")
	a := compute(avEvery(start, p.End, time.Hour), p, 2*time.Hour, nil, 99.975)
	avCheckTotal(t, a)
	if a.Unknown != 15*24*time.Hour {
		t.Errorf("unknown = %v, want the 15 days before the first sample", a.Unknown)
	}
	if a.Up != 15*24*time.Hour || a.Percent != 100 || !a.Met {
		t.Errorf("up = %v percent = %v met = %v, want 15 days, 100, true", a.Up, a.Percent, a.Met)
	}
}

func TestAvailabilityGapsAreUnknown(t *testing.T) {
	p := Window{avAt(t, "2026-11-03 00:00"), avAt(t, "2026-11-04 00:00")}
	// Hourly inspections, but none between 06:00 and 12:00 (the cron job did
	// not run); samples hold for at most 90 minutes.
	s := append(avEvery(p.Start, avAt(t, "2026-11-03 06:00"), time.Hour), avEvery(avAt(t, "2026-11-03 12:00"), p.End, time.Hour)...)
	a := compute(s, p, 90*time.Minute, nil, 99.975)
	avCheckTotal(t, a)
	// Last sample before the gap is 05:00, trusted until 06:30; unknown 06:30–12:00.
	if want := 5*time.Hour + 30*time.Minute; a.Unknown != want {
		t.Errorf("unknown = %v, want %v", a.Unknown, want)
	}
	if a.Percent != 100 || a.Down != 0 {
		t.Errorf("a gap must not count as down: %+v", a)
	}
}

func TestAvailabilityAllUnknown(t *testing.T) {
	p := avNovember(t)
	for name, s := range map[string][]Sample{
		"no samples":  nil,
		"only after":  {{At: avAt(t, "2026-12-02 00:00"), Up: true}},
		"long before": {{At: avAt(t, "2026-10-01 00:00"), Up: true}},
	} {
		a := compute(s, p, time.Hour, nil, 99.975)
		avCheckTotal(t, a)
		if a.Known || a.Met || a.Percent != 0 || a.Unknown != p.End.Sub(p.Start) {
			t.Errorf("%s: want unknown, not met, got %+v", name, a)
		}
	}
}

func TestAvailabilitySamplesOutsidePeriod(t *testing.T) {
	p := Window{avAt(t, "2026-11-03 00:00"), avAt(t, "2026-11-04 00:00")}
	s := []Sample{
		{At: avAt(t, "2026-11-02 23:30"), Up: false}, // down before: holds until 00:30
		{At: avAt(t, "2026-11-03 00:30"), Up: true},
		{At: avAt(t, "2026-11-04 00:10"), Up: false}, // after the period: ignored
	}
	a := compute(s, p, 0, nil, 99)
	avCheckTotal(t, a)
	if a.Down != 30*time.Minute || a.Up != 23*time.Hour+30*time.Minute || a.Unknown != 0 {
		t.Fatalf("down %v up %v unknown %v, want 30m, 23h30m, 0", a.Down, a.Up, a.Unknown)
	}
	if len(a.Outages) != 1 || !a.Outages[0].FromBefore || a.Outages[0].Ongoing ||
		!a.Outages[0].Start.Equal(p.Start) || a.Outages[0].Duration != 30*time.Minute {
		t.Fatalf("outages = %+v, want one of 30m from before the period", a.Outages)
	}
}

func TestAvailabilityOutageSpanningMidnight(t *testing.T) {
	p := avNovember(t)
	down := Window{avAt(t, "2026-11-10 23:00"), avAt(t, "2026-11-11 01:30")}
	a := Compute(avEvery(p.Start, p.End, 15*time.Minute, down), p,
		Options{MaxGap: 30 * time.Minute, Target: 99.975, MaxOutage: 2 * time.Hour})
	avCheckTotal(t, a)
	if len(a.Outages) != 1 {
		t.Fatalf("outages = %+v, want exactly one across midnight", a.Outages)
	}
	o := a.Outages[0]
	if !o.Start.Equal(down.Start) || !o.End.Equal(down.End) || o.Duration != 150*time.Minute || o.Ongoing || o.FromBefore {
		t.Errorf("outage = %+v, want 23:00–01:30, 2h30m", o)
	}
	want := 100 * (30*24*60 - 150.0) / (30 * 24 * 60)
	if math.Abs(a.Percent-want) > 1e-9 {
		t.Errorf("percent = %v, want %v", a.Percent, want)
	}
	if a.Met || a.Longest != 150*time.Minute {
		t.Errorf("a 2h30m outage breaks both 99.975 %% and the 2 h limit: met = %v longest = %v", a.Met, a.Longest)
	}
}

func TestAvailabilityMaxOutageAlone(t *testing.T) {
	p := avNovember(t)
	// 10 minutes down in a month: 99.977 % meets 99.975 %, and is < 2 h.
	down := Window{avAt(t, "2026-11-05 10:00"), avAt(t, "2026-11-05 10:10")}
	s := avEvery(p.Start, p.End, 5*time.Minute, down)
	a := Compute(s, p, Options{MaxGap: 10 * time.Minute, Target: 99.975, MaxOutage: 2 * time.Hour})
	if !a.Met || a.Longest != 10*time.Minute {
		t.Errorf("10 min outage: met = %v longest = %v percent = %v", a.Met, a.Longest, a.Percent)
	}
	a = Compute(s, p, Options{MaxGap: 10 * time.Minute, Target: 99, MaxOutage: 10 * time.Minute})
	if a.Met {
		t.Errorf("an outage of exactly the limit must fail a strict '< limit' SLA: %+v", a)
	}
}

func TestAvailabilityOutageSpanningMonthBoundary(t *testing.T) {
	down := Window{avAt(t, "2026-10-31 22:00"), avAt(t, "2026-11-01 03:00")}
	s := avEvery(avAt(t, "2026-10-01 00:00"), avAt(t, "2026-12-01 00:00"), 30*time.Minute, down)
	oct := Window{avAt(t, "2026-10-01 00:00"), avAt(t, "2026-11-01 00:00")}
	a := compute(s, oct, time.Hour, nil, 99.975)
	avCheckTotal(t, a)
	if len(a.Outages) != 1 || !a.Outages[0].Ongoing || a.Outages[0].FromBefore || a.Outages[0].Duration != 2*time.Hour ||
		!a.Outages[0].End.Equal(oct.End) {
		t.Errorf("october: outages = %+v, want one of 2h clipped at the month end, ongoing", a.Outages)
	}
	a = compute(s, avNovember(t), time.Hour, nil, 99.975)
	avCheckTotal(t, a)
	if len(a.Outages) != 1 || a.Outages[0].Ongoing || !a.Outages[0].FromBefore || a.Outages[0].Duration != 3*time.Hour ||
		!a.Outages[0].Start.Equal(avNovember(t).Start) {
		t.Errorf("november: outages = %+v, want one of 3h from before the month", a.Outages)
	}
}

func TestAvailabilityMaintenance(t *testing.T) {
	p := Window{avAt(t, "2026-11-03 00:00"), avAt(t, "2026-11-04 00:00")}
	down := Window{avAt(t, "2026-11-03 21:00"), avAt(t, "2026-11-03 23:30")}
	s := avEvery(p.Start, p.End, 10*time.Minute, down)
	maint := []Window{
		{avAt(t, "2026-11-03 22:00"), avAt(t, "2026-11-04 02:00")}, // crosses the period end
		{avAt(t, "2026-11-03 22:30"), avAt(t, "2026-11-03 23:00")}, // overlaps the first
	}
	a := compute(s, p, 20*time.Minute, maint, 99.975)
	avCheckTotal(t, a)
	if a.Maintenance != 2*time.Hour {
		t.Errorf("maintenance = %v, want 2h (22:00–24:00, overlaps counted once)", a.Maintenance)
	}
	if a.Down != time.Hour {
		t.Errorf("down = %v, want 1h (21:00–22:00; the rest is in the window)", a.Down)
	}
	if len(a.Outages) != 1 || a.Outages[0].Duration != time.Hour || a.Outages[0].Ongoing {
		t.Errorf("outages = %+v, want one of 1h ending where maintenance starts", a.Outages)
	}
	want := 100 * 21.0 / 22.0
	if math.Abs(a.Percent-want) > 1e-9 {
		t.Errorf("percent = %v, want %v (maintenance out of the denominator)", a.Percent, want)
	}

	// A window covering the whole period leaves nothing known.
	a = compute(s, p, 20*time.Minute, []Window{{p.Start.Add(-time.Hour), p.End}}, 99)
	if a.Known || a.Met || a.Maintenance != 24*time.Hour {
		t.Errorf("all maintenance: %+v", a)
	}
}

func TestAvailabilityUnorderedAndTies(t *testing.T) {
	p := Window{avAt(t, "2026-11-03 00:00"), avAt(t, "2026-11-03 04:00")}
	s := []Sample{
		{At: avAt(t, "2026-11-03 02:00"), Up: true},
		{At: avAt(t, "2026-11-03 00:00"), Up: true},
		{At: avAt(t, "2026-11-03 01:00"), Up: false},
		{At: avAt(t, "2026-11-03 01:00"), Up: true}, // same instant: down wins
		{At: avAt(t, "2026-11-03 03:00"), Up: true},
	}
	a := compute(s, p, 0, nil, 0)
	avCheckTotal(t, a)
	if a.Down != time.Hour || a.Up != 3*time.Hour {
		t.Errorf("down %v up %v, want 1h and 3h", a.Down, a.Up)
	}
	// Down–gap–Down is two outages: the gap is no evidence either way.
	s = []Sample{{At: avAt(t, "2026-11-03 00:00")}, {At: avAt(t, "2026-11-03 03:00")}}
	a = compute(s, p, time.Hour, nil, 0)
	avCheckTotal(t, a)
	if len(a.Outages) != 2 || a.Unknown != 2*time.Hour || !a.Outages[1].Ongoing {
		t.Errorf("outages = %+v unknown = %v, want two and 2h unknown", a.Outages, a.Unknown)
	}
	// An empty period gives nothing.
	if a := compute(s, Window{p.End, p.Start}, time.Hour, nil, 0); a.Known || len(a.Outages) != 0 {
		t.Errorf("empty period: %+v", a)
	}
}

// BenchmarkComputeMonth is one month of 500 assets inspected 4
// times a day (the monthly report's load), with a maintenance window and an
// outage each.
func BenchmarkComputeMonth(b *testing.B) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, avZone)
	p := Window{start, start.AddDate(0, 1, 0)}
	down := Window{start.Add(100 * time.Hour), start.Add(112 * time.Hour)}
	s := avEvery(p.Start, p.End, 6*time.Hour, down)
	maint := []Window{{start.Add(200 * time.Hour), start.Add(204 * time.Hour)}}
	b.ReportAllocs()
	for b.Loop() {
		for range 500 {
			Compute(s, p, Options{MaxGap: 12 * time.Hour, Maintenance: maint, Target: 99.975, MaxOutage: 2 * time.Hour})
		}
	}
}
