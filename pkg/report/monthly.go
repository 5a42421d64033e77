package report

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/sla"
	"github.com/cyhealth/hcops/pkg/store"

	"github.com/cyhealth/hcops/pkg/ticket"
)

// The availability targets (tender SLA1–SLA3) and their maths are in
// pkg/sla.
const (
	certWarnDays     = 60
	maxOutageRows    = 200
	maxRecurringRows = 500 // per asset, in the appendix; the body shows them aggregated
	maxCapacityRows  = 50
)

// capacityKinds maps check types to the capacity trend they feed. Only
// what fills up is capacity (issue #13): load and CPU are performance and
// go to the performance section as distributions (perfKinds).
var capacityKinds = map[string]string{
	"disk": "disk", "inode": "inode", "inodes": "inode",
	"memory": "memory", "mem": "memory", "db-size": "db-size",
}

// perfKinds maps check types to the performance figures they feed.
var perfKinds = map[string]string{"load": "load", "cpu": "cpu"}

// assetTarget is the availability target of an asset by kind: hosts
// 99.975 % (99.995 % when labelled multi-az), links and storage 99.95 %.
// Assets of other kinds use the link/storage figure, the looser of the two.
func assetTarget(a *inventory.Asset) float64 {
	if a == nil {
		return sla.TargetHost
	}
	if a.Link != nil && a.Link.Availability > 0 {
		return a.Link.Availability
	}
	if v := a.Labels["multi-az"]; v == "true" || v == "yes" {
		return sla.TargetMultiAZ
	}
	switch a.Kind {
	case inventory.KindHost, inventory.KindCloudService, "":
		return sla.TargetHost
	}
	return sla.TargetLinkStorage
}

// monthAcc gathers what the monthly report needs from three cheap passes
// over the history (see BuildMonthly): never every result in memory.
type monthAcc struct {
	lang     string // the report's language: messages are rendered in it
	start    time.Time
	loc      *time.Location
	days     int
	runAt    map[int64]time.Time
	runOrder []int64
	up       map[int64]map[string]bool // run -> asset -> reachable
	httpBad  map[int64]map[string]bool // run -> system -> an http check CRIT/UNREACHABLE
	samples  map[string][]sla.Sample
	sysOf    map[string]string
	sysRuns  map[string][]sysSample
	dayCount []result.Counts
	total    result.Counts
	rec      map[result.Key]*recAcc
	capac    map[result.Key]*capAcc
	capWorst map[result.Key]result.Status
	certs    map[result.Key]*Cert
	perf     map[result.Key]*perfAcc
}

type sysSample struct {
	at      time.Time
	members map[string]bool
	httpBad bool
}

type recAcc struct {
	Recurring
	days   uint64
	lastAt time.Time
	// the latest occurrence's meaning, for aggregation across assets
	system, typ, code, unit string
	args                    []any
	adviceCode              string
	adviceArgs              []any
}

type capAcc struct {
	Trend
	daily   []float64
	lastDay int
}

func newMonthAcc(start time.Time, days int, loc *time.Location) *monthAcc {
	return &monthAcc{
		start: start, loc: loc, days: days, runAt: map[int64]time.Time{},
		up: map[int64]map[string]bool{}, httpBad: map[int64]map[string]bool{},
		samples: map[string][]sla.Sample{}, sysOf: map[string]string{}, sysRuns: map[string][]sysSample{},
		dayCount: make([]result.Counts, days),
		rec:      map[result.Key]*recAcc{}, capac: map[result.Key]*capAcc{}, capWorst: map[result.Key]result.Status{}, certs: map[result.Key]*Cert{},
		perf: map[result.Key]*perfAcc{},
	}
}

func (m *monthAcc) dayIndex(t time.Time) int {
	t = t.In(m.loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, m.loc)
	i := int(math.Round(d.Sub(m.start).Hours() / 24))
	return min(max(i, 0), m.days-1)
}

// present records that asset has results in run id: up unless a later
// UNREACHABLE result says otherwise.
func (m *monthAcc) present(id int64, at time.Time, asset string) {
	u := m.up[id]
	if u == nil {
		u = map[string]bool{}
		m.up[id] = u
		m.runAt[id] = at
		m.runOrder = append(m.runOrder, id)
	}
	u[asset] = true
}

// problem takes one result that is not OK: reachability, http failures of
// systems, recurring findings, worst status of capacity series.
func (m *monthAcc) problem(r *store.ReportRow) {
	if r.System != "" {
		m.sysOf[r.Asset] = r.System
	}
	if r.Status == result.Unreachable {
		if u := m.up[r.RunID]; u != nil {
			u[r.Asset] = false
		}
	}
	if strings.HasPrefix(r.Type, "http") && r.System != "" && r.Status >= result.Crit {
		hb := m.httpBad[r.RunID]
		if hb == nil {
			hb = map[string]bool{}
			m.httpBad[r.RunID] = hb
		}
		hb[r.System] = true
	}
	if r.RunAt.Before(m.start) {
		return // a run of the previous month: availability samples only
	}
	key := r.Key()
	if _, ok := capacityKinds[r.Type]; ok {
		m.capWorst[key] = result.Worst(m.capWorst[key], r.Status)
	}
	if r.Status == result.Warn || r.Status == result.Crit || r.Status == result.Unknown {
		a := m.rec[key]
		if a == nil {
			a = &recAcc{Recurring: Recurring{Asset: clean(r.Asset), Check: clean(r.Check), Item: clean(r.Item)}}
			m.rec[key] = a
		}
		a.Runs++
		a.days |= 1 << uint(m.dayIndex(r.RunAt))
		a.Worst = result.Worst(a.Worst, r.Status)
		// Rows come in storage order: keep the message of the latest run.
		if !r.RunAt.Before(a.lastAt) {
			a.lastAt = r.RunAt
			a.LastMessage = readable(msgIn(m.lang, r))
			a.system, a.typ, a.code, a.args, a.unit = clean(r.System), r.Type, r.Code, r.Args, r.Unit
			if r.Advice != "" || r.AdviceCode != "" {
				a.Advice = readable(adviceIn(m.lang, r))
				a.adviceCode, a.adviceArgs = r.AdviceCode, r.AdviceArgs
			}
		}
	}
}

// sample takes one result of the day's last run: capacity values and
// certificates.
func (m *monthAcc) sample(r *store.ReportRow) {
	if r.System != "" && m.sysOf[r.Asset] == "" {
		m.sysOf[r.Asset] = r.System
	}
	key := r.Key()
	day := m.dayIndex(r.RunAt)
	if kind, ok := capacityKinds[r.Type]; ok && r.HasValue && !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0) {
		a := m.capac[key]
		if a == nil {
			a = &capAcc{Trend: Trend{Asset: clean(r.Asset), Check: clean(r.Check), Item: clean(r.Item), Kind: kind, Unit: clean(r.Unit)}, daily: make([]float64, m.days)}
			for i := range a.daily {
				a.daily[i] = math.NaN()
			}
			m.capac[key] = a
		}
		a.daily[day] = r.Value
		if day >= a.lastDay {
			a.lastDay, a.Last = day, r.Value
		}
		a.Status = result.Worst(a.Status, r.Status)
	}
	if kind, ok := perfKinds[r.Type]; ok && r.HasValue && !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0) {
		m.perfSample(r, kind)
	}
	if certTypes[r.Type] && r.HasValue {
		c := m.certs[key]
		if c == nil {
			c = &Cert{}
			m.certs[key] = c
		} else if r.RunAt.Before(c.seen) {
			return
		}
		*c = Cert{seen: r.RunAt, Asset: clean(r.Asset), Item: clean(r.Item), DaysLeft: r.Value, Status: r.Status, Message: clean(msgIn(m.lang, r)),
			Expires: r.RunAt.Add(time.Duration(r.Value * float64(24*time.Hour))).In(m.loc)}
		if c.Item == "" {
			c.Item = clean(r.Check)
		}
	}
}

