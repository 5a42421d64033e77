package report

// The monthly report's aggregated views (issue #13): recurring findings
// across assets as one row, capacity risks per check rather than per host,
// capacity charts as small multiples per system, and load and CPU as
// distributions in a performance section.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// RecurringGroup is a finding that recurred this month on one or more
// assets with the same check, status and cause.
type RecurringGroup struct {
	System    string        `json:"system,omitempty"`
	Systems   []string      `json:"systems,omitempty"`
	Check     string        `json:"check"`
	CheckID   string        `json:"check_id"`
	Item      string        `json:"item,omitempty"`
	Status    result.Status `json:"status"` // worst of the month
	Count     int           `json:"count"`
	Assets    []string      `json:"assets"`
	AssetList string        `json:"asset_list"`
	Runs      int           `json:"runs"` // most runs in which one of the assets had it
	Days      int           `json:"days"` // most days on which one of the assets had it
	Message   string        `json:"message"`
	Advice    string        `json:"advice"`
}

// recurringGroups aggregates the recurring findings (seen in two runs or
// more) by check, item, worst status and cause.
func recurringGroups(o Options, acc *monthAcc) []RecurringGroup {
	type gacc struct {
		RecurringGroup
		rep string // the asset whose message speaks for the group
	}
	m := map[string]*gacc{}
	var order []string
	for _, r := range acc.rec {
		if r.Runs < 2 {
			continue
		}
		days := 0
		for d := r.days; d != 0; d &= d - 1 {
			days++
		}
		g := groupable{asset: r.Asset, check: r.Check, item: r.Item, code: r.code, args: r.args, message: r.LastMessage}
		key := strings.Join([]string{r.Check, r.Item, r.Worst.String(), causeKey(&g)}, "\x00")
		a := m[key]
		if a == nil {
			a = &gacc{RecurringGroup: RecurringGroup{Check: checkName(o.Lang, r.Check, r.typ, r.Item), CheckID: r.Check, Item: r.Item, Status: r.Worst,
				Message: r.LastMessage, Advice: r.Advice, Runs: r.Runs}, rep: r.Asset}
			m[key] = a
			order = append(order, key)
		}
		a.Assets = append(a.Assets, r.Asset)
		sys := r.system
		if sys == "" {
			sys = acc.sysOf[r.Asset]
		}
		if sys != "" && !slices.Contains(a.Systems, sys) {
			a.Systems = append(a.Systems, sys)
		}
		// The asset seen in most runs speaks for the group, the first by
		// name among equals (the map's order must not show).
		if r.Runs > a.Runs || r.Runs == a.Runs && naturalCompare(r.Asset, a.rep) < 0 {
			a.rep, a.Message, a.Advice = r.Asset, r.LastMessage, r.Advice
		}
		a.Runs, a.Days = max(a.Runs, r.Runs), max(a.Days, days)
	}
	out := make([]RecurringGroup, 0, len(order))
	for _, k := range order {
		g := m[k].RecurringGroup
		slices.SortFunc(g.Assets, naturalCompare)
		g.Count = len(g.Assets)
		g.AssetList = compressNames(o.Lang, g.Assets, 0)
		slices.Sort(g.Systems)
		g.System = strings.Join(g.Systems, o.t("report.listsep"))
		if g.Advice == "" || o.Lang == i18n.ZH && isASCII(g.Advice) {
			g.Advice = o.t("report.m.recurring_advice")
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b RecurringGroup) int {
		am, bm := len(a.Systems) > 1, len(b.Systems) > 1
		sys := cmp.Compare(a.System, b.System)
		if am && bm { // across systems: by severity and size, as the daily report
			sys = 0
		}
		return cmp.Or(cmpBool(!am, !bm), sys, cmp.Compare(b.Status, a.Status),
			cmp.Compare(b.Count, a.Count), cmp.Compare(b.Days, a.Days), cmp.Compare(a.System, b.System), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Item, b.Item))
	})
	return out
}

type capRisk struct {
	object, risk string
	soonest      float64
}

