package hw

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// multipathCheck reads `multipath -ll` on the target (type "multipath"):
// one result per multipath device. A device with no active path is CRIT; one
// with some failed paths is WARN (redundancy lost). Parameter min_paths
// (default 2): fewer active paths than this is WARN.
type multipathCheck struct{}

// multipathParams are the parameters of multipath, decoded once when the
// playbook is loaded.
type multipathParams struct {
	MinPaths int `param:"min_paths"` // paths a device should have; default 2
}

// Defaults sets min_paths to 2.
func (p *multipathParams) Defaults() { p.MinPaths = 2 }

// DecodeParams decodes the parameters (see inspect.ParamsDecoder).
func (multipathCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[multipathParams](spec)
}

const multipathScript = `if ! command -v multipath >/dev/null 2>&1; then echo "@@NOTOOL multipath-tools"; exit 0; fi
LC_ALL=C multipath -ll 2>&1`

func (multipathCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) {
	return multipathScript, nil
}

// mpathDevice is one map of `multipath -ll`.
type mpathDevice struct {
	Name   string // alias or WWID
	Vendor string
	Paths  []mpathPath
}

type mpathPath struct {
	HCTL, Dev string
	DMState   string // active / failed
	PathState string // ready / faulty / ghost / shaky
}

var (
	// "mpatha (3600...) dm-2 LIO-ORG,data-chunk1" or "3600... dm-30 DGC,VRAID"
	mpathHeadRE = regexp.MustCompile(`^(\S+)(?:\s+\((\S+)\))?\s+(dm-\d+)\s+(.*)$`)
	// "| `- 3:0:0:0  sdb 8:16 active ready running" and the orphan "#:#:#:# -   #:#"
	mpathPathRE = regexp.MustCompile("[`|]-\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(active|failed)\\s+(\\S+)")
)

func parseMultipath(out string) []mpathDevice {
	var devs []mpathDevice
	for _, line := range strings.Split(out, "\n") {
		if m := mpathHeadRE.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "size=") {
			name := m[1]
			devs = append(devs, mpathDevice{Name: name, Vendor: strings.TrimSpace(m[4])})
			continue
		}
		if len(devs) == 0 {
			continue
		}
		if m := mpathPathRE.FindStringSubmatch(line); m != nil {
			d := &devs[len(devs)-1]
			d.Paths = append(d.Paths, mpathPath{HCTL: m[1], Dev: m[2], DMState: m[4], PathState: m[5]})
		}
	}
	return devs
}

func (multipathCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := result.Result{Type: "multipath"}
	if r, done := hwSectionProblem(env, base, "multipath-tools"); done {
		return []result.Result{r}
	}
	p, err := inspect.ParamsOf[multipathParams](env.Spec)
	if err != nil {
		r := base
		r.Status = result.Unknown
		r.SetText(err.Error())
		return []result.Result{r}
	}
	minPaths := p.MinPaths
	devs := parseMultipath(env.Section.Stdout)
	if len(devs) == 0 {
		r := base
		r.Status = result.OK
		inspect.SetMsg(&r, env, "hw.mpath.none")
		if s := strings.TrimSpace(env.Section.Stdout); s != "" && !strings.Contains(s, "no such") {
			r.Evidence = hwFirstLines(s, 5)
		}
		return []result.Result{r}
	}
	var results []result.Result
	for _, d := range devs {
		r := base
		r.Item = d.Name
		active := 0
		var bad []string
		for _, p := range d.Paths {
			if p.DMState == "active" && p.PathState == "ready" {
				active++
			} else {
				bad = append(bad, fmt.Sprintf("%s %s %s/%s", p.HCTL, p.Dev, p.DMState, p.PathState))
			}
		}
		r.SetValue(float64(active), "paths")
		r.Metrics = []result.Metric{{Name: "multipath.active_paths", Value: float64(active)}}
		switch {
		case active == 0:
			r.Status = result.Crit
			inspect.SetMsg(&r, env, "hw.mpath.no_path", d.Name, d.Vendor, len(d.Paths))
			inspect.SetAdvice(&r, env, "hw.mpath.no_path_a")
		case len(bad) > 0 || active < minPaths:
			r.Status = result.Warn
			inspect.SetMsg(&r, env, "hw.mpath.paths", d.Name, d.Vendor, active, len(d.Paths))
			inspect.SetAdvice(&r, env, "hw.mpath.degraded_a")
		default:
			r.Status = result.OK
			inspect.SetMsg(&r, env, "hw.mpath.paths", d.Name, d.Vendor, active, len(d.Paths))
		}
		if len(bad) > 0 {
			inspect.AddMsg(&r, env, "hw.mpath.failed_paths", i18n.Strings(bad, "hw.list_sep"))
		}
		results = append(results, r)
	}
	return results
}

// Multipath is the check type playbooks call "multipath".
func Multipath() inspect.Check { return multipathCheck{} }
