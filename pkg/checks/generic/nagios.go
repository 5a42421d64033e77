package generic

import (
	"context"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// nagiosCheck runs an installed Nagios / monitoring-plugins plugin on the
// target over the transport (type "nagios-plugin"), so years of existing
// check_* plugins keep working: exit 0/1/2/3 is OK/WARN/CRIT/UNKNOWN (any
// other code is UNKNOWN), the first line of output is the summary, and the
// performance data is parsed into the result's metrics.
//
// Parameters:
//
//	plugin  the plugin: a path (/usr/lib64/nagios/plugins/check_disk) or a
//	        name, looked for in the usual plugin directories
//	        (/usr/lib64/nagios/plugins, /usr/lib/nagios/plugins,
//	        /usr/local/nagios/libexec, /usr/lib/monitoring-plugins) and then
//	        on PATH
//	args    list of arguments, each passed as one word (quoted; no shell
//	        expansion), e.g. [-w, "20%", -c, "10%", -p, /]
//	item    label of the result (default: the plugin name)
//
// The plugin runs with stdin from /dev/null and stderr merged into its
// output. A missing plugin (exit 127) is UNKNOWN with reason
// "plugin-missing". The result's value is the first perfdata value.
type nagiosCheck struct{}

// nagiosParams are the parameters of nagios-plugin, decoded once when the
// playbook is loaded.
type nagiosParams struct {
	Plugin string   `param:"plugin"` // a path or a name
	Args   []string `param:"args"`   // each one word
	Item   string   `param:"item"`   // default: the plugin name
}

// CheckParams wants a plugin.
func (p *nagiosParams) CheckParams(spec *inspect.Spec) error {
	if strings.TrimSpace(p.Plugin) == "" {
		return inspect.BadParamMsg(spec, "plugin", "probe.param.plugin_missing")
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (nagiosCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[nagiosParams](spec)
}

// nagiosMissing is printed by the snippet when the plugin is not found.
const nagiosMissing = "@@HCOPS_PLUGIN_MISSING"

func nagiosParse(spec *inspect.Spec) (plugin string, args []string, item string, err error) {
	p, err := inspect.ParamsOf[nagiosParams](spec)
	if err != nil {
		return "", nil, "", err
	}
	item = p.Item
	if item == "" {
		item = p.Plugin[strings.LastIndexByte(p.Plugin, '/')+1:]
	}
	return p.Plugin, p.Args, item, nil
}

// Validate checks the parameters when the playbook is loaded.
func (nagiosCheck) Validate(spec *inspect.Spec) error {
	_, _, _, err := nagiosParse(spec)
	return err
}

func (nagiosCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	plugin, args, _, err := nagiosParse(spec)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("p=" + inspect.ShellQuote(plugin) + "\n")
	// A bare name is looked up in the plugin directories first: they are
	// rarely on PATH.
	b.WriteString(`case $p in */*) ;; *) for d in /usr/lib64/nagios/plugins /usr/lib/nagios/plugins /usr/local/nagios/libexec /usr/lib/monitoring-plugins /usr/local/libexec/nagios; do if [ -x "$d/$p" ]; then p="$d/$p"; break; fi; done ;; esac` + "\n")
	b.WriteString(`if [ -x "$p" ] || command -v "$p" >/dev/null 2>&1; then "$p"`)
	for _, a := range args {
		b.WriteString(" " + inspect.ShellQuote(a))
	}
	b.WriteString(" </dev/null 2>&1; else echo " + nagiosMissing + "; (exit 127); fi")
	return b.String(), nil
}

func (nagiosCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	plugin, _, item, err := nagiosParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "nagios-plugin", err)
	}
	r := inspect.NewResult(env, "nagios-plugin", item)
	if rr, bad := inspect.SectionUnusable(env, r); bad {
		return []result.Result{rr}
	}
	out := env.Section.Stdout
	inspect.SetEvidence(&r, out, env.Section.Truncated)
	if strings.Contains(out, nagiosMissing) || (env.Section.ExitCode == 127 && strings.TrimSpace(out) == "") {
		r.Status = result.Unknown
		r.Reason = "plugin-missing"
		inspect.SetMsg(&r, env, "probe.nagios.missing", plugin)
		inspect.SetAdvice(&r, env, "probe.advice.nagios_missing")
		r.Evidence = ""
		return []result.Result{r}
	}
	p := ParsePluginOutput(out)
	code := env.Section.ExitCode
	switch code {
	case 0:
		r.Status = result.OK
	case 1:
		r.Status = result.Warn
	case 2:
		r.Status = result.Crit
	case 3:
		r.Status = result.Unknown
	default:
		r.Status = result.Unknown
		r.Reason = "bad-exit"
	}
	r.Metrics = p.Metrics
	if len(p.Metrics) > 0 {
		r.SetValue(p.Metrics[0].Value, p.Metrics[0].Unit)
		r.Warn, r.Crit = p.FirstWarn, p.FirstCrit
	}
	summary := inspect.Clip(p.Summary, 200)
	switch {
	case code == 126:
		inspect.SetMsg(&r, env, "probe.nagios.not_executable", plugin)
		inspect.SetAdvice(&r, env, "probe.advice.nagios_missing")
	case code < 0 || code > 3:
		inspect.SetMsg(&r, env, "probe.nagios.bad_exit", code, summary)
	case summary == "":
		inspect.SetMsg(&r, env, "probe.nagios.no_summary", code)
	default:
		r.Message = summary
	}
	if p.BadPerf > 0 {
		r.AppendText("; ")
		inspect.AddMsg(&r, env, "probe.nagios.bad_perf", p.BadPerf)
	}
	if r.Status == result.Warn || r.Status == result.Crit {
		inspect.SetAdvice(&r, env, "probe.advice.nagios")
	}
	return []result.Result{r}
}

// PluginOutput is a Nagios plugin's output split up (plugin development
// guidelines): the first line's text, the long text, and the performance
// data from the first line and the long output.
type PluginOutput struct {
	Summary string
	Long    string
	Metrics []result.Metric
	// FirstWarn and FirstCrit are the thresholds the plugin gave for its
	// first metric, as written.
	FirstWarn, FirstCrit string
	// BadPerf counts perfdata items that could not be read (skipped).
	BadPerf int
}

// ParsePluginOutput splits plugin output. Format:
//
//	TEXT | perf1 perf2
//	LONG TEXT LINE 1
//	LONG TEXT LINE 2 | perf3
//	perf4
//
// where each perf item is 'label'=value[UOM];[warn];[crit];[min];[max].
// Values of "U" (unknown) are skipped without counting as bad.
func ParsePluginOutput(out string) PluginOutput {
	var p PluginOutput
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var perf []string
	if len(lines) > 0 {
		text, pd, _ := strings.Cut(lines[0], "|")
		p.Summary = strings.TrimSpace(text)
		perf = append(perf, pd)
	}
	inPerf := false
	var long []string
	for _, line := range lines[1:] {
		if inPerf {
			perf = append(perf, line)
			continue
		}
		text, pd, found := strings.Cut(line, "|")
		long = append(long, text)
		if found {
			perf = append(perf, pd)
			inPerf = true
		}
	}
	p.Long = strings.TrimSpace(strings.Join(long, "\n"))
	for _, pd := range perf {
		for _, item := range splitPerf(pd) {
			m, warn, crit, ok, unknown := parsePerfItem(item)
			switch {
			case unknown:
			case !ok:
				p.BadPerf++
			default:
				if len(p.Metrics) == 0 {
					p.FirstWarn, p.FirstCrit = warn, crit
				}
				p.Metrics = append(p.Metrics, m)
			}
		}
	}
	return p
}

// splitPerf splits perfdata on blanks outside single-quoted labels.
func splitPerf(s string) []string {
	var items []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			quoted = !quoted // '' inside a label toggles twice: an escaped quote
			cur.WriteByte(c)
		case (c == ' ' || c == '\t' || c == '\r') && !quoted:
			if cur.Len() > 0 {
				items = append(items, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		items = append(items, cur.String())
	}
	return items
}

// parsePerfItem reads 'label'=value[UOM];warn;crit;min;max.
func parsePerfItem(item string) (m result.Metric, warn, crit string, ok, unknown bool) {
	eq := strings.LastIndexByte(item, '=')
	if eq <= 0 {
		return m, "", "", false, false
	}
	label, rest := item[:eq], item[eq+1:]
	if len(label) >= 2 && label[0] == '\'' && label[len(label)-1] == '\'' {
		label = strings.ReplaceAll(label[1:len(label)-1], "''", "'")
	}
	if label == "" {
		return m, "", "", false, false
	}
	fields := strings.Split(rest, ";")
	val := fields[0]
	if val == "U" {
		return m, "", "", false, true
	}
	// The value is a number followed by an optional unit of measure.
	end := 0
	for end < len(val) && strings.IndexByte("0123456789.-+eE,", val[end]) >= 0 {
		// An 'e' only belongs to the number when an exponent digit follows;
		// otherwise it starts a unit (none of the standard UOMs starts with e).
		if (val[end] == 'e' || val[end] == 'E') && (end+1 >= len(val) || strings.IndexByte("0123456789+-", val[end+1]) < 0) {
			break
		}
		end++
	}
	num := strings.ReplaceAll(val[:end], ",", ".") // some locales write 0,5
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return m, "", "", false, false
	}
	m = result.Metric{Name: label, Value: v, Unit: val[end:]}
	if len(fields) > 1 {
		warn = fields[1]
	}
	if len(fields) > 2 {
		crit = fields[2]
	}
	return m, warn, crit, true, false
}

// NagiosPlugin is the check type playbooks call "nagios-plugin".
func NagiosPlugin() inspect.Check { return nagiosCheck{} }
