package os

import (
	"context"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// memoryCheck reports memory and swap (type "memory"), as two results:
//
//   - item "memory": memory in use as a percentage of the total, where "in
//     use" is everything not available to programs without swapping
//     (100 - MemAvailable %, MemAvailable estimated on kernels before 3.14).
//     Thresholds apply here (playbook default warn ~:90, crit ~:95, i.e.
//     less than 10 % and 5 % available). The value is "used" rather than
//     "available" so that, as for disk and inode, a higher value is worse
//     and the reports' capacity forecasts (toward 100 %) read it right; the
//     available percentage is kept as the metric mem.available_pct.
//   - item "swap": swap in use as a percentage (parameters swap_warn,
//     default ~:50, and swap_crit, default none). A host without swap gets
//     an OK result saying so.
//
// The collector reads /proc/meminfo with the shell's read builtin and only
// runs `free -k` when /proc/meminfo cannot be read.
type memoryCheck struct{}

// memoryParams are the parameters of memory, decoded once when the
// playbook is loaded.
type memoryParams struct {
	SwapWarn string `param:"swap_warn"` // Nagios range on swap in use, percent
	SwapCrit string `param:"swap_crit"`

	swap inspect.Thresholds // SwapWarn and SwapCrit parsed
}

// Defaults warns above half the swap in use.
func (p *memoryParams) Defaults() { p.SwapWarn = "~:50" }

// CheckParams parses the swap thresholds.
func (p *memoryParams) CheckParams(spec *inspect.Spec) error {
	th, err := inspect.ParseThresholds(p.SwapWarn, p.SwapCrit)
	if err != nil {
		return inspect.BadParamMsg(spec, "swap_warn/swap_crit", "inspect.param.detail", err)
	}
	p.swap = th
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (memoryCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[memoryParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (memoryCheck) Validate(spec *inspect.Spec) error { return osValidate[memoryParams](spec) }

const memoryScript = `if [ -r /proc/meminfo ]; then
  while IFS= read -r l; do
    case "$l" in MemTotal:*|MemFree:*|MemAvailable:*|Buffers:*|Cached:*|SReclaimable:*|Shmem:*|SwapTotal:*|SwapFree:*) echo "$l" ;; esac
  done < /proc/meminfo
else
  echo "@@FREE"
  free -k
fi`

// Script returns the collector.
func (memoryCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[memoryParams](spec); err != nil {
		return "", err
	}
	return memoryScript, nil
}

// Evaluate decides on available memory and swap use.
func (memoryCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("memory")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	p, err := inspect.ParamsOf[memoryParams](env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	swapTh := p.swap
	out := env.Section.Stdout
	var m memInfo
	if b, ok := osFind(osSplit(out), "FREE"); ok {
		m, err = parseFree(b.Body, 1024)
	} else {
		m, err = ParseMeminfo(out)
	}
	if err != nil {
		r := osUnknownMsg(base, env, "unparsable", "os.mem.unparsable", err)
		osSetEvidence(&r, out, 20, false)
		return []result.Result{r}
	}

	mem := base
	mem.Item = "memory"
	availPct := inspect.Round(m.Available*100/m.Total, 1)
	usedPct := inspect.Round(100-availPct, 1)
	inspect.DefaultThresholds(env, "~:90", "~:95").Apply(&mem, usedPct, "%")
	mem.Metrics = []result.Metric{
		{Name: "mem.available_pct", Value: availPct, Unit: "%"},
		{Name: "mem.used_pct", Value: usedPct, Unit: "%"},
		{Name: "mem.total_bytes", Value: m.Total, Unit: "B"},
	}
	inspect.SetMsg(&mem, env, "os.mem.msg", usedPct, inspect.Bytes(m.Available), inspect.Bytes(m.Total), availPct)
	if m.Estimated {
		inspect.AddMsg(&mem, env, "os.mem.estimated")
	}
	if inspect.Notable(mem.Status) {
		inspect.SetAdvice(&mem, env, "os.mem.advice")
	}

	swap := base
	swap.Item = "swap"
	if m.SwapTotal <= 0 {
		swap.Status = result.OK
		inspect.SetMsg(&swap, env, "os.swap.none")
	} else {
		used := m.SwapTotal - m.SwapFree
		pct := inspect.Round(used*100/m.SwapTotal, 1)
		swapTh.Apply(&swap, pct, "%")
		swap.Metrics = []result.Metric{{Name: "swap.used_pct", Value: pct, Unit: "%"}}
		inspect.SetMsg(&swap, env, "os.swap.msg", inspect.Bytes(used), inspect.Bytes(m.SwapTotal), pct)
		if inspect.Notable(swap.Status) {
			inspect.SetAdvice(&swap, env, "os.swap.advice")
		}
	}
	if mem.Status != result.OK || swap.Status != result.OK {
		osSetEvidence(&mem, strings.TrimSpace(out), 20, false)
	}
	return []result.Result{mem, swap}
}

// Memory is the check type playbooks call "memory".
func Memory() inspect.Check { return osGuard{memoryCheck{}} }
