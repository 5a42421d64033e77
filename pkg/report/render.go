package report

import (
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// identRe is a run of the characters of a host name, path or version.
var identRe = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._:/~-]*[A-Za-z0-9]`)

//go:embed templates/*.tmpl
var builtinTemplates embed.FS

// Render writes report (a *Daily, *Monthly, *DBReport or *ApplianceReport)
// in format to w. templateDir, when not empty, holds *.tmpl files whose
// {{define}} blocks replace the built-in ones of the same name (HTML:
// *.html.tmpl, Markdown: *.md.tmpl).
func Render(w io.Writer, format string, report any, templateDir string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(true)
		return enc.Encode(report)
	case FormatHTML:
		return renderHTML(w, report, templateDir)
	case FormatMD:
		return renderMD(w, report, templateDir)
	case FormatDOCX:
		return renderDOCX(w, report, templateDir)
	case FormatXLSX:
		switch r := report.(type) {
		case *DBReport:
			return renderHealthXLSX(w, r.Header.Lang, func(b *xlsxBook) error { return dbXLSX(b, r) })
		case *ApplianceReport:
			return renderHealthXLSX(w, r.Header.Lang, func(b *xlsxBook) error { return applianceXLSX(b, r) })
		case *BaselineReport:
			return renderHealthXLSX(w, r.Header.Lang, func(b *xlsxBook) error { return baselineXLSX(b, r) })
		}
		return renderXLSX(w, report)
	}
	return fmt.Errorf("report: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// langOf returns the language a report was built in.
func langOf(report any) (string, string) {
	switch r := report.(type) {
	case *Daily:
		return r.Header.Lang, "daily"
	case *Monthly:
		return r.Header.Lang, "monthly"
	case *DBReport:
		return r.Header.Lang, "db"
	case *ApplianceReport:
		return r.Header.Lang, "appliance"
	case *Incident:
		return r.Header.Lang, "incident"
	case *BaselineReport:
		return r.Header.Lang, "baseline"
	}
	return i18n.EN, ""
}

// funcs are the helpers both template kinds use; all return plain strings,
// so html/template escapes them. Only svg and dataURI mark content as safe,
// and both only ever see text made by this package.
func funcs(lang string) map[string]any {
	return map[string]any{
		"t":      func(key string, args ...any) string { return i18n.T(lang, key, args...) },
		"st":     func(s result.Status) string { return statusWord(lang, s) },
		"inc":    func(i int) int { return i + 1 },
		"time":   fmtTime,
		"short":  fmtShort,
		"date":   func(t time.Time) string { return fmtDate(lang, t) },
		"dur":    func(s int64) string { return fmtDuration(lang, time.Duration(s)*time.Second) },
		"secs":   func(v *float64) string { return optSeconds(lang, v) },
		"minus":  func(a, b int) int { return a - b },
		"pct":    fmtPercent,
		"num":    fmtNum,
		"join":   func(s []string) string { return strings.Join(s, i18n.T(lang, "report.listsep")) },
		"reason": func(r string) string { return reasonWord(lang, r) },
		"item":   showItem,
		"deref":  func(b *bool) bool { return b != nil && *b },
		// clock looks a ticket clock's tally up by name: template index
		// cannot, the map's key type is ticket.ClockName, not string.
		"clock": func(m map[ticket.ClockName]*ticket.Tally, name string) *ticket.Tally {
			return m[ticket.ClockName(name)]
		},
		"first": func(v any, n int) any {
			if o, ok := v.([]OutageRow); ok && len(o) > n {
				return o[:n]
			}
			return v
		},
		"days":  func(d *float64) string { return fmtDays(lang, d) },
		"pair":  func(n int, v any) map[string]any { return map[string]any{"N": n, "V": v} },
		"cname": func(check, typ, item string) string { return checkName(lang, check, typ, item) },
		"uval":  func(v float64, unit string) string { return fmtValueIn(lang, v, unit) },
		// Helpers of the database and hardware reports (health.go).
		"chapter": func(n int) string { return chapter(lang, n) },
		"add":     func(a, b int) int { return a + b },
		"pnum":    func(v *float64, unit string) string { return optNum(v, unit) },
		"psec":    func(v *float64) string { return optSeconds(lang, v) },
		"pbytes":  func(v *float64) string { return optBytes(v) },
		"bytes":   fmtBytes,
		"role":    func(r string) string { return roleWord(lang, r) },
		// The baseline report's verdict words (baseline.go).
		"vw": func(v any) string { return verdictWord(lang, baseline.Verdict(fmt.Sprint(v))) },
		"yesno": func(b bool) string {
			if b {
				return i18n.T(lang, "report.yes")
			}
			return i18n.T(lang, "report.no")
		},
	}
}

func reasonWord(lang, r string) string {
	if r == "" {
		return ""
	}
	if key := "reason." + r; i18n.Has(key) {
		return i18n.T(lang, key)
	}
	return r
}

func fmtDays(lang string, d *float64) string {
	if d == nil {
		return "—"
	}
	return i18n.T(lang, "report.days_n", fmtNum(roundTo(*d, 1)))
}

func roundTo(v float64, decimals int) float64 {
	p := 1.0
	for range decimals {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// weekly makes a weekly report's templates say the monthly words of the
// week (BuildWeekly shares the monthly report's sections).
func weekly(report any, lang string, fm map[string]any) {
	if m, ok := report.(*Monthly); ok && m.Kind == "weekly" {
		fm["t"] = func(key string, args ...any) string { return weekWords(lang, i18n.T(lang, key, args...)) }
	}
}

func renderHTML(w io.Writer, report any, dir string) error {
	lang, kind := langOf(report)
	fm := funcs(lang)
	weekly(report, lang, fm)
	fm["svg"] = func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) } // charts from chart.go, text escaped there
	// names lists asset names, runs shortened, each kept on one line: a
	// list may wrap between names, never inside one.
	fm["names"] = func(names []string) htmltemplate.HTML {
		var b strings.Builder
		for i, p := range compressParts(names) {
			if i > 0 {
				b.WriteString(htmltemplate.HTMLEscapeString(i18n.T(lang, "report.listsep")))
				b.WriteString("<wbr>")
			}
			b.WriteString(`<span class="nw">`)
			b.WriteString(htmltemplate.HTMLEscapeString(p))
			b.WriteString("</span>")
		}
		return htmltemplate.HTML(b.String())
	}
	// thr keeps each part of a threshold ("警告 >80%") on one line.
	fm["thr"] = func(s string) htmltemplate.HTML {
		sep := "; "
		if lang == i18n.ZH {
			sep = "，"
		}
		parts := strings.Split(s, sep)
		for i, p := range parts {
			parts[i] = `<span class="nw">` + htmltemplate.HTMLEscapeString(p) + "</span>"
		}
		return htmltemplate.HTML(strings.Join(parts, htmltemplate.HTMLEscapeString(sep)+"<wbr>"))
	}
	// namesMax is names with at most 10 entries.
	fm["namesMax"] = func(names []string) htmltemplate.HTML {
		parts := compressParts(names)
		var b strings.Builder
		for i, p := range parts {
			if i == 10 {
				b.WriteString(htmltemplate.HTMLEscapeString(i18n.T(lang, "report.agg.and_more", len(names))))
				break
			}
			if i > 0 {
				b.WriteString(htmltemplate.HTMLEscapeString(i18n.T(lang, "report.listsep")))
				b.WriteString("<wbr>")
			}
			b.WriteString(`<span class="nw">`)
			b.WriteString(htmltemplate.HTMLEscapeString(p))
			b.WriteString("</span>")
		}
		return htmltemplate.HTML(b.String())
	}
	// ids keeps identifiers (host names, paths, versions) in text on one
	// line, so a narrow cell wraps between words, never inside a name.
	fm["ids"] = func(s string) htmltemplate.HTML {
		return htmltemplate.HTML(identRe.ReplaceAllStringFunc(htmltemplate.HTMLEscapeString(s), func(w string) string {
			if len(w) < 6 {
				return w
			}
			return `<span class="nw">` + w + "</span>"
		}))
	}
	fm["dataURI"] = func(s string) htmltemplate.URL {
		if strings.HasPrefix(s, "data:image/") {
			return htmltemplate.URL(s)
		}
		return ""
	}
	// The per-asset detail can hold tens of thousands of rows: they are
	// written here, escaped field by field, instead of through the
	// (reflective, slow) template engine.
	fm["detailRows"] = func(rows []DetailRow) htmltemplate.HTML {
		var b strings.Builder
		e := htmltemplate.HTMLEscapeString
		for i := range rows {
			r := &rows[i]
			b.WriteString(`<tr><td class="chk">`)
			b.WriteString(e(r.CheckName))
			if showItem(r.CheckName, r.Item) {
				b.WriteString(` <span class="muted">`)
				b.WriteString(e(r.Item))
				b.WriteString("</span>")
			}
			b.WriteString(`</td><td><span class="st st-`)
			b.WriteString(r.Status.String())
			b.WriteString(`">`)
			b.WriteString(e(statusWord(lang, r.Status)))
			b.WriteString(`</span></td><td class="num">`)
			b.WriteString(e(r.Value))
			b.WriteString(`</td><td class="thr">`)
			b.WriteString(e(r.Threshold))
			b.WriteString(`</td><td class="msg">`)
			b.WriteString(e(r.Message))
			b.WriteString("</td></tr>")
		}
		return htmltemplate.HTML(b.String())
	}
	t := htmltemplate.New("report").Funcs(fm)
	t, err := t.ParseFS(builtinTemplates, "templates/*.html.tmpl")
	if err != nil {
		return fmt.Errorf("report: built-in templates: %w", err)
	}
	if dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.html.tmpl"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("report template %s: %w", f, err)
			}
			if _, err := t.New(filepath.Base(f)).Parse(string(b)); err != nil {
				return fmt.Errorf("report template %s: %w", f, err)
			}
		}
	}
	if err := t.ExecuteTemplate(w, kind+".html", report); err != nil {
		return fmt.Errorf("report: render html: %w", err)
	}
	return nil
}

