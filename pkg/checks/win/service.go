package win

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// serviceCheck reports Windows services that should run and do not (type
// "win-service"): every service whose start mode is Automatic and whose
// state is not Running (WARN), and every service named in `required` that
// is not running or not installed (CRIT). Names are the services' key
// names (Name, e.g. "W3SVC"), which Windows does not translate; display
// names are shown beside them.
//
// Some automatic services stop by design once their work is done: those
// started by a trigger (a device, a network event: registry key TriggerInfo)
// are left out unless include_trigger is set, and the usual ones
// (defaultAllowStopped) with them; allow_stopped adds the site's own.
type serviceCheck struct{}

// Service is the check type playbooks call "win-service".
func Service() inspect.Check { return winGuard{"win-service", serviceCheck{}} }

// defaultAllowStopped are automatic services of Windows Server 2016-2022
// (and the browsers' updaters) that are normally stopped between runs.
var defaultAllowStopped = []string{
	"gupdate", "gupdatem", "edgeupdate", "edgeupdatem", "MapsBroker", "sppsvc",
	"RemoteRegistry", "CDPSvc", "tiledatamodelsvc", "clr_optimization_*",
	"WbioSrvc", "OneSyncSvc_*", "CDPUserSvc_*", "MSDTC",
}

type serviceParams struct {
	Required       []string `param:"required"`        // must be running (CRIT otherwise), by service name
	AllowStopped   []string `param:"allow_stopped"`   // automatic services that may be stopped (globs)
	IncludeTrigger bool     `param:"include_trigger"` // report trigger-start services too
}

func (p *serviceParams) CheckParams(spec *inspect.Spec) error {
	for _, n := range p.Required {
		if strings.TrimSpace(n) == "" || strings.ContainsAny(n, "*?[") {
			return inspect.BadParamMsg(spec, "required", "win.param.service_name", n)
		}
	}
	return winCheckPatterns(spec, "allow_stopped", p.AllowStopped)
}

func (serviceCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[serviceParams](spec)
}

func (serviceCheck) Validate(*inspect.Spec) error { return nil }

func (serviceCheck) PowerShellScript(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	p, err := inspect.ParamsOf[serviceParams](spec)
	if err != nil {
		return "", err
	}
	return `$q=` + winPSList(p.Required) + `
$k='HKLM:\SYSTEM\CurrentControlSet\Services\'
ConvertTo-Json -Compress -InputObject @{required=$q;services=@(Get-CimInstance Win32_Service|Where-Object{($_.StartMode -eq 'Auto' -and $_.State -ne 'Running') -or $q -contains $_.Name}|ForEach-Object{@{name=$_.Name;display=$_.DisplayName;state=$_.State;start=$_.StartMode;exit=$_.ExitCode;delayed=$_.DelayedAutoStart;trigger=(Test-Path -LiteralPath ($k+$_.Name+'\TriggerInfo'))}})}`, nil
}

type serviceInfo struct {
	Name    string `json:"name"`
	Display string `json:"display"`
	State   string `json:"state"`
	Start   string `json:"start"`
	Exit    winNum `json:"exit"`
	Delayed *bool  `json:"delayed"`
	Trigger bool   `json:"trigger"`
}

type serviceData struct {
	Services winList[serviceInfo] `json:"services"`
}

func (serviceCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-service"
	p, err := inspect.ParamsOf[serviceParams](env.Spec)
	if err != nil {
		return []result.Result{winParamError(typ, err)}
	}
	var d serviceData
	if _, err := winJSON(env.Section.Stdout, &d); err != nil {
		return []result.Result{winUnparsable(typ, env, "Win32_Service", err)}
	}
	byName := map[string]serviceInfo{}
	for _, s := range d.Services {
		byName[strings.ToLower(s.Name)] = s
	}
	label := func(s serviceInfo) string {
		if s.Display != "" && !strings.EqualFold(s.Display, s.Name) {
			return fmt.Sprintf("%s (%s)", s.Name, s.Display)
		}
		return s.Name
	}
	var requiredDown, missing, stopped []string
	var evidence []string
	required := map[string]bool{}
	for _, n := range p.Required {
		required[strings.ToLower(n)] = true
		s, ok := byName[strings.ToLower(n)]
		switch {
		case !ok:
			missing = append(missing, n)
		case !strings.EqualFold(s.State, "Running"):
			requiredDown = append(requiredDown, label(s))
			evidence = append(evidence, serviceLine(s))
		}
	}
	allow := append(append([]string{}, defaultAllowStopped...), p.AllowStopped...)
	for _, s := range d.Services {
		if required[strings.ToLower(s.Name)] || !strings.EqualFold(s.Start, "Auto") || strings.EqualFold(s.State, "Running") {
			continue
		}
		if winMatch(allow, s.Name) || (s.Trigger && !p.IncludeTrigger) {
			continue
		}
		stopped = append(stopped, label(s))
		evidence = append(evidence, serviceLine(s))
	}
	sort.Strings(stopped)
	r := result.Result{Type: typ, Status: result.OK}
	n := float64(len(requiredDown) + len(missing) + len(stopped))
	r.SetValue(n, "")
	switch {
	case len(requiredDown)+len(missing) > 0:
		r.Status = result.Crit
		if len(requiredDown) > 0 {
			inspect.SetMsg(&r, env, "win.service.required_down", len(requiredDown), winJoin(requiredDown, 5))
		}
		if len(missing) > 0 {
			inspect.AddMsg(&r, env, "win.service.missing", winJoin(missing, 5))
		}
		if len(stopped) > 0 {
			inspect.AddMsg(&r, env, "win.service.also_stopped", len(stopped), winJoin(stopped, 5))
		}
		inspect.SetAdvice(&r, env, "win.service.advice")
	case len(stopped) > 0:
		r.Status = result.Warn
		inspect.SetMsg(&r, env, "win.service.auto_stopped", len(stopped), winJoin(stopped, 5))
		inspect.SetAdvice(&r, env, "win.service.advice")
	default:
		inspect.SetMsg(&r, env, "win.service.ok", len(p.Required))
	}
	if len(evidence) > 0 {
		inspect.SetEvidence(&r, strings.Join(evidence, "\n"), false)
	}
	return []result.Result{r}
}

// serviceLine is one service in the evidence: name, state, start mode and
// the exit code it last stopped with.
func serviceLine(s serviceInfo) string {
	start := s.Start
	if s.Delayed != nil && *s.Delayed {
		start += " (delayed)"
	}
	if s.Trigger {
		start += " (trigger)"
	}
	return fmt.Sprintf("%s\t%s\t%s\texit %.0f\t%s", s.Name, s.State, start, s.Exit.V, s.Display)
}
