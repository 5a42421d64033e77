package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/xuri/excelize/v2"
)

// seedBackups adds a month of backup verifications and drills to db, shaped
// as hcops backup verify and drill store them (check backup:NAME /
// drill:NAME, one result per aspect; the drill's restore result carries the
// restore time in seconds). The end-to-end path from real backups is tested
// in cmd/hcops.
//
//   - his-dump: every daily verification OK; drilled twice, 42.5 s then 75 s.
//   - pacs-files: stale on the 10th and 11th (CRIT), fine again since: not
//     compliant this month, but OK at the end.
//   - lis-dump: sizes shrank 90 % on the 29th and 30th: CRIT at month end;
//     its drill on the 30th failed (a table missing).
func seedBackups(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	add := func(kind string, at time.Time, rs []result.Result) {
		run := &result.Run{Kind: kind, StartedAt: at, Operator: "ops", RanFrom: "jump-01", Playbooks: []string{kind}}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			rs[i].StartedAt = at
			rs[i].Playbook = kind
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		run.Results = rs
		run.FinishedAt = at.Add(time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	verdict := func(asset, policy, aspect string, st result.Status, msg string) result.Result {
		r := result.Result{Asset: asset, System: "HIS", Check: "backup:" + policy, Type: "backup", Item: aspect, Status: st, Message: msg}
		if st != result.OK {
			r.Advice = "advice for " + policy + " " + aspect
		}
		return r
	}
	aspects := []string{"freshness", "sequence", "retention", "size", "integrity"}
	for day := 1; day <= 30; day++ {
		at := time.Date(2026, 11, day, 9, 0, 0, 0, cst)
		var rs []result.Result
		for _, a := range aspects {
			rs = append(rs, verdict("his-db-01", "his-dump", a, result.OK, "his-dump "+a+" ok"))
			st, msg := result.OK, "pacs-files "+a+" ok"
			if a == "freshness" && (day == 10 || day == 11) {
				st, msg = result.Crit, fmt.Sprintf("pacs-files newest copy is %d h old", 24*(day-8))
			}
			rs = append(rs, verdict("pacs-01", "pacs-files", a, st, msg))
			st, msg = result.OK, "lis-dump "+a+" ok"
			if a == "size" && day >= 29 {
				st, msg = result.Crit, "lis-dump newest copy shrank 90% against the previous copies"
			}
			if a == "retention" && day == 30 {
				st, msg = result.Warn, "lis-dump keeps 40 copies, the policy needs 30"
			}
			rs = append(rs, verdict("lis-db-01", "lis-dump", a, st, msg))
		}
		add(result.KindBackup, at, rs)
	}
	drill := func(asset, policy string, secs float64, tables result.Status, msg string) []result.Result {
		r := result.Result{Asset: asset, Check: "drill:" + policy, Type: "backup", Item: "restore", Status: result.OK,
			Message: policy + " restored into scratch database", Metrics: []result.Metric{{Name: "drill.duration_s", Value: secs, Unit: "s"}}}
		r.SetValue(secs, "s")
		tb := result.Result{Asset: asset, Check: "drill:" + policy, Type: "backup", Item: "tables", Status: tables, Message: msg}
		return []result.Result{r, tb}
	}
	add(result.KindDrill, time.Date(2026, 11, 3, 14, 0, 0, 0, cst), drill("his-db-01", "his-dump", 42.5, result.OK, "all 12 tables present"))
	add(result.KindDrill, time.Date(2026, 11, 24, 14, 0, 0, 0, cst), drill("his-db-01", "his-dump", 75, result.OK, "all 12 tables present"))
	add(result.KindDrill, time.Date(2026, 11, 30, 14, 0, 0, 0, cst), drill("lis-db-01", "lis-dump", 8, result.Crit, "table lis.results missing from the restored copy"))
}

func buildBackupMonthly(t *testing.T, lang string) *Monthly {
	t.Helper()
	db := seedMonth(t)
	seedBackups(t, db)
	m, err := BuildMonthly(context.Background(), db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), monthOpts(lang))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMonthlyBackupCompliance(t *testing.T) {
	m := buildBackupMonthly(t, "en")
	b := m.Backup
	if !b.HasData || b.Runs != 30 || b.Drills != 3 {
		t.Fatalf("backup totals %+v", b)
	}
	rows := map[string]PolicyRow{}
	for _, p := range b.Policies {
		rows[p.Policy] = p
	}
	if len(rows) != 3 || b.Compliant != 1 {
		t.Fatalf("want 3 policies, 1 compliant; got %d, %d: %+v", len(rows), b.Compliant, b.Policies)
	}
	// Worst first: lis-dump is CRIT at month end.
	if b.Policies[0].Policy != "lis-dump" {
		t.Errorf("first row %s, want lis-dump", b.Policies[0].Policy)
	}
	his := rows["his-dump"]
	if !his.Compliant || his.Status != result.OK || his.Checks != 30 || his.FailedRun != 0 || his.Asset != "his-db-01" {
		t.Errorf("his-dump %+v", his)
	}
	if his.LastDrill == nil || his.LastDrill.DurationS == nil || *his.LastDrill.DurationS != 75 || his.LastDrill.Status != result.OK {
		t.Errorf("his-dump last drill %+v", his.LastDrill)
	}
	pacs := rows["pacs-files"]
	if pacs.Compliant || pacs.Status != result.OK || pacs.FailedRun != 2 || pacs.LastDrill != nil {
		t.Errorf("pacs-files: recovered but missed the promise on two days: %+v", pacs)
	}
	if pacs.Aspects.Freshness == nil || *pacs.Aspects.Freshness != result.OK {
		t.Errorf("pacs-files freshness is the latest verdict: %+v", pacs.Aspects)
	}
	lis := rows["lis-dump"]
	if lis.Compliant || lis.Status != result.Crit || *lis.Aspects.Size != result.Crit || *lis.Aspects.Retention != result.Warn ||
		!strings.Contains(lis.Message, "shrank 90%") || lis.Advice != "advice for lis-dump size" {
		t.Errorf("lis-dump %+v", lis)
	}
	if lis.LastDrill == nil || lis.LastDrill.Status != result.Crit || !strings.Contains(lis.LastDrill.Message, "lis.results missing") {
		t.Errorf("lis-dump drill %+v", lis.LastDrill)
	}
	// Drills newest first, with restore times.
	if len(b.DrillRuns) != 3 || b.DrillsOK != 2 || b.DrillRuns[0].Policy != "lis-dump" || *b.DrillRuns[2].DurationS != 42.5 {
		t.Errorf("drills %+v", b.DrillRuns)
	}

	var kpi, drillKPI *KPI
	for i := range m.KPIs {
		switch m.KPIs[i].Name {
		case "Backup policies compliant":
			kpi = &m.KPIs[i]
		case "Restore drills":
			drillKPI = &m.KPIs[i]
		}
	}
	if kpi == nil || kpi.OK == nil || *kpi.OK || kpi.Actual != "33.3% (1 of 3 policies)" {
		t.Errorf("backup KPI %+v", kpi)
	}
	if drillKPI == nil || drillKPI.OK == nil || *drillKPI.OK || drillKPI.Actual != "2 of 3 succeeded" {
		t.Errorf("drill KPI %+v", drillKPI)
	}
	// Risks: lis-dump still failing, and its failed drill; not pacs-files,
	// which recovered.
	var gotPolicy, gotDrill bool
	for _, r := range m.Risks {
		switch {
		case strings.Contains(r.Object, "pacs-files"):
			t.Errorf("recovered policy listed as a risk: %+v", r)
		case r.Object == "Backup policy lis-dump (lis-db-01)":
			gotPolicy = r.Level == result.Crit && r.Advice == "advice for lis-dump size"
		case r.Object == "Restore drill lis-dump":
			gotDrill = r.Level == result.Crit && strings.Contains(r.Risk, "lis.results missing")
		}
	}
	if !gotPolicy || !gotDrill {
		t.Errorf("risks (policy %v, drill %v): %+v", gotPolicy, gotDrill, m.Risks)
	}
}

func TestMonthlyBackupRendered(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		m := buildBackupMonthly(t, lang)
		for _, format := range []string{FormatHTML, FormatMD, FormatJSON, FormatXLSX} {
			var buf bytes.Buffer
			if err := Render(&buf, format, m, ""); err != nil {
				t.Fatalf("%s %s: %v", lang, format, err)
			}
			out := buf.String()
			switch format {
			case FormatJSON:
				var back struct {
					Backup struct {
						Policies []struct {
							Policy    string         `json:"policy"`
							Compliant bool           `json:"compliant"`
							Aspects   map[string]any `json:"aspects"`
						} `json:"policies"`
						DrillRuns []struct {
							DurationS float64 `json:"duration_s"`
						} `json:"drill_runs"`
					} `json:"backup"`
				}
				if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
					t.Fatal(err)
				}
				if len(back.Backup.Policies) != 3 || back.Backup.Policies[0].Aspects["size"] != "CRIT" || back.Backup.DrillRuns[0].DurationS != 8 {
					t.Errorf("json backup %+v", back.Backup)
				}
			case FormatXLSX:
				sheets := xlsxSheetText(t, buf.Bytes())
				all := strings.Join(sheets, "\n")
				want := []string{"lis-dump", "pacs-files", "备份情况", "恢复演练", "1分15秒"}
				if lang == "en" {
					want = []string{"lis-dump", "pacs-files", "Backups", "Restore drills", "1 min 15 s"}
				}
				for _, w := range want {
					if !strings.Contains(all, w) {
						t.Errorf("%s xlsx lacks %q", lang, w)
					}
				}
			default:
				wants := map[string][]string{
					"zh": {"备份策略合规情况：共 3 个备份策略，本月全部校验均达标 1 个，未达标 2 个", "恢复演练 3 次，成功 2 次", "42.5秒", "1分15秒", "lis-dump newest copy shrank 90%"},
					"en": {"Backup policy compliance: 3 policies; met every verification this month: 1; missed: 2", "Restore drills: 3 this month, 2 succeeded", "42.5 s", "1 min 15 s", "Restore time"},
				}[lang]
				for _, w := range wants {
					if !strings.Contains(out, w) {
						t.Errorf("%s %s lacks %q", lang, format, w)
					}
				}
			}
		}
	}
}

// xlsxSheetText returns the text of every sheet, one string per sheet.
func xlsxSheetText(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString(name + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
		out = append(out, b.String())
	}
	return out
}
