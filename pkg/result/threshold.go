package result

import (
	"math"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Range is a Nagios threshold range (monitoring-plugins guidelines), the one
// parser of hcops: checks evaluate with it, reports describe the stored
// warn/crit text with it.
// "10" alerts outside 0..10, "10:" below 10, "~:10" above 10, "10:20" outside
// 10..20, "@10:20" inside 10..20.
type Range struct {
	Start, End float64
	Inside     bool   // '@': alert when inside the range
	Text       string // as written
}

// ParseRange parses a Nagios range. An empty string is not a range.
func ParseRange(s string) (*Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	r := &Range{Text: s, Start: 0, End: math.Inf(1)}
	body := s
	if strings.HasPrefix(body, "@") {
		r.Inside = true
		body = body[1:]
	}
	start, end, hasColon := strings.Cut(body, ":")
	if !hasColon {
		end, start = start, ""
	}
	var err error
	switch strings.TrimSpace(start) {
	case "":
	case "~":
		r.Start = math.Inf(-1)
	default:
		if r.Start, err = strconv.ParseFloat(strings.TrimSpace(start), 64); err != nil {
			return nil, i18n.NewError("result.threshold.bad_start", s, start)
		}
	}
	if strings.TrimSpace(end) != "" {
		if r.End, err = strconv.ParseFloat(strings.TrimSpace(end), 64); err != nil {
			return nil, i18n.NewError("result.threshold.bad_end", s, end)
		}
	} else if !hasColon {
		return nil, i18n.NewError("result.threshold.empty", s)
	}
	if r.Start > r.End {
		return nil, i18n.NewError("result.threshold.reversed", s, strconv.FormatFloat(r.Start, 'g', -1, 64), strconv.FormatFloat(r.End, 'g', -1, 64))
	}
	return r, nil
}

// Alerts reports whether v lies where the range raises an alert.
func (r *Range) Alerts(v float64) bool {
	if r == nil {
		return false
	}
	inside := v >= r.Start && v <= r.End
	if r.Inside {
		return inside
	}
	return !inside
}

func (r *Range) String() string {
	if r == nil {
		return ""
	}
	return r.Text
}
