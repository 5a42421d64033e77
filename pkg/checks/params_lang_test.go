package checks

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
)

// A playbook's misspelt or wrong-typed parameter is reported in the
// language of the run: in Chinese with no English word of the decoder's
// own, in English as before; file:line and the names stay as written.
func TestParamErrorsInEitherLanguage(t *testing.T) {
	src := "name: site\nchecks:\n" +
		"  - name: load\n    type: load\n    params: {window: five}\n" +
		"  - name: web\n    type: http\n    params: {timout: 5s}\n" +
		"  - name: disk\n    type: disk\n    params: {mounts: {a: b}}\n"
	_, err := inspect.ParsePlaybook(All(), "pb/site.yaml", []byte(src), "site")
	var pes inspect.PlaybookErrors
	if !errors.As(err, &pes) || len(pes) != 3 {
		t.Fatalf("want three problems, got %v", err)
	}
	zh, en := pes.Text(i18n.ZH), pes.Text(i18n.EN)
	for _, want := range []string{
		"pb/site.yaml:5: 检查项 load 的参数 window：应为整数，实际为 \"five\"",
		"pb/site.yaml:8: 检查项 web 的参数 timout：未知参数（是否应为 timeout？）；可用参数：",
		"pb/site.yaml:11: 检查项 disk 的参数 mounts：应为字符串列表，实际为 一个映射",
	} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh lacks %q:\n%s", want, zh)
		}
	}
	if words := regexp.MustCompile(`\b(want|got|unknown|parameter|check|known|mean|mapping)\b`).FindAllString(zh, -1); len(words) > 0 {
		t.Errorf("English words %v in the Chinese text:\n%s", words, zh)
	}
	for _, want := range []string{
		"pb/site.yaml:5: check load: parameter window: want a whole number, got \"five\"",
		"pb/site.yaml:8: check web: parameter timout: unknown parameter (did you mean timeout?); known: ",
		"pb/site.yaml:11: check disk: parameter mounts: want a list of strings, got a mapping",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("en lacks %q:\n%s", want, en)
		}
	}
}
