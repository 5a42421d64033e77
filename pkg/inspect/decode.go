package inspect

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"time"
)

// Typed parameters. A check type declares its parameters as a struct whose
// fields carry `param:"name"` tags, and implements ParamsDecoder with
// DecodeParams[T]. The playbook loader decodes them once, when the playbook
// is read (unknown keys are rejected there with the file, the line and the
// nearest known key), and again only for an asset whose inventory override
// changes them; Script and Evaluate get the decoded struct with
// ParamsOf[T]. Supported field types: string, int, float64, bool,
// time.Duration, []string, []int and *regexp.Regexp, read with the same
// loose spellings as paramString and friends; a pointer to one of them
// (*string, *int ...) is nil unless the parameter is given; and any type
// that reads itself (ParamUnmarshaler).
//
// A field's default is the value the struct has before decoding: a
// parameter struct may implement Defaulter to set them. It may implement
// ParamsChecker to validate the decoded values together.

// ParamsDecoder is implemented by check types with typed parameters.
type ParamsDecoder interface {
	// DecodeParams decodes spec.Params; the result is what ParamsOf returns.
	DecodeParams(spec *Spec) (any, error)
}

// Defaulter sets a parameter struct's defaults before decoding.
type Defaulter interface{ Defaults() }

// ParamsChecker validates decoded parameters together (one excludes
// another, a minimum below a maximum).
type ParamsChecker interface{ CheckParams(spec *Spec) error }

// ParamUnmarshaler is a parameter field type that reads its own value from
// the playbook, for shapes the decoder does not know (a mapping of mount
// pattern to thresholds). A pointer to the field's type implements it;
// UnmarshalParam is called only when the parameter is given (and not
// null), with the value as YAML or JSON decoded it, and rejects a value of
// the wrong shape with BadParam. ParamType, when the type has it, names the
// type in `hcops inspect checks TYPE`.
type ParamUnmarshaler interface {
	UnmarshalParam(spec *Spec, name string, raw any) error
}

// DecodeParams decodes spec.Params into a new T by the fields' `param`
// tags, rejecting keys T does not declare. On an error the parameters
// cannot be used (when CheckParams refused them, the decoded values come
// with the error, for documentation only).
func DecodeParams[T any](spec *Spec) (*T, error) {
	p := new(T)
	if d, ok := any(p).(Defaulter); ok {
		d.Defaults()
	}
	v := reflect.ValueOf(p).Elem()
	t := v.Type()
	var known []string
	for i := 0; i < t.NumField(); i++ {
		if name := t.Field(i).Tag.Get("param"); name != "" {
			known = append(known, name)
		}
	}
	if err := paramKnown(spec, known...); err != nil {
		return nil, err
	}
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("param")
		if name == "" {
			continue
		}
		if err := decodeField(spec, name, v.Field(i)); err != nil {
			return nil, err
		}
	}
	if c, ok := any(p).(ParamsChecker); ok {
		if err := c.CheckParams(spec); err != nil {
			// The values as decoded go with the error, for Params to
			// document a check whose parameters are required.
			return p, err
		}
	}
	return p, nil
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	regexpType   = reflect.TypeFor[*regexp.Regexp]()
)

func decodeField(spec *Spec, name string, f reflect.Value) error {
	if u, ok := f.Addr().Interface().(ParamUnmarshaler); ok {
		raw, has := paramRaw(spec, name)
		if !has {
			return nil
		}
		return u.UnmarshalParam(spec, name, raw)
	}
	switch {
	case f.Type() == durationType:
		d, err := paramDuration(spec, name, time.Duration(f.Int()))
		f.SetInt(int64(d))
		return err
	case f.Type() == regexpType:
		re, err := paramRegexp(spec, name)
		if re != nil {
			f.Set(reflect.ValueOf(re))
		}
		return err
	}
	switch f.Kind() {
	case reflect.String:
		s, err := paramString(spec, name, f.String())
		f.SetString(s)
		return err
	case reflect.Int:
		n, err := paramInt(spec, name, int(f.Int()))
		f.SetInt(int64(n))
		return err
	case reflect.Float64:
		x, err := paramFloat(spec, name, f.Float())
		f.SetFloat(x)
		return err
	case reflect.Bool:
		b, err := paramBool(spec, name, f.Bool())
		f.SetBool(b)
		return err
	case reflect.Pointer:
		// Optional: nil unless given, so "" or 0 given is told apart
		// from nothing given.
		if !paramHas(spec, name) {
			return nil
		}
		e := reflect.New(f.Type().Elem())
		if err := decodeField(spec, name, e.Elem()); err != nil {
			return err
		}
		f.Set(e)
		return nil
	case reflect.Slice:
		switch f.Type().Elem().Kind() {
		case reflect.String:
			if !paramHas(spec, name) {
				return nil
			}
			ss, err := paramStrings(spec, name)
			f.Set(reflect.ValueOf(ss))
			return err
		case reflect.Int:
			def, _ := f.Interface().([]int)
			ns, err := paramInts(spec, name, def)
			f.Set(reflect.ValueOf(ns))
			return err
		}
	}
	panic(fmt.Sprintf("inspect: parameter %s: unsupported field type %s", name, f.Type()))
}

