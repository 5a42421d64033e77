package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// A fleet as the commission's is: hundreds of hosts in a few systems, with
// the same few problems on many of them (issue #13). Results carry message
// codes as the checks record them, so both languages render from one run.

var fleetSystems = []string{"HIS", "PACS", "LIS", "EMR", "portal"}

func fleetAssets(n int) []*inventory.Asset {
	out := make([]*inventory.Asset, n)
	for i := range out {
		sys := fleetSystems[i%len(fleetSystems)]
		out[i] = &inventory.Asset{Name: fmt.Sprintf("host-%04d", i+1), Kind: "host", Address: fmt.Sprintf("10.%d.%d.%d", 1+i%len(fleetSystems), i/250, 1+i%250),
			System: sys, Zone: "intranet"}
	}
	return out
}

func codedRes(asset, check, typ, item string, st result.Status, v *float64, unit, warn, crit, code string, args ...any) result.Result {
	r := result.Result{Asset: asset, Check: check, Type: typ, Item: item, Status: st, Value: v, Unit: unit, Warn: warn, Crit: crit, Playbook: "linux-daily"}
	r.SetMessage(i18n.EN, code, args...)
	return r
}

// fleetResults is one inspection of the fleet at at: load CRIT on the
// first 20 HIS/PACS hosts, /data filling on 12, clock drift on 6, a
// failed unit on 4, no time tool on 3 (with the collector's markers in the
// evidence), and, from day 27, 5 hosts unreachable for two reasons.
func fleetResults(assets []*inventory.Asset, at time.Time, day int) []result.Result {
	var rs []result.Result
	n := len(assets)
	for i, a := range assets {
		h := a.Name
		add := func(r result.Result) {
			r.System, r.Zone, r.StartedAt = a.System, a.Zone, at.Add(time.Duration(i)*time.Millisecond)
			rs = append(rs, r)
		}
		switch {
		case i >= n-20 && i < n-17 && day >= 27: // down since the 27th
			r := codedRes(h, "connect", "connect", "", result.Unreachable, nil, "", "", "", "inspect.run.unreachable", h, result.ReasonTimeout, "ssh "+a.Address+":22: i/o timeout")
			r.Reason = result.ReasonTimeout
			add(r)
			continue
		case i >= n-17 && i < n-15 && day >= 27:
			r := codedRes(h, "connect", "connect", "", result.Unreachable, nil, "", "", "", "inspect.run.unreachable", h, result.ReasonRefused, "ssh "+a.Address+":22: connection refused")
			r.Reason = result.ReasonRefused
			add(r)
			continue
		}
		per := 0.3 + float64(i%7)/10
		st := result.OK
		if i < 20 { // 20 hosts of one cluster
			per, st = 4.2+float64(i%9)/5, result.Crit
		}
		r := codedRes(h, "load", "load", "", st, fv(per), "", "2", "4", "os.load.msg", per, 5, per*8, per*8, per*7, 8)
		if st != result.OK {
			r.SetAdvice(i18n.EN, "os.load.advice")
			r.Evidence = fmt.Sprintf("@@NPROC\n8\n@@LOADAVG\n%.2f %.2f %.2f 3/912 12345", per*8, per*8, per*7)
		}
		add(r)
		use := 40 + float64((i*7)%30) + float64(day)*0.3
		st = result.OK
		if i%40 == 3 { // 12 hosts
			use, st = 84+float64(i%5)+float64(day)*0.2, result.Warn
		}
		r = codedRes(h, "disk:/data", "disk", "/data", st, fv(use), "%", "80", "90", "os.disk.msg", "/data", use, "60G", "500G", "xfs")
		if st != result.OK {
			r.SetAdvice(i18n.EN, "os.disk.advice", "/data", "60G", "500G")
			r.Evidence = "@@RO\n@@DF\nFilesystem     Type 1B-blocks Used Available Use% Mounted on\n/dev/sda1 xfs 50G 20G 30G 40% /\n/dev/sdb1 xfs 500G 440G 60G 88% /data\ntmpfs tmpfs 4G 0 4G 0% /run"
		}
		add(r)
		add(codedRes(h, "disk:/", "disk", "/", result.OK, fv(35), "%", "80", "90", "os.disk.msg", "/", 35.0, "30G", "50G", "xfs"))
		mem := 50 + float64(i%20)
		add(codedRes(h, "memory", "memory", "", result.OK, fv(mem), "%", "85", "95", "os.mem.msg", mem, "8G", "16G", 100-mem))
		switch {
		case i%83 == 5: // 6 hosts
			off := 0.6 + float64(i%4)/10
			r := codedRes(h, "time-offset", "time-offset", "", result.Warn, fv(off), "s", "0.5", "1", "os.time.offset", fmt.Sprintf("%+.3f ms", off*1000), "10.0.0.1", "chrony")
			r.SetAdvice(i18n.EN, "os.time.offset_advice")
			add(r)
		case i%125 == 7: // 3 hosts (+1 below)
			r := codedRes(h, "time-offset", "time-offset", "", result.Unknown, nil, "s", "0.5", "1", "os.time.notool")
			r.SetAdvice(i18n.EN, "os.time.notool_advice")
			r.Evidence = "@@TIMEDATECTL\n@@NOTOOL"
			add(r)
		default:
			add(codedRes(h, "time-offset", "time-offset", "", result.OK, fv(0.01), "s", "0.5", "1", "os.time.offset", "+10.000 ms", "10.0.0.1", "chrony"))
		}
		if i%100 == 11 { // 4 hosts
			r := codedRes(h, "systemd-unit", "systemd-unit", "", result.Crit, nil, "", "", "", "os.systemd.failed", 1, "kdump.service")
			r.SetAdvice(i18n.EN, "os.systemd.failed_advice", "kdump.service")
			add(r)
		} else {
			add(codedRes(h, "systemd-unit", "systemd-unit", "", result.OK, nil, "", "", "", "os.systemd.no_failed"))
		}
		add(codedRes(h, "uptime", "uptime", "", result.OK, fv(12+float64(day)), "d", "", "", "os.uptime.msg", fmt.Sprintf("%d days", 12+day), "2026-11-01 03:00"))
	}
	return rs
}

