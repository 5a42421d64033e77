package report

import (
	"math"
	"math/rand"
	"testing"
	"time"
)

// fcSeries returns one point per day for days days from start, value f(day).
func fcSeries(start time.Time, days int, f func(d float64) float64) []Point {
	var ps []Point
	for d := 0; d < days; d++ {
		ps = append(ps, Point{At: start.Add(time.Duration(d) * 24 * time.Hour), Value: f(float64(d))})
	}
	return ps
}

func TestForecastLimit(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	endOfMonth := start.Add(29 * 24 * time.Hour) // the last point's day
	rng := rand.New(rand.NewSource(1))
	noise := make([]float64, 30)
	for i := range noise {
		noise[i] = rng.Float64()*4 - 2 // ±2 points of noise
	}
	cases := []struct {
		name      string
		points    []Point
		now       time.Time
		ok        bool
		slope     float64 // per day
		daysUntil float64
		slopeTol  float64
		daysTol   float64
		minR2     float64
	}{
		// 50 % growing 1 %/day: on day 29 it is at 79 %, 21 days to 100 %.
		{"growing", fcSeries(start, 30, func(d float64) float64 { return 50 + d }), endOfMonth, true, 1, 21, 1e-9, 1e-9, 0.999},
		// From a later "now" the remaining days shrink accordingly.
		{"growing later now", fcSeries(start, 30, func(d float64) float64 { return 50 + d }), endOfMonth.Add(10 * 24 * time.Hour), true, 1, 11, 1e-9, 1e-9, 0.999},
		// Already past the limit: 0 days, not negative.
		{"past limit", fcSeries(start, 30, func(d float64) float64 { return 90 + d }), endOfMonth, true, 1, 0, 1e-9, 1e-9, 0.999},
		// 40 % + 0.5 %/day ± 2: about 54.5 % on day 29, about 91 days to go.
		{"noisy growth", fcSeries(start, 30, func(d float64) float64 { return 40 + 0.5*d + noise[int(d)] }), endOfMonth, true, 0.5, 91, 0.1, 15, 0.5},
		{"flat", fcSeries(start, 30, func(float64) float64 { return 70 }), endOfMonth, false, 0, 0, 1e-12, 0, 1},
		{"shrinking", fcSeries(start, 30, func(d float64) float64 { return 80 - d }), endOfMonth, false, -1, 0, 1e-9, 0, 0.999},
		{"two points", fcSeries(start, 2, func(d float64) float64 { return 50 + 10*d }), endOfMonth, false, 10, 0, 1e-9, 0, 0},
		{"one point", fcSeries(start, 1, func(d float64) float64 { return 50 }), endOfMonth, false, 0, 0, 1e-12, 0, 0},
		{"none", nil, endOfMonth, false, 0, 0, 1e-12, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ForecastLimit(c.points, 100, c.now)
			if f.OK != c.ok {
				t.Fatalf("OK = %v, want %v (%+v)", f.OK, c.ok, f)
			}
			if math.Abs(f.Slope-c.slope) > c.slopeTol {
				t.Errorf("slope = %v, want %v", f.Slope, c.slope)
			}
			if c.ok && math.Abs(f.DaysUntil-c.daysUntil) > c.daysTol {
				t.Errorf("days until = %v, want %v", f.DaysUntil, c.daysUntil)
			}
			if f.R2 < c.minR2 {
				t.Errorf("R2 = %v, want >= %v", f.R2, c.minR2)
			}
		})
	}
}

func TestForecastShortSpanAndBadValues(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// Ten points an hour apart rise fast, but span under a day: no forecast.
	var ps []Point
	for i := 0; i < 10; i++ {
		ps = append(ps, Point{At: start.Add(time.Duration(i) * time.Hour), Value: float64(50 + i)})
	}
	if f := ForecastLimit(ps, 100, start.Add(10*time.Hour)); f.OK || f.Slope <= 0 {
		t.Errorf("9 h span: want a slope but no forecast, got %+v", f)
	}
	// Unordered points with NaN and Inf: the bad values are skipped.
	ps = []Point{
		{At: start.Add(48 * time.Hour), Value: 70},
		{At: start, Value: 50},
		{At: start.Add(12 * time.Hour), Value: math.NaN()},
		{At: start.Add(24 * time.Hour), Value: 60},
		{At: start.Add(36 * time.Hour), Value: math.Inf(1)},
	}
	f := ForecastLimit(ps, 100, start.Add(48*time.Hour))
	if !f.OK || math.Abs(f.Slope-10) > 1e-9 || math.Abs(f.DaysUntil-3) > 1e-9 || math.Abs(f.Current-70) > 1e-9 {
		t.Errorf("want slope 10/day, 3 days from 70 %%, got %+v", f)
	}
	// All at one instant: no line at all.
	if f := ForecastLimit([]Point{{start, 1}, {start, 2}, {start, 3}}, 100, start); f.OK || f.Slope != 0 {
		t.Errorf("one instant: %+v", f)
	}
}
