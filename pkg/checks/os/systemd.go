package os

import (
	"context"
	"path"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// systemdUnitCheck reports systemd units (type "systemd-unit").
//
// Without parameters it lists failed units: the value is their count and
// thresholds apply to it (default warn 0, i.e. any failed unit is WARN;
// playbooks may set crit). With `units: [nginx.service, mysqld]` each named
// unit is a result (Item = unit): active is OK; failed, inactive or not
// found is CRIT, because a service someone listed by name is one the
// business needs. `ignore` takes glob patterns of failed units to leave out
// (a known-broken one-shot unit must not hide a new failure behind WARN
// every day).
//
// A host without systemd (CentOS 6, containers) is UNKNOWN with that
// reason.
type systemdUnitCheck struct{}

type systemdOptions struct {
	units, ignore []string
}

// systemdTyped are the parameters of systemd-unit, decoded once when the
// playbook is loaded.
type systemdTyped struct {
	Units  []string `param:"units"`  // units that must be active
	Ignore []string `param:"ignore"` // failed units to leave out (globs)
}

// CheckParams checks the patterns and unit names.
func (p *systemdTyped) CheckParams(spec *inspect.Spec) error {
	for _, g := range p.Ignore {
		if _, err := path.Match(g, "x"); err != nil {
			return inspect.BadParamMsg(spec, "ignore", "os.param.bad_pattern", g, err)
		}
	}
	for _, u := range p.Units {
		if strings.TrimSpace(u) == "" || strings.HasPrefix(u, "-") {
			return inspect.BadParamMsg(spec, "units", "os.param.unit_name", u)
		}
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (systemdUnitCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[systemdTyped](spec)
}

func systemdParams(spec *inspect.Spec) (systemdOptions, error) {
	p, err := inspect.ParamsOf[systemdTyped](spec)
	if err != nil {
		return systemdOptions{}, err
	}
	return systemdOptions{units: p.Units, ignore: p.Ignore}, nil
}

// Validate checks the parameters when the playbook is loaded.
func (systemdUnitCheck) Validate(spec *inspect.Spec) error { _, err := systemdParams(spec); return err }

// Script runs systemctl once: --failed for the failed list (understood
// since systemd 20x, so CentOS 7's 219 works), or `show` for named units.
func (systemdUnitCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	o, err := systemdParams(spec)
	if err != nil {
		return "", err
	}
	head := `if [ ! -d /run/systemd/system ]; then echo "@@NOSYSTEMD"; exit 0; fi
`
	if len(o.units) == 0 {
		return head + `echo "@@FAILED"
systemctl --failed --no-legend --no-pager 2>&1`, nil
	}
	q := make([]string, len(o.units))
	for i, u := range o.units {
		q[i] = inspect.ShellQuote(u)
	}
	return head + `echo "@@SHOW"
systemctl show --no-pager -p Id -p LoadState -p ActiveState -p SubState -- ` + strings.Join(q, " ") + ` 2>&1`, nil
}

// systemdUnit is one unit as systemctl reports it.
type systemdUnit struct {
	Name, Load, Active, Sub, Description string
}

// parseSystemctlFailed reads `systemctl --failed` output with or without
// legend, with or without the bullet glyph newer versions print.
func parseSystemctlFailed(s string) []systemdUnit {
	var out []systemdUnit
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "●" || f[0] == "*" || f[0] == "×") {
			f = f[1:]
		}
		if len(f) < 4 || f[0] == "UNIT" || !strings.Contains(f[0], ".") {
			continue
		}
		if f[2] != "failed" && f[3] != "failed" {
			continue
		}
		u := systemdUnit{Name: f[0], Load: f[1], Active: f[2], Sub: f[3]}
		if len(f) > 4 {
			u.Description = strings.Join(f[4:], " ")
		}
		out = append(out, u)
	}
	return out
}

// parseSystemctlShow reads `systemctl show -p Id -p LoadState ...` for
// several units: blocks of KEY=value separated by blank lines.
func parseSystemctlShow(s string) []systemdUnit {
	var out []systemdUnit
	var cur systemdUnit
	flush := func() {
		if cur.Name != "" || cur.Active != "" {
			out = append(out, cur)
		}
		cur = systemdUnit{}
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "Id":
			if cur.Name != "" {
				flush()
			}
			cur.Name = v
		case "LoadState":
			cur.Load = v
		case "ActiveState":
			cur.Active = v
		case "SubState":
			cur.Sub = v
		}
	}
	flush()
	return out
}

