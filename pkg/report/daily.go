package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// DailyInput is what a daily report is made from: one run with its results,
// the previous run of the same kind (nil when none) and the inventory the
// run was made against (nil when unknown).
type DailyInput struct {
	Run      result.Run
	Previous *result.Run
	// PreviousStatuses, when Previous has no results loaded, holds the
	// status of each of its results by key (store.RunStatuses).
	PreviousStatuses map[result.Key]result.Status
	Assets           []*inventory.Asset
}

// NewDaily builds the daily inspection report of a run. It does not touch
// the store; BuildDaily reads the store and calls it.
func NewDaily(in DailyInput, o Options) *Daily {
	loc := o.loc()
	run := in.Run
	started := run.StartedAt.In(loc)
	d := &Daily{
		Kind:      "daily",
		RunID:     run.ID,
		RunKind:   run.Kind,
		RunStatus: run.Status,
		StartedAt: started,
		Operator:  clean(run.Operator),
		RanFrom:   clean(run.RanFrom),
		Playbooks: append([]string{}, run.Playbooks...),
		Selector:  clean(run.Selector),
		Period:    fmtDate(o.Lang, started),
	}
	if d.Playbooks == nil {
		d.Playbooks = []string{}
	}
	if !run.FinishedAt.IsZero() {
		d.FinishedAt = run.FinishedAt.In(loc)
	}
	d.Header = o.header(o.t("report.daily.title"), fmt.Sprintf("XJ-%s-%d", started.Format("20060102"), run.ID))

	byName := map[string]*inventory.Asset{}
	for _, a := range in.Assets {
		byName[a.Name] = a
	}

	// Per asset: results, worst, counts.
	details := map[string]*AssetDetail{}
	unreach := map[string]*UnreachableAsset{}
	var problems []*result.Result
	for i := range run.Results {
		r := &run.Results[i]
		d.Counts.Add(r.Status)
		d.Worst = result.Worst(d.Worst, r.Status)
		ad := details[r.Asset]
		if ad == nil {
			ad = &AssetDetail{Asset: clean(r.Asset), System: clean(r.System), Zone: clean(r.Zone), Rows: []DetailRow{}}
			if a := byName[r.Asset]; a != nil {
				ad.Address = clean(a.Address)
				if ad.System == "" {
					ad.System = clean(a.System)
				}
				if ad.Zone == "" {
					ad.Zone = clean(a.Zone)
				}
			}
			details[r.Asset] = ad
		}
		ad.Counts.Add(r.Status)
		ad.Worst = result.Worst(ad.Worst, r.Status)
		ad.Rows = append(ad.Rows, DetailRow{
			Check: clean(r.Check), CheckName: checkName(o.Lang, clean(r.Check), r.Type, clean(r.Item)), Item: clean(r.Item), Status: r.Status,
			Value: fmtValueL(o.Lang, r.Value, r.Unit), Threshold: threshold(o.Lang, r.Warn, r.Crit, r.Unit),
			Message: readable(msgIn(o.Lang, r)),
		})
		if r.Status == result.Unreachable && unreach[r.Asset] == nil {
			unreach[r.Asset] = &UnreachableAsset{
				Asset: ad.Asset, Address: ad.Address, System: ad.System, Zone: ad.Zone,
				Reason: clean(r.Reason), Message: readable(msgIn(o.Lang, r)),
				Advice: unreachableAdvice(o, r.Reason),
			}
		}
		if r.Status != result.OK {
			d.Findings = append(d.Findings, o.finding(r, ad, started))
			if r.Status != result.Unreachable {
				problems = append(problems, r)
			}
		}
	}
	d.Assets = len(details)
	d.Checks = len(run.Results)

	for _, ad := range details {
		slices.SortStableFunc(ad.Rows, func(a, b DetailRow) int {
			return cmp.Or(cmp.Compare(b.Status, a.Status), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Item, b.Item))
		})
		d.Details = append(d.Details, *ad)
	}
	slices.SortFunc(d.Details, func(a, b AssetDetail) int {
		return cmp.Or(cmp.Compare(b.Worst, a.Worst), cmp.Compare(a.Asset, b.Asset))
	})
	d.Details = nonNil(d.Details)
	sortFindings(d.Findings)
	d.Findings = nonNil(d.Findings)

	for _, u := range unreach {
		d.Unreachable = append(d.Unreachable, *u)
	}
	slices.SortFunc(d.Unreachable, func(a, b UnreachableAsset) int { return cmp.Compare(a.Asset, b.Asset) })
	d.Unreachable = nonNil(d.Unreachable)

	// Coverage against the inventory snapshot; without one, against the
	// number of inventory assets the run recorded.
	d.Coverage.Inspected = d.Assets
	if len(in.Assets) > 0 {
		d.Coverage.Inventory = len(in.Assets)
		for _, a := range in.Assets {
			if details[a.Name] == nil && len(d.Coverage.NotInspected) < 50 {
				d.Coverage.NotInspected = append(d.Coverage.NotInspected, clean(a.Name))
			}
		}
		slices.Sort(d.Coverage.NotInspected)
	} else {
		d.Coverage.Inventory = max(run.Inventory, run.Assets, d.Assets)
	}
	if d.Coverage.Inventory > 0 {
		d.Coverage.Percent = 100 * float64(min(d.Coverage.Inspected, d.Coverage.Inventory)) / float64(d.Coverage.Inventory)
	}

	d.BySystem = groupCounts(details, func(a *AssetDetail) string { return a.System }, o.t("report.none_group"))
	d.ByZone = groupCounts(details, func(a *AssetDetail) string { return a.Zone }, o.t("report.none_group"))

	d.CountLine = countLine(o, d.Assets, d.Checks, d.Counts, len(d.Unreachable))
	d.Changes = changes(o, run, in.Previous, in.PreviousStatuses, details, started)
	d.Groups = o.dailyGroups(problems, details, d.Changes.New, started)
	d.Changes.NewGroups = o.dailyGroups(newResults(run, d.Changes.New), details, nil, started)
	d.UnreachableGroups = nonNil(groupUnreachable(o.Lang, d.Unreachable))
	for _, ad := range d.Details {
		if ad.Worst == result.OK {
			d.OKAssets = append(d.OKAssets, ad.Asset)
		}
	}
	slices.SortFunc(d.OKAssets, naturalCompare)
	d.OKAssets = nonNil(d.OKAssets)
	d.Conclusion = dailyConclusion(o, d)
	d.StatusChart = statusBar(o, d.Counts)
	d.Sign = o.signers("report.sign.inspector")
	d.Notes = []string{o.t("report.daily.note_status"), o.t("report.daily.note_source", run.ID)}
	if run.Status != "" && run.Status != result.RunCompleted {
		d.Notes = append([]string{o.t("report.daily.note_incomplete", o.t("report.runstatus."+run.Status))}, d.Notes...)
	}
	return d
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// sortFindings puts the worst first, then by asset and check, so the reader
// meets the exceptions in order of urgency.
func sortFindings(f []Finding) {
	slices.SortStableFunc(f, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Status, a.Status), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Item, b.Item))
	})
}

