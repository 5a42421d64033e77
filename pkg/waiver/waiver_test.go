package waiver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// testCat is a few rules of the catalogue, as pkg/baseline describes them:
// rule IDs, then each rule's section, clause and test unit.
var testCat = Catalogue{
	Rules: []string{"ia-empty-password", "ia-mfa", "ac-selinux", "au-auditd", "au-log-retention"},
	Clauses: []string{"8.1.4.1", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1 d)", "L3-CES1-04",
		"8.1.4.2", "8.1.4.2 g)", "L3-CES1-11", "8.1.4.3", "8.1.4.3 a)", "L3-CES1-12", "8.1.4.3 c)", "L3-CES1-14"},
}

var cst = time.FixedZone("CST", 8*3600)

// Each bad waiver file in testdata and the exact message it must produce:
// every problem of the file at once, with its line (and column where the
// parser can tell), in the order of the file.
var invalid = []struct{ file, want string }{
	{"invalid-unknown-key.yaml", `testdata/invalid-unknown-key.yaml:4:5: unknown key "justificaton" (did you mean "justification"?)`},
	{"invalid-missing.yaml", `testdata/invalid-missing.yaml:2:5: the waiver is missing compensating_control
testdata/invalid-missing.yaml:2:5: the waiver is missing approver
testdata/invalid-missing.yaml:6:5: the waiver has neither rule (a rule ID) nor clause (a clause, section or test unit)`},
	{"invalid-date.yaml", `testdata/invalid-date.yaml:7:14: expiry date "2027-02-30" is not a date: write YYYY-MM-DD (e.g. 2027-06-30)
testdata/invalid-date.yaml:13:14: expiry date "30/06/2027" is not a date: write YYYY-MM-DD (e.g. 2027-06-30)`},
	{"invalid-rule.yaml", `testdata/invalid-rule.yaml:2:11: unknown rule ID "ia-mfaa" (did you mean "ia-mfa"?)
testdata/invalid-rule.yaml:8:13: unknown clause "8.1.4.12" (did you mean "8.1.4.1"?)`},
	{"invalid-scope.yaml", `testdata/invalid-scope.yaml:4:5: give assets or selector, not both
testdata/invalid-scope.yaml:10:15: bad selector: selector "system in (rhis": missing ')'
testdata/invalid-scope.yaml:15:5: the waiver has no scope: assets (asset names) or selector (e.g. system=rhis)
testdata/invalid-scope.yaml:16:20: justification must not be empty`},
	{"invalid-syntax.yaml", `testdata/invalid-syntax.yaml:3: YAML syntax error: did not find expected ',' or ']'`},
	{"invalid-top.yaml", `testdata/invalid-top.yaml:1:1: unknown top-level key "waiver" (did you mean "waivers"?)`},
}

func TestInvalidWaiverFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.yaml")
	if len(files) != len(invalid) {
		t.Errorf("%d invalid-*.yaml files, %d cases: give each file its message", len(files), len(invalid))
	}
	for _, c := range invalid {
		set, err := Load(filepath.Join("testdata", c.file), testCat, nil)
		var ve *inventory.ValidationError
		if set != nil || !errors.As(err, &ve) {
			t.Errorf("%s: want a validation error, got %v, %v", c.file, set, err)
			continue
		}
		if got := err.Error(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.file, got, c.want)
		}
	}
}

// In Chinese, the same problems read in Chinese, the selector's own
// message included.
func TestInvalidWaiverChinese(t *testing.T) {
	_, err := Load("testdata/invalid-scope.yaml", testCat, nil)
	var ve *inventory.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	want := `testdata/invalid-scope.yaml:4:5: assets 与 selector 只能写一个
testdata/invalid-scope.yaml:10:15: 选择器有误：选择器 "system in (rhis"：缺少 ')'
testdata/invalid-scope.yaml:15:5: 豁免缺少适用范围：assets（资产名称列表）或 selector（选择器，如 system=rhis）
testdata/invalid-scope.yaml:16:20: justification 不能为空`
	if got := ve.Text(i18n.ZH); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	_, err = Load("testdata/invalid-rule.yaml", testCat, nil)
	if !errors.As(err, &ve) || !strings.Contains(ve.Text(i18n.ZH), `invalid-rule.yaml:2:11: 未知的规则编号 "ia-mfaa"（是否应为 "ia-mfa"？）`) {
		t.Errorf("unknown rule in Chinese: %v", err)
	}
}

func TestLoadValid(t *testing.T) {
	inv := &inventory.Inventory{Assets: []*inventory.Asset{
		{Name: "rhis-app-01", System: "rhis"}, {Name: "rhis-db-01", System: "rhis"},
		{Name: "lis-db-01", System: "lis"}, {Name: "pacs-01", System: "pacs"},
	}}
	set, err := Load("testdata/valid.yaml", testCat, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Waivers) != 3 || set.File != "testdata/valid.yaml" {
		t.Fatalf("%+v", set)
	}
	w := set.Waivers[0]
	if w.No != 1 || w.Rule != "ia-mfa" || w.Selector != "system=rhis" || w.Approver != "王强（信息科）" ||
		!w.Expires.Equal(time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)) || w.Pos.Line != 3 || w.Scope() != "system=rhis" || w.Target() != "ia-mfa" {
		t.Errorf("first waiver %+v", w)
	}
	// assets: one name is a list of one.
	if got := set.Waivers[2].Assets; len(got) != 1 || got[0] != "pacs-01" {
		t.Errorf("single asset %v", got)
	}
	// lis-db-02 is not in the inventory: a warning on its line, not an error.
	if len(set.Warnings) != 1 || set.Warnings[0].String() != `testdata/valid.yaml:10:25: asset "lis-db-02" is not in the inventory; this entry matches no host (did you mean "lis-db-01"?)` {
		t.Errorf("warnings %v", set.Warnings)
	}
}

