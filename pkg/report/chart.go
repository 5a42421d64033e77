package report

// Charts are drawn here as SVG strings, so reports need no JavaScript and no
// external assets. Every text that goes into a chart passes through esc.

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/cyhealth/hcops/pkg/result"
)

// Status colours: green / yellow / red as in the reports' status words,
// grey for UNKNOWN and purple for UNREACHABLE (distinct from CRIT in print).
var statusColor = map[result.Status]string{
	result.OK:          "#2e7d32",
	result.Warn:        "#f9a825",
	result.Crit:        "#c62828",
	result.Unknown:     "#757575",
	result.Unreachable: "#6a1b9a",
}

// chartStatuses is the stacking order, best at the bottom.
var chartStatuses = []result.Status{result.OK, result.Warn, result.Unknown, result.Crit, result.Unreachable}

func esc(s string) string { return html.EscapeString(s) }

func countOf(c result.Counts, s result.Status) int {
	switch s {
	case result.OK:
		return c.OK
	case result.Warn:
		return c.Warn
	case result.Crit:
		return c.Crit
	case result.Unknown:
		return c.Unknown
	case result.Unreachable:
		return c.Unreachable
	}
	return 0
}

// chartFrame opens an SVG with a title line and closes it with the caption
// (unit, period, data source).
type chartFrame struct {
	b    strings.Builder
	w, h int
}

func newChart(w, h int, title string) *chartFrame {
	c := &chartFrame{w: w, h: h}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, w, h, esc(title))
	fmt.Fprintf(&c.b, `<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>`, w, h)
	fmt.Fprintf(&c.b, `<text x="%d" y="18" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`, w/2, esc(title))
	return c
}

func (c *chartFrame) text(x, y float64, anchor string, size int, fill, s string) {
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" fill="%s">%s</text>`, x, y, anchor, size, fill, esc(s))
}

func (c *chartFrame) done(caption string) string {
	c.text(float64(c.w)/2, float64(c.h-6), "middle", 10, "#555", caption)
	c.b.WriteString(`</svg>`)
	return c.b.String()
}

// statusBar draws one horizontal bar split by status, with a legend: the
// daily report's picture of its counts.
func statusBar(o Options, counts result.Counts) string {
	total := counts.Total()
	c := newChart(640, 110, o.t("report.h.charts_daily"))
	left, width := 20.0, 600.0
	if total == 0 {
		c.text(320, 55, "middle", 12, "#555", o.t("report.chart.no_data"))
		return c.done(o.t("report.chart.caption_daily"))
	}
	x := left
	for _, s := range chartStatuses {
		n := countOf(counts, s)
		if n == 0 {
			continue
		}
		w := width * float64(n) / float64(total)
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="30" width="%.1f" height="26" fill="%s"><title>%s %d</title></rect>`, x, w, statusColor[s], esc(statusWord(o.Lang, s)), n)
		x += w
	}
	lx := left
	for _, s := range chartStatuses {
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="66" width="10" height="10" fill="%s"/>`, lx, statusColor[s])
		label := fmt.Sprintf("%s %d", statusWord(o.Lang, s), countOf(counts, s))
		c.text(lx+14, 75, "start", 11, "#222", label)
		lx += 120
	}
	return c.done(o.t("report.chart.caption_daily"))
}

// statusOverTime draws one stacked bar per day of the month: the results of
// that day's inspections by status. Days without an inspection show an empty
// slot marked with a cross.
func statusOverTime(o Options, days []DayRuns, period string) string {
	const w, h = 720, 300
	c := newChart(w, h, o.t("report.h.charts_status"))
	left, right, top, bottom := 50.0, 20.0, 34.0, 60.0
	pw, ph := float64(w)-left-right, float64(h)-top-bottom
	maxTotal := 0
	for _, d := range days {
		maxTotal = max(maxTotal, d.Counts.Total())
	}
	if len(days) == 0 || maxTotal == 0 {
		c.text(float64(w)/2, float64(h)/2, "middle", 12, "#555", o.t("report.chart.no_data"))
		return c.done(o.t("report.chart.caption_status", period))
	}
	yMax, ticks := niceScale(float64(maxTotal))
	axes(c, left, top, pw, ph, 0, yMax, ticks, o.t("report.chart.unit_items"))
	slot := pw / float64(len(days))
	bw := math.Max(slot*0.7, 1)
	for i, d := range days {
		x := left + float64(i)*slot + (slot-bw)/2
		y := top + ph
		for _, s := range chartStatuses {
			n := countOf(d.Counts, s)
			if n == 0 {
				continue
			}
			bh := ph * float64(n) / yMax
			y -= bh
			fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s %d</title></rect>`,
				x, y, bw, bh, statusColor[s], esc(d.Date), esc(statusWord(o.Lang, s)), n)
		}
		if d.Missed {
			c.text(x+bw/2, top+ph-4, "middle", 10, "#c62828", "×")
		}
		if len(days) <= 31 && (i%2 == 0 || len(days) <= 16) {
			day := d.Date
			if len(day) >= 10 {
				day = day[8:10]
			}
			c.text(x+bw/2, top+ph+14, "middle", 9, "#333", day)
		}
	}
	// Legend.
	lx := left
	for _, s := range chartStatuses {
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/>`, lx, top+ph+24, statusColor[s])
		c.text(lx+14, top+ph+33, "start", 10, "#222", statusWord(o.Lang, s))
		lx += 95
	}
	c.text(lx+10, top+ph+33, "start", 10, "#c62828", "× "+o.t("report.chart.missed"))
	return c.done(o.t("report.chart.caption_status", period))
}

