package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/sla"
	"github.com/cyhealth/hcops/pkg/store"
)

// seedMonth writes November 2026: inspections at 08:00 and 20:00 every day
// except the 10th; pacs-01 unreachable on the 15th (both runs); his-app-01
// unreachable at the last run of the month (an outage running past the
// month's end); web-01 added on the 12th; maintenance on his-db-01 on the
// 20th; /data on his-db-01 filling steadily; a certificate 20 days from
// expiry; a hostile recurring warning.
func seedMonth(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	all := []*inventory.Asset{
		{Name: "his-db-01", Kind: "host", System: "HIS", Zone: "intranet", Criticality: "core"},
		{Name: "his-app-01", Kind: "host", System: "HIS", Zone: "intranet", Criticality: "core"},
		{Name: "pacs-01", Kind: "host", System: "PACS", Zone: "intranet"},
		{Name: "core-link", Kind: "link", System: "", Zone: "intranet"},
		{Name: "web-01", Kind: "host", System: "portal", Zone: "dmz"},
	}
	for day := 1; day <= 30; day++ {
		if day == 10 {
			continue
		}
		for _, hour := range []int{8, 20} {
			at := time.Date(2026, 11, day, hour, 0, 0, 0, cst)
			assets := all[:4]
			if day >= 12 {
				assets = all
			}
			var rs []result.Result
			for _, a := range assets {
				down := (a.Name == "pacs-01" && day == 15) || (a.Name == "his-app-01" && day == 30 && hour == 20)
				if down {
					r := res(a.Name, "connect", "", result.Unreachable, nil, "", "", "", "ssh: i/o timeout")
					r.Reason = result.ReasonTimeout
					rs = append(rs, r)
					continue
				}
				use := 40.0
				st := result.OK
				if a.Name == "his-db-01" {
					use = 60 + 1.2*(float64(day-1)+float64(hour)/24)
					if use > 90 {
						st = result.Crit
					} else if use > 80 {
						st = result.Warn
					}
				}
				rs = append(rs, res(a.Name, "disk:/data", "/data", st, fv(use), "%", "80", "90", "disk use"))
				rs = append(rs, res(a.Name, "memory", "", result.OK, fv(50), "%", "85", "95", "memory 50%"))
				if a.Name == "web-01" {
					c := res(a.Name, "tls-cert", "https://web-01/", result.Warn, fv(float64(50-day)), "d", "30:", "7:", "certificate expires soon")
					if 50-day > 30 {
						c.Status = result.OK
					}
					rs = append(rs, c)
				}
				if a.Name == "core-link" {
					rs = append(rs, res(a.Name, "ntp", "", result.Warn, fv(0.8), "s", "0.5", "1", hostileMsg))
				}
			}
			for i := range rs {
				for _, a := range all {
					if a.Name == rs[i].Asset {
						rs[i].System, rs[i].Zone = a.System, a.Zone
					}
				}
				rs[i].StartedAt = at
			}
			run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "jump-01", Playbooks: []string{"linux-daily"},
				Assets: len(assets), Inventory: len(assets)}
			if err := db.BeginRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			if err := db.AddResults(ctx, run.ID, rs); err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(assets)
			if err := db.SaveSnapshot(ctx, run.ID, data); err != nil {
				t.Fatal(err)
			}
			run.Results, run.FinishedAt = rs, at.Add(2*time.Minute)
			if err := db.FinishRun(ctx, run); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.AddMaintenance(ctx, &store.MaintenanceWindow{Asset: "his-db-01", Start: time.Date(2026, 11, 20, 1, 0, 0, 0, cst),
		End: time.Date(2026, 11, 20, 3, 0, 0, 0, cst), Reason: "内核补丁升级"}); err != nil {
		t.Fatal(err)
	}
	return db
}

func monthOpts(lang string) Options {
	o := testOpts(lang)
	o.Now = time.Date(2026, 12, 1, 7, 0, 0, 0, cst)
	o.Inventory = &inventory.Inventory{Systems: []*inventory.System{
		{Name: "HIS", NameZH: "医院信息系统", NameEN: "HIS", Criticality: "core"},
		{Name: "PACS", NameZH: "影像归档系统", NameEN: "PACS", Criticality: "non-core"},
	}}
	return o
}

func buildTestMonthly(t *testing.T, lang string) *Monthly {
	t.Helper()
	db := seedMonth(t)
	m, err := BuildMonthly(context.Background(), db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), monthOpts(lang))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMonthlyModel(t *testing.T) {
	m := buildTestMonthly(t, "zh")
	if m.Inspections.Runs != 58 || m.Inspections.DaysDue != 30 || m.Inspections.DaysWith != 29 {
		t.Errorf("inspections %+v", m.Inspections)
	}
	if len(m.Inspections.MissedDays) != 1 || m.Inspections.MissedDays[0] != "2026-11-10" {
		t.Errorf("missed days %v", m.Inspections.MissedDays)
	}
	if m.Period != "2026年11月1日至2026年11月30日" || m.Header.Title != "2026年11月运维工作报告" {
		t.Errorf("period %q title %q", m.Period, m.Header.Title)
	}
	avail := map[string]AvailRow{}
	for _, a := range m.AssetAvail {
		avail[a.Name] = a
	}
	for _, a := range m.SystemAvail {
		avail["sys:"+a.Name] = a
	}
	// pacs-01 was down from the 15th 08:00 to the 16th 08:00 at most; the
	// sampled outage must be at least the 12 h between the two failing runs.
	p := avail["pacs-01"]
	if p.Met || p.Outages != 1 || p.LongestS < 12*3600 {
		t.Errorf("pacs-01 %+v", p)
	}
	// No data: the first 8 h of the month (no run before it) and the 11 h of
	// the 36 h gap around the missed 10th beyond what one sample vouches for
	// (25 h).
	if p.UnknownS != 19*3600 {
		t.Errorf("pacs-01: want 19 h without data, got %ds", p.UnknownS)
	}
	// web-01 joined on the 12th: the days before are not counted at all.
	w := avail["web-01"]
	if !w.Met || w.DownS != 0 || w.UnknownS > 13*3600 {
		t.Errorf("web-01 %+v", w)
	}
	if d := avail["his-db-01"]; d.MaintS == 0 {
		t.Errorf("his-db-01 maintenance not excluded: %+v", d)
	}
	if l := avail["core-link"]; l.Target != sla.TargetLinkStorage {
		t.Errorf("link target %v", l.Target)
	}
	pacs := avail["sys:影像归档系统"]
	if pacs.Met || pacs.MaxOutageS != 10*3600 || pacs.Core {
		t.Errorf("PACS system %+v", pacs)
	}
	his := avail["sys:医院信息系统"]
	if !his.Core || his.MaxOutageS != 2*3600 || his.Outages != 1 {
		t.Errorf("HIS system %+v", his)
	}
	var ongoing bool
	for _, o := range m.Outages {
		if o.Object == "his-app-01" && o.Ongoing {
			ongoing = true
		}
	}
	if !ongoing {
		t.Errorf("his-app-01 outage at month end not marked ongoing: %+v", m.Outages)
	}
	// Capacity: his-db-01 /data grows 1.2 %/day and is first.
	if len(m.Capacity) == 0 || m.Capacity[0].Asset != "his-db-01" || m.Capacity[0].DaysUntil == nil {
		t.Fatalf("capacity %+v", m.Capacity)
	}
	if c := m.Capacity[0]; c.SlopeDay < 1.1 || c.SlopeDay > 1.3 || *c.DaysUntil > 6 || *c.DaysUntil < 2 {
		t.Errorf("forecast slope %.2f days %.1f", c.SlopeDay, *c.DaysUntil)
	}
	if len(m.Certificates) != 1 || m.Certificates[0].DaysLeft != 20 {
		t.Errorf("certs %+v", m.Certificates)
	}
	if m.Backup.HasData {
		t.Errorf("backup section claims data")
	}
	if len(m.Recurring) == 0 || m.Recurring[0].Asset != "his-db-01" || m.Recurring[0].Worst != result.Crit {
		t.Errorf("recurring %+v", m.Recurring)
	}
	if len(m.Risks) == 0 || m.Risks[0].Level != result.Crit {
		t.Errorf("risks %+v", m.Risks)
	}
	if len(m.Plan) < 3 || !strings.Contains(strings.Join(m.Plan, ""), "2026年12月") {
		t.Errorf("plan %v", m.Plan)
	}
}

func TestMonthlyGolden(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		m := buildTestMonthly(t, lang)
		for _, format := range []string{FormatHTML, FormatMD} {
			var buf bytes.Buffer
			if err := Render(&buf, format, m, ""); err != nil {
				t.Fatal(err)
			}
			golden(t, "monthly-"+lang+"."+format, buf.Bytes())
		}
	}
}

