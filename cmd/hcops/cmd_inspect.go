package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/atomicfile"
	"github.com/cyhealth/hcops/pkg/checks"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/playbooks"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newInspectCmd(app))
	})
	// Playbook and check targets are inventory selector expressions:
	// validate their syntax when a playbook is loaded.
	inspect.TargetValidator = func(expr string) error {
		_, err := inventory.ParseExpr(expr)
		return err
	}
}

// Default playbooks: the built-in daily Linux inspection for an inventory,
// and the demo of this machine without one.
const (
	defaultFleetPlaybook = "linux-daily"
	defaultLocalPlaybook = "local-default"
)

// dailyPlaybooks are what `hcops inspect` runs over an inventory without
// --playbook (and so the daily-inspection job): Linux hosts, Windows
// servers, the network — devices, links, storage, service ports — and the
// middleware's own health, so every asset of the site gets a check.
var dailyPlaybooks = []string{defaultFleetPlaybook, "windows-daily", "network-daily", "middleware-daily"}

type inspectOptions struct {
	sel                 selectorFlags
	playbooks           []string
	acceptNew           bool
	insecure            bool
	unreachableCritical bool
	noStore             bool
	all                 bool
	evidenceDir         string
}

func newInspectCmd(app *App) *cobra.Command {
	opts := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect [SELECTOR...]",
		Short: "Inspect assets with playbooks (巡检) over SSH, locally and by probes",
		Long: `Inspect runs playbooks against the selected assets and prints a summary,
worst first, grouped by application system.

Without an inventory it inspects this machine with the built-in local-default
playbook. With an inventory (--inventory, HCOPS_INVENTORY or the config file)
and no --playbook it runs the daily set: linux-daily (Linux hosts over SSH),
windows-daily (Windows servers over OpenSSH and PowerShell), network-daily
(network and security devices, links, storage, the appliance, and the
service ports of middleware, databases and applications, by ping and
tcp-connect from this machine) and middleware-daily (Redis, nginx, RabbitMQ
and Tomcat asked for their own health, by the asset's product label).
--playbook takes a playbook's name or
the path of a playbook file (./site.yaml), which is read as it is: every
problem in it is listed with its file and line. SELECTOR arguments are asset name globs
(web-*); --group and -l narrow the selection further. A playbook's own target
(default kind=host) and each check's target decide which checks apply to an
asset; the inventory's checks: overrides (defaults < group < asset) change
thresholds and parameters or disable a check.

Each host gets ONE connection, shared by all its checks, and its shell
collectors run as ONE batched script. Probes (http, tcp-connect, dns, ping,
remote tls-cert) run from this machine; a link is pinged at its far end from
the site this hcops runs at (location: in the config, HCOPS_LOCATION; end a when
unset). A host that cannot be reached gets one result,
check "connect", status UNREACHABLE, with the reason (refused, timeout, auth,
host-key-mismatch, host-key-unknown, dns, network) and a hint.

The run is stored in history as each host finishes (unless --no-store). On
Ctrl-C the hosts already finished are kept and the run is marked interrupted;
hosts that had not finished are left out of it.

Host keys are verified against ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts,
hcops' own ~/.config/hcops/known_hosts and --known-hosts. A changed key is
never accepted. --identity, --known-hosts, --forks, --connect-timeout,
--host-timeout and --playbooks-dir are also read from HCOPS_IDENTITY,
HCOPS_KNOWN_HOSTS, ... and the config file (identity:, known_hosts:, ...).

OUTPUT
  table   the findings (non-OK results; --all for every result) and a counts line
  json    the whole run: run_id, kind, started_at, finished_at, status
          (completed|interrupted), operator, ran_from, playbooks, selector,
          assets, inventory, worst, counts{ok,warn,crit,unknown,unreachable},
          results[] with asset, check, type, item, playbook, system, zone,
          status, value, unit, warn, crit, message, reason, advice, metrics[],
          evidence, evidence_truncated, started_at, duration_ms
  yaml    the same as json
  nagios  one line: "HCOPS CRITICAL - 3 crit, 2 warn, 0 unknown, 1 unreachable
          of 250 hosts | ok=.. warn=.. crit=.. unknown=.. unreachable=.. hosts=.."
          (before "|": hosts by their worst result; after: results per status)

Remote output is stored as it came; everything printed in a table is stripped
of terminal control sequences. --evidence-dir DIR also writes each host's
collected output to DIR/<asset>.txt (mode 0640 narrowed by the umask).

EXIT STATUS
  0    every result OK
  1    at least one WARN, nothing worse
  2    at least one CRIT, whatever else (also UNREACHABLE with
       --unreachable-critical)
  3    UNKNOWN or UNREACHABLE results and no CRIT, or bad flags, inventory
       or playbook
  130  interrupted (Ctrl-C); what finished is stored (unless --no-store)

The JSON "worst" follows the same precedence: CRIT > UNREACHABLE > UNKNOWN >
WARN > OK. An interrupted run's "assets", "counts" and "worst" are those of
the hosts that finished.`,
		Example: `  # this machine, no inventory needed
  hcops inspect

  # the daily inspection of the whole fleet, findings only
  hcops inspect --inventory /etc/hcops/inventory

  # the PACS servers, JSON for a script
  hcops inspect -l system=pacs --playbook linux-daily -o json

  # for Nagios / cron: one line and an exit code
  hcops inspect --group dmz -o nagios --unreachable-critical

  # try a playbook you are writing on this machine
  hcops inspect --playbook ./site.yaml

  # list what can be run, and what a check type takes
  hcops inspect playbooks
  hcops inspect checks
  hcops inspect checks disk`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(cmd.Context(), app, opts, args)
		},
	}
	f := cmd.Flags()
	opts.sel.register(cmd)
	f.StringArrayVarP(&opts.playbooks, "playbook", "p", nil, "playbook to run, by name or as a path to a .yaml file (repeatable; default linux-daily, windows-daily, network-daily and middleware-daily, or local-default without an inventory)")
	f.Int("forks", inspect.DefaultForks, "hosts inspected at once (env HCOPS_FORKS)")
	f.String("host-timeout", inspect.DefaultHostTimeout.String(), "deadline for one host, connection included (env HCOPS_HOST_TIMEOUT)")
	f.String("connect-timeout", inspect.DefaultConnectTimeout.String(), "deadline for connecting to one host (env HCOPS_CONNECT_TIMEOUT)")
	f.String("known-hosts", "", "extra known_hosts file to verify host keys against (env HCOPS_KNOWN_HOSTS)")
	f.String("identity", "", "private key file for SSH (env HCOPS_IDENTITY)")
	f.String("playbooks-dir", "", "directory of your own playbooks (env HCOPS_PLAYBOOKS_DIR)")
	f.BoolVar(&opts.acceptNew, "accept-new-host-keys", false, "trust and record keys of hosts never seen before (never a changed key)")
	f.BoolVar(&opts.insecure, "insecure-ignore-host-key", false, "do not verify host keys at all (test networks only)")
	f.BoolVar(&opts.unreachableCritical, "unreachable-critical", false, "count UNREACHABLE as CRIT (exit 2) instead of UNKNOWN (exit 3)")
	f.BoolVar(&opts.noStore, "no-store", false, "do not record the run in history")
	f.BoolVar(&opts.all, "all", false, "table output: list OK results too")
	f.StringVar(&opts.evidenceDir, "evidence-dir", "", "also write each host's raw collected output to DIR/<asset>.txt")

	cmd.AddCommand(newInspectPlaybooksCmd(app), newInspectChecksCmd(app))
	return cmd
}

func newInspectPlaybooksCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "playbooks",
		Short: "List the built-in and your own playbooks",
		Long: `List the playbooks hcops can run: those built into the binary and those in
the playbooks directory (playbooks_dir in the config, HCOPS_PLAYBOOKS_DIR or
--playbooks-dir). A playbook of yours with the same name as a built-in
replaces it. Playbooks that fail to load are listed with their error.

With -o json or yaml, each playbook is written whole (name, description,
target, source, checks[]).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			lib, err := loadPlaybookLibrary(app)
			if err != nil {
				return err
			}
			if app.Output != "table" {
				return app.PrintData(playbooksData(lib.List()))
			}
			t := app.IO.NewTable(app.T("inspect.header.name"), app.T("inspect.header.checks"), app.T("inspect.header.target"), app.T("inspect.header.source"), app.T("inspect.header.desc"))
			for _, pb := range lib.List() {
				src := pb.Source
				if src == inspect.BuiltinSource {
					src = app.T("inspect.builtin")
				}
				t.Row(pb.Name, strconv.Itoa(len(pb.Checks)), pb.Target, src, inspect.DescriptionIn(firstLine(pb.Description), app.Lang))
			}
			names := make([]string, 0, len(lib.Broken))
			for n := range lib.Broken {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				// One line a playbook: the first problem and how many more
				// (running it, or inspect --playbook FILE, lists them all).
				text := localizePlaybookErr(app, lib.Broken[n]).Error()
				first, rest, _ := strings.Cut(text, "\n")
				if rest != "" {
					first += " " + app.T("inspect.pb.more", strings.Count(rest, "\n")+1)
				}
				t.Row(n, "-", "-", "-", "ERROR: "+first)
			}
			return t.Render()
		},
	}
	cmd.Flags().String("playbooks-dir", "", "directory of your own playbooks (env HCOPS_PLAYBOOKS_DIR)")
	return cmd
}

func newInspectChecksCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "checks [TYPE]",
		Short: "List the check types playbooks can use, or document one",
		Long: `Without TYPE, list the check types a playbook may name and where each runs
