package inspect

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// Typed parameters are decoded once when the playbook is loaded; the plan
// reuses them for every asset and decodes again only for an asset whose
// override changes them (and reports a bad override on that asset only).
func TestTypedParamsDecodedOnce(t *testing.T) {
	before := testTypedDecodes.Load()
	pb, err := ParsePlaybook(testChecks, "typed.yaml", []byte("name: typed\nchecks:\n  - {name: a, type: testonly-typed, params: {window: 1h, names: x}}\n"), "typed")
	if err != nil {
		t.Fatal(err)
	}
	if n := testTypedDecodes.Load() - before; n != 1 {
		t.Fatalf("decoded %d times while loading, want 1", n)
	}
	var assets []*inventory.Asset
	for _, n := range []string{"a1", "a2", "a3"} {
		assets = append(assets, &inventory.Asset{Name: n, Kind: "host", Address: "192.0.2.1"})
	}
	assets[1].Checks = map[string]inventory.CheckOverride{"a": {Params: map[string]any{"count": 9}}}
	assets[2].Checks = map[string]inventory.CheckOverride{"a": {Params: map[string]any{"cuont": 9}}}
	p, err := BuildPlan(PlanInput{Assets: assets, Playbooks: []*Playbook{pb}})
	if err != nil {
		t.Fatal(err)
	}
	if n := testTypedDecodes.Load() - before; n != 3 {
		t.Errorf("decoded %d times in all, want 3 (load, and the two overridden assets)", n)
	}
	got := map[string]string{}
	for _, h := range p.Hosts {
		it := h.Items[0]
		if it.Err != nil {
			got[h.Name] = it.Err.Error()
			continue
		}
		got[h.Name] = it.Check.Evaluate(context.Background(), &Env{Spec: &it.Spec, Now: time.Now()})[0].Message
	}
	want := map[string]string{
		"a1": "count=2 window=1h0m0s names=[x]",
		"a2": "count=9 window=1h0m0s names=[x]",
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%s: %q, want %q", n, got[n], w)
		}
	}
	if !strings.Contains(got["a3"], "parameter cuont: unknown parameter (did you mean count?)") || !strings.HasSuffix(got["a3"], "(override checks.a for a3)") {
		t.Errorf("a3: %q", got["a3"])
	}
}

// A Spec built by hand (tests of a check) is decoded when asked.
func TestParamsOfUndecodedSpec(t *testing.T) {
	p, err := ParamsOf[testTypedParams](&Spec{Name: "x", Params: map[string]any{"count": "4", "names": []any{"a", 7}}})
	if err != nil || p.Count != 4 || len(p.Names) != 2 || p.Names[1] != "7" {
		t.Fatalf("%+v, %v", p, err)
	}
	if _, err := ParamsOf[testTypedParams](&Spec{Name: "x", Params: map[string]any{"count": []any{1}}}); err == nil {
		t.Fatal("a list for an int was accepted")
	}
}

