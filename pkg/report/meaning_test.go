package report

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// A report shows a coded result in its own language, and an old or raw
// result as stored.
func TestMessageInReportLanguage(t *testing.T) {
	var r result.Result
	r.SetMessage(i18n.EN, "reason.timeout")
	r.SetAdvice(i18n.EN, "reason.dns")
	sr := &store.StoredResult{Result: r}
	row := &store.ReportRow{Message: r.Message, Code: r.Code, Args: r.Args, Advice: r.Advice, AdviceCode: r.AdviceCode}
	if msgIn(i18n.ZH, &r) != "连接超时" || msgIn(i18n.ZH, sr) != "连接超时" || msgIn(i18n.ZH, row) != "连接超时" {
		t.Errorf("message not rendered in zh: %q %q %q", msgIn(i18n.ZH, &r), msgIn(i18n.ZH, sr), msgIn(i18n.ZH, row))
	}
	if adviceIn(i18n.ZH, &r) != "域名解析失败" || adviceIn(i18n.ZH, row) != "域名解析失败" {
		t.Errorf("advice not rendered in zh: %q %q", adviceIn(i18n.ZH, &r), adviceIn(i18n.ZH, row))
	}
	old := &store.ReportRow{Message: "disk full", Advice: "clean up"}
	if msgIn(i18n.ZH, old) != "disk full" || adviceIn(i18n.ZH, old) != "clean up" {
		t.Errorf("old row: %q / %q", msgIn(i18n.ZH, old), adviceIn(i18n.ZH, old))
	}
}
