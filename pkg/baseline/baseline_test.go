package baseline

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// The report prints a rule's clause, test unit, title and requirement in
// either language: every rule has them, IDs are unique and clause, test
// unit and section agree with one another.
func TestRulesComplete(t *testing.T) {
	clauseRE := regexp.MustCompile(`^8\.1\.4\.(\d+) [a-k]\)$`)
	unitRE := regexp.MustCompile(`^L3-CES1-(\d\d)$`)
	seen := map[string]bool{}
	lastUnit := ""
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		seen[r.ID] = true
		if !clauseRE.MatchString(r.Clause) || !strings.HasPrefix(r.Clause, r.Section+" ") {
			t.Errorf("%s: clause %q, section %q", r.ID, r.Clause, r.Section)
		}
		if !unitRE.MatchString(r.TestUnit) {
			t.Errorf("%s: test unit %q", r.ID, r.TestUnit)
		}
		if r.TestUnit < lastUnit {
			t.Errorf("%s: test unit %s after %s: not in checklist order", r.ID, r.TestUnit, lastUnit)
		}
		lastUnit = r.TestUnit
		for _, k := range []string{"baseline.rule." + r.ID + ".title", "baseline.rule." + r.ID + ".req", "baseline.clause." + r.Section} {
			m, ok := i18n.Keys()[k]
			if !ok || m.ZH == "" || m.EN == "" {
				t.Errorf("%s: catalogue key %s missing or in one language only", r.ID, k)
			}
		}
		if got, ok := Lookup(r.ID); !ok || got != r {
			t.Errorf("Lookup(%s) = %+v, %v", r.ID, got, ok)
		}
	}
	if len(seen) < 40 {
		t.Errorf("only %d rules", len(seen))
	}
	if _, ok := Lookup("no-such-rule"); ok {
		t.Error("Lookup found a rule that does not exist")
	}
	for _, v := range []Verdict{Pass, Partial, Fail, NotApplicable, NotChecked} {
		if !i18n.Has("baseline.verdict." + string(v)) {
			t.Errorf("verdict %s has no catalogue text", v)
		}
	}
	if s := Sections(); len(s) != 9 || s[0] != "8.1.4.1" || s[len(s)-1] != "8.1.4.10" {
		t.Errorf("sections %v", s)
	}
}

func TestVerdictOf(t *testing.T) {
	for _, c := range []struct {
		st     result.Status
		reason string
		want   Verdict
	}{
		{result.OK, "", Pass},
		{result.Warn, "", Partial},
		{result.Crit, "weak", Fail},
		{result.OK, result.ReasonNotApplicable, NotApplicable},
		{result.Unknown, "not-readable", NotChecked},
		{result.Unreachable, result.ReasonTimeout, NotChecked},
		// A CRIT is a finding even if someone set the reason: never hidden as N/A.
		{result.Crit, result.ReasonNotApplicable, Fail},
	} {
		if got := VerdictOf(result.Result{Status: c.st, Reason: c.reason}); got != c.want {
			t.Errorf("%v/%q: %s, want %s", c.st, c.reason, got, c.want)
		}
	}
}
