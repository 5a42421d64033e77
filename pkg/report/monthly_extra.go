package report

// What a 运维工作报告 has besides the figures (issue #13): a document-control
// block, the month compared with the previous one, the work done as the
// history records it, and a plan built from the open risks.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// DocControl is the document-control block of a formal delivery: version,
// who wrote, reviewed and approved it, and to whom it goes.
type DocControl struct {
	Version      string `json:"version"`
	Date         string `json:"date"`
	Author       string `json:"author"`
	Reviewer     string `json:"reviewer"`
	Approver     string `json:"approver"`
	Distribution string `json:"distribution"`
	Change       string `json:"change"`
}

// Comparison is one headline figure this month and last.
type Comparison struct {
	Name     string `json:"name"`
	This     string `json:"this"`
	Previous string `json:"previous"`
	Change   string `json:"change"` // "+3", "−2", "持平"; "—" when last month has no data
}

// WorkItem is one kind of work done this month, counted from history.
type WorkItem struct {
	Work   string `json:"work"`
	Count  int    `json:"count"`
	Detail string `json:"detail"`
}

func docControl(o Options, m *Monthly) DocControl {
	dist := o.Site.Client
	if o.Site.Vendor != "" {
		if dist != "" {
			dist += o.t("report.listsep")
		}
		dist += o.t("report.doc.archive", o.Site.Vendor)
	}
	return DocControl{Version: "V1.0", Date: fmtDate(o.Lang, o.now().In(o.loc())), Author: o.Site.Engineer, Reviewer: o.Site.Reviewer,
		Approver: o.Site.Approver, Distribution: dist, Change: o.t("report.doc.first_issue")}
}

// monthFigures are the headline figures read cheaply from run summaries
// and the backup section.
type monthFigures struct {
	has                                 bool
	runs, days, results, crit, warn, ur int
	policies, compliant, drills, drOK   int
}

func figuresOf(runs []store.RunSummary, loc *time.Location, b Backup) monthFigures {
	f := monthFigures{has: len(runs) > 0 || b.HasData}
	days := map[string]bool{}
	for _, r := range runs {
		f.runs++
		days[r.StartedAt.In(loc).Format("2006-01-02")] = true
		f.results += r.Counts.Total()
		f.crit += r.Counts.Crit
		f.warn += r.Counts.Warn
		f.ur += r.Counts.Unreachable
	}
	f.days = len(days)
	f.policies, f.compliant, f.drills, f.drOK = len(b.Policies), b.Compliant, len(b.DrillRuns), b.DrillsOK
	return f
}

// comparison is this month against the previous one, figure by figure.
func comparison(ctx context.Context, o Options, db store.History, m *Monthly, runs []store.RunSummary, start time.Time) ([]Comparison, error) {
	loc := o.loc()
	prevStart := start.AddDate(0, -1, 0)
	if o.period == "week" {
		prevStart = start.AddDate(0, 0, -7)
	}
	prevRuns, err := db.RunSummaries(ctx, result.KindInspect, prevStart, start, o.Scope)
	if err != nil {
		return nil, err
	}
	prevBackup, err := backupSection(ctx, db, prevStart, start, loc, o.Lang)
	if err != nil {
		return nil, err
	}
	cur, prev := figuresOf(runs, loc, m.Backup), figuresOf(prevRuns, loc, prevBackup)
	row := func(key string, a, b int) Comparison {
		c := Comparison{Name: o.t(key), This: fmt.Sprint(a), Previous: "—", Change: "—"}
		if prev.has {
			c.Previous = fmt.Sprint(b)
			switch d := a - b; {
			case d > 0:
				c.Change = fmt.Sprintf("+%d", d)
			case d < 0:
				c.Change = fmt.Sprintf("−%d", -d)
			default:
				c.Change = o.t("report.mom.same")
			}
		}
		return c
	}
	return []Comparison{
		row("report.mom.runs", cur.runs, prev.runs),
		row("report.mom.days", cur.days, prev.days),
		row("report.mom.results", cur.results, prev.results),
		row("report.mom.crit", cur.crit, prev.crit),
		row("report.mom.warn", cur.warn, prev.warn),
		row("report.mom.unreach", cur.ur, prev.ur),
		row("report.mom.policies_ok", cur.compliant, prev.compliant),
		row("report.mom.drills", cur.drills, prev.drills),
	}, nil
}