(on the target over its connection, or from this machine). With TYPE, show
its documentation: what it looks at, its parameters with their types and
defaults, and what its thresholds apply to.`,
		Example: `  hcops inspect checks
  hcops inspect checks disk
  hcops inspect checks http -o json`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return checks.All().Types(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			reg := checks.All()
			if len(args) == 1 {
				return printCheckType(app, reg, args[0])
			}
			var list []checkTypeData
			for _, name := range reg.Types() {
				list = append(list, checkTypeData{Type: name, Runs: checkRuns(reg[name], name)})
			}
			if app.Output != "table" {
				return app.PrintData(list)
			}
			t := app.IO.NewTable(app.T("inspect.header.type"), app.T("inspect.header.kind"))
			for _, c := range list {
				kind := app.T("inspect.kind.shell")
				if c.Runs == "local" {
					kind = app.T("inspect.kind.probe")
				}
				t.Row(c.Type, kind)
			}
			return t.Render()
		},
	}
}

// checkTypeData is a check type as `hcops inspect checks [TYPE] -o json`
// writes it; Doc and Params only for one type.
type checkTypeData struct {
	Type   string             `json:"type" yaml:"type"`
	Runs   string             `json:"runs" yaml:"runs"` // target or local
	Doc    string             `json:"doc,omitempty" yaml:"doc,omitempty"`
	Params []inspect.ParamDoc `json:"params,omitempty" yaml:"params,omitempty"`
}

// checkRuns says where a check type runs: "target" (a shell collector over
// the asset's connection) or "local" (a probe from this machine).
func checkRuns(c inspect.Check, name string) string {
	// A check that applies only once configured (db-log) has no script
	// without its parameters, but runs on the target.
	_, conditional := c.(inspect.Applier)
	if s, err := c.Script(&inspect.Spec{Name: name, Type: name}, inventory.Localhost()); err == nil && s == "" && !conditional {
		return "local"
	}
	return "target"
}

// printCheckType documents one check type: where it runs, its doc comment
// and its parameters.
func printCheckType(app *App, reg inspect.Registry, typ string) error {
	c, ok := reg.Lookup(typ)
	if !ok {
		msg := app.T("inspect.checks.unknown", typ)
		if near := inspect.Nearest(typ, reg.Types()); near != "" {
			msg += " " + app.T("inspect.checks.did_you_mean", near)
		}
		return flagErrorf("%s", msg)
	}
	d := checkTypeData{Type: typ, Runs: checkRuns(c, typ), Doc: checks.Doc(typ), Params: inspect.Params(c, typ)}
	if app.Output != "table" {
		return app.PrintData(d)
	}
	w := app.IO.Out
	runs := app.T("inspect.kind.shell")
	if d.Runs == "local" {
		runs = app.T("inspect.kind.probe")
	}
	fmt.Fprintf(w, "%s (%s)\n\n%s\n", typ, runs, d.Doc)
	typed := false
	names := make([]string, len(d.Params))
	for i, p := range d.Params {
		typed = typed || p.Type != ""
		names[i] = p.Name
	}
	if len(d.Params) > 0 && !typed {
		fmt.Fprintf(w, "\n%s %s\n", app.T("inspect.checks.params"), strings.Join(names, ", "))
	}
	if typed {
		fmt.Fprintf(w, "\n%s\n", app.T("inspect.checks.params"))
		t := app.IO.NewTable(app.T("inspect.header.name"), app.T("inspect.header.type"), app.T("inspect.checks.default"))
		for _, p := range d.Params {
			t.Row(p.Name, p.Type, p.Default)
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\n%s\n", app.T("inspect.checks.example", typ))
	return nil
}

// playbookData is a playbook as `hcops inspect playbooks -o json|yaml`
// writes it: the field names of the playbook file.
type playbookData struct {
	Name        string      `json:"name" yaml:"name"`
	Description string      `json:"description,omitempty" yaml:"description,omitempty"`
	Target      string      `json:"target" yaml:"target"`
	Source      string      `json:"source" yaml:"source"`
	Checks      []checkData `json:"checks" yaml:"checks"`
}

type checkData struct {
	Name        string         `json:"name" yaml:"name"`
	Type        string         `json:"type" yaml:"type"`
	Target      string         `json:"target,omitempty" yaml:"target,omitempty"`
	Params      map[string]any `json:"params,omitempty" yaml:"params,omitempty"`
	Warn        string         `json:"warn,omitempty" yaml:"warn,omitempty"`
	Crit        string         `json:"crit,omitempty" yaml:"crit,omitempty"`
	Advice      string         `json:"advice,omitempty" yaml:"advice,omitempty"`
	Description string         `json:"description,omitempty" yaml:"description,omitempty"`
	TimeoutSec  int            `json:"timeout_sec,omitempty" yaml:"timeout_sec,omitempty"`
}

func playbooksData(pbs []*inspect.Playbook) []playbookData {
	out := make([]playbookData, 0, len(pbs))
	for _, pb := range pbs {
		d := playbookData{Name: pb.Name, Description: pb.Description, Target: pb.Target, Source: pb.Source}
		for _, c := range pb.Checks {
			d.Checks = append(d.Checks, checkData{Name: c.Name, Type: c.Type, Target: c.Target, Params: c.Params, Warn: c.Warn, Crit: c.Crit, Advice: c.Advice, Description: c.Description, TimeoutSec: c.TimeoutSec})
		}
		out = append(out, d)
	}
	return out
}

// localizePlaybookErr shows a playbook problem in the user's language.
func localizePlaybookErr(app *App, err error) error {
	var pes inspect.PlaybookErrors
	if errors.As(err, &pes) {
		return errors.New(pes.Text(app.Lang))
	}
	var pe *inspect.PlaybookError
	if errors.As(err, &pe) {
		return errors.New(pe.Text(app.Lang))
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func loadPlaybookLibrary(app *App) (*inspect.Library, error) {
	return inspect.LoadLibrary(checks.All(), playbooks.FS, app.Setting("playbooks_dir"))
}

// inspectSettings are the resolved runner settings (flag > env > config).
type inspectSettings struct {
	forks                       int
	hostTimeout, connectTimeout time.Duration
}

func resolveInspectSettings(app *App) (inspectSettings, error) {
	// The dashboard's runs read the same settings without inspect's flags
	// registered: what no flag, variable or config sets is inspect's default.
	s := inspectSettings{forks: inspect.DefaultForks}
	if app.v != nil && app.v.IsSet("forks") {
		s.forks = app.SettingInt("forks")
	}
	if s.forks <= 0 {
		return s, flagErrorf("%s", app.T("inspect.bad_forks", s.forks))
	}
	for _, d := range []struct {
		key, flag string
		dst       *time.Duration
		def       time.Duration
	}{{"host_timeout", "host-timeout", &s.hostTimeout, inspect.DefaultHostTimeout}, {"connect_timeout", "connect-timeout", &s.connectTimeout, inspect.DefaultConnectTimeout}} {
		v := app.Setting(d.key)
		if v == "" {
			*d.dst = d.def
			continue
		}
		dur, err := time.ParseDuration(v)
		if err != nil || dur <= 0 {
			// A bare number in the config file means seconds.
			if n, nerr := strconv.Atoi(v); nerr == nil && n > 0 {
				dur, err = time.Duration(n)*time.Second, nil
			} else {
				return s, flagErrorf("%s", app.T("inspect.bad_duration", d.flag, v))
			}
		}
		*d.dst = dur
	}
	return s, nil
}

func runInspect(ctx context.Context, app *App, opts *inspectOptions, args []string) error {
	if err := app.checkOutput("table", "json", "yaml", "nagios"); err != nil {
		return err
	}
	if opts.acceptNew && opts.insecure {
		return flagErrorf("%s", app.T("inspect.key_flags"))
	}
	settings, err := resolveInspectSettings(app)
	if err != nil {
		return err
	}
	lib, err := loadPlaybookLibrary(app)
	if err != nil {
		return err
	}

	// Assets: the inventory's selection, or this machine.
	var (
		inv      *inventory.Inventory
		assets   []*inventory.Asset
		selector string
	)
	defaultPlaybooks := []string{defaultLocalPlaybook}
	if app.HasInventory() {
		if inv, err = app.Inventory(); err != nil {
			return err
		}
		if zone := app.Setting("zone"); zone != "" && !opts.sel.given(args) {
			// A runner of one network zone inspects what it can reach:
			// its zone's assets, unless told otherwise.
			opts.sel.expr = "zone=" + zone
		}
		sel, err := opts.sel.selector(args)
		if err != nil {
			return err
		}
		opts.sel.warnUnknown(app, inv)
		selector = sel.String()
		assets = inv.Select(sel)
		defaultPlaybooks = dailyPlaybooks
	} else {
		if opts.sel.given(args) && !(len(args) == 1 && args[0] == inventory.LocalhostAssetName && !opts.sel.given(nil)) {
			return flagErrorf("%s", app.T("inspect.no_inv_sel"))
		}
		assets = []*inventory.Asset{inventory.Localhost()}
	}

	names := opts.playbooks
	if len(names) == 0 {
		names = defaultPlaybooks
	}
	var pbs []*inspect.Playbook
	for _, n := range names {
		pb, err := lib.Resolve(n)
		if err != nil {
			return localizePlaybookErr(app, err)
		}
		pbs = append(pbs, pb)
	}
	factory, err := newConnectFactory(app, opts.acceptNew, opts.insecure, inv, settings)
	if err != nil {
		return err
	}
	defer factory.Close()
	var db engine.Store
	if !opts.noStore {
		if db, err = app.Recorder(ctx); err != nil {
			return err
		}
	}
	req := engine.InspectRequest{
		Assets: assets, Playbooks: pbs, Selector: selector, InventorySize: 1,
		Forks: settings.forks, HostTimeout: settings.hostTimeout, ConnectTimeout: settings.connectTimeout,
		// Table and nagios output never show evidence; it is in history
		// (and in --evidence-dir) already.
		DropEvidence: app.Output == "table" || app.Output == "nagios",
		// Links are measured from the site this hcops runs at.
		Site: app.Setting("location"),
	}
	if inv != nil {
		req.InventorySize = len(inv.Assets)
		req.Systems = map[string]*inventory.System{}
		for _, s := range inv.Systems {
			req.Systems[s.Name] = s
		}
	}
	// JSON is written as hosts finish: a 500-host run with evidence is not
	// held in memory to be printed at the end.
	var js *jsonRunWriter
	if app.Output == "json" {
		req.Stream = true
		js = &jsonRunWriter{w: app.IO.Out}
	}
	// Nagios needs only counts: no host's results are kept either.
	var byHost result.Counts
	if app.Output == "nagios" {
		req.Stream = true
	}
	progress := newProgressLine(app)
	var fin engine.RunFinished
	eng := &engine.Engine{Connect: factory, Lang: app.Lang}
	if db != nil {
		eng.Store = db
		// A stored inspection is one line of the audit log too.
		eng.Audit = auditForRun(app)
	}
	run, err := eng.Inspect(ctx, req, func(ev engine.Event) {
		switch ev := ev.(type) {
		case engine.RunStarted:
			js.start(ev.Order)
			if !app.Quiet && app.IO.IsStderrTTY() {
				fmt.Fprintln(app.IO.ErrOut, app.T("inspect.starting", ev.Hosts, strings.Join(ev.Run.Playbooks, ", "), ev.Forks))
			}
		case engine.ResultsStored:
			if ev.Err != nil {
				app.Warnf("%s", app.T("inspect.store_failed", ev.Err))
			}
		case engine.HostDone:
			if opts.evidenceDir != "" {
				if err := writeEvidence(opts.evidenceDir, ev.Asset, ev.Results); err != nil {
					app.Warnf("%s", app.T("inspect.evidence_dir", opts.evidenceDir, err))
				}
			}
			js.add(ev.Asset, ev.Results)
			if len(ev.Results) > 0 {
				byHost.Add(hostCounts(ev.Results).Worst())
			}
			progress.update(ev.Done, ev.Total, ev.Problems)
		case engine.RunFinished:
			fin = ev
			if ev.StoreErr != nil {
				app.Warnf("%s", app.T("inspect.store_failed", ev.StoreErr))
			}
			if ev.AuditErr != nil {
				app.Warnf("%s", app.T("run.audit_failed", ev.AuditErr))
			}
		}
	})
	progress.done()
	switch {
	case errors.Is(err, engine.ErrNothingToInspect):
		msg := app.T("inspect.nothing", strings.Join(playbookNames(pbs), ", "))
		if len(opts.playbooks) > 0 {
			// A device or a link selected with a host playbook: say which
			// playbook checks it.
			msg += app.T("inspect.nothing_daily")
		}
		return errors.New(msg)
	case err != nil:
		return connectErr(app, err)
	}

	switch {
	case js != nil:
		if err := js.finish(run); err != nil {
			return err
		}
	case app.Output == "nagios":
		if err := printNagios(app.IO.Out, run, byHost, run.Assets, opts.unreachableCritical); err != nil {
			return err
		}
	default:
		if err := printInspect(app, opts, run, run.Assets, db != nil); err != nil {
			return err
		}
	}
	if fin.Interrupted() {
		if !app.Quiet {
			fmt.Fprintln(app.IO.ErrOut, interruptedNote(app, fin, db != nil))
		}
		return errInterrupted
	}
	return withExitCode(exitForCounts(run.Counts, opts.unreachableCritical))
}

// interruptedNote tells how far an interrupted run got, and that what
// finished is kept only when the run is stored.
func interruptedNote(app *App, fin engine.RunFinished, stored bool) string {
	if !stored {
		return app.T("inspect.interrupted_not_stored", fin.HostsDone, fin.HostsTotal)
	}
	return app.T("inspect.interrupted", fin.HostsDone, fin.HostsTotal)
}

// jsonRunWriter writes a run as JSON while it runs: each host's results as
// soon as the hosts before it in the inventory are written, so the output
// is in inventory order (each host's results in the order of its checks)
// and a host is held in memory only while one listed before it is still
// running. The run's own fields follow the results; the fields are those of
// result.Run.
type jsonRunWriter struct {
	w       io.Writer
	order   []string
	next    int
	pending map[string][]result.Result
	n       int
	err     error
}

func (j *jsonRunWriter) write(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

func (j *jsonRunWriter) marshal(v any, prefix string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && j.err == nil {
		j.err = err
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (j *jsonRunWriter) start(order []string) {
	if j == nil {
		return
	}
	j.order, j.pending = order, map[string][]result.Result{}
	j.write("{\n  \"results\": [")
}

// add takes a finished host's results and writes what is now in order.
func (j *jsonRunWriter) add(asset string, rs []result.Result) {
	if j == nil {
		return
	}
	j.pending[asset] = rs
	for j.next < len(j.order) {
		rs, ok := j.pending[j.order[j.next]]
		if !ok {
			return
		}
		delete(j.pending, j.order[j.next])
		j.next++
		j.writeResults(rs)
	}
}

func (j *jsonRunWriter) writeResults(rs []result.Result) {
	for i := range rs {
		if j.n > 0 {
			j.write(",")
		}
		j.write("\n    " + j.marshal(&rs[i], "    "))
		j.n++
	}
}

// finish writes what is still held (hosts after one that never finished:
// an interrupted run), then the run's fields, and closes the object.
func (j *jsonRunWriter) finish(run *result.Run) error {
	for ; j.next < len(j.order); j.next++ {
		if rs, ok := j.pending[j.order[j.next]]; ok {
			j.writeResults(rs)
		}
	}
	head := *run
	head.Results = nil
	b := j.marshal(&head, "")
	j.write("\n  ],\n" + strings.TrimPrefix(b, "{\n") + "\n")
	return j.err
}

// exitForCounts is the exit code of a run's counts: that of their worst
// status, so the JSON `worst` and the exit code never disagree.
func exitForCounts(c result.Counts, unreachableCritical bool) int {
	return exitForStatus(c.Worst(), unreachableCritical)
}

// playbookNames lists the playbooks' names.
func playbookNames(pbs []*inspect.Playbook) []string {
	names := make([]string, 0, len(pbs))
	for _, pb := range pbs {
		names = append(names, pb.Name)
	}
	return names
}

// inspectExitCode is the exit code of a list of results: that of their
// worst status (result.Worst).
func inspectExitCode(rs []result.Result, unreachableCritical bool) int {
	worst := result.OK
	for i := range rs {
		worst = result.Worst(worst, rs[i].Status)
	}
	return exitForStatus(worst, unreachableCritical)
}

// exitForStatus maps a run's worst status to its exit code. The worst
// status follows result.Worst's precedence, CRIT > UNREACHABLE > UNKNOWN >
// WARN > OK, so a CRIT pages (2) even when another host could not be
// decided; UNREACHABLE is UNKNOWN (3) unless unreachableCritical (2).
func exitForStatus(worst result.Status, unreachableCritical bool) int {
	switch worst {
	case result.OK:
		return ExitOK
	case result.Warn:
		return ExitWarn
	case result.Crit:
		return ExitCrit
	case result.Unreachable:
		if unreachableCritical {
			return ExitCrit
		}
	}
	return ExitUnknown
}

// newConnectFactory returns how this command reaches assets: this machine
// directly, anything else over SSH through its jump chain, with the
// identity and known_hosts of the settings (checked here: a missing file is
// a usage error) and a passphrase prompt when stdin is a terminal.
func newConnectFactory(app *App, acceptNew, insecure bool, inv *inventory.Inventory, s inspectSettings) (*connect.Factory, error) {
	o := connect.Options{
		Inventory:      inv,
		KnownHosts:     app.Setting("known_hosts"),
		Identity:       app.Setting("identity"),
		AcceptNew:      acceptNew,
		Insecure:       insecure,
		UseAgent:       os.Getenv("SSH_AUTH_SOCK") != "",
		ConnectTimeout: s.connectTimeout,
	}
	if app.IO.IsStdinTTY() {
		var mu sync.Mutex
		o.Prompt = func(keyFile string) ([]byte, error) {
			// One prompt at a time, even with 64 hosts dialing at once.
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprint(app.IO.ErrOut, app.T("inspect.passphrase", keyFile))
			pw, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Fprintln(app.IO.ErrOut)
			return pw, err
		}
	}
	if insecure {
		app.Warnf("%s", app.T("inspect.insecure"))
	}
	f, err := connect.New(o)
	if err != nil {
		return nil, connectErr(app, err)
	}
	return f, nil
}

// connectErr words a file the run needs that is missing or unreadable
// (exit 3 before any host is dialled); other errors pass through.
func connectErr(app *App, err error) error {
	var fe *connect.FileError
	if errors.As(err, &fe) {
		if fe.Asset != "" {
			return errors.New(app.T("inspect.key_file_missing", fe.Asset, fe.Path, fe.Err))
		}
		return errors.New(app.T("inspect.file_missing", fe.What, fe.Path, fe.Err))
	}
	return err
}

// writeEvidence writes one host's collected output to dir/<asset>.txt,
// atomically and 0640 narrowed by the umask: it is raw host output
// (configuration, log lines), not for every local user.
func writeEvidence(dir, asset string, rs []result.Result) error {
	var sb strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&sb, "### %s %s %s\n", r.Check, r.Status, r.Message)
		if r.Evidence != "" {
			sb.WriteString(r.Evidence)
			if !strings.HasSuffix(r.Evidence, "\n") {
				sb.WriteString("\n")
			}
		}
	}
	return atomicfile.Write(filepath.Join(dir, safeFileName(asset)+".txt"), []byte(sb.String()), atomicfile.Mode)
}

// safeFileName keeps an asset name from escaping the evidence directory.
func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	out := string(b)
	if out == "" || out == "." || out == ".." {
		out = "_" + out
	}
	return out
}

// progressLine is the progress bar shown on a TTY's stderr while hosts
// (or policies, files) are worked on: done/total, problems so far, elapsed
// and estimated time. It is cleared at the end; nothing is drawn when
// stderr is not a terminal (cron, pipes) or with -q.
type progressLine struct {
	app  *App
	on   bool
	w    io.Writer
	bar  *progressbar.ProgressBar
	last time.Time
}

func newProgressLine(app *App) *progressLine {
	return &progressLine{app: app, on: app.IO.IsStderrTTY() && !app.Quiet, w: app.IO.ErrOut}
}

func (p *progressLine) update(done, total, problems int) {
	if !p.on || total <= 0 || (done < total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(24),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionUseANSICodes(true))
	}
	p.bar.Describe(p.app.T("inspect.progress_bar", problems))
	p.bar.Set(done)
}

func (p *progressLine) done() {
	if p.bar != nil {
		p.bar.Clear()
	}
}

func printInspect(app *App, opts *inspectOptions, run *result.Run, hosts int, stored bool) error {
	switch app.Output {
	case "json":
		return app.PrintData(run)
	case "yaml":
		// The documented field names are the JSON ones: go through JSON
		// (YAML is a superset of it, so key order is kept).
		data, err := json.Marshal(run)
		if err != nil {
			return err
		}
		var node yaml.Node
		if err := yaml.Unmarshal(data, &node); err != nil {
			return err
		}
		blockStyle(&node)
		return app.PrintData(&node)
	case "nagios":
		return printNagios(app.IO.Out, run, hostCounts(run.Results), hosts, opts.unreachableCritical)
	}
	return printInspectTable(app, opts, run, hosts, stored)
}

// blockStyle drops the flow style and quoting a node parsed from JSON
// carries, so it is written as ordinary block YAML.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func printInspectTable(app *App, opts *inspectOptions, run *result.Run, hosts int, stored bool) error {
	// Worst first, grouped by system: systems ordered by their worst
	// status, then results inside a system worst first.
	systemWorst := map[string]result.Status{}
	for _, r := range run.Results {
		systemWorst[r.System] = result.Worst(systemWorst[r.System], r.Status)
	}
	rs := slices.Clone(run.Results)
	slices.SortStableFunc(rs, func(a, b result.Result) int {
		if c := cmp.Compare(systemWorst[b.System], systemWorst[a.System]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.System, b.System); c != 0 {
			return c
		}
		return cmp.Compare(b.Status, a.Status)
	})
	t := app.IO.NewTable(app.T("inspect.header.status"), app.T("inspect.header.system"), app.T("inspect.header.asset"),
		app.T("inspect.header.check"), app.T("inspect.header.value"), app.T("inspect.header.message"))
	hidden := 0
	for _, r := range rs {
		if r.Status == result.OK && !opts.all {
			hidden++
			continue
		}
		sys := r.System
		if sys == "" {
			sys = app.T("inspect.no_system")
		}
		check := r.Check
		if r.Item != "" && !strings.Contains(check, r.Item) {
			check += " " + r.Item
		}
		msg := r.MessageIn(app.Lang)
		if r.Advice != "" && r.Status != result.OK {
			msg += " — " + r.AdviceIn(app.Lang)
		}
		t.Row(app.T("status."+r.Status.String()), sys, r.Asset, check, formatValue(r), msg)
	}
	if t.Len() > 0 {
		if err := t.Render(); err != nil {
			return err
		}
	}
	w := app.IO.ErrOut
	if app.Quiet {
		return nil
	}
	if hidden > 0 && t.Len() > 0 {
		fmt.Fprintln(w, app.T("inspect.ok_hidden", hidden))
	}
	c := run.Counts
	fmt.Fprintln(w, app.T("inspect.summary", hosts, c.Total(), c.Crit, c.Warn, c.Unknown, c.Unreachable, c.OK))
	if stored && run.ID < 0 {
		fmt.Fprintln(w, app.T("spool.run_spooled"))
	} else if stored {
		fmt.Fprintln(w, app.T("inspect.stored", run.ID, run.ID))
	} else {
		fmt.Fprintln(w, app.T("inspect.not_stored"))
	}
	return nil
}

func formatValue(r result.Result) string {
	if r.Value == nil {
		return ""
	}
	v := strconv.FormatFloat(*r.Value, 'f', -1, 64)
	if f := *r.Value; f != float64(int64(f)) {
		v = strconv.FormatFloat(f, 'f', 2, 64)
	}
	if r.Unit != "" {
		v += " " + r.Unit
	}
	return v
}

// printNagios writes the one-line plugin output: the status word, the
// number of hosts whose worst result is CRIT, WARN, UNKNOWN, UNREACHABLE, and
// perfdata with the number of results per status and of hosts.
func printNagios(w io.Writer, run *result.Run, byHost result.Counts, hosts int, unreachableCritical bool) error {
	words := map[int]string{ExitOK: "OK", ExitWarn: "WARNING", ExitCrit: "CRITICAL", ExitUnknown: "UNKNOWN"}
	word := words[exitForCounts(run.Counts, unreachableCritical)]
	if run.Status == result.RunInterrupted {
		word = "UNKNOWN"
	}
	c := run.Counts
	_, err := fmt.Fprintf(w, "HCOPS %s - %d crit, %d warn, %d unknown, %d unreachable of %d hosts | ok=%d warn=%d crit=%d unknown=%d unreachable=%d hosts=%d\n",
		word, byHost.Crit, byHost.Warn, byHost.Unknown, byHost.Unreachable, hosts,
		c.OK, c.Warn, c.Crit, c.Unknown, c.Unreachable, hosts)
	return err
}

// hostCounts counts hosts by their worst status.
func hostCounts(rs []result.Result) result.Counts {
	worst := map[string]result.Status{}
	for _, r := range rs {
		worst[r.Asset] = result.Worst(worst[r.Asset], r.Status)
	}
	var c result.Counts
	for _, st := range worst {
		c.Add(st)
	}
	return c
}