func TestMonthlyPlanTemplate(t *testing.T) {
	db := seedMonth(t)
	o := monthOpts("zh")
	o.PlanTemplate = filepath.Join(t.TempDir(), "plan.txt")
	os.WriteFile(o.PlanTemplate, []byte("# 下月计划\n- {{.NextMonth}}完成 HIS 数据库扩容\n\n- 配合等保测评\n"), 0o644)
	m, err := BuildMonthly(context.Background(), db, time.Date(2026, 11, 5, 0, 0, 0, 0, cst), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Plan) != 2 || m.Plan[0] != "2026年12月完成 HIS 数据库扩容" || m.Plan[1] != "配合等保测评" {
		t.Errorf("plan %q", m.Plan)
	}
	os.WriteFile(o.PlanTemplate, []byte("{{.Nope}}"), 0o644)
	if _, err := BuildMonthly(context.Background(), db, time.Date(2026, 11, 5, 0, 0, 0, 0, cst), o); err == nil || !strings.Contains(err.Error(), "plan.txt") {
		t.Errorf("bad plan template: %v", err)
	}
}

func TestMonthlyXLSX(t *testing.T) {
	m := buildTestMonthly(t, "zh")
	var buf bytes.Buffer
	if err := Render(&buf, FormatXLSX, m, ""); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"概况", "可用性", "专线可用性", "异常说明", "容量趋势", "巡检情况", "故障与中断", "备份情况", "问题与风险"}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows("可用性")
	if rows[0][0] != "名称" || rows[0][5] != "本月实际" {
		t.Errorf("availability header %v", rows[0])
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == "pacs-01" {
			found = true
			if r[12] != "未达标" {
				t.Errorf("pacs-01 row %v", r)
			}
		}
	}
	if !found {
		t.Errorf("pacs-01 missing from availability sheet")
	}
	// The hostile message of core-link is neutralised in the findings sheet.
	rows, _ = f.GetRows("异常说明")
	for _, r := range rows[1:] {
		if r[0] == "core-link" && !strings.HasPrefix(r[6], "'=cmd") {
			t.Errorf("formula not neutralised: %q", r[6])
		}
	}
	panes, err := f.GetPanes("可用性")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	cf, _ := f.GetConditionalFormats("可用性")
	if len(cf) == 0 {
		t.Errorf("no conditional formatting on the availability sheet")
	}
}

