package inspect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// Check types used only by this package's tests: a shell collector that
// runs params.cmd (default "echo 42") and compares its number against the
// thresholds, and a probe that reports params.status without a target.
type testShell struct{}
type testProbe struct{}

// testChecks is the registry of this package's tests: check types that
// exist only here, so the engine is tested without the real ones.
var testChecks = Registry{"testonly-shell": testShell{}, "testonly-probe": testProbe{}, "testonly-typed": testTyped{}}

// testTyped is a probe with typed parameters (ParamsDecoder); it reports
// them in its message.
type testTyped struct{}

type testTypedParams struct {
	Count  int           `param:"count"`
	Window time.Duration `param:"window"`
	Names  []string      `param:"names"`
}

func (p *testTypedParams) Defaults() { p.Count = 2 }

var testTypedDecodes atomic.Int64

func (testTyped) DecodeParams(s *Spec) (any, error) {
	testTypedDecodes.Add(1)
	return DecodeParams[testTypedParams](s)
}

func (testTyped) Script(*Spec, *inventory.Asset) (string, error) { return "", nil }

func (testTyped) Evaluate(_ context.Context, env *Env) []result.Result {
	p, err := ParamsOf[testTypedParams](env.Spec)
	if err != nil {
		return BadParamsResult(env, "testonly-typed", err)
	}
	r := result.Result{Status: result.OK}
	r.SetText(fmt.Sprintf("count=%d window=%s names=%v", p.Count, p.Window, p.Names))
	return []result.Result{r}
}

func (testShell) Script(s *Spec, a *inventory.Asset) (string, error) {
	if v, ok := s.Params["fail"]; ok {
		return "", errors.New("check " + s.Name + ": parameter fail: " + v.(string))
	}
	if c, ok := s.Params["cmd"].(string); ok {
		return c, nil
	}
	return "echo 42", nil
}

func (testShell) Evaluate(_ context.Context, env *Env) []result.Result {
	r := result.Result{}
	sec := env.Section
	if sec == nil || sec.Missing {
		return []result.Result{{Status: result.Unknown, Message: "no output"}}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(sec.Stdout), 64)
	if err != nil {
		return []result.Result{{Status: result.Unknown, Message: "not a number: " + sec.Stdout}}
	}
	env.Thresholds.Apply(&r, v, "")
	r.Message = "value " + sec.Stdout
	return []result.Result{r}
}

func (testProbe) Script(*Spec, *inventory.Asset) (string, error) { return "", nil }

func (testProbe) Evaluate(ctx context.Context, env *Env) []result.Result {
	if env.Spec.Params["panic"] == true {
		panic("boom")
	}
	if d, ok := env.Spec.Params["sleep"].(string); ok && d != "" {
		<-ctx.Done()
		return []result.Result{{Status: result.Unknown, Message: "probe cancelled"}}
	}
	if env.Spec.Params["show_since"] == true {
		if env.Since.IsZero() {
			return []result.Result{{Status: result.OK, Message: "since none"}}
		}
		return []result.Result{{Status: result.OK, Message: "since " + env.Since.UTC().Format(time.RFC3339)}}
	}
	st, _ := env.Spec.Params["status"].(string)
	s, err := result.ParseStatus(st)
	if st == "" || err != nil {
		s = result.OK
	}
	return []result.Result{{Status: s, Message: "probe " + env.Asset.Name}}
}

