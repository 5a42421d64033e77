// Package win holds the check types of Windows hosts (os.family: windows),
// reached over OpenSSH: each collects with a PowerShell snippet
// (inspect.PowerShellScripter) that the runner batches into one
// PowerShell script per host, like the POSIX sh collectors of Linux hosts.
//
// Collectors print one line of JSON (ConvertTo-Json -Compress) made of
// numbers, booleans, non-localised names and ISO-8601 UTC times: never the
// localised text of a Chinese Windows (status words, counter names, dates
// in the user's format). Parsers skip a byte-order mark and CRLF line ends,
// take the first line that is JSON, and keep anything else (an error
// PowerShell wrote) as evidence.
package win

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// winChecker is what every Windows check type implements.
type winChecker interface {
	inspect.PowerShellScripter
	Evaluate(ctx context.Context, env *inspect.Env) []result.Result
	inspect.Validator
	inspect.ParamsDecoder
}

// winGuard wraps a Windows check type: Script refuses a host that is not
// Windows (the plan reports it as UNKNOWN with the reason), a parser panic
// becomes an UNKNOWN result, and a verdict made from output cut short says
// so.
type winGuard struct {
	typ string
	c   winChecker
}

// Script is the POSIX sh collector: there is none, these checks collect
// with PowerShell on Windows hosts only.
func (g winGuard) Script(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	name := ""
	if a != nil {
		name = a.Name
	}
	return "", fmt.Errorf("check %s: check type %s runs on Windows hosts only (os.family: windows), and %s is not one", spec.Name, g.typ, name)
}

// PowerShellScript returns the wrapped check's PowerShell collector, with
// a first line naming the check type (it shows in the host's PowerShell
// logs and lets a reader of the batch find the snippet).
func (g winGuard) PowerShellScript(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	s, err := g.c.PowerShellScript(spec, a)
	if err != nil || s == "" {
		return s, err
	}
	return "#hcops:" + g.typ + "\n" + s, nil
}

// Validate checks the wrapped check's parameters.
func (g winGuard) Validate(spec *inspect.Spec) error { return g.c.Validate(spec) }

// DecodeParams decodes the wrapped check's typed parameters.
func (g winGuard) DecodeParams(spec *inspect.Spec) (any, error) { return g.c.DecodeParams(spec) }

// Evaluate runs the wrapped check's Evaluate (see winGuard).
func (g winGuard) Evaluate(ctx context.Context, env *inspect.Env) (rs []result.Result) {
	defer func() {
		if p := recover(); p != nil {
			rs = []result.Result{winUnknown(g.typ, env, "internal-error", "win.internal_error", fmt.Sprint(p))}
		}
	}()
	if env.Section == nil || (env.Section.Missing && strings.TrimSpace(env.Section.Stdout) == "") {
		return []result.Result{winUnknown(g.typ, env, "no-output", "win.no_output")}
	}
	rs = g.c.Evaluate(ctx, env)
	if env.Section.Truncated || env.Section.Missing {
		for i := range rs {
			if rs[i].Status != result.Unknown {
				inspect.AddMsg(&rs[i], env, "win.partial")
			}
		}
	}
	return rs
}

// winUnknown is an UNKNOWN result with a reason and a catalogue message.
func winUnknown(typ string, env *inspect.Env, reason, key string, args ...any) result.Result {
	r := result.Result{Type: typ, Status: result.Unknown, Reason: reason}
	inspect.SetMsg(&r, env, key, args...)
	return r
}

// winParamError is the UNKNOWN result of parameters that cannot be used.
func winParamError(typ string, err error) result.Result {
	r := result.Result{Type: typ, Status: result.Unknown, Reason: "bad-parameter"}
	r.SetText(err.Error())
	return r
}

// errNoJSON: the collector printed no JSON line (PowerShell wrote an error
// instead, or nothing).
var errNoJSON = errors.New("no JSON in the collector's output")

// winJSON decodes the first line of out that is JSON into v, and returns
// the other lines (errors PowerShell wrote) for evidence. A byte-order mark
// and CR line ends are ignored.
func winJSON(out string, v any) (rest string, err error) {
	out = strings.ReplaceAll(out, "\ufeff", "")
	var other []string
	found := false
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(strings.TrimRight(line, "\r"))
		if line == "" {
			continue
		}
		if !found && (strings.HasPrefix(line, "{") || strings.HasPrefix(line, "[")) {
			if err := json.Unmarshal([]byte(line), v); err != nil {
				return out, fmt.Errorf("unreadable JSON: %w", err)
			}
			found = true
			continue
		}
		other = append(other, line)
	}
	if !found {
		return strings.Join(other, "\n"), errNoJSON
	}
	return strings.Join(other, "\n"), nil
}

// winUnparsable is the UNKNOWN result of output that could not be read,
// with what the collector printed as evidence.
func winUnparsable(typ string, env *inspect.Env, what string, err error) result.Result {
	detail := err.Error()
	if errors.Is(err, errNoJSON) {
		if l := inspect.FirstLine(strings.ReplaceAll(env.Section.Stdout, "\ufeff", ""), 200); l != "" {
			detail = l
		}
	}
	r := winUnknown(typ, env, "unparsable", "win.unparsable", what, detail)
	inspect.SetEvidence(&r, env.Section.Stdout, env.Section.Truncated)
	return r
}

// winList decodes a JSON value that PowerShell prints as an object when
// there is one element and as an array otherwise (or null for none).
type winList[T any] []T

func (l *winList[T]) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null" || s == "":
		*l = nil
		return nil
	case strings.HasPrefix(s, "["):
		var v []T
		err := json.Unmarshal(b, &v)
		*l = v
		return err
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = []T{one}
	return nil
}

// winNum is a number PowerShell may print as a number, a numeric string
// or null (absent: Valid false).
type winNum struct {
	V     float64
	Valid bool
}

func (n *winNum) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "null" || s == "" {
		*n = winNum{}
		return nil
	}
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("not a number: %s", inspect.Clip(s, 40))
	}
	*n = winNum{V: f, Valid: true}
	return nil
}

// winMatch reports whether name matches one of the patterns (path.Match
// globs, case-insensitive as Windows names are).
func winMatch(patterns []string, name string) bool {
	n := strings.ToLower(name)
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), n); ok {
			return true
		}
	}
	return false
}

// winCheckPatterns rejects a bad glob pattern at load time.
func winCheckPatterns(spec *inspect.Spec, param string, patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			return inspect.BadParamMsg(spec, param, "win.param.bad_pattern", p, err)
		}
	}
	return nil
}

// winList joins up to max items, adding "… (+N)" when there are more.
func winJoin(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(", … (+%d)", len(items)-max)
}

// winPSList renders strings as a PowerShell array of single-quoted
// strings: @('a','b').
func winPSList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = inspect.PSQuote(s)
	}
	return "@(" + strings.Join(q, ",") + ")"
}

// winT returns a catalogue message in env's language.
func winT(env *inspect.Env, key string, args ...any) string {
	lang := ""
	if env != nil {
		lang = env.Lang
	}
	return i18n.T(lang, key, args...)
}
