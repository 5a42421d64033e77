package ticket

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/sla"
)

// Deadline is a class's respond, arrive and fix deadline.
type Deadline struct{ Respond, Arrive, Fix string }

// DefaultDeadlines apply when neither the system's sla: nor the config
// gives a deadline: respond and fix of the local data centre (DC3), arrive
// (on site or logged in) of the appliance (AP2).
var DefaultDeadlines = map[Class]Deadline{
	Urgent:  {Respond: "15m", Arrive: "20m", Fix: "2h"},
	Serious: {Respond: "2h", Arrive: "30m", Fix: "4h"},
	General: {Respond: "4h", Arrive: "30m", Fix: "24h"},
}

// Operator classes of the 2025 incident-reporting measures and their
// default reporting deadlines: critical information infrastructure 1 h,
// central and state organs 2 h, every other operator 4 h.
const (
	OperatorCII     = "cii"
	OperatorCentral = "central"
	OperatorOther   = "other"
)

// DefaultReport is the reporting deadline by operator class.
var DefaultReport = map[string]string{OperatorCII: "1h", OperatorCentral: "2h", OperatorOther: "4h"}

// Incident levels (网络安全事件分级): only 较大 and above must be reported.
var Levels = []string{"minor", "significant", "major", "critical"}

// DefaultFromAlerts: an unreachable asset opens an urgent ticket, a CRIT a
// serious one; WARN opens none.
var DefaultFromAlerts = map[result.Status]Class{result.Unreachable: Urgent, result.Crit: Serious}

// Policy turns a new ticket's class and system into its Terms.
type Policy struct {
	Inventory *inventory.Inventory // optional: systems' sla:
	Holidays  *sla.Holidays
	Loc       *time.Location
	Hours     string
	Calendars map[ClockName]string
	Systems   map[string]map[ClockName]string
	Deadlines map[Class]Deadline
	// FromAlerts is the class an alert of each status opens.
	FromAlerts    map[result.Status]Class
	OperatorClass string
	Report        map[string]string
}