func TestMatchAndExpiry(t *testing.T) {
	set, err := Load("testdata/valid.yaml", testCat, nil)
	if err != nil {
		t.Fatal(err)
	}
	rhis := &inventory.Asset{Name: "rhis-app-01", System: "rhis"}
	lis := &inventory.Asset{Name: "lis-db-01", System: "lis"}
	pacs := &inventory.Asset{Name: "pacs-01", System: "pacs"}
	mfa := []string{"8.1.4.1", "8.1.4.1 d)", "L3-CES1-04"}
	audit := []string{"8.1.4.3", "8.1.4.3 c)", "L3-CES1-14"}
	mac := []string{"8.1.4.2", "8.1.4.2 g)", "L3-CES1-11"}
	now := time.Date(2026, 11, 29, 9, 30, 0, 0, cst)

	cases := []struct {
		name    string
		rule    string
		clauses []string
		asset   *inventory.Asset
		at      time.Time
		active  int // waiver number, 0 none
		expired int
	}{
		{"rule by selector", "ia-mfa", mfa, rhis, now, 1, 0},
		{"rule, other system", "ia-mfa", mfa, lis, now, 0, 0},
		{"other rule of the same clause", "ia-empty-password", []string{"8.1.4.1", "8.1.4.1 a)", "L3-CES1-01"}, rhis, now, 0, 0},
		{"section covers its rules", "au-log-retention", audit, lis, now, 2, 0},
		{"section, asset not listed", "au-log-retention", audit, rhis, now, 0, 0},
		{"last day still holds", "au-auditd", audit, lis, time.Date(2026, 11, 30, 23, 59, 0, 0, cst), 2, 0},
		{"day after expiry", "au-auditd", audit, lis, time.Date(2026, 12, 1, 0, 0, 1, 0, cst), 0, 2},
		{"test unit", "ac-selinux", mac, pacs, now, 3, 0},
		{"test unit, other asset", "ac-selinux", mac, lis, now, 0, 0},
		{"no asset", "ia-mfa", mfa, nil, now, 0, 0},
	}
	for _, c := range cases {
		a, e := set.Match(c.rule, c.clauses, c.asset, c.at)
		if no(a) != c.active || no(e) != c.expired {
			t.Errorf("%s: active %d expired %d, want %d %d", c.name, no(a), no(e), c.active, c.expired)
		}
	}
	var none *Set
	if a, e := none.Match("ia-mfa", mfa, rhis, now); a != nil || e != nil {
		t.Error("a nil set waives nothing")
	}
}

// A clause is matched as a person types it: full-width brackets, blanks
// and case do not matter.
func TestClauseSpelling(t *testing.T) {
	data := `waivers:
  - clause: "8.1.4.2 G）"
    assets: [pacs-01]
    justification: x
    compensating_control: y
    approver: z
    expires: 2027-01-01
`
	set, err := Parse("w.yaml", []byte(data), testCat, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := set.Match("ac-selinux", []string{"8.1.4.2", "8.1.4.2 g)", "L3-CES1-11"}, &inventory.Asset{Name: "pacs-01"}, time.Date(2026, 1, 1, 0, 0, 0, 0, cst))
	if a == nil {
		t.Error("8.1.4.2 G） does not match 8.1.4.2 g)")
	}
}

func TestEmptyAndMissingFiles(t *testing.T) {
	for _, data := range []string{"", "# nothing yet\n", "waivers:\n", "waivers: []\n"} {
		set, err := Parse("w.yaml", []byte(data), testCat, nil)
		if err != nil || len(set.Waivers) != 0 {
			t.Errorf("%q: %v %v", data, set, err)
		}
	}
	_, err := Load(filepath.Join(t.TempDir(), "waivers.yaml"), testCat, nil)
	if !errors.Is(err, ErrNoFile) {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", maxFileSize)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, testCat, nil); err == nil || !strings.Contains(err.Error(), "larger than 4 MB") {
		t.Errorf("huge file: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"/etc/hcops/inventory.yaml": "/etc/hcops/waivers.yaml",
		"/etc/hcops/inventory/":     "/etc/hcops/waivers.yaml", // a directory inventory reads every yaml in it
		"inventory.yaml":            "waivers.yaml",
	} {
		if got := DefaultPath(in); got != want {
			t.Errorf("DefaultPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func no(w *Waiver) int {
	if w == nil {
		return 0
	}
	return w.No
}

func TestNear(t *testing.T) {
	known := []string{"ia-multi-factor", "mc-malware-protection", "ia-password-expiry", "ia-password-reuse"}
	for in, want := range map[string]string{
		"ia-mfa":         "",                      // nothing close enough to guess
		"ia-multifactor": "ia-multi-factor",       // one letter off
		"mc-malware":     "mc-malware-protection", // typed short: the one rule it starts
		"ia-password":    "",                      // starts two rules: no guess
		"ia":             "",
	} {
		if got := near(in, known); got != want {
			t.Errorf("near(%q) = %q, want %q", in, got, want)
		}
	}
}
