package report

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/result"
)

func buildTestDaily(t *testing.T, lang string) *Daily {
	t.Helper()
	db, id := seedDaily(t)
	d, err := BuildDaily(context.Background(), db, id, testOpts(lang))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDailyModel(t *testing.T) {
	d := buildTestDaily(t, "zh")
	if d.Assets != 6 || d.Checks != 7 {
		t.Fatalf("assets %d checks %d, want 6 and 7", d.Assets, d.Checks)
	}
	want := "本次共巡检 6 台设备、7 项指标，正常 3 项，警告 1 项，严重 1 项，无法连接 1 台，未能判定 1 项。"
	if d.CountLine != want {
		t.Errorf("count line\n got %s\nwant %s", d.CountLine, want)
	}
	// Worst first: UNREACHABLE, CRIT, UNKNOWN, WARN.
	var order []result.Status
	for _, f := range d.Findings {
		order = append(order, f.Status)
	}
	if len(order) != 4 || order[0] != result.Unreachable || order[1] != result.Crit || order[2] != result.Unknown || order[3] != result.Warn {
		t.Errorf("findings order %v", order)
	}
	crit := d.Findings[1]
	if crit.Asset != "his-db-01" || crit.Value != "93.5%" || crit.Threshold != "警告 >80%，严重 >90%" {
		t.Errorf("crit finding %+v", crit)
	}
	if !strings.Contains(crit.Advice, "当日内") || !strings.Contains(crit.Advice, "扩容 100GB") {
		t.Errorf("crit advice %q", crit.Advice)
	}
	if !strings.Contains(crit.Evidence, "94% /data") {
		t.Errorf("evidence %q", crit.Evidence)
	}
	if len(d.Unreachable) != 1 || d.Unreachable[0].Asset != "pacs-01" || d.Unreachable[0].Reason != "timeout" {
		t.Errorf("unreachable %+v", d.Unreachable)
	}
	if d.Coverage.Inspected != 6 || d.Coverage.Inventory != 6 || d.Coverage.Percent != 100 {
		t.Errorf("coverage %+v", d.Coverage)
	}
	// Changes: new = disk worse (WARN→CRIT), pacs unreachable, web-01 unknown,
	// hostile disk WARN; resolved = his-app-01 memory CRIT→OK.
	if !d.Changes.HasPrevious || len(d.Changes.New) != 4 || len(d.Changes.Resolved) != 1 {
		t.Fatalf("changes %+v", d.Changes)
	}
	if r := d.Changes.Resolved[0]; r.Asset != "his-app-01" || *r.PrevStatus != result.Crit {
		t.Errorf("resolved %+v", r)
	}
	var worse int
	for _, f := range d.Changes.New {
		if f.Change == "worse" {
			worse++
		}
	}
	if worse != 1 {
		t.Errorf("want 1 worsened problem, got %d", worse)
	}
	if d.Header.Engineer != "张伟" || d.Sign[0].Name != "张伟" || d.Sign[1].Name != "李娜" {
		t.Errorf("names: %+v %+v", d.Header, d.Sign)
	}
	if d.Period != "2026年11月29日" {
		t.Errorf("period %q", d.Period)
	}
	// ANSI escapes never reach the model.
	for _, f := range d.Findings {
		if strings.ContainsRune(f.Message, 0x1b) {
			t.Errorf("escape sequence left in %q", f.Message)
		}
	}
}

func TestDailyGolden(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		d := buildTestDaily(t, lang)
		for _, format := range []string{FormatHTML, FormatMD} {
			var buf bytes.Buffer
			if err := Render(&buf, format, d, ""); err != nil {
				t.Fatal(err)
			}
			golden(t, "daily-"+lang+"."+format, buf.Bytes())
		}
	}
}

func TestDailyHostileHTML(t *testing.T) {
	d := buildTestDaily(t, "en")
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, d, ""); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>", "<img src=x", "\x1b", `alert("x")</script>`} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39;db&#34;01") {
		t.Errorf("hostile asset name not shown escaped")
	}
	if strings.Contains(strings.ToLower(out), "<script") || strings.Contains(out, "javascript:") {
		t.Errorf("HTML has script")
	}
	buf.Reset()
	if err := Render(&buf, FormatMD, d, ""); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	// Outside code fences, no raw tag may appear.
	parts := strings.Split(md, "```")
	for i := 0; i < len(parts); i += 2 {
		if regexp.MustCompile(`(^|[^\\])<(script|img)`).MatchString(parts[i]) {
			t.Errorf("markdown has a raw tag outside code blocks: %q", parts[i])
		}
	}
}

func TestDailyJSON(t *testing.T) {
	d := buildTestDaily(t, "en")
	var buf bytes.Buffer
	if err := Render(&buf, FormatJSON, d, ""); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"header", "run_id", "coverage", "unreachable", "count_line", "by_system", "by_zone", "findings", "details", "changes", "conclusion", "sign_off"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	f := m["findings"].([]any)[0].(map[string]any)
	if f["status"] != "UNREACHABLE" {
		t.Errorf("first finding status %v", f["status"])
	}
}
