package os

import (
	"context"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// inodeCheck reports inode use per mounted filesystem (type "inode"), one
// result per mount point: a filesystem out of inodes refuses new files
// with "No space left on device" while df -h still shows free space, which
// is a classic 3 a.m. puzzle (mail queues, session directories, small
// cache files). Filesystems without a fixed inode table (btrfs, vfat report
// 0 inodes) are skipped. Thresholds apply to the used percentage (playbook
// default warn ~:85, crit ~:95); parameters as for "disk" (without
// allow_readonly; mount_thresholds then apply to the inode percentage).
type inodeCheck struct{}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (inodeCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[inodeParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (inodeCheck) Validate(spec *inspect.Spec) error { _, err := diskOpts(spec, true); return err }

// Script runs df -i once.
func (inodeCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	o, err := diskOpts(spec, true)
	if err != nil {
		return "", err
	}
	return o.dfCommand("i"), nil
}

// Evaluate returns one result per filesystem.
func (inodeCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("inode")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	o, err := diskOpts(env.Spec, true)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	rows := parseDF(env.Section.Stdout)
	th := inspect.DefaultThresholds(env, "~:85", "~:95")
	var out []result.Result
	for _, row := range rows {
		if !o.keep(row) || row.Total <= 0 {
			continue
		}
		r := base
		r.Item = row.Mount
		pct := inspect.Round(row.UsedPct(), 1)
		o.thresholds(row.Mount, th).Apply(&r, pct, "%")
		r.Metrics = []result.Metric{
			{Name: "inode.used_pct", Value: pct, Unit: "%"},
			{Name: "inode.used", Value: row.Used},
		}
		inspect.SetMsg(&r, env, "os.inode.msg", row.Mount, pct, row.Avail, row.Total)
		if inspect.Notable(r.Status) {
			inspect.SetAdvice(&r, env, "os.inode.advice", row.Mount)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		r := osUnknownMsg(base, env, "no-filesystems", "os.disk.none")
		if len(rows) > 0 {
			inspect.SetMsg(&r, env, "os.inode.all_filtered", len(rows))
		}
		osSetEvidence(&r, env.Section.Stdout, 20, false)
		return []result.Result{r}
	}
	return out
}

// Inode is the check type playbooks call "inode".
func Inode() inspect.Check { return osGuard{inodeCheck{}} }
