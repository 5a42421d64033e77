package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/tui"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newTUICmd(app))
	})
}

type tuiOptions struct {
	readonly, wall, ascii bool
	refresh, wallEvery    time.Duration
	by, zone              string
	playbooks             []string
}

func newTUICmd(app *App) *cobra.Command {
	opts := &tuiOptions{}
	cmd := &cobra.Command{
		Use:     "tui",
		Aliases: []string{"dashboard"},
		Short:   "The live dashboard: overview, assets, alerts and tickets, runs",
		Long: `tui is the dashboard for incidents and the duty room, read from the history
(findings, alerts, tickets, the watcher's availability probes) and refreshed
every --refresh without blocking the keyboard.

SCREENS (number keys or tab)
  1 Overview          a tile per application system and zone: worst status
                      with counts of findings, availability this month
                      against the system's target, open alerts and tickets
                      with the nearest SLA deadline counting down, age of
                      the last inspection; enter lists the tile's assets
  2 Assets            a table, worst first; / filters by words or by a
                      selector (system=pacs,zone=intranet), s and S sort;
                      enter drills into an asset: latest results with
                      evidence, a sparkline per metric, its tickets and alerts
  3 Alerts & tickets  worst first; a acknowledges, A assigns, n adds a note,
                      r resolves (tickets), z silences an alert for an hour
  4 Run               i on the overview or assets screen inspects the
                      selection in the background (the default playbook,
                      or --playbook) and shows every host's progress; x stops

Actions go through the same code as hcops ticket and hcops alert, recorded
with --by (default: site.engineer, else $USER). --readonly turns every
action and run off. ? shows the keys; q quits and restores the terminal.

Status is shown by colour and by symbol, readable with NO_COLOR:
  + OK   ! WARN   ? UNKNOWN   X CRIT   # UNREACHABLE

--zone narrows every screen to the assets of one network zone (the
inventory's zone:, or the zone an alert was raised in for an asset of
another runner's inventory), their alerts and their tickets; a ticket of a
whole system, with no asset, is of no zone. The header shows the zone.

--wall is the duty-room screen: the overview cycles through the systems
every --wall-every with no one at the keyboard. --ascii draws boxes with
+ - | for terminals that draw box lines two columns wide.

EXIT STATUS
  0  quit with q
  3  not a terminal (stdin and stdout must be one), or the history or
     inventory cannot be opened`,
		Example: `  hcops tui
  hcops tui --readonly --wall              # the duty-room screen
  hcops tui --zone 互联网区                 # one network zone's assets, alerts, tickets
  HCOPS_LANG=zh hcops tui --by 张工`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.readonly, "readonly", false, "no actions and no runs: look only")
	f.BoolVar(&opts.wall, "wall", false, "duty-room mode: cycle through the systems")
	f.BoolVar(&opts.ascii, "ascii", false, "draw boxes with ASCII characters")
	f.DurationVar(&opts.refresh, "refresh", 5*time.Second, "how often to read the history again")
	f.DurationVar(&opts.wallEvery, "wall-every", 10*time.Second, "--wall: time on each system")
	f.StringVar(&opts.by, "by", "", "who acts (default: site.engineer, else $USER)")
	f.StringVar(&opts.zone, "zone", "", "show only the assets of this network zone, their alerts and tickets")
	f.StringSliceVarP(&opts.playbooks, "playbook", "p", nil, "playbooks of a run started with i (default: the daily set, "+strings.Join(dailyPlaybooks, ", ")+", or "+defaultLocalPlaybook+" without an inventory, as hcops inspect)")
	return cmd
}