func fleetDaily(t testing.TB, n int, lang string) *Daily {
	t.Helper()
	assets := fleetAssets(n)
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, cst)
	prev := result.Run{ID: 41, Kind: result.KindInspect, StartedAt: at.AddDate(0, 0, -1), Status: result.RunCompleted, Results: fleetResults(assets, at.AddDate(0, 0, -1), 27)}
	for i := range prev.Results { // the clock drift is new today
		if prev.Results[i].Check == "time-offset" && prev.Results[i].Status == result.Warn {
			prev.Results[i].Status = result.OK
		}
	}
	run := result.Run{ID: 42, Kind: result.KindInspect, StartedAt: at, FinishedAt: at.Add(6 * time.Minute), Status: result.RunCompleted,
		Operator: "ops", RanFrom: "jump-01", Playbooks: []string{"linux-daily"}, Assets: n, Inventory: n, Results: fleetResults(assets, at, 28)}
	return NewDaily(DailyInput{Run: run, Previous: &prev, Assets: assets}, testOpts(lang))
}

func TestFleetDailyAggregates(t *testing.T) {
	d := fleetDaily(t, 500, i18n.ZH)
	if len(d.Findings) < 40 {
		t.Fatalf("%d findings, want the per-host rows kept", len(d.Findings))
	}
	var load *FindingGroup
	for i := range d.Groups {
		if d.Groups[i].CheckID == "load" {
			if load != nil {
				t.Fatalf("two load groups: %+v and %+v", load, d.Groups[i])
			}
			load = &d.Groups[i]
		}
	}
	if load == nil || load.Status != result.Crit || load.Count != 20 || load.AssetList != "host-0001～host-0020" || len(load.Systems) != 5 {
		t.Fatalf("load group: %+v", load)
	}
	if load.Values != "4.2～5.8" {
		t.Errorf("load values %q, want the spread 4.2～5.8", load.Values)
	}
	if len(d.Groups) > 20 {
		t.Errorf("%d groups for a handful of distinct problems", len(d.Groups))
	}
	// by system, then severity, then number of hosts
	for i := 1; i < len(d.Groups); i++ {
		a, b := d.Groups[i-1], d.Groups[i]
		if a.System == b.System && (a.Status < b.Status || a.Status == b.Status && a.Count < b.Count) {
			t.Errorf("groups %d and %d out of order: %s %s %d / %s %s %d", i, i+1, a.Check, a.Status, a.Count, b.Check, b.Status, b.Count)
		}
	}
	if len(d.UnreachableGroups) != 2 || d.UnreachableGroups[0].Count != 3 {
		t.Errorf("unreachable groups: %+v", d.UnreachableGroups)
	}
}

