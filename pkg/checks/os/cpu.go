package os

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// cpuCheck measures CPU use on the target (type "cpu"): two readings of the
// aggregate line of /proc/stat, `sample` apart (default 0.5 s), give the
// share of time the CPUs were busy (everything but idle and iowait), plus
// iowait and steal for the message. Thresholds apply to the busy percentage
// (playbook default warn ~:90).
//
// Parameters: sample (duration, 0.1s to 5s).
type cpuCheck struct{}

// cpuParams are the parameters of cpu, decoded once when the playbook is
// loaded.
type cpuParams struct {
	Sample time.Duration `param:"sample"` // between the two readings
}

// Defaults samples for half a second.
func (p *cpuParams) Defaults() { p.Sample = 500 * time.Millisecond }

// CheckParams keeps the sample between 0.1 s and 5 s.
func (p *cpuParams) CheckParams(spec *inspect.Spec) error {
	if p.Sample < 100*time.Millisecond || p.Sample > 5*time.Second {
		return inspect.BadParamMsg(spec, "sample", "os.param.cpu_sample", p.Sample.String())
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (cpuCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[cpuParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (cpuCheck) Validate(spec *inspect.Spec) error { return osValidate[cpuParams](spec) }

// Script reads /proc/stat with the shell's read builtin: only sleep is a
// process. A sleep without fractions (BusyBox built without them) falls
// back to one second.
func (cpuCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	p, err := inspect.ParamsOf[cpuParams](spec)
	if err != nil {
		return "", err
	}
	secs := fmt.Sprintf("%.2f", p.Sample.Seconds())
	return `read -r a < /proc/stat || exit 1
echo "$a"
sleep ` + secs + ` 2>/dev/null || sleep 1
read -r b < /proc/stat
echo "$b"`, nil
}

// cpuUsage is the result of two /proc/stat readings.
type cpuUsage struct {
	Busy, IOWait, Steal float64 // percent of the interval
}

// parseCPUSample reads the two "cpu ..." lines the collector prints.
func parseCPUSample(out string) (cpuUsage, error) {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "cpu ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return cpuUsage{}, fmt.Errorf("want two /proc/stat cpu lines, got %d", len(lines))
	}
	a, err := parseProcStatCPU(lines[0])
	if err != nil {
		return cpuUsage{}, err
	}
	b, err := parseProcStatCPU(lines[1])
	if err != nil {
		return cpuUsage{}, err
	}
	dt := b.Total - a.Total
	if dt <= 0 {
		return cpuUsage{}, fmt.Errorf("no CPU time passed between the two readings")
	}
	idle := (b.Idle - a.Idle) + (b.IOWait - a.IOWait)
	u := cpuUsage{
		Busy:   100 * (dt - idle) / dt,
		IOWait: 100 * (b.IOWait - a.IOWait) / dt,
		Steal:  100 * (b.Steal - a.Steal) / dt,
	}
	u.Busy = min(max(u.Busy, 0), 100)
	u.IOWait = min(max(u.IOWait, 0), 100)
	u.Steal = min(max(u.Steal, 0), 100)
	return u, nil
}

// Evaluate decides on the busy percentage.
func (cpuCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("cpu")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	u, err := parseCPUSample(env.Section.Stdout)
	if err != nil {
		r := osUnknownMsg(base, env, "unparsable", "os.cpu.unparsable", err)
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	r := base
	busy := inspect.Round(u.Busy, 1)
	inspect.DefaultThresholds(env, "~:90", "").Apply(&r, busy, "%")
	r.Metrics = []result.Metric{
		{Name: "cpu.used_pct", Value: busy, Unit: "%"},
		{Name: "cpu.iowait_pct", Value: inspect.Round(u.IOWait, 1), Unit: "%"},
		{Name: "cpu.steal_pct", Value: inspect.Round(u.Steal, 1), Unit: "%"},
	}
	inspect.SetMsg(&r, env, "os.cpu.msg", busy, u.IOWait, u.Steal)
	if inspect.Notable(r.Status) {
		switch {
		case u.IOWait >= 20:
			inspect.SetAdvice(&r, env, "os.cpu.advice_iowait", u.IOWait)
		case u.Steal >= 10:
			inspect.SetAdvice(&r, env, "os.cpu.advice_steal", u.Steal)
		default:
			inspect.SetAdvice(&r, env, "os.cpu.advice")
		}
	}
	return []result.Result{r}
}

// CPU is the check type playbooks call "cpu".
func CPU() inspect.Check { return osGuard{cpuCheck{}} }
