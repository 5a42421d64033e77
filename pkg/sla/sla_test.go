package sla

import (
	"math"
	"testing"
	"time"
)

func TestAllowedDowntime(t *testing.T) {
	day := 24 * time.Hour
	month := func(y int, m time.Month) time.Duration {
		s := time.Date(y, m, 1, 0, 0, 0, 0, avZone)
		return Window{s, s.AddDate(0, 1, 0)}.Duration()
	}
	for _, tc := range []struct {
		name   string
		target float64
		d      time.Duration
		want   time.Duration
	}{
		{"SLA1 host, 30-day month", TargetHost, 30 * day, 10*time.Minute + 48*time.Second},
		{"SLA1 host, November", TargetHost, month(2026, time.November), 10*time.Minute + 48*time.Second},
		{"SLA1 host, 31-day month", TargetHost, month(2026, time.December), 11*time.Minute + 9*time.Second + 600*time.Millisecond},
		{"SLA1 host, February", TargetHost, month(2026, time.February), 10*time.Minute + 4*time.Second + 800*time.Millisecond},
		{"SLA1 host, leap February", TargetHost, month(2028, time.February), 10*time.Minute + 26*time.Second + 400*time.Millisecond},
		{"multi-AZ, 30-day month", TargetMultiAZ, 30 * day, 2*time.Minute + 9*time.Second + 600*time.Millisecond},
		{"link/storage, 30-day month", TargetLinkStorage, 30 * day, 21*time.Minute + 36*time.Second},
		// Partial months: an asset added on the 16th of November, a month
		// read on the 10th, a month with a day of maintenance.
		{"added mid-month", TargetHost, 15 * day, 5*time.Minute + 24*time.Second},
		{"month so far", TargetHost, 9*day + 7*time.Hour, 3*time.Minute + 20*time.Second + 700*time.Millisecond},
		{"29 days out of maintenance", TargetHost, 29 * day, 10*time.Minute + 26*time.Second + 400*time.Millisecond},
		{"99 % of a day", 99, day, 14*time.Minute + 24*time.Second},
		{"100 % allows nothing", 100, 30 * day, 0},
		{"above 100 allows nothing", 100.5, 30 * day, 0},
		{"no target allows all", 0, day, day},
		{"negative target allows all", -1, day, day},
		{"NaN target allows nothing", math.NaN(), day, 0},
		{"empty period", TargetHost, 0, 0},
		{"negative period", TargetHost, -day, 0},
	} {
		if got := AllowedDowntime(tc.target, tc.d); got != tc.want {
			t.Errorf("%s: AllowedDowntime(%v, %v) = %v, want %v", tc.name, tc.target, tc.d, got, tc.want)
		}
	}
}

func TestWindowDuration(t *testing.T) {
	s := avAt(t, "2026-11-01 00:00")
	for _, tc := range []struct {
		w    Window
		want time.Duration
	}{
		{Window{s, s.AddDate(0, 1, 0)}, 30 * 24 * time.Hour},
		{Window{s, s}, 0},
		{Window{s.Add(time.Hour), s}, 0},
	} {
		if got := tc.w.Duration(); got != tc.want {
			t.Errorf("%v–%v: Duration() = %v, want %v", tc.w.Start, tc.w.End, got, tc.want)
		}
	}
}

