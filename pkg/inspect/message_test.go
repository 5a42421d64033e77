package inspect

import (
	"regexp"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// msgKeyRE finds the catalogue keys a check's source uses, through every
// helper that writes a message (the *MessagesInCatalogue tests).
var msgKeyRE = regexp.MustCompile(`(?:probeT\([a-zA-Z&.]+, |osT\(env, |(?:inspect\.)?(?:setMsg|setAdvice|addMsg|SetMsg|SetAdvice|AddMsg)\(&?[\w.\[\]()-]+, env, |osUnknownMsg\(\w+, env, "[^"]+", |i18n\.S\()"([^"]+)"`)

// The helpers record a message's code and args with its text, so the result
// renders in the other language the same as a run made in it.
func TestMessageHelpersRecordMeaning(t *testing.T) {
	run := func(lang string) result.Result {
		env := &Env{Lang: lang}
		var r result.Result
		SetMsg(&r, env, "os.disk.msg", "/var", 91, "1.0 GiB", "20 GiB", "/dev/sda1")
		AddNotes(&r, env, "; ", []i18n.Sub{i18n.S("probe.output_truncated")})
		SetAdviceSub(&r, env, i18n.S("os.disk.advice", "/var", "1.0 GiB", "20 GiB"))
		return r
	}
	en, zh := run(i18n.EN), run(i18n.ZH)
	if en.Code != i18n.ConcatCode || en.AdviceCode != "os.disk.advice" {
		t.Fatalf("codes %q / %q", en.Code, en.AdviceCode)
	}
	if got := en.MessageIn(i18n.ZH); got != zh.Message {
		t.Errorf("English run shown in Chinese:\n got %q\nwant %q", got, zh.Message)
	}
	if got := zh.AdviceIn(i18n.EN); got != en.Advice {
		t.Errorf("Chinese advice shown in English:\n got %q\nwant %q", got, en.Advice)
	}
}
