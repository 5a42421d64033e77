package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/store"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newMaintenanceCmd(app))
	})
}

const maintenanceTimesHelp = `TIMES
  Start and end are local wall-clock times in this machine's time zone (TZ;
  Asia/Shanghai on the health cloud), written "2026-11-03 22:00" (seconds
  optional) or RFC 3339 with an explicit offset ("2026-11-03T22:00:00+08:00").
  They are stored as absolute instants, so a later change of TZ does not
  move a window.`

func newMaintenanceCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "maintenance",
		Aliases: []string{"maint"},
		Short:   "Declare planned maintenance windows (excluded from availability)",
		Long: `Record planned downtime of an asset or of a whole application system.

Time inside a maintenance window is neither up nor down: the monthly report
leaves it out of the availability figures (SLA1-SLA3) and lists the
windows with their reasons, as the service agreement allows for announced
maintenance. Declare a window before (or, at the latest, right after) the
work; the reason is printed in the report the commission reads.

` + maintenanceTimesHelp,
		Example: `  hcops maintenance add --asset his-db-01 --start '2026-11-03 22:00' --end '2026-11-04 02:00' --reason '数据库补丁升级'
  hcops maintenance add --system dispatch-120 --start '2026-11-10 01:00' --duration 2h --reason 'network switch replacement'
  hcops maintenance list --month 2026-11
  hcops maintenance rm 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newMaintenanceAddCmd(app), newMaintenanceListCmd(app), newMaintenanceRmCmd(app))
	return cmd
}

// ---- add --------------------------------------------------------------

type maintenanceAddOptions struct {
	asset, system string
	start, end    string
	duration      time.Duration
	reason        string
}

func newMaintenanceAddCmd(app *App) *cobra.Command {
	opts := &maintenanceAddOptions{}
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Record a maintenance window for an asset or a system",
		Long: `Record a maintenance window: an asset (--asset) or every asset of an
application system (--system), from --start to --end (or for --duration),
with a reason.

When an inventory is configured, the asset or system must exist in it (a
misspelt name would silently exclude nothing). Without an inventory the
name is taken as given.

` + maintenanceTimesHelp + `

OUTPUT
  table  a confirmation on stdout
  json   the window: id, asset, system, start, end, reason
  yaml   the same as json

EXIT STATUS
  0  recorded
  3  bad flags or times, unknown asset or system, or the history database
     cannot be opened`,
		Example: `  hcops maintenance add --asset his-db-01 --start '2026-11-03 22:00' --end '2026-11-04 02:00' --reason '数据库补丁升级'
  hcops maintenance add --system dispatch-120 --start '2026-11-10 01:00' --duration 2h --reason 'core switch replacement' -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMaintenanceAdd(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.asset, "asset", "", "asset under maintenance (name in the inventory)")
	f.StringVar(&opts.system, "system", "", "application system under maintenance: all its assets")
	f.StringVar(&opts.start, "start", "", "start, local time: '2026-11-03 22:00'")
	f.StringVar(&opts.end, "end", "", "end, local time: '2026-11-04 02:00'")
	f.DurationVar(&opts.duration, "duration", 0, "length instead of --end, e.g. 2h or 90m")
	f.StringVar(&opts.reason, "reason", "", "why (shown in the monthly report)")
	return cmd
}

// parseLocalTime reads a maintenance time in the local zone.
func parseLocalTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func runMaintenanceAdd(ctx context.Context, app *App, opts *maintenanceAddOptions) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	switch {
	case opts.asset == "" && opts.system == "":
		return flagErrorf("%s", app.T("maintenance.need_target"))
	case opts.asset != "" && opts.system != "":
		return flagErrorf("%s", app.T("maintenance.both_targets"))
	case strings.TrimSpace(opts.reason) == "":
		return flagErrorf("%s", app.T("maintenance.need_reason"))
	case opts.end != "" && opts.duration != 0:
		return flagErrorf("%s", app.T("maintenance.end_and_duration"))
	case opts.end == "" && opts.duration == 0:
		return flagErrorf("%s", app.T("maintenance.need_end"))
	}
	zone := time.Now().Format("MST -07:00")
	start, ok := parseLocalTime(opts.start)
	if !ok {
		return flagErrorf("%s", app.T("maintenance.bad_time", "--start", opts.start, zone))
	}
	end := start.Add(opts.duration)
	if opts.end != "" {
		if end, ok = parseLocalTime(opts.end); !ok {
			return flagErrorf("%s", app.T("maintenance.bad_time", "--end", opts.end, zone))
		}
	}
	if !end.After(start) {
		return flagErrorf("%s", app.T("maintenance.end_before", end.Format("2006-01-02 15:04"), start.Format("2006-01-02 15:04")))
	}
	if app.HasInventory() {
		inv, err := app.Inventory()
		if err != nil {
			return err
		}
		if opts.asset != "" && inv.Asset(opts.asset) == nil {
			return flagErrorf("%s", app.T("maintenance.unknown_asset", opts.asset))
		}
		if opts.system != "" && inv.System(opts.system) == nil {
			return flagErrorf("%s", app.T("maintenance.unknown_system", opts.system))
		}
	}
	db, err := app.History(ctx)
	if err != nil {
		return err
	}
	w := &store.MaintenanceWindow{Asset: opts.asset, System: opts.system, Start: start, End: end, Reason: strings.TrimSpace(opts.reason)}
	if err := db.AddMaintenance(ctx, w); err != nil {
		return err
	}
	if app.Output != "table" {
		return app.PrintData(maintenanceView(*w))
	}
	fmt.Fprintln(app.IO.Out, app.T("maintenance.added", w.ID, maintenanceTarget(app, *w),
		w.Start.Local().Format("2006-01-02 15:04"), w.End.Local().Format("2006-01-02 15:04")))
	return nil
}

