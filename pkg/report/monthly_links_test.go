package report

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// The links section (SLA2) is computed from stored samples only:
//   - line-1 was pinged by the watcher every minute of the day and was
//     down 45 minutes (one outage 10:00–10:45): 99.69 %, below 99.95 %;
//   - line-2 was seen by two inspections, its ping answered: 100 %, met,
//     measured by inspections;
//   - line-3 has an own target (99.99 %) and no sample at all: no data,
//     never 100 %.
func TestMonthlyLinks(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)
	for m := 0; m < 24*60; m++ {
		at := day.Add(time.Duration(m) * time.Minute)
		up := m < 10*60 || m >= 10*60+45
		if err := db.AddProbes(ctx, at, map[string]bool{"line-1": up}); err != nil {
			t.Fatal(err)
		}
		if !up || m == 10*60+45 {
			run := &result.Run{Kind: result.KindProbe, StartedAt: at}
			db.BeginRun(ctx, run)
			st := result.Unreachable
			if up {
				st = result.OK
			}
			db.AddResults(ctx, run.ID, []result.Result{{Asset: "line-1", Check: "availability", Type: "ping", Status: st, StartedAt: at}})
			run.Status, run.FinishedAt = result.RunCompleted, at
			db.FinishRun(ctx, run)
		}
	}
	// line-2's two inspections: 0 % and 5 % loss, RTT avg 2 and 4 ms, max 3
	// and 9 ms, jitter 0.5 and 1.5 ms.
	for i, h := range []int{1, 13} {
		at := day.Add(time.Duration(h) * time.Hour)
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Playbooks: []string{"network-daily"}}
		db.BeginRun(ctx, run)
		loss, st := []float64{0, 5}[i], []result.Status{result.OK, result.Warn}[i]
		db.AddResults(ctx, run.ID, []result.Result{{Asset: "line-2", Check: "link", Type: "ping", Item: "192.0.2.254", Status: st, Value: &loss, Unit: "%", StartedAt: at,
			Metrics: []result.Metric{{Name: "ping.loss_pct", Value: loss, Unit: "%"}, {Name: "ping.rtt_min_ms", Value: 1, Unit: "ms"},
				{Name: "ping.rtt_avg_ms", Value: []float64{2, 4}[i], Unit: "ms"}, {Name: "ping.rtt_max_ms", Value: []float64{3, 9}[i], Unit: "ms"},
				{Name: "ping.jitter_ms", Value: []float64{0.5, 1.5}[i], Unit: "ms"}}}})
		run.Status, run.FinishedAt = result.RunCompleted, at
		run.Tally()
		db.FinishRun(ctx, run)
	}
	inv := &inventory.Inventory{Assets: []*inventory.Asset{
		{Name: "line-1", Kind: inventory.KindLink, Criticality: inventory.CriticalityCore,
			Link: &inventory.Link{A: inventory.LinkEnd{Site: "本地数据中心", Address: "198.51.100.253"}, B: inventory.LinkEnd{Site: "健康云", Address: "192.0.2.253"}}},
		{Name: "line-2", Kind: inventory.KindLink, Address: "192.0.2.254"},
		{Name: "line-3", Kind: inventory.KindLink, Address: "203.0.113.1", Link: &inventory.Link{A: inventory.LinkEnd{Address: "203.0.113.2"}, B: inventory.LinkEnd{Address: "203.0.113.1"}, Availability: 99.99}},
		{Name: "web-01", Kind: inventory.KindHost, Address: "192.0.2.10"},
	}}
	o := Options{Lang: "en", Now: day.Add(24 * time.Hour), Inventory: inv}
	m, err := BuildMonthly(ctx, db, day, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Links) != 3 {
		t.Fatalf("links: %+v", m.Links)
	}
	by := map[string]LinkRow{}
	for _, l := range m.Links {
		by[l.Name] = l
	}
	l1, l2, l3 := by["line-1"], by["line-2"], by["line-3"]
	if l1.Measured != "probes" || l1.Samples != 1440 || l1.Down != 45 || !l1.Known || l1.Met || l1.DownS != 45*60 || l1.Target != 99.95 ||
		l1.Ends != "本地数据中心 – 健康云" || !l1.Core || l1.Verdict != "missed" {
		t.Errorf("line-1: %+v", l1)
	}
	if want := 100 - 45.0/1440*100; l1.Percent < want-0.001 || l1.Percent > want+0.001 {
		t.Errorf("line-1: %.4f %%, want %.4f", l1.Percent, want)
	}
	if len(l1.Worst) != 1 || l1.Worst[0].DurationS != 45*60 || l1.Worst[0].Start.Hour() != 10 {
		t.Errorf("line-1 worst outages: %+v", l1.Worst)
	}
	if l2.Measured != "inspections" || l2.Samples != 2 || !l2.Known || !l2.Met || l2.Percent != 100 || l2.Verdict != "met" {
		t.Errorf("line-2: %+v", l2)
	}
	if l2.Pings != 2 || checktestDeref(l2.LossPct) != 2.5 || checktestDeref(l2.RTTAvgMS) != 3 || checktestDeref(l2.RTTMaxMS) != 9 || checktestDeref(l2.JitterMS) != 1 {
		t.Errorf("line-2 loss and latency: %d pings, %v %v %v %v", l2.Pings, checktestDeref(l2.LossPct), checktestDeref(l2.RTTAvgMS), checktestDeref(l2.RTTMaxMS), checktestDeref(l2.JitterMS))
	}
	if l1.Pings != 0 || l1.LossPct != nil || l1.Quality != "" {
		t.Errorf("line-1 has no inspection pings: %+v", l1)
	}
	if l3.Measured != "" || l3.Samples != 0 || l3.Known || l3.Met || l3.Target != 99.99 || l3.Verdict != "no data" || l3.Worst == nil {
		t.Errorf("line-3: %+v", l3)
	}
	// Worst first: the missed target, then no data, then the met one.
	if m.Links[0].Name != "line-1" || m.Links[1].Name != "line-3" || m.Links[2].Name != "line-2" {
		t.Errorf("order: %s %s %s", m.Links[0].Name, m.Links[1].Name, m.Links[2].Name)
	}

	for _, c := range []struct{ format, lang string }{{"md", "en"}, {"html", "en"}, {"md", "zh"}, {"html", "zh"}} {
		o.Lang = c.lang
		m, err := BuildMonthly(ctx, db, day, o)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Render(&b, c.format, m, ""); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		want := map[string][]string{
			"en": {"Links (SLA2)", "watcher pings", "1440 (45)", "96.875%", "99.950%", "missed", "no samples", "no data", "99.990%", "2026-11-01 10:00 for 45 min", "本地数据中心 – 健康云",
				"loss 2.5% on average, RTT avg 3 ms, max 9 ms, jitter 1 ms (2 pings)"},
			"zh": {"专线可用性（SLA2）", "值守 ping 探测", "1440 (45)", "96.875%", "未达标", "无样本", "数据不足", "日常巡检", "目标默认为 99.950%", "平均丢包 2.5%，往返时延 平均 3 ms、最大 9 ms，抖动 1 ms（2 次）"},
		}[c.lang]
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s %s: no %q in the links section:\n%s", c.format, c.lang, w, linksSection(out, c.lang))
			}
		}
		if strings.Contains(out, "%%") || strings.Contains(out, "%!") {
			t.Errorf("%s %s: a format verb leaked", c.format, c.lang)
		}
	}

	// XLSX: a sheet of its own, cell values (not bytes); JSON: "links";
	// DOCX is made from the Markdown above.
	o.Lang = "zh"
	m, err = BuildMonthly(ctx, db, day, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, FormatXLSX, m, ""); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("专线可用性")
	if err != nil || len(rows) != 4 {
		t.Fatalf("links sheet: %v %q", err, rows)
	}
	if got := strings.Join(rows[1], "|"); got != "line-1|本地数据中心 – 健康云|值守 ping 探测|1440|45|96.875|99.95|0.75|1|2026-11-01 10:00 起 45分钟|0|||||未达标" {
		t.Errorf("line-1 row: %s", got)
	}
	if got := strings.Join(rows[3], "|"); got != "line-2||日常巡检|2|0|100|99.95|0|0||2|2.5|3|9|1|达标" {
		t.Errorf("line-2 row: %s", got)
	}
	if got := strings.Join(rows[2], "|"); got != "line-3||无样本|0|0||99.99|0|0||0|||||数据不足" {
		t.Errorf("line-3 row: %s", got)
	}
	b.Reset()
	if err := Render(&b, FormatJSON, m, ""); err != nil {
		t.Fatal(err)
	}
	var js struct {
		Links []struct {
			Name     string  `json:"name"`
			Measured string  `json:"measured"`
			Samples  int     `json:"samples"`
			Percent  float64 `json:"percent"`
			Target   float64 `json:"target"`
			Met      bool    `json:"met"`
			Worst    []struct {
				DurationS int64 `json:"duration_s"`
			} `json:"worst_outages"`
		} `json:"links"`
	}
	if err := json.Unmarshal(b.Bytes(), &js); err != nil || len(js.Links) != 3 || js.Links[0].Name != "line-1" || js.Links[0].Samples != 1440 ||
		js.Links[0].Met || len(js.Links[0].Worst) != 1 || js.Links[0].Worst[0].DurationS != 2700 {
		t.Errorf("json links: %v %+v", err, js.Links)
	}
}

