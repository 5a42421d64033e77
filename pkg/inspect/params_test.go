package inspect

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// specFromYAML builds a Spec the way a playbook loader does, so the tests see
// the same Go types (int, float64, bool, []any) real playbooks produce.
func specFromYAML(t testing.TB, src string) *Spec {
	t.Helper()
	var s Spec
	if err := yaml.Unmarshal([]byte(src), &s); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	return &s
}

func TestParamsFromYAML(t *testing.T) {
	s := specFromYAML(t, `
name: web
type: http
params:
  url: https://pacs.example/health
  port: 443
  ratio: 0.5
  insecure: yes
  on: "on"
  timeout: 30
  window: 24h
  days: 7d
  args: [-w, 80, "-c", 90.5, true]
  one: single
  codes: [0, 1]
  codes_str: "0, 2"
  nothing: null
`)
	if v, err := paramString(s, "url", ""); err != nil || v != "https://pacs.example/health" {
		t.Errorf("url = %q, %v", v, err)
	}
	if v, err := paramString(s, "port", ""); err != nil || v != "443" {
		t.Errorf("port as string = %q, %v", v, err)
	}
	if v, err := paramInt(s, "port", 0); err != nil || v != 443 {
		t.Errorf("port = %d, %v", v, err)
	}
	if v, err := paramFloat(s, "ratio", 0); err != nil || v != 0.5 {
		t.Errorf("ratio = %v, %v", v, err)
	}
	if v, err := paramBool(s, "insecure", false); err != nil || !v {
		t.Errorf("insecure = %v, %v", v, err)
	}
	if v, err := paramBool(s, "on", false); err != nil || !v {
		t.Errorf("on = %v, %v", v, err)
	}
	if v, err := paramDuration(s, "timeout", 0); err != nil || v != 30*time.Second {
		t.Errorf("timeout = %v, %v", v, err)
	}
	if v, err := paramDuration(s, "window", 0); err != nil || v != 24*time.Hour {
		t.Errorf("window = %v, %v", v, err)
	}
	if v, err := paramDuration(s, "days", 0); err != nil || v != 7*24*time.Hour {
		t.Errorf("days = %v, %v", v, err)
	}
	if v, err := paramStrings(s, "args"); err != nil || !reflect.DeepEqual(v, []string{"-w", "80", "-c", "90.5", "true"}) {
		t.Errorf("args = %q, %v", v, err)
	}
	if v, err := paramStrings(s, "one"); err != nil || !reflect.DeepEqual(v, []string{"single"}) {
		t.Errorf("one = %q, %v", v, err)
	}
	if v, err := paramInts(s, "codes", nil); err != nil || !reflect.DeepEqual(v, []int{0, 1}) {
		t.Errorf("codes = %v, %v", v, err)
	}
	if v, err := paramInts(s, "codes_str", nil); err != nil || !reflect.DeepEqual(v, []int{0, 2}) {
		t.Errorf("codes_str = %v, %v", v, err)
	}
	if v, err := paramString(s, "nothing", "dflt"); err != nil || v != "dflt" {
		t.Errorf("null = %q, %v", v, err)
	}
	if v, err := paramDuration(s, "absent", 5*time.Second); err != nil || v != 5*time.Second {
		t.Errorf("absent = %v, %v", v, err)
	}
	if paramHas(s, "nothing") || !paramHas(s, "url") {
		t.Errorf("paramHas wrong")
	}
}

func TestParamErrorsNameCheckAndParameter(t *testing.T) {
	s := specFromYAML(t, `
name: web
type: http
params:
  timeout: soon
  port: 44.5
  insecure: maybe
  args: {a: 1}
  url: [a, b]
  re: "("
  neg: -5s
`)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"duration", prErr(paramDuration(s, "timeout", 0)), `check web: parameter timeout: want a duration like 30s, 15m, 24h or 7d, got "soon"`},
		{"int", prErr(paramInt(s, "port", 0)), `check web: parameter port: want a whole number, got 44.5`},
		{"bool", prErr(paramBool(s, "insecure", false)), `check web: parameter insecure: want true or false, got "maybe"`},
		{"strings", prErr(paramStrings(s, "args")), `check web: parameter args: want a list of strings, got a mapping`},
		{"string", prErr(paramString(s, "url", "")), `check web: parameter url: want a string, got a list`},
		{"regexp", prErr(paramRegexp(s, "re")), `check web: parameter re: bad regular expression`},
		{"negative", prErr(paramDuration(s, "neg", 0)), `check web: parameter neg: duration must not be negative`},
	}
	for _, c := range cases {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.want) {
			t.Errorf("%s: error = %v, want prefix %q", c.name, c.err, c.want)
		}
	}
}

func TestParamKnownSuggests(t *testing.T) {
	s := specFromYAML(t, "name: web\ntype: http\nparams: {url: x, timout: 5s}\n")
	err := paramKnown(s, "url", "timeout", "method")
	if err == nil || !strings.Contains(err.Error(), "parameter timout: unknown parameter (did you mean timeout?)") {
		t.Fatalf("err = %v", err)
	}
	if err := paramKnown(specFromYAML(t, "name: a\nparams: {url: x}\n"), "url"); err != nil {
		t.Fatalf("known params rejected: %v", err)
	}
}

func prErr[T any](_ T, err error) error { return err }

func TestArgPath(t *testing.T) {
	for in, want := range map[string]string{"-rf": "./-rf", "/var/log/messages": "/var/log/messages", "logs/-x": "logs/-x", "--": "./--"} {
		if got := ArgPath(in); got != want {
			t.Errorf("argPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A parameter error found only when a host is inspected is an UNKNOWN
// result whose message reads in the run's language, and keeps its meaning
// (code and arguments) for a report in the other language; a free-form
// error of the system is quoted as written inside the translated frame.
func TestBadParamsResultInRunLanguage(t *testing.T) {
	spec := &Spec{Name: "web", Type: "http"}
	err := BadParamMsg(spec, "window", "inspect.param.want_int", `"five"`)
	zh := BadParamsResult(&Env{Lang: i18n.ZH, Spec: spec}, "http", err)[0]
	if want := `检查项 web 的参数 window：应为整数，实际为 "five"`; zh.Message != want {
		t.Errorf("zh: %q, want %q", zh.Message, want)
	}
	if got := i18n.Render(i18n.EN, zh.Code, zh.Args); got != err.Error() {
		t.Errorf("the zh result rendered in en: %q, want %q", got, err.Error())
	}
	en := BadParamsResult(&Env{Lang: i18n.EN, Spec: spec}, "http", err)[0]
	if en.Message != `check web: parameter window: want a whole number, got "five"` || en.Status != result.Unknown || en.Reason != "bad-params" {
		t.Errorf("en: %s %s %q", en.Status, en.Reason, en.Message)
	}
	raw := BadParamsResult(&Env{Lang: i18n.ZH, Spec: spec}, "http", BadParam(spec, "script_file", "%v", errors.New("open /a: no such file or directory")))[0]
	if raw.Message != "检查项 web 的参数 script_file：open /a: no such file or directory" {
		t.Errorf("free-form: %q", raw.Message)
	}
}