func renderMD(w io.Writer, report any, dir string) error {
	lang, kind := langOf(report)
	fm := funcs(lang)
	weekly(report, lang, fm)
	fm["md"] = mdEscape
	fm["mdblock"] = mdBlock
	t := texttemplate.New("report").Funcs(fm)
	t, err := t.ParseFS(builtinTemplates, "templates/*.md.tmpl")
	if err != nil {
		return fmt.Errorf("report: built-in templates: %w", err)
	}
	if dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.md.tmpl"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("report template %s: %w", f, err)
			}
			if _, err := t.New(filepath.Base(f)).Parse(string(b)); err != nil {
				return fmt.Errorf("report template %s: %w", f, err)
			}
		}
	}
	if err := t.ExecuteTemplate(w, kind+".md", report); err != nil {
		return fmt.Errorf("report: render markdown: %w", err)
	}
	return nil
}

// mdEscape makes text safe inside a Markdown table cell or paragraph:
// Markdown punctuation and the characters that open HTML (<, >, &) are
// backslash-escaped, so a viewer shows them as written and never renders a
// tag; line breaks become "; " (a table cell is one line, and Markdown
// without HTML has no line break inside one; issue #13).
func mdEscape(v any) string {
	s := strings.TrimRight(fmt.Sprint(v), "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '#', '~', '<', '>', '&':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString("; ")
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdBlock fences raw text (evidence) so Markdown does not interpret it; a
// fence longer than any backtick run inside keeps it closed.
func mdBlock(s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + "text\n" + s + "\n" + fence
}

// showItem reports whether a result's item adds anything to its check name
// ("disk:/data" already names the mount /data).
func showItem(check, item string) bool { return item != "" && !strings.Contains(check, item) }