// capacityRisks groups the series that fill within 30 days by check and
// item: "12 台设备的磁盘空间 /data 预计 9～20 天内用满".
func capacityRisks(o Options, ts []Trend) []capRisk {
	type acc struct {
		name       string
		assets     []string
		soon, late float64
	}
	m := map[string]*acc{}
	var order []string
	for _, t := range ts {
		if t.DaysUntil == nil || *t.DaysUntil > 30 {
			continue
		}
		k := t.Check + "\x00" + t.Item
		a := m[k]
		if a == nil {
			a = &acc{name: checkName(o.Lang, t.Check, t.Kind, t.Item), soon: math.Inf(1)}
			m[k] = a
			order = append(order, k)
		}
		a.assets = append(a.assets, t.Asset)
		a.soon, a.late = math.Min(a.soon, *t.DaysUntil), math.Max(a.late, *t.DaysUntil)
	}
	var out []capRisk
	for _, k := range order {
		a := m[k]
		slices.SortFunc(a.assets, naturalCompare)
		days := fmtNum(roundTo(a.soon, 0))
		if lo, hi := roundTo(a.soon, 0), roundTo(a.late, 0); hi > lo {
			days = fmtNum(lo) + "～" + fmtNum(hi)
		}
		out = append(out, capRisk{
			object:  onAssets(o, a.name, a.assets),
			risk:    o.t("report.risk.capacity_group", len(a.assets), a.name, days),
			soonest: a.soon,
		})
	}
	return out
}

// PerfRow is the distribution of one performance figure (load per core,
// CPU use) over the assets of a system: each asset's highest daily value of
// the month, then the median, 90th percentile and highest of those.
type PerfRow struct {
	System   string    `json:"system"`
	Kind     string    `json:"kind"` // load or cpu
	Metric   string    `json:"metric"`
	Unit     string    `json:"unit,omitempty"`
	Assets   int       `json:"assets"`
	P50      float64   `json:"p50"`
	P90      float64   `json:"p90"`
	Max      float64   `json:"max"`
	MaxAsset string    `json:"max_asset"`
	Mean     float64   `json:"mean"` // mean of the daily values over assets and days
	Over     int       `json:"over"` // assets whose peak was not OK
	Peaks    []float64 `json:"-"`    // per asset, for the histogram
}

type perfAcc struct {
	asset, system, kind, unit string
	peak, sum                 float64
	n                         int
	worst                     result.Status
}

// perfSample takes a load or CPU result of the day's last run.
func (m *monthAcc) perfSample(r *store.ReportRow, kind string) {
	if r.RunAt.Before(m.start) {
		return
	}
	key := r.Key()
	p := m.perf[key]
	if p == nil {
		p = &perfAcc{asset: clean(r.Asset), system: clean(r.System), kind: kind, unit: clean(r.Unit)}
		m.perf[key] = p
	}
	p.peak = math.Max(p.peak, r.Value)
	p.sum += r.Value
	p.n++
	p.worst = result.Worst(p.worst, r.Status)
}

// performance computes the distributions per system and kind.
func performance(o Options, acc *monthAcc) []PerfRow {
	type key struct{ sys, kind string }
	rows := map[key]*PerfRow{}
	sums := map[key][2]float64{}
	for _, p := range acc.perf {
		sys := p.system
		if sys == "" {
			sys = acc.sysOf[p.asset]
		}
		if sys == "" {
			sys = o.t("report.none_group")
		}
		k := key{sys, p.kind}
		r := rows[k]
		if r == nil {
			r = &PerfRow{System: sys, Kind: p.kind, Metric: o.t("report.perf." + p.kind), Unit: p.unit}
			rows[k] = r
		}
		r.Assets++
		r.Peaks = append(r.Peaks, p.peak)
		if p.peak > r.Max || r.MaxAsset == "" {
			r.Max, r.MaxAsset = p.peak, p.asset
		}
		if p.worst > result.OK {
			r.Over++
		}
		s := sums[k]
		s[0], s[1] = s[0]+p.sum, s[1]+float64(p.n)
		sums[k] = s
	}
	out := make([]PerfRow, 0, len(rows))
	for k, r := range rows {
		slices.Sort(r.Peaks)
		r.P50, r.P90 = quantile(r.Peaks, 0.5), quantile(r.Peaks, 0.9)
		if s := sums[k]; s[1] > 0 {
			r.Mean = s[0] / s[1]
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b PerfRow) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.System, b.System)) })
	return out
}

