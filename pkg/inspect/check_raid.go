package inspect

import (
	"bufio"
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// raidCheck reads software RAID (Linux md) state on the target (type
// "raid"): /proc/mdstat for every array, and `mdadm --detail` for the
// member that failed. A degraded or failed array is CRIT; a resync,
// recovery or check in progress is WARN with its progress. Hardware RAID
// controllers are read with storcli/perccli when present: a virtual drive
// that is not Optl (optimal) is CRIT.
type raidCheck struct{}

func init() { Register("raid", raidCheck{}) }

const raidScript = `found=0
if [ -r /proc/mdstat ] && grep -q '^md' /proc/mdstat 2>/dev/null; then
  found=1
  echo "@@MDSTAT"; cat /proc/mdstat
  if command -v mdadm >/dev/null 2>&1; then
    for md in $(awk '/^md/ {print $1}' /proc/mdstat); do echo "@@MDADM /dev/$md"; LC_ALL=C mdadm --detail "/dev/$md" 2>&1; done
  fi
fi
for t in storcli64 storcli perccli64 perccli; do
  if command -v "$t" >/dev/null 2>&1; then found=1; echo "@@STORCLI $t"; LC_ALL=C "$t" /call/vall show 2>&1 | head -n 200; break; fi
done
[ "$found" = 1 ] || echo "@@NORAID"`

func (raidCheck) Script(*Spec, *inventory.Asset) (string, error) { return raidScript, nil }

// mdArray is one array from /proc/mdstat.
type mdArray struct {
	Name     string
	State    string // active, inactive
	Level    string // raid1, raid6 ...
	Members  []string
	Want     int    // [n/m]: n devices wanted
	Have     int    // m devices up
	Map      string // [UU_]
	Action   string // resync, recovery, check, reshape
	Progress string // "51.4% ... finish=299.8min"
}

var (
	mdHeadRE   = regexp.MustCompile(`^(md\S+)\s*:\s*(\S+)\s*(\(.*?\)\s*)?(raid\d+|linear|multipath|faulty)?\s*(.*)$`)
	mdCountRE  = regexp.MustCompile(`\[(\d+)/(\d+)\]\s*\[([U_]+)\]`)
	mdActionRE = regexp.MustCompile(`(resync|recovery|check|reshape|repair)\s*=\s*([\d.]+%.*)$`)
)

// parseMdstat reads /proc/mdstat.
func parseMdstat(out string) []mdArray {
	var arrays []mdArray
	var cur *mdArray
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := mdHeadRE.FindStringSubmatch(line); m != nil && strings.HasPrefix(line, "md") {
			arrays = append(arrays, mdArray{Name: m[1], State: m[2], Level: m[4], Members: strings.Fields(m[5])})
			cur = &arrays[len(arrays)-1]
			continue
		}
		if cur == nil {
			continue
		}
		if m := mdCountRE.FindStringSubmatch(line); m != nil {
			cur.Want, _ = strconv.Atoi(m[1])
			cur.Have, _ = strconv.Atoi(m[2])
			cur.Map = m[3]
		}
		if m := mdActionRE.FindStringSubmatch(line); m != nil {
			cur.Action, cur.Progress = m[1], strings.TrimSpace(m[2])
		}
	}
	return arrays
}

// mdDetail is the part of `mdadm --detail` the verdict needs.
type mdDetail struct {
	State                         string
	Raid, Active, Working, Failed int
	Faulty                        []string // member devices marked faulty
	Removed                       int
}

func parseMdadmDetail(out string) mdDetail {
	d := mdDetail{Raid: -1, Active: -1, Working: -1, Failed: -1}
	sc := bufio.NewScanner(strings.NewReader(out))
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "Number") && strings.Contains(trim, "RaidDevice") {
			inTable = true
			continue
		}
		if inTable {
			f := strings.Fields(trim)
			if len(f) >= 5 {
				if strings.Contains(trim, "faulty") {
					d.Faulty = append(d.Faulty, f[len(f)-1])
				}
				if strings.Contains(trim, "removed") {
					d.Removed++
				}
			}
			continue
		}
		k, v, ok := strings.Cut(trim, " : ")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		n, _ := strconv.Atoi(v)
		switch strings.TrimSpace(k) {
		case "State":
			d.State = v
		case "Raid Devices":
			d.Raid = n
		case "Active Devices":
			d.Active = n
		case "Working Devices":
			d.Working = n
		case "Failed Devices":
			d.Failed = n
		}
	}
	return d
}

// storcliVD is one virtual drive row of `storcli /call/vall show`.
type storcliVD struct{ Name, Type, State string }

