package os

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// zombieCheck counts zombie processes (type "zombie"): processes that have
// exited but whose parent never collected their exit status. A few are
// harmless; a growing number means a parent process has a bug and will in
// the end exhaust the PID space. The message names the parents, which are
// what has to be restarted. Thresholds apply to the count (default warn
// ~:5).
//
// The collector walks /proc/<pid>/stat with the shell's read builtin and
// prints only zombie lines: no ps process, and little output.
type zombieCheck struct{}

// DecodeParams rejects every parameter: the check takes none
// (inspect.ParamsDecoder).
func (zombieCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[osNoParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (zombieCheck) Validate(spec *inspect.Spec) error { return osValidate[osNoParams](spec) }

const zombieScript = `n=0
for f in /proc/[0-9]*/stat; do
  read -r l < "$f" || continue
  n=$((n+1))
  case "$l" in
  *") Z "*) p=${l##*") Z "}; p=${p%% *}; pc=; read -r pc < "/proc/$p/comm"; echo "Z $p $pc :: $l" ;;
  esac
done 2>/dev/null
echo "@@PROCS $n"`

// Script returns the collector.
func (zombieCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[osNoParams](spec); err != nil {
		return "", err
	}
	return zombieScript, nil
}

// zombieProc is one zombie and its parent.
type zombieProc struct {
	PID, PPID        int
	Comm, ParentComm string
}

// parseZombies reads the collector's "Z <ppid> <parent comm> :: <stat>"
// lines. The zombie's name is between the first "(" and the last ")" of
// its stat line (a name may itself contain parentheses and spaces).
func parseZombies(s string) (zs []zombieProc, procs int, ok bool) {
	for _, line := range strings.Split(s, "\n") {
		if rest, found := strings.CutPrefix(line, "@@PROCS "); found {
			n, err := strconv.Atoi(strings.TrimSpace(rest))
			if err == nil {
				procs, ok = n, true
			}
			continue
		}
		rest, found := strings.CutPrefix(line, "Z ")
		if !found {
			continue
		}
		head, stat, found := strings.Cut(rest, " :: ")
		if !found {
			continue
		}
		ppidStr, pcomm, _ := strings.Cut(head, " ")
		var z zombieProc
		var err error
		if z.PPID, err = strconv.Atoi(ppidStr); err != nil {
			continue
		}
		z.ParentComm = strings.TrimSpace(pcomm)
		open, close := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
		if open < 0 || close < open {
			continue
		}
		if z.PID, err = strconv.Atoi(strings.TrimSpace(stat[:open])); err != nil {
			continue
		}
		z.Comm = stat[open+1 : close]
		zs = append(zs, z)
	}
	return zs, procs, ok
}

// Evaluate counts zombies and names their parents.
func (zombieCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("zombie")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	zs, procs, ok := parseZombies(env.Section.Stdout)
	if !ok || procs == 0 {
		r := osUnknownMsg(base, env, "unparsable", "os.zombie.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	r := base
	inspect.DefaultThresholds(env, "~:5", "").Apply(&r, float64(len(zs)), "")
	r.Metrics = []result.Metric{{Name: "proc.zombies", Value: float64(len(zs))}, {Name: "proc.count", Value: float64(procs)}}
	if len(zs) == 0 {
		inspect.SetMsg(&r, env, "os.zombie.none", procs)
		return []result.Result{r}
	}
	type parent struct {
		pid   int
		comm  string
		count int
	}
	byParent := map[int]*parent{}
	var ev []string
	for _, z := range zs {
		p := byParent[z.PPID]
		if p == nil {
			p = &parent{pid: z.PPID, comm: z.ParentComm}
			byParent[z.PPID] = p
		}
		p.count++
		ev = append(ev, fmt.Sprintf("zombie %d (%s), parent %d (%s)", z.PID, z.Comm, z.PPID, z.ParentComm))
	}
	parents := make([]*parent, 0, len(byParent))
	for _, p := range byParent {
		parents = append(parents, p)
	}
	sort.Slice(parents, func(i, j int) bool {
		if parents[i].count != parents[j].count {
			return parents[i].count > parents[j].count
		}
		return parents[i].pid < parents[j].pid
	})
	names := make([]string, len(parents))
	for i, p := range parents {
		names[i] = fmt.Sprintf("%d (%s) ×%d", p.pid, p.comm, p.count)
	}
	inspect.SetMsg(&r, env, "os.zombie.found", len(zs), procs, osList(names, 5))
	osSetEvidence(&r, strings.Join(ev, "\n"), 30, false)
	if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "os.zombie.advice", parents[0].pid, parents[0].comm)
	}
	return []result.Result{r}
}

// Zombie is the check type playbooks call "zombie".
func Zombie() inspect.Check { return osGuard{zombieCheck{}} }
