package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newCpCmd(app))
	})
}

type cpOptions struct {
	sel    selectorFlags
	get    bool
	remote remoteFlags
}

func newCpCmd(app *App) *cobra.Command {
	opts := &cpOptions{}
	cmd := &cobra.Command{
		Use:   "cp SELECTOR... -- LOCAL REMOTE | cp SELECTOR... --get -- REMOTE LOCALDIR",
		Short: "Copy a file to or from many hosts over SFTP, verified and atomic, audited",
		Long: `cp copies one file to every selected asset (LOCAL to REMOTE; a REMOTE
ending in / keeps the file's name), or with --get from every selected asset
into LOCALDIR/<asset>/. It uses SFTP on the same verified SSH connection as
exec and inspect.

Every transfer is written under a temporary name beside the target, read
back and compared by SHA-256 with what was sent, given the source's mode,
and only then renamed over the target: a transfer that was cut or corrupted
leaves the target as it was. Files fetched with --get are at most 0640 here.
Each cp is appended to the audit log with the file's SHA-256. Core assets
and appliances need --confirm with their names, as for exec.

EXIT STATUS
  0    every transfer verified
  2    at least one transfer failed or did not verify (the target is unchanged)
  3    bad flags, no target, a missing --confirm
  130  interrupted`,
		Example: `  hcops cp --group web -- ./nginx.conf /etc/nginx/nginx.conf
  hcops cp 'web-*' --get -- /var/log/nginx/error.log ./logs`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, files := args, []string(nil)
			if i := cmd.ArgsLenAtDash(); i >= 0 {
				sel, files = args[:i], args[i:]
			}
			return runCp(cmd.Context(), app, opts, sel, files)
		},
	}
	f := cmd.Flags()
	opts.sel.register(cmd)
	f.BoolVar(&opts.get, "get", false, "copy from the hosts: -- REMOTE LOCALDIR")
	f.Int("forks", 32, "hosts worked on at once (env HCOPS_FORKS)")
	f.String("host-timeout", "30m", "deadline for one host's transfer (env HCOPS_HOST_TIMEOUT)")
	opts.remote.register(cmd)
	return cmd
}

func runCp(ctx context.Context, app *App, opts *cpOptions, selArgs, files []string) error {
	if err := app.checkOutput("table", "json"); err != nil {
		return err
	}
	if len(files) != 2 {
		return flagErrorf("%s", app.T("cp.args"))
	}
	req := engine.CopyRequest{Get: opts.get, Local: files[0], Remote: files[1]}
	if opts.get {
		req.Remote, req.Local = files[0], files[1]
	}
	assets, inv, err := selectTargets(app, &opts.sel, selArgs)
	if err != nil {
		return err
	}
	// What an approval file names for cp (hcops exec --approve -- cp LOCAL REMOTE).
	if err := authorise(app, inv, assets, opts.remote.confirm, opts.remote.approval, "cp "+req.Local+" "+req.Remote); err != nil {
		return err
	}
	req.Assets = assets
	s, err := resolveInspectSettings(app)
	if err != nil {
		return err
	}
	req.Forks, req.HostTimeout = s.forks, s.hostTimeout
	factory, log, done, err := opts.remote.connect(app, inv, s)
	if err != nil {
		return err
	}
	defer done()
	eng := &engine.Engine{Connect: factory, Lang: app.Lang, Audit: log}
	progress := newProgressLine(app)
	failed := 0
	run, err := eng.Copy(ctx, req, func(ev engine.Event) {
		if d, ok := ev.(engine.CopyDone); ok {
			if d.Output.Error != "" {
				failed++
			}
			progress.update(d.Done, d.Total, failed)
		}
	})
	progress.done()
	audited, err := auditOutcome(app, err)
	if err != nil {
		return err
	}
	if app.Output == "json" {
		if err := app.PrintData(run); err != nil {
			return err
		}
	} else {
		t := app.IO.NewTable(app.T("exec.header.asset"), app.T("cp.header.path"), app.T("cp.header.result"))
		for _, o := range run.Outputs {
			res := app.T("cp.verified", o.Bytes, o.SHA256[:min(12, len(o.SHA256))])
			if o.Error != "" {
				res = iostreams.Sanitize(o.Error)
			}
			t.Row(o.Asset, o.Path, res)
		}
		if err := t.Render(); err != nil {
			return err
		}
		app.Infof("%s", app.T("cp.summary", len(run.Outputs), len(run.Outputs)-failed, failed))
		if run.AuditSeq > 0 {
			app.Infof("%s", app.T("exec.audited", run.AuditSeq))
		}
	}
	switch {
	case run.Interrupted:
		return errInterrupted
	case failed > 0:
		return withExitCode(ExitCrit)
	case !audited:
		return withExitCode(ExitUnknown)
	}
	return nil
}

