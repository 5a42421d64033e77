package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/sla"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// incidentTicket is a resolved urgent PACS ticket whose response was late.
func incidentTicket(t *testing.T) *ticket.Ticket {
	t.Helper()
	loc := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	st := &store.Ticket{ID: 12, Title: "PACS 影像调阅失败 <3 hospitals>", Class: "urgent", System: "pacs", Asset: "pacs-db-01",
		Source: "manual", OpenedAt: at("2026-11-16 09:00"),
		Terms: []byte(`{"deadlines":{"response":"15m","arrival":"20m","repair":"2h"},"calendars":{"response":"24x7","arrival":"24x7","repair":"24x7"},"max_outage":"2h"}`),
		Events: []store.TicketEvent{
			{At: at("2026-11-16 09:00"), Kind: "open", Actor: "li"},
			{At: at("2026-11-16 09:20"), Kind: "ack", Actor: "张工"},
			{At: at("2026-11-16 09:30"), Kind: "arrive", Actor: "张工"},
			{At: at("2026-11-16 09:40"), Kind: "note", Actor: "张工", Text: "切换存储路径", Data: map[string]string{"evidence": "run:42"}},
			{At: at("2026-11-16 10:10"), Kind: "resolve", Actor: "张工", Data: map[string]string{"cause": "多路径故障", "impact": "三家医院影像调阅中断", "recovery": "业务恢复"}},
		}}
	tk, err := ticket.Derive(st, sla.BuiltinHolidays(), loc, at("2026-11-17 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestIncidentReport(t *testing.T) {
	tk := incidentTicket(t)
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"故障报告", "紧急", "多路径故障", "三家医院影像调阅中断", "切换存储路径", "业务恢复", "SLA 时限对照",
			"响应", "超时", "达标", "1小时10分", "未达标的时限：响应", "run:42", "GZ-202611-0012", "&lt;3 hospitals&gt;"}},
		{"en", []string{"Fault report", "urgent", "Times against the SLA", "response", "breached", "met", "Deadlines missed in this fault: response",
			"run:42", "Sign-off"}},
	} {
		o := Options{Lang: tc.lang, Location: time.FixedZone("CST", 8*3600), Now: time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC),
			Site: config.Site{Name: "健康云", Engineer: "张工"}}
		r := BuildIncident(tk, o)
		if r.Actions != "切换存储路径" {
			t.Errorf("%s: actions from the notes: %q", tc.lang, r.Actions)
		}
		for _, format := range []string{FormatHTML, FormatMD} {
			var buf bytes.Buffer
			if err := Render(&buf, format, r, ""); err != nil {
				t.Fatalf("%s %s: %v", tc.lang, format, err)
			}
			out := buf.String()
			for _, w := range tc.want {
				if format == FormatMD {
					w = strings.ReplaceAll(w, "&lt;", "\\<")
					w = strings.ReplaceAll(w, "&gt;", "\\>")
					if strings.Contains(w, "<") {
						continue
					}
				}
				if !strings.Contains(out, w) {
					t.Errorf("%s %s: missing %q", tc.lang, format, w)
				}
			}
			if strings.Contains(out, "incident.") || strings.Contains(out, "ticket.") {
				t.Errorf("%s %s: an untranslated key:\n%s", tc.lang, format, out)
			}
			if tc.lang == "en" && strings.Contains(out, "响应") {
				t.Errorf("en %s: Chinese labels", format)
			}
		}
	}
}