// Params documents a check type's parameters: from its struct, with types
// and defaults, when typed; else the names it accepts.
func TestParamsDoc(t *testing.T) {
	got := Params(testTyped{}, "testonly-typed")
	want := []ParamDoc{{Name: "count", Type: "integer", Default: "2"}, {Name: "names", Type: "list of strings"}, {Name: "window", Type: "duration"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("typed: %+v, want %+v", got, want)
	}
	untyped := Params(knownOnly{}, "known-only")
	if len(untyped) != 2 || untyped[0].Name != "a" || untyped[1].Name != "b" || untyped[0].Type != "" {
		t.Errorf("untyped: %+v", untyped)
	}
}

// knownOnly is a check type that takes parameters a and b, untyped.
type knownOnly struct{ testProbe }

func (knownOnly) Validate(s *Spec) error { return paramKnown(s, "b", "a") }

// pairParam reads itself (ParamUnmarshaler): "a=b", rejecting other shapes.
type pairParam struct{ k, v string }

func (*pairParam) ParamType() string { return "key=value" }

func (p *pairParam) UnmarshalParam(spec *Spec, name string, raw any) error {
	s, ok := raw.(string)
	k, v, found := strings.Cut(s, "=")
	if !ok || !found {
		return BadParam(spec, name, "want key=value, got %s", Describe(raw))
	}
	p.k, p.v = k, v
	return nil
}

type pairParams struct {
	Pair pairParam `param:"pair"`
	N    int       `param:"n"`
}

// A field type that reads itself gets the raw value only when given; its
// error names the check and the parameter like the built-in types', and
// its own type name is documented.
func TestParamUnmarshaler(t *testing.T) {
	p, err := DecodeParams[pairParams](&Spec{Name: "x", Params: map[string]any{"pair": "a=b"}})
	if err != nil || p.Pair.k != "a" || p.Pair.v != "b" {
		t.Fatalf("%+v, %v", p, err)
	}
	p, err = DecodeParams[pairParams](&Spec{Name: "x", Params: map[string]any{"pair": nil, "n": 1}})
	if err != nil || p.Pair.k != "" || p.N != 1 {
		t.Fatalf("null: %+v, %v", p, err)
	}
	_, err = DecodeParams[pairParams](&Spec{Name: "x", Params: map[string]any{"pair": []any{"a=b"}}})
	if err == nil || err.Error() != "check x: parameter pair: want key=value, got a list" {
		t.Fatalf("a list: %v", err)
	}
	if got := structParams(reflect.ValueOf(&pairParams{})); len(got) != 2 || got[1].Name != "pair" || got[1].Type != "key=value" {
		t.Errorf("doc: %+v", got)
	}
}

// A check type that takes no parameters says so instead of listing none.
func TestParamKnownNone(t *testing.T) {
	err := paramKnown(&Spec{Name: "x", Params: map[string]any{"days": 1}})
	if err == nil || err.Error() != "check x: parameter days: unknown parameter: this check type takes none" {
		t.Fatalf("%v", err)
	}
}

// A loaded spec whose Params are replaced afterwards (a test, a tool that
// adjusts one check) is decoded again: the decoded struct never goes stale.
func TestParamsOfReplacedParams(t *testing.T) {
	pb, err := ParsePlaybook(testChecks, "typed.yaml", []byte("name: typed\nchecks:\n  - {name: a, type: testonly-typed, params: {count: 3}}\n"), "typed")
	if err != nil {
		t.Fatal(err)
	}
	s := pb.Checks[0]
	p1, err := ParamsOf[testTypedParams](&s)
	if err != nil || p1.Count != 3 {
		t.Fatalf("loaded: %+v, %v", p1, err)
	}
	if p2, _ := ParamsOf[testTypedParams](&s); p2 != p1 {
		t.Fatal("decoded again although Params did not change")
	}
	s.Params = map[string]any{"count": 7}
	if p, err := ParamsOf[testTypedParams](&s); err != nil || p.Count != 7 {
		t.Fatalf("replaced: %+v, %v", p, err)
	}
}

type optionalParams struct {
	Value *string `param:"value"`
	Port  *int    `param:"port"`
}

// A pointer field is nil unless the parameter is given: json_value "" (an
// empty value expected) is not the same as no json_value, port 0 (refused)
// not the same as no port.
func TestParamsOptionalFields(t *testing.T) {
	p, err := DecodeParams[optionalParams](&Spec{Name: "x", Params: map[string]any{"value": "", "port": 0}})
	if err != nil || p.Value == nil || *p.Value != "" || p.Port == nil || *p.Port != 0 {
		t.Fatalf("given: %+v, %v", p, err)
	}
	p, err = DecodeParams[optionalParams](&Spec{Name: "x", Params: map[string]any{"value": nil}})
	if err != nil || p.Value != nil || p.Port != nil {
		t.Fatalf("absent: %+v, %v", p, err)
	}
	_, err = DecodeParams[optionalParams](&Spec{Name: "x", Params: map[string]any{"port": "ssh"}})
	if err == nil || err.Error() != `check x: parameter port: want a whole number, got "ssh"` {
		t.Fatalf("wrong type: %v", err)
	}
	if got := structParams(reflect.ValueOf(&optionalParams{})); len(got) != 2 || got[0].Type != "integer" || got[1].Type != "string" {
		t.Errorf("doc: %+v", got)
	}
}

type requiredParams struct {
	Path string `param:"path"`
	Max  int    `param:"max"`
}

func (p *requiredParams) Defaults() { p.Max = 3 }

func (p *requiredParams) CheckParams(spec *Spec) error {
	if p.Path == "" {
		return BadParam(spec, "path", "missing")
	}
	return nil
}

type requiredCheck struct{ testProbe }

func (requiredCheck) DecodeParams(s *Spec) (any, error) { return DecodeParams[requiredParams](s) }

// A check whose parameters are required is still documented with types
// and defaults, although it refuses to run without them.
func TestParamsDocRequired(t *testing.T) {
	got := Params(requiredCheck{}, "required")
	want := []ParamDoc{{Name: "max", Type: "integer", Default: "3"}, {Name: "path", Type: "string"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
	if _, err := ParamsOf[requiredParams](&Spec{Name: "r"}); err == nil {
		t.Error("missing path accepted")
	}
}
