package os

import (
	"context"
	"fmt"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// Helpers shared by the OS check types (cpu, memory, disk, ...): section
// splitting, the common "could not collect" verdicts, message language and
// byte formatting. Collector snippets mark the parts of their output with
// lines that start with "@@" ("@@NOTOOL chronyc", "@@MOUNTS"); everything
// else is tool output.

// osBlock is one marked part of a collector's output: the marker name, the
// rest of the marker line, and the lines up to the next marker.
type osBlock struct {
	Name string
	Arg  string
	Body string
}

// osSplit cuts output into blocks at lines starting with "@@". Text before
// the first marker is returned as a block with an empty Name.
func osSplit(out string) []osBlock {
	var blocks []osBlock
	cur := osBlock{}
	var body strings.Builder
	started := false
	flush := func() {
		cur.Body = body.String()
		if started || strings.TrimSpace(cur.Body) != "" {
			blocks = append(blocks, cur)
		}
		body.Reset()
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			flush()
			started = true
			name, arg, _ := strings.Cut(strings.TrimRight(line[2:], "\r"), " ")
			cur = osBlock{Name: name, Arg: strings.TrimSpace(arg)}
			continue
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	flush()
	return blocks
}

// osCut splits out at the first line that is exactly "@@"+marker: the text
// before it and everything after it. Collectors print output that others
// can influence (df lists FUSE sources an unprivileged user names, ps
// shows command lines, lastb shows the user names attackers tried) last,
// after such a marker, so a line in it that looks like a marker cannot
// start a block of its own.
func osCut(out, marker string) (head, tail string, ok bool) {
	m := "@@" + marker
	if strings.HasPrefix(out, m+"\n") {
		return "", out[len(m)+1:], true
	}
	if i := strings.Index(out, "\n"+m+"\n"); i >= 0 {
		return out[:i+1], out[i+len(m)+2:], true
	}
	if strings.HasSuffix(out, "\n"+m) || out == m {
		return strings.TrimSuffix(out, m), "", true
	}
	return out, "", false
}

// osFind returns the first block with the name, and whether there was one.
func osFind(blocks []osBlock, name string) (osBlock, bool) {
	for _, b := range blocks {
		if b.Name == name {
			return b, true
		}
	}
	return osBlock{}, false
}

// osT returns a message from the catalogue in the language of env.
func osT(env *inspect.Env, key string, args ...any) string {
	lang := ""
	if env != nil {
		lang = env.Lang
	}
	return i18n.T(lang, key, args...)
}

// osBase is the result skeleton of a check: its type; the engine fills in
// asset, check name, playbook and timing.
func osBase(typ string) result.Result { return result.Result{Type: typ} }

// osUnknown returns an UNKNOWN result with a reason code and message.
func osUnknown(base result.Result, reason, msg string) result.Result {
	r := base
	r.Status = result.Unknown
	r.Reason = reason
	r.SetText(msg)
	return r
}

// osUnknownMsg is osUnknown with the catalogue message key and args.
func osUnknownMsg(base result.Result, env *inspect.Env, reason, key string, args ...any) result.Result {
	r := osUnknown(base, reason, "")
	inspect.SetMsg(&r, env, key, args...)
	return r
}

// osSectionProblem returns an UNKNOWN result when there is no usable
// section (the collector did not run to completion, or the output bound was
// hit before anything of this check arrived).
func osSectionProblem(env *inspect.Env, base result.Result) (result.Result, bool) {
	switch {
	case env.Section == nil:
		return osUnknownMsg(base, env, "no-output", "os.no_output"), true
	case env.Section.Missing && strings.TrimSpace(env.Section.Stdout) == "":
		return osUnknownMsg(base, env, "no-output", "os.no_output"), true
	case env.Section.Truncated && strings.TrimSpace(env.Section.Stdout) == "":
		return osUnknownMsg(base, env, "truncated", "os.truncated"), true
	}
	return base, false
}

// osParamError turns a bad playbook parameter into an UNKNOWN result: the
// check cannot decide with a parameter it does not understand.
func osParamError(base result.Result, err error) result.Result {
	return osUnknown(base, "bad-parameter", err.Error())
}

// osEvidence returns at most maxLines lines of s (the last ones when tail),
// trimmed, and whether it cut anything.
func osEvidence(s string, maxLines int, tail bool) (string, bool) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "", false
	}
	lines := strings.Split(s, "\n")
	if len(lines) <= maxLines {
		return s, false
	}
	if tail {
		return strings.Join(lines[len(lines)-maxLines:], "\n"), true
	}
	return strings.Join(lines[:maxLines], "\n"), true
}

// osSetEvidence attaches bounded evidence to r.
func osSetEvidence(r *result.Result, s string, maxLines int, tail bool) {
	r.Evidence, r.EvidenceTruncated = osEvidence(s, maxLines, tail)
}

// osList joins up to max items, adding "… (+N)" when there are more.
func osList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(", … (+%d)", len(items)-max)
}

// osLines returns the non-empty lines of s with trailing CR removed.
func osLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// osValidate checks the parameters of spec as T: at once for a spec whose
// playbook was loaded (decoded then), by decoding them for one built by
// hand.
func osValidate[T any](spec *inspect.Spec) error {
	_, err := inspect.ParamsOf[T](spec)
	return err
}

// osNoParams are the parameters of a check that takes none: any key is
// unknown.
type osNoParams struct{}

// osChecker is what every OS check type implements.
type osChecker interface {
	inspect.Check
	inspect.Validator
}

// osGuard wraps an OS check type at registration. It adds what every one
// of them needs and none should repeat: a note on results made from output
// that was cut short (the host's output bound or deadline hit inside the
// section, so mounts or lines may be missing), and a recovered panic turned
// into an UNKNOWN result, so a parser bug on one host's odd output never
// takes the inspection run down.
type osGuard struct{ c osChecker }

// Script returns the wrapped check's collector.
func (g osGuard) Script(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	return g.c.Script(spec, a)
}

// Validate checks the wrapped check's parameters.
func (g osGuard) Validate(spec *inspect.Spec) error { return g.c.Validate(spec) }

// DecodeParams decodes the wrapped check's typed parameters, when it
// declares them (inspect.ParamsDecoder); nil otherwise.
func (g osGuard) DecodeParams(spec *inspect.Spec) (any, error) {
	if d, ok := g.c.(inspect.ParamsDecoder); ok {
		return d.DecodeParams(spec)
	}
	return nil, nil
}

// Evaluate runs the wrapped check's Evaluate.
func (g osGuard) Evaluate(ctx context.Context, env *inspect.Env) (rs []result.Result) {
	defer func() {
		if p := recover(); p != nil {
			typ := ""
			if env != nil && env.Spec != nil {
				typ = env.Spec.Type
			}
			r := osUnknownMsg(osBase(typ), env, "internal-error", "os.internal_error", p)
			rs = []result.Result{r}
		}
	}()
	rs = g.c.Evaluate(ctx, env)
	if env != nil && env.Section != nil && (env.Section.Truncated || env.Section.Missing) {
		for i := range rs {
			if rs[i].Status != result.Unknown {
				inspect.AddMsg(&rs[i], env, "os.partial")
			}
		}
	}
	return rs
}