// workDone counts the work of the month the history records: inspections,
// backup verifications, restore drills, maintenance windows.
func workDone(o Options, m *Monthly) []WorkItem {
	in := m.Inspections
	out := []WorkItem{{Work: o.t("report.work.inspections"), Count: in.Runs,
		Detail: o.t("report.work.inspections_d", in.DaysWith, in.DaysDue, in.Counts.Total(), in.Counts.Crit+in.Counts.Warn)}}
	b := m.Backup
	out = append(out, WorkItem{Work: o.t("report.work.backups"), Count: b.Runs, Detail: o.t("report.work.backups_d", len(b.Policies), b.Compliant)})
	out = append(out, WorkItem{Work: o.t("report.work.drills"), Count: len(b.DrillRuns), Detail: o.t("report.work.drills_d", b.DrillsOK)})
	out = append(out, WorkItem{Work: o.t("report.work.maintenance"), Count: len(m.Maintenance), Detail: o.t("report.work.maintenance_d")})
	return out
}

// riskPlan is the next month's plan built from what this month found: the
// routine work, then one item per open risk (its object and advice), then
// the report itself.
func riskPlan(o Options, m *Monthly, start time.Time) []string {
	next, after := start.AddDate(0, 1, 0), start.AddDate(0, 2, 0)
	label := func(t time.Time) string { return fmtMonth(o.Lang, t) }
	if o.period == "week" {
		next, after = start.AddDate(0, 0, 7), start.AddDate(0, 0, 14)
		label = func(t time.Time) string { return fmtWeek(o.Lang, t) }
	}
	out := []string{o.t("report.plan.routine")}
	const each = 8
	for i, r := range m.Risks {
		if i == each {
			out = append(out, o.t("report.plan.risk_more", len(m.Risks)-each))
			break
		}
		adv := strings.TrimSpace(r.Advice)
		if o.Lang == i18n.ZH {
			adv = strings.TrimPrefix(adv, "建议")
		}
		out = append(out, o.t("report.plan.risk", r.Object, adv))
	}
	if m.Backup.HasData { // without any, a risk above already says to start
		out = append(out, o.t("report.plan.backup", label(next)))
	}
	out = append(out, o.t("report.plan.report", fmtDate(o.Lang, after), label(next)))
	return out
}

// BuildWeekly builds the weekly operations report (运维周报) of the ISO
// week (Monday to Sunday) that holds day: the monthly report's sections
// over seven days, compared with the week before, with a plan for the
// week after.
func BuildWeekly(ctx context.Context, db store.History, day time.Time, o Options) (*Monthly, error) {
	day = day.In(o.loc())
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, o.loc())
	start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7)) // back to Monday
	o.period = "week"
	return buildPeriod(ctx, db, start, start.AddDate(0, 0, 7), o)
}

// fmtWeek names a week: 2026年第48周（11月23日至11月29日） or week 48 of
// 2026 (2026-11-23 to 2026-11-29).
func fmtWeek(lang string, start time.Time) string {
	y, w := start.ISOWeek()
	end := start.AddDate(0, 0, 6)
	if lang == i18n.ZH {
		return fmt.Sprintf("%d年第%d周（%d月%d日至%d月%d日）", y, w, int(start.Month()), start.Day(), int(end.Month()), end.Day())
	}
	return fmt.Sprintf("week %d of %d (%s to %s)", w, y, start.Format("2006-01-02"), end.Format("2006-01-02"))
}

// weekWords says the monthly report's words of a week: 本月 → 本周, next
// month → next week, and so on. The weekly report shares the monthly
// report's sections and catalogue; only the period word changes.
func weekWords(lang, s string) string {
	if lang == i18n.ZH {
		return zhWeek.Replace(s)
	}
	return enWeek.Replace(s)
}

var (
	zhWeek = strings.NewReplacer("本月", "本周", "下月", "下周", "上月", "上周", "月内", "周内", "全月", "全周", "月末", "周末",
		"运维工作报告", "运维周报", "主要指标环比", "主要指标与上周对比")
	enWeek = strings.NewReplacer("this month", "this week", "This month", "This week", "next month", "next week", "Next month", "Next week",
		"last month", "last week", "Last month", "Last week", "the month's", "the week's", "month's", "week's", "all month", "all week",
		"end of month", "end of week", "day of the month", "day of the week", "operations report", "weekly operations report")
)
