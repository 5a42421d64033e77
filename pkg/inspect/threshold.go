package inspect

import (
	"github.com/cyhealth/hcops/pkg/result"
)

// Range is a Nagios threshold range (see result.Range).
type Range = result.Range

// ParseRange parses a Nagios range. An empty string is not a range.
func ParseRange(s string) (*Range, error) { return result.ParseRange(s) }

// Thresholds pairs the warn and crit ranges of a check.
type Thresholds struct {
	Warn, Crit *Range
}

// ParseThresholds parses a warn/crit pair.
func ParseThresholds(warn, crit string) (Thresholds, error) {
	w, err := ParseRange(warn)
	if err != nil {
		return Thresholds{}, err
	}
	c, err := ParseRange(crit)
	if err != nil {
		return Thresholds{}, err
	}
	return Thresholds{Warn: w, Crit: c}, nil
}

// Status returns CRIT when v alerts the crit range, else WARN when it alerts
// the warn range, else OK.
func (t Thresholds) Status(v float64) result.Status {
	switch {
	case t.Crit.Alerts(v):
		return result.Crit
	case t.Warn.Alerts(v):
		return result.Warn
	}
	return result.OK
}

// Apply sets r's value, thresholds and status from v. It never lowers a
// status already set worse on r.
func (t Thresholds) Apply(r *result.Result, v float64, unit string) {
	r.SetValue(v, unit)
	r.Warn, r.Crit = t.Warn.String(), t.Crit.String()
	r.Status = result.Worst(r.Status, t.Status(v))
}
