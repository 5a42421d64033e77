package inspect

import (
	"fmt"
	"maps"
	"sort"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// Plan says which checks run on which asset, with thresholds and parameters
// after the inventory's overrides. It is built before any host is contacted,
// so every playbook and override error is known up front.
type Plan struct {
	Playbooks []string    `json:"playbooks"`
	Hosts     []*HostPlan `json:"hosts"`
}

// HostPlan is the work for one asset.
type HostPlan struct {
	Asset *inventory.Asset `json:"-"`
	Name  string           `json:"asset"`
	Items []*Item          `json:"checks"`
}

// Item is one check of one playbook on one asset.
type Item struct {
	Playbook   string     `json:"playbook"`
	Spec       Spec       `json:"spec"` // after overrides
	Check      Check      `json:"-"`
	Thresholds Thresholds `json:"-"`
	// Script is the collector snippet; "" for probes run from this machine.
	Script string `json:"-"`
	// PowerShell says Script is a PowerShell snippet (a Windows asset,
	// PowerShellScripter), batched into the host's PowerShell script.
	PowerShell bool `json:"-"`
	// Err is set when the item cannot run (bad override, bad parameter): the
	// runner reports it as UNKNOWN instead of running it.
	Err error `json:"-"`
}

// Shell reports whether the item collects data on the target.
func (it *Item) Shell() bool { return it.Script != "" }

// Matcher compiles a selector expression into a predicate over assets. The
// command layer passes the inventory's selector parser.
type Matcher func(expr string) (func(*inventory.Asset) bool, error)

// PlanInput is what a plan is built from.
type PlanInput struct {
	// Assets are the assets the user selected (inventory ∩ CLI selector), in
	// the order they should be reported.
	Assets    []*inventory.Asset
	Playbooks []*Playbook
	// Match compiles playbook and check targets.
	Match Matcher
	// Overrides returns the effective check overrides of an asset, defaults
	// < group < asset already merged; nil means the asset's own `checks:`.
	Overrides func(a *inventory.Asset) map[string]inventory.CheckOverride
}

// BuildPlan selects, for each asset, the checks that apply: the asset must
// match the playbook's target and the check's own target; an override with
// `disabled: true` removes the check; other overrides replace warn/crit and
// merge params. Assets no check applies to are left out. Errors are returned
// only for bad selector expressions; a bad override or parameter is attached
// to its item and reported as UNKNOWN for that asset, so one typo in one
// asset does not stop the inspection of the fleet.
func BuildPlan(in PlanInput) (*Plan, error) {
	p := &Plan{}
	type compiled struct {
		pb     *Playbook
		target func(*inventory.Asset) bool
		checks []func(*inventory.Asset) bool
	}
	comp := make([]compiled, 0, len(in.Playbooks))
	match := in.Match
	if match == nil {
		match = func(string) (func(*inventory.Asset) bool, error) {
			return func(*inventory.Asset) bool { return true }, nil
		}
	}
	for _, pb := range in.Playbooks {
		p.Playbooks = append(p.Playbooks, pb.Name)
		c := compiled{pb: pb}
		var err error
		if c.target, err = match(pb.Target); err != nil {
			return nil, fmt.Errorf("%s: target %q: %w", pb.File, pb.Target, err)
		}
		for i := range pb.Checks {
			var m func(*inventory.Asset) bool
			if t := pb.Checks[i].Target; t != "" {
				if m, err = match(t); err != nil {
					line := 0
					if i < len(pb.Lines) {
						line = pb.Lines[i]
					}
					return nil, fmt.Errorf("%s:%d: check %s: target %q: %w", pb.File, line, pb.Checks[i].Name, t, err)
				}
			}
			c.checks = append(c.checks, m)
		}
		comp = append(comp, c)
	}
	for _, a := range in.Assets {
		hp := &HostPlan{Asset: a, Name: a.Name}
		ov := a.Checks
		if in.Overrides != nil {
			ov = in.Overrides(a)
		}
		probeOnly := a.Connection.Transport == inventory.TransportNone
		for _, c := range comp {
			if !c.target(a) {
				continue
			}
			for i := range c.pb.Checks {
				if c.checks[i] != nil && !c.checks[i](a) {
					continue
				}
				it := planItem(c.pb, &c.pb.Checks[i], a, ov)
				if it == nil || (probeOnly && it.Shell()) {
					continue
				}
				hp.Items = append(hp.Items, it)
			}
		}
		if len(hp.Items) > 0 {
			p.Hosts = append(p.Hosts, hp)
		}
	}
	return p, nil
}

// Applier is implemented by check types that concern an asset only once
// something is configured for it (db-log: only databases whose log paths
// are given). The plan leaves such a check out for the other assets, as if
// disabled: nothing runs for it there and no result is reported.
type Applier interface {
	Applies(spec *Spec, a *inventory.Asset) bool
}

// planItem applies the override for spec (by check name) and prepares the
// ResultItem; nil when the override disables the check.
func planItem(pb *Playbook, base *Spec, a *inventory.Asset, ov map[string]inventory.CheckOverride) *Item {
	spec := *base
	o, has := ov[spec.Name]
	if has && o.Disabled {
		return nil
	}
	if has {
		if o.Warn != "" {
			spec.Warn = o.Warn
		}
		if o.Crit != "" {
			spec.Crit = o.Crit
		}
		if len(o.Params) > 0 {
			params := maps.Clone(spec.Params)
			if params == nil {
				params = map[string]any{}
			}
			keys := make([]string, 0, len(o.Params))
			for k := range o.Params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				params[k] = o.Params[k]
			}
			spec.Params = params
			spec.params = nil
		}
	}
	it := &Item{Playbook: pb.Name, Spec: spec}
	c := spec.check
	if c == nil {
		it.Err = fmt.Errorf("check %s: check type %q not resolved (load the playbook with ParsePlaybook)", spec.Name, spec.Type)
		return it
	}
	if ap, ok := c.(Applier); ok && !ap.Applies(&it.Spec, a) {
		return nil
	}
	it.Check = c
	if d, ok := c.(ParamsDecoder); ok && it.Spec.params == nil {
		// Decoded again only when an override changed the parameters.
		p, err := d.DecodeParams(&it.Spec)
		if err != nil {
			// Only this asset's override can be wrong here: the
			// playbook's own parameters were checked when it was loaded.
			it.Err = i18n.NewError("inspect.plan.override_params", err, spec.Name, a.Name)
			return it
		}
		setDecoded(&it.Spec, p)
	}
	th, err := ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		it.Err = i18n.NewError("inspect.plan.threshold_playbook", spec.Name, pb.Name, err)
		if has {
			it.Err = i18n.NewError("inspect.plan.threshold_override", spec.Name, a.Name, err)
		}
		return it
	}
	it.Thresholds = th
	if WindowsHost(a) {
		return windowsItem(it, c, a)
	}
	if it.Script, err = safeScript(c, &it.Spec, a); err != nil {
		it.Err = err
	}
	it.Script = withTimeout(it.Script, spec.TimeoutSec)
	return it
}

