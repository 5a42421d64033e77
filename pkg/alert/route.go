package alert

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// route is a checked alerts.routes entry.
type route struct {
	name               string
	systems, zones     []string
	kinds              []string
	minSeverity        result.Status // OK: any
	days               [7]bool       // by time.Weekday; all false: any day
	hours              *hourRange
	channels           []string
	duty, stop, anyDay bool
}

// hourRange is [from, to) in minutes after midnight; to <= from wraps.
type hourRange struct{ from, to int }

func (h *hourRange) contains(t time.Time) bool {
	if h == nil {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	if h.from < h.to {
		return m >= h.from && m < h.to
	}
	return m >= h.from || m < h.to
}

type keyErr struct {
	key string
	err error
}

func newRoute(r config.AlertRoute) (route, *keyErr) {
	rt := route{name: r.Name, systems: r.Systems, zones: r.Zones, kinds: r.Kinds, channels: r.Channels, duty: r.Duty, stop: r.Stop}
	if r.Severity != "" {
		st, err := result.ParseStatus(r.Severity)
		if err != nil || (st != result.Warn && st != result.Crit && st != result.Unreachable) {
			return rt, &keyErr{"severity", fmt.Errorf("want warn, crit or unreachable, not %q", r.Severity)}
		}
		rt.minSeverity = st
	}
	var err error
	if rt.days, rt.anyDay, err = parseDays(r.Days); err != nil {
		return rt, &keyErr{"days", err}
	}
	if rt.hours, err = parseHours(r.Hours); err != nil {
		return rt, &keyErr{"hours", err}
	}
	return rt, nil
}

func (r *route) matches(a *store.Alert, t time.Time) bool {
	if len(r.systems) > 0 && !contains(r.systems, a.System) {
		return false
	}
	if len(r.zones) > 0 && !contains(r.zones, a.Zone) {
		return false
	}
	if len(r.kinds) > 0 && !contains(r.kinds, a.Kind) {
		return false
	}
	if r.minSeverity != result.OK && a.Severity < r.minSeverity {
		return false
	}
	if !r.anyDay && !r.days[t.Weekday()] {
		return false
	}
	return r.hours.contains(t)
}

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// parseDays reads ["mon-fri", "sun"]; no days means any day.
func parseDays(list []string) (days [7]bool, any bool, err error) {
	if len(list) == 0 {
		return days, true, nil
	}
	day := func(s string) (time.Weekday, error) {
		s = strings.ToLower(strings.TrimSpace(s))
		if len(s) > 3 {
			s = s[:3]
		}
		d, ok := dayNames[s]
		if !ok {
			return 0, fmt.Errorf("unknown day %q (want mon, tue, wed, thu, fri, sat, sun or a range mon-fri)", s)
		}
		return d, nil
	}
	for _, item := range list {
		a, b, isRange := strings.Cut(item, "-")
		from, err := day(a)
		if err != nil {
			return days, false, err
		}
		to := from
		if isRange {
			if to, err = day(b); err != nil {
				return days, false, err
			}
		}
		for d := from; ; d = (d + 1) % 7 {
			days[d] = true
			if d == to {
				break
			}
		}
	}
	return days, false, nil
}

// parseHours reads "08:00-18:00" (local time); "" is any time.
func parseHours(s string) (*hourRange, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	a, b, ok := strings.Cut(s, "-")
	bad := fmt.Errorf("want a local time range such as 08:00-18:00, not %q", s)
	if !ok {
		return nil, bad
	}
	minutes := func(v string) (int, bool) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			if strings.TrimSpace(v) == "24:00" {
				return 24 * 60, true
			}
			return 0, false
		}
		return t.Hour()*60 + t.Minute(), true
	}
	from, ok1 := minutes(a)
	to, ok2 := minutes(b)
	if !ok1 || !ok2 || from == to {
		return nil, bad
	}
	return &hourRange{from % (24 * 60), to % (24 * 60)}, nil
}

// shift is a checked roster entry.
type shift struct {
	people   []string
	days     [7]bool
	anyDay   bool
	hours    *hourRange
	from, to time.Time // zero: unbounded; to exclusive
}

func newShift(s config.Shift) (shift, *keyErr) {
	sh := shift{people: s.People}
	var err error
	if sh.days, sh.anyDay, err = parseDays(s.Days); err != nil {
		return sh, &keyErr{"days", err}
	}
	if sh.hours, err = parseHours(s.Hours); err != nil {
		return sh, &keyErr{"hours", err}
	}
	if s.From != "" {
		if sh.from, err = parseWhen(s.From, false); err != nil {
			return sh, &keyErr{"from", err}
		}
	}
	if s.To != "" {
		if sh.to, err = parseWhen(s.To, true); err != nil {
			return sh, &keyErr{"to", err}
		}
	}
	return sh, nil
}

func (s *shift) onDuty(t time.Time) bool {
	if !s.from.IsZero() && t.Before(s.from) || !s.to.IsZero() && !t.Before(s.to) {
		return false
	}
	if !s.anyDay && !s.days[t.Weekday()] {
		return false
	}
	return s.hours.contains(t)
}

// OnDuty returns who is on duty at t: the people of the first shift that
// covers t, in roster order.
func (p *Policy) OnDuty(t time.Time) []config.Person {
	for _, s := range p.roster {
		if s.onDuty(t) {
			var out []config.Person
			for _, id := range s.people {
				out = append(out, p.people[id])
			}
			return out
		}
	}
	return nil
}

// delivery is one channel an alert's notification goes to, and whether
// the duty roster is added to it.
type delivery struct {
	channel string
	duty    bool
}

// Route returns the channels a notification about a at t goes to, sorted
// by name: those of every matching route up to the first matching one
// with stop, or every channel when no routes are configured.
func (p *Policy) route(a *store.Alert, t time.Time) []delivery {
	seen := map[string]int{}
	var out []delivery
	add := func(ch string, duty bool) {
		if i, ok := seen[ch]; ok {
			out[i].duty = out[i].duty || duty
			return
		}
		seen[ch] = len(out)
		out = append(out, delivery{ch, duty})
	}
	if len(p.routes) == 0 {
		for _, ch := range sortedKeys(p.channels) {
			add(ch, false)
		}
		return out
	}
	for i := range p.routes {
		r := &p.routes[i]
		if !r.matches(a, t) {
			continue
		}
		for _, ch := range r.channels {
			add(ch, r.duty)
		}
		if r.stop {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].channel < out[j].channel })
	return out
}

// Channels names the channels, sorted.
func (p *Policy) Channels() []string { return sortedKeys(p.channels) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortChecks orders damping overrides: exact names first, then patterns
// by length (longest first), then by name.
func sortChecks(cs []checkDamping) {
	isPattern := func(s string) bool { return strings.ContainsAny(s, "*?") }
	sort.Slice(cs, func(i, j int) bool {
		pi, pj := isPattern(cs[i].pattern), isPattern(cs[j].pattern)
		if pi != pj {
			return !pi
		}
		if len(cs[i].pattern) != len(cs[j].pattern) {
			return len(cs[i].pattern) > len(cs[j].pattern)
		}
		return cs[i].pattern < cs[j].pattern
	})
}