// certTypes are the check types whose value is the days a certificate has
// left.
var certTypes = map[string]bool{"tls-cert": true, "tls": true, "cert": true}

// finish turns the per-run reachability into availability samples: an
// asset is up at a run when none of its results is UNREACHABLE; a system is
// up when every member inspected in that run is up and none of its http
// checks is CRIT or UNREACHABLE.
func (m *monthAcc) finish() {
	for _, id := range m.runOrder {
		at := m.runAt[id]
		bySys := map[string]*sysSample{}
		for asset, up := range m.up[id] {
			m.samples[asset] = append(m.samples[asset], sla.Sample{At: at, Up: up})
			sys := m.sysOf[asset]
			if sys == "" {
				continue
			}
			s := bySys[sys]
			if s == nil {
				s = &sysSample{at: at, members: map[string]bool{}, httpBad: m.httpBad[id][sys]}
				bySys[sys] = s
			}
			s.members[asset] = up
		}
		for sys, s := range bySys {
			m.sysRuns[sys] = append(m.sysRuns[sys], *s)
		}
	}
	for key, st := range m.capWorst {
		if a := m.capac[key]; a != nil {
			a.Status = result.Worst(a.Status, st)
		}
	}
}

// BuildMonthly builds the monthly operations report of month (any time in
// it, read in o.Location) from the store, in one streaming pass over the
// month's results.
func BuildMonthly(ctx context.Context, db store.History, month time.Time, o Options) (*Monthly, error) {
	loc := o.loc()
	month = month.In(loc)
	start := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, loc)
	o.period = ""
	return buildPeriod(ctx, db, start, start.AddDate(0, 1, 0), o)
}