func (o *Options) finding(r *result.Result, ad *AssetDetail, at time.Time) Finding {
	f := Finding{
		Asset: ad.Asset, System: ad.System, Zone: ad.Zone,
		Check: clean(r.Check), CheckName: checkName(o.Lang, clean(r.Check), r.Type, clean(r.Item)), Item: clean(r.Item), Status: r.Status,
		Value: fmtValueL(o.Lang, r.Value, r.Unit), Threshold: threshold(o.Lang, r.Warn, r.Crit, r.Unit),
		Message: readable(msgIn(o.Lang, r)), Evidence: trimEvidence(r.Evidence, clean(r.Item), r.EvidenceTruncated),
	}
	f.Advice = o.advice(r, f, at)
	return f
}

// advice is the check's own advice when it gave one, with a deadline from
// the severity; otherwise a concrete default naming object, item and
// deadline (建议于…前…), never a bare "建议关注".
func (o *Options) advice(r *result.Result, f Finding, at time.Time) string {
	if r.Status == result.Unreachable {
		return unreachableAdvice(*o, r.Reason)
	}
	name := f.CheckName
	if name == "" {
		name = checkName(o.Lang, f.Check, r.Type, f.Item)
	}
	return o.adviceFor(r, f.Asset+" "+name, at)
}

