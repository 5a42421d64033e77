package i18n

import (
	"errors"
	"fmt"
	"testing"
)

type codedErr struct{ v string }

func (e *codedErr) Error() string { return T(EN, "test.coded", e.v) }
func (e *codedErr) I18n() Sub     { return S("test.coded", e.v) }

// An error that knows its meaning is quoted in the message's language,
// also when wrapped: the wrapping text stays as written around it.
func TestCodedErrorsRenderInEitherLanguage(t *testing.T) {
	Register(map[string]Msg{
		"test.coded": {"环境变量 %s 未设置", "environment variable %s is not set"},
		"test.outer": {"无法读取口令：%s", "cannot read the secret: %s"},
	})
	wrapped := fmt.Errorf("snmp.community: %w", &codedErr{"HCOPS_X"})
	args := Neutral([]any{wrapped})
	if got := Render(ZH, "test.outer", args); got != "无法读取口令：snmp.community: 环境变量 HCOPS_X 未设置" {
		t.Errorf("zh: %q", got)
	}
	if got := Render(EN, "test.outer", args); got != "cannot read the secret: snmp.community: environment variable HCOPS_X is not set" {
		t.Errorf("en: %q", got)
	}
	if got := Render(ZH, "test.outer", Neutral([]any{&codedErr{"Y"}})); got != "无法读取口令：环境变量 Y 未设置" {
		t.Errorf("zh, unwrapped: %q", got)
	}
	// A plain error is its text.
	if got := Render(ZH, "test.outer", Neutral([]any{errors.New("open /x: no such file or directory")})); got != "无法读取口令：open /x: no such file or directory" {
		t.Errorf("plain: %q", got)
	}
}