// selectTargets selects the assets of a remote command: a selection is
// required (never every asset by default) and so is an inventory.
func selectTargets(app *App, sf *selectorFlags, args []string) ([]*inventory.Asset, *inventory.Inventory, error) {
	if len(args) == 0 && !sf.given(nil) {
		return nil, nil, flagErrorf("%s", app.T("exec.no_selector"))
	}
	if !app.HasInventory() {
		return nil, nil, flagErrorf("%s", app.T("exec.no_inventory"))
	}
	inv, err := app.Inventory()
	if err != nil {
		return nil, nil, err
	}
	sel, err := sf.selector(args)
	if err != nil {
		return nil, nil, err
	}
	assets := inv.Select(sel)
	if len(assets) == 0 {
		return nil, nil, flagErrorf("%s", app.T("exec.no_target", sel.String()))
	}
	return assets, inv, nil
}

// assetNames lists the assets' names.
func assetNames(assets []*inventory.Asset) []string {
	names := make([]string, 0, len(assets))
	for _, a := range assets {
		names = append(names, a.Name)
	}
	return names
}

// authorise checks a remote action may go ahead: with remote.approval in
// the config, a second person's approval file for the assets it covers
// (core ones, or all); otherwise --confirm for core assets and appliances.
func authorise(app *App, inv *inventory.Inventory, assets []*inventory.Asset, confirm, approvalFile, script string) error {
	mode := ""
	if app.Config != nil {
		mode = app.Config.Remote.Approval
	}
	if mode == "" {
		return confirmCritical(app, inv, assets, confirm)
	}
	var needs []string
	for _, a := range assets {
		if mode == "all" || critical(inv, a) {
			needs = append(needs, a.Name)
		}
	}
	if len(needs) == 0 {
		return nil
	}
	if approvalFile == "" {
		return flagErrorf("%s", app.T("exec.approval_needed", len(needs), strings.Join(needs, ",")))
	}
	a, err := engine.CheckApproval(approvalFile, script, needs, time.Now())
	if err != nil {
		return flagErrorf("%s", app.T("exec.approval_refused", err))
	}
	app.Infof("%s", app.T("exec.approved", a.Approver, a.Expires.Format("2006-01-02 15:04")))
	return nil
}

// confirmCritical refuses to act on core assets and appliances whose names
// were not typed back with --confirm.
func confirmCritical(app *App, inv *inventory.Inventory, assets []*inventory.Asset, confirm string) error {
	var crit []string
	for _, a := range assets {
		if critical(inv, a) {
			crit = append(crit, a.Name)
		}
	}
	if len(crit) == 0 {
		return nil
	}
	typed := map[string]bool{}
	for _, n := range strings.Split(confirm, ",") {
		typed[strings.TrimSpace(n)] = true
	}
	var missing []string
	for _, n := range crit {
		if !typed[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return flagErrorf("%s", app.T("exec.confirm", len(crit), strings.Join(missing, ","), strings.Join(crit, ",")))
	}
	return nil
}
