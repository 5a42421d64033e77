package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/transport"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newSSHCmd(app))
	})
}

type sshOptions struct {
	remote remoteFlags
}

func newSSHCmd(app *App) *cobra.Command {
	opts := &sshOptions{}
	cmd := &cobra.Command{
		Use:   "ssh NAME",
		Short: "Open a recorded shell on one asset, through its jump hosts, audited",
		Long: `ssh opens a login shell on the asset NAME over the same verified SSH
connection as exec and inspect, through the asset's via chain. The whole
session — what the host printed and what was typed, with timing — is
recorded as an asciicast v2 file under recordings/ beside the audit log
(0600), and the session is appended to the audit log with its recording,
duration and exit code ('hcops audit export --html' replays it). Core assets
and appliances need --confirm NAME.

EXIT STATUS
  the shell's exit status; 3 when the host could not be reached or on bad
  flags`,
		Example: `  hcops ssh pacs-app-01
  hcops ssh his-db-01 --confirm his-db-01`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSSH(cmd.Context(), app, opts, args[0])
		},
	}
	opts.remote.register(cmd)
	return cmd
}

func runSSH(ctx context.Context, app *App, opts *sshOptions, name string) error {
	if !app.HasInventory() {
		return flagErrorf("%s", app.T("exec.no_inventory"))
	}
	inv, err := app.Inventory()
	if err != nil {
		return err
	}
	a := inv.Asset(name)
	if a == nil {
		return flagErrorf("%s", app.T("exec.no_target", name))
	}
	// What an approval file names for a shell (hcops exec --approve -- ssh NAME).
	if err := authorise(app, inv, []*inventory.Asset{a}, opts.remote.confirm, opts.remote.approval, "ssh "+name); err != nil {
		return err
	}
	ct, err := time.ParseDuration(app.Setting("connect_timeout"))
	if err != nil || ct <= 0 {
		return flagErrorf("%s", app.T("inspect.bad_duration", "connect-timeout", app.Setting("connect_timeout")))
	}
	factory, log, done, err := opts.remote.connect(app, inv, inspectSettings{connectTimeout: ct})
	if err != nil {
		return err
	}
	defer done()
	req := engine.ShellRequest{Asset: a, In: app.IO.In, Out: app.IO.Out,
		RecordDir: filepath.Join(filepath.Dir(log.Path()), "recordings"),
		Terminal:  transport.Terminal{Type: os.Getenv("TERM")}}
	// On a terminal: raw mode (keys go to the remote shell as typed) and
	// the window size, followed as it changes.
	if f, ok := app.IO.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		if w, h, err := term.GetSize(fd); err == nil {
			req.Terminal.Cols, req.Terminal.Rows = w, h
		}
		old, err := term.MakeRaw(fd)
		if err != nil {
			return err
		}
		defer term.Restore(fd, old)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		resize := make(chan [2]int, 1)
		go func() {
			for range winch {
				if w, h, err := term.GetSize(fd); err == nil {
					select {
					case resize <- [2]int{w, h}:
					default:
					}
				}
			}
		}()
		req.Terminal.Resize = resize
	}
	eng := &engine.Engine{Connect: factory, Lang: app.Lang, Audit: log}
	run, err := eng.Shell(ctx, req)
	audited, err := auditOutcome(app, err)
	switch {
	case err != nil:
		// The error says what happened; the advice what to do.
		if adv := transport.Advice(app.Lang, transport.ReasonOf(err)); adv != "" {
			return fmt.Errorf("%w\n%s", err, adv)
		}
		return err
	case !audited:
		return withExitCode(ExitUnknown)
	}
	app.Infof("%s", app.T("ssh.recorded", run.Recording, run.AuditSeq))
	if run.ExitCode < 0 {
		return withExitCode(ExitUnknown)
	}
	return withExitCode(run.ExitCode)
}