// buildPeriod builds the operations report of [start, end): a month, or a
// week when o.period is "week".
func buildPeriod(ctx context.Context, db store.History, start, end time.Time, o Options) (*Monthly, error) {
	loc := o.loc()
	now := o.now().In(loc)
	if !start.Before(now) {
		return nil, fmt.Errorf("monthly report: %s has not started yet", start.Format("2006-01-02"))
	}
	effEnd := end
	if now.Before(end) {
		effEnd = now
	}
	days := int(math.Round(end.Sub(start).Hours() / 24))

	m := &Monthly{
		Kind: "monthly", Month: start.Format("2006-01"), Start: start, End: effEnd,
		Period: o.t("report.m.period", fmtDate(o.Lang, start), fmtDate(o.Lang, effEnd.Add(-time.Second))),
	}
	m.Header = o.header(o.t("report.monthly.title"), "YB-"+start.Format("200601"))
	m.Header.Title = o.t("report.monthly.title_of", fmtMonth(o.Lang, start))
	if o.period == "week" {
		y, w := start.ISOWeek()
		m.Kind, m.Month = "weekly", fmt.Sprintf("%d-W%02d", y, w)
		m.Header = o.header(o.t("report.weekly.title"), fmt.Sprintf("ZB-%dW%02d", y, w))
		m.Header.Title = o.t("report.weekly.title_of", fmtWeek(o.Lang, start))
	}

	m.Scope = strings.Join(o.scopeFilter(), o.t("report.scope.sep"))
	runs, err := db.RunSummaries(ctx, result.KindInspect, start, end, o.Scope)
	if err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}

	// Three passes, each cheap over millions of results: which assets each
	// run looked at (the run index only), the results that are not OK, and
	// the capacity and certificate results of each day's last run. Runs just
	// before the month vouch for its first hours (up to MaxGap). Runs are
	// chosen by time and by id sets, never by ranges of result ids.
	acc := newMonthAcc(start, days, loc)
	acc.lang = o.Lang
	for _, r := range runs {
		i := acc.dayIndex(r.StartedAt)
		c := &acc.dayCount[i]
		c.OK, c.Warn, c.Crit, c.Unknown, c.Unreachable = c.OK+r.Counts.OK, c.Warn+r.Counts.Warn, c.Crit+r.Counts.Crit, c.Unknown+r.Counts.Unknown, c.Unreachable+r.Counts.Unreachable
		t := &acc.total
		t.OK, t.Warn, t.Crit, t.Unknown, t.Unreachable = t.OK+r.Counts.OK, t.Warn+r.Counts.Warn, t.Crit+r.Counts.Crit, t.Unknown+r.Counts.Unknown, t.Unreachable+r.Counts.Unreachable
	}
	since := start.Add(-o.maxGap())
	before, err := db.RunSummaries(ctx, result.KindInspect, since, start, o.Scope)
	if err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	for _, r := range append(before, runs...) {
		if err := db.EachRunAsset(ctx, r.ID, o.Scope.Zone, func(asset string) error {
			acc.present(r.ID, r.StartedAt, asset)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("monthly report: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if err := db.EachReportRow(ctx, result.KindInspect, since, end, store.ReportRowFilter{NotOK: true, Scope: o.Scope}, func(r *store.ReportRow) error {
		acc.problem(r)
		return ctx.Err()
	}); err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	var types []string
	for t := range capacityKinds {
		types = append(types, t)
	}
	for t := range certTypes {
		types = append(types, t)
	}
	for t := range perfKinds {
		types = append(types, t)
	}
	slices.Sort(types)
	// The last run of each day of each runner: with several runners (one
	// per network zone) sharing the history, the last run of a day covers
	// one zone only.
	dayLast := lastRuns(runs, func(r store.RunSummary) int { return acc.dayIndex(r.StartedAt) })
	if len(dayLast) > 0 {
		if err := db.EachReportRow(ctx, result.KindInspect, start, end, store.ReportRowFilter{Types: types, RunIDs: dayLast, Scope: o.Scope}, func(row *store.ReportRow) error {
			acc.sample(row)
			return ctx.Err()
		}); err != nil {
			return nil, fmt.Errorf("monthly report: %w", err)
		}
	}
	lastOfRunner := lastRuns(runs, func(store.RunSummary) int { return 0 })
	if len(runs) > 0 {
		systems, err := db.AssetSystems(ctx, lastOfRunner)
		if err != nil {
			return nil, fmt.Errorf("monthly report: %w", err)
		}
		for a, s := range systems {
			if acc.sysOf[a] == "" {
				acc.sysOf[a] = s
			}
		}
	}

	// Inventory: the last snapshot of the month (of each runner, newest
	// first), else the current inventory; of the scope's zone only.
	assets := map[string]*inventory.Asset{}
	firstSnap := map[string]bool{}
	if len(runs) > 0 {
		for _, id := range slices.Backward(lastOfRunner) {
			if as, err := snapshotAssets(ctx, db, id); err == nil {
				for _, a := range as {
					if assets[a.Name] == nil && o.inScope(a) {
						assets[a.Name] = a
					}
				}
			}
		}
		for _, id := range firstRuns(runs) {
			if as, err := snapshotAssets(ctx, db, id); err == nil && as != nil {
				for _, a := range as {
					firstSnap[a.Name] = true
				}
			}
		}
	}
	systems := map[string]*inventory.System{}
	if o.Inventory != nil {
		for _, a := range o.Inventory.Assets {
			if assets[a.Name] == nil && o.inScope(a) {
				assets[a.Name] = a
			}
		}
		for _, s := range o.Inventory.Systems {
			systems[s.Name] = s
		}
	}

	for name, a := range assets {
		if acc.sysOf[name] == "" && a.System != "" {
			acc.sysOf[name] = a.System
		}
	}
	acc.finish()

	maint, err := db.Maintenance(ctx, start, end)
	if err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	for _, w := range maint {
		m.Maintenance = append(m.Maintenance, MaintRow{Asset: clean(w.Asset), System: clean(w.System),
			Start: w.Start.In(loc), End: w.End.In(loc), DurationS: int64(w.End.Sub(w.Start).Seconds()), Reason: clean(w.Reason)})
	}

	m.Inspections = inspections(o, runs, acc, start, effEnd, days)
	probes, err := loadProbes(ctx, db, start, effEnd)
	if err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	buildAvailability(o, m, acc, probes, assets, systems, firstSnap, maint, start, effEnd)
	m.Links = linkRows(o, m, acc, probes, assets, start, effEnd)
	if err := linkQuality(ctx, o, db, m.Links, start, effEnd); err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	m.Incidents, m.TicketSLA = incidents(o, start, end)
	m.Recurring = recurring(o, acc)
	m.RecurringGroups = recurringGroups(o, acc)
	m.Capacity = capacity(acc, start, effEnd)
	m.Performance = performance(o, acc)
	m.CapacityWatch = capacityWatch(m.Capacity)
	m.OutagesTop, m.AssetOutages = longestAssetOutages(m.Outages, 10)
	for _, c := range acc.certs {
		if c.DaysLeft <= certWarnDays {
			m.Certificates = append(m.Certificates, *c)
		}
	}
	slices.SortFunc(m.Certificates, func(a, b Cert) int { return cmp.Or(cmp.Compare(a.DaysLeft, b.DaysLeft), cmp.Compare(a.Asset, b.Asset)) })
	if m.Backup, err = backupSection(ctx, db, start, end, loc, o.Lang); err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	m.Risks = risks(o, m)
	m.KPIs = kpis(o, m)
	m.Overview = overview(o, m)
	if m.Plan, err = plan(o, m, start); err != nil {
		return nil, err
	}
	m.DocControl = docControl(o, m)
	m.Work = workDone(o, m)
	if m.MonthOnMonth, err = comparison(ctx, o, db, m, runs, start); err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	m.Sign = o.signers("report.sign.author")
	m.Notes = []string{
		o.t("report.m.note_avail", fmtDuration(o.Lang, o.maxGap())),
		o.t("report.m.note_system"),
		o.t("report.m.note_forecast"),
		o.t("report.daily.note_status"),
	}
	if n, samples := measuredAssets(m.AssetAvail); n > 0 {
		m.Notes = append(m.Notes, o.t("report.m.note_probes", n, samples))
	}
	period := m.Period
	m.StatusChart = statusOverTime(o, m.Inspections.Days, period)
	m.AvailChart = availBars(o, m.SystemAvail, period)
	m.CapacityCharts = capacityMultiples(o, m.Capacity, acc.sysOf, start, effEnd, period)
	m.PerfChart = perfHistogram(o, m.Performance, period)
	nilToEmpty(m)
	return m, nil
}

func nilToEmpty(m *Monthly) {
	m.Overview, m.KPIs, m.AssetAvail, m.SystemAvail = nonNil(m.Overview), nonNil(m.KPIs), nonNil(m.AssetAvail), nonNil(m.SystemAvail)
	m.Links = nonNil(m.Links)
	m.Maintenance, m.Outages, m.Recurring, m.Capacity = nonNil(m.Maintenance), nonNil(m.Outages), nonNil(m.Recurring), nonNil(m.Capacity)
	m.RecurringGroups, m.Performance = nonNil(m.RecurringGroups), nonNil(m.Performance)
	m.Certificates, m.Risks, m.Plan = nonNil(m.Certificates), nonNil(m.Risks), nonNil(m.Plan)
	m.Backup.Problems, m.Backup.Policies, m.Backup.DrillRuns = nonNil(m.Backup.Problems), nonNil(m.Backup.Policies), nonNil(m.Backup.DrillRuns)
	m.Inspections.MissedDays = nonNil(m.Inspections.MissedDays)
}

func inspections(o Options, runs []store.RunSummary, acc *monthAcc, start, effEnd time.Time, days int) Inspections {
	in := Inspections{Runs: len(runs), Counts: acc.total}
	perDay := make([]int, days)
	for _, r := range runs {
		perDay[acc.dayIndex(r.StartedAt)]++
	}
	for i := range days {
		day := start.AddDate(0, 0, i)
		d := DayRuns{Date: day.Format("2006-01-02"), Runs: perDay[i], Counts: acc.dayCount[i]}
		// A day is due once it is over; today counts only when it already
		// had an inspection.
		due := !day.AddDate(0, 0, 1).After(effEnd) || perDay[i] > 0
		if !due {
			d.Future = true
		} else {
			in.DaysDue++
			if perDay[i] > 0 {
				in.DaysWith++
			} else {
				d.Missed = true
				in.MissedDays = append(in.MissedDays, d.Date)
			}
		}
		in.Days = append(in.Days, d)
	}
	if in.DaysDue > 0 {
		in.Percent = 100 * float64(in.DaysWith) / float64(in.DaysDue)
	}
	return in
}

// maintFor returns the maintenance windows that apply to an asset: its own,
// its system's, and site-wide ones.
func maintFor(ws []store.MaintenanceWindow, asset, system string) []sla.Window {
	var out []sla.Window
	for _, w := range ws {
		if (w.Asset != "" && w.Asset == asset) || (w.Asset == "" && (w.System == "" || w.System == system)) {
			out = append(out, sla.Window{Start: w.Start, End: w.End})
		}
	}
	return out
}

func maintForSystem(ws []store.MaintenanceWindow, system string) []sla.Window {
	var out []sla.Window
	for _, w := range ws {
		if w.Asset == "" && (w.System == "" || w.System == system) {
			out = append(out, sla.Window{Start: w.Start, End: w.End})
		}
	}
	return out
}

func (o *Options) verdict(row AvailRow, met bool) string {
	switch {
	case !row.Known:
		return o.t("report.verdict.nodata")
	case met:
		return o.t("report.verdict.met")
	}
	return o.t("report.verdict.missed")
}

func availRow(name, scope string, a sla.Availability) AvailRow {
	// A figure from a sliver of the month is no figure: below
	// sla.MinCoverage the row says "no data" rather than "met".
	r := AvailRow{Name: clean(name), Scope: scope, Target: a.Target, Percent: a.Percent, Known: a.Judged(), Coverage: a.Coverage(),
		UpS: int64(a.Up.Seconds()), DownS: int64(a.Down.Seconds()), UnknownS: int64(a.Unknown.Seconds()), MaintS: int64(a.Maintenance.Seconds()),
		Outages: len(a.Outages)}
	for _, out := range a.Outages {
		r.LongestS = max(r.LongestS, int64(out.Duration.Seconds()))
	}
	return r
}

func buildAvailability(o Options, m *Monthly, acc *monthAcc, probes map[string]*probeData, assets map[string]*inventory.Asset, systems map[string]*inventory.System,
	firstSnap map[string]bool, maint []store.MaintenanceWindow, start, effEnd time.Time) {
	loc := o.loc()
	names := make([]string, 0, len(acc.samples)+len(probes))
	for n := range acc.samples {
		names = append(names, n)
	}
	for n := range probes {
		if _, ok := acc.samples[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	coreAsset := map[string]bool{}
	for _, name := range names {
		samples := acc.samples[name]
		slices.SortFunc(samples, func(a, b sla.Sample) int { return a.At.Compare(b.At) })
		a := assets[name]
		sys := acc.sysOf[name]
		if sys == "" && a != nil {
			sys = a.System
		}
		period := sla.Window{Start: start, End: effEnd}
		// An asset that was not in the month's first inventory snapshot was
		// added during the month: its period starts at its first inspection.
		if len(firstSnap) > 0 && !firstSnap[name] && len(samples) > 0 && samples[0].At.After(start) {
			period.Start = samples[0].At
		}
		gap := o.maxGap()
		pd := probes[name]
		if pd != nil {
			// Measured by the watcher every minute: its probes decide, not
			// the inspections' samples.
			samples, gap = sla.ProbeSamples(pd.hours, pd.observed), sla.ProbeMaxGap
			if len(firstSnap) > 0 && !firstSnap[name] && len(samples) > 0 && samples[0].At.After(start) {
				period.Start = samples[0].At
			}
		}
		av := sla.Compute(samples, period, sla.Options{MaxGap: gap, Maintenance: maintFor(maint, name, sys), Target: assetTarget(a)})
		row := availRow(name, "asset", av)
		if pd != nil {
			row.Measured = "probes"
			row.Samples, _ = sla.ProbeCount(pd.hours)
		}
		row.System = clean(sys)
		if a != nil {
			row.Kind = a.Kind
			row.Core = a.Criticality == inventory.CriticalityCore
			coreAsset[name] = row.Core
		}
		row.Met = row.Known && av.Met
		row.Verdict = o.verdict(row, row.Met)
		m.AssetAvail = append(m.AssetAvail, row)
		for _, out := range av.Outages {
			m.Outages = append(m.Outages, OutageRow{Object: row.Name, Scope: "asset", Core: row.Core,
				Start: out.Start.In(loc), End: out.End.In(loc), DurationS: int64(out.Duration.Seconds()), Ongoing: out.Ongoing})
		}
	}
	// Systems.
	sysNames := make([]string, 0, len(acc.sysRuns))
	for n := range acc.sysRuns {
		sysNames = append(sysNames, n)
	}
	slices.Sort(sysNames)
	for _, name := range sysNames {
		runs := acc.sysRuns[name]
		slices.SortFunc(runs, func(a, b sysSample) int { return a.at.Compare(b.at) })
		inv := systems[name]
		core := inv != nil && inv.Criticality == inventory.CriticalityCore
		if inv == nil || inv.Criticality == "" {
			for member := range runs[len(runs)-1].members {
				core = core || coreAsset[member]
			}
		}
		// Members that count: core members when the system has any,
		// otherwise every member.
		var samples []sla.Sample
		for _, r := range runs {
			up, counted := !r.httpBad, false
			for member, ok := range r.members {
				if hasCore(r.members, coreAsset) && !coreAsset[member] {
					continue
				}
				counted = true
				up = up && ok
			}
			if counted {
				samples = append(samples, sla.Sample{At: r.at, Up: up})
			}
		}
		target := 0.0
		limit := sla.MaxOutageNonCore
		if core {
			limit = sla.MaxOutageCore
		}
		display := name
		if inv != nil {
			target = inv.SLA.Availability
			if d, err := time.ParseDuration(inv.SLA.MaxOutage); err == nil && d > 0 {
				limit = d
			}
			display = inv.DisplayName(o.Lang)
		}
		period := sla.Window{Start: start, End: effEnd}
		// A system none of whose members was in the month's first snapshot
		// was added during the month, like an asset.
		if len(firstSnap) > 0 && len(samples) > 0 && samples[0].At.After(start) {
			added := true
			for _, r := range runs {
				for member := range r.members {
					added = added && !firstSnap[member]
				}
			}
			if added {
				period.Start = samples[0].At
			}
		}
		av := sla.Compute(samples, period, sla.Options{
			MaxGap: o.maxGap(), Maintenance: maintForSystem(maint, name), Target: target, MaxOutage: limit})
		row := availRow(display, "system", av)
		row.Core = core
		row.MaxOutageS = int64(limit.Seconds())
		row.Met = row.Known && av.Met
		row.Verdict = o.verdict(row, row.Met)
		m.SystemAvail = append(m.SystemAvail, row)
		for _, out := range av.Outages {
			d := int64(out.Duration.Seconds())
			m.Outages = append(m.Outages, OutageRow{Object: row.Name, Scope: "system", Core: core,
				Start: out.Start.In(loc), End: out.End.In(loc), DurationS: d, Ongoing: out.Ongoing,
				LimitS: row.MaxOutageS, Exceeds: d >= row.MaxOutageS})
		}
	}
	// Worst first: missed targets, then lowest availability.
	byWorst := func(a, b AvailRow) int {
		return cmp.Or(cmp.Compare(boolInt(a.Met), boolInt(b.Met)), cmp.Compare(boolInt(!a.Known), boolInt(!b.Known))*-1,
			cmp.Compare(a.Percent, b.Percent), cmp.Compare(a.Name, b.Name))
	}
	slices.SortStableFunc(m.AssetAvail, byWorst)
	slices.SortStableFunc(m.SystemAvail, byWorst)
	slices.SortStableFunc(m.Outages, func(a, b OutageRow) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Object, b.Object))
	})
}