func TestCompressNames(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"host-0001", "host-0002", "host-0003", "host-0005"}, "host-0001～host-0003、host-0005"},
		{[]string{"a", "host-9", "host-10"}, "a、host-9、host-10"},
		{[]string{"web-01", "web-02"}, "web-01、web-02"},
	} {
		if got := compressNames(i18n.ZH, c.in, 0); got != c.want {
			t.Errorf("compressNames(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// bodyOnly cuts the appendix (it starts a page of its own) off a report.
func bodyOnly(html []byte) []byte {
	s := string(html)
	if i := strings.Index(s, `<section class="page appendix">`); i >= 0 {
		s = s[:i] + "</body></html>"
	}
	return []byte(s)
}

// pdfPages counts the pages of a PDF: pdfinfo when installed, else the
// page objects.
func pdfPages(t *testing.T, pdf string) int {
	t.Helper()
	if bin, err := exec.LookPath("pdfinfo"); err == nil {
		out, err := exec.Command(bin, pdf).Output()
		if err == nil {
			if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out); m != nil {
				n, _ := strconv.Atoi(string(m[1]))
				return n
			}
		}
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	return len(regexp.MustCompile(`/Type\s*/Page\b[^s]`).FindAll(b, -1))
}

// The daily report of 500 hosts with 20 identical findings fits its body in
// six A4 pages (issue #13), in both languages, printed by Chromium.
func TestFleetDailyPageBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("prints with chromium")
	}
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		d := fleetDaily(t, 500, lang)
		var buf bytes.Buffer
		if err := Render(&buf, FormatHTML, d, ""); err != nil {
			t.Fatal(err)
		}
		pdf, _ := renderChromium(t, "fleet-daily-body-"+lang, bodyOnly(buf.Bytes()), false)
		n := pdfPages(t, pdf)
		t.Logf("%s: daily body %d pages", lang, n)
		if n > 6 {
			t.Errorf("%s: the daily report's body prints on %d A4 pages, budget 6", lang, n)
		}
		full, _ := renderChromium(t, "fleet-daily-"+lang, buf.Bytes(), false)
		t.Logf("%s: daily with appendix %d pages", lang, pdfPages(t, full))
	}
}

var (
	cjk          = regexp.MustCompile(`\p{Han}`)
	englishWords = regexp.MustCompile(`[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}`)
	rawBlocks    = regexp.MustCompile(`(?s)<(style|pre|code|svg)[^>]*>.*?</(style|pre|code|svg)>`)
	tags         = regexp.MustCompile(`<[^>]*>`)
)