// adviceFor is advice for object (an asset and check, or a check on the
// assets of a group). The check's own advice is used when it reads in the
// report's language: advice stored as plain English text (no code) does not
// go into a Chinese report, which gets the default advice instead.
func (o *Options) adviceFor(r *result.Result, object string, at time.Time) string {
	if r.Status == result.Unreachable {
		return unreachableAdvice(*o, r.Reason)
	}
	var deadline string
	switch r.Status {
	case result.Crit:
		deadline = o.t("report.deadline.today")
	case result.Warn:
		deadline = o.t("report.deadline.before", fmtDate(o.Lang, at.AddDate(0, 0, 7)))
	default:
		deadline = o.t("report.deadline.next_run")
	}
	if a := readable(adviceIn(o.Lang, r)); a != "" && (r.AdviceCode != "" || o.Lang != i18n.ZH || !isASCII(a)) {
		return o.t("report.advice.with_deadline", deadline, a)
	}
	switch r.Status {
	case result.Crit:
		return o.t("report.advice.crit", deadline, object)
	case result.Warn:
		return o.t("report.advice.warn", deadline, object)
	}
	return o.t("report.advice.unknown", object)
}

func unreachableAdvice(o Options, reason string) string {
	key := "report.advice.unreach." + reason
	if !i18n.Has(key) {
		key = "report.advice.unreach.other"
	}
	return o.t(key)
}

func groupCounts(details map[string]*AssetDetail, key func(*AssetDetail) string, none string) []GroupCount {
	m := map[string]*GroupCount{}
	for _, ad := range details {
		k := key(ad)
		if k == "" {
			k = none
		}
		g := m[k]
		if g == nil {
			g = &GroupCount{Name: k}
			m[k] = g
		}
		g.Assets++
		c := &g.Counts
		c.OK += ad.Counts.OK
		c.Warn += ad.Counts.Warn
		c.Crit += ad.Counts.Crit
		c.Unknown += ad.Counts.Unknown
		c.Unreachable += ad.Counts.Unreachable
		g.Worst = result.Worst(g.Worst, ad.Worst)
	}
	out := make([]GroupCount, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b GroupCount) int {
		return cmp.Or(cmp.Compare(b.Worst, a.Worst), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// countLine is the summary sentence: 本次共巡检 N 台设备、M 项指标，正常 x 项，
// 警告 y 项，严重 z 项，无法连接 u 台 (UNKNOWN results are named when there are
// any: a check that could not decide is never silently counted as normal).
func countLine(o Options, assets, checks int, c result.Counts, unreachable int) string {
	s := o.t("report.countline", assets, checks, c.OK, c.Warn, c.Crit, unreachable)
	if c.Unknown > 0 {
		s += o.t("report.countline.unknown", c.Unknown)
	}
	return s + o.t("report.fullstop")
}

func dailyConclusion(o Options, d *Daily) string {
	c := d.Counts
	switch {
	case d.Checks == 0:
		return o.t("report.daily.concl.empty")
	case c.Crit == 0 && c.Warn == 0 && c.Unknown == 0 && len(d.Unreachable) == 0:
		return o.t("report.daily.concl.ok")
	case c.Crit == 0 && len(d.Unreachable) == 0:
		return o.t("report.daily.concl.warn", c.Warn+c.Unknown)
	}
	return o.t("report.daily.concl.crit", c.Crit, c.Warn, len(d.Unreachable))
}

// changes compares the run with the previous one: a problem is new when the
// check was OK or absent before, or worse now; it is resolved when it was a
// problem before and is OK now. Checks absent from this run are neither.
func changes(o Options, run result.Run, prev *result.Run, before map[result.Key]result.Status, details map[string]*AssetDetail, at time.Time) Changes {
	ch := Changes{New: []Finding{}, Resolved: []Finding{}}
	if prev == nil {
		return ch
	}
	ch.HasPrevious = true
	ch.PreviousRunID = prev.ID
	ch.PreviousAt = prev.StartedAt.In(o.loc())
	if before == nil {
		before = make(map[result.Key]result.Status, len(prev.Results))
		for i := range prev.Results {
			before[prev.Results[i].Key()] = prev.Results[i].Status
		}
	}
	for i := range run.Results {
		r := &run.Results[i]
		ps, had := before[r.Key()]
		ad := details[r.Asset]
		switch {
		case r.Status != result.OK && (!had || ps < r.Status):
			f := o.finding(r, ad, at)
			f.Change = "new"
			if had && ps != result.OK {
				f.Change = "worse"
				p := ps
				f.PrevStatus = &p
			}
			ch.New = append(ch.New, f)
		case r.Status == result.OK && had && ps != result.OK:
			f := Finding{Asset: ad.Asset, System: ad.System, Zone: ad.Zone, Check: clean(r.Check), CheckName: checkName(o.Lang, clean(r.Check), r.Type, clean(r.Item)), Item: clean(r.Item),
				Status: r.Status, Value: fmtValueL(o.Lang, r.Value, r.Unit), Threshold: threshold(o.Lang, r.Warn, r.Crit, r.Unit),
				Message: readable(msgIn(o.Lang, r))}
			p := ps
			f.PrevStatus = &p
			ch.Resolved = append(ch.Resolved, f)
		}
	}
	sortFindings(ch.New)
	slices.SortStableFunc(ch.Resolved, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(*b.PrevStatus, *a.PrevStatus), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Check, b.Check))
	})
	return ch
}