// linksSection returns the links section of a rendered report, for messages.
func linksSection(out, lang string) string {
	h := map[string]string{"en": "Links (SLA2)", "zh": "专线可用性（SLA2）"}[lang]
	i := strings.Index(out, h)
	if i < 0 {
		return "(no links section)"
	}
	return out[i:min(len(out), i+3000)]
}

// A period with tickets renders: the ticket SLA table looks each clock's
// tally up by its name (the watcher opens a ticket for a link that stays
// down, so the links section must never be lost to it).
func TestMonthlyRendersTicketSLA(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)
	tk := &ticket.Ticket{ID: 1, Title: "line-1 down", Class: ticket.Serious, System: "network", Asset: "line-1", OpenedAt: day.Add(10 * time.Hour),
		State: ticket.Resolved, Clocks: []ticket.Clock{{Name: ticket.Response}, {Name: ticket.Repair}}}
	o := Options{Lang: "zh", Now: day.Add(24 * time.Hour), Tickets: []*ticket.Ticket{tk}}
	m, err := BuildMonthly(ctx, db, day, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.TicketSLA == nil || len(m.TicketSLA.Rows) != 1 {
		t.Fatalf("ticket SLA: %+v", m.TicketSLA)
	}
	for _, f := range []string{FormatMD, FormatHTML, FormatDOCX} {
		var b bytes.Buffer
		if err := Render(&b, f, m, ""); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if f != FormatDOCX && !strings.Contains(b.String(), "network") {
			t.Errorf("%s: the ticket's system is not in the SLA table", f)
		}
	}
}

func checktestDeref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}
