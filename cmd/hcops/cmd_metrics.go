package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/metrics"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newMetricsCmd(app))
	})
}

type metricsOptions struct {
	textfile   string
	staleAfter string
	maxItems   int
}

const metricsHelp = `The metrics (all named hcops_..., each with its HELP text) are read from
the history at every scrape, so they show what the shared history says,
whichever runner wrote it:

  hcops_check_status{asset,system,zone,check,item}   latest status of each
      check: 0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT, 4 UNREACHABLE (bigger is
      worse: max() is the worst); hcops_check_value{...,unit} the number it
      measured; hcops_check_status_since_timestamp_seconds when a status
      other than OK began; hcops_findings{zone,system,status} the counts
  hcops_run_last_start_timestamp_seconds, hcops_run_duration_seconds,
      hcops_run_results{status} ... {kind,runner,zone}   latest run of each
      kind by each runner (runner: setting, else the host name)
  hcops_backup_age_seconds, hcops_backup_rpo_seconds{asset,system,zone,policy}
  hcops_alerts_firing{severity,system,zone}   open alerts (resolved ones not)
  hcops_tickets_open{class,system,zone,state}, hcops_tickets_sla_breached,
      hcops_ticket_sla_remaining_seconds{ticket,class,system,zone,clock}
  hcops_availability_ratio{asset,system,zone}   the watcher's probes, 24 h
  hcops_history_up   0 when the history could not be read

System and zone come from the inventory when one is configured, else from
what the history recorded (zone is empty when unknown). Series are bounded:
no message or other free text is a label; a check with more than
--max-items items (20) exports the worst 19 and folds the rest into item
"_other"; a finding with no result for --stale-after (7d: an asset removed,
a check dropped from the playbooks) is no longer exported.`

func newMetricsCmd(app *App) *cobra.Command {
	opts := &metricsOptions{}
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Print the history as Prometheus metrics, or write them for node_exporter's textfile collector",
		Long: `metrics reads the history once and prints what it holds in the Prometheus
text format: to stdout, or with --textfile to a file that node_exporter's
textfile collector reads (--collector.textfile.directory; the name must end
in .prom). The file is replaced atomically — written beside, synced, then
renamed — so node_exporter never reads half of it; it is created 0644
(narrowed by the umask: node_exporter runs as a user of its own) and holds
names and statuses only, never a message, an address or evidence. Run it
from cron or a systemd timer; 'hcops watch --metrics ADDR' serves the same
metrics on /metrics instead.

` + metricsHelp + `

EXIT STATUS
  0    written
  3    the history could not be read (the metrics are still written, with
       hcops_history_up 0), bad flags or config, or the file not written`,
		Example: `  hcops metrics
  hcops metrics --textfile /var/lib/node_exporter/textfile/hcops.prom
  # crontab: every 5 minutes
  */5 * * * * hcops metrics --textfile /var/lib/node_exporter/textfile/hcops.prom`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMetrics(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.textfile, "textfile", "", "write the metrics to `FILE` (atomically) instead of stdout")
	f.StringVar(&opts.staleAfter, "stale-after", "7d", "leave out findings with no result for this long (7d, 72h, 2w)")
	f.IntVar(&opts.maxItems, "max-items", metrics.DefaultMaxItems, "series per asset and check at most; more items fold into item \"_other\"")
	return cmd
}

// newCollector builds the collector over db; inv and tickets give the
// current inventory (nil for none) and ticket service.
func newCollector(app *App, db *store.DB, inv func() *inventory.Inventory, tickets func() *ticket.Service) *metrics.Collector {
	return &metrics.Collector{History: db, Inventory: inv, Tickets: tickets, Log: app.Log}
}

func runMetrics(ctx context.Context, app *App, opts *metricsOptions) error {
	if opts.maxItems < 2 {
		return flagErrorf("%s", app.T("metrics.bad_max_items", opts.maxItems))
	}
	staleAfter, err := inventory.ParseDuration(opts.staleAfter)
	if err != nil || staleAfter <= 0 {
		return flagErrorf("%s", app.T("metrics.bad_stale_after", opts.staleAfter))
	}
	var inv *inventory.Inventory
	if app.HasInventory() {
		var err error
		if inv, err = app.Inventory(); err != nil {
			return err
		}
	}
	cfg := app.Config
	if cfg == nil {
		cfg = &config.Config{}
	}
	tpol, err := ticket.NewPolicy(cfg.Tickets, inv, time.Local)
	if err != nil {
		return err
	}
	db, err := app.DB(ctx)
	if err != nil {
		return err
	}
	svc := &ticket.Service{Store: db, Policy: tpol}
	c := newCollector(app, db, func() *inventory.Inventory { return inv }, func() *ticket.Service { return svc })
	c.StaleAfter, c.MaxItems = staleAfter, opts.maxItems
	reg, err := metrics.NewRegistry(c, false)
	if err != nil {
		return err
	}
	if opts.textfile == "" {
		err = metrics.WriteText(app.IO.Out, reg)
	} else {
		if !strings.HasSuffix(opts.textfile, ".prom") {
			app.Warnf("%s", app.T("metrics.not_prom", opts.textfile))
		}
		err = metrics.WriteTextfile(opts.textfile, reg)
	}
	if err != nil {
		return errors.New(app.T("metrics.write_failed", err))
	}
	if err := c.Err(); err != nil {
		return errors.New(app.T("metrics.history_failed", err))
	}
	return nil
}
