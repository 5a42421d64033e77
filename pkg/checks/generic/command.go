package generic

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// commandCheck runs a shell script on the target (type "command") and judges
// it by exit code, by regular expressions on its output, or by a number taken
// from its output. The whole output (stdout and stderr, merged) is kept as
// evidence, so a site's own inspection script is recorded verbatim.
//
// Parameters:
//
//	script       the POSIX sh script to run (alias: command). It runs as
//	             `sh -c SCRIPT` with stdin from /dev/null and stderr merged
//	             into stdout, so a syntax error in it cannot break the other
//	             checks batched on the same host. At most 120 KiB.
//	script_file  instead of script: a file on the machine hcops runs on
//	             whose text is the script (e.g. a site's existing
//	             inspection script), read when the inspection is planned
//	ok_codes     exit codes that are OK (default [0])
//	warn_codes   exit codes that are WARN (default none); any other is CRIT
//	regex        the output must match this regular expression (Go RE2), else CRIT
//	not_regex    the output must not match it, else CRIT (the matching line is shown)
//	value_regex  where the number is: the named group "value", else the first
//	             group, else the whole match. Without it, when warn or crit
//	             is set, the first number in the output is used.
//	unit         unit of that number, for messages and trends (e.g. "ms", "%")
//	item         label of the result (default: the check name)
//
// warn/crit (Nagios ranges) apply to the number. Output with no number when
// thresholds are set is UNKNOWN.
type commandCheck struct{}

// commandMaxScript bounds the script: it travels as one argument of sh -c,
// and Linux limits a single argument to 128 KiB.
const commandMaxScript = 120 << 10

type commandConf struct {
	script            string
	okCodes, warnCode []int
	re, notRe, valRe  *regexp.Regexp
	unit, item        string
}

// commandParams are the parameters of command, decoded once when the
// playbook is loaded (script_file is read then).
type commandParams struct {
	Script     string         `param:"script"`
	Command    string         `param:"command"` // alias of script
	ScriptFile string         `param:"script_file"`
	OKCodes    []int          `param:"ok_codes"` // a list, a number or "0,1"
	WarnCodes  []int          `param:"warn_codes"`
	Regex      *regexp.Regexp `param:"regex"`
	NotRegex   *regexp.Regexp `param:"not_regex"`
	ValueRegex *regexp.Regexp `param:"value_regex"`
	Unit       string         `param:"unit"`
	Item       string         `param:"item"`

	conf *commandConf
}

// Defaults: exit code 0 is OK.
func (p *commandParams) Defaults() { p.OKCodes = []int{0} }

