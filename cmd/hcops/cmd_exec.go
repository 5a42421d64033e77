package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newExecCmd(app))
	})
}

type execOptions struct {
	sel     selectorFlags
	script  string
	become  bool
	dryRun  bool
	approve bool
	valid   time.Duration
	remote  remoteFlags
}

func newExecCmd(app *App) *cobra.Command {
	opts := &execOptions{}
	cmd := &cobra.Command{
		Use:   "exec SELECTOR... [--] COMMAND | exec SELECTOR... --script FILE",
		Short: "Run a command or script on many hosts at once, audited",
		Long: `exec runs one command (everything after --) or one script file (--script)
with /bin/sh on every selected asset, --forks at a time, each under
--host-timeout, over the same verified SSH connections as inspect. Output is
grouped: hosts that printed the same thing with the same exit code are one
block ("137 hosts, exit 0: ..."), hosts that differ are shown on their own.

Every exec is appended to the audit log (--audit-log): who, from where,
when, the targets, the command (or the script's name and SHA-256) and each
host's exit code. Assets that are core (criticality: core, on the asset or its
system) or appliances need --confirm with their names typed back
(comma-separated), so a mistyped selector cannot restart the core systems.
--dry-run lists the targets and runs nothing.

Two-person approval (二次审批): with remote.approval: core (or all) in the
config, core assets (or all) need --approval FILE instead: a file the second
person writes from their own account with the same selection, command and
--approve (hcops exec --group his --approve -- systemctl restart his >
/tmp/approval.yaml). It names the exact command (its SHA-256), the assets and
an expiry (--valid, 2h); it must belong to the approver, be read-only to
others, and is refused when it was written by the operator's own account.

EXIT STATUS
  0    every host ran the command and it exited 0
  2    the command exited non-zero on at least one host
  3    at least one host could not be reached or gave no exit status within
       --host-timeout (and none exited non-zero); or bad flags, no target,
       a missing --confirm
  130  interrupted (Ctrl-C); hosts that finished are shown and audited`,
		Example: `  hcops exec --group pacs -- systemctl restart pacs-worker
  hcops exec 'web-*' --become -- 'systemctl is-active nginx'
  hcops exec --group his --script fix-ntp.sh --dry-run
  hcops exec his-db-01 --confirm his-db-01 -- df -h /data`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, command := args, []string(nil)
			if i := cmd.ArgsLenAtDash(); i >= 0 {
				sel, command = args[:i], args[i:]
			}
			return runExec(cmd.Context(), app, opts, sel, command)
		},
	}
	f := cmd.Flags()
	opts.sel.register(cmd)
	f.StringVar(&opts.script, "script", "", "run this script file (sh) instead of a command")
	f.BoolVar(&opts.become, "become", false, "run through sudo on every host (sudo -n; never prompts)")
	f.BoolVar(&opts.dryRun, "dry-run", false, "list the target hosts and run nothing")
	f.BoolVar(&opts.approve, "approve", false, "as the second person: print an approval file for this command on these assets, run nothing")
	f.DurationVar(&opts.valid, "valid", 2*time.Hour, "with --approve: how long the approval holds")
	f.Int("forks", 32, "hosts worked on at once (env HCOPS_FORKS)")
	f.String("host-timeout", "10m", "deadline for one host, connection included (env HCOPS_HOST_TIMEOUT)")
	opts.remote.register(cmd)
	return cmd
}

// remoteFlags are the flags exec, cp and ssh share: how to connect, and
// the guards on core assets.
type remoteFlags struct {
	confirm, approval   string
	acceptNew, insecure bool
}

func (r *remoteFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.confirm, "confirm", "", "names of the core assets and appliances selected, typed back (comma-separated)")
	f.StringVar(&r.approval, "approval", "", "a second person's approval file for this action on these assets (config remote.approval)")
	f.String("connect-timeout", "10s", "deadline for connecting to one host (env HCOPS_CONNECT_TIMEOUT)")
	f.String("known-hosts", "", "extra known_hosts file (env HCOPS_KNOWN_HOSTS)")
	f.String("identity", "", "private key file for SSH (env HCOPS_IDENTITY)")
	f.BoolVar(&r.acceptNew, "accept-new-host-keys", false, "trust and record keys of hosts never seen before (never a changed key)")
	f.BoolVar(&r.insecure, "insecure-ignore-host-key", false, "do not verify host keys at all (test networks only)")
}

