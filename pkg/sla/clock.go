package sla

import (
	"sort"
	"time"
)

// Clock is one SLA clock of a ticket (response, arrival, repair, or a
// security incident's report): it counts the Calendar's time from Start
// until Stop, except while paused, against Deadline. A Clock is data taken
// from stored event times; State computes everything else from it and the
// moment asked about, so a clock is exact whenever and however often it is
// read (no ticking counter to lose when a process dies).
type Clock struct {
	Start time.Time
	// Stop is when the clock stopped (the ticket was acknowledged, the
	// engineer arrived, the fault was fixed); zero while it runs.
	Stop time.Time
	// Pauses are the spans the clock did not run (waiting on the client);
	// a pause with a zero End lasts until now.
	Pauses   []Window
	Deadline time.Duration
	Calendar Calendar
}

// Levels are the percentages of a deadline at which a clock warns; 100 is
// the deadline itself: passing it is a breach.
var Levels = []int{50, 80, 100}

// Mark is a level a clock has reached and the instant it reached it. Level
// 100 is reached only once the deadline is passed (a clock stopped exactly
// at its deadline met it).
type Mark struct {
	Level int
	At    time.Time
}

// ClockState is a Clock seen at one moment.
type ClockState struct {
	// Elapsed is the counting time used up to Stop, or up to now.
	Elapsed time.Duration
	// Remaining is Deadline − Elapsed (negative once overdue).
	Remaining time.Duration
	// Percent is Elapsed as a share of Deadline.
	Percent float64
	// Due is when the deadline is (or was) reached if the clock runs on
	// from now without further pauses; zero while paused, or when the
	// calendar has no counting time within maxYears.
	Due     time.Time
	Stopped bool
	Paused  bool
	// Breached is Elapsed > Deadline: the deadline passed before the clock
	// stopped (or it is still running past it).
	Breached bool
	// Marks are the levels reached, in order.
	Marks []Mark
}

// Met reports whether the clock stopped within its deadline.
func (s ClockState) Met() bool { return s.Stopped && !s.Breached }

// State is the clock at now. Times after now are not known yet: a Stop or
// pause after now is treated as not having happened.
func (c Clock) State(now time.Time) ClockState {
	end := now
	st := ClockState{}
	if !c.Stop.IsZero() && !c.Stop.After(now) {
		end, st.Stopped = c.Stop, true
	}
	if end.Before(c.Start) {
		end = c.Start
	}
	ivs, pausedAtEnd := c.running(end)
	st.Paused = pausedAtEnd && !st.Stopped
	for _, iv := range ivs {
		st.Elapsed += c.Calendar.Work(iv.Start, iv.End)
	}
	st.Remaining = c.Deadline - st.Elapsed
	switch {
	case c.Deadline > 0:
		st.Percent = 100 * float64(st.Elapsed) / float64(c.Deadline)
	case st.Elapsed > 0:
		st.Percent = 100
	}
	st.Breached = st.Elapsed > c.Deadline
	// The projection: the clock as it was at end, running on unpaused.
	proj := ivs
	if !pausedAtEnd || st.Stopped {
		if n := len(proj); n > 0 && proj[n-1].End.Equal(end) {
			proj = append(proj[:n-1:n-1], Window{proj[n-1].Start, time.Time{}})
		} else {
			proj = append(proj[:n:n], Window{end, time.Time{}})
		}
	}
	if due, ok := reach(c.Calendar, proj, c.Deadline); ok {
		st.Due = due
	}
	for _, l := range Levels {
		want := time.Duration(int64(c.Deadline) * int64(l) / 100)
		if l == 100 {
			if !st.Breached {
				break
			}
		} else if st.Elapsed < want {
			break
		}
		at, ok := reach(c.Calendar, ivs, want)
		if !ok {
			break
		}
		st.Marks = append(st.Marks, Mark{Level: l, At: at})
	}
	return st
}

// running is the clock's running spans from Start to end (pauses cut
// out, in order), and whether a pause covers end.
func (c Clock) running(end time.Time) ([]Window, bool) {
	ps := append([]Window(nil), c.Pauses...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Start.Before(ps[j].Start) })
	var ivs []Window
	cur := c.Start
	paused := false
	for _, p := range ps {
		if p.Start.After(end) {
			break
		}
		if p.Start.After(cur) {
			ivs = append(ivs, Window{cur, p.Start})
		}
		if p.End.IsZero() || !p.End.Before(end) {
			cur, paused = end, true
			break
		}
		if p.End.After(cur) {
			cur = p.End
		}
	}
	if !paused && end.After(cur) {
		ivs = append(ivs, Window{cur, end})
	}
	return ivs, paused
}

// reach is the instant at which the clock running in ivs (in order; the
// last may have a zero End: no end) has counted d on cal. d <= 0 is
// reached at the first counting instant.
func reach(cal Calendar, ivs []Window, d time.Duration) (time.Time, bool) {
	var acc time.Duration
	var at time.Time
	found := false
	for _, iv := range ivs {
		cal.each(iv.Start, iv.End, func(s, e time.Time) bool {
			if d <= 0 {
				at, found = s, true
				return false
			}
			if n := e.Sub(s); acc+n >= d {
				at, found = s.Add(d-acc), true
				return false
			}
			acc += e.Sub(s)
			return true
		})
		if found {
			return at, true
		}
	}
	return time.Time{}, false
}