// englishSentences are the text pieces of a rendered report that read as
// English: three words or more and no Chinese character, outside evidence
// (pre, code) and charts.
func englishSentences(s string, html bool) []string {
	var pieces []string
	if html {
		s = rawBlocks.ReplaceAllString(s, "\n")
		pieces = tags.Split(s, -1)
	} else {
		parts := strings.Split(s, "```") // fenced evidence at odd indexes
		for i := 0; i < len(parts); i += 2 {
			for _, l := range strings.Split(parts[i], "\n") {
				pieces = append(pieces, strings.Split(l, "|")...)
			}
		}
	}
	var out []string
	for _, p := range pieces {
		p = strings.TrimSpace(p)
		if p != "" && !cjk.MatchString(p) && englishWords.MatchString(p) {
			out = append(out, p)
		}
	}
	return out
}

// A Chinese report is Chinese: no English sentence outside evidence and
// identifiers, no collector marker (issue #13), in HTML and Markdown, for
// a run recorded in English.
func TestFleetDailyOneLanguage(t *testing.T) {
	d := fleetDaily(t, 500, i18n.ZH)
	for _, format := range []string{FormatHTML, FormatMD} {
		var buf bytes.Buffer
		if err := Render(&buf, format, d, ""); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, "@@") {
			i := strings.Index(out, "@@")
			t.Errorf("%s: collector marker reaches the reader: %q", format, out[max(0, i-80):min(len(out), i+40)])
		}
		if en := englishSentences(out, format == FormatHTML); len(en) > 0 {
			t.Errorf("%s: %d English pieces in a Chinese report, e.g. %q", format, len(en), en[:min(5, len(en))])
		}
		for _, bad := range []string{" d<", " d |", "0.01 d"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: English unit %q in a Chinese report", format, bad)
			}
		}
		if format == FormatMD && (strings.Contains(out, "<br>") || regexp.MustCompile(`&(lt|gt|amp|#\d+);`).MatchString(out)) {
			t.Errorf("markdown has <br> or HTML entities")
		}
	}
}

// seedFleetMonth writes one inspection a day of the fleet for the last
// week of October and November 2026 up to the 28th into a fresh store.
func seedFleetMonth(t testing.TB, n int) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	assets := fleetAssets(n)
	snap, _ := json.Marshal(assets)
	for day := -6; day <= 28; day++ {
		at := time.Date(2026, 11, day, 8, 0, 0, 0, cst) // day 0 is October 31st
		rs := fleetResults(assets, at, day)
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "jump-01",
			Playbooks: []string{"linux-daily"}, Assets: n, Inventory: n}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSnapshot(ctx, run.ID, snap); err != nil {
			t.Fatal(err)
		}
		run.Results = rs
		run.FinishedAt = at.Add(6 * time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func fleetMonthly(t testing.TB, db store.History, lang string) *Monthly {
	t.Helper()
	m, err := BuildMonthly(context.Background(), db, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), testOpts(lang))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The monthly report of the 500-host fleet fits its body in twenty A4
// pages (issue #13).
func TestFleetMonthlyPageBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a month of 500 hosts and prints with chromium")
	}
	db := seedFleetMonth(t, 500)
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		m := fleetMonthly(t, db, lang)
		var buf bytes.Buffer
		if err := Render(&buf, FormatHTML, m, ""); err != nil {
			t.Fatal(err)
		}
		pdf, _ := renderChromium(t, "fleet-monthly-body-"+lang, bodyOnly(buf.Bytes()), false)
		n := pdfPages(t, pdf)
		t.Logf("%s: monthly body %d pages", lang, n)
		if n > 20 {
			t.Errorf("%s: the monthly report's body prints on %d A4 pages, budget 20", lang, n)
		}
		if prev := m.MonthOnMonth[0]; prev.Previous != "7" || prev.This != "28" || prev.Change != "+21" {
			t.Errorf("%s: inspections month on month %+v, want 28 against 7", lang, prev)
		}
		// Capacity is capacity; load is a distribution over all the hosts.
		for _, c := range m.Capacity {
			if c.Kind == "load" || c.Kind == "cpu" {
				t.Errorf("%s: %s %s in capacity", lang, c.Asset, c.Check)
			}
		}
		hosts := 0
		for _, p := range m.Performance {
			if p.Kind == "load" {
				hosts += p.Assets
			}
		}
		if hosts != 500 || m.PerfChart == "" {
			t.Errorf("%s: load distribution over %d hosts, want 500", lang, hosts)
		}
		// One row for the load problem of 20 hosts, one risk for it.
		if g := m.RecurringGroups[0]; g.CheckID != "load" || g.Count != 20 {
			t.Errorf("%s: first recurring group %+v", lang, g)
		}
		if lang == i18n.ZH {
			var md bytes.Buffer
			if err := Render(&md, FormatMD, m, ""); err != nil {
				t.Fatal(err)
			}
			if en := englishSentences(md.String(), false); len(en) > 0 {
				t.Errorf("%d English pieces in the Chinese monthly Markdown, e.g. %q", len(en), en[:min(5, len(en))])
			}
			out := buf.String()
			if strings.Contains(out, "@@") || strings.Contains(md.String(), "@@") {
				t.Errorf("collector marker in the monthly report")
			}
			if en := englishSentences(out, true); len(en) > 0 {
				t.Errorf("%d English pieces in the Chinese monthly report, e.g. %q", len(en), en[:min(5, len(en))])
			}
		}
	}
}

