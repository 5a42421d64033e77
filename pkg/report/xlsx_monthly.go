package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

func metWord(lang string, ok *bool) string {
	switch {
	case ok == nil:
		return i18n.T(lang, "report.verdict.nodata")
	case *ok:
		return i18n.T(lang, "report.verdict.met")
	}
	return i18n.T(lang, "report.verdict.missed")
}

// verdictStatus maps 达标/未达标/数据不足 onto status colours for the
// conditional formatting of the "met" columns.
func monthlyXLSX(b *xlsxBook, m *Monthly) error {
	l := b.lang
	hours := func(s int64) float64 { return roundTo(time.Duration(s*int64(time.Second)).Hours(), 2) }

	s, err := b.sheet("report.sheet.summary")
	if err != nil {
		return err
	}
	if err := s.head(b, "report.c.name", "report.c.content"); err != nil {
		return err
	}
	for _, r := range append([][2]any{
		{"report.f.site", m.Header.Site}, {"report.f.client", m.Header.Client}, {"report.f.period", m.Period},
		{"report.f.report_no", m.Header.ReportNo}, {"report.f.author", m.Header.Engineer}, {"report.f.reviewer", m.Header.Reviewer},
		{"report.f.generated", fmtTime(m.Header.GeneratedAt)},
	}, scopeRow(m.Scope)...) {
		if err := kv(s, l, r[0].(string), r[1]); err != nil {
			return err
		}
	}
	for _, line := range m.Overview {
		if err := s.set(i18n.T(l, "report.h.overview"), line); err != nil {
			return err
		}
	}
	s.row++
	if err := s.set(i18n.T(l, "report.c.kpi"), i18n.T(l, "report.c.target"), i18n.T(l, "report.c.actual"), i18n.T(l, "report.c.met")); err != nil {
		return err
	}
	for _, k := range m.KPIs {
		if err := s.set(k.Name, k.Target, k.Actual, metWord(l, k.OK)); err != nil {
			return err
		}
	}
	if err := s.finish(b); err != nil {
		return err
	}

	a, err := b.sheet("report.sheet.availability")
	if err != nil {
		return err
	}
	if err := a.head(b, "report.c.name", "report.c.kind", "report.c.system", "report.c.core", "report.c.target", "report.c.actual",
		"report.c.down", "report.c.unknown", "report.c.coverage", "report.c.maint", "report.c.outages", "report.c.longest", "report.c.met"); err != nil {
		return err
	}
	for _, rows := range [][]AvailRow{m.SystemAvail, m.AssetAvail} {
		for _, r := range rows {
			var pct any
			if r.Known {
				pct = roundTo(r.Percent, 3)
			}
			var target any
			if r.Target > 0 {
				target = r.Target
			}
			if err := a.set(r.Name, i18n.T(l, "report.scope."+r.Scope), r.System, i18n.T(l, map[bool]string{true: "report.yes", false: "report.no"}[r.Core]),
				target, pct, hours(r.DownS), hours(r.UnknownS), roundTo(r.Coverage, 1), hours(r.MaintS), r.Outages, hours(r.LongestS), r.Verdict); err != nil {
				return err
			}
		}
	}
	a.statusCol = 13
	if err := a.finishVerdicts(b); err != nil {
		return err
	}
	if err := linksXLSX(b, m); err != nil {
		return err
	}

	f, err := b.sheet("report.sheet.findings")
	if err != nil {
		return err
	}
	f.statusCol = 4
	if err := f.head(b, "report.c.asset", "report.c.check", "report.c.item", "report.c.worst", "report.c.times", "report.c.days", "report.c.last_msg", "report.c.advice"); err != nil {
		return err
	}
	for _, r := range m.Recurring {
		if err := f.set(r.Asset, r.Check, r.Item, r.Worst, r.Runs, r.Days, r.LastMessage, r.Advice); err != nil {
			return err
		}
	}
	if err := f.finish(b); err != nil {
		return err
	}

	t, err := b.sheet("report.sheet.trends")
	if err != nil {
		return err
	}
	keys := []string{"report.c.asset", "report.c.check", "report.c.item", "report.c.kind", "report.c.last", "report.c.max", "report.c.slope", "report.c.days_until", "report.c.status"}
	if err := t.head(b, keys...); err != nil {
		return err
	}
	// Daily values follow the fixed columns, one column per day.
	for i := range m.Inspections.Days {
		cell, _ := cellName(len(keys)+1+i, t.header)
		if err := b.f.SetCellStr(t.name, cell, m.Inspections.Days[i].Date[5:]); err != nil {
			return err
		}
	}
	for _, c := range m.Capacity {
		var days any
		if c.DaysUntil != nil {
			days = roundTo(*c.DaysUntil, 1)
		}
		var slope any
		if c.Forecast {
			slope = roundTo(c.SlopeDay, 3)
		}
		vals := []any{c.Asset, c.Check, c.Item, c.Kind + " (" + c.Unit + ")", c.Last, c.Max, slope, days, c.Status}
		daily := make([]any, len(m.Inspections.Days))
		for _, p := range c.Points {
			if i := int(p.At.Sub(m.Start).Hours() / 24); i >= 0 && i < len(daily) {
				daily[i] = p.Value
			}
		}
		if err := t.set(append(vals, daily...)...); err != nil {
			return err
		}
	}
	t.statusCol = 9
	if err := t.finish(b); err != nil {
		return err
	}

	in, err := b.sheet("report.sheet.inspections")
	if err != nil {
		return err
	}
	if err := in.head(b, "report.c.date", "report.c.runs", "status.OK", "status.WARN", "status.CRIT", "status.UNKNOWN", "status.UNREACHABLE", "report.c.missed"); err != nil {
		return err
	}
	for _, d := range m.Inspections.Days {
		if d.Future {
			continue
		}
		missed := ""
		if d.Missed {
			missed = i18n.T(l, "report.yes")
		}
		if err := in.set(d.Date, d.Runs, d.Counts.OK, d.Counts.Warn, d.Counts.Crit, d.Counts.Unknown, d.Counts.Unreachable, missed); err != nil {
			return err
		}
	}
	if err := in.finish(b); err != nil {
		return err
	}

	o, err := b.sheet("report.sheet.outages")
	if err != nil {
		return err
	}
	if err := o.head(b, "report.c.object", "report.c.kind", "report.c.core", "report.c.start", "report.c.end", "report.c.duration", "report.c.limit"); err != nil {
		return err
	}
	for _, x := range m.Outages {
		end := fmtTime(x.End)
		if x.Ongoing {
			end = i18n.T(l, "report.ongoing")
		}
		var limit any
		if x.LimitS > 0 {
			limit = fmtDuration(l, time.Duration(x.LimitS)*time.Second)
		}
		if err := o.set(x.Object, i18n.T(l, "report.scope."+x.Scope), i18n.T(l, map[bool]string{true: "report.yes", false: "report.no"}[x.Core]),
			fmtTime(x.Start), end, fmtDuration(l, time.Duration(x.DurationS)*time.Second), limit); err != nil {
			return err
		}
	}
	if err := o.finish(b); err != nil {
		return err
	}

	if err := backupXLSX(b, &m.Backup); err != nil {
		return err
	}

	r, err := b.sheet("report.sheet.risks")
	if err != nil {
		return err
	}
	r.statusCol = 2
	if err := r.head(b, "report.c.no", "report.c.level", "report.c.object", "report.c.risk", "report.c.prevention"); err != nil {
		return err
	}
	for _, x := range m.Risks {
		if err := r.set(x.Rank, x.Level, x.Object, x.Risk, x.Advice); err != nil {
			return err
		}
	}
	return r.finish(b)
}

