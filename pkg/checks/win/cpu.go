package win

import (
	"context"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// cpuCheck reports how busy the processors are (type "win-cpu"): the
// average LoadPercentage of Win32_Processor (the last second), or the
// _Total PercentProcessorTime of the performance counters when a processor
// does not report it. Both are WMI classes whose names and fields are the
// same on a Chinese Windows, unlike Get-Counter's localised counter paths.
// Default thresholds warn ~:90 (like Linux cpu).
type cpuCheck struct{}

// CPU is the check type playbooks call "win-cpu".
func CPU() inspect.Check { return winGuard{"win-cpu", cpuCheck{}} }

type noParams struct{}

func (cpuCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[noParams](spec)
}

func (cpuCheck) Validate(*inspect.Spec) error { return nil }

func (cpuCheck) PowerShellScript(*inspect.Spec, *inventory.Asset) (string, error) {
	return `$p=@(Get-CimInstance Win32_Processor)
$t=Get-CimInstance Win32_PerfFormattedData_PerfOS_Processor -Filter "Name='_Total'" -ErrorAction SilentlyContinue
ConvertTo-Json -Compress -InputObject @{load=($p|Measure-Object LoadPercentage -Average).Average;busy=$t.PercentProcessorTime;logical=($p|Measure-Object NumberOfLogicalProcessors -Sum).Sum;sockets=$p.Count}`, nil
}

type cpuData struct {
	Load    winNum `json:"load"`
	Busy    winNum `json:"busy"`
	Logical winNum `json:"logical"`
	Sockets winNum `json:"sockets"`
}

func (cpuCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-cpu"
	var d cpuData
	if _, err := winJSON(env.Section.Stdout, &d); err != nil {
		return []result.Result{winUnparsable(typ, env, "Win32_Processor", err)}
	}
	v := d.Load
	if !v.Valid {
		v = d.Busy
	}
	if !v.Valid || v.V < 0 || v.V > 100 {
		return []result.Result{winUnknown(typ, env, "unparsable", "win.cpu.no_value")}
	}
	r := result.Result{Type: typ}
	pct := inspect.Round(v.V, 1)
	inspect.DefaultThresholds(env, "~:90", "").Apply(&r, pct, "%")
	r.Metrics = []result.Metric{{Name: "cpu.busy", Value: pct, Unit: "%"}}
	inspect.SetMsg(&r, env, "win.cpu.msg", pct, int(d.Logical.V))
	if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "win.cpu.advice")
	}
	return []result.Result{r}
}
