package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
		"+1+1":               "'+1+1",
		"-2":                 "'-2",
		"@SUM(A1)":           "'@SUM(A1)",
		"  =1":               "'  =1",
		"\tx":                "'\tx",
		"disk 93%":           "disk 93%",
		"\x1b[31mred":        "red",
		"":                   "",
	} {
		if got := safeCell(in); got != want {
			t.Errorf("safeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDailyXLSX(t *testing.T) {
	d := buildTestDaily(t, "zh")
	var buf bytes.Buffer
	if err := Render(&buf, FormatXLSX, d, ""); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "概况,异常汇总,异常说明,无法连接,巡检明细" {
		t.Fatalf("sheets %s", got)
	}
	// The aggregated exceptions, as in the body of the HTML report.
	if groups, err := f.GetRows("异常汇总"); err != nil || len(groups) != 1+len(d.Groups) || groups[1][2] != d.Groups[0].Check {
		t.Errorf("groups sheet %v %v", groups, err)
	}
	rows, err := f.GetRows("异常说明")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0][:8], ",") != "序号,设备,应用系统,巡检项目,检查对象,状态,检查结果,阈值" {
		t.Errorf("findings header %v", rows[0])
	}
	if len(rows) != 5 {
		t.Fatalf("want 4 findings + header, got %d rows", len(rows))
	}
	// Worst first, values and thresholds as in the HTML.
	want := [][]string{
		{"1", "pacs-01", "PACS", "连通性", "", "无法连接"},
		{"2", "his-db-01", "HIS", "磁盘空间 /data", "/data", "严重", "93.5%", "警告 >80%，严重 >90%"},
		{"3", "web-01", "portal", "时间同步", "", "未知"},
		{"4", hostileAsset, "lab", "磁盘空间 /", "/", "警告", "85%"},
	}
	for i, w := range want {
		for j, v := range w {
			if rows[i+1][j] != v {
				t.Errorf("row %d col %d = %q, want %q", i+1, j+1, rows[i+1][j], v)
			}
		}
	}
	// The hostile message is text, not a formula, and has no escape codes.
	msg := rows[4][8]
	if !strings.HasPrefix(msg, "'=cmd|") || strings.ContainsRune(msg, 0x1b) {
		t.Errorf("hostile message cell %q", msg)
	}
	ev := rows[4][11]
	if !strings.Contains(ev, "'=HYPERLINK") && !strings.HasPrefix(ev, "<script>") {
		t.Errorf("evidence cell %q", ev)
	}
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for r := range rows {
			for c := range rows[r] {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
					t.Errorf("%s!%s holds a formula %q", sheet, cell, fm)
				}
			}
		}
	}
	panes, err := f.GetPanes("异常说明")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("findings header not frozen: %+v", panes)
	}
	cf, _ := f.GetConditionalFormats("异常说明")
	if len(cf) == 0 {
		t.Error("no conditional formatting on the status column")
	}
	for ref, opts := range cf {
		if !strings.HasPrefix(ref, "F2:F") || len(opts) != 5 {
			t.Errorf("conditional format %s: %d rules", ref, len(opts))
		}
	}
	if w, _ := f.GetColWidth("异常说明", "B"); w < 10 {
		t.Errorf("asset column width %v not set", w)
	}
}