// connect checks the flags and returns the factory and the audit log of a
// remote command; done closes both.
func (r *remoteFlags) connect(app *App, inv *inventory.Inventory, s inspectSettings) (f *connect.Factory, log *audit.Log, done func(), err error) {
	if r.acceptNew && r.insecure {
		return nil, nil, nil, flagErrorf("%s", app.T("inspect.key_flags"))
	}
	if f, err = newConnectFactory(app, r.acceptNew, r.insecure, inv, s); err != nil {
		return nil, nil, nil, err
	}
	if log, err = openAuditLog(app); err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	return f, log, func() { log.Close(); f.Close() }, nil
}

// auditOutcome warns when the action ran but could not be audited, and
// returns the error to stop on otherwise.
func auditOutcome(app *App, err error) (audited bool, _ error) {
	var ae *engine.AuditError
	switch {
	case errors.As(err, &ae):
		app.Warnf("%s", app.T("exec.audit_failed", ae.Err))
		return false, nil
	case err != nil:
		return false, connectErr(app, err)
	}
	return true, nil
}

// critical reports whether a is core (itself or its system) or an
// appliance: assets an exec must be confirmed for.
func critical(inv *inventory.Inventory, a *inventory.Asset) bool {
	if a.Kind == inventory.KindAppliance || a.Criticality == inventory.CriticalityCore {
		return true
	}
	for _, s := range inv.Systems {
		if s.Name == a.System && s.Criticality == inventory.CriticalityCore {
			return true
		}
	}
	return false
}

func runExec(ctx context.Context, app *App, opts *execOptions, selArgs, command []string) error {
	if err := app.checkOutput("table", "json"); err != nil {
		return err
	}
	req := engine.ExecRequest{Become: opts.become}
	switch {
	case opts.script != "" && len(command) > 0:
		return flagErrorf("%s", app.T("exec.both"))
	case opts.script != "":
		data, err := os.ReadFile(opts.script)
		if err != nil {
			return flagErrorf("%s", app.T("exec.script_read", opts.script, err))
		}
		req.Script, req.ScriptFile, req.Name = string(data), opts.script, "script "+opts.script
	case len(command) > 0:
		// The words after -- are one command line, as ssh takes them.
		req.Script, req.Name = strings.Join(command, " "), strings.Join(command, " ")
	default:
		return flagErrorf("%s", app.T("exec.no_command"))
	}
	assets, inv, err := selectTargets(app, &opts.sel, selArgs)
	if err != nil {
		return err
	}
	req.Assets = assets
	if opts.dryRun {
		t := app.IO.NewTable(app.T("exec.header.asset"), app.T("exec.header.address"), app.T("exec.header.system"), app.T("exec.header.core"))
		for _, a := range req.Assets {
			core := ""
			if critical(inv, a) {
				core = app.T("exec.core_mark")
			}
			t.Row(a.Name, a.Address, a.System, core)
		}
		if err := t.Render(); err != nil {
			return err
		}
		app.Infof("%s", app.T("exec.dry_run", len(req.Assets), req.Name))
		return nil
	}
	if opts.approve {
		a, err := engine.NewApproval(req.Script, req.Name, assetNames(req.Assets), opts.valid, time.Now())
		if err != nil {
			return err
		}
		data, err := a.Marshal()
		if err != nil {
			return err
		}
		_, err = app.IO.Out.Write(data)
		return err
	}
	if err := authorise(app, inv, req.Assets, opts.remote.confirm, opts.remote.approval, req.Script); err != nil {
		return err
	}
	s, err := resolveInspectSettings(app)
	if err != nil {
		return err
	}
	req.Forks, req.HostTimeout, req.ConnectTimeout = s.forks, s.hostTimeout, s.connectTimeout
	factory, log, done, err := opts.remote.connect(app, inv, s)
	if err != nil {
		return err
	}
	defer done()
	eng := &engine.Engine{Connect: factory, Lang: app.Lang, Audit: log}
	progress := newProgressLine(app)
	problems := 0
	run, err := eng.Exec(ctx, req, func(ev engine.Event) {
		if d, ok := ev.(engine.ExecDone); ok {
			if d.Output.ExitCode != 0 {
				problems++
			}
			progress.update(d.Done, d.Total, problems)
		}
	})
	progress.done()
	audited, err := auditOutcome(app, err)
	if err != nil {
		return err
	}
	if err := printExec(app, run); err != nil {
		return err
	}
	if run.Interrupted {
		return errInterrupted
	}
	if !audited {
		return withExitCode(ExitUnknown)
	}
	return withExitCode(execExitCode(run.Outputs))
}