// NewPolicy checks the config's tickets: section and builds the policy.
// inv may be nil.
func NewPolicy(c config.Tickets, inv *inventory.Inventory, loc *time.Location) (*Policy, error) {
	if loc == nil {
		loc = time.Local
	}
	p := &Policy{Inventory: inv, Loc: loc, Hours: c.Hours, Calendars: map[ClockName]string{}, Systems: map[string]map[ClockName]string{},
		Deadlines: map[Class]Deadline{}, FromAlerts: map[result.Status]Class{}, OperatorClass: c.Security.OperatorClass,
		Report: map[string]string{}}
	var err error
	if c.Holidays != "" {
		if p.Holidays, err = sla.LoadHolidays(c.Holidays); err != nil {
			return nil, fmt.Errorf("config tickets.holidays: %w", err)
		}
	} else {
		p.Holidays = sla.BuiltinHolidays()
	}
	if p.Hours != "" {
		if _, err := sla.ParseHours(p.Hours); err != nil {
			return nil, fmt.Errorf("config tickets.hours: %w", err)
		}
	}
	calendars := func(where string, m map[string]string) (map[ClockName]string, error) {
		out := map[ClockName]string{}
		for k, v := range m {
			if !validClock(ClockName(k)) {
				return nil, fmt.Errorf("config %s: unknown clock %q (want %s)", where, k, clockList())
			}
			if _, err := sla.NewCalendar(v, p.Hours, nil, loc); err != nil {
				return nil, fmt.Errorf("config %s.%s: %w", where, k, err)
			}
			out[ClockName(k)] = v
		}
		return out, nil
	}
	if p.Calendars, err = calendars("tickets.calendars", c.Calendars); err != nil {
		return nil, err
	}
	for sys, m := range c.Systems {
		if inv != nil && inv.System(sys) == nil {
			return nil, fmt.Errorf("config tickets.systems: no system %q in the inventory", sys)
		}
		if p.Systems[sys], err = calendars("tickets.systems."+sys, m); err != nil {
			return nil, err
		}
	}
	for cl, d := range DefaultDeadlines {
		p.Deadlines[cl] = d
	}
	for k, d := range c.Deadlines {
		cl, ok := ParseClass(k)
		if !ok || cl == Security {
			return nil, fmt.Errorf("config tickets.deadlines: unknown class %q (want urgent, serious or general)", k)
		}
		cur := p.Deadlines[cl]
		for _, f := range []struct {
			name string
			v    string
			dst  *string
		}{{"respond", d.Respond, &cur.Respond}, {"arrive", d.Arrive, &cur.Arrive}, {"fix", d.Fix, &cur.Fix}} {
			if f.v == "" {
				continue
			}
			if _, err := parseDeadline(f.v); err != nil {
				return nil, fmt.Errorf("config tickets.deadlines.%s.%s: %w", k, f.name, err)
			}
			*f.dst = f.v
		}
		p.Deadlines[cl] = cur
	}
	if len(c.FromAlerts) == 0 {
		for s, cl := range DefaultFromAlerts {
			p.FromAlerts[s] = cl
		}
	}
	for k, v := range c.FromAlerts {
		s, err := result.ParseStatus(k)
		if err != nil || s == result.OK {
			return nil, fmt.Errorf("config tickets.from_alerts: unknown status %q (want warn, crit, unknown or unreachable)", k)
		}
		if v == "" || v == "none" {
			continue
		}
		cl, ok := ParseClass(v)
		if !ok {
			return nil, fmt.Errorf("config tickets.from_alerts.%s: unknown class %q", k, v)
		}
		p.FromAlerts[s] = cl
	}
	for k, v := range DefaultReport {
		p.Report[k] = v
	}
	for k, v := range c.Security.Report {
		if _, err := parseDeadline(v); err != nil {
			return nil, fmt.Errorf("config tickets.security.report.%s: %w", k, err)
		}
		p.Report[k] = v
	}
	if p.OperatorClass == "" {
		p.OperatorClass = OperatorOther
	}
	if _, ok := p.Report[p.OperatorClass]; !ok {
		return nil, fmt.Errorf("config tickets.security.operator_class: %q has no reporting deadline (known: %s)", p.OperatorClass, strings.Join(sortedKeys(p.Report), ", "))
	}
	return p, nil
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func validClock(n ClockName) bool {
	for _, c := range ClockNames {
		if c == n {
			return true
		}
	}
	return false
}

func clockList() string {
	var s []string
	for _, c := range ClockNames {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

func parseDeadline(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 15m or 2h", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// Terms are the deadlines and calendars of a new ticket of class on
// system: the system's sla: first, then the config's tickets.deadlines,
// then the defaults. A security incident runs the urgent deadlines and the
// reporting clock of operatorClass ("" for the site's); level "minor"
// (一般) needs no report.
func (p *Policy) Terms(class Class, system, operatorClass, level string) (Terms, error) {
	t := Terms{Deadlines: map[ClockName]string{}, Calendars: map[ClockName]string{}, Hours: p.Hours}
	base := class
	if class == Security {
		base = Urgent
	}
	d := p.Deadlines[base]
	if p.Inventory != nil && system != "" {
		sys := p.Inventory.System(system)
		if sys == nil {
			return t, fmt.Errorf("no system %q in the inventory", system)
		}
		t.Criticality, t.MaxOutage = sys.Criticality, sys.SLA.MaxOutage
		var sd inventory.Deadline
		switch base {
		case Urgent:
			sd = sys.SLA.Urgent
		case Serious:
			sd = sys.SLA.Serious
		case General:
			sd = sys.SLA.General
		}
		for _, f := range []struct {
			name string
			v    string
			dst  *string
		}{{"respond", sd.Respond, &d.Respond}, {"arrive", sd.Arrive, &d.Arrive}, {"fix", sd.Fix, &d.Fix}} {
			if f.v == "" {
				continue
			}
			if _, err := parseDeadline(f.v); err != nil {
				return t, fmt.Errorf("inventory system %s: sla.%s.%s: %w", system, base, f.name, err)
			}
			*f.dst = f.v
		}
	}
	t.Deadlines[Response], t.Deadlines[Arrival], t.Deadlines[Repair] = d.Respond, d.Arrive, d.Fix
	if class == Security {
		if operatorClass == "" {
			operatorClass = p.OperatorClass
		}
		r, ok := p.Report[operatorClass]
		if !ok {
			return t, fmt.Errorf("operator class %q has no reporting deadline (known: %s)", operatorClass, strings.Join(sortedKeys(p.Report), ", "))
		}
		t.OperatorClass, t.Level = operatorClass, level
		if level != "minor" {
			t.Deadlines[Report] = r
		}
	}
	for n := range t.Deadlines {
		if t.Deadlines[n] == "" {
			delete(t.Deadlines, n)
			continue
		}
		cal := p.Calendars[n]
		if c, ok := p.Systems[system][n]; ok {
			cal = c
		}
		if n == Report {
			cal = sla.Always // a regulator's deadline runs day and night
		}
		if cal == "" {
			cal = sla.Always
		}
		t.Calendars[n] = cal
	}
	return t, nil
}
