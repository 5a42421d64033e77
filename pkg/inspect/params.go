package inspect

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// Reading a check's playbook parameters (Spec.Params), for the decoder of
// typed parameters (decode.go): check types declare a parameter struct and
// never read raw values at run time, so these readers are not exported.
//
// Parameters arrive from YAML (int, float64, bool, string, []any,
// map[string]any) or JSON (float64 for every number), and people write them
// loosely: "30s" or 30 for a timeout, "yes" for true, a single string where a
// list is expected. These helpers accept the reasonable spellings and reject
// the rest with an error that names the check and the parameter, so a typo in
// a playbook is reported as "check web-health: parameter timeout: ..." and
// never silently replaced by a default.
//
// A parameter that is absent, or explicitly null, yields the default.

// paramError is a bad parameter value: the check, the parameter and what was
// wrong with it.
type paramError struct {
	check, param, msg string
	known             []string // set by paramKnown: the parameters the check takes
	// sub is msg's meaning in the catalogue, for the errors the decoder
	// itself raises (wrong type, unknown key); nil for a check type's own
	// free-form message.
	sub *i18n.Sub
}

func (e *paramError) Error() string { return e.Text(i18n.EN) }

// Text is the error in lang: the decoder's own messages are translated; a
// check type's free-form detail is shown as written.
func (e *paramError) Text(lang string) string {
	msg := e.msg
	if e.sub != nil {
		msg = i18n.Render(lang, e.sub.Key, e.sub.Args)
	}
	return i18n.T(lang, "inspect.param.error", e.check, e.param, msg)
}

// I18n is the error as a catalogue message (i18n.Coded), so a result or a
// message that quotes it reads in its own language; a free-form detail
// (BadParam) stays as written.
func (e *paramError) I18n() i18n.Sub {
	var msg any = e.msg
	if e.sub != nil {
		msg = *e.sub
	}
	return i18n.S("inspect.param.error", e.check, e.param, msg)
}

// BadParamMsg is BadParam with a catalogue message (key and its args), so
// the error reads in the language of whoever shows it; prefer it to
// BadParam for every new message.
func BadParamMsg(spec *Spec, name, key string, args ...any) error {
	return badParamMsg(spec, name, key, args...)
}

func badParamMsg(spec *Spec, name, key string, args ...any) *paramError {
	sub := i18n.S(key, args...)
	return &paramError{check: specLabel(spec), param: name, msg: i18n.Render(i18n.EN, sub.Key, sub.Args), sub: &sub}
}

// describe is Describe as a message argument: "a list" and "a mapping" are
// translated.
func describe(v any) any {
	switch v.(type) {
	case []any:
		return i18n.S("inspect.param.a_list")
	case map[string]any:
		return i18n.S("inspect.param.a_mapping")
	}
	return Describe(v)
}

// DescribeParam is Describe as an argument of a BadParamMsg message: "a
// list" and "a mapping" read in the message's language.
func DescribeParam(v any) any { return describe(v) }

func specLabel(spec *Spec) string {
	if spec == nil {
		return "?"
	}
	if spec.Name != "" {
		return spec.Name
	}
	if spec.Type != "" {
		return spec.Type
	}
	return "?"
}

// BadParam is a parameter error with a free-form English detail; it reads
// in English also under --lang zh, so use it only to quote an error of the
// system or a library as it is, and BadParamMsg for every message of ours.
func BadParam(spec *Spec, name, format string, args ...any) error {
	return &paramError{check: specLabel(spec), param: name, msg: fmt.Sprintf(format, args...)}
}

// paramRaw returns the raw value and whether it was given (non-null).
func paramRaw(spec *Spec, name string) (any, bool) {
	if spec == nil || spec.Params == nil {
		return nil, false
	}
	v, ok := spec.Params[name]
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

// paramHas reports whether the parameter is given (and not null).
func paramHas(spec *Spec, name string) bool {
	_, ok := paramRaw(spec, name)
	return ok
}

// paramString reads a string parameter. Numbers and booleans are accepted and
// written in their usual form (a port written as 443 reads "443"); lists and
// maps are errors.
func paramString(spec *Spec, name, def string) (string, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return def, badParamMsg(spec, name, "inspect.param.want_string", describe(v))
}

// paramInt reads an integer parameter, from a number or a numeric string.
func paramInt(spec *Spec, name string, def int) (int, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return def, nil
	}
	n, ok := ToInt(v)
	if !ok {
		return def, badParamMsg(spec, name, "inspect.param.want_int", describe(v))
	}
	return n, nil
}