// quantile of sorted values, by linear interpolation.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (s[i+1]-s[i])*(pos-float64(i))
}

// SystemCharts are the capacity charts of one system, drawn small and laid
// out side by side.
type SystemCharts struct {
	System string
	Charts []string
	More   int // series worth a look not drawn
}

const (
	chartsPerSystem = 6
	chartsTotal     = 18
)

// capacityMultiples draws the series worth a look (rising towards full, or
// not OK), with three days of points or more, as small charts grouped by
// system.
func capacityMultiples(o Options, ts []Trend, sysOf map[string]string, start, end time.Time, period string) []SystemCharts {
	by := map[string]*SystemCharts{}
	var order []string
	total := 0
	for _, t := range ts {
		if len(t.Points) < 3 || !(t.DaysUntil != nil && *t.DaysUntil <= 90 || t.Status != result.OK) {
			continue
		}
		sys := sysOf[t.Asset]
		if sys == "" {
			sys = o.t("report.none_group")
		}
		g := by[sys]
		if g == nil {
			g = &SystemCharts{System: sys}
			by[sys] = g
			order = append(order, sys)
		}
		if len(g.Charts) >= chartsPerSystem || total >= chartsTotal {
			g.More++
			continue
		}
		g.Charts = append(g.Charts, capacitySmall(o, t, start, end))
		total++
	}
	slices.Sort(order)
	out := make([]SystemCharts, 0, len(order))
	for _, s := range order {
		out = append(out, *by[s])
	}
	return out
}

// capacitySmall draws one capacity series small, for the per-system
// multiples: title, line, forecast and limit, no legend (the section prints
// it once).
func capacitySmall(o Options, t Trend, start, end time.Time) string {
	const w, h = 300, 150
	c := newChart(w, h, truncRunes(t.Asset+" "+checkName(o.Lang, t.Check, t.Kind, t.Item), 34))
	left, right, top, bottom := 34.0, 10.0, 28.0, 24.0
	pw, ph := float64(w)-left-right, float64(h)-top-bottom
	horizon := end
	if t.Forecast && t.SlopeDay > 0 {
		horizon = end.Add(30 * 24 * time.Hour)
	}
	yMax := t.Max
	if t.Limit > 0 {
		yMax = math.Max(yMax, t.Limit)
	}
	yMax, ticks := niceScale(yMax)
	axes(c, left, top, pw, ph, 0, yMax, ticks, unitSuffix(o.Lang, t.Unit))
	span := horizon.Sub(start).Seconds()
	xOf := func(at time.Time) float64 { return left + pw*at.Sub(start).Seconds()/span }
	yOf := func(v float64) float64 { return top + ph - ph*math.Max(0, math.Min(v, yMax))/yMax }
	if t.Limit > 0 {
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c62828" stroke-width="1"/>`, left, yOf(t.Limit), left+pw, yOf(t.Limit))
	}
	fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="2 3"/>`, xOf(end), top, xOf(end), top+ph)
	var pts []string
	for _, p := range t.Points {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(p.At), yOf(p.Value)))
	}
	fmt.Fprintf(&c.b, `<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="%s"/>`, strings.Join(pts, " "))
	if t.Forecast && t.SlopeDay > 0 {
		last := t.Points[len(t.Points)-1]
		fEnd := horizon
		if t.DaysUntil != nil {
			if at := last.At.Add(time.Duration(*t.DaysUntil * float64(24*time.Hour))); at.Before(fEnd) {
				fEnd = at
			}
		}
		v := last.Value + t.SlopeDay*fEnd.Sub(last.At).Hours()/24
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1565c0" stroke-width="1.5" stroke-dasharray="5 3"/>`,
			xOf(last.At), yOf(last.Value), xOf(fEnd), yOf(v))
	}
	c.text(left, top+ph+12, "start", 8, "#333", start.Format("01-02"))
	c.text(xOf(end), top+ph+12, "middle", 8, "#333", end.Add(-time.Second).Format("01-02"))
	if horizon.After(end) {
		c.text(left+pw, top+ph+12, "end", 8, "#333", horizon.Format("01-02"))
	}
	label := o.t("report.perf.full_in", fmtDays(o.Lang, t.DaysUntil))
	if t.DaysUntil == nil {
		label = o.t("report.c.last") + o.t("report.colon") + fmtValueIn(o.Lang, t.Last, t.Unit)
	}
	fmt.Fprintf(&c.b, `<text x="%d" y="%d" text-anchor="middle" font-size="9" fill="#555">%s</text></svg>`, w/2, h-2, esc(label))
	return c.b.String()
}

