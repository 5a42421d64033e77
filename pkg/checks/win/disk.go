package win

import (
	"context"
	"sort"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// diskCheck reports the space used on each local fixed volume (type
// "win-disk"), one result per drive letter (Item "C:"), from
// Win32_LogicalDisk DriveType=3 (Size and FreeSpace in bytes). Default
// thresholds warn ~:85 crit ~:95 percent used, like Linux disk.
type diskCheck struct{}

// Disk is the check type playbooks call "win-disk".
func Disk() inspect.Check { return winGuard{"win-disk", diskCheck{}} }

type diskParams struct {
	Drives        []string `param:"drives"`         // only these drive letters ("C:", "D*"); all when empty
	ExcludeDrives []string `param:"exclude_drives"` // leave these out
}

func (p *diskParams) CheckParams(spec *inspect.Spec) error {
	if err := winCheckPatterns(spec, "drives", p.Drives); err != nil {
		return err
	}
	return winCheckPatterns(spec, "exclude_drives", p.ExcludeDrives)
}

func (diskCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[diskParams](spec)
}

func (diskCheck) Validate(*inspect.Spec) error { return nil }

func (diskCheck) PowerShellScript(*inspect.Spec, *inventory.Asset) (string, error) {
	return `ConvertTo-Json -Compress -InputObject @(Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3'|ForEach-Object{@{id=$_.DeviceID;label=$_.VolumeName;fs=$_.FileSystem;size=$_.Size;free=$_.FreeSpace}})`, nil
}

type diskVol struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	FS    string `json:"fs"`
	Size  winNum `json:"size"`
	Free  winNum `json:"free"`
}

func (diskCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-disk"
	p, err := inspect.ParamsOf[diskParams](env.Spec)
	if err != nil {
		return []result.Result{winParamError(typ, err)}
	}
	var vols winList[diskVol]
	if _, err := winJSON(env.Section.Stdout, &vols); err != nil {
		return []result.Result{winUnparsable(typ, env, "Win32_LogicalDisk", err)}
	}
	sort.SliceStable(vols, func(i, j int) bool { return strings.ToUpper(vols[i].ID) < strings.ToUpper(vols[j].ID) })
	th := inspect.DefaultThresholds(env, "~:85", "~:95")
	var rs []result.Result
	for _, v := range vols {
		id := strings.ToUpper(strings.TrimSpace(v.ID))
		if id == "" || (len(p.Drives) > 0 && !winMatch(p.Drives, id)) || winMatch(p.ExcludeDrives, id) {
			continue
		}
		if !v.Size.Valid || v.Size.V <= 0 {
			// An unformatted or offline volume has no size: nothing to judge.
			continue
		}
		r := result.Result{Type: typ, Item: id}
		if !v.Free.Valid || v.Free.V < 0 || v.Free.V > v.Size.V {
			rs = append(rs, winUnknown(typ, env, "unparsable", "win.disk.bad_volume", id))
			rs[len(rs)-1].Item = id
			continue
		}
		used := v.Size.V - v.Free.V
		pct := inspect.Round(used/v.Size.V*100, 1)
		th.Apply(&r, pct, "%")
		r.Metrics = []result.Metric{{Name: "disk.used", Value: pct, Unit: "%"}, {Name: "disk.free_bytes", Value: v.Free.V, Unit: "B"}}
		inspect.SetMsg(&r, env, "win.disk.msg", id, pct, inspect.Bytes(v.Free.V), inspect.Bytes(v.Size.V))
		if inspect.Notable(r.Status) {
			inspect.SetAdvice(&r, env, "win.disk.advice", id)
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return []result.Result{winUnknown(typ, env, "no-volume", "win.disk.none")}
	}
	return rs
}
