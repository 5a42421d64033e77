package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// safeCell neutralises text a spreadsheet would run as a formula (cells
// starting with = + - @, also after leading blanks, or with a tab or
// carriage return first, as CSV exports of the sheet would): a leading
// apostrophe makes it plain text. Control characters are stripped.
func safeCell(s string) string {
	s = clean(s)
	t := strings.TrimLeft(s, " ")
	if t != "" {
		switch t[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}

// sheet writes rows into one worksheet with a bold frozen header row,
// column widths and conditional colours on the status column.
type sheet struct {
	f         *excelize.File
	name      string
	row       int
	widths    []float64
	lang      string
	statusCol int // 1-based; 0 = none
	header    int
}

type xlsxBook struct {
	f     *excelize.File
	lang  string
	bold  int
	wrap  int
	first bool
}

func newBook(lang string) (*xlsxBook, error) {
	f := excelize.NewFile()
	b := &xlsxBook{f: f, lang: lang, first: true}
	var err error
	if b.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DFE6F0"}},
		Border: []excelize.Border{{Type: "bottom", Color: "888888", Style: 1}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return nil, err
	}
	if b.wrap, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *xlsxBook) sheet(nameKey string) (*sheet, error) {
	name := i18n.T(b.lang, nameKey)
	if b.first {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
		b.first = false
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	return &sheet{f: b.f, name: name, lang: b.lang}, nil
}

// set writes one row; strings are neutralised, numbers stay numbers.
func (s *sheet) set(vals ...any) error {
	s.row++
	for i, v := range vals {
		cell, _ := excelize.CoordinatesToCellName(i+1, s.row)
		var err error
		switch x := v.(type) {
		case string:
			err = s.f.SetCellStr(s.name, cell, safeCell(x))
			s.width(i, x)
		case result.Status:
			w := statusWord(s.lang, x)
			err = s.f.SetCellStr(s.name, cell, w)
			s.width(i, w)
		case nil:
		default:
			err = s.f.SetCellValue(s.name, cell, x)
			s.width(i, fmt.Sprint(x))
		}
		if err != nil {
			return fmt.Errorf("xlsx %s!%s: %w", s.name, cell, err)
		}
	}
	return nil
}

func (s *sheet) width(i int, v string) {
	for len(s.widths) <= i {
		s.widths = append(s.widths, 6)
	}
	w := 0.0
	for _, r := range v {
		if r > 0x2e80 {
			w += 2
		} else {
			w++
		}
	}
	s.widths[i] = max(s.widths[i], min(w+2, 60))
}

// head writes the bold header row and freezes the rows down to it.
func (s *sheet) head(b *xlsxBook, keys ...string) error {
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = i18n.T(s.lang, k)
	}
	if err := s.set(vals...); err != nil {
		return err
	}
	s.header = s.row
	last, _ := excelize.CoordinatesToCellName(len(keys), s.row)
	first, _ := excelize.CoordinatesToCellName(1, s.row)
	if err := s.f.SetCellStyle(s.name, first, last, b.bold); err != nil {
		return err
	}
	top, _ := excelize.CoordinatesToCellName(1, s.row+1)
	return s.f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: s.row, TopLeftCell: top, ActivePane: "bottomLeft"})
}

// finish sets column widths, wraps the body and colours the status column
// by its words (conditional formatting, so a reader's sort or edit keeps
// the colours right).
func (s *sheet) finish(b *xlsxBook) error {
	for i, w := range s.widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := s.f.SetColWidth(s.name, col, col, w); err != nil {
			return err
		}
	}
	if s.row > s.header && len(s.widths) > 0 {
		first, _ := excelize.CoordinatesToCellName(1, s.header+1)
		last, _ := excelize.CoordinatesToCellName(len(s.widths), s.row)
		if err := s.f.SetCellStyle(s.name, first, last, b.wrap); err != nil {
			return err
		}
	}
	if s.statusCol == 0 {
		return nil
	}
	return s.colourStatuses(b, s.statusCol)
}