// incidents lists the period's tickets with their clocks and computes
// their SLA attainment per system and class.
func incidents(o Options, start, end time.Time) ([]IncidentRow, *ticket.Attainment) {
	var ts []*ticket.Ticket
	for _, t := range o.Tickets {
		if !t.OpenedAt.Before(start) && t.OpenedAt.Before(end) {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return nil, nil
	}
	var rows []IncidentRow
	for _, t := range ts {
		r := IncidentRow{ID: t.ID, Title: clean(t.Title), Class: o.t("ticket.class." + string(t.Class)), System: clean(t.System),
			Asset: clean(t.Asset), OpenedAt: t.OpenedAt.In(o.loc()), State: o.t("ticket.state." + string(t.State))}
		for _, c := range t.Clocks {
			word := o.t("report.inc.running")
			switch {
			case c.Breach():
				word, r.Breached = o.t("report.inc.breached"), true
			case c.Stopped:
				word = o.t("report.inc.met")
			}
			r.Clocks = append(r.Clocks, o.t("ticket.clock."+string(c.Name))+" "+word)
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b IncidentRow) int { return a.OpenedAt.Compare(b.OpenedAt) })
	a := ticket.ComputeAttainment(ts, start, end)
	return rows, &a
}

// maxLinkOutages is how many of a link's longest outages its row lists.
const maxLinkOutages = 3

// linkRows is the SLA2 table of links: every asset of kind link in the
// inventory (or seen in the period's samples), with the availability
// buildAvailability measured for it, how many samples that rests on and
// its longest outages. A link without samples is listed with no data.
func linkRows(o Options, m *Monthly, acc *monthAcc, probes map[string]*probeData, assets map[string]*inventory.Asset, start, end time.Time) []LinkRow {
	avail := map[string]AvailRow{}
	for _, r := range m.AssetAvail {
		avail[r.Name] = r
	}
	names := map[string]bool{}
	for n, a := range assets {
		if a.Kind == inventory.KindLink {
			names[n] = true
		}
	}
	for _, r := range m.AssetAvail {
		if r.Kind == inventory.KindLink {
			names[r.Name] = true
		}
	}
	var out []LinkRow
	for _, name := range slices.Sorted(maps.Keys(names)) {
		a := assets[name]
		row := LinkRow{Name: clean(name), Target: assetTarget(a)}
		if a == nil {
			row.Target = sla.TargetLinkStorage
		} else {
			row.Core = a.Criticality == inventory.CriticalityCore
			if l := a.Link; l != nil && l.A.Site != "" && l.B.Site != "" {
				row.Ends = clean(l.A.Site) + " – " + clean(l.B.Site)
			}
		}
		if pd := probes[name]; pd != nil {
			row.Measured = "probes"
			row.Samples, row.Down = sla.ProbeCount(pd.hours)
		} else {
			for _, s := range acc.samples[name] {
				if s.At.Before(start) || !s.At.Before(end) {
					continue // a run before the period vouches for its start only
				}
				row.Samples++
				if !s.Up {
					row.Down++
				}
			}
			if row.Samples > 0 {
				row.Measured = "inspections"
			}
		}
		if r, ok := avail[row.Name]; ok {
			row.Known, row.Coverage, row.Percent, row.Target = r.Known, r.Coverage, r.Percent, r.Target
			row.Met, row.DownS, row.Outages = r.Met, r.DownS, r.Outages
		}
		row.Verdict = o.verdict(AvailRow{Known: row.Known}, row.Met)
		for _, x := range m.Outages {
			if x.Scope == "asset" && x.Object == row.Name {
				row.Worst = append(row.Worst, x)
			}
		}
		slices.SortStableFunc(row.Worst, func(a, b OutageRow) int { return cmp.Compare(b.DurationS, a.DurationS) })
		if len(row.Worst) > maxLinkOutages {
			row.Worst = row.Worst[:maxLinkOutages]
		}
		row.Worst = nonNil(row.Worst)
		out = append(out, row)
	}
	// Missed targets first, then no data, then the lowest figures.
	slices.SortStableFunc(out, func(a, b LinkRow) int {
		rank := func(r LinkRow) int {
			switch {
			case r.Known && !r.Met:
				return 0
			case !r.Known:
				return 1
			}
			return 2
		}
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Percent, b.Percent), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// linkQuality fills each link's loss, round-trip time and jitter over the
// period from the metrics its ping checks stored (ping.loss_pct,
// ping.rtt_avg_ms, ping.rtt_max_ms, ping.jitter_ms): the mean of each over
// the inspections, and the largest RTT. The watcher's pings store no
// metrics; they count for availability only.
func linkQuality(ctx context.Context, o Options, db store.History, links []LinkRow, start, end time.Time) error {
	if len(links) == 0 {
		return nil
	}
	idx := map[string]*LinkRow{}
	for i := range links {
		idx[links[i].Name] = &links[i]
	}
	type acc struct {
		n    int
		sum  float64
		peak float64
	}
	got := map[string]map[string]*acc{}
	err := db.Metrics(ctx, store.MetricFilter{NamePrefix: "ping.", Since: start, Until: end}, func(p store.MetricPoint) error {
		if idx[clean(p.Asset)] == nil || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return nil
		}
		m := got[p.Asset]
		if m == nil {
			m = map[string]*acc{}
			got[p.Asset] = m
		}
		a := m[p.Name]
		if a == nil {
			a = &acc{peak: p.Value}
			m[p.Name] = a
		}
		a.n++
		a.sum += p.Value
		a.peak = max(a.peak, p.Value)
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	mean := func(a *acc) *float64 {
		if a == nil || a.n == 0 {
			return nil
		}
		v := roundTo(a.sum/float64(a.n), 2)
		return &v
	}
	for asset, m := range got {
		l := idx[clean(asset)]
		if a := m["ping.loss_pct"]; a != nil {
			l.Pings = a.n
		}
		l.LossPct, l.RTTAvgMS, l.JitterMS = mean(m["ping.loss_pct"]), mean(m["ping.rtt_avg_ms"]), mean(m["ping.jitter_ms"])
		if a := m["ping.rtt_max_ms"]; a != nil {
			v := roundTo(a.peak, 2)
			l.RTTMaxMS = &v
		}
		if l.Pings > 0 {
			str := func(v *float64) string {
				if v == nil {
					return "—"
				}
				return fmtNum(*v)
			}
			l.Quality = o.t("report.links.quality", str(l.LossPct), str(l.RTTAvgMS), str(l.RTTMaxMS), str(l.JitterMS), l.Pings)
		}
	}
	return nil
}

// measuredAssets counts the assets whose availability the watcher's probes
// measured, and the probes behind them.
func measuredAssets(rows []AvailRow) (n, samples int) {
	for _, r := range rows {
		if r.Measured == "probes" {
			n++
			samples += r.Samples
		}
	}
	return n, samples
}

// probeData is what the watcher measured of one asset in the period.
type probeData struct {
	hours    []sla.HourCount
	observed []sla.Sample
}

// loadProbes reads the watcher's availability probes of [start, end): the
// hourly counts and the observations stored for down or changed assets. A
// history without them (no watcher, or a backend without the table) gives
// none, and availability comes from the inspections alone.
func loadProbes(ctx context.Context, db store.History, start, end time.Time) (map[string]*probeData, error) {
	as, ok := db.(store.AvailabilityStore)
	if !ok {
		return nil, nil
	}
	hours, err := as.Availability(ctx, start, end)
	if err != nil {
		return nil, err
	}
	if len(hours) == 0 {
		return nil, nil
	}
	out := map[string]*probeData{}
	get := func(n string) *probeData {
		if out[n] == nil {
			out[n] = &probeData{}
		}
		return out[n]
	}
	for _, h := range hours {
		d := get(h.Asset)
		d.hours = append(d.hours, sla.HourCount{Hour: h.Hour, Samples: h.Samples, Down: h.Down})
	}
	err = db.EachResult(ctx, store.ResultFilter{Kind: result.KindProbe, Since: start, Until: end}, func(r *store.StoredResult) error {
		if d := out[r.Asset]; d != nil {
			d.observed = append(d.observed, sla.Sample{At: r.StartedAt, Up: r.Status == result.OK})
		}
		return nil
	})
	return out, err
}

func hasCore(members map[string]bool, core map[string]bool) bool {
	for m := range members {
		if core[m] {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func recurring(o Options, acc *monthAcc) []Recurring {
	var out []Recurring
	for _, r := range acc.rec {
		if r.Runs < 2 {
			continue
		}
		x := r.Recurring
		for d := r.days; d != 0; d &= d - 1 {
			x.Days++
		}
		if x.Advice == "" || o.Lang == i18n.ZH && isASCII(x.Advice) {
			x.Advice = o.t("report.m.recurring_advice")
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Recurring) int {
		return cmp.Or(cmp.Compare(b.Worst, a.Worst), cmp.Compare(b.Runs, a.Runs), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Check, b.Check))
	})
	if len(out) > maxRecurringRows {
		out = out[:maxRecurringRows]
	}
	return out
}

// capacity fits each series of daily highest values and forecasts when it
// reaches its limit (100 for percentages; load has no limit and gets no
// forecast). Series that fill soonest come first.
func capacity(acc *monthAcc, start, effEnd time.Time) []Trend {
	var out []Trend
	for _, a := range acc.capac {
		t := a.Trend
		var pts []Point
		for i, v := range a.daily {
			if math.IsNaN(v) {
				continue
			}
			at := start.AddDate(0, 0, i).Add(12 * time.Hour)
			t.Points = append(t.Points, TrendPoint{At: at, Value: v})
			pts = append(pts, Point{At: at, Value: v})
			t.Max = math.Max(t.Max, v)
		}
		if t.Unit == "%" {
			t.Limit = 100
			f := ForecastLimit(pts, t.Limit, effEnd)
			t.Forecast, t.SlopeDay, t.R2 = f.OK, f.Slope, f.R2
			if f.OK && f.Slope > 0 && !math.IsInf(f.DaysUntil, 0) && !math.IsNaN(f.DaysUntil) && f.DaysUntil >= 0 {
				d := f.DaysUntil
				t.DaysUntil = &d
			}
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Trend) int {
		da, db := math.Inf(1), math.Inf(1)
		if a.DaysUntil != nil {
			da = *a.DaysUntil
		}
		if b.DaysUntil != nil {
			db = *b.DaysUntil
		}
		return cmp.Or(cmp.Compare(da, db), cmp.Compare(b.Status, a.Status), cmp.Compare(b.Max, a.Max), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Check, b.Check))
	})
	if len(out) > maxCapacityRows {
		out = out[:maxCapacityRows]
	}
	return out
}

// backupSection reads the backup verifications and restore drills of the
// month (runs of kind backup and drill, see hcops backup): the totals, the
// per-policy compliance table with the latest verdict of each aspect, and
// the drills with their restore times.
func backupSection(ctx context.Context, db store.History, start, end time.Time, loc *time.Location, lang string) (Backup, error) {
	var b Backup
	pol := map[policyKey]*policyAcc{}
	drills := map[drillKey]*DrillRow{}
	var drillOrder []drillKey
	for _, kind := range []string{result.KindBackup, result.KindDrill} {
		runs, err := db.RunSummaries(ctx, kind, start, end, store.Scope{})
		if err != nil {
			return b, err
		}
		if kind == result.KindBackup {
			b.Runs = len(runs)
		} else {
			b.Drills = len(runs)
		}
		if len(runs) == 0 {
			continue
		}
		err = db.EachResult(ctx, store.ResultFilter{Kind: kind, Since: start, Until: end}, func(r *store.StoredResult) error {
			b.Results++
			if r.Status != result.OK {
				b.Failed++
				if len(b.Problems) < 50 {
					b.Problems = append(b.Problems, BackupRow{RunID: r.RunID, Kind: kind, At: r.RunStartedAt.In(loc),
						Asset: clean(r.Asset), Check: clean(r.Check), Status: r.Status, Message: clean(msgIn(lang, r))})
				}
			}
			if kind == result.KindBackup {
				policyResult(pol, r, loc, lang)
			} else if k, ok := drillResult(drills, r, loc, lang); ok {
				drillOrder = append(drillOrder, k)
			}
			return nil
		})
		if err != nil {
			return b, err
		}
	}
	b.HasData = b.Results > 0
	if b.Results > 0 {
		b.Percent = 100 * float64(b.Results-b.Failed) / float64(b.Results)
	}

	slices.SortStableFunc(b.Problems, func(x, y BackupRow) int { return x.At.Compare(y.At) })
	// Drills newest first; the newest of each policy also goes to its row.
	lastDrill := map[policyKey]*DrillRow{}
	for i := len(drillOrder) - 1; i >= 0; i-- {
		d := drills[drillOrder[i]]
		if len(b.DrillRuns) < maxDrillRows {
			b.DrillRuns = append(b.DrillRuns, *d)
			if d.Status == result.OK {
				b.DrillsOK++
			}
		}
		if k := (policyKey{d.Asset, d.Policy}); lastDrill[k] == nil {
			lastDrill[k] = d
		}
	}
	for _, a := range pol {
		row := a.row()
		if d := lastDrill[policyKey{row.Asset, row.Policy}]; d != nil {
			dc := *d
			row.LastDrill = &dc
		}
		if row.Compliant {
			b.Compliant++
		}
		b.Policies = append(b.Policies, row)
	}
	slices.SortFunc(b.Policies, func(x, y PolicyRow) int {
		return cmp.Or(-cmp.Compare(x.Status, y.Status), cmp.Compare(btoi(x.Compliant), btoi(y.Compliant)), cmp.Compare(x.Policy, y.Policy))
	})
	b.Policies, b.DrillRuns = nonNil(b.Policies), nonNil(b.DrillRuns)
	return b, nil
}

const maxDrillRows = 100

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// policyAcc gathers one policy's verdicts over the month.
type policyAcc struct {
	name, asset, system string
	runs                map[int64]bool
	failedRuns          map[int64]bool
	lastAt              time.Time
	aspects             map[string]*aspectVerdict
	lastFail            string
	lastFailAt          time.Time
}

// aspectVerdict is the latest verdict of one aspect: the worst result of the
// newest run that judged it (integrity may be judged once per copy).
type aspectVerdict struct {
	run             int64
	at              time.Time // when that run started
	status          result.Status
	message, advice string
}

func policyResult(pol map[policyKey]*policyAcc, r *store.StoredResult, loc *time.Location, lang string) {
	name, ok := strings.CutPrefix(r.Check, "backup:")
	if !ok {
		name = r.Check
	}
	key := policyKey{r.Asset, name}
	a := pol[key]
	if a == nil {
		a = &policyAcc{name: clean(name), asset: clean(r.Asset), runs: map[int64]bool{}, failedRuns: map[int64]bool{}, aspects: map[string]*aspectVerdict{}}
		pol[key] = a
	}
	if r.System != "" {
		a.system = clean(r.System)
	}
	a.runs[r.RunID] = true
	if r.Status > result.Warn {
		a.failedRuns[r.RunID] = true
		if at := r.RunStartedAt.In(loc); !at.Before(a.lastFailAt) {
			a.lastFail, a.lastFailAt = clean(msgIn(lang, r)), at
		}
	}
	if at := r.RunStartedAt.In(loc); at.After(a.lastAt) {
		a.lastAt = at
	}
	v := a.aspects[r.Item]
	switch {
	case v == nil || r.RunID != v.run:
		// Results come ordered by run start: a new run replaces the verdict.
		v = &aspectVerdict{run: r.RunID, at: r.RunStartedAt, status: r.Status}
		a.aspects[r.Item] = v
	case r.Status > v.status:
		v.status = r.Status
	default:
		return
	}
	v.message, v.advice = clean(msgIn(lang, r)), clean(adviceIn(lang, r))
}

func (a *policyAcc) row() PolicyRow {
	row := PolicyRow{Policy: a.name, Asset: a.asset, System: a.system, Checks: len(a.runs),
		FailedRun: len(a.failedRuns), LastAt: a.lastAt, Compliant: len(a.failedRuns) == 0,
		LastFailure: a.lastFail, LastFailureAt: a.lastFailAt}
	// The newest run decides; an aspect last judged by an older run (the
	// newest run could not list copies, say) still shows its verdict.
	// Newest by start time: run ids are no clock (runners sharing a
	// history store runs out of order).
	var newestV *aspectVerdict
	for _, v := range a.aspects {
		if newestV == nil || v.at.After(newestV.at) || (v.at.Equal(newestV.at) && v.run > newestV.run) {
			newestV = v
		}
	}
	var newest int64
	if newestV != nil {
		newest = newestV.run
	}
	status := func(item string) *result.Status {
		if v := a.aspects[item]; v != nil {
			s := v.status
			return &s
		}
		return nil
	}
	row.Aspects = PolicyAspects{Freshness: status("freshness"), Sequence: status("sequence"), Retention: status("retention"),
		Size: status("size"), Integrity: status("integrity")}
	if v := a.aspects["listing"]; v != nil && v.run == newest {
		row.Aspects.Listing = status("listing")
	}
	// The worst verdict decides; on a tie the first in this order, then
	// aspects this version does not know, by name.
	order := []string{"listing", "freshness", "sequence", "retention", "size", "integrity"}
	for _, k := range sortedKeys(a.aspects) {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	var decider *aspectVerdict
	for _, item := range order {
		v := a.aspects[item]
		if v == nil || (item == "listing" && v.run != newest) {
			continue
		}
		if decider == nil || v.status > decider.status {
			decider = v
		}
	}
	if decider != nil {
		row.Status, row.Message = decider.status, decider.message
		if decider.status != result.OK {
			row.Advice = decider.advice
		}
	}
	return row
}

type drillKey struct {
	run    int64
	policy policyKey
}

// policyKey identifies a backup policy: its name on its asset.
type policyKey struct{ asset, policy string }

// drillResult folds one drill result into its drill; ok when it starts a
// new drill.
func drillResult(drills map[drillKey]*DrillRow, r *store.StoredResult, loc *time.Location, lang string) (drillKey, bool) {
	name, found := strings.CutPrefix(r.Check, "drill:")
	if !found {
		name = r.Check
	}
	k := drillKey{r.RunID, policyKey{r.Asset, name}}
	d := drills[k]
	isNew := d == nil
	if isNew {
		d = &DrillRow{RunID: r.RunID, At: r.RunStartedAt.In(loc), Policy: clean(name), Asset: clean(r.Asset), Status: r.Status, Message: clean(msgIn(lang, r))}
		drills[k] = d
	} else if r.Status > d.Status {
		d.Status, d.Message = r.Status, clean(msgIn(lang, r))
	}
	if r.Item == "restore" && r.Value != nil {
		v := *r.Value
		d.DurationS = &v
		if r.Status >= d.Status {
			d.Message = clean(msgIn(lang, r))
		}
	}
	return k, isNew
}

// risks ranks what could hurt next month: missed availability targets and
// long outages, filesystems filling within 30 days, certificates expiring,
// recurring critical findings, missed inspections and missing backup proof.
func risks(o Options, m *Monthly) []Risk {
	var out []Risk
	add := func(level result.Status, score float64, object, risk, advice string) {
		out = append(out, Risk{Level: level, Object: object, Risk: risk, Advice: advice, score: score})
	}
	var missedSys []AvailRow
	for _, s := range m.SystemAvail {
		if s.Known && !s.Met {
			missedSys = append(missedSys, s)
		}
	}
	if len(missedSys) > 3 { // one row for many systems that missed alike (issue #13)
		var names []string
		lowest, longest := 100.0, int64(0)
		for _, s := range missedSys {
			names = append(names, s.Name)
			lowest, longest = math.Min(lowest, s.Percent), max(longest, s.LongestS)
		}
		add(result.Crit, 100+float64(longest)/3600, joinMax(o, names, 8),
			o.t("report.risk.sla_many", len(missedSys), fmtPercent(lowest), fmtDuration(o.Lang, time.Duration(longest)*time.Second)),
			o.t("report.risk.sla_advice"))
		missedSys = nil
	}
	for _, s := range missedSys {
		add(result.Crit, 100+float64(s.LongestS)/3600, s.Name,
			o.t("report.risk.sla", s.Name, fmtPercent(s.Percent), fmtDuration(o.Lang, time.Duration(s.LongestS)*time.Second)),
			o.t("report.risk.sla_advice"))
	}
	var missedAssets []string
	for _, a := range m.AssetAvail {
		if a.Known && !a.Met {
			missedAssets = append(missedAssets, a.Name)
		}
	}
	if len(missedAssets) > 0 {
		add(result.Crit, 90, joinMax(o, missedAssets, 8), o.t("report.risk.asset_sla", len(missedAssets)), o.t("report.risk.asset_sla_advice"))
	}
	for _, c := range capacityRisks(o, m.Capacity) {
		level := result.Warn
		if c.soonest <= 7 {
			level = result.Crit
		}
		add(level, 80-c.soonest, c.object, c.risk,
			o.t("report.risk.capacity_advice", fmtDate(o.Lang, m.End.AddDate(0, 0, int(math.Max(1, math.Min(c.soonest/2, 14)))))))
	}
	for _, c := range m.Certificates {
		level := result.Warn
		if c.DaysLeft <= 14 {
			level = result.Crit
		}
		obj := c.Asset + " " + c.Item
		add(level, 70-c.DaysLeft/2, obj, o.t("report.risk.cert", obj, fmtDate(o.Lang, c.Expires)),
			o.t("report.risk.cert_advice", fmtDate(o.Lang, c.Expires.AddDate(0, 0, -14))))
	}
	for _, g := range m.RecurringGroups {
		if g.Status != result.Crit {
			continue
		}
		obj := onAssets(o, g.Check, g.Assets)
		add(result.Crit, 60+float64(g.Days)+float64(g.Count)/100, obj, o.t("report.risk.recurring_group", g.Count, g.Check, g.Days), g.Advice)
	}
	if len(m.Inspections.MissedDays) > 0 {
		add(result.Warn, 40, o.t("report.m.inspections_obj"), o.t("report.risk.missed", len(m.Inspections.MissedDays)), o.t("report.risk.missed_advice"))
	}
	backupRisks(o, m.Backup, add)
	slices.SortStableFunc(out, func(a, b Risk) int { return cmp.Or(cmp.Compare(b.Level, a.Level), cmp.Compare(b.score, a.score)) })
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// backupRisks: policies still failing at the end of the month (each its own
// risk, the worst first), failed restore drills, and backups nobody tried to
// restore.
func backupRisks(o Options, b Backup, add func(result.Status, float64, string, string, string)) {
	obj := o.t("report.m.backup_obj")
	if !b.HasData {
		add(result.Warn, 30, obj, o.t("report.risk.no_backup"), o.t("report.risk.no_backup_advice"))
		return
	}
	var failing []PolicyRow
	for _, p := range b.Policies {
		if p.Status > result.Warn {
			failing = append(failing, p)
		}
	}
	const each = 5
	for i, p := range failing {
		if i == each {
			var rest []string
			for _, q := range failing[each:] {
				rest = append(rest, q.Policy)
			}
			add(result.Crit, 84, joinMax(o, rest, 8), o.t("report.risk.backup_more", len(rest)), o.t("report.risk.backup_failed_advice"))
			break
		}
		advice := p.Advice
		if advice == "" {
			advice = o.t("report.risk.backup_failed_advice")
		}
		add(result.Crit, 85, o.t("report.risk.backup_obj", p.Policy, p.Asset), p.Message, advice)
	}
	if len(b.Policies) == 0 && b.Runs > 0 && b.Failed > 0 {
		// results without a policy name (older records): the totals only
		add(result.Crit, 85, obj, o.t("report.risk.backup_failed", b.Failed), o.t("report.risk.backup_failed_advice"))
	}
	seen := map[policyKey]bool{}
	for _, d := range b.DrillRuns { // newest first: only a policy's latest drill counts
		k := policyKey{d.Asset, d.Policy}
		if seen[k] {
			continue
		}
		seen[k] = true
		if d.Status != result.OK {
			add(result.Crit, 83, o.t("report.risk.drill_obj", d.Policy), o.t("report.risk.drill_failed", fmtDate(o.Lang, d.At), d.Message), o.t("report.risk.drill_failed_advice"))
		}
	}
	if len(b.DrillRuns) == 0 {
		add(result.Warn, 35, obj, o.t("report.risk.no_drill"), o.t("report.risk.no_drill_advice"))
	}
}

func joinMax(o Options, names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, o.t("report.listsep"))
	}
	return strings.Join(names[:n], o.t("report.listsep")) + o.t("report.m.and_more", len(names))
}

func kpis(o Options, m *Monthly) []KPI {
	var out []KPI
	ok := func(b bool) *bool { return &b }
	met := func(b *bool) string {
		switch {
		case b == nil:
			return o.t("report.verdict.nodata")
		case *b:
			return o.t("report.verdict.met")
		}
		return o.t("report.verdict.missed")
	}
	// Asset availability by target class.
	for _, class := range []struct {
		key    string
		target float64
	}{{"report.kpi.host", sla.TargetHost}, {"report.kpi.multiaz", sla.TargetMultiAZ}, {"report.kpi.link", sla.TargetLinkStorage}} {
		n, known, good := 0, 0, 0
		lowest := 100.0
		for _, a := range m.AssetAvail {
			if a.Target != class.target {
				continue
			}
			n++
			if a.Known {
				known++
				lowest = math.Min(lowest, a.Percent)
				if a.Met {
					good++
				}
			}
		}
		if n == 0 {
			continue
		}
		k := KPI{Name: o.t(class.key), Target: "≥ " + fmtPercent(class.target)}
		if known > 0 {
			k.OK = ok(good == known)
			k.Actual = o.t("report.kpi.asset_actual", good, known, fmtPercent(lowest))
			if known < n {
				k.Actual += o.t("report.kpi.asset_unknown", n-known)
			}
		} else {
			k.Actual = o.t("report.kpi.asset_all_unknown", n)
		}
		k.Met = met(k.OK)
		out = append(out, k)
	}
	for _, core := range []bool{true, false} {
		key, limit := "report.kpi.noncore", sla.MaxOutageNonCore
		if core {
			key, limit = "report.kpi.core", sla.MaxOutageCore
		}
		n, known, good := 0, 0, 0
		var longest int64
		for _, s := range m.SystemAvail {
			if s.Core != core {
				continue
			}
			n++
			if s.Known {
				known++
				longest = max(longest, s.LongestS)
				if s.LongestS < s.MaxOutageS {
					good++
				}
			}
		}
		if n == 0 {
			continue
		}
		k := KPI{Name: o.t(key), Target: o.t("report.kpi.outage_target", fmtDuration(o.Lang, limit))}
		if known > 0 {
			k.OK = ok(good == known)
			k.Actual = o.t("report.kpi.outage_actual", fmtDuration(o.Lang, time.Duration(longest)*time.Second), good, known)
		} else {
			k.Actual = o.t("report.verdict.nodata")
		}
		k.Met = met(k.OK)
		out = append(out, k)
	}
	in := m.Inspections
	k := KPI{Name: o.t("report.kpi.inspection"), Target: "100%"}
	if in.DaysDue > 0 {
		k.OK = ok(in.DaysWith == in.DaysDue)
		k.Actual = o.t("report.kpi.inspection_actual", fmtNum(roundTo(in.Percent, 1)), in.DaysWith, in.DaysDue, in.Runs)
	} else {
		k.Actual = o.t("report.verdict.nodata")
	}
	k.Met = met(k.OK)
	out = append(out, k)
	b := m.Backup
	k = KPI{Name: o.t("report.kpi.backup"), Target: "100%"}
	switch {
	case len(b.Policies) > 0:
		// Per policy: a policy meets its promise when no verification of
		// the month found worse than a warning.
		k.OK = ok(b.Compliant == len(b.Policies))
		k.Actual = o.t("report.kpi.backup_policies", fmtNum(roundTo(100*float64(b.Compliant)/float64(len(b.Policies)), 1)), b.Compliant, len(b.Policies))
	case b.HasData && b.Runs > 0:
		k.OK = ok(b.Failed == 0)
		k.Actual = o.t("report.kpi.backup_actual", fmtNum(roundTo(b.Percent, 1)), b.Results-b.Failed, b.Results)
	default:
		k.Actual = o.t("report.m.backup_none_short")
	}
	k.Met = met(k.OK)
	out = append(out, k)

	k = KPI{Name: o.t("report.kpi.drill"), Target: o.t("report.kpi.drill_target")}
	if len(b.DrillRuns) > 0 {
		k.OK = ok(b.DrillsOK == len(b.DrillRuns))
		k.Actual = o.t("report.kpi.drill_actual", b.DrillsOK, len(b.DrillRuns))
	} else if b.HasData {
		k.OK = ok(false)
		k.Actual = o.t("report.kpi.drill_none")
	} else {
		k.Actual = o.t("report.m.backup_none_short")
	}
	k.Met = met(k.OK)
	return append(out, k)
}

func overview(o Options, m *Monthly) []string {
	in := m.Inspections
	out := []string{o.t("report.m.ov_inspections", m.Period, in.Runs, in.DaysWith, in.DaysDue, len(in.MissedDays))}
	c := in.Counts
	out = append(out, o.t("report.m.ov_results", c.Total(), c.Crit, c.Warn, c.Unreachable, c.Unknown))
	metSys, knownSys := 0, 0
	for _, s := range m.SystemAvail {
		if s.Known {
			knownSys++
			if s.Met {
				metSys++
			}
		}
	}
	if len(m.SystemAvail) > 0 {
		out = append(out, o.t("report.m.ov_systems", len(m.SystemAvail), metSys, knownSys-metSys, len(m.SystemAvail)-knownSys, len(m.Outages)))
	}
	soon := 0
	for _, t := range m.Capacity {
		if t.DaysUntil != nil && *t.DaysUntil <= 30 {
			soon++
		}
	}
	out = append(out, o.t("report.m.ov_capacity", soon, len(m.Certificates)))
	if b := m.Backup; len(b.Policies) > 0 {
		out = append(out, o.t("report.m.ov_backup", len(b.Policies), b.Compliant, len(b.Policies)-b.Compliant, len(b.DrillRuns), b.DrillsOK))
	}
	crit := 0
	for _, r := range m.Risks {
		if r.Level == result.Crit {
			crit++
		}
	}
	if len(m.Risks) == 0 {
		out = append(out, o.t("report.m.ov_norisk"))
	} else {
		out = append(out, o.t("report.m.ov_risks", len(m.Risks), crit))
	}
	return out
}

// plan is the next month's plan: the file named by report.plan_template (a
// Go text template; one item a line, "- " bullets allowed) or, without one,
// a plan built from the month's open risks (riskPlan). The template sees
// .Month, .NextMonth (as written in the report) and .Risks.
func plan(o Options, m *Monthly, start time.Time) ([]string, error) {
	next := start.AddDate(0, 1, 0)
	data := map[string]any{"Month": fmtMonth(o.Lang, start), "NextMonth": fmtMonth(o.Lang, next), "Risks": m.Risks}
	if o.PlanTemplate == "" {
		return riskPlan(o, m, start), nil
	}
	b, err := os.ReadFile(o.PlanTemplate)
	if err != nil {
		return nil, fmt.Errorf("monthly report: plan template: %w", err)
	}
	t, err := template.New("plan").Option("missingkey=error").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("monthly report: plan template %s: %w", o.PlanTemplate, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("monthly report: plan template %s: %w", o.PlanTemplate, err)
	}
	var out []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimLeft(line, "-*•"))
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, clean(line))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("monthly report: the plan template gives no plan items (one item a line)")
	}
	return out, nil
}
