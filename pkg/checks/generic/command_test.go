package generic

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestCommandCheck(t *testing.T) {
	cases := []struct {
		name       string
		params     map[string]any
		warn, crit string
		want       result.Status
		msg        string // substring of the message
		value      *float64
	}{
		{"exit 0", map[string]any{"script": "echo all good"}, "", "", result.OK, "exit 0: all good", nil},
		{"exit 2 crit", map[string]any{"script": "echo broken; exit 2"}, "", "", result.Crit, "exit code 2 (want 0)", nil},
		{"warn code", map[string]any{"script": "exit 1", "warn_codes": []any{1}}, "", "", result.Warn, "exit code 1 counts as a warning", nil},
		{"ok codes", map[string]any{"script": "exit 3", "ok_codes": "0,3"}, "", "", result.OK, "exit 3", nil},
		{"missing tool", map[string]any{"command": "no-such-tool-hcops --version"}, "", "", result.Unknown, "command not found", nil},
		{"regex ok", map[string]any{"script": "echo status=green", "regex": "status=(green|ok)"}, "", "", result.OK, "", nil},
		{"regex fail", map[string]any{"script": "echo status=red", "regex": "status=green"}, "", "", result.Crit, "does not match /status=green/", nil},
		{"not_regex", map[string]any{"script": "printf 'a\\nERROR: disk gone\\nb\\n'", "not_regex": "ERROR"}, "", "", result.Crit, "matches /ERROR/: ERROR: disk gone", nil},
		{"first number", map[string]any{"script": "echo queue length 42 items", "unit": "items"}, "10", "50", result.Warn, "value 42 items (warn 10, crit 50)", prPtr(42)},
		{"named group", map[string]any{"script": "echo v1.2 latency=350ms", "value_regex": `latency=(?P<value>\d+)ms`, "unit": "ms"}, "200", "300", result.Crit, "value 350 ms", prPtr(350)},
		{"first group", map[string]any{"script": "echo used: 12.5%", "value_regex": `used: ([\d.]+)%`, "unit": "%"}, "80", "90", result.OK, "value 12.5%", prPtr(12.5)},
		{"no number", map[string]any{"script": "echo none here"}, "10", "", result.Unknown, "no number in the output", nil},
		{"syntax error isolated", map[string]any{"script": "if then fi ("}, "", "", result.Crit, "exit code 2", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := checktest.One(t, prEval(t, "command", &inspect.Spec{Params: c.params, Warn: c.warn, Crit: c.crit}))
			if r.Status != c.want {
				t.Errorf("status = %s, want %s (%s)", r.Status, c.want, r.Message)
			}
			if !strings.Contains(r.Message, c.msg) {
				t.Errorf("message %q does not contain %q", r.Message, c.msg)
			}
			if c.value != nil && (r.Value == nil || *r.Value != *c.value) {
				t.Errorf("value = %v, want %v", r.Value, *c.value)
			}
			if (r.Status == result.Warn || r.Status == result.Crit) && r.Advice == "" {
				t.Errorf("no advice on %s", r.Status)
			}
		})
	}
}

func TestCommandKeepsFullOutputAndStderr(t *testing.T) {
	script := "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done; echo oops >&2; echo INSPECT_END 1"
	r := checktest.One(t, prEval(t, "command", &inspect.Spec{Params: map[string]any{"script": script}}))
	if r.Status != result.OK {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}
	for _, want := range []string{"line 0\n", "line 299\n", "oops\n", "INSPECT_END 1"} {
		if !strings.Contains(r.Evidence, want) {
			t.Errorf("evidence lacks %q", want)
		}
	}
}

func TestCommandScriptArrivesLiterally(t *testing.T) {
	dir := t.TempDir()
	canary := filepath.Join(dir, "pwned")
	// The script prints its own hostile-looking text; nothing in it may be
	// expanded by the outer host script.
	hostile := "printf '%s\\n' 'it'\"'\"'s' '$(touch " + canary + ")' '`touch " + canary + "`' \"a\nb\""
	r := checktest.One(t, prEval(t, "command", &inspect.Spec{Params: map[string]any{"script": hostile}}))
	want := "it's\n$(touch " + canary + ")\n`touch " + canary + "`\na\nb\n"
	if r.Evidence != want {
		t.Fatalf("evidence = %q, want %q", r.Evidence, want)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a command substitution inside the script was executed")
	}
}

func TestCommandBadParams(t *testing.T) {
	for _, p := range []map[string]any{
		{},
		{"script": "true", "regex": "("},
		{"script": "true", "ok_code": 1},
		{"script": strings.Repeat("x", commandMaxScript+1)},
	} {
		spec := &inspect.Spec{Name: "c", Type: "command", Params: p}
		if err := (commandCheck{}).Validate(spec); err == nil {
			t.Errorf("params %v accepted", p)
		}
		env := &inspect.Env{Spec: spec, Asset: &inventory.Asset{Name: "h"}}
		r := checktest.One(t, commandCheck{}.Evaluate(context.Background(), env))
		if r.Status != result.Unknown || r.Reason != "bad-params" {
			t.Errorf("params %v: %s %s", p, r.Status, r.Message)
		}
	}
}

func TestCommandMissingSection(t *testing.T) {
	spec := &inspect.Spec{Name: "c", Type: "command", Params: map[string]any{"script": "true"}}
	for _, sec := range []*inspect.Section{nil, {Missing: true}} {
		r := checktest.One(t, commandCheck{}.Evaluate(context.Background(), &inspect.Env{Spec: spec, Asset: &inventory.Asset{Name: "h"}, Section: sec}))
		if r.Status != result.Unknown || r.Reason != "no-output" {
			t.Errorf("section %+v: %s %s", sec, r.Status, r.Message)
		}
	}
}

func prPtr(v float64) *float64 { return &v }

func TestCommandScriptFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "workload.sh")
	os.WriteFile(f, []byte("#!/bin/sh\necho \"== host\"\necho INSPECT_END 42\n"), 0o644)
	r := checktest.One(t, prEval(t, "command", &inspect.Spec{Params: map[string]any{"script_file": f}}))
	if r.Status != result.OK || r.Evidence != "== host\nINSPECT_END 42\n" {
		t.Fatalf("%s %q", r.Status, r.Evidence)
	}
	for _, p := range []map[string]any{{"script_file": f, "script": "true"}, {"script_file": filepath.Join(t.TempDir(), "nope.sh")}} {
		if err := (commandCheck{}).Validate(&inspect.Spec{Name: "c", Params: p}); err == nil || !strings.Contains(err.Error(), "parameter script_file") {
			t.Errorf("%v: %v", p, err)
		}
	}
}
