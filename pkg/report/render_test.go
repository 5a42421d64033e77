package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// A template directory redefines blocks of the built-in layout; everything
// else stays, and the override is escaped like the built-in templates.
func TestTemplateDirOverride(t *testing.T) {
	d := buildTestDaily(t, "zh")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "site.html.tmpl"), []byte(`{{define "daily-header"}}<h1>朝阳健康云 {{.Header.Title}}</h1><p class="who">{{.Findings | len}} {{(index .Findings 3).Asset}}</p>{{end}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "site.md.tmpl"), []byte(`{{define "md-signoff"}}签字：________{{end}}`), 0o644)
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, d, dir); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "<h1>朝阳健康云 巡检报告</h1>") || strings.Contains(out, "巡检说明") {
		t.Errorf("header block not overridden")
	}
	if !strings.Contains(out, "&lt;script&gt;") || strings.Contains(out, "<script>") {
		t.Errorf("override output not escaped")
	}
	if !strings.Contains(out, "异常说明") {
		t.Errorf("the rest of the layout is gone")
	}
	buf.Reset()
	if err := Render(&buf, FormatMD, d, dir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "签字：________") {
		t.Errorf("markdown block not overridden")
	}
	os.WriteFile(filepath.Join(dir, "broken.html.tmpl"), []byte(`{{define "x"}}{{.Nope`), 0o644)
	if err := Render(&buf, FormatHTML, d, dir); err == nil || !strings.Contains(err.Error(), "broken.html.tmpl") {
		t.Errorf("broken template: %v", err)
	}
}

func TestChartsEscape(t *testing.T) {
	o := testOpts("en")
	days := []DayRuns{{Date: "2026-11-01", Runs: 1, Counts: result.Counts{OK: 3, Crit: 1}}, {Date: "2026-11-02", Missed: true}}
	trend := Trend{Asset: `<b onmouseover="x">`, Check: "disk:/", Unit: "%", Last: 50, Max: 50, Limit: 100,
		Points: []TrendPoint{{At: time.Date(2026, 11, 1, 12, 0, 0, 0, cst), Value: 50}}}
	rows := []AvailRow{{Name: `</text><script>x</script>`, Known: true, Percent: 99.9, Target: 99.975}}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, cst)
	for _, svg := range []string{
		statusOverTime(o, days, "<period>"),
		availBars(o, rows, "p"),
		statusBar(o, result.Counts{OK: 1}),
	} {
		if strings.Contains(svg, "<script") || strings.Contains(svg, "<b ") || strings.Contains(svg, "<period>") {
			t.Errorf("unescaped text in chart: %s", svg)
		}
		if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") {
			t.Errorf("not an svg element")
		}
		if !strings.Contains(svg, "source") {
			t.Errorf("chart without its data source caption")
		}
	}
	// The capacity small multiples (their caption is the system's, outside).
	small := capacitySmall(o, trend, start, start.AddDate(0, 1, 0))
	if strings.Contains(small, "<script") || strings.Contains(small, "<b ") || !strings.HasPrefix(small, "<svg") || !strings.HasSuffix(small, "</svg>") {
		t.Errorf("capacity chart: %s", small)
	}
}

func TestDescribeRange(t *testing.T) {
	for _, c := range []struct{ warn, crit, unit, want string }{
		{"80", "90", "%", "warn >80%; crit >90%"},
		{"10:", "5:", "GB", "warn <10 GB; crit <5 GB"},
		{"@1:2", "", "", "warn within 1–2"},
		{"10:20", "", "ms", "warn outside 10 ms–20 ms"},
		{"", "", "", ""},
		{"bogus", "", "", "warn bogus"},
	} {
		if got := threshold("en", c.warn, c.crit, c.unit); got != c.want {
			t.Errorf("threshold(%q,%q,%q) = %q, want %q", c.warn, c.crit, c.unit, got, c.want)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct {
		v     float64
		top   float64
		steps int
	}{{25, 25, 5}, {18, 20, 4}, {100, 100, 5}, {96.2, 100, 5}, {0.7, 0.8, 4}, {1234, 1500, 3}, {0, 1, 1}} {
		top, steps := niceScale(c.v)
		if math.Abs(top-c.top) > 1e-9 || steps != c.steps {
			t.Errorf("niceScale(%v) = %v, %d; want %v, %d", c.v, top, steps, c.top, c.steps)
		}
	}
}

// The configured logo is embedded in the HTML (no external file), and a
// missing logo file leaves the header without one rather than failing.
func TestLogoEmbedded(t *testing.T) {
	db, id := seedDaily(t)
	o := testOpts("zh")
	o.Logo = filepath.Join(t.TempDir(), "logo.png")
	os.WriteFile(o.Logo, []byte("\x89PNG\r\n\x1a\nfake"), 0o644)
	d, err := BuildDaily(t.Context(), db, id, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, d, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<img class="logo" src="data:image/png;base64,iVBORw0KGgpmYWtl"`) {
		t.Errorf("logo not embedded")
	}
	o.Logo = "/nonexistent/logo.png"
	d, _ = BuildDaily(t.Context(), db, id, o)
	buf.Reset()
	Render(&buf, FormatHTML, d, "")
	if strings.Contains(buf.String(), "<img") {
		t.Errorf("missing logo rendered as an image")
	}
}