// Evaluate reports failed units or the named ones.
func (systemdUnitCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("systemd-unit")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	o, err := systemdParams(env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	blocks := osSplit(env.Section.Stdout)
	if _, ok := osFind(blocks, "NOSYSTEMD"); ok {
		return []result.Result{osUnknownMsg(base, env, "no-systemd", "os.systemd.none")}
	}
	if b, ok := osFind(blocks, "SHOW"); ok {
		return systemdNamed(env, base, o, b.Body)
	}
	b, ok := osFind(blocks, "FAILED")
	if !ok {
		r := osUnknownMsg(base, env, "unparsable", "os.systemd.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	if strings.Contains(b.Body, "Failed to ") || strings.Contains(b.Body, "Host is down") {
		r := osUnknownMsg(base, env, "systemctl-failed", "os.systemd.error", strings.TrimSpace(osFirstLine(b.Body)))
		osSetEvidence(&r, b.Body, 10, false)
		return []result.Result{r}
	}
	var failed []string
	var lines []string
	for _, u := range parseSystemctlFailed(b.Body) {
		if systemdIgnored(o.ignore, u.Name) {
			continue
		}
		failed = append(failed, u.Name)
		lines = append(lines, strings.TrimSpace(u.Name+" "+u.Load+" "+u.Active+" "+u.Sub+" "+u.Description))
	}
	r := base
	inspect.DefaultThresholds(env, "0", "").Apply(&r, float64(len(failed)), "")
	if len(failed) == 0 {
		inspect.SetMsg(&r, env, "os.systemd.no_failed")
		return []result.Result{r}
	}
	inspect.SetMsg(&r, env, "os.systemd.failed", len(failed), osList(failed, 8))
	r.Evidence = strings.Join(lines, "\n")
	if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "os.systemd.failed_advice", failed[0])
	}
	return []result.Result{r}
}

func systemdNamed(env *inspect.Env, base result.Result, o systemdOptions, body string) []result.Result {
	units := parseSystemctlShow(body)
	byName := map[string]systemdUnit{}
	for _, u := range units {
		byName[u.Name] = u
	}
	var out []result.Result
	for i, name := range o.units {
		r := base
		r.Item = name
		u, ok := byName[name]
		if !ok {
			u, ok = byName[name+".service"]
		}
		if !ok && i < len(units) {
			// systemctl show answers in the order asked.
			u, ok = units[i], true
		}
		switch {
		case !ok:
			r.Status = result.Unknown
			r.Reason = "unparsable"
			inspect.SetMsg(&r, env, "os.systemd.unit_unknown", name)
		case u.Load == "not-found":
			r.Status = result.Crit
			r.Reason = "not-found"
			inspect.SetMsg(&r, env, "os.systemd.unit_notfound", name)
			inspect.SetAdvice(&r, env, "os.systemd.unit_notfound_advice", name)
		case u.Active == "active" || u.Active == "reloading":
			r.Status = result.OK
			inspect.SetMsg(&r, env, "os.systemd.unit_active", name, u.Sub)
		default:
			r.Status = result.Crit
			r.Reason = u.Active
			inspect.SetMsg(&r, env, "os.systemd.unit_down", name, u.Active, u.Sub)
			inspect.SetAdvice(&r, env, "os.systemd.unit_advice", name)
		}
		out = append(out, r)
	}
	return out
}

func systemdIgnored(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// osFirstLine returns the first non-empty line of s.
func osFirstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

// SystemdUnit is the check type playbooks call "systemd-unit".
func SystemdUnit() inspect.Check { return osGuard{systemdUnitCheck{}} }