// Golden reports of a 120-host fleet with repetitive findings, in both
// languages: what the reader gets, looked at in review (-update).
func TestFleetGolden(t *testing.T) {
	db := seedFleetMonth(t, 120)
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		var buf bytes.Buffer
		if err := Render(&buf, FormatMD, fleetDaily(t, 120, lang), ""); err != nil {
			t.Fatal(err)
		}
		golden(t, "fleet-daily-"+lang+".md", buf.Bytes())
		buf.Reset()
		if err := Render(&buf, FormatMD, fleetMonthly(t, db, lang), ""); err != nil {
			t.Fatal(err)
		}
		golden(t, "fleet-monthly-"+lang+".md", buf.Bytes())
	}
}

// The weekly report is the monthly one over Monday to Sunday: its own
// number and title, the week's figures against the week before, and no
// month words (issue #13).
func TestFleetWeekly(t *testing.T) {
	db := seedFleetMonth(t, 120)
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		w, err := BuildWeekly(context.Background(), db, time.Date(2026, 11, 25, 12, 0, 0, 0, cst), testOpts(lang))
		if err != nil {
			t.Fatal(err)
		}
		if w.Kind != "weekly" || w.Month != "2026-W48" || w.Header.ReportNo != "ZB-2026W48" || w.Inspections.Runs != 6 {
			t.Errorf("%s: weekly %s %s %s runs %d", lang, w.Kind, w.Month, w.Header.ReportNo, w.Inspections.Runs)
		}
		if c := w.MonthOnMonth[0]; c.This != "6" || c.Previous != "7" {
			t.Errorf("%s: week on week %+v", lang, c)
		}
		for _, format := range []string{FormatHTML, FormatMD, FormatDOCX} {
			var buf bytes.Buffer
			if err := Render(&buf, format, w, ""); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if format == FormatDOCX {
				_, out = docxText(t, buf.Bytes())
			}
			bad, good := "本月", "本周"
			if lang == i18n.EN {
				bad, good = "this month", "this week"
			}
			if strings.Contains(out, bad) || !strings.Contains(out, good) {
				t.Errorf("%s %s: month words in the weekly report (%q present: %v)", lang, format, bad, strings.Contains(out, bad))
			}
			if format == FormatHTML && lang == i18n.ZH {
				if !strings.Contains(out, "2026年第48周（11月23日至11月29日）运维周报") {
					t.Errorf("weekly title missing")
				}
				pdf, _ := renderChromium(t, "fleet-weekly-body-zh", bodyOnly(buf.Bytes()), false)
				t.Logf("weekly body %d pages", pdfPages(t, pdf))
			}
		}
	}
}