var storcliVDRE = regexp.MustCompile(`^\s*(\d+/\d+)\s+(RAID\S*)\s+(\S+)\s+`)

func parseStorcliVDs(out string) []storcliVD {
	var vds []storcliVD
	for _, line := range strings.Split(out, "\n") {
		if m := storcliVDRE.FindStringSubmatch(line); m != nil {
			vds = append(vds, storcliVD{Name: m[1], Type: m[2], State: m[3]})
		}
	}
	return vds
}

func (raidCheck) Evaluate(_ context.Context, env *Env) []result.Result {
	base := result.Result{Type: "raid"}
	if r, done := hwSectionProblem(env, base, "mdadm"); done {
		return []result.Result{r}
	}
	out := env.Section.Stdout
	if strings.Contains(out, "@@NORAID") {
		r := base
		r.Status = result.OK
		r.Message = probeT(env, "hw.raid.none")
		return []result.Result{r}
	}
	details := map[string]mdDetail{}
	var mdstat, storcli string
	var cur string
	var sb strings.Builder
	flush := func() {
		switch {
		case cur == "@@MDSTAT":
			mdstat = sb.String()
		case strings.HasPrefix(cur, "@@MDADM "):
			details[strings.TrimPrefix(cur, "@@MDADM /dev/")] = parseMdadmDetail(sb.String())
		case strings.HasPrefix(cur, "@@STORCLI"):
			storcli = sb.String()
		}
		sb.Reset()
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			flush()
			cur = strings.TrimSpace(line)
			continue
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	flush()

	var results []result.Result
	for _, a := range parseMdstat(mdstat) {
		r := base
		r.Item = "/dev/" + a.Name
		r.Status = result.OK
		det, hasDet := details[a.Name]
		degraded := a.Want > 0 && a.Have < a.Want || strings.Contains(a.Map, "_") ||
			hasDet && (strings.Contains(det.State, "degraded") || strings.Contains(strings.ToUpper(det.State), "FAILED") || det.Failed > 0)
		switch {
		case a.State == "inactive":
			r.Status = result.Crit
			r.Message = probeT(env, "hw.raid.inactive", a.Name, a.Level)
		case degraded:
			r.Status = result.Crit
			r.Message = probeT(env, "hw.raid.degraded", a.Name, a.Level, a.Have, a.Want, a.Map)
			if len(det.Faulty) > 0 {
				r.Message += probeT(env, "hw.raid.faulty", strings.Join(det.Faulty, probeT(env, "hw.list_sep")))
			}
			if a.Action != "" {
				r.Message += probeT(env, "hw.raid.action", mdActionName(env, a.Action), a.Progress)
			}
			r.Advice = probeT(env, "hw.raid.degraded_advice", a.Name)
		case a.Action != "":
			r.Status = result.Warn
			r.Message = probeT(env, "hw.raid.in_progress", a.Name, a.Level, mdActionName(env, a.Action), a.Progress)
			r.Advice = probeT(env, "hw.raid.action_advice", mdActionName(env, a.Action))
		default:
			r.Message = probeT(env, "hw.raid.ok", a.Name, a.Level, a.Have, a.Want, a.Map)
		}
		if a.Want > 0 {
			r.SetValue(float64(a.Have), "devices")
			r.Metrics = append(r.Metrics, result.Metric{Name: "raid.devices_up", Value: float64(a.Have)})
		}
		if r.Status != result.OK {
			r.Evidence = strings.TrimSpace(mdstat)
		}
		results = append(results, r)
	}
	for _, vd := range parseStorcliVDs(storcli) {
		r := base
		r.Item = "vd " + vd.Name
		if strings.EqualFold(vd.State, "Optl") {
			r.Status = result.OK
			r.Message = probeT(env, "hw.raid.vd_ok", vd.Name, vd.Type)
		} else {
			r.Status = result.Crit
			r.Message = probeT(env, "hw.raid.vd_bad", vd.Name, vd.Type, vd.State)
			r.Advice = probeT(env, "hw.raid.vd_advice")
			r.Evidence = hwFirstLines(storcli, 40)
		}
		results = append(results, r)
	}
	if len(results) == 0 {
		r := base
		r.Status = result.Unknown
		r.Message = probeT(env, "hw.raid.unreadable")
		r.Evidence = hwFirstLines(out, 20)
		return []result.Result{r}
	}
	return results
}

// mdActionName names an md sync action (resync, recovery, check, reshape,
// repair) in env's language; the kernel's word is kept alongside.
func mdActionName(env *Env, action string) string {
	switch action {
	case "resync", "recovery", "check", "reshape", "repair":
		return probeT(env, "hw.raid.act."+action)
	}
	return action
}
