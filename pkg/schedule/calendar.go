package schedule

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrNotConvertible is wrapped by OnCalendar when a cron expression has no
// systemd OnCalendar equivalent.
var ErrNotConvertible = errors.New("cannot be converted to a systemd OnCalendar expression")

// field describes one cron field.
type field struct {
	name     string
	min, max int
	names    map[string]int
}

var (
	fMinute = field{"minute", 0, 59, nil}
	fHour   = field{"hour", 0, 23, nil}
	fDom    = field{"day of month", 1, 31, nil}
	fMonth  = field{"month", 1, 12, map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}}
	fDow = field{"day of week", 0, 7, map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}}
)

var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// OnCalendar converts a cron expression into a systemd OnCalendar value
// that fires at exactly the same times, e.g. "0 8 * * 1-5" → "Mon..Fri
// *-*-* 08:00:00". The one common form it refuses is a day of month and a
// day of week both restricted ("0 8 1 * 1"): cron fires when either matches,
// systemd only when both do, so the error (wrapping ErrNotConvertible) says
// to write two jobs.
func OnCalendar(expr string) (string, error) {
	if _, err := ParseSchedule(expr); err != nil {
		return "", err
	}
	e := strings.TrimSpace(expr)
	if d, ok := descriptors[strings.ToLower(e)]; ok {
		e = d
	}
	fs := strings.Fields(e)
	if len(fs) != 5 {
		return "", fmt.Errorf("%q: want 5 fields: %w", expr, ErrNotConvertible)
	}
	min, err := convField(fs[0], fMinute)
	if err != nil {
		return "", err
	}
	hour, err := convField(fs[1], fHour)
	if err != nil {
		return "", err
	}
	dom, err := convField(fs[2], fDom)
	if err != nil {
		return "", err
	}
	month, err := convField(fs[3], fMonth)
	if err != nil {
		return "", err
	}
	dow, err := dowField(fs[4])
	if err != nil {
		return "", err
	}
	if dom != "*" && dow != "" {
		return "", fmt.Errorf("%q: cron runs when the day of month OR the day of week matches, systemd only when both do; "+
			"split it into two jobs, one per condition: %w", expr, ErrNotConvertible)
	}
	out := fmt.Sprintf("*-%s-%s %s:%s:00", month, dom, hour, min)
	if dow != "" {
		out = dow + " " + out
	}
	return out, nil
}

// values expands a cron field into the sorted set of values it matches,
// and reports whether it is unrestricted ("*" or "?").
func values(s string, f field) (vals []int, all bool, step string, err error) {
	if s == "*" || s == "?" {
		return nil, true, "", nil
	}
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		inc := 1
		if hasStep {
			if inc, err = strconv.Atoi(stepStr); err != nil || inc <= 0 {
				return nil, false, "", fmt.Errorf("%s field %q: bad step", f.name, s)
			}
		}
		lo, hi := f.min, f.max
		switch {
		case rng == "*" || rng == "?":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			if lo, err = f.num(a); err != nil {
				return nil, false, "", err
			}
			if hi, err = f.num(b); err != nil {
				return nil, false, "", err
			}
		default:
			if lo, err = f.num(rng); err != nil {
				return nil, false, "", err
			}
			if !hasStep {
				hi = lo
			}
		}
		if lo > hi || lo < f.min || hi > f.max {
			return nil, false, "", fmt.Errorf("%s field %q: out of range %d-%d", f.name, s, f.min, f.max)
		}
		for v := lo; v <= hi; v += inc {
			set[v] = true
		}
		// "*/n" and "a/n" are kept as systemd's own "a/n" (same meaning).
		if hasStep && !strings.Contains(s, ",") && !strings.Contains(rng, "-") {
			step = fmt.Sprintf("%d/%d", lo, inc)
		}
	}
	for v := range set {
		vals = append(vals, v)
	}
	sort.Ints(vals)
	return vals, false, step, nil
}

func (f field) num(s string) (int, error) {
	if v, ok := f.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q: not a number", f.name, s)
	}
	return v, nil
}

// convField renders a minute, hour, day or month field for OnCalendar.
func convField(s string, f field) (string, error) {
	vals, all, step, err := values(s, f)
	if err != nil {
		return "", err
	}
	if all || len(vals) == f.max-f.min+1 {
		return "*", nil
	}
	if step != "" {
		lo, inc, _ := strings.Cut(step, "/")
		n, _ := strconv.Atoi(lo)
		return fmt.Sprintf("%02d/%s", n, inc), nil
	}
	return compress(vals, func(v int) string { return fmt.Sprintf("%02d", v) }), nil
}

var dowNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// dowField renders the day-of-week field; "" when unrestricted. Cron counts
// Sunday as 0 (or 7) and the week from Sunday; systemd from Monday.
func dowField(s string) (string, error) {
	vals, all, _, err := values(s, fDow)
	if err != nil {
		return "", err
	}
	if all {
		return "", nil
	}
	set := map[int]bool{}
	for _, v := range vals {
		if v == 0 {
			v = 7
		}
		set[v] = true
	}
	if len(set) == 7 {
		return "", nil
	}
	var days []int
	for v := range set {
		days = append(days, v)
	}
	sort.Ints(days)
	return compress(days, func(v int) string { return dowNames[v] }), nil
}

// compress writes sorted values as a list with ranges: 1,2,3,5 → 1..3,5.
func compress(vals []int, name func(int) string) string {
	var parts []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, name(vals[i])+".."+name(vals[j]))
		case j == i+1:
			parts = append(parts, name(vals[i]), name(vals[j]))
		default:
			parts = append(parts, name(vals[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