// paramFloat reads a number parameter, from a number or a numeric string.
func paramFloat(spec *Spec, name string, def float64) (float64, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, nil
		}
	}
	return def, badParamMsg(spec, name, "inspect.param.want_number", describe(v))
}

// paramBool reads a boolean parameter: true/false, yes/no, on/off, 1/0.
func paramBool(spec *Spec, name string, def bool) (bool, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case int:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0":
			return false, nil
		}
	}
	return def, badParamMsg(spec, name, "inspect.param.want_bool", describe(v))
}

// paramDuration reads a duration: a Go duration string ("30s", "1h30m"), a
// number of days ("7d"), or a bare number of seconds (30). Negative
// durations are errors.
func paramDuration(spec *Spec, name string, def time.Duration) (time.Duration, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return def, nil
	}
	var d time.Duration
	switch x := v.(type) {
	case int:
		d = time.Duration(x) * time.Second
	case int64:
		d = time.Duration(x) * time.Second
	case float64:
		d = time.Duration(x * float64(time.Second))
	case string:
		var err error
		d, err = parseDuration(x)
		if err != nil {
			return def, badParamMsg(spec, name, "inspect.param.want_duration", strconv.Quote(x))
		}
	default:
		return def, badParamMsg(spec, name, "inspect.param.want_duration", describe(v))
	}
	if d < 0 {
		return def, badParamMsg(spec, name, "inspect.param.negative_duration", d.String())
	}
	return d, nil
}

// parseDuration is time.ParseDuration plus a "d" (24 h) unit and bare
// numbers as seconds.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	if strings.HasSuffix(s, "d") {
		f, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(f * 24 * float64(time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// paramStrings reads a list of strings. A single string or number is a
// one-element list; numbers inside the list are written as strings (args: [-w, 80]).
func paramStrings(spec *Spec, name string) ([]string, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case int, int64, uint64, float64, bool:
		s, err := paramString(spec, name, "")
		return []string{s}, err
	case []string:
		return append([]string(nil), x...), nil
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			switch y := e.(type) {
			case string:
				out = append(out, y)
			case int:
				out = append(out, strconv.Itoa(y))
			case int64:
				out = append(out, strconv.FormatInt(y, 10))
			case float64:
				out = append(out, strconv.FormatFloat(y, 'f', -1, 64))
			case bool:
				out = append(out, strconv.FormatBool(y))
			default:
				return nil, badParamMsg(spec, name, "inspect.param.item_want_string", i+1, describe(e))
			}
		}
		return out, nil
	}
	return nil, badParamMsg(spec, name, "inspect.param.want_strings", describe(v))
}

// paramInts reads a list of integers; a single number or a comma-separated
// string ("0,1") is accepted too.
func paramInts(spec *Spec, name string, def []int) ([]int, error) {
	v, ok := paramRaw(spec, name)
	if !ok {
		return def, nil
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		for _, p := range strings.Split(x, ",") {
			items = append(items, strings.TrimSpace(p))
		}
	default:
		items = []any{x}
	}
	out := make([]int, 0, len(items))
	for _, e := range items {
		n, ok := ToInt(e)
		if !ok {
			return def, badParamMsg(spec, name, "inspect.param.want_ints", describe(e))
		}
		out = append(out, n)
	}
	return out, nil
}

// paramRegexp compiles a regular expression parameter (Go RE2 syntax);
// nil when absent.
func paramRegexp(spec *Spec, name string) (*regexp.Regexp, error) {
	s, err := paramString(spec, name, "")
	if err != nil || s == "" {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, badParamMsg(spec, name, "inspect.param.bad_regexp", err.Error())
	}
	return re, nil
}

