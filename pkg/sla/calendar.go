package sla

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// An SLA clock does not always run: a deadline like "fixed within 8 working
// hours" counts only the hours of a working day, skips weekends and public
// holidays, and counts the weekends the State Council turns into working
// days (调休). A Calendar says which instants count; Holidays is the data
// behind it, updated by the site each year.

//go:embed holidays.yaml
var builtinHolidays []byte

// Holidays is the public-holiday data of a calendar: days off that would
// be working days, and adjusted working days (调休) that would be weekends,
// by year.
type Holidays struct {
	off   map[int]string // yyyymmdd -> holiday name
	work  map[int]string // yyyymmdd -> name of the adjusted working day
	years map[int]HolidayYear
}

// HolidayYear says where a year's data comes from.
type HolidayYear struct {
	Source string
	// Provisional marks data not yet confirmed by the State Council's
	// notice (statutory days only, no 调休).
	Provisional bool
}

type holidayFile struct {
	Years map[int]struct {
		Source      string `yaml:"source"`
		Provisional bool   `yaml:"provisional"`
		Off         []struct {
			From string `yaml:"from"`
			To   string `yaml:"to"`
			Name string `yaml:"name"`
		} `yaml:"off"`
		Work []struct {
			Date string `yaml:"date"`
			Name string `yaml:"name"`
		} `yaml:"work"`
	} `yaml:"years"`
}

// BuiltinHolidays is the data shipped in the binary (2026, and 2027 as
// provisional statutory days).
func BuiltinHolidays() *Holidays {
	h, err := ParseHolidays("holidays.yaml (built in)", builtinHolidays)
	if err != nil {
		panic("sla: " + err.Error())
	}
	return h
}

// LoadHolidays reads a site's holiday file and lays it over the built-in
// data: a year the file lists replaces the built-in year whole, so a
// published notice overrides provisional data.
func LoadHolidays(path string) (*Holidays, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	site, err := ParseHolidays(path, data)
	if err != nil {
		return nil, err
	}
	h := BuiltinHolidays()
	for y := range site.years {
		for k := range h.off {
			if k/10000 == y {
				delete(h.off, k)
			}
		}
		for k := range h.work {
			if k/10000 == y {
				delete(h.work, k)
			}
		}
		h.years[y] = site.years[y]
	}
	for k, v := range site.off {
		h.off[k] = v
	}
	for k, v := range site.work {
		h.work[k] = v
	}
	return h, nil
}

// ParseHolidays reads holiday data in the format of holidays.yaml; name is
// for messages. Unknown keys, bad dates, a date outside its year and a day
// both off and working are errors.
func ParseHolidays(name string, data []byte) (*Holidays, error) {
	var f holidayFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("holidays %s: %w", name, err)
	}
	h := &Holidays{off: map[int]string{}, work: map[int]string{}, years: map[int]HolidayYear{}}
	day := func(y int, s string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return t, fmt.Errorf("holidays %s: year %d: date %q: want YYYY-MM-DD", name, y, s)
		}
		if t.Year() != y {
			return t, fmt.Errorf("holidays %s: year %d: date %s is in another year", name, y, s)
		}
		return t, nil
	}
	for y, yr := range f.Years {
		h.years[y] = HolidayYear{Source: yr.Source, Provisional: yr.Provisional}
		for _, o := range yr.Off {
			from, err := day(y, o.From)
			if err != nil {
				return nil, err
			}
			to := from
			if o.To != "" {
				if to, err = day(y, o.To); err != nil {
					return nil, err
				}
			}
			if to.Before(from) {
				return nil, fmt.Errorf("holidays %s: %s: %s is before %s", name, o.Name, o.To, o.From)
			}
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				h.off[dayKey(d)] = o.Name
			}
		}
		for _, w := range yr.Work {
			d, err := day(y, w.Date)
			if err != nil {
				return nil, err
			}
			h.work[dayKey(d)] = w.Name
		}
	}
	for k := range h.work {
		if _, both := h.off[k]; both {
			return nil, fmt.Errorf("holidays %s: %d is both a holiday and an adjusted working day", name, k)
		}
	}
	return h, nil
}

