package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// Workbooks of the database health report and the hardware report. Cells
// go through sheet.set (xlsx.go): text is neutralised against formulas,
// numbers stay numbers so a reader can sort and sum them.

func renderHealthXLSX(w io.Writer, lang string, fill func(*xlsxBook) error) error {
	b, err := newBook(lang)
	if err != nil {
		return err
	}
	defer b.f.Close()
	if err := fill(b); err != nil {
		return fmt.Errorf("report: render xlsx: %w", err)
	}
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("report: write xlsx: %w", err)
	}
	return nil
}

// optCell is an optional number for a cell: empty when absent.
func optCell(v *float64, scale float64, decimals int) any {
	if v == nil {
		return nil
	}
	return roundTo(*v/scale, decimals)
}

// sectionRows writes the per-area table: area, status, counts, summary.
func sectionRows(s *sheet, lang string, secs []HealthSection) error {
	s.row++
	if err := s.set(i18n.T(lang, "rdb.c.dimension"), i18n.T(lang, "report.c.status"), statusWord(lang, result.OK), statusWord(lang, result.Warn),
		statusWord(lang, result.Crit), statusWord(lang, result.Unknown), statusWord(lang, result.Unreachable), i18n.T(lang, "rhc.c.summary")); err != nil {
		return err
	}
	for _, sec := range secs {
		c := sec.Counts
		if err := s.set(sec.Title, sec.Worst, c.OK, c.Warn, c.Crit, c.Unknown, c.Unreachable, sec.Summary); err != nil {
			return err
		}
	}
	return nil
}

// problemSheet writes the ranked problems.
func problemSheet(b *xlsxBook, ps []HealthProblem) error {
	p, err := b.sheet("rhc.sheet.problems")
	if err != nil {
		return err
	}
	p.statusCol = 2
	if err := p.head(b, "report.c.no", "rhc.c.level", "report.c.object", "rhc.c.section", "rhc.c.label", "report.c.value", "report.c.message", "report.c.advice"); err != nil {
		return err
	}
	for _, x := range ps {
		if err := p.set(x.Rank, x.Level, x.Asset, x.Section, x.Label, x.Value, x.Message, x.Advice); err != nil {
			return err
		}
	}
	return p.finish(b)
}

// itemSheet writes every item of the sections, with the asset first.
func itemSheet(b *xlsxBook, secs func(yield func(HealthSection) bool)) error {
	s, err := b.sheet("rhc.sheet.items")
	if err != nil {
		return err
	}
	s.statusCol = 5
	if err := s.head(b, "report.c.object", "rhc.c.section", "rhc.c.label", "report.c.check", "report.c.status", "report.c.value", "report.c.threshold",
		"report.c.message", "report.c.advice", "report.c.evidence"); err != nil {
		return err
	}
	for sec := range secs {
		for _, it := range sec.Items {
			if err := s.set(it.Asset, sec.Title, it.Label, it.Check, it.Status, it.Value, it.Threshold, it.Message, it.Advice, it.Evidence); err != nil {
				return err
			}
		}
	}
	return s.finish(b)
}

func dbXLSX(b *xlsxBook, d *DBReport) error {
	l := b.lang
	s, err := summarySheet(b, d.Header, [][2]any{
		{"rdb.f.type", i18n.T(l, "rdb.f.type_v")}, {"rdb.f.time", fmtTime(d.StartedAt)},
		{"report.f.run_status", i18n.T(l, "report.runstatus."+d.RunStatus)},
		{"report.f.engineer", d.Header.Engineer}, {"report.f.reviewer", d.Header.Reviewer},
		{"rdb.f.scope", i18n.T(l, "rdb.f.scope_v", d.Overview.Instances)}, {"rdb.f.filter", d.Filter},
		{"report.f.playbooks", strings.Join(d.Playbooks, ", ")}, {"report.f.run", d.RunID},
		{"report.f.generated", fmtTime(d.Header.GeneratedAt)},
		{"rdb.h.summary", d.CountLine}, {"report.c.worst", d.Worst}, {"rdb.h.instances", d.Overview.Line}, {"report.h.notes", d.Conclusion},
	})
	if err != nil {
		return err
	}
	if err := sectionRows(s, l, d.Sections); err != nil {
		return err
	}
	if err := s.finish(b); err != nil {
		return err
	}

	in, err := b.sheet("rdb.sheet.instances")
	if err != nil {
		return err
	}
	in.statusCol = 7
	if err := in.head(b, "report.c.no", "rdb.c.instance", "report.c.address", "report.c.system", "rdb.c.engine", "rdb.c.version", "report.c.status",
		"rdb.c.role", "rdb.c.expected_role", "rdb.c.uptime_d", "rdb.c.connections", "rdb.c.conn_pct_n", "rdb.c.xact_s", "rdb.c.locks",
		"rdb.c.cache_n", "rdb.c.qps", "rdb.c.tps", "rdb.c.log_errors", "rdb.c.slow", "rdb.c.repl", "rdb.c.lag_s", "rdb.c.standbys", "rdb.c.size_gib"); err != nil {
		return err
	}
	for i, x := range d.Instances {
		if err := in.set(i+1, x.Name, x.Address, x.System, x.Engine, x.Version, x.Status, roleWord(l, x.Role), roleWord(l, x.ExpectedRole),
			optCell(x.UptimeS, 86400, 1), optCell(x.Connections, 1, 0), optCell(x.ConnectionsPct, 1, 1), optCell(x.OldestXactS, 1, 0),
			optCell(x.LockWaits, 1, 0), optCell(x.CacheHitPct, 1, 2), optCell(x.QPS, 1, 1), optCell(x.TPS, 1, 1),
			optCell(x.LogErrors, 1, 0), optCell(x.SlowQueries, 1, 0), x.Replication,
			optCell(x.ReplicationLagS, 1, 1), optCell(x.Standbys, 1, 0), optCell(x.SizeBytes, 1<<30, 3)); err != nil {
			return err
		}
	}
	if err := in.finish(b); err != nil {
		return err
	}

	if err := problemSheet(b, d.Problems); err != nil {
		return err
	}

	z, err := b.sheet("rdb.sheet.sizes")
	if err != nil {
		return err
	}
	z.statusCol = 4
	if err := z.head(b, "rdb.c.instance", "rdb.c.database", "rdb.c.size_gib", "report.c.status", "rdb.c.prev", "rdb.c.prev_gib", "rdb.c.change_gib", "rdb.c.per_day_mib"); err != nil {
		return err
	}
	for _, x := range d.Sizes {
		v := x.Bytes
		if err := z.set(x.Instance, x.Database, optCell(&v, 1<<30, 3), x.Status, fmtShort(x.PrevAt), optCell(x.PrevBytes, 1<<30, 3),
			optCell(x.ChangeBytes, 1<<30, 3), optCell(x.PerDayBytes, 1<<20, 1)); err != nil {
			return err
		}
	}
	for _, t := range d.LargestTables {
		if err := z.set(t.Instance, i18n.T(l, "rdb.c.tables"), nil, nil, t.Tables); err != nil {
			return err
		}
	}
	if err := z.finish(b); err != nil {
		return err
	}

	return itemSheet(b, func(yield func(HealthSection) bool) {
		for _, s := range d.Sections {
			if !yield(s) {
				return
			}
		}
	})
}

