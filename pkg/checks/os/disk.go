package os

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// diskCheck reports space per mounted filesystem (type "disk"), one result
// per mount point (Item), and flags filesystems mounted read-only: ext4 and
// XFS remount read-only after I/O errors, which stops every write of the
// applications on it, so that is CRIT whatever the space.
//
// Thresholds apply to the used percentage (playbook default warn ~:85,
// crit ~:95). Memory-backed and image filesystems (tmpfs, devtmpfs,
// overlay, squashfs, iso9660, …) are skipped, and only local filesystems
// are read (df -l: a hung NFS server must not hang the inspection).
//
// Parameters (shared with "inode"):
//
//	include_types:  filesystem types to check although skipped by default (tmpfs)
//	exclude_types:  more types to skip
//	mounts:         check only these mount points (glob patterns: /data*)
//	exclude_mounts: skip these mount points (glob patterns)
//	include_remote: also read network filesystems (NFS, CIFS); default false
//	allow_readonly: mount points that are read-only on purpose (disk only)
//	mount_thresholds: other warn/crit for some mount points, by glob:
//	                {/data*: {warn: "~:95", crit: "~:98"}} (the first
//	                matching pattern in sorted order wins)
type diskCheck struct{}

// diskOptions are the parsed parameters of disk and inode.
type diskOptions struct {
	includeTypes, excludeTypes map[string]bool
	mounts, excludeMounts      []string
	includeRemote              bool
	allowRO                    map[string]bool
	byMount                    []diskMountThresholds
}

// diskMountThresholds are the thresholds of the mount points matching
// Pattern.
type diskMountThresholds struct {
	Pattern string
	Th      inspect.Thresholds
}

// thresholds returns the thresholds for mount: its own from
// mount_thresholds, else def.
func (o diskOptions) thresholds(mount string, def inspect.Thresholds) inspect.Thresholds {
	for _, m := range o.byMount {
		if ok, _ := path.Match(m.Pattern, mount); ok {
			return m.Th
		}
	}
	return def
}

// diskMountList is the mount_thresholds parameter (inspect.ParamUnmarshaler):
// {pattern: {warn: ..., crit: ...}}, in sorted pattern order.
type diskMountList []diskMountThresholds

// ParamType names the parameter's type in `hcops inspect checks`.
func (*diskMountList) ParamType() string { return "mapping of mount pattern to {warn, crit}" }

