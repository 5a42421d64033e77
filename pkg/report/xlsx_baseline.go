package report

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
)

// baselineXLSX writes the baseline report as a workbook: the summary, the
// non-compliances across hosts, the summary per rule, the checklist of
// every host in one long sheet (a host column, filters on the header: an
// assessor filters by host, clause or verdict), and the waivers.
func baselineXLSX(b *xlsxBook, r *BaselineReport) error {
	l := b.lang
	s, err := summarySheet(b, r.Header, [][2]any{
		{"rbl.f.basis", i18n.T(l, "rbl.f.basis_v")},
		{"rbl.f.method", i18n.T(l, "rbl.f.method_v", r.Playbook)},
		{"rbl.f.time", fmtTime(r.FirstAt) + " — " + fmtTime(r.LastAt)},
		{"rbl.f.scope", i18n.T(l, "rbl.f.scope_v", len(r.Hosts), r.RuleCount)},
		{"rbl.f.filter", r.Filter},
		{"rbl.f.waivers", cmp.Or(r.Waivers, i18n.T(l, "rbl.f.no_waivers"))},
		{"rbl.f.checker", r.Header.Engineer}, {"report.f.reviewer", r.Header.Reviewer},
		{"report.f.generated", fmtTime(r.Header.GeneratedAt)},
		{"rbl.h.summary", r.CountLine}, {"rbl.c.conclusion", r.Conclusion},
	})
	if err != nil {
		return err
	}
	countHead := func(first ...string) []any {
		out := make([]any, 0, len(first)+7)
		for _, k := range first {
			out = append(out, i18n.T(l, k))
		}
		for _, v := range []baseline.Verdict{baseline.Pass, baseline.Partial, baseline.Fail, Waived, baseline.NotApplicable, baseline.NotChecked} {
			out = append(out, verdictWord(l, v))
		}
		return out
	}
	counts := func(c BaselineCounts) []any {
		return []any{c.Pass, c.Partial, c.Fail, c.Waived, c.NotApplicable, c.NotChecked}
	}
	s.row++
	if err := s.set(append(countHead("rbl.c.section", "rbl.c.rules"), i18n.T(l, "rbl.c.verdict"))...); err != nil {
		return err
	}
	for _, x := range r.Sections {
		row := append([]any{x.Section + " " + x.Title, x.Rules}, counts(x.Counts)...)
		if err := s.set(append(row, verdictWord(l, x.Verdict))...); err != nil {
			return err
		}
	}
	s.row++
	if err := s.set(countHead("rbl.c.host", "report.c.address", "report.c.system", "rbl.c.os", "rbl.c.inspected")...); err != nil {
		return err
	}
	for _, h := range r.Hosts {
		if err := s.set(append([]any{h.Name, h.Address, h.System, h.OS, fmtTime(h.InspectedAt)}, counts(h.Counts)...)...); err != nil {
			return err
		}
	}
	if err := s.finish(b); err != nil {
		return err
	}

	// Non-compliances across hosts: one row per finding.
	f, err := b.sheet("rbl.sheet.findings")
	if err != nil {
		return err
	}
	if err := f.head(b, "report.c.no", "rbl.c.clause", "rbl.c.unit", "rbl.c.item", "rbl.c.verdict", "rbl.c.host_count", "rbl.c.hosts",
		"rbl.c.record", "rbl.c.advice", "rbl.c.waiver_no"); err != nil {
		return err
	}
	for _, x := range r.Findings {
		v := verdictWord(l, x.Verdict)
		if x.Waived {
			v = verdictWord(l, Waived)
		}
		rec := x.Record
		if x.Example != "" {
			rec += " " + i18n.T(l, "rbl.example", x.Example)
		}
		var wno any
		if x.Waiver > 0 {
			wno = x.Waiver
		}
		if err := f.set(x.No, x.Clause, x.TestUnit, x.Title, v, len(x.Hosts), strings.Join(x.Hosts, i18n.T(l, "report.listsep")), rec, x.Advice, wno); err != nil {
			return err
		}
	}
	if err := finishVerdicts(b, f, 5); err != nil {
		return err
	}

	// Per rule across hosts.
	u, err := b.sheet("rbl.sheet.rules")
	if err != nil {
		return err
	}
	if err := u.setHead(b, append(countHead("report.c.no", "rbl.c.section", "rbl.c.clause", "rbl.c.unit", "rbl.c.rule", "rbl.c.item", "rbl.c.req"), i18n.T(l, "rbl.c.verdict"))...); err != nil {
		return err
	}
	for _, x := range r.RuleRows {
		row := append([]any{x.No, x.Section + " " + x.SectionTitle, x.Clause, x.TestUnit, x.Rule, x.Title, x.Requirement}, counts(x.Counts)...)
		if err := u.set(append(row, verdictWord(l, x.Verdict))...); err != nil {
			return err
		}
	}
	if err := finishVerdicts(b, u, 14); err != nil {
		return err
	}

	// The checklist of every host.
	c, err := b.sheet("rbl.sheet.checklist")
	if err != nil {
		return err
	}
	if err := c.head(b, "report.c.no", "rbl.c.host", "report.c.address", "report.c.system", "rbl.c.os", "rbl.c.section", "rbl.c.clause", "rbl.c.unit",
		"rbl.c.item", "rbl.c.req", "rbl.c.record", "rbl.c.verdict", "rbl.c.measured", "rbl.c.waiver_note", "rbl.c.advice", "rbl.c.evidence", "rbl.c.checked_at", "rbl.c.rule"); err != nil {
		return err
	}
	n := 0
	for _, h := range r.Hosts {
		for _, it := range h.Items {
			n++
			at := ""
			if !it.CheckedAt.IsZero() {
				at = fmtTime(it.CheckedAt)
			}
			if err := c.set(n, h.Name, h.Address, h.System, h.OS, it.Section+" "+it.SectionTitle, it.Clause, it.TestUnit,
				it.Title, it.Requirement, it.Record, verdictWord(l, it.Shown()), verdictWord(l, it.Verdict), it.WaiverNote, it.Advice, it.Evidence, at, it.Rule); err != nil {
				return err
			}
		}
	}
	if err := finishVerdicts(b, c, 12); err != nil {
		return err
	}
	// The long texts wrap in columns an assessor can still scan across.
	for col, w := range map[string]float64{"J": 40, "K": 50, "N": 30, "O": 45, "P": 55} {
		if err := c.f.SetColWidth(c.name, col, col, w); err != nil {
			return err
		}
	}
	if c.row > c.header {
		last, _ := excelize.CoordinatesToCellName(18, c.row)
		if err := c.f.AutoFilter(c.name, "A"+itoa(c.header)+":"+last, nil); err != nil {
			return err
		}
	}

	// The waivers.
	w, err := b.sheet("rbl.sheet.waivers")
	if err != nil {
		return err
	}
	if err := w.head(b, "report.c.no", "rbl.c.waiver_target", "rbl.c.item", "rbl.c.scope", "rbl.c.justification", "rbl.c.compensating",
		"rbl.c.approver", "rbl.c.expires", "rbl.c.waiver_status", "rbl.c.covered", "rbl.c.resurfaced"); err != nil {
		return err
	}
	for _, x := range r.WaiverList {
		st := i18n.T(l, "rbl.waiver.active")
		if !x.Active {
			st = i18n.T(l, "rbl.waiver.expired")
		}
		if err := w.set(x.No, x.Target, x.Title, x.Scope, x.Justification, x.CompensatingControl, x.Approver, x.Expires.Format("2006-01-02"), st, x.Covered, x.Resurfaced); err != nil {
			return err
		}
	}
	return w.finish(b)
}

