package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func workingCal(t *testing.T) Calendar {
	t.Helper()
	c, err := NewCalendar(Working, "", BuiltinHolidays(), cst)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHolidays2026(t *testing.T) {
	h := BuiltinHolidays()
	for _, tc := range []struct {
		day  string
		kind DayKind
		work bool
	}{
		{"2026-01-01 10:00", Holiday, false}, // 元旦, a Thursday
		{"2026-01-04 10:00", Adjusted, true}, // 元旦调休, a Sunday
		{"2026-02-14 10:00", Adjusted, true}, // 春节调休, a Saturday
		{"2026-02-15 10:00", Holiday, false}, // 春节 starts on a Sunday
		{"2026-02-17 10:00", Holiday, false}, // 正月初一, a Tuesday
		{"2026-02-23 10:00", Holiday, false}, // 正月初七, a Monday
		{"2026-02-24 10:00", Workday, true},  // back to work
		{"2026-02-28 10:00", Adjusted, true}, // 春节调休, a Saturday
		{"2026-03-01 10:00", Weekend, false}, // an ordinary Sunday
		{"2026-05-05 10:00", Holiday, false}, // 劳动节, a Tuesday
		{"2026-05-09 10:00", Adjusted, true}, // 劳动节调休, a Saturday
		{"2026-09-20 10:00", Adjusted, true}, // 国庆调休, a Sunday
		{"2026-10-07 10:00", Holiday, false}, // 国庆, a Wednesday
		{"2026-10-10 10:00", Adjusted, true}, // 国庆调休, a Saturday
		{"2026-11-16 10:00", Workday, true},  // a Monday
		{"2027-02-08 10:00", Holiday, false}, // provisional 2027 春节
		{"2028-01-03 10:00", Workday, true},  // a year without data: weekdays work
		{"2028-01-01 10:00", Weekend, false}, // and weekends do not
	} {
		d := at(t, tc.day)
		k, _ := h.Kind(d)
		if k != tc.kind || h.Working(d) != tc.work {
			t.Errorf("%s: kind %v working %v, want %v %v", tc.day, k, h.Working(d), tc.kind, tc.work)
		}
	}
	if y, ok := h.Year(2027); !ok || !y.Provisional {
		t.Errorf("2027 should be provisional: %+v %v", y, ok)
	}
	if y, ok := h.Year(2026); !ok || y.Provisional {
		t.Errorf("2026 should be confirmed: %+v %v", y, ok)
	}
}

func TestParseHolidaysErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"years:\n  2026:\n    off:\n      - {from: 2026-13-01, name: x}\n", `holidays t: year 2026: date "2026-13-01": want YYYY-MM-DD`},
		{"years:\n  2026:\n    off:\n      - {from: 2027-01-01, name: x}\n", `holidays t: year 2026: date 2027-01-01 is in another year`},
		{"years:\n  2026:\n    off:\n      - {from: 2026-01-01, name: x}\n    work:\n      - {date: 2026-01-01}\n", `holidays t: 20260101 is both a holiday and an adjusted working day`},
		{"years:\n  2026:\n    of: []\n", "holidays t: yaml: unmarshal errors:\n  line 3: field of not found in type struct { Source string \"yaml:\\\"source\\\"\"; Provisional bool \"yaml:\\\"provisional\\\"\"; Off []struct { From string \"yaml:\\\"from\\\"\"; To string \"yaml:\\\"to\\\"\"; Name string \"yaml:\\\"name\\\"\" } \"yaml:\\\"off\\\"\"; Work []struct { Date string \"yaml:\\\"date\\\"\"; Name string \"yaml:\\\"name\\\"\" } \"yaml:\\\"work\\\"\" }"},
	} {
		_, err := ParseHolidays("t", []byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseHolidays(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseHours(t *testing.T) {
	if ps, err := ParseHours(DefaultHours); err != nil || len(ps) != 2 || ps[0] != (Period{510, 720}) || ps[1] != (Period{810, 1050}) {
		t.Errorf("ParseHours(default) = %v, %v", ps, err)
	}
	for _, bad := range []string{"8-12", "12:00-08:00", "08:00-12:00,11:00-13:00", "08:00-25:00", ""} {
		if _, err := ParseHours(bad); err == nil {
			t.Errorf("ParseHours(%q): no error", bad)
		}
	}
}

func TestWorkingClockExamples(t *testing.T) {
	cal := workingCal(t)
	for _, tc := range []struct {
		name     string
		start    string
		deadline time.Duration
		pauses   [][2]string
		due      string
	}{
		{"within the morning", "2026-11-16 09:00", 2 * time.Hour, nil, "2026-11-16 11:00"},
		{"across lunch", "2026-11-16 11:00", 2 * time.Hour, nil, "2026-11-16 14:30"},
		{"opened at night", "2026-11-16 22:00", time.Hour, nil, "2026-11-17 09:30"},
		{"Friday afternoon to Monday", "2026-11-20 17:00", 4 * time.Hour, nil, "2026-11-23 12:00"},
		{"Friday before Spring Festival to the 调休 Saturday", "2026-02-13 17:00", time.Hour, nil, "2026-02-14 09:00"},
		{"over Spring Festival", "2026-02-14 17:00", time.Hour, nil, "2026-02-24 09:00"},
		{"month boundary", "2026-11-30 17:00", 8 * time.Hour, nil, "2026-12-01 17:30"},
		{"year boundary", "2026-12-31 17:00", time.Hour, nil, "2027-01-04 09:00"},
		{"paused an afternoon", "2026-11-16 09:00", 4 * time.Hour, [][2]string{{"2026-11-16 10:00", "2026-11-16 17:30"}}, "2026-11-17 11:30"},
	} {
		c := Clock{Start: at(t, tc.start), Deadline: tc.deadline, Calendar: cal}
		for _, p := range tc.pauses {
			c.Pauses = append(c.Pauses, Window{at(t, p[0]), at(t, p[1])})
		}
		st := c.State(c.Start.Add(9 * time.Hour)) // pauses after now are not known yet
		if !st.Due.Equal(at(t, tc.due)) {
			t.Errorf("%s: due %s, want %s", tc.name, st.Due.In(cst).Format("2006-01-02 15:04"), tc.due)
		}
	}
}

func TestClockMarksAndBreach(t *testing.T) {
	c := Clock{Start: at(t, "2026-11-16 09:00"), Deadline: time.Hour, Calendar: Calendar{}}
	st := c.State(at(t, "2026-11-16 09:50"))
	if st.Breached || st.Stopped || len(st.Marks) != 2 || !st.Marks[1].At.Equal(at(t, "2026-11-16 09:48")) {
		t.Errorf("at 09:50: %+v", st)
	}
	st = c.State(at(t, "2026-11-16 10:30"))
	if !st.Breached || len(st.Marks) != 3 || !st.Marks[2].At.Equal(at(t, "2026-11-16 10:00")) || st.Remaining != -30*time.Minute {
		t.Errorf("at 10:30: %+v", st)
	}
	// Stopped exactly at the deadline: met, no breach mark.
	c.Stop = at(t, "2026-11-16 10:00")
	st = c.State(at(t, "2026-11-17 10:00"))
	if !st.Met() || len(st.Marks) != 2 {
		t.Errorf("stopped at the deadline: %+v", st)
	}
	// A stop after now is not known yet.
	st = c.State(at(t, "2026-11-16 09:10"))
	if st.Stopped || st.Elapsed != 10*time.Minute {
		t.Errorf("before the stop: %+v", st)
	}
	// Paused now: no due time.
	c = Clock{Start: at(t, "2026-11-16 09:00"), Deadline: time.Hour, Pauses: []Window{{at(t, "2026-11-16 09:20"), time.Time{}}}}
	st = c.State(at(t, "2026-11-16 12:00"))
	if !st.Paused || !st.Due.IsZero() || st.Elapsed != 20*time.Minute {
		t.Errorf("paused: %+v", st)
	}
}

// refClock is the minute-by-minute reference: it walks the clock one minute
// at a time, asking the calendar about each minute, with nothing shared
// with the interval maths but Calendar.Counts.
type refResult struct {
	elapsed time.Duration
	marks   []Mark
	due     time.Time
	paused  bool
}

func refClock(c Clock, now time.Time) refResult {
	end := now
	stopped := false
	if !c.Stop.IsZero() && !c.Stop.After(now) {
		end, stopped = c.Stop, true
	}
	pausedAt := func(t time.Time) bool {
		for _, p := range c.Pauses {
			if !t.Before(p.Start) && (p.End.IsZero() || t.Before(p.End)) {
				return true
			}
		}
		return false
	}
	var r refResult
	r.paused = !stopped && pausedAt(end)
	dl := int(c.Deadline / time.Minute)
	count := 0
	limit := c.Start.AddDate(maxYears, 0, 0)
	for t := c.Start; t.Before(limit); t = t.Add(time.Minute) {
		inPast := t.Before(end)
		if !inPast && (r.paused || !r.due.IsZero()) {
			break
		}
		// Beyond end (the projection) the clock runs on unpaused.
		if (inPast && pausedAt(t)) || !c.Calendar.Counts(t) {
			continue
		}
		if dl == 0 && r.due.IsZero() {
			r.due = t
		}
		count++
		if count == dl {
			r.due = t.Add(time.Minute)
		}
		if !inPast {
			continue
		}
		r.elapsed += time.Minute
		for _, l := range Levels[:2] {
			// The level is D*l/100 minutes; it falls in this minute when
			// count-1 < D*l/100 <= count, at its fraction of the minute.
			want := dl * l
			if (count-1)*100 < want && want <= count*100 || want == 0 && count == 1 {
				frac := want - (count-1)*100
				if want == 0 {
					frac = 0
				}
				r.marks = append(r.marks, Mark{l, t.Add(time.Duration(frac) * time.Minute / 100)})
			}
		}
		if count == dl+1 {
			r.marks = append(r.marks, Mark{100, r.due})
		}
	}
	return r
}

func TestClockMatchesMinuteReference(t *testing.T) {
	cal := workingCal(t)
	calLunch, _ := NewCalendar(Working, "09:00-12:00,13:00-18:00", BuiltinHolidays(), cst)
	cals := []Calendar{{Name: Always, Loc: cst}, cal, calLunch}
	rng := rand.New(rand.NewPCG(14, 2026))
	// Start months chosen to cross 元旦, Spring Festival and its 调休
	// Saturdays, 劳动节, National Day, month and year ends.
	starts := []time.Time{
		time.Date(2025, 12, 28, 0, 0, 0, 0, cst), time.Date(2026, 2, 10, 0, 0, 0, 0, cst),
		time.Date(2026, 4, 28, 0, 0, 0, 0, cst), time.Date(2026, 9, 15, 0, 0, 0, 0, cst),
		time.Date(2026, 11, 25, 0, 0, 0, 0, cst), time.Date(2026, 12, 27, 0, 0, 0, 0, cst),
	}
	n := 600
	if testing.Short() {
		n = 100
	}
	for i := range n {
		c := Clock{Calendar: cals[rng.IntN(len(cals))]}
		c.Start = starts[rng.IntN(len(starts))].Add(time.Duration(rng.IntN(20*24*60)) * time.Minute)
		c.Deadline = []time.Duration{0, 15 * time.Minute, 20 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 24 * time.Hour, 48 * time.Hour}[rng.IntN(10)]
		if rng.IntN(3) == 0 {
			c.Deadline = time.Duration(1+rng.IntN(3000)) * time.Minute
		}
		cur := c.Start
		for range rng.IntN(4) {
			s := cur.Add(time.Duration(rng.IntN(3*24*60)) * time.Minute)
			p := Window{Start: s}
			if rng.IntN(5) > 0 {
				p.End = s.Add(time.Duration(1+rng.IntN(2*24*60)) * time.Minute)
				cur = p.End
			} else {
				c.Pauses = append(c.Pauses, p)
				break
			}
			c.Pauses = append(c.Pauses, p)
		}
		now := c.Start.Add(time.Duration(rng.IntN(10*24*60)) * time.Minute)
		if rng.IntN(2) == 0 {
			c.Stop = c.Start.Add(time.Duration(rng.IntN(8*24*60)) * time.Minute)
		}
		got := c.State(now)
		want := refClock(c, now)
		if got.Elapsed != want.elapsed || got.Paused != want.paused || !got.Due.Equal(want.due) || !sameMarks(got.Marks, want.marks) {
			t.Fatalf("ticket %d: %s calendar, start %s, stop %s, deadline %v, pauses %v, now %s:\n got elapsed %v paused %v due %s marks %v\nwant elapsed %v paused %v due %s marks %v",
				i, c.Calendar.Name, fm(c.Start), fm(c.Stop), c.Deadline, c.Pauses, fm(now),
				got.Elapsed, got.Paused, fm(got.Due), got.Marks, want.elapsed, want.paused, fm(want.due), want.marks)
		}
		if got.Breached != (want.elapsed > c.Deadline) {
			t.Fatalf("ticket %d: breached %v with elapsed %v of %v", i, got.Breached, want.elapsed, c.Deadline)
		}
	}
}

func sameMarks(a, b []Mark) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Level != b[i].Level || !a[i].At.Equal(b[i].At) {
			return false
		}
	}
	return true
}

func fm(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(cst).Format("2006-01-02 15:04:05 Mon")
}
