package sla

import (
	"math"
	"time"
)

// Availability targets of the tender (SLA1–SLA3). Assets of other kinds
// than hosts use the link/storage figure, the looser of the two.
const (
	// TargetHost is SLA1 for hosts and cloud services, in percent.
	TargetHost = 99.975
	// TargetMultiAZ is SLA1 for hosts deployed across availability zones.
	TargetMultiAZ = 99.995
	// TargetLinkStorage is SLA2 for links and storage.
	TargetLinkStorage = 99.95
	// MaxOutageCore is SLA3 for core systems: each outage must stay shorter.
	MaxOutageCore = 2 * time.Hour
	// MaxOutageNonCore is SLA3 for the other systems.
	MaxOutageNonCore = 10 * time.Hour
)

// MinCoverage is the share of a period (percent, maintenance excluded)
// samples must cover before an availability figure is judged: a figure
// from a sliver of the month is no figure.
const MinCoverage = 50.0

// Duration is the length of the window (0 when it ends before it starts).
func (w Window) Duration() time.Duration {
	if !w.End.After(w.Start) {
		return 0
	}
	return w.End.Sub(w.Start)
}

// Coverage is the percentage of the period, maintenance excluded, whose
// state samples told (Up + Down against Up + Down + Unknown); 0 when the
// whole period was maintenance or empty.
func (a Availability) Coverage() float64 {
	covered := a.Up + a.Down
	whole := covered + a.Unknown
	if whole <= 0 {
		return 0
	}
	return 100 * covered.Seconds() / whole.Seconds()
}

// Judged reports whether the figure is worth a verdict: something was known
// and samples covered at least MinCoverage of the period.
func (a Availability) Judged() bool { return a.Known && a.Coverage() >= MinCoverage }

// AllowedDowntime is how much downtime a target percentage allows over d:
// (100 − target) % of d, to the nanosecond. 99.975 % of a 30-day month
// allows 10 min 48 s. A target of 100 or more allows none; 0 or less allows
// all of d.
func AllowedDowntime(target float64, d time.Duration) time.Duration {
	if d <= 0 || target >= 100 || math.IsNaN(target) {
		return 0
	}
	if target <= 0 {
		return d
	}
	return time.Duration(math.Round(float64(d) * (100 - target) / 100))
}

// Allowed is the downtime the target allows over the time that counts:
// known, non-maintenance time (Up + Down). Unknown time is no evidence
// either way, so it neither earns nor spends allowance.
func (a Availability) Allowed() time.Duration { return AllowedDowntime(a.Target, a.Up+a.Down) }

// Remaining is the downtime still allowed before the target is missed
// (Allowed − Down); negative once it is overspent. Met is decided on
// Percent, which agrees with Remaining >= 0 except for rounding at the
// boundary.
func (a Availability) Remaining() time.Duration { return a.Allowed() - a.Down }

// Exceeds reports whether the outage breaks a per-outage limit: SLA3 says
// "unavailable for less than limit", so lasting exactly the limit breaks
// it. A limit <= 0 is no limit.
func (o Outage) Exceeds(limit time.Duration) bool { return limit > 0 && o.Duration >= limit }