// execExitCode: 2 when the command exited non-zero anywhere, else 3 when a
// host gave no exit status, else 0.
func execExitCode(outs []engine.HostOutput) int {
	code := ExitOK
	for _, o := range outs {
		switch {
		case o.Reached() && o.ExitCode != 0:
			return ExitCrit
		case !o.Reached():
			code = ExitUnknown
		}
	}
	return code
}

// execGroup is hosts that gave the same answer.
type execGroup struct {
	Hosts    []string `json:"hosts"`
	ExitCode int      `json:"exit_code"`
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr"`
	Error    string   `json:"error,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// groupOutputs collapses hosts with the same exit code, output and error
// into one group; the largest groups come first, then by first host.
func groupOutputs(outs []engine.HostOutput) []execGroup {
	idx := map[string]int{}
	var groups []execGroup
	for _, o := range outs {
		errText := o.Error
		if o.Reason != "" {
			errText = o.Reason // "refused", "timeout": the host names differ in the message
		}
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", o.ExitCode, o.Stdout, o.Stderr, errText)
		i, ok := idx[key]
		if !ok {
			i = len(groups)
			idx[key] = i
			groups = append(groups, execGroup{ExitCode: o.ExitCode, Stdout: o.Stdout, Stderr: o.Stderr, Error: o.Error, Reason: o.Reason})
		}
		groups[i].Hosts = append(groups[i].Hosts, o.Asset)
	}
	sort.SliceStable(groups, func(i, j int) bool { return len(groups[i].Hosts) > len(groups[j].Hosts) })
	return groups
}

func printExec(app *App, run *engine.ExecRun) error {
	groups := groupOutputs(run.Outputs)
	if app.Output == "json" {
		return app.PrintData(struct {
			*engine.ExecRun
			Groups []execGroup `json:"groups"`
		}{run, groups})
	}
	w := app.IO.Out
	for _, g := range groups {
		head := app.T("exec.group.exit", len(g.Hosts), g.ExitCode)
		switch {
		case g.Error != "" && g.Reason == result.ReasonTimeout:
			head = app.T("exec.group.timeout", len(g.Hosts))
		case g.Error != "":
			head = app.T("exec.group.unreachable", len(g.Hosts), g.Reason)
		}
		line := head + ": " + hostList(g.Hosts)
		if (g.ExitCode != 0 || g.Error != "") && app.IO.ColorEnabled() {
			line = "\x1b[31m" + line + "\x1b[0m"
		}
		fmt.Fprintln(w, line)
		if g.Error != "" && len(g.Hosts) == 1 {
			fmt.Fprintln(w, "  "+iostreams.Sanitize(g.Error))
		}
		// What to do about hosts that could not be reached: the error says
		// what happened only. (A timeout may also be a killed command.)
		if g.Error != "" && g.Reason != result.ReasonTimeout {
			if adv := transport.Advice(app.Lang, g.Reason); adv != "" {
				fmt.Fprintln(w, "  "+adv)
			}
		}
		for _, part := range []string{g.Stdout, g.Stderr} {
			part = strings.TrimRight(iostreams.Sanitize(part), "\n")
			if part == "" {
				continue
			}
			for _, l := range strings.Split(part, "\n") {
				fmt.Fprintln(w, "  "+l)
			}
		}
	}
	ok, failed, unreached := 0, 0, 0
	for _, o := range run.Outputs {
		switch {
		case !o.Reached():
			unreached++
		case o.ExitCode == 0:
			ok++
		default:
			failed++
		}
	}
	app.Infof("%s", app.T("exec.summary", len(run.Outputs), ok, failed, unreached, time.Duration(run.DurationMS)*time.Millisecond))
	if run.AuditSeq > 0 {
		app.Infof("%s", app.T("exec.audited", run.AuditSeq))
	}
	return nil
}

// hostList names hosts, shortened past 10: "a, b, … (137)".
func hostList(hosts []string) string {
	if len(hosts) <= 10 {
		return strings.Join(hosts, ", ")
	}
	return strings.Join(hosts[:5], ", ") + ", … " + strings.Join(hosts[len(hosts)-2:], ", ")
}

// auditForRun opens the audit log for an inspection or drill, which record
// one line each; a log that cannot be opened is warned about and the run
// goes on (nil). The log is closed when the command ends.
func auditForRun(app *App) audit.Appender {
	log, err := openAuditLog(app)
	if err != nil {
		app.Warnf("%s", app.T("run.audit_failed", err))
		return nil
	}
	app.onClose(func() { log.Close() })
	return log
}

// openAuditLog opens the audit log of remote actions (setting audit_log,
// default audit.log beside the history database).
func openAuditLog(app *App) (*audit.Log, error) {
	return audit.Open(auditLogPath(app), auditHash(app))
}