// windowsItem prepares the item of a Windows asset: the check's PowerShell
// snippet when it has one; a check that collects with POSIX sh cannot run
// there and says so; a probe (no snippet) runs as everywhere. timeout_sec
// does not bound a PowerShell snippet (the host deadline does).
func windowsItem(it *Item, c Check, a *inventory.Asset) *Item {
	if ps, ok := c.(PowerShellScripter); ok {
		script, err := safePowerShellScript(ps, &it.Spec, a)
		if err != nil {
			it.Err = err
		}
		it.Script, it.PowerShell = script, script != ""
		return it
	}
	sh, err := safeScript(c, &it.Spec, a)
	switch {
	case err != nil:
		it.Err = err
	case sh != "":
		it.Err = i18n.NewError("inspect.plan.posix_on_windows", it.Spec.Name, it.Spec.Type, a.Name)
	}
	return it
}

// safePowerShellScript is safeScript for PowerShell snippets.
func safePowerShellScript(c PowerShellScripter, s *Spec, a *inventory.Asset) (script string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check %s: internal error building the PowerShell collector: %v", s.Name, p)
		}
	}()
	return c.PowerShellScript(s, a)
}

// killedExitCode is the exit status of a collector killed by timeout -s KILL.
const killedExitCode = 128 + 9

// withTimeout bounds a collector snippet to sec seconds with coreutils
// timeout(1) when the target has it (busybox's differs and is skipped: the
// host deadline still applies). The snippet runs in its own subshell of the
// batch script, so exec replaces only that subshell.
func withTimeout(script string, sec int) string {
	if script == "" || sec <= 0 {
		return script
	}
	return fmt.Sprintf("if timeout --version >/dev/null 2>&1; then exec timeout -s KILL %d /bin/sh -c %s; fi\n%s", sec, ShellQuote(script), script)
}

// Counts returns the number of hosts and items in the plan.
func (p *Plan) Counts() (hosts, items int) {
	for _, h := range p.Hosts {
		items += len(h.Items)
	}
	return len(p.Hosts), items
}