func runTUI(ctx context.Context, app *App, opts *tuiOptions) error {
	if !app.IO.IsStdinTTY() || !app.IO.IsStdoutTTY() {
		return errors.New(app.T("tui.cli.no_tty"))
	}
	if opts.refresh <= 0 || opts.wallEvery <= 0 {
		return flagErrorf("%s", app.T("tui.cli.bad_interval"))
	}
	var inv *inventory.Inventory
	if app.HasInventory() {
		var err error
		if inv, err = app.Inventory(); err != nil {
			return err
		}
	}
	if _, err := openHistory(ctx, app); err != nil { // its errors are worded for the user
		return err
	}
	sdb, err := app.DB(ctx)
	if err != nil {
		return err
	}
	svc, err := ticketService(ctx, app)
	if err != nil {
		return err
	}
	deps := tui.Deps{Inventory: inv, History: sdb, Alerts: sdb, Tickets: svc, Availability: sdb}
	if !opts.readonly {
		// Without an inventory a run inspects this machine, as hcops
		// inspect does.
		deps.Inspect = tuiInspector(app, inv, opts.playbooks)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := tui.New(ctx, deps, tui.Options{Lang: app.Lang, Actor: actor(app, opts.by), ReadOnly: opts.readonly,
		Wall: opts.wall, WallEvery: opts.wallEvery, Refresh: opts.refresh, ASCII: opts.ascii, Zone: strings.TrimSpace(opts.zone)})
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(app.IO.In), tea.WithOutput(app.IO.Out)}
	if app.NoColor {
		popts = append(popts, tea.WithEnvironment(append(os.Environ(), "NO_COLOR=1")))
	}
	_, err = tea.NewProgram(m, popts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return errInterrupted
	}
	return err
}

// tuiInspector runs an inspection of named assets for the run screen, as
// hcops inspect does (same settings, playbooks, history and audit log),
// without a passphrase prompt: the terminal belongs to the dashboard.
func tuiInspector(app *App, inv *inventory.Inventory, playbooks []string) tui.Inspector {
	return func(ctx context.Context, names []string, on engine.Observer) error {
		settings, err := resolveInspectSettings(app)
		if err != nil {
			return err
		}
		lib, err := loadPlaybookLibrary(app)
		if err != nil {
			return err
		}
		if len(playbooks) == 0 {
			playbooks = dailyPlaybooks
			if inv == nil {
				playbooks = []string{defaultLocalPlaybook}
			}
		}
		var pbs []*inspect.Playbook
		for _, n := range playbooks {
			pb, err := lib.Get(n)
			if err != nil {
				return localizePlaybookErr(app, err)
			}
			pbs = append(pbs, pb)
		}
		var assets []*inventory.Asset
		for _, n := range names {
			if a := inv.Asset(n); a != nil {
				assets = append(assets, a)
			} else if inv == nil && n == inventory.LocalhostAssetName {
				assets = append(assets, inventory.Localhost())
			}
		}
		factory, err := connect.New(connect.Options{Inventory: inv, KnownHosts: app.Setting("known_hosts"),
			Identity: app.Setting("identity"), UseAgent: os.Getenv("SSH_AUTH_SOCK") != "", ConnectTimeout: settings.connectTimeout})
		if err != nil {
			return connectErr(app, err)
		}
		defer factory.Close()
		db, err := app.DB(ctx)
		if err != nil {
			return err
		}
		systems := map[string]*inventory.System{}
		size := len(assets)
		if inv != nil {
			for _, s := range inv.Systems {
				systems[s.Name] = s
			}
			size = len(inv.Assets)
		}
		eng := &engine.Engine{Connect: factory, Lang: app.Lang, Store: db, Audit: auditForRun(app)}
		_, err = eng.Inspect(ctx, engine.InspectRequest{Assets: assets, Playbooks: pbs, Selector: "tui", InventorySize: size,
			Systems: systems, Forks: settings.forks, HostTimeout: settings.hostTimeout, ConnectTimeout: settings.connectTimeout,
			Site: app.Setting("location")}, on)
		if errors.Is(err, engine.ErrNothingToInspect) {
			return errors.New(app.T("inspect.nothing", strings.Join(playbooks, ", ")))
		}
		return err
	}
}
