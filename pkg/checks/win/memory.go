package win

import (
	"context"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// memoryCheck reports physical memory in use (type "win-memory") from
// Win32_OperatingSystem (TotalVisibleMemorySize, FreePhysicalMemory, in
// KiB), and the commit charge (TotalVirtualMemorySize, FreeVirtualMemory:
// memory plus page files) against commit_warn. Default thresholds on memory
// in use warn ~:90 crit ~:95, like Linux memory.
type memoryCheck struct{}

// Memory is the check type playbooks call "win-memory".
func Memory() inspect.Check { return winGuard{"win-memory", memoryCheck{}} }

type memoryParams struct {
	CommitWarn float64 `param:"commit_warn"` // commit charge % that warns; 0 = never
}

func (p *memoryParams) Defaults() { p.CommitWarn = 90 }

func (memoryCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[memoryParams](spec)
}

func (memoryCheck) Validate(*inspect.Spec) error { return nil }

func (memoryCheck) PowerShellScript(*inspect.Spec, *inventory.Asset) (string, error) {
	return `$o=Get-CimInstance Win32_OperatingSystem
ConvertTo-Json -Compress -InputObject @{total_kb=$o.TotalVisibleMemorySize;free_kb=$o.FreePhysicalMemory;commit_total_kb=$o.TotalVirtualMemorySize;commit_free_kb=$o.FreeVirtualMemory}`, nil
}

type memoryData struct {
	Total       winNum `json:"total_kb"`
	Free        winNum `json:"free_kb"`
	CommitTotal winNum `json:"commit_total_kb"`
	CommitFree  winNum `json:"commit_free_kb"`
}

func (memoryCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-memory"
	p, err := inspect.ParamsOf[memoryParams](env.Spec)
	if err != nil {
		return []result.Result{winParamError(typ, err)}
	}
	var d memoryData
	if _, err := winJSON(env.Section.Stdout, &d); err != nil {
		return []result.Result{winUnparsable(typ, env, "Win32_OperatingSystem", err)}
	}
	if !d.Total.Valid || !d.Free.Valid || d.Total.V <= 0 || d.Free.V < 0 || d.Free.V > d.Total.V {
		return []result.Result{winUnknown(typ, env, "unparsable", "win.memory.no_value")}
	}
	r := result.Result{Type: typ}
	used := d.Total.V - d.Free.V
	pct := inspect.Round(used/d.Total.V*100, 1)
	inspect.DefaultThresholds(env, "~:90", "~:95").Apply(&r, pct, "%")
	r.Metrics = []result.Metric{{Name: "memory.used", Value: pct, Unit: "%"}}
	inspect.SetMsg(&r, env, "win.memory.msg", pct, inspect.Bytes(used*1024), inspect.Bytes(d.Total.V*1024))
	if d.CommitTotal.Valid && d.CommitFree.Valid && d.CommitTotal.V > 0 && d.CommitFree.V <= d.CommitTotal.V {
		cpct := inspect.Round((d.CommitTotal.V-d.CommitFree.V)/d.CommitTotal.V*100, 1)
		r.Metrics = append(r.Metrics, result.Metric{Name: "memory.commit", Value: cpct, Unit: "%"})
		inspect.AddMsg(&r, env, "win.memory.commit", cpct, inspect.Bytes(d.CommitTotal.V*1024))
		if p.CommitWarn > 0 && cpct >= p.CommitWarn {
			r.Status = result.Worst(r.Status, result.Warn)
		}
	}
	if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "win.memory.advice")
	}
	return []result.Result{r}
}
