// Package report builds the daily inspection report (巡检报告) and the
// monthly operations report (运维工作报告) from the history store, and
// renders them as self-contained HTML, Markdown, XLSX or JSON.
//
// Building and rendering are separate: BuildDaily and BuildMonthly read the
// store into a report model (Daily, Monthly) that is also the JSON format;
// the renderers only format a model. Every user-facing word comes from
// pkg/i18n, in Chinese or English.
package report

import (
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// Formats the renderers produce.
const (
	FormatHTML = "html"
	FormatMD   = "md"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
)

// Formats lists the supported output formats.
var Formats = []string{FormatHTML, FormatXLSX, FormatMD, FormatJSON, FormatDOCX}

// Options are the settings both reports share.
type Options struct {
	Lang string      // i18n.ZH or i18n.EN
	Site config.Site // names for the header and the sign-off block
	// Now is the time the report is made (also its "generated at"); zero
	// means time.Now(). Tests fix it.
	Now time.Time
	// Location gives day boundaries and printed times; nil means time.Local.
	Location *time.Location
	// Inventory is the current inventory, used when a run has no snapshot
	// (systems, criticality, kinds, addresses). May be nil.
	Inventory *inventory.Inventory
	// TemplateDir holds *.tmpl files that override blocks of the built-in
	// HTML and Markdown templates (config report.template_dir).
	TemplateDir string
	// Logo is an image file shown in the HTML header (config report.logo).
	Logo string
	// PlanTemplate is a text file with the next month's plan, one item a
	// line (config report.plan_template); empty means the built-in plan.
	PlanTemplate string
	// MaxGap is how long one inspection sample vouches for an asset's state
	// in availability maths; after that, time is unknown. Zero means 25h, so
	// a once-a-day inspection covers its day and a missed day shows as
	// unknown.
	MaxGap time.Duration

	// Tickets are the tickets opened in the period, their clocks derived
	// (the command reads them through ticket.Service): the monthly report's
	// incidents and SLA attainment. None: the section says so.
	Tickets []*ticket.Ticket

	// Scope narrows the daily, weekly and monthly reports to one network
	// zone's assets and/or one runner's runs (hcops report --zone,
	// --runner); the zero value covers the whole merged history.
	Scope store.Scope

	// period is "week" while a weekly report is built: the monthly
	// report's words are said of the week (see weekWords).
	period string
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o *Options) loc() *time.Location {
	if o.Location == nil {
		return time.Local
	}
	return o.Location
}

func (o *Options) maxGap() time.Duration {
	if o.MaxGap <= 0 {
		return 25 * time.Hour
	}
	return o.MaxGap
}

func (o *Options) t(key string, args ...any) string {
	s := i18n.T(o.Lang, key, args...)
	if o.period == "week" {
		s = weekWords(o.Lang, s)
	}
	return s
}

// header fills the header block from the site configuration.
func (o *Options) header(title, no string) Header {
	s := o.Site
	site := s.Name
	if o.Lang != i18n.ZH && s.NameEN != "" {
		site = s.NameEN
	}
	h := Header{
		Title: title, Site: site, Client: s.Client, Vendor: s.Vendor,
		Engineer: s.Engineer, Reviewer: s.Reviewer, Approver: s.Approver,
		ReportNo: no, Lang: o.Lang, GeneratedAt: o.now().In(o.loc()),
	}
	if o.Logo != "" {
		if uri, err := logoURI(o.Logo); err == nil {
			h.Logo = uri
		}
	}
	return h
}

// signers is the sign-off block: printed names, blank space for the
// signature and date. A role without a configured name is still printed,
// with an empty name line to write on.
func (o *Options) signers(first string) []Signer {
	out := []Signer{
		{Role: o.t(first), Name: o.Site.Engineer},
		{Role: o.t("report.sign.reviewer"), Name: o.Site.Reviewer},
	}
	out = append(out, Signer{Role: o.t("report.sign.approver"), Name: o.Site.Approver})
	return out
}

// fmtDate writes a calendar date: 2026年11月29日 in Chinese (GB/T 9704, no
// zero padding), 2026-11-29 in English.
func fmtDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == i18n.ZH {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return t.Format("2006-01-02")
}

// fmtMonth writes a month: 2026年11月 or November 2026.
func fmtMonth(lang string, t time.Time) string {
	if lang == i18n.ZH {
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	return t.Format("January 2006")
}

// fmtTime writes a timestamp for tables: 2026-11-29 08:00:00 (24-hour).
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}

// fmtShort writes a timestamp without seconds.
func fmtShort(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04")
}

// fmtDuration writes a duration in words: 2小时15分钟 / 2 h 15 min.
func fmtDuration(lang string, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d > 0 && d < 30*time.Second {
		// An outage of seconds happened: it is not "0 minutes".
		if lang == i18n.ZH {
			return "不足1分钟"
		}
		return "under 1 min"
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	h := int(d%(24*time.Hour)) / int(time.Hour)
	m := int(d%time.Hour) / int(time.Minute)
	var parts []string
	if lang == i18n.ZH {
		if days > 0 {
			parts = append(parts, fmt.Sprintf("%d天", days))
		}
		if h > 0 {
			parts = append(parts, fmt.Sprintf("%d小时", h))
		}
		if m > 0 || len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%d分钟", m))
		}
		return strings.Join(parts, "")
	}
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d d", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d h", h))
	}
	if m > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d min", m))
	}
	return strings.Join(parts, " ")
}

