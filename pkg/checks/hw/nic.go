package hw

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// nicCheck reads the link state and error counters of the physical network
// interfaces from /sys/class/net (type "nic"). Parameters: interfaces (list;
// these must be up — others are reported only when they have errors; default
// every physical interface that has a carrier or is administratively up),
// include_virtual (bool, default false: veth, docker, bridges and tunnels
// are skipped). Thresholds (warn/crit) apply to the error ratio in percent
// of packets (defaults warn ~:0.01, crit ~:1).
type nicCheck struct{}

// nicParams are the parameters of nic, decoded once when the playbook is
// loaded.
type nicParams struct {
	Interfaces     []string `param:"interfaces"`      // only these; default every physical interface
	IncludeVirtual bool     `param:"include_virtual"` // also bonds, bridges, VLANs, veth
}

// DecodeParams decodes the parameters (see inspect.ParamsDecoder).
func (nicCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[nicParams](spec)
}

const nicScript = `for i in /sys/class/net/*; do
  n=${i##*/}
  [ "$n" = lo ] && continue
  phys=0; [ -e "$i/device" ] && phys=1
  s=$i/statistics
  echo "$n $phys $(cat "$i/operstate" 2>/dev/null || echo unknown) $(cat "$i/carrier" 2>/dev/null || echo -) $(cat "$i/speed" 2>/dev/null || echo -) $(cat "$s/rx_packets" "$s/tx_packets" "$s/rx_errors" "$s/tx_errors" "$s/rx_dropped" "$s/tx_dropped" 2>/dev/null | tr '\n' ' ')"
done`

func (nicCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return nicScript, nil }

type nicStat struct {
	Name                     string
	Physical                 bool
	Oper                     string
	Carrier                  string
	Speed                    string
	RxPk, TxPk, RxErr, TxErr int64
	RxDrop, TxDrop           int64
}

func parseNICs(out string) []nicStat {
	var nics []nicStat
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 11 {
			continue
		}
		n := nicStat{Name: f[0], Physical: f[1] == "1", Oper: f[2], Carrier: f[3], Speed: f[4]}
		vals := make([]int64, 6)
		ok := true
		for i := range vals {
			v, err := strconv.ParseInt(f[5+i], 10, 64)
			if err != nil {
				ok = false
				break
			}
			vals[i] = v
		}
		if !ok {
			continue
		}
		n.RxPk, n.TxPk, n.RxErr, n.TxErr, n.RxDrop, n.TxDrop = vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
		nics = append(nics, n)
	}
	return nics
}

func (nicCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := result.Result{Type: "nic"}
	if r, done := hwSectionProblem(env, base, "sysfs"); done {
		return []result.Result{r}
	}
	p, err := inspect.ParamsOf[nicParams](env.Spec)
	if err != nil {
		r := base
		r.Status = result.Unknown
		r.SetText(err.Error())
		return []result.Result{r}
	}
	names, includeVirtual := p.Interfaces, p.IncludeVirtual
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th.Warn, _ = inspect.ParseRange("~:0.01")
		th.Crit, _ = inspect.ParseRange("~:1")
	}
	nics := parseNICs(env.Section.Stdout)
	seen := map[string]bool{}
	var results []result.Result
	for _, n := range nics {
		seen[n.Name] = true
		if !want[n.Name] && !n.Physical && !includeVirtual {
			continue
		}
		r := base
		r.Item = n.Name
		r.Status = result.OK
		pk := n.RxPk + n.TxPk
		errs := n.RxErr + n.TxErr
		ratio := 0.0
		if pk > 0 {
			ratio = float64(errs) / float64(pk) * 100
		}
		th.Apply(&r, ratio, "%")
		r.Metrics = []result.Metric{
			{Name: "nic.errors", Value: float64(errs)},
			{Name: "nic.dropped", Value: float64(n.RxDrop + n.TxDrop)},
		}
		var speed any = ""
		if n.Speed != "-" && n.Speed != "" && !strings.HasPrefix(n.Speed, "-") {
			speed = i18n.S("hw.nic.speed", n.Speed)
		}
		inspect.SetMsg(&r, env, "hw.nic.msg", n.Name, n.Oper, speed, errs, n.RxDrop+n.TxDrop, pk)
		down := n.Oper != "up" && n.Oper != "unknown"
		if down && (want[n.Name] || n.Carrier == "0") {
			if want[n.Name] {
				r.Status = result.Crit
				inspect.SetMsg(&r, env, "hw.nic.down", n.Name, n.Oper)
				inspect.SetAdvice(&r, env, "hw.nic.down_a")
			} else if n.Physical && n.Carrier == "0" {
				// a physical port with no carrier that nobody asked for: informational
				inspect.SetMsg(&r, env, "hw.nic.no_link", n.Name)
			}
		}
		if r.Status == result.Warn || r.Status == result.Crit && !down {
			inspect.SetAdvice(&r, env, "hw.nic.errors_a", n.Name)
		}
		results = append(results, r)
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if !seen[name] {
			r := base
			r.Item = name
			r.Status = result.Crit
			inspect.SetMsg(&r, env, "hw.nic.missing", name)
			inspect.SetAdvice(&r, env, "hw.nic.missing_a")
			results = append(results, r)
		}
	}
	if len(results) == 0 {
		r := base
		r.Status = result.OK
		inspect.SetMsg(&r, env, "hw.nic.none")
		return []result.Result{r}
	}
	return results
}

// NIC is the check type playbooks call "nic".
func NIC() inspect.Check { return nicCheck{} }