func applianceXLSX(b *xlsxBook, a *ApplianceReport) error {
	l := b.lang
	s, err := summarySheet(b, a.Header, [][2]any{
		{"report.f.type", i18n.T(l, "rapp.f.type_v")}, {"rapp.f.month", a.Period}, {"report.f.time", fmtTime(a.StartedAt)},
		{"report.f.run_status", i18n.T(l, "report.runstatus."+a.RunStatus)},
		{"report.f.engineer", a.Header.Engineer}, {"report.f.reviewer", a.Header.Reviewer},
		{"report.f.coverage", i18n.T(l, "rapp.f.scope_v", a.Overview.Servers)}, {"rdb.f.filter", a.Filter},
		{"report.f.playbooks", strings.Join(a.Playbooks, ", ")}, {"report.f.run", a.RunID},
		{"report.f.generated", fmtTime(a.Header.GeneratedAt)},
		{"report.h.summary", a.CountLine}, {"report.c.worst", a.Worst}, {"rapp.h.matrix", a.Overview.Line}, {"report.h.notes", a.Conclusion},
		{"rapp.h.db", applianceDBNote(l, a)},
	})
	if err != nil {
		return err
	}
	if err := s.finish(b); err != nil {
		return err
	}

	v, err := b.sheet("rapp.sheet.servers")
	if err != nil {
		return err
	}
	keys := []string{"report.c.no", "rapp.c.server", "report.c.address", "report.c.system", "rapp.c.overall"}
	for _, c := range a.Columns {
		keys = append(keys, "rapp.col."+c.Key)
	}
	keys = append(keys, "rapp.c.hottest", "rapp.c.sel", "rapp.c.disks", "rapp.c.disks_bad", "rapp.c.arrays", "rapp.c.arrays_bad",
		"rapp.c.ce", "rapp.c.ue", "rapp.c.luns", "rapp.c.luns_bad", "rapp.c.nics", "rapp.c.nics_bad")
	if err := v.head(b, keys...); err != nil {
		return err
	}
	for i, x := range a.Servers {
		row := []any{i + 1, x.Name, x.Address, x.System, x.Status}
		for _, c := range x.Summary {
			row = append(row, cellWord(l, c))
		}
		row = append(row, optCell(x.HottestC, 1, 1), optCell(x.SELEvents, 1, 0), x.Disks, x.DisksFailing, x.Arrays, x.ArraysDegraded,
			optCell(x.MemCE, 1, 0), optCell(x.MemUE, 1, 0), x.LUNs, x.LUNsDegraded, x.NICs, x.NICsFaulty)
		if err := v.set(row...); err != nil {
			return err
		}
	}
	// The overall column is coloured by its status word; the part columns
	// carry figures after the word and stay plain.
	v.statusCol = 5
	if err := v.finish(b); err != nil {
		return err
	}

	if err := problemSheet(b, a.Problems); err != nil {
		return err
	}
	return itemSheet(b, func(yield func(HealthSection) bool) {
		for _, srv := range a.Servers {
			for _, sec := range srv.Sections {
				if !yield(sec) {
					return
				}
			}
		}
	})
}

// cellWord writes a summary cell: its status word, then its figures.
func cellWord(lang string, c ApplianceCell) string {
	if !c.Checked {
		return c.Text
	}
	if c.Text == "" {
		return statusWord(lang, c.Status)
	}
	return statusWord(lang, c.Status) + i18n.T(lang, "report.colon") + c.Text
}

// applianceDBNote says where the appliance's database is reported.
func applianceDBNote(lang string, a *ApplianceReport) string {
	s := i18n.T(lang, "rapp.note.db")
	if a.DBResults > 0 {
		s += " " + i18n.T(lang, "rapp.note.db_in_run", a.DBResults)
	}
	return s
}