// Years lists the years the data covers, in order, with their source.
func (h *Holidays) Years() []int {
	var ys []int
	for y := range h.years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// Year is the source of year y's data; ok is false for a year without data
// (where only weekends are days off).
func (h *Holidays) Year(y int) (HolidayYear, bool) {
	yr, ok := h.years[y]
	return yr, ok
}

func dayKey(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// DayKind is what a calendar day is for a working-hours clock.
type DayKind int

// Day kinds.
const (
	Workday  DayKind = iota // Monday to Friday, no holiday
	Weekend                 // Saturday or Sunday
	Holiday                 // a public holiday (放假)
	Adjusted                // a weekend turned working day (调休上班)
)

// Kind says what the day of t (in t's location) is, and the holiday's
// name for holidays and adjusted days.
func (h *Holidays) Kind(t time.Time) (DayKind, string) {
	k := dayKey(t)
	if h != nil {
		if n, ok := h.off[k]; ok {
			return Holiday, n
		}
		if n, ok := h.work[k]; ok {
			return Adjusted, n
		}
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return Weekend, ""
	}
	return Workday, ""
}

// Working reports whether the day of t is a working day.
func (h *Holidays) Working(t time.Time) bool {
	k, _ := h.Kind(t)
	return k == Workday || k == Adjusted
}

// Period is a span of a working day in minutes after midnight, [From, To).
type Period struct{ From, To int }

// DefaultHours is a working day of the health commission: 08:30–12:00 and
// 13:30–17:30, lunch break between.
const DefaultHours = "08:30-12:00,13:30-17:30"

// ParseHours reads working hours like "08:30-12:00,13:30-17:30": periods
// in order, not overlapping, within one day ("24:00" ends a day).
func ParseHours(s string) ([]Period, error) {
	var ps []Period
	last := -1
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		a, b, ok := strings.Cut(part, "-")
		from, err1 := parseHM(a)
		to, err2 := parseHM(b)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("working hours %q: %q is not HH:MM-HH:MM", s, part)
		}
		if to <= from {
			return nil, fmt.Errorf("working hours %q: %s ends before it starts", s, part)
		}
		if from < last {
			return nil, fmt.Errorf("working hours %q: periods overlap or are out of order", s)
		}
		last = to
		ps = append(ps, Period{from, to})
	}
	return ps, nil
}

func parseHM(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, errors.New("bad time")
	}
	return hh*60 + mm, nil
}

// Calendar names.
const (
	Always  = "24x7"    // every instant counts
	Working = "working" // working hours of working days
)

// Calendar says which instants an SLA clock counts. The zero value (and
// Name "24x7") counts every instant.
type Calendar struct {
	Name     string
	Hours    []Period  // working hours (Name "working")
	Holidays *Holidays // public holidays and 调休; nil: weekends only
	Loc      *time.Location
}

// NewCalendar makes the calendar called name ("24x7" or "working") with
// working hours hours ("" for DefaultHours) in loc.
func NewCalendar(name, hours string, h *Holidays, loc *time.Location) (Calendar, error) {
	if loc == nil {
		loc = time.Local
	}
	switch name {
	case "", Always, "7x24":
		return Calendar{Name: Always, Loc: loc}, nil
	case Working, "5x8":
		if hours == "" {
			hours = DefaultHours
		}
		ps, err := ParseHours(hours)
		if err != nil {
			return Calendar{}, err
		}
		return Calendar{Name: Working, Hours: ps, Holidays: h, Loc: loc}, nil
	}
	return Calendar{}, fmt.Errorf("calendar %q: want %s or %s", name, Always, Working)
}

// always reports whether every instant counts.
func (c Calendar) always() bool { return c.Name != Working }

// Counts reports whether instant t counts (the minute-by-minute view of
// the calendar; the reference the interval maths is tested against).
func (c Calendar) Counts(t time.Time) bool {
	if c.always() {
		return true
	}
	t = t.In(c.Loc)
	if !c.Holidays.Working(t) {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, p := range c.Hours {
		if m >= p.From && m < p.To {
			return true
		}
	}
	return false
}

// each calls fn with the counting spans of the calendar that overlap
// [from, to), clipped to it, in order, until fn returns false. A zero to
// means no end (the spans go on for at most maxYears).
func (c Calendar) each(from, to time.Time, fn func(s, e time.Time) bool) {
	if c.always() {
		if to.IsZero() {
			to = from.AddDate(maxYears, 0, 0)
		}
		if to.After(from) {
			fn(from, to)
		}
		return
	}
	limit := to
	if limit.IsZero() {
		limit = from.AddDate(maxYears, 0, 0)
	}
	f := from.In(c.Loc)
	for d := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, c.Loc); d.Before(limit); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, c.Loc) {
		if !c.Holidays.Working(d) {
			continue
		}
		for _, p := range c.Hours {
			s := time.Date(d.Year(), d.Month(), d.Day(), 0, p.From, 0, 0, c.Loc)
			e := time.Date(d.Year(), d.Month(), d.Day(), 0, p.To, 0, 0, c.Loc)
			if s.Before(from) {
				s = from
			}
			if e.After(limit) {
				e = limit
			}
			if e.After(s) && !fn(s, e) {
				return
			}
		}
	}
}

// maxYears bounds the search for a deadline on a calendar: a clock whose
// deadline is not reached in that time (a calendar with no working time)
// has no due time.
const maxYears = 3

// Work is the counting time of the calendar in [from, to).
func (c Calendar) Work(from, to time.Time) time.Duration {
	var d time.Duration
	if !to.After(from) {
		return 0
	}
	c.each(from, to, func(s, e time.Time) bool { d += e.Sub(s); return true })
	return d
}
