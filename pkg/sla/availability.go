// Package sla is the availability and SLA clock maths of hcops: how long an
// asset or system was up, down, unknown or in maintenance over a period,
// its outages, whether it met its target, and how much downtime a target
// allows. The monthly report, and later alerts and tickets, share it so a
// figure means the same wherever it is shown.
//
// Everything here is a pure function of its arguments (no clock, no store),
// so the figures a commission signs can be recomputed and tested exactly.
package sla

import (
	"slices"
	"sort"
	"time"
)

// Window is a half-open time interval [Start, End).
type Window struct{ Start, End time.Time }

// Sample is one observation of an asset: e.g. one inspection run in which the
// host was reachable (Up) or not.
type Sample struct {
	At time.Time
	Up bool
}

// Outage is one maximal run of Down time inside the period. Outages are
// clipped to the period: Ongoing means the asset was still down at the end
// of the period (e.g. an outage that crosses the month boundary, seen from
// the earlier month); FromBefore means it was already down when the period
// began (the same outage seen from the later month). Duration is End-Start.
type Outage struct {
	Start, End time.Time
	Duration   time.Duration
	Ongoing    bool
	FromBefore bool
}

// Availability is the result of Compute. Up + Down + Unknown +
// Maintenance is always the length of Period.
type Availability struct {
	Period                         Window
	Up, Down, Unknown, Maintenance time.Duration
	// Percent is Up / (Up + Down) * 100; 0 when Known is false.
	Percent float64
	// Known is false when there is no known, non-maintenance time at all:
	// such an asset has no availability figure, never 100 %.
	Known bool
	// Target is the required percentage (e.g. 99.975); MaxOutage the longest
	// allowed single outage (0 = no limit, see Options).
	Target    float64
	MaxOutage time.Duration
	// Met is Known && Percent >= Target && no outage reaches MaxOutage.
	Met bool
	// Longest is the duration of the longest outage (0 when none).
	Longest time.Duration
	Outages []Outage
}

// Options are the knobs of Compute.
type Options struct {
	// MaxGap is how long one sample's state is trusted; after that, time is
	// Unknown until the next sample. <= 0 means a sample holds until the next
	// one (or the end of the period).
	MaxGap time.Duration
	// Maintenance windows are declared planned downtime; they may overlap
	// each other and the period's edges.
	Maintenance []Window
	// Target percentage, e.g. 99.975 for SLA1 hosts.
	Target float64
	// MaxOutage, when > 0, is the SLA3 per-incident limit (2 h for core
	// systems, 10 h for non-core): an outage lasting MaxOutage or longer
	// means the target is not met ("unavailable < 2 h" is strict).
	MaxOutage time.Duration
}

// state of an elementary interval.
type availState int8

const (
	stUnknown availState = iota
	stUp
	stDown
	stMaint
)

// Compute computes the availability of one asset (or system) over period
// from its samples, and judges it against o.Target and o.MaxOutage.
//
// Semantics:
//   - a sample's state holds from its time until the next sample, but for at
//     most o.MaxGap; beyond that, and before the first sample (an asset added
//     mid-month), time is Unknown — never counted as up or down;
//   - samples before the period still count for the start of the period (up
//     to o.MaxGap); samples after it are ignored; order does not matter; at
//     equal times a Down sample wins over an Up one;
//   - time inside a maintenance window is Maintenance whatever the samples
//     say, and is excluded from the percentage;
//   - Percent = Up / (Up + Down) * 100 over known, non-maintenance time;
//   - Outages are maximal runs of Down time; Unknown time and maintenance
//     windows end a run (a gap in inspection is not proof of an outage), a
//     run crossing midnight is one outage, and runs are clipped to the period
//     (see Outage.Ongoing and Outage.FromBefore).
func Compute(samples []Sample, period Window, o Options) Availability {
	a := Availability{Period: period, Target: o.Target, MaxOutage: o.MaxOutage}
	if !period.End.After(period.Start) {
		return a
	}
	ss := make([]Sample, 0, len(samples))
	for _, s := range samples {
		if s.At.Before(period.End) {
			ss = append(ss, s)
		}
	}
	// By time; at equal times Up before Down, so the Down sample is the one
	// found last and wins.
	sort.SliceStable(ss, func(i, j int) bool {
		if !ss[i].At.Equal(ss[j].At) {
			return ss[i].At.Before(ss[j].At)
		}
		return ss[i].Up && !ss[j].Up
	})
	var mw []Window
	for _, w := range o.Maintenance {
		s, e := maxTime(w.Start, period.Start), minTime(w.End, period.End)
		if e.After(s) {
			mw = append(mw, Window{s, e})
		}
	}

	// Every instant where the state may change.
	bounds := []time.Time{period.Start, period.End}
	add := func(t time.Time) {
		if t.After(period.Start) && t.Before(period.End) {
			bounds = append(bounds, t)
		}
	}
	for _, s := range ss {
		add(s.At)
		if o.MaxGap > 0 {
			add(s.At.Add(o.MaxGap))
		}
	}
	for _, w := range mw {
		add(w.Start)
		add(w.End)
	}
	slices.SortFunc(bounds, time.Time.Compare)

	stateAt := func(t time.Time) availState {
		for _, w := range mw {
			if !t.Before(w.Start) && t.Before(w.End) {
				return stMaint
			}
		}
		// Last sample at or before t.
		i := sort.Search(len(ss), func(i int) bool { return ss[i].At.After(t) }) - 1
		if i < 0 {
			return stUnknown
		}
		if o.MaxGap > 0 && !t.Before(ss[i].At.Add(o.MaxGap)) {
			return stUnknown
		}
		if ss[i].Up {
			return stUp
		}
		return stDown
	}

	var cur *Outage
	closeRun := func() {
		if cur != nil {
			cur.Duration = cur.End.Sub(cur.Start)
			a.Outages = append(a.Outages, *cur)
			cur = nil
		}
	}
	for k := 0; k+1 < len(bounds); k++ {
		s, e := bounds[k], bounds[k+1]
		if !e.After(s) {
			continue
		}
		d := e.Sub(s)
		st := stateAt(s)
		switch st {
		case stMaint:
			a.Maintenance += d
		case stUp:
			a.Up += d
		case stDown:
			a.Down += d
		default:
			a.Unknown += d
		}
		if st != stDown {
			closeRun()
			continue
		}
		if cur == nil {
			cur = &Outage{Start: s}
			if s.Equal(period.Start) && downBefore(ss, period.Start, o.MaxGap) {
				cur.FromBefore = true
			}
		}
		cur.End = e
	}
	if cur != nil && cur.End.Equal(period.End) {
		cur.Ongoing = true
	}
	closeRun()

	for _, out := range a.Outages {
		if out.Duration > a.Longest {
			a.Longest = out.Duration
		}
	}
	if known := a.Up + a.Down; known > 0 {
		a.Known = true
		a.Percent = 100 * float64(a.Up) / float64(known)
		a.Met = a.Percent >= o.Target && (o.MaxOutage <= 0 || a.Longest < o.MaxOutage)
	}
	return a
}

// downBefore reports whether the asset was already known to be down just
// before t: the last sample strictly before t is Down and still valid at t.
// (The run at the very start of the period is only "from before" when the
// state at t came from an earlier sample, not from a sample taken at t.)
func downBefore(ss []Sample, t time.Time, maxGap time.Duration) bool {
	i := sort.Search(len(ss), func(i int) bool { return !ss[i].At.Before(t) }) - 1
	if i < 0 || ss[i].Up {
		return false
	}
	return maxGap <= 0 || t.Before(ss[i].At.Add(maxGap))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