// dailyGroups aggregates a run's problems (see groupFindings); isNew marks
// the assets on which a problem is new since the previous run.
func (o *Options) dailyGroups(rs []*result.Result, details map[string]*AssetDetail, news []Finding, at time.Time) []FindingGroup {
	isNew := map[result.Key]bool{}
	for _, f := range news {
		isNew[result.Key{Asset: f.Asset, Check: f.Check, Item: f.Item}] = true
	}
	gs := make([]groupable, 0, len(rs))
	byAsset := map[*groupable]*result.Result{}
	for _, r := range rs {
		ad := details[r.Asset]
		gs = append(gs, groupable{
			asset: ad.Asset, system: ad.System, check: clean(r.Check), typ: r.Type, item: clean(r.Item),
			threshold: threshold(o.Lang, r.Warn, r.Crit, r.Unit), unit: r.Unit, status: r.Status, value: r.Value,
			message: readable(msgIn(o.Lang, r)), evidence: trimEvidence(r.Evidence, clean(r.Item), r.EvidenceTruncated),
			code: r.Code, args: r.Args, isNew: isNew[result.Key{Asset: ad.Asset, Check: clean(r.Check), Item: clean(r.Item)}],
		})
	}
	for i := range gs {
		byAsset[&gs[i]] = rs[i]
	}
	return nonNil(o.groupFindings(gs, func(g *groupable, object string) string {
		return o.adviceFor(byAsset[g], object, at)
	}))
}

// newResults are the results of run behind the findings fs.
func newResults(run result.Run, fs []Finding) []*result.Result {
	want := map[result.Key]bool{}
	for _, f := range fs {
		want[result.Key{Asset: f.Asset, Check: f.Check, Item: f.Item}] = true
	}
	var out []*result.Result
	for i := range run.Results {
		r := &run.Results[i]
		if r.Status != result.Unreachable && want[result.Key{Asset: clean(r.Asset), Check: clean(r.Check), Item: clean(r.Item)}] {
			out = append(out, r)
		}
	}
	return out
}