// colourStatuses colours the status words in column col (1-based) of the
// body rows.
func (s *sheet) colourStatuses(b *xlsxBook, col int) error {
	if s.row <= s.header {
		return nil
	}
	name, _ := excelize.ColumnNumberToName(col)
	ref := fmt.Sprintf("%s%d:%s%d", name, s.header+1, name, s.row)
	for _, st := range []result.Status{result.Crit, result.Unreachable, result.Warn, result.Unknown, result.OK} {
		if err := s.cond(b, ref, st, statusWord(s.lang, st)); err != nil {
			return err
		}
	}
	return nil
}

// cond colours cells of ref whose text is word like status st.
func (s *sheet) cond(b *xlsxBook, ref string, st result.Status, word string) error {
	style, err := b.condStyle(st)
	if err != nil {
		return err
	}
	// excelize adds each call's rules to those already on the range.
	return s.f.SetConditionalFormat(s.name, ref, []excelize.ConditionalFormatOptions{
		{Type: "cell", Criteria: "==", Format: &style, Value: `"` + word + `"`}})
}

func cellName(col, row int) (string, error) { return excelize.CoordinatesToCellName(col, row) }
func columnName(col int) (string, error)    { return excelize.ColumnNumberToName(col) }
func itoa(i int) string                     { return strconv.Itoa(i) }

func (b *xlsxBook) condStyle(st result.Status) (int, error) {
	fill := map[result.Status][2]string{
		result.OK:          {"C8E6C9", "1B5E20"},
		result.Warn:        {"FFF3C4", "7A5300"},
		result.Crit:        {"F4C7C3", "8E0000"},
		result.Unknown:     {"E0E0E0", "333333"},
		result.Unreachable: {"E1BEE7", "4A148C"},
	}[st]
	return b.f.NewConditionalStyle(&excelize.Style{
		Font: &excelize.Font{Color: fill[1], Bold: st != result.OK},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill[0]}},
	})
}

func renderXLSX(w io.Writer, report any) error {
	var (
		b   *xlsxBook
		err error
	)
	switch r := report.(type) {
	case *Daily:
		if b, err = newBook(r.Header.Lang); err != nil {
			return err
		}
		err = dailyXLSX(b, r)
	case *Monthly:
		if b, err = newBook(r.Header.Lang); err != nil {
			return err
		}
		err = monthlyXLSX(b, r)
	default:
		return fmt.Errorf("report: xlsx: unsupported report %T", report)
	}
	if err != nil {
		return fmt.Errorf("report: render xlsx: %w", err)
	}
	defer b.f.Close()
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("report: write xlsx: %w", err)
	}
	return nil
}

func kv(s *sheet, lang, key string, v any) error { return s.set(i18n.T(lang, key), v) }