// fmtSeconds writes a measured time: tenths below a minute, seconds below an
// hour, then as fmtDuration: 3.2秒, 4分12秒, 2天3小时 / 3.2 s, 4 min 12 s.
// Restore times and lags are evidence, so short ones are not rounded to
// minutes like outage lengths.
func fmtSeconds(lang string, s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "—"
	}
	if s < 0 {
		s = 0
	}
	zh := lang == i18n.ZH
	if s < 60 {
		r := math.Round(s*10) / 10
		if s < 1 { // a quick restore still shows its time
			r = math.Round(s*100) / 100
		}
		n := strconv.FormatFloat(r, 'f', -1, 64)
		if r == 0 && s > 0 {
			n = "<0.01"
		}
		if zh {
			return n + "秒"
		}
		return n + " s"
	}
	if s >= 3600 { // hours and days: to the minute is precise enough
		return fmtDuration(lang, time.Duration(s*float64(time.Second)))
	}
	m, sec := int(math.Round(s))/60, int(math.Round(s))%60
	switch {
	case zh && sec == 0:
		return fmt.Sprintf("%d分钟", m)
	case zh:
		return fmt.Sprintf("%d分%d秒", m, sec)
	case sec == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, sec)
}

// fmtNum writes a number without needless decimals.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v), math.IsInf(v, 0):
		return "—"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// fmtValue writes a measured value with its unit.
func fmtValue(v *float64, unit string) string {
	if v == nil {
		return ""
	}
	return fmtNum(*v) + fmtUnit(unit)
}

func fmtUnit(unit string) string {
	switch unit {
	case "", "%":
		return unit
	}
	return " " + unit
}

// fmtPercent writes an availability figure with three decimals, enough to
// tell 99.975 from 99.970.
func fmtPercent(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) + "%" }

// threshold describes the warn and crit thresholds of a result in words, e.g.
// "警告 >80%，严重 >90%", so a reader can verify a verdict without asking.
func threshold(lang, warn, crit, unit string) string {
	var parts []string
	if s := describeRange(lang, warn, unit); s != "" {
		parts = append(parts, i18n.T(lang, "report.thr.warn", s))
	}
	if s := describeRange(lang, crit, unit); s != "" {
		parts = append(parts, i18n.T(lang, "report.thr.crit", s))
	}
	sep := "; "
	if lang == i18n.ZH {
		sep = "，"
	}
	return strings.Join(parts, sep)
}

// describeRange turns a Nagios range into the condition that raises the
// alert. An unparsable range is shown as written.
func describeRange(lang, s, unit string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	r, ok := parseRange(s)
	if !ok {
		return s
	}
	u := unitSuffix(lang, unit)
	lo, hi := fmtNum(r.Start)+u, fmtNum(r.End)+u
	switch {
	case r.Inside:
		return i18n.T(lang, "report.thr.inside", lo, hi)
	case math.IsInf(r.End, 1):
		return "<" + lo
	case r.Start == 0 || math.IsInf(r.Start, -1):
		return ">" + hi
	}
	return i18n.T(lang, "report.thr.outside", lo, hi)
}

// clean strips terminal control sequences from text that came from hosts or
// the inventory; the renderers escape the rest.
func clean(s string) string { return iostreams.Sanitize(s) }

// excerpt keeps the first lines of evidence, enough to show why a verdict
// was made without pasting whole command outputs into a report.
func excerpt(s string, truncated bool) string {
	s = strings.TrimSpace(clean(s))
	if s == "" {
		return ""
	}
	const maxLines, maxBytes = 8, 600
	lines := strings.Split(s, "\n")
	cut := truncated
	if len(lines) > maxLines {
		lines, cut = lines[:maxLines], true
	}
	s = strings.Join(lines, "\n")
	if len(s) > maxBytes {
		s = strings.ToValidUTF8(s[:maxBytes], "")
		cut = true
	}
	if cut {
		s += "\n…"
	}
	return s
}

// statusWord is the report word for a status: 正常/警告/严重/未知/无法连接.
func statusWord(lang string, s result.Status) string { return i18n.T(lang, "status."+s.String()) }

func logoURI(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("report logo: %w", err)
	}
	mime := "image/png"
	switch {
	case strings.HasSuffix(strings.ToLower(path), ".svg"):
		mime = "image/svg+xml"
	case strings.HasSuffix(strings.ToLower(path), ".jpg"), strings.HasSuffix(strings.ToLower(path), ".jpeg"):
		mime = "image/jpeg"
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// parseRange reads a threshold as the inspection stored it (Nagios range
// syntax) with the one parser; ok is false for an empty or unparsable one.
func parseRange(s string) (*result.Range, bool) {
	r, err := result.ParseRange(s)
	return r, err == nil && r != nil
}