func TestMonthlyChromium(t *testing.T) {
	m := buildTestMonthly(t, "zh")
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, m, ""); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<img src=x") || strings.Contains(out, "<script") {
		t.Errorf("hostile text unescaped in the monthly HTML")
	}
	pdf, _ := renderChromium(t, "monthly-zh", buf.Bytes(), false)
	b, _ := os.ReadFile(pdf)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF")
	}
}

// An availability figure from a sliver of the period is not judged: with
// inspections covering less than sla.MinCoverage it is "no data", not "met".
func TestAvailRowCoverage(t *testing.T) {
	o := testOpts("zh")
	thin := sla.Availability{Up: time.Hour, Unknown: 100 * time.Hour, Percent: 100, Known: true, Target: sla.TargetHost, Met: true}
	r := availRow("web-01", "asset", thin)
	r.Met = r.Known && thin.Met
	if r.Known || r.Met || o.verdict(r, r.Met) != "数据不足" || r.Coverage > 1 {
		t.Errorf("thin data judged: %+v", r)
	}
	full := sla.Availability{Up: 700 * time.Hour, Down: time.Hour, Unknown: 19 * time.Hour, Percent: 99.86, Known: true, Target: sla.TargetHost}
	r = availRow("pacs-01", "asset", full)
	if !r.Known || r.Coverage < 97 || o.verdict(r, false) != "未达标" {
		t.Errorf("full data not judged: %+v", r)
	}
}
