package os

import (
	"context"
	"fmt"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// processCheck checks that named processes run (type "process"), one
// result per entry (Item = name). Parameter `processes` lists them, either
// as a process name (at least one must run) or as a mapping:
//
//	processes:
//	  - sshd
//	  - name: tomcat
//	    match: org.apache.catalina.startup.Bootstrap   # substring of the command line
//	    min: 1
//	    max: 1
//
// Parameter `forbidden` lists process names that must not run (SEC5:
// cryptocurrency miners such as xmrig or kdevtmpfsi, leftover tools); it
// gives one result (Item "forbidden"), CRIT naming each one found with its
// count. Either parameter may be given alone.
//
// A name is compared with the kernel's process name (/proc/<pid>/comm, at
// most 15 characters: a longer name matches by its first 15). With `match`,
// the full command line is searched instead, which is how Java and Python
// services are told apart. Fewer than min is CRIT (the service is down),
// more than max is WARN (a duplicate instance, a stuck restart).
//
// The collector reads /proc/<pid>/comm with the shell's read builtin; only
// when an entry uses `match` does it run ps once for the command lines.
type processCheck struct{}

// processSpec is one entry of the processes parameter.
type processSpec struct {
	Name, Match string
	Min, Max    int // Max -1 = no upper bound
}

// processTyped are the parameters of process, decoded once when the
// playbook is loaded.
type processTyped struct {
	Processes processSpecs `param:"processes"` // names or {name, match, min, max} that must run
	Forbidden []string     `param:"forbidden"` // names that must not run
}

// CheckParams wants one of the two.
func (p *processTyped) CheckParams(spec *inspect.Spec) error {
	if p.Processes == nil && len(p.Forbidden) == 0 {
		return inspect.BadParamMsg(spec, "processes", "os.param.processes_required")
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (processCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[processTyped](spec)
}

// processAllParams returns processes and forbidden.
func processAllParams(spec *inspect.Spec) ([]processSpec, []string, error) {
	p, err := inspect.ParamsOf[processTyped](spec)
	if err != nil {
		return nil, nil, err
	}
	return p.Processes, p.Forbidden, nil
}

// processSpecs is the processes parameter (inspect.ParamUnmarshaler): a
// list of names or mappings, or a single one; non-nil once given.
type processSpecs []processSpec

// ParamType names the parameter's type in `hcops inspect checks`.
func (*processSpecs) ParamType() string { return "list of names or {name, match, min, max}" }

// UnmarshalParam reads the list.
func (l *processSpecs) UnmarshalParam(spec *inspect.Spec, _ string, raw any) error {
	ps, err := processList(spec, raw)
	if err == nil {
		*l = ps
	}
	return err
}

func processList(spec *inspect.Spec, raw any) ([]processSpec, error) {
	items, isList := raw.([]any)
	if !isList {
		items = []any{raw}
	}
	out := make([]processSpec, 0, len(items))
	for i, it := range items {
		p := processSpec{Min: 1, Max: -1}
		switch x := it.(type) {
		case string:
			p.Name = x
		case map[string]any:
			for k, v := range x {
				switch k {
				case "name":
					p.Name = fmt.Sprint(v)
				case "match":
					p.Match = fmt.Sprint(v)
				case "min", "max":
					n, ok := inspect.ToInt(v)
					if !ok || n < 0 {
						return nil, inspect.BadParamMsg(spec, "processes", "os.param.proc_count", i+1, k, inspect.DescribeParam(v))
					}
					if k == "min" {
						p.Min = n
					} else {
						p.Max = n
					}
				default:
					return nil, inspect.BadParamMsg(spec, "processes", "os.param.proc_key", i+1, k)
				}
			}
		default:
			return nil, inspect.BadParamMsg(spec, "processes", "os.param.proc_item", i+1, inspect.DescribeParam(it))
		}
		p.Name = strings.TrimSpace(p.Name)
		if p.Name == "" {
			return nil, inspect.BadParamMsg(spec, "processes", "os.param.proc_name_empty", i+1)
		}
		if p.Max >= 0 && p.Max < p.Min {
			return nil, inspect.BadParamMsg(spec, "processes", "os.param.proc_max_min", i+1, p.Name, p.Max, p.Min)
		}
		out = append(out, p)
	}
	return out, nil
}

// Validate checks the parameters when the playbook is loaded.
func (processCheck) Validate(spec *inspect.Spec) error {
	_, _, err := processAllParams(spec)
	return err
}

// Script returns the collector.
func (processCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	ps, _, err := processAllParams(spec)
	if err != nil {
		return "", err
	}
	// Any user names their processes: each name is printed after "C " so
	// none can pass for a marker, and the command lines (ps) come last,
	// after @@ARGS, where nothing is read as a marker any more.
	s := `echo "@@COMM"
for f in /proc/[0-9]*/comm; do read -r c < "$f" && echo "C $c"; done 2>/dev/null`
	for _, p := range ps {
		if p.Match != "" {
			s += `
echo "@@ARGS"
ps -e -o args= -ww 2>&1`
			break
		}
	}
	return s, nil
}

// Evaluate counts each listed process.
func (processCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("process")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	ps, forbidden, err := processAllParams(env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	head, argsOut, haveArgs := osCut(env.Section.Stdout, "ARGS")
	var comms []string
	for _, l := range strings.Split(head, "\n") {
		if c, ok := strings.CutPrefix(strings.TrimRight(l, "\r"), "C "); ok {
			comms = append(comms, c)
		}
	}
	if len(comms) == 0 {
		r := osUnknownMsg(base, env, "unparsable", "os.process.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	args := osLines(argsOut)
	var out []result.Result
	for _, p := range ps {
		r := base
		r.Item = p.Name
		n := 0
		if p.Match != "" {
			if !haveArgs {
				out = append(out, osUnknownMsg(r, env, "unparsable", "os.process.no_args"))
				continue
			}
			for _, a := range args {
				if strings.Contains(a, p.Match) {
					n++
				}
			}
		} else {
			for _, c := range comms {
				if c == p.Name || len(p.Name) > 15 && c == p.Name[:15] {
					n++
				}
			}
		}
		r.SetValue(float64(n), "")
		switch {
		case n < p.Min:
			r.Status = result.Crit
			r.Reason = "not-running"
			inspect.SetMsg(&r, env, "os.process.too_few", p.Name, n, p.Min)
			inspect.SetAdvice(&r, env, "os.process.too_few_advice", p.Name)
		case p.Max >= 0 && n > p.Max:
			r.Status = result.Warn
			r.Reason = "too-many"
			inspect.SetMsg(&r, env, "os.process.too_many", p.Name, n, p.Max)
			inspect.SetAdvice(&r, env, "os.process.too_many_advice", p.Name)
		default:
			r.Status = result.OK
			inspect.SetMsg(&r, env, "os.process.ok", p.Name, n)
		}
		out = append(out, r)
	}
	if len(forbidden) > 0 {
		out = append(out, processForbidden(env, base, forbidden, comms))
	}
	return out
}

// processForbidden reports the forbidden processes that run.
func processForbidden(env *inspect.Env, base result.Result, forbidden, comms []string) result.Result {
	r := base
	r.Item = "forbidden"
	counts := map[string]int{}
	for _, c := range comms {
		for _, f := range forbidden {
			if c == f || len(f) > 15 && c == f[:15] {
				counts[f]++
			}
		}
	}
	var found []string
	for _, f := range forbidden {
		if n := counts[f]; n > 0 {
			found = append(found, fmt.Sprintf("%s ×%d", f, n))
		}
	}
	r.SetValue(float64(len(found)), "")
	if len(found) == 0 {
		r.Status = result.OK
		inspect.SetMsg(&r, env, "os.process.forbidden_none", len(forbidden))
		return r
	}
	r.Status = result.Crit
	r.Reason = "forbidden-process"
	inspect.SetMsg(&r, env, "os.process.forbidden", osList(found, 8))
	inspect.SetAdvice(&r, env, "os.process.forbidden_advice", strings.Fields(found[0])[0])
	return r
}

// Process is the check type playbooks call "process".
func Process() inspect.Check { return osGuard{processCheck{}} }