// perfHistogram draws how many assets had their month's peak load per core
// in each band: the shape of the fleet's load at a glance.
func perfHistogram(o Options, rows []PerfRow, period string) string {
	var peaks []float64
	for _, r := range rows {
		if r.Kind == "load" {
			peaks = append(peaks, r.Peaks...)
		}
	}
	if len(peaks) == 0 {
		return ""
	}
	bands := []float64{0.5, 1, 2, 4, 8}
	counts := make([]int, len(bands)+1)
	for _, v := range peaks {
		i := 0
		for i < len(bands) && v >= bands[i] {
			i++
		}
		counts[i]++
	}
	labels := []string{"<0.5", "0.5–1", "1–2", "2–4", "4–8", "≥8"}
	const w, h = 640, 200
	c := newChart(w, h, o.t("report.perf.chart_title"))
	left, top, pw, ph := 50.0, 34.0, 570.0, 120.0
	hi := 0
	for _, n := range counts {
		hi = max(hi, n)
	}
	yMax, ticks := niceScale(float64(hi))
	axes(c, left, top, pw, ph, 0, yMax, ticks, o.t("report.perf.assets_unit"))
	bw := pw / float64(len(counts))
	for i, n := range counts {
		bh := ph * float64(n) / yMax
		x := left + float64(i)*bw + bw*0.15
		color := "#2e7d32"
		if i >= 4 {
			color = "#c62828"
		} else if i == 3 {
			color = "#f9a825"
		}
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, top+ph-bh, bw*0.7, bh, color)
		c.text(x+bw*0.35, top+ph-bh-3, "middle", 9, "#333", fmt.Sprint(n))
		c.text(x+bw*0.35, top+ph+13, "middle", 9, "#333", labels[i])
	}
	return c.done(o.t("report.perf.chart_caption", period))
}

// capacityWatch is the series worth a look in the body: rising towards full
// within 90 days, or not OK this month; at most 15, soonest first (the
// order of Capacity).
func capacityWatch(ts []Trend) []Trend {
	var out []Trend
	for _, t := range ts {
		if len(out) == 15 {
			break
		}
		if t.DaysUntil != nil && *t.DaysUntil <= 90 || t.Status != result.OK {
			out = append(out, t)
		}
	}
	return out
}

// longestAssetOutages is the n longest outages of assets and how many
// asset outages there were.
func longestAssetOutages(os []OutageRow, n int) ([]OutageRow, int) {
	var as []OutageRow
	for _, x := range os {
		if x.Scope == "asset" {
			as = append(as, x)
		}
	}
	slices.SortStableFunc(as, func(a, b OutageRow) int { return cmp.Compare(b.DurationS, a.DurationS) })
	return as[:min(n, len(as))], len(as)
}

// onAssets names a check on assets for a risk: "his-db-01 磁盘空间 /data"
// for one, "磁盘空间 /data（12 台：host-0004、…）" for several.
func onAssets(o Options, name string, assets []string) string {
	if len(assets) == 1 {
		return assets[0] + " " + name
	}
	return name + o.t("report.agg.on_hosts", len(assets), compressNames(o.Lang, assets, 6))
}
