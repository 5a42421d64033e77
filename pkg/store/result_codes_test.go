package store

import (
	"context"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// A result's message code and args come back from every read, so a report
// can render them in its own language; a result without them (stored before
// migration 0003, or raw text) keeps its text.
func TestResultCodesRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var coded result.Result
	coded.Asset, coded.Check, coded.Status = "web-01", "load", result.Warn
	coded.SetMessage(i18n.EN, "status.WARN")
	coded.AppendText("; ")
	coded.AppendMessage(i18n.EN, "reason.timeout")
	coded.SetAdvice(i18n.EN, "reason.dns")
	raw := result.Result{Asset: "web-01", Check: "cmd", Status: result.Crit, Message: "exit 2"}
	runID := reportRun(t, db, result.KindInspect, at, coded, raw)

	check := func(where string, code string, args []any, adviceCode, text string) {
		t.Helper()
		if code != "" {
			if got, want := i18n.Render(i18n.ZH, code, args), "警告; 连接超时"; got != want {
				t.Errorf("%s: message in zh %q, want %q", where, got, want)
			}
			if got, want := i18n.Render(i18n.ZH, adviceCode, nil), "域名解析失败"; got != want {
				t.Errorf("%s: advice in zh %q, want %q", where, got, want)
			}
		} else if text != "exit 2" {
			t.Errorf("%s: raw result text %q", where, text)
		}
	}
	run, err := db.GetRun(ctx, runID, true)
	if err != nil {
		t.Fatal(err)
	}
	codes := 0
	for _, r := range run.Results {
		check("GetRun "+r.Check, r.Code, r.Args, r.AdviceCode, r.Message)
		if r.Code != "" {
			codes++
		}
	}
	if codes != 1 {
		t.Errorf("GetRun: %d results with a code, want 1", codes)
	}
	err = db.EachResult(ctx, ResultFilter{RunID: runID}, func(sr *StoredResult) error {
		check("EachResult "+sr.Check, sr.Code, sr.Args, sr.AdviceCode, sr.Message)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.EachReportRow(ctx, "", at.Add(-time.Hour), at.Add(time.Hour), ReportRowFilter{}, func(r *ReportRow) error {
		check("EachReportRow "+r.Check, r.Code, r.Args, r.AdviceCode, r.Message)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