// setHead is head with the header texts given (not catalogue keys).
func (s *sheet) setHead(b *xlsxBook, vals ...any) error {
	if err := s.set(vals...); err != nil {
		return err
	}
	s.header = s.row
	first, _ := excelize.CoordinatesToCellName(1, s.row)
	last, _ := excelize.CoordinatesToCellName(len(vals), s.row)
	if err := s.f.SetCellStyle(s.name, first, last, b.bold); err != nil {
		return err
	}
	top, _ := excelize.CoordinatesToCellName(1, s.row+1)
	return s.f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: s.row, TopLeftCell: top, ActivePane: "bottomLeft"})
}

// finishVerdicts finishes a sheet and colours its verdict column (1-based)
// by the words, as conditional formats: sorting or filtering keeps them.
func finishVerdicts(b *xlsxBook, s *sheet, col int) error {
	if err := s.finish(b); err != nil {
		return err
	}
	if s.row <= s.header {
		return nil
	}
	name, _ := excelize.ColumnNumberToName(col)
	ref := fmt.Sprintf("%s%d:%s%d", name, s.header+1, name, s.row)
	for _, v := range []struct {
		v          baseline.Verdict
		fill, font string
	}{
		{baseline.Fail, "F4C7C3", "8E0000"}, {baseline.Partial, "FFF3C4", "7A5300"}, {Waived, "DBE8F7", "0D3C78"},
		{baseline.NotChecked, "E0E0E0", "333333"}, {baseline.Pass, "C8E6C9", "1B5E20"}, {baseline.NotApplicable, "F2F2F2", "555555"},
	} {
		style, err := b.f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: v.font, Bold: v.v == baseline.Fail || v.v == baseline.Partial},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{v.fill}},
		})
		if err != nil {
			return err
		}
		if err := s.f.SetConditionalFormat(s.name, ref, []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: "==", Format: &style, Value: `"` + verdictWord(s.lang, v.v) + `"`}}); err != nil {
			return err
		}
	}
	return nil
}