// The allowance follows the time that counts: unknown time (no samples) and
// maintenance neither earn nor spend it, and Coverage says how much of the
// period the figure rests on.
func TestAvailabilityAllowanceAndCoverage(t *testing.T) {
	p := avNovember(t)
	for _, tc := range []struct {
		name      string
		samples   []Sample
		maint     []Window
		allowed   time.Duration
		remaining time.Duration
		coverage  float64
		judged    bool
		met       bool
	}{
		{
			name:    "whole month up",
			samples: avEvery(p.Start, p.End, time.Hour),
			allowed: 10*time.Minute + 48*time.Second, remaining: 10*time.Minute + 48*time.Second,
			coverage: 100, judged: true, met: true,
		},
		{
			name:    "10 minutes down: within the allowance",
			samples: avEvery(p.Start, p.End, 5*time.Minute, Window{avAt(t, "2026-11-05 10:00"), avAt(t, "2026-11-05 10:10")}),
			allowed: 10*time.Minute + 48*time.Second, remaining: 48 * time.Second,
			coverage: 100, judged: true, met: true,
		},
		{
			name:    "15 minutes down: overspent",
			samples: avEvery(p.Start, p.End, 5*time.Minute, Window{avAt(t, "2026-11-05 10:00"), avAt(t, "2026-11-05 10:15")}),
			allowed: 10*time.Minute + 48*time.Second, remaining: -4*time.Minute - 12*time.Second,
			coverage: 100, judged: true, met: false,
		},
		{
			// Added on the 16th: the first half of the month is unknown.
			name:    "samples for half the month",
			samples: avEvery(avAt(t, "2026-11-16 00:00"), p.End, time.Hour),
			allowed: 5*time.Minute + 24*time.Second, remaining: 5*time.Minute + 24*time.Second,
			coverage: 50, judged: true, met: true,
		},
		{
			name:    "samples for a third of the month: not judged",
			samples: avEvery(avAt(t, "2026-11-21 00:00"), p.End, time.Hour),
			allowed: 3*time.Minute + 36*time.Second, remaining: 3*time.Minute + 36*time.Second,
			coverage: 100.0 / 3, judged: false, met: true,
		},
		{
			name:    "a day of maintenance is out of the allowance and the coverage",
			samples: avEvery(p.Start, p.End, time.Hour),
			maint:   []Window{{avAt(t, "2026-11-10 00:00"), avAt(t, "2026-11-11 00:00")}},
			allowed: 10*time.Minute + 26*time.Second + 400*time.Millisecond, remaining: 10*time.Minute + 26*time.Second + 400*time.Millisecond,
			coverage: 100, judged: true, met: true,
		},
		{
			name:    "no samples at all",
			samples: nil,
			judged:  false, met: false,
		},
		{
			name:    "all maintenance",
			samples: avEvery(p.Start, p.End, time.Hour),
			maint:   []Window{p},
			judged:  false, met: false,
		},
	} {
		a := Compute(tc.samples, p, Options{MaxGap: 2 * time.Hour, Maintenance: tc.maint, Target: TargetHost})
		avCheckTotal(t, a)
		if got := a.Allowed(); got != tc.allowed {
			t.Errorf("%s: Allowed() = %v, want %v", tc.name, got, tc.allowed)
		}
		if got := a.Remaining(); got != tc.remaining {
			t.Errorf("%s: Remaining() = %v, want %v", tc.name, got, tc.remaining)
		}
		if got := a.Coverage(); math.Abs(got-tc.coverage) > 1e-9 {
			t.Errorf("%s: Coverage() = %v, want %v", tc.name, got, tc.coverage)
		}
		if got := a.Judged(); got != tc.judged {
			t.Errorf("%s: Judged() = %v, want %v", tc.name, got, tc.judged)
		}
		if a.Met != tc.met {
			t.Errorf("%s: Met = %v, want %v (percent %v)", tc.name, a.Met, tc.met, a.Percent)
		}
		if a.Known && tc.met != (a.Remaining() >= 0) {
			t.Errorf("%s: Met = %v but Remaining() = %v", tc.name, a.Met, a.Remaining())
		}
	}
}

func TestOutageExceeds(t *testing.T) {
	for _, tc := range []struct {
		d, limit time.Duration
		want     bool
	}{
		{time.Hour, MaxOutageCore, false},
		{2*time.Hour - time.Second, MaxOutageCore, false},
		{2 * time.Hour, MaxOutageCore, true}, // "less than 2 h" is strict
		{3 * time.Hour, MaxOutageCore, true},
		{3 * time.Hour, MaxOutageNonCore, false},
		{100 * time.Hour, 0, false}, // no limit
	} {
		if got := (Outage{Duration: tc.d}).Exceeds(tc.limit); got != tc.want {
			t.Errorf("outage of %v, limit %v: Exceeds = %v, want %v", tc.d, tc.limit, got, tc.want)
		}
	}
}