// availBars draws one horizontal bar per row with its target as a tick. The
// scale starts at a floor below the lowest value so that 99.9 and 99.99 are
// told apart; rows without data are drawn as a hatched "no data" bar.
func availBars(o Options, rows []AvailRow, period string) string {
	n := min(len(rows), 20)
	const w = 720
	h := 60 + 24*max(n, 1) + 30
	c := newChart(w, h, o.t("report.h.charts_avail"))
	left, right, top := 200.0, 90.0, 34.0
	pw := float64(w) - left - right
	if n == 0 {
		c.text(float64(w)/2, top+20, "middle", 12, "#555", o.t("report.chart.no_data"))
		return c.done(o.t("report.chart.caption_avail", period))
	}
	lo := 100.0
	for _, r := range rows[:n] {
		if r.Known {
			lo = math.Min(lo, r.Percent)
		}
		if r.Target > 0 {
			lo = math.Min(lo, r.Target)
		}
	}
	floor := math.Max(0, math.Floor(lo-0.5*(100-lo)-0.01))
	if floor > 99 {
		floor = 99
	}
	scale := func(v float64) float64 { return left + pw*(math.Max(v, floor)-floor)/(100-floor) }
	// Axis ticks.
	for i := 0; i <= 4; i++ {
		v := floor + (100-floor)*float64(i)/4
		x := scale(v)
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, x, top, x, top+float64(24*n))
		c.text(x, top+float64(24*n)+14, "middle", 9, "#333", strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")+"%")
	}
	for i, r := range rows[:n] {
		y := top + float64(24*i) + 4
		c.text(left-6, y+12, "end", 11, "#222", truncRunes(r.Name, 24))
		if !r.Known {
			fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="16" fill="#eee" stroke="#999" stroke-dasharray="3 2"/>`, left, y, pw)
			c.text(left+pw/2, y+12, "middle", 10, "#555", o.t("report.verdict.nodata"))
			continue
		}
		color := statusColor[result.OK]
		if !r.Met {
			color = statusColor[result.Crit]
		}
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="16" fill="%s"><title>%s %s</title></rect>`,
			left, y, math.Max(scale(r.Percent)-left, 1), color, esc(r.Name), esc(fmtPercent(r.Percent)))
		if r.Target > 0 {
			tx := scale(r.Target)
			fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="2"/>`, tx, y-2, tx, y+18)
		}
		c.text(left+pw+6, y+12, "start", 10, "#222", fmtPercent(r.Percent))
	}
	c.text(left, top+float64(24*n)+28, "start", 10, "#333", o.t("report.chart.target_tick"))
	return c.done(o.t("report.chart.caption_avail", period))
}

// niceScale picks the top of a y axis from 0 and its number of steps: a
// step of 1, 2 or 5 times a power of ten, at most 5 steps.
func niceScale(v float64) (top float64, steps int) {
	if v <= 0 {
		return 1, 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v/5)))
	for _, m := range []float64{1, 2, 5, 10, 20} {
		step := m * p
		if n := math.Ceil(v / step); n <= 5 {
			return n * step, int(n)
		}
	}
	return niceCeil(v), 4
}

// axes draws the y axis with a gridline per step and the unit.
func axes(c *chartFrame, left, top, pw, ph, lo, hi float64, steps int, unit string) {
	for i := 0; i <= steps; i++ {
		v := lo + (hi-lo)*float64(i)/float64(steps)
		y := top + ph - ph*float64(i)/float64(steps)
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, left, y, left+pw, y)
		c.text(left-4, y+3, "end", 9, "#333", fmtNum(v))
	}
	fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, left, top+ph, left+pw, top+ph)
	c.text(left-4, top-6, "end", 9, "#333", unit)
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
