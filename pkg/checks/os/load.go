package os

import (
	"context"
	"fmt"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// loadCheck reports the load average per online CPU (type "load"), so the
// same threshold fits a 2-core VM and a 96-core Kunpeng server. The value
// is the 5-minute average by default (parameter window: 1, 5 or 15): long
// enough to ignore a cron burst, short enough to show today's trouble.
// Thresholds apply to load per core (playbook default warn ~:2, crit ~:4).
type loadCheck struct{}

// loadParams are the parameters of load, decoded once when the playbook is
// loaded.
type loadParams struct {
	Window int `param:"window"` // minutes: 1, 5 or 15
}

// Defaults reads the 5-minute average.
func (p *loadParams) Defaults() { p.Window = 5 }

// CheckParams accepts the three averages the kernel keeps.
func (p *loadParams) CheckParams(spec *inspect.Spec) error {
	if p.Window != 1 && p.Window != 5 && p.Window != 15 {
		return inspect.BadParamMsg(spec, "window", "os.param.window", p.Window)
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (loadCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[loadParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (loadCheck) Validate(spec *inspect.Spec) error { return osValidate[loadParams](spec) }

// The CPU count comes from /sys (a range list such as 0-63); grep over
// /proc/cpuinfo only runs where /sys is missing.
const loadScript = `read -r l < /proc/loadavg && echo "loadavg $l"
if [ -r /sys/devices/system/cpu/online ]; then
  read -r c < /sys/devices/system/cpu/online && echo "online $c"
else
  echo "cpus $(grep -c '^processor' /proc/cpuinfo)"
fi`

// Script returns the collector.
func (loadCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[loadParams](spec); err != nil {
		return "", err
	}
	return loadScript, nil
}

// parseLoadOutput reads the collector's "loadavg …" and "online …"/"cpus …"
// lines.
func parseLoadOutput(out string) (load [3]float64, cpus int, err error) {
	var haveLoad bool
	for _, line := range strings.Split(out, "\n") {
		key, val, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch key {
		case "loadavg":
			if load, err = parseLoadavg(val); err != nil {
				return load, 0, err
			}
			haveLoad = true
		case "online":
			if cpus, err = parseCPUList(val); err != nil {
				return load, 0, err
			}
		case "cpus":
			fmt.Sscan(val, &cpus)
		}
	}
	if !haveLoad {
		return load, 0, fmt.Errorf("no /proc/loadavg in the output")
	}
	if cpus <= 0 {
		return load, 0, fmt.Errorf("could not count the CPUs")
	}
	return load, cpus, nil
}

// Evaluate decides on load per core.
func (loadCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("load")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	p, err := inspect.ParamsOf[loadParams](env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	window := p.Window
	load, cpus, err := parseLoadOutput(env.Section.Stdout)
	if err != nil {
		r := osUnknownMsg(base, env, "unparsable", "os.load.unparsable", err)
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	idx := map[int]int{1: 0, 5: 1, 15: 2}[window]
	per := inspect.Round(load[idx]/float64(cpus), 2)
	r := base
	inspect.DefaultThresholds(env, "~:2", "~:4").Apply(&r, per, "")
	r.Metrics = []result.Metric{
		{Name: "load.per_core", Value: per},
		{Name: "load.avg1", Value: load[0]},
		{Name: "load.avg5", Value: load[1]},
		{Name: "load.avg15", Value: load[2]},
		{Name: "cpu.count", Value: float64(cpus)},
	}
	inspect.SetMsg(&r, env, "os.load.msg", per, window, load[0], load[1], load[2], cpus)
	if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "os.load.advice")
	}
	return []result.Result{r}
}

// Load is the check type playbooks call "load".
func Load() inspect.Check { return osGuard{loadCheck{}} }