// summarySheet starts a report's summary sheet: a name/value table that
// opens with the header's site, client and report number, then rows.
func summarySheet(b *xlsxBook, h Header, rows [][2]any) (*sheet, error) {
	s, err := b.sheet("report.sheet.summary")
	if err != nil {
		return nil, err
	}
	if err := s.head(b, "report.c.name", "report.c.content"); err != nil {
		return nil, err
	}
	base := [][2]any{{"report.f.site", h.Site}, {"report.f.client", h.Client}, {"report.f.report_no", h.ReportNo}}
	for _, r := range append(base, rows...) {
		if err := kv(s, b.lang, r[0].(string), r[1]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func dailyXLSX(b *xlsxBook, d *Daily) error {
	l := b.lang
	var runNo any = d.RunID
	if len(d.Runs) > 0 {
		runNo = strings.Join(d.RunNumbers(), i18n.T(l, "report.listsep"))
	}
	s, err := summarySheet(b, d.Header, append([][2]any{
		{"report.f.time", fmtTime(d.StartedAt)}, {"report.f.run_status", i18n.T(l, "report.runstatus."+d.RunStatus)},
		{"report.f.engineer", d.Header.Engineer}, {"report.f.reviewer", d.Header.Reviewer},
		{"report.f.playbooks", strings.Join(d.Playbooks, ", ")},
		{"report.f.coverage", i18n.T(l, "report.f.coverage_v", d.Coverage.Inspected, d.Coverage.Inventory, d.Coverage.Percent)},
		{"report.f.run", runNo}, {"report.f.generated", fmtTime(d.Header.GeneratedAt)},
		{"report.h.summary", d.CountLine}, {"report.c.worst", d.Worst}, {"report.h.notes", d.Conclusion},
	}, scopeRow(d.Scope)...))
	if err != nil {
		return err
	}
	s.row++
	if err := s.set(i18n.T(l, "report.h.by_system"), i18n.T(l, "report.c.assets"), statusWord(l, result.OK), statusWord(l, result.Warn),
		statusWord(l, result.Crit), statusWord(l, result.Unknown), statusWord(l, result.Unreachable)); err != nil {
		return err
	}
	for _, g := range d.BySystem {
		if err := s.set(g.Name, g.Assets, g.Counts.OK, g.Counts.Warn, g.Counts.Crit, g.Counts.Unknown, g.Counts.Unreachable); err != nil {
			return err
		}
	}
	if err := s.finish(b); err != nil {
		return err
	}

	g, err := b.sheet("report.sheet.groups")
	if err != nil {
		return err
	}
	g.statusCol = 4
	if err := g.head(b, "report.c.no", "report.c.system", "report.c.check", "report.c.status", "report.c.count", "report.c.assets_affected",
		"report.c.values", "report.c.threshold", "report.c.message", "report.c.advice"); err != nil {
		return err
	}
	for i, x := range d.Groups {
		if err := g.set(i+1, x.System, x.Check, x.Status, x.Count, x.AssetList, x.Values, x.Threshold, x.Message, x.Advice); err != nil {
			return err
		}
	}
	if err := g.finish(b); err != nil {
		return err
	}

	f, err := b.sheet("report.sheet.findings")
	if err != nil {
		return err
	}
	f.statusCol = 6
	if err := f.head(b, "report.c.no", "report.c.asset", "report.c.system", "report.c.check", "report.c.item", "report.c.status",
		"report.c.value", "report.c.threshold", "report.c.message", "report.c.advice", "report.c.change", "report.c.evidence"); err != nil {
		return err
	}
	for i, x := range d.Findings {
		change := ""
		if x.Change != "" {
			change = i18n.T(l, "report.change."+x.Change)
		}
		if err := f.set(i+1, x.Asset, x.System, x.CheckName, x.Item, x.Status, x.Value, x.Threshold, x.Message, x.Advice, change, x.Evidence); err != nil {
			return err
		}
	}
	if err := f.finish(b); err != nil {
		return err
	}

	u, err := b.sheet("report.sheet.unreachable")
	if err != nil {
		return err
	}
	if err := u.head(b, "report.c.asset", "report.c.address", "report.c.system", "report.c.reason", "report.c.message", "report.c.advice"); err != nil {
		return err
	}
	for _, x := range d.Unreachable {
		if err := u.set(x.Asset, x.Address, x.System, reasonWord(l, x.Reason), x.Message, x.Advice); err != nil {
			return err
		}
	}
	if err := u.finish(b); err != nil {
		return err
	}

	dt, err := b.sheet("report.sheet.details")
	if err != nil {
		return err
	}
	dt.statusCol = 6
	if err := dt.head(b, "report.c.asset", "report.c.system", "report.c.zone", "report.c.check", "report.c.item", "report.c.status",
		"report.c.value", "report.c.threshold", "report.c.message"); err != nil {
		return err
	}
	for _, a := range d.Details {
		for _, x := range a.Rows {
			if err := dt.set(a.Asset, a.System, a.Zone, x.CheckName, x.Item, x.Status, x.Value, x.Threshold, x.Message); err != nil {
				return err
			}
		}
	}
	return dt.finish(b)
}
