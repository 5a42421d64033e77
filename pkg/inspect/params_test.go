package inspect

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/i18n"
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

// TestProbeMessagesInCatalogue checks that every message key the check
// types of this file set use is in the i18n catalogue with both languages,
// so no user sees a bare key.
func TestProbeMessagesInCatalogue(t *testing.T) {
	files := []string{"params.go", "check_command.go", "check_nagios.go", "check_http.go", "check_tcp.go",
		"check_tlscert.go", "check_dns.go", "check_file.go", "check_logpattern.go"}
	keyRe := msgKeyRE
	all := i18n.Keys()
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			n++
			msg, ok := all[m[1]]
			if !ok {
				t.Errorf("%s: message key %q is not in the catalogue", f, m[1])
				continue
			}
			if msg.ZH == "" || msg.EN == "" {
				t.Errorf("%s: message %q lacks a language", f, m[1])
			}
			if strings.Count(msg.ZH, "%") != strings.Count(msg.EN, "%") {
				t.Errorf("message %q: zh and en take a different number of arguments", m[1])
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d message uses: is the pattern stale?", n)
	}
}

// TestShellChecksSurviveHostileOutput feeds every shell check of this file
// set output it does not expect: garbage, forged and half markers, control
// characters, a huge line, nothing at all. Each must answer with at least
// one result and never panic.
func TestShellChecksSurviveHostileOutput(t *testing.T) {
	specs := []*Spec{
		{Name: "c", Type: "command", Params: map[string]any{"script": "true", "value_regex": `(\d+)`}},
		{Name: "n", Type: "nagios-plugin", Params: map[string]any{"plugin": "check_x"}},
		{Name: "f", Type: "file", Params: map[string]any{"paths": []any{"/a", "/b"}, "max_age": "1h", "mode": "0600"}},
		{Name: "l", Type: "log-pattern", Params: map[string]any{"path": "/var/log/x", "pattern": "e"}},
		{Name: "t", Type: "tls-cert", Params: map[string]any{"files": []any{"/a.crt", "/b/*.crt"}}},
	}
	outputs := []string{
		"",
		"\x1b[2J\x1b]0;pwned\x07\x00\xff\xfe",
		strings.Repeat("A", evidenceMax*2),
		"@@HCOPS_FILE 0 STAT\n@@HCOPS_FILE 1 STAT x y z 1 2 3 4 5\n@@HCOPS_FILE -1 ABSENT\n@@HCOPS_FILE 99999999999999999999 ABSENT\n",
		"@@HCOPS_NOW notanumber\n@@HCOPS_FILE 0 LSN -rwx\n@@HCOPS_FILE 1 LSN drwxrwxrwx 1 0 0 x Jan 1 1970 /b\n",
		"@@HCOPS_LOG NOW x TZ +99999\n@@HCOPS_LOG COUNT -5\n\x00\n",
		"@@HCOPS_LOG COUNT 99999999999999999999999\n",
		"@@HCOPS_CERT_FILE 0 zz\n-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n@@HCOPS_CERT_END\n@@HCOPS_CERT_MISSING 7\n@@HCOPS_CERT_FILE 1 2f\n",
		"OK | 'unterminated=1 =;;; ''=5 a=1e999 b=-\n",
	}
	for _, s := range specs {
		c, ok := Lookup(s.Type)
		if !ok {
			t.Fatalf("%s not registered", s.Type)
		}
		for _, out := range outputs {
			for _, code := range []int{0, 2, 127, -1} {
				for _, trunc := range []bool{false, true} {
					env := &Env{Spec: s, Section: &Section{Stdout: out, ExitCode: code, Truncated: trunc}, Now: time.Now()}
					rs := c.Evaluate(context.Background(), env)
					if len(rs) == 0 {
						t.Fatalf("%s: no result for %q", s.Type, clip(out, 40))
					}
					for _, r := range rs {
						if r.Message == "" {
							t.Errorf("%s: empty message for %q (exit %d)", s.Type, clip(out, 40), code)
						}
						if len(r.Evidence) > evidenceMax+4 {
							t.Errorf("%s: evidence of %d bytes exceeds the bound", s.Type, len(r.Evidence))
						}
					}
				}
			}
		}
	}
}

func TestArgPath(t *testing.T) {
	for in, want := range map[string]string{"-rf": "./-rf", "/var/log/messages": "/var/log/messages", "logs/-x": "logs/-x", "--": "./--"} {
		if got := argPath(in); got != want {
			t.Errorf("argPath(%q) = %q, want %q", in, got, want)
		}
	}
}