// UnmarshalParam reads the mapping, parsing each pattern's thresholds.
func (l *diskMountList) UnmarshalParam(spec *inspect.Spec, name string, raw any) error {
	m, ok := raw.(map[string]any)
	if !ok {
		return inspect.BadParamMsg(spec, name, "os.param.disk_mounts", inspect.DescribeParam(raw))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []diskMountThresholds
	for _, k := range keys {
		if _, err := path.Match(k, "/"); err != nil {
			return inspect.BadParamMsg(spec, name, "os.param.bad_pattern", k, err)
		}
		v, ok := m[k].(map[string]any)
		if !ok {
			return inspect.BadParamMsg(spec, name, "os.param.disk_mount_th", k, inspect.DescribeParam(m[k]))
		}
		var warn, crit string
		for kk, vv := range v {
			switch kk {
			case "warn":
				warn = fmt.Sprint(vv)
			case "crit":
				crit = fmt.Sprint(vv)
			default:
				return inspect.BadParamMsg(spec, name, "os.param.disk_mount_key", k, kk)
			}
		}
		th, err := inspect.ParseThresholds(warn, crit)
		if err != nil {
			return inspect.BadParamMsg(spec, name, "os.param.disk_mount_err", k, err)
		}
		out = append(out, diskMountThresholds{Pattern: k, Th: th})
	}
	*l = out
	return nil
}

// inodeParams are the parameters of inode, decoded once when the playbook
// is loaded.
type inodeParams struct {
	IncludeTypes    []string      `param:"include_types"`    // checked although skipped by default (tmpfs)
	ExcludeTypes    []string      `param:"exclude_types"`    // more types to skip
	Mounts          []string      `param:"mounts"`           // only these mount points (globs)
	ExcludeMounts   []string      `param:"exclude_mounts"`   // skip these mount points (globs)
	IncludeRemote   bool          `param:"include_remote"`   // also NFS, CIFS
	MountThresholds diskMountList `param:"mount_thresholds"` // other warn/crit by mount pattern

	opts diskOptions
}

// CheckParams checks the mount patterns and builds the options.
func (p *inodeParams) CheckParams(spec *inspect.Spec) (err error) {
	p.opts, err = diskOptionsOf(spec, p.IncludeTypes, p.ExcludeTypes, nil, p.Mounts, p.ExcludeMounts, p.IncludeRemote, p.MountThresholds)
	return err
}

// diskParams are the parameters of disk: those of inode and
// allow_readonly.
type diskParams struct {
	IncludeTypes    []string      `param:"include_types"`
	ExcludeTypes    []string      `param:"exclude_types"`
	Mounts          []string      `param:"mounts"`
	ExcludeMounts   []string      `param:"exclude_mounts"`
	IncludeRemote   bool          `param:"include_remote"`
	MountThresholds diskMountList `param:"mount_thresholds"`
	AllowReadonly   []string      `param:"allow_readonly"` // mount points read-only on purpose

	opts diskOptions
}

// CheckParams checks the mount patterns and builds the options.
func (p *diskParams) CheckParams(spec *inspect.Spec) (err error) {
	p.opts, err = diskOptionsOf(spec, p.IncludeTypes, p.ExcludeTypes, p.AllowReadonly, p.Mounts, p.ExcludeMounts, p.IncludeRemote, p.MountThresholds)
	return err
}

func diskOptionsOf(spec *inspect.Spec, includeTypes, excludeTypes, allowRO, mounts, excludeMounts []string, remote bool, byMount diskMountList) (diskOptions, error) {
	o := diskOptions{includeTypes: map[string]bool{}, excludeTypes: map[string]bool{}, allowRO: map[string]bool{},
		mounts: mounts, excludeMounts: excludeMounts, includeRemote: remote, byMount: byMount}
	for _, l := range []struct {
		from []string
		into map[string]bool
	}{{includeTypes, o.includeTypes}, {excludeTypes, o.excludeTypes}, {allowRO, o.allowRO}} {
		for _, s := range l.from {
			l.into[s] = true
		}
	}
	for _, p := range append(append([]string{}, mounts...), excludeMounts...) {
		if _, err := path.Match(p, "/"); err != nil {
			return o, inspect.BadParamMsg(spec, "mounts", "os.param.bad_pattern", p, err)
		}
	}
	return o, nil
}

// diskOpts returns the decoded options of disk (inode false) or inode.
func diskOpts(spec *inspect.Spec, inode bool) (diskOptions, error) {
	if inode {
		p, err := inspect.ParamsOf[inodeParams](spec)
		if err != nil {
			return diskOptions{}, err
		}
		return p.opts, nil
	}
	p, err := inspect.ParamsOf[diskParams](spec)
	if err != nil {
		return diskOptions{}, err
	}
	return p.opts, nil
}

// dfCommand returns the df call: POSIX format with types, local only unless
// asked, and the noisiest pseudo filesystems left out on the target so a
// container host with hundreds of overlay mounts does not send them all.
func (o diskOptions) dfCommand(flag string) string {
	cmd := "df -PT" + flag
	if !o.includeRemote {
		cmd += " -l"
	}
	for _, t := range []string{"tmpfs", "devtmpfs", "overlay", "squashfs"} {
		if !o.includeTypes[t] {
			cmd += " -x " + t
		}
	}
	return cmd
}

// keep reports whether a filesystem is checked.
func (o diskOptions) keep(r dfRow) bool {
	if r.Type != "" && !o.includeTypes[r.Type] && (osPseudoFS[r.Type] || o.excludeTypes[r.Type]) {
		return false
	}
	if r.Type == "" && (r.Source == "tmpfs" || r.Source == "devtmpfs" || r.Source == "overlay") && !o.includeTypes[r.Source] {
		return false
	}
	for _, p := range o.excludeMounts {
		if ok, _ := path.Match(p, r.Mount); ok {
			return false
		}
	}
	if len(o.mounts) == 0 {
		return true
	}
	for _, p := range o.mounts {
		if ok, _ := path.Match(p, r.Mount); ok {
			return true
		}
	}
	return false
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (diskCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[diskParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (diskCheck) Validate(spec *inspect.Spec) error { _, err := diskOpts(spec, false); return err }

// Script prints the read-only lines of /proc/mounts (read builtin; a
// Kubernetes node has hundreds of mounts, only ro ones are sent), then runs
// df once. df comes last, after @@DF: a FUSE source named "@@..." by an
// unprivileged user cannot fake a block.
func (diskCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	o, err := diskOpts(spec, false)
	if err != nil {
		return "", err
	}
	return `echo "@@RO"
while read -r s m t o rest; do
  case ",$o," in *,ro,*) echo "M $s $m $t $o 0 0" ;; esac
done < /proc/mounts
echo "@@DF"
` + o.dfCommand("k"), nil
}

// Evaluate returns one result per filesystem.
func (diskCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("disk")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	o, err := diskOpts(env.Spec, false)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	head, dfOut, ok := osCut(env.Section.Stdout, "DF")
	if !ok {
		dfOut = head
	}
	ro := map[string]bool{}
	if b, found := osFind(osSplit(head), "RO"); found {
		var lines []string
		for _, l := range strings.Split(b.Body, "\n") {
			if m, ok := strings.CutPrefix(l, "M "); ok {
				lines = append(lines, m)
			}
		}
		for _, m := range parseProcMounts(strings.Join(lines, "\n")) {
			if m.ReadOnly {
				ro[m.Mount] = true
			}
		}
	}
	rows := parseDF(dfOut)
	th := inspect.DefaultThresholds(env, "~:85", "~:95")
	var out []result.Result
	for _, row := range rows {
		if !o.keep(row) {
			continue
		}
		r := base
		r.Item = row.Mount
		pct := inspect.Round(row.UsedPct(), 1)
		size, used, free := row.Total*1024, row.Used*1024, row.Avail*1024
		if ro[row.Mount] && !o.allowRO[row.Mount] {
			r.Status = result.Crit
			r.Reason = "read-only"
		}
		o.thresholds(row.Mount, th).Apply(&r, pct, "%")
		r.Metrics = []result.Metric{
			{Name: "disk.used_pct", Value: pct, Unit: "%"},
			{Name: "disk.used_bytes", Value: used, Unit: "B"},
			{Name: "disk.size_bytes", Value: size, Unit: "B"},
		}
		inspect.SetMsg(&r, env, "os.disk.msg", row.Mount, pct, inspect.Bytes(free), inspect.Bytes(size), row.Source)
		switch {
		case r.Reason == "read-only":
			inspect.SetMsg(&r, env, i18n.ConcatCode, i18n.S("os.disk.readonly", row.Mount, row.Source, row.Type), "; ", i18n.Sub{Key: r.Code, Args: r.Args})
			inspect.SetAdvice(&r, env, "os.disk.readonly_advice", row.Mount, row.Source)
		case inspect.Notable(r.Status):
			inspect.SetAdvice(&r, env, "os.disk.advice", row.Mount, inspect.Bytes(free), inspect.Bytes(size))
		}
		if inspect.Notable(r.Status) {
			r.Evidence = fmt.Sprintf("%s %s size=%.0fK used=%.0fK avail=%.0fK %s", row.Source, row.Type, row.Total, row.Used, row.Avail, row.Mount)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		r := osUnknownMsg(base, env, "no-filesystems", "os.disk.none")
		if len(rows) > 0 {
			inspect.SetMsg(&r, env, "os.disk.all_filtered", len(rows))
		}
		osSetEvidence(&r, env.Section.Stdout, 20, false)
		return []result.Result{r}
	}
	return out
}

// Disk is the check type playbooks call "disk".
func Disk() inspect.Check { return osGuard{diskCheck{}} }
