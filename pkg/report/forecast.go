package report

// Capacity forecasts: a straight line through a month of a metric, and when
// it reaches a limit (e.g. a filesystem 100 % full).

import (
	"math"
	"time"
)

// Point is one value of a metric at a time (e.g. a filesystem's used %).
type Point struct {
	At    time.Time
	Value float64
}

// Forecast is a least-squares straight line through a metric's points and
// what it says about reaching a limit.
type Forecast struct {
	// Slope is the fitted change per day (units of Value).
	Slope float64
	// R2 is the coefficient of determination of the fit (1 = perfect line;
	// 1 also for a perfectly flat series, which a line fits exactly). It is
	// for the reader to judge how much to trust DaysUntil.
	R2 float64
	// Current is the fitted value at now.
	Current float64
	// DaysUntil is how many days from now until the fitted line reaches the
	// limit; 0 when it already has. Only meaningful when OK.
	DaysUntil float64
	// OK is true when a forecast exists: at least 3 points spanning at least
	// one day, and a rising line (Slope > 0).
	OK bool
}

// ForecastLimit fits a least-squares line through points (any order;
// non-finite values are skipped) and estimates the days from now until the
// line reaches limit: DaysUntil = (limit - fitted value at now) / slope.
// OK is false — no forecast — with fewer than 3 points, a span under one
// day, or a flat or falling line; Slope and R2 are still filled when a line
// could be fitted at all.
func ForecastLimit(points []Point, limit float64, now time.Time) Forecast {
	var f Forecast
	var ps []Point
	for _, p := range points {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			ps = append(ps, p)
		}
	}
	if len(ps) < 2 {
		return f
	}
	first, last := ps[0].At, ps[0].At
	for _, p := range ps {
		if p.At.Before(first) {
			first = p.At
		}
		if p.At.After(last) {
			last = p.At
		}
	}
	// x in days since the first point keeps the sums well conditioned.
	day := func(t time.Time) float64 { return t.Sub(first).Hours() / 24 }
	n := float64(len(ps))
	var mx, my float64
	for _, p := range ps {
		mx += day(p.At)
		my += p.Value
	}
	mx, my = mx/n, my/n
	var sxx, sxy, syy float64
	for _, p := range ps {
		dx, dy := day(p.At)-mx, p.Value-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return f // all points at one instant: no line
	}
	f.Slope = sxy / sxx
	intercept := my - f.Slope*mx
	var ssRes float64
	for _, p := range ps {
		r := p.Value - (intercept + f.Slope*day(p.At))
		ssRes += r * r
	}
	if syy == 0 {
		f.R2 = 1
	} else {
		f.R2 = math.Max(0, 1-ssRes/syy)
	}
	f.Current = intercept + f.Slope*day(now)
	if len(ps) < 3 || last.Sub(first) < 24*time.Hour || f.Slope <= 0 {
		return f
	}
	f.OK = true
	f.DaysUntil = math.Max(0, (limit-f.Current)/f.Slope)
	return f
}