// finishVerdicts colours a 达标/未达标/数据不足 column like OK/CRIT/UNKNOWN.
func (s *sheet) finishVerdicts(b *xlsxBook) error {
	col := s.statusCol
	s.statusCol = 0
	if err := s.finish(b); err != nil {
		return err
	}
	if s.row <= s.header {
		return nil
	}
	name, _ := columnName(col)
	ref := name + itoa(s.header+1) + ":" + name + itoa(s.row)
	// In a fixed order: the same report makes the same workbook.
	for _, v := range []struct {
		st  result.Status
		key string
	}{{result.OK, "report.verdict.met"}, {result.Crit, "report.verdict.missed"}, {result.Unknown, "report.verdict.nodata"}} {
		if err := s.cond(b, ref, v.st, i18n.T(s.lang, v.key)); err != nil {
			return err
		}
	}
	return nil
}

// backupXLSX is the backup sheet: the policy compliance table, then the
// restore drills with their restore times.
func backupXLSX(b *xlsxBook, bk *Backup) error {
	l := b.lang
	s, err := b.sheet("report.sheet.backup")
	if err != nil {
		return err
	}
	if !bk.HasData {
		if err := s.set(i18n.T(l, "report.m.backup_none")); err != nil {
			return err
		}
		return s.finish(b)
	}
	aspect := func(st *result.Status) any {
		if st == nil {
			return "—"
		}
		return *st
	}
	s.statusCol = 4
	if err := s.head(b, "report.c.no", "report.c.policy", "report.c.asset", "report.c.status", "report.c.freshness", "report.c.sequence",
		"report.c.retention", "report.c.size", "report.c.integrity", "report.c.verified", "report.c.last_check", "report.c.compliant",
		"report.c.last_drill", "report.c.restore", "report.c.message", "report.c.advice"); err != nil {
		return err
	}
	for i, p := range bk.Policies {
		var drill, restore any
		if d := p.LastDrill; d != nil {
			drill = statusWord(l, d.Status) + " " + fmtShort(d.At)
			restore = optSeconds(l, d.DurationS)
		}
		a := p.Aspects
		if err := s.set(i+1, p.Policy, p.Asset, p.Status, aspect(a.Freshness), aspect(a.Sequence), aspect(a.Retention), aspect(a.Size),
			aspect(a.Integrity), fmt.Sprintf("%d (%d)", p.Checks, p.FailedRun), fmtShort(p.LastAt),
			i18n.T(l, map[bool]string{true: "report.yes", false: "report.no"}[p.Compliant]), drill, restore, p.Message, p.Advice); err != nil {
			return err
		}
	}
	// Colour every verdict column, not only the overall one.
	if err := s.finish(b); err != nil {
		return err
	}
	for col := 5; col <= 9; col++ {
		if err := s.colourStatuses(b, col); err != nil {
			return err
		}
	}

	d, err := b.sheet("report.sheet.drills")
	if err != nil {
		return err
	}
	d.statusCol = 5
	if err := d.head(b, "report.c.no", "report.c.time", "report.c.policy", "report.c.asset", "report.c.status", "report.c.restore", "report.c.message"); err != nil {
		return err
	}
	for i, x := range bk.DrillRuns {
		var secs any
		if x.DurationS != nil {
			secs = optSeconds(l, x.DurationS)
		}
		if err := d.set(i+1, fmtTime(x.At), x.Policy, x.Asset, x.Status, secs, x.Message); err != nil {
			return err
		}
	}
	return d.finish(b)
}

