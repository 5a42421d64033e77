// Package inspect runs inspection playbooks: it plans which checks apply to
// which assets, collects data through a transport (one batched shell script
// per host, plus probes from this machine), evaluates thresholds and returns
// results. It never writes output or history itself.
package inspect

import (
	"context"
	"sort"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Spec is one check as a playbook writes it, after per-group and per-asset
// overrides from the inventory are applied.
type Spec struct {
	Name        string         `yaml:"name"`             // unique within the playbook, e.g. "disk"
	Type        string         `yaml:"type"`             // key in the registry, e.g. "disk"
	Target      string         `yaml:"target,omitempty"` // selector expression; "" = every asset the playbook targets
	Params      map[string]any `yaml:"params,omitempty"`
	Warn        string         `yaml:"warn,omitempty"` // Nagios range
	Crit        string         `yaml:"crit,omitempty"`
	Advice      string         `yaml:"advice,omitempty"`      // shown with WARN/CRIT results
	Description string         `yaml:"description,omitempty"` // what is checked, for reports
	TimeoutSec  int            `yaml:"timeout_sec,omitempty"`

	// check is the check type Type names, resolved when the playbook is
	// loaded (ParsePlaybook).
	check Check
	// params are Params decoded by the check type (ParamsDecoder), when it
	// declares them as a struct; see ParamsOf.
	params any
}

// Check returns the check type of a spec loaded by ParsePlaybook, nil for
// a spec built by hand.
func (s *Spec) Check() Check { return s.check }

// Section is the output of one check's collector inside the batched host
// script.
type Section struct {
	Stdout    string
	ExitCode  int  // exit status of the collector snippet
	Truncated bool // the host's output hit the bound before or inside this section
	Missing   bool // the section marker never appeared (script died or was cut)
}

// Env is everything a check may use to decide.
type Env struct {
	Spec       *Spec
	Asset      *inventory.Asset
	Thresholds Thresholds
	// Section is the collected output for shell checks; nil for probes that
	// run from this machine.
	Section *Section
	// Since is when this asset was last inspected by this playbook; zero
	// when it never was (a fresh history, or --no-store, which reads none).
	// "Since the last run" windows start here, or 24 h ago when it is zero
	// (WindowStart); a check must not claim an earlier inspection when it
	// is zero.
	Since time.Time
	Now   time.Time
	// SQL holds the run's database connections (one per database asset,
	// shared by all db-* checks of that asset). Nil means each check opens
	// and closes its own connection.
	SQL *transport.SQLPool
	// System is the application system the asset belongs to, when it has
	// one: the http probe checks its Endpoints for assets of kind
	// application. Nil otherwise.
	System *inventory.System
	// Lang is the language ("zh" or "en") of messages and advice a check
	// writes; "" means English.
	Lang string
	// SNMP returns the run's SNMP session to the asset, shared by its SNMP
	// checks (connect.Factory.SNMP). Nil when the run wires no SNMP channel.
	SNMP func() (*transport.SNMPClient, error)
	// Previous returns the results this check (by its name in the
	// playbook) gave this asset in the asset's latest earlier inspection by
	// this playbook, with their metrics: the samples a check turns counters
	// into rates with (store the raw counters as Metrics). It returns nil,
	// nil when there is no earlier result. Previous itself is nil when the
	// run reads no history (--no-store): a check must then say that it
	// cannot compute rates, not guess.
	Previous func(ctx context.Context) ([]result.Result, error)
	// Site is the site this hcops runs at (setting `location`), "" when not
	// set: the ping check measures a link from it to its far end.
	Site string
}

// Check is one check type. Checks that need data from the target return a
// shell snippet from Script; the runner batches every snippet of a host into a
// single remote execution and hands each check its own Section. Checks that
// probe from this machine (http, tcp-connect, dns, remote tls-cert) return ""
// and do their work in Evaluate. A failed probe is a result, never an error.
type Check interface {
	// Script returns the POSIX sh snippet that collects this check's data on
	// the target, or "" for probes run from this machine. Values from the
	// inventory or the playbook must be quoted with ShellQuote.
	Script(spec *Spec, a *inventory.Asset) (string, error)
	// Evaluate turns the collected output (or a probe) into results.
	Evaluate(ctx context.Context, env *Env) []result.Result
}

// Registry is the set of check types a playbook may use, by type name
// ("disk", "http"). It is built explicitly (checks.All) and passed to
// ParsePlaybook and LoadLibrary; a loaded Spec keeps the Check it names, so
// the plan and the runner need no registry of their own.
type Registry map[string]Check

// Lookup returns the check type called name.
func (r Registry) Lookup(name string) (Check, bool) {
	c, ok := r[name]
	return c, ok
}

// Types lists the check type names, sorted.
func (r Registry) Types() []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