func TestInvalidPlaybooks(t *testing.T) {
	dir := filepath.Join("testdata", "playbooks", "invalid")
	cases := map[string]string{
		"unknown-key.yaml":        `unknown-key.yaml:3: unknown key "targets" in playbook (want name, description, target, checks)`,
		"unknown-check-key.yaml":  `unknown-check-key.yaml:5: unknown key "wran" in check (want name, type, target, params, warn, crit, advice, description, timeout_sec)`,
		"unknown-type.yaml":       `unknown-type.yaml:6: check "disk": unknown check type "dsik" (see hcops inspect checks)`,
		"bad-threshold.yaml":      `bad-threshold.yaml:5: warn: threshold "90:80": start 90 is greater than end 80`,
		"bad-threshold-text.yaml": `bad-threshold-text.yaml:5: crit: threshold "abc:": bad start "abc" (want a number or ~)`,
		"duplicate.yaml":          `duplicate.yaml:5: duplicate check name "a" (first at line 3); give each check its own name`,
		"no-checks.yaml":          `no-checks.yaml:1: playbook bad has no checks`,
		"checks-not-list.yaml":    `checks-not-list.yaml:3: checks must be a list`,
		"params-not-map.yaml":     `params-not-map.yaml:5: params must be a mapping of parameter: value`,
		"bad-param.yaml":          `bad-param.yaml:3: check a: parameter fail: nope`,
		"unknown-param.yaml":      `unknown-param.yaml:7: check a: parameter windw: unknown parameter (did you mean window?); known: count, names, window`,
		"bad-param-value.yaml":    `bad-param-value.yaml:7: check a: parameter count: want a whole number, got "many"`,
		"no-type.yaml":            `no-type.yaml:3: check "a" has no type (see hcops inspect checks)`,
		"name-not-string.yaml":    `name-not-string.yaml:1: name must be a string`,
		"timeout-text.yaml":       `timeout-text.yaml:5: timeout_sec must be a whole number of seconds`,
		"syntax.yaml":             `syntax.yaml: line 4: found a tab character that violates indentation`,
		"empty.yaml":              `empty.yaml: empty playbook (want name, description, target and checks)`,
		"unknown-type-near.yaml":  `unknown-type-near.yaml:4: check "a": unknown check type "testonly-shel" (did you mean "testonly-shell"? see hcops inspect checks)`,
		// Every problem of the file at once, in file order.
		"many.yaml": `many.yaml:2: unknown key "targets" in playbook (want name, description, target, checks)
many.yaml:6: unknown key "wran" in check (want name, type, target, params, warn, crit, advice, description, timeout_sec)
many.yaml:9: check b: parameter windw: unknown parameter (did you mean window?); known: count, names, window
many.yaml:11: check "c": unknown check type "dsik" (see hcops inspect checks)
many.yaml:12: duplicate check name "a" (first at line 4); give each check its own name
many.yaml:14: crit: threshold "90:80": start 90 is greater than end 80`,
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := cases[e.Name()]; !ok {
			t.Errorf("testdata file %s has no expected error", e.Name())
		}
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParsePlaybook(testChecks, file, data, "bad")
			if err == nil {
				t.Fatalf("no error, want %q", want)
			}
			if err.Error() != want {
				t.Errorf("error:\n got  %s\n want %s", err, want)
			}
		})
	}
}

func TestParsePlaybook(t *testing.T) {
	data := []byte(`# comment
name: demo
description: 演示 / demo
checks:
  - name: load
    type: testonly-shell
    warn: 80        # bare numbers are ranges too
    crit: "~:95"
    advice: look at top
    params: {cmd: "echo 1"}
  - type: testonly-probe
    target: zone=internet
    timeout_sec: 5
`)
	pb, err := ParsePlaybook(testChecks, "demo.yaml", data, "fallback")
	if err != nil {
		t.Fatal(err)
	}
	if pb.Name != "demo" || pb.Target != DefaultPlaybookTarget || len(pb.Checks) != 2 {
		t.Fatalf("playbook = %+v", pb)
	}
	c0, c1 := pb.Checks[0], pb.Checks[1]
	if c0.Warn != "80" || c0.Crit != "~:95" || c0.Params["cmd"] != "echo 1" || c0.Advice != "look at top" {
		t.Errorf("check 0 = %+v", c0)
	}
	if c1.Name != "testonly-probe" || c1.Target != "zone=internet" || c1.TimeoutSec != 5 {
		t.Errorf("check 1 = %+v (name defaults to the type)", c1)
	}
	if pb.Lines[0] != 5 || pb.Lines[1] != 11 {
		t.Errorf("lines = %v", pb.Lines)
	}
}

func TestLibraryUserOverridesBuiltin(t *testing.T) {
	builtin := fstest.MapFS{
		"daily.yaml":  {Data: []byte("name: daily\nchecks:\n  - {name: a, type: testonly-shell}\n")},
		"broken.yaml": {Data: []byte("name: broken\nchecks: []\n")},
		"README.md":   {Data: []byte("not a playbook")},
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "daily.yaml"), []byte("name: daily\ndescription: site tuned\nchecks:\n  - {name: a, type: testonly-shell, warn: '1'}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "mine.yml"), []byte("checks:\n  - {name: p, type: testonly-probe}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	lib, err := LoadLibrary(testChecks, builtin, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lib.Names(), ","); got != "daily,mine" {
		t.Errorf("names = %s", got)
	}
	pb, err := lib.Get("daily")
	if err != nil || pb.Description != "site tuned" || pb.Source != filepath.Join(dir, "daily.yaml") {
		t.Errorf("daily = %+v, %v", pb, err)
	}
	if _, err := lib.Get("broken"); err == nil || !strings.Contains(err.Error(), "playbooks/broken.yaml:2: playbook broken has no checks") {
		t.Errorf("broken: %v", err)
	}
	if _, err := lib.Get("nope"); !errors.Is(err, ErrNoPlaybook) || !strings.Contains(err.Error(), "known: daily, mine") {
		t.Errorf("nope: %v", err)
	}
	if _, err := LoadLibrary(testChecks, builtin, filepath.Join(dir, "missing")); err == nil {
		t.Error("a configured playbooks directory that does not exist must be an error")
	}
}