// paramKnown rejects parameters the check does not know, naming the closest
// known one: a misspelt "timout" must not silently fall back to a default.
func paramKnown(spec *Spec, known ...string) error {
	if spec == nil {
		return nil
	}
	set := make(map[string]bool, len(known))
	for _, k := range known {
		set[k] = true
	}
	var unknown []string
	for k := range spec.Params {
		if !set[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	k := unknown[0]
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	if len(sorted) == 0 {
		return badParamMsg(spec, k, "inspect.param.takes_none")
	}
	var err *paramError
	if near := nearest(k, known); near != "" {
		err = badParamMsg(spec, k, "inspect.param.unknown_near", near, strings.Join(sorted, ", "))
	} else {
		err = badParamMsg(spec, k, "inspect.param.unknown", strings.Join(sorted, ", "))
	}
	err.known = sorted
	return err
}

func ToInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case uint64:
		return int(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err == nil {
			return n, true
		}
	}
	return 0, false
}

func Describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprintf("%v", v)
}

// nearest returns the known name within edit distance 2 of s, or "".
// Nearest returns the name in known closest to s (fewer than three edits
// away), or "": the "did you mean" of a misspelt parameter or check type.
func Nearest(s string, known []string) string { return nearest(s, known) }

func nearest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := inventory.EditDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// Small helpers the check types of this package share for building results.

// EvidenceMax bounds the evidence a check keeps from a target's output.
const EvidenceMax = 64 << 10

// probeT returns the message key in the language of env (English when
// unset), through the i18n catalogue.
func probeT(env *Env, key string, args ...any) string {
	lang := i18n.EN
	if env != nil && env.Lang != "" {
		lang = env.Lang
	}
	return i18n.T(lang, key, args...)
}

// NewResult starts a result for env's asset and check.
func NewResult(env *Env, typ, item string) result.Result {
	r := result.Result{Type: typ, Item: item, StartedAt: env.Now}
	if env.Asset != nil {
		r.Asset = env.Asset.Name
		r.System = env.Asset.System
		r.Zone = env.Asset.Zone
	}
	if env.Spec != nil {
		r.Check = env.Spec.Name
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = time.Now()
	}
	return r
}

// BadParamsResult is the UNKNOWN result for a check whose parameters cannot
// be used: the verdict cannot be decided, and the message says why.
func BadParamsResult(env *Env, typ string, err error) []result.Result {
	r := NewResult(env, typ, "")
	r.Status = result.Unknown
	r.Reason = "bad-params"
	var c i18n.Coded
	if errors.As(err, &c) {
		SetMsg(&r, env, "inspect.param.detail", err) // in the run's language
	} else {
		r.SetText(err.Error())
	}
	SetAdvice(&r, env, "probe.advice.fix_playbook")
	return []result.Result{r}
}

// SectionUnusable returns an UNKNOWN result when a shell check has no usable
// output: the section is absent (the batch script died or was cut before
// it). ok is false when the section can be parsed.
func SectionUnusable(env *Env, r result.Result) (result.Result, bool) {
	if env.Section != nil && !env.Section.Missing {
		return r, false
	}
	r.Status = result.Unknown
	r.Reason = "no-output"
	SetMsg(&r, env, "probe.no_output")
	return r, true
}

// SetEvidence stores s as the result's evidence, cut at EvidenceMax on a
// UTF-8 boundary; truncated marks output already cut upstream.
func SetEvidence(r *result.Result, s string, truncated bool) {
	if len(s) > EvidenceMax {
		cut := EvidenceMax
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		truncated = true
	}
	r.Evidence = s
	r.EvidenceTruncated = r.EvidenceTruncated || truncated
}

// FirstLine returns the first non-blank line of s, trimmed and cut to n
// runes, for one-line messages.
func FirstLine(s string, n int) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return Clip(line, n)
		}
	}
	return ""
}

// Clip cuts s to n runes, marking the cut with an ellipsis.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n]) + "…"
}

// WindowStart returns the start of a "since the last run" window: the window
// parameter when given, else env.Since, else 24 h before now.
func WindowStart(env *Env, window time.Duration) time.Time {
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	if window > 0 {
		return now.Add(-window)
	}
	if !env.Since.IsZero() && env.Since.Before(now) {
		return env.Since
	}
	return now.Add(-24 * time.Hour)
}

// ArgPath makes a path safe as a command argument: a relative path that
// starts with "-" would be read as an option, so it gets a "./" in front
// (the same file). Quote the result with ShellQuote as usual.
func ArgPath(p string) string {
	if strings.HasPrefix(p, "-") {
		return "./" + p
	}
	return p
}
