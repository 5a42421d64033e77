package transport

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// TestAdviceEveryReason: every reason a dial can report has advice in both
// languages.
func TestAdviceEveryReason(t *testing.T) {
	for _, r := range []string{result.ReasonRefused, result.ReasonTimeout, result.ReasonAuth,
		result.ReasonHostKeyMismatch, result.ReasonHostKeyUnknown, result.ReasonDNS, result.ReasonNetwork} {
		zh, en := Advice(i18n.ZH, r), Advice(i18n.EN, r)
		if zh == "" || en == "" || zh == en {
			t.Errorf("reason %s: zh %q en %q", r, zh, en)
		}
		// The code a result records renders the same advice.
		if code := AdviceCode(r); i18n.Render(i18n.ZH, code, nil) != zh || i18n.Render(i18n.EN, code, nil) != en {
			t.Errorf("reason %s: code %q does not render the advice", r, code)
		}
	}
	if Advice(i18n.EN, "no-such-reason") != "" || AdviceCode("no-such-reason") != "" {
		t.Error("advice for an unknown reason")
	}
}
