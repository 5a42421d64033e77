package result

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
)

func TestMessageMeaning(t *testing.T) {
	var r Result
	r.SetMessage(i18n.EN, "status.WARN")
	r.AppendText("; ")
	r.AppendMessage(i18n.EN, "reason.timeout")
	if r.Message != "WARN; timed out" {
		t.Errorf("Message = %q", r.Message)
	}
	if got, want := r.MessageIn(i18n.ZH), "警告; 连接超时"; got != want {
		t.Errorf("MessageIn(zh) = %q, want %q", got, want)
	}
	r.SetAdvice(i18n.ZH, "reason.auth")
	if r.Advice != "认证失败" || r.AdviceIn(i18n.EN) != "authentication failed" {
		t.Errorf("advice %q / %q", r.Advice, r.AdviceIn(i18n.EN))
	}

	// Through JSON, as a script or the history reads it.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{`"code":"i18n.concat"`, `"args":[{"code":"status.WARN"},"; ",{"code":"reason.timeout"}]`, `"advice_code":"reason.auth"`} {
		if !strings.Contains(string(b), f) {
			t.Errorf("JSON %s lacks %s", b, f)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := back.MessageIn(i18n.ZH), "警告; 连接超时"; got != want {
		t.Errorf("after JSON: %q, want %q", got, want)
	}

	// Raw text has no meaning, and appending keeps it so.
	r.SetText("exit status 2")
	r.AppendMessage(i18n.EN, "reason.dns")
	if r.Code != "" || r.Message != "exit status 2DNS lookup failed" || r.MessageIn(i18n.ZH) != r.Message {
		t.Errorf("raw text: code %q, message %q", r.Code, r.Message)
	}
}

// One precedence for a verdict: CRIT > UNREACHABLE > UNKNOWN > WARN > OK,
// whether it comes from pairs of statuses (Worst), from counts
// (Counts.Worst) or from a run's results (Tally): a run with a CRIT and an
// unreachable host is CRIT in its JSON, as its exit code (2) says.
func TestWorstPrecedence(t *testing.T) {
	order := []Status{OK, Warn, Unknown, Unreachable, Crit}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := Worst(a, b); got != want {
				t.Errorf("Worst(%s, %s) = %s, want %s", a, b, got, want)
			}
			var c Counts
			c.Add(a)
			c.Add(b)
			if got := c.Worst(); got != want {
				t.Errorf("Counts{%s, %s}.Worst() = %s, want %s", a, b, got, want)
			}
			run := Run{Results: []Result{{Status: a}, {Status: b}}}
			run.Tally()
			if run.Worst != want {
				t.Errorf("Tally(%s, %s).Worst = %s, want %s", a, b, run.Worst, want)
			}
		}
	}
	if (Counts{}).Worst() != OK {
		t.Errorf("no results: worst %s, want OK", Counts{}.Worst())
	}
}