// ParamsOf returns the parameters of spec decoded into T: those decoded
// when the playbook was loaded or the plan built, else decoded now (a Spec
// built by hand, in tests, or one whose Params were replaced by another
// map after loading).
func ParamsOf[T any](spec *Spec) (*T, error) {
	if d, ok := spec.params.(decodedParams); ok && d.from == paramsID(spec.Params) {
		if p, ok := d.p.(*T); ok {
			return p, nil
		}
	}
	return DecodeParams[T](spec)
}

// decodedParams are a Spec's parameters as its check type decoded them,
// and the Params map they were decoded from.
type decodedParams struct {
	p    any
	from uintptr
}

// setDecoded keeps p as the decoded parameters of spec's current Params.
func setDecoded(spec *Spec, p any) { spec.params = decodedParams{p: p, from: paramsID(spec.Params)} }

// paramsID identifies a Params map (0 for none).
func paramsID(m map[string]any) uintptr {
	if m == nil {
		return 0
	}
	return reflect.ValueOf(m).Pointer()
}

// ParamDoc describes one parameter of a check type, for
// `hcops inspect checks TYPE`.
type ParamDoc struct {
	Name    string `json:"name" yaml:"name"`
	Type    string `json:"type,omitempty" yaml:"type,omitempty"`       // string, integer, duration ... ("" when the check does not declare it)
	Default string `json:"default,omitempty" yaml:"default,omitempty"` // "" when none
}

// Params lists the parameters check type c (called typ) takes: from its
// parameter struct, with types and defaults, when it has typed parameters;
// else the names it accepts, learnt by offering it one it cannot know.
func Params(c Check, typ string) []ParamDoc {
	if d, ok := c.(ParamsDecoder); ok {
		// A check whose parameters are required refuses none given, but
		// its struct still documents them.
		p, _ := d.DecodeParams(&Spec{Name: typ, Type: typ})
		if v := reflect.ValueOf(p); p != nil && !(v.Kind() == reflect.Pointer && v.IsNil()) {
			if docs := structParams(v); docs != nil {
				return docs
			}
		}
	}
	probe := &Spec{Name: typ, Type: typ, Params: map[string]any{"\x00": true}}
	var pe *paramError
	if err := validateSpec(c, probe); errors.As(err, &pe) && pe.known != nil {
		out := make([]ParamDoc, 0, len(pe.known))
		for _, k := range pe.known {
			out = append(out, ParamDoc{Name: k})
		}
		return out
	}
	return nil
}

func structParams(v reflect.Value) []ParamDoc {
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out []ParamDoc
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("param")
		if name == "" {
			continue
		}
		f := v.Field(i)
		d := ParamDoc{Name: name, Type: paramTypeName(f.Type())}
		if !f.IsZero() {
			switch {
			case f.Type() == durationType:
				d.Default = time.Duration(f.Int()).String()
			case f.Type() == regexpType:
				d.Default = f.Interface().(*regexp.Regexp).String()
			default:
				d.Default = fmt.Sprint(reflect.Indirect(f).Interface())
			}
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func paramTypeName(t reflect.Type) string {
	if n, ok := reflect.New(t).Interface().(interface{ ParamType() string }); ok {
		return n.ParamType()
	}
	switch {
	case t == durationType:
		return "duration"
	case t == regexpType:
		return "regular expression"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "list of " + paramTypeName(t.Elem()) + "s"
	case reflect.Pointer:
		return paramTypeName(t.Elem())
	}
	return t.String()
}