// CheckParams settles the script and builds the configuration.
func (p *commandParams) CheckParams(spec *inspect.Spec) error {
	c := &commandConf{script: p.Script, okCodes: p.OKCodes, warnCode: p.WarnCodes,
		re: p.Regex, notRe: p.NotRegex, valRe: p.ValueRegex, unit: p.Unit, item: p.Item}
	if c.script == "" {
		c.script = p.Command
	}
	if p.ScriptFile != "" {
		if c.script != "" {
			return inspect.BadParamMsg(spec, "script_file", "probe.param.script_both")
		}
		b, err := os.ReadFile(p.ScriptFile)
		if err != nil {
			return inspect.BadParam(spec, "script_file", "%v", err)
		}
		c.script = string(b)
	}
	if strings.TrimSpace(c.script) == "" {
		return inspect.BadParamMsg(spec, "script", "probe.param.script_missing")
	}
	if len(c.script) > commandMaxScript {
		return inspect.BadParamMsg(spec, "script", "probe.param.script_long", len(c.script), commandMaxScript)
	}
	p.conf = c
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (commandCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[commandParams](spec)
}

func commandParse(spec *inspect.Spec) (*commandConf, error) {
	p, err := inspect.ParamsOf[commandParams](spec)
	if err != nil {
		return nil, err
	}
	return p.conf, nil
}

// Validate checks the parameters when the playbook is loaded.
func (commandCheck) Validate(spec *inspect.Spec) error {
	_, err := commandParse(spec)
	return err
}

func (commandCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	c, err := commandParse(spec)
	if err != nil {
		return "", err
	}
	return "sh -c " + inspect.ShellQuote(c.script) + " </dev/null 2>&1", nil
}

func (commandCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	c, err := commandParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "command", err)
	}
	r := inspect.NewResult(env, "command", c.item)
	if rr, bad := inspect.SectionUnusable(env, r); bad {
		return []result.Result{rr}
	}
	out := env.Section.Stdout
	inspect.SetEvidence(&r, out, env.Section.Truncated)
	code := env.Section.ExitCode

	var notes []i18n.Sub
	switch {
	case slices.Contains(c.okCodes, code):
		r.Status = result.OK
	case slices.Contains(c.warnCode, code):
		r.Status = result.Warn
		notes = append(notes, i18n.S("probe.command.exit_warn", code))
	case code == 127:
		r.Status = result.Unknown
		r.Reason = "tool-missing"
		notes = append(notes, i18n.S("probe.command.exit_127"))
	default:
		r.Status = result.Crit
		notes = append(notes, i18n.S("probe.command.exit_bad", code, intsList(c.okCodes)))
	}
	if c.re != nil && !c.re.MatchString(out) {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.command.no_match", c.re.String()))
	}
	if c.notRe != nil {
		if loc := c.notRe.FindStringIndex(out); loc != nil {
			r.Status = result.Worst(r.Status, result.Crit)
			notes = append(notes, i18n.S("probe.command.match", c.notRe.String(), inspect.Clip(inspect.LineAt(out, loc[0]), 120)))
		}
	}
	if c.valRe != nil || env.Thresholds.Warn != nil || env.Thresholds.Crit != nil {
		v, ok := commandValue(out, c.valRe)
		if ok {
			env.Thresholds.Apply(&r, v, c.unit)
			notes = append(notes, i18n.S("probe.command.value", valueText(v, c.unit), inspect.RangesText(env, env.Thresholds)))
		} else {
			r.Status = result.Worst(r.Status, result.Unknown)
			if c.valRe != nil {
				notes = append(notes, i18n.S("probe.command.no_value_re", c.valRe.String()))
			} else {
				notes = append(notes, i18n.S("probe.command.no_value"))
			}
		}
	}
	if env.Section.Truncated {
		notes = append(notes, i18n.S("probe.output_truncated"))
	}
	inspect.SetMsg(&r, env, "probe.command.exit", code)
	if fl := inspect.FirstLine(out, 100); fl != "" {
		r.AppendText(": " + fl)
	}
	inspect.AddNotes(&r, env, "; ", notes)
	if r.Status == result.Warn || r.Status == result.Crit {
		inspect.SetAdvice(&r, env, "probe.advice.command")
	}
	return []result.Result{r}
}

var firstNumberRe = regexp.MustCompile(`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`)

// commandValue extracts the number: the "value" group of re, else its first
// group, else its whole match; without re the first number in out.
func commandValue(out string, re *regexp.Regexp) (float64, bool) {
	s := ""
	if re == nil {
		s = firstNumberRe.FindString(out)
	} else {
		m := re.FindStringSubmatch(out)
		if m == nil {
			return 0, false
		}
		s = m[0]
		if i := re.SubexpIndex("value"); i > 0 {
			s = m[i]
		} else if len(m) > 1 {
			s = m[1]
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			s = firstNumberRe.FindString(s)
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

func intsList(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// valueText writes a number and its unit: "42 ms", "97%", "3".
func valueText(v float64, unit string) string {
	switch unit {
	case "":
		return inspect.FormatNum(v)
	case "%":
		return inspect.FormatNum(v) + "%"
	}
	return inspect.FormatNum(v) + " " + unit
}

// Command is the check type playbooks call "command".
func Command() inspect.Check { return commandCheck{} }
