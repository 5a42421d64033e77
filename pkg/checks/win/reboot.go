package win

import (
	"context"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// rebootCheck reports a pending reboot (type "win-reboot") from the
// registry keys Windows sets for one: Component Based Servicing
// \RebootPending (a servicing stack or feature change), WindowsUpdate\Auto
// Update\RebootRequired (installed updates), and the Session Manager's
// PendingFileRenameOperations (files replaced at the next boot; installers
// and antivirus set it too, so file_renames: false leaves it out). Any is
// WARN.
type rebootCheck struct{}

// RebootPending is the check type playbooks call "win-reboot".
func RebootPending() inspect.Check { return winGuard{"win-reboot", rebootCheck{}} }

type rebootParams struct {
	FileRenames bool `param:"file_renames"` // count PendingFileRenameOperations (default true)
}

func (p *rebootParams) Defaults() { p.FileRenames = true }

func (rebootCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[rebootParams](spec)
}

func (rebootCheck) Validate(*inspect.Spec) error { return nil }

func (rebootCheck) PowerShellScript(*inspect.Spec, *inventory.Asset) (string, error) {
	return `$c='HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\'
$f=(Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue).PendingFileRenameOperations
ConvertTo-Json -Compress -InputObject @{cbs=(Test-Path -LiteralPath ($c+'Component Based Servicing\RebootPending'));wu=(Test-Path -LiteralPath ($c+'WindowsUpdate\Auto Update\RebootRequired'));renames=@($f|Where-Object{$_}).Count}`, nil
}

type rebootData struct {
	CBS     *bool  `json:"cbs"`
	WU      *bool  `json:"wu"`
	Renames winNum `json:"renames"`
}

func (rebootCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-reboot"
	p, err := inspect.ParamsOf[rebootParams](env.Spec)
	if err != nil {
		return []result.Result{winParamError(typ, err)}
	}
	var d rebootData
	if _, err := winJSON(env.Section.Stdout, &d); err != nil {
		return []result.Result{winUnparsable(typ, env, "registry", err)}
	}
	if d.CBS == nil || d.WU == nil {
		return []result.Result{winUnknown(typ, env, "unparsable", "win.reboot.no_value")}
	}
	var why []i18n.Sub
	if *d.WU {
		why = append(why, i18n.S("win.reboot.wu"))
	}
	if *d.CBS {
		why = append(why, i18n.S("win.reboot.cbs"))
	}
	if p.FileRenames && d.Renames.V > 0 {
		// Entries come in pairs: source, then target ("" to delete).
		why = append(why, i18n.S("win.reboot.renames", int(d.Renames.V)))
	}
	r := result.Result{Type: typ, Status: result.OK}
	r.SetValue(float64(len(why)), "")
	if len(why) == 0 {
		inspect.SetMsg(&r, env, "win.reboot.none")
		return []result.Result{r}
	}
	r.Status = result.Warn
	r.Reason = "reboot-pending"
	inspect.SetMsg(&r, env, "win.reboot.pending")
	inspect.AddNotes(&r, env, "", why)
	inspect.SetAdvice(&r, env, "win.reboot.advice")
	return []result.Result{r}
}
