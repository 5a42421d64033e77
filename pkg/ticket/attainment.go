package ticket

import (
	"sort"
	"time"
)

// Tally counts one clock over a set of tickets. A clock is decided once it
// stopped or breached (a breach is final even while the ticket is still
// open); Running ones are not decided yet and count neither way.
type Tally struct {
	Met      int `json:"met"`
	Breached int `json:"breached"`
	Running  int `json:"running"`
	// Percent is Met / (Met + Breached) × 100; nil when nothing is decided.
	Percent *float64 `json:"percent"`
}

func (t *Tally) add(c Clock) {
	switch {
	case c.Breach():
		t.Breached++
	case c.Stopped:
		t.Met++
	default:
		t.Running++
	}
	if n := t.Met + t.Breached; n > 0 {
		p := 100 * float64(t.Met) / float64(n)
		t.Percent = &p
	}
}

// AttainmentRow is SLA attainment of one system and class (or of all, in
// Attainment.Total).
type AttainmentRow struct {
	System  string               `json:"system"`
	Class   Class                `json:"class"`
	Tickets int                  `json:"tickets"`
	Clocks  map[ClockName]*Tally `json:"clocks"`
}

// Attainment is SLA attainment over the tickets opened in a month.
type Attainment struct {
	Month string          `json:"month"`
	Since time.Time       `json:"since"`
	Until time.Time       `json:"until"`
	Rows  []AttainmentRow `json:"rows"`
	Total AttainmentRow   `json:"total"`
}

// ComputeAttainment tallies the clocks of ts (the tickets opened in
// [since, until)) per system and class, rows ordered by system then class
// severity.
func ComputeAttainment(ts []*Ticket, since, until time.Time) Attainment {
	a := Attainment{Month: since.Format("2006-01"), Since: since, Until: until, Total: AttainmentRow{Clocks: map[ClockName]*Tally{}}}
	type key struct {
		sys   string
		class Class
	}
	rows := map[key]*AttainmentRow{}
	for _, t := range ts {
		if t.OpenedAt.Before(since) || !t.OpenedAt.Before(until) {
			continue
		}
		k := key{t.System, t.Class}
		r := rows[k]
		if r == nil {
			r = &AttainmentRow{System: t.System, Class: t.Class, Clocks: map[ClockName]*Tally{}}
			rows[k] = r
		}
		r.Tickets++
		a.Total.Tickets++
		for _, c := range t.Clocks {
			for _, m := range []map[ClockName]*Tally{r.Clocks, a.Total.Clocks} {
				if m[c.Name] == nil {
					m[c.Name] = &Tally{}
				}
				m[c.Name].add(c)
			}
		}
	}
	for _, r := range rows {
		a.Rows = append(a.Rows, *r)
	}
	rank := map[Class]int{}
	for i, c := range Classes {
		rank[c] = i
	}
	sort.Slice(a.Rows, func(i, j int) bool {
		if a.Rows[i].System != a.Rows[j].System {
			return a.Rows[i].System < a.Rows[j].System
		}
		return rank[a.Rows[i].Class] < rank[a.Rows[j].Class]
	})
	return a
}
