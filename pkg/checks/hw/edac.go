package hw

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// edacCheck reads memory error counters from the kernel's EDAC driver
// (type "edac"): uncorrectable errors are CRIT, correctable errors above
// the warn threshold (default: any, i.e. warn ~:0) are WARN. Counters are
// cumulative since boot; the value is the correctable count so reports can
// trend it.
type edacCheck struct{}

// hwNoParams are the parameters of a hardware check that takes none: any
// key is refused when the playbook is loaded.
type hwNoParams struct{}

const edacScript = `n=0
for d in /sys/devices/system/edac/mc/mc[0-9]*; do
  [ -d "$d" ] || continue
  n=1
  echo "$(basename "$d") $(cat "$d/ce_count" 2>/dev/null || echo -) $(cat "$d/ue_count" 2>/dev/null || echo -)"
done
[ "$n" = 1 ] || echo "@@NOEDAC"`

func (edacCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return edacScript, nil }

// DecodeParams refuses every parameter: the check takes none
// (inspect.ParamsDecoder).
func (edacCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[hwNoParams](spec)
}

func (edacCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	r := result.Result{Type: "edac", Item: "memory"}
	if rr, done := hwSectionProblem(env, r, "edac"); done {
		return []result.Result{rr}
	}
	out := env.Section.Stdout
	if strings.Contains(out, "@@NOEDAC") {
		r.Status = result.Unknown
		r.Reason = "no-edac"
		inspect.SetMsg(&r, env, "hw.edac.none")
		inspect.SetAdvice(&r, env, "hw.edac.none_a")
		return []result.Result{r}
	}
	var ce, ue int64
	var parts []string
	controllers := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || !strings.HasPrefix(f[0], "mc") {
			continue
		}
		c, err1 := strconv.ParseInt(f[1], 10, 64)
		u, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		controllers++
		ce += c
		ue += u
		if c > 0 || u > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d correctable, %d uncorrectable", f[0], c, u))
		}
	}
	if controllers == 0 {
		r.Status = result.Unknown
		inspect.SetMsg(&r, env, "hw.edac.unreadable")
		r.Evidence = hwFirstLines(out, 10)
		return []result.Result{r}
	}
	r.Status = result.OK
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th.Warn, _ = inspect.ParseRange("~:0")
	}
	th.Apply(&r, float64(ce), "errors")
	r.Metrics = []result.Metric{{Name: "mem.ce_count", Value: float64(ce)}, {Name: "mem.ue_count", Value: float64(ue)}}
	if ue > 0 {
		r.Status = result.Crit
	}
	inspect.SetMsg(&r, env, "hw.edac.msg", controllers, ce, ue)
	if len(parts) > 0 {
		r.Evidence = strings.Join(parts, "\n")
	}
	if r.Status != result.OK {
		inspect.SetAdvice(&r, env, "hw.edac.advice")
	}
	return []result.Result{r}
}

// EDAC is the check type playbooks call "edac".
func EDAC() inspect.Check { return edacCheck{} }