// maintenanceWindowView is the JSON form: times in local time with offset.
type maintenanceWindowView struct {
	ID     int64  `json:"id" yaml:"id"`
	Asset  string `json:"asset,omitempty" yaml:"asset,omitempty"`
	System string `json:"system,omitempty" yaml:"system,omitempty"`
	Start  string `json:"start" yaml:"start"`
	End    string `json:"end" yaml:"end"`
	// Minutes is the window's length.
	Minutes int64  `json:"minutes" yaml:"minutes"`
	Reason  string `json:"reason" yaml:"reason"`
}

func maintenanceView(w store.MaintenanceWindow) maintenanceWindowView {
	return maintenanceWindowView{ID: w.ID, Asset: w.Asset, System: w.System,
		Start: w.Start.Local().Format(time.RFC3339), End: w.End.Local().Format(time.RFC3339),
		Minutes: int64(w.End.Sub(w.Start) / time.Minute), Reason: w.Reason}
}

func maintenanceTarget(app *App, w store.MaintenanceWindow) string {
	if w.Asset != "" {
		return app.T("maintenance.target.asset", w.Asset)
	}
	return app.T("maintenance.target.system", w.System)
}

// ---- list -------------------------------------------------------------

func newMaintenanceListCmd(app *App) *cobra.Command {
	var month string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List maintenance windows",
		Long: `List maintenance windows in start order: with --month, those that overlap
that month (as the monthly report uses them); without it, those that end
after the first day of last month (last month's, this month's and the
planned ones).

OUTPUT
  table  id, target, start, end, duration, reason (local times)
  json   an array of {id, asset, system, start, end, minutes, reason};
         start and end in RFC 3339 with the local offset
  yaml   the same as json

EXIT STATUS
  0  listed (also when there are none)
  3  bad flags, or the history database cannot be opened`,
		Example: `  hcops maintenance list
  hcops maintenance list --month 2026-11 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMaintenanceList(cmd.Context(), app, month, time.Now())
		},
	}
	cmd.Flags().StringVar(&month, "month", "", "only windows overlapping this month, YYYY-MM")
	return cmd
}

func runMaintenanceList(ctx context.Context, app *App, month string, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	var since, until time.Time
	if month != "" {
		m, err := time.ParseInLocation("2006-01", month, time.Local)
		if err != nil {
			return flagErrorf("%s", app.T("maintenance.bad_month", month))
		}
		since, until = m, m.AddDate(0, 1, 0)
	} else {
		since = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).AddDate(0, -1, 0)
	}
	db, err := app.History(ctx)
	if err != nil {
		return err
	}
	ws, err := db.Maintenance(ctx, since, until)
	if err != nil {
		return err
	}
	if app.Output != "table" {
		views := []maintenanceWindowView{}
		for _, w := range ws {
			views = append(views, maintenanceView(w))
		}
		return app.PrintData(views)
	}
	if len(ws) == 0 {
		if month != "" {
			app.Infof("%s", app.T("maintenance.none", month))
		} else {
			app.Infof("%s", app.T("maintenance.none_all"))
		}
		return nil
	}
	t := app.IO.NewTable(app.T("maintenance.header.id"), app.T("maintenance.header.target"), app.T("maintenance.header.start"),
		app.T("maintenance.header.end"), app.T("maintenance.header.duration"), app.T("maintenance.header.reason"))
	for _, w := range ws {
		t.Row(strconv.FormatInt(w.ID, 10), iostreams.Sanitize(maintenanceTarget(app, w)),
			w.Start.Local().Format("2006-01-02 15:04"), w.End.Local().Format("2006-01-02 15:04"),
			w.End.Sub(w.Start).Round(time.Minute).String(), iostreams.Sanitize(w.Reason))
	}
	return t.Render()
}

// ---- rm ---------------------------------------------------------------

func newMaintenanceRmCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:     "rm ID",
		Aliases: []string{"remove", "delete"},
		Short:   "Remove a maintenance window",
		Long: `Remove maintenance window ID (see hcops maintenance list). The time it
covered counts towards availability again in reports made afterwards.

EXIT STATUS
  0  removed
  3  no such window, a bad ID, or the history database cannot be opened`,
		Example: `  hcops maintenance rm 3`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return flagErrorf("%s", app.T("maintenance.bad_id", args[0]))
			}
			db, err := app.History(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.DeleteMaintenance(cmd.Context(), id); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return errors.New(app.T("maintenance.not_found", id))
				}
				return err
			}
			fmt.Fprintln(app.IO.Out, app.T("maintenance.removed", id))
			return nil
		},
	}
}