// linksXLSX writes the links' availability (SLA2), one row per link.
func linksXLSX(b *xlsxBook, m *Monthly) error {
	l := b.lang
	s, err := b.sheet("report.sheet.links")
	if err != nil {
		return err
	}
	if err := s.head(b, "report.links.c.link", "report.links.c.ends", "report.links.c.measured", "report.links.c.samples_n", "report.links.c.samples_down",
		"report.c.actual", "report.c.target", "report.c.down", "report.c.outages", "report.links.c.worst",
		"report.links.c.pings", "report.links.c.loss", "report.links.c.rtt_avg", "report.links.c.rtt_max", "report.links.c.jitter", "report.c.met"); err != nil {
		return err
	}
	for _, r := range m.Links {
		var pct any
		if r.Known {
			pct = roundTo(r.Percent, 3)
		}
		by := i18n.T(l, "report.links.by.none")
		if r.Measured != "" {
			by = i18n.T(l, "report.links.by."+r.Measured)
		}
		var worst []string
		for _, x := range r.Worst {
			if x.Ongoing {
				worst = append(worst, i18n.T(l, "report.links.ongoing", fmtShort(x.Start)))
			} else {
				worst = append(worst, i18n.T(l, "report.links.outage", fmtShort(x.Start), fmtDuration(l, time.Duration(x.DurationS)*time.Second)))
			}
		}
		downH := roundTo(time.Duration(r.DownS*int64(time.Second)).Hours(), 2)
		opt := func(v *float64) any {
			if v == nil {
				return nil
			}
			return *v
		}
		if err := s.set(r.Name, r.Ends, by, r.Samples, r.Down, pct, r.Target, downH, r.Outages, strings.Join(worst, "; "),
			r.Pings, opt(r.LossPct), opt(r.RTTAvgMS), opt(r.RTTMaxMS), opt(r.JitterMS), r.Verdict); err != nil {
			return err
		}
	}
	s.statusCol = 16
	return s.finishVerdicts(b)
}
