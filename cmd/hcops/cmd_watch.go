package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/alert"
	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/metrics"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
	"github.com/cyhealth/hcops/pkg/watch"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newWatchCmd(app))
	})
}

type watchOptions struct {
	once       bool
	probeEvery time.Duration
	noJobs     bool
	metrics    string
}

func newWatchCmd(app *App) *cobra.Command {
	opts := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "The watcher: availability probes, scheduled jobs, alerts, tickets and deliveries",
		Long: `watch runs in the foreground until stopped (a systemd unit from
'hcops schedule print --systemd' keeps it running). Every --probe-every (1m)
it probes each asset's availability — a TCP connection to a host's SSH port
or a database's or device's service port; ICMP echo (3 pings, up when one
answers) to links, at their far end from the site this hcops runs at
(location: in the config, HCOPS_LOCATION), and to assets with transport none and
no service port of their own (switches, firewalls, NAS, servers checked by
probes only) — and counts the round per asset
and hour, so the month's availability is a measured figure with its number
of samples; assets that are down, and those whose state changed, are
stored as results (check "availability") like any inspection's.

The site's scheduled jobs (hcops schedule list: inspections, backup
verification, reports) run when they are due, each in a process of its own
under its job lock. After every probe round and every job, alerts are
evaluated from the findings (alerts: in the config), each firing alert has
its ticket (tickets:), the tickets' SLA clocks are swept and queued
notifications are delivered with retries.

Nothing that matters is kept in memory: alerts, tickets and deliveries are
decided from the history, so a watcher killed at any point (even kill -9)
and started again neither loses nor repeats an alert, a ticket or a
notification. SIGHUP reloads the inventory and config; SIGTERM (or Ctrl-C)
lets running jobs finish for up to 30 s.

--once runs one probe round and one cycle and exits (tests, cron).

--metrics ADDR (host:port, e.g. 127.0.0.1:9469; :9469 listens on every
interface) serves the history as Prometheus metrics on http://ADDR/metrics
for as long as the watcher runs, with the Go and process metrics of the
watcher itself; each scrape reads the history afresh, so it shows what
every runner sharing the history stored. See 'hcops metrics --help' for the
metric names and labels. A port already in use is refused at start.

EXIT STATUS
  0    stopped by a signal, or --once completed
  3    bad config (alerts:, tickets:), no inventory, history unavailable,
       --metrics address in use; with --once, a cycle step that failed (its
       error is printed)`,
		Example: `  hcops watch
  hcops watch --once -o json
  hcops watch --metrics 127.0.0.1:9469   # Prometheus scrapes http://127.0.0.1:9469/metrics
  hcops schedule print --systemd --dir /etc/systemd/system   # hcops-watch.service among them`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatch(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.once, "once", false, "one probe round and one alert/ticket/delivery cycle, then exit")
	f.DurationVar(&opts.probeEvery, "probe-every", time.Minute, "availability probe interval")
	f.BoolVar(&opts.noJobs, "no-jobs", false, "do not run the scheduled jobs (probes and alerts only)")
	f.StringVar(&opts.metrics, "metrics", "", "serve Prometheus metrics on `ADDR` (host:port) at /metrics while watching")
	return cmd
}

// watchParts is what the watcher is built from; reload rebuilds it.
type watchParts struct {
	inv    *inventory.Inventory
	assets []*inventory.Asset
	cycle  *watch.Cycle
	jobs   []config.Job
}

func buildWatchParts(app *App, inv *inventory.Inventory, cfg *config.Config) (*watchParts, error) {
	db, err := app.DB(context.Background())
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &config.Config{}
	}
	pol, err := alert.NewPolicy(cfg, app.Lang)
	if err != nil {
		return nil, err
	}
	pol.SystemNames = map[string]alert.SystemName{}
	for _, s := range inv.Systems {
		pol.SystemNames[s.Name] = alert.SystemName{ZH: s.NameZH, EN: s.NameEN}
	}
	chs, err := alert.NewChannels(cfg, app.Lang)
	if err != nil {
		return nil, err
	}
	tpol, err := ticket.NewPolicy(cfg.Tickets, inv, time.Local)
	if err != nil {
		return nil, err
	}
	p := &watchParts{inv: inv, assets: inv.Assets,
		cycle: &watch.Cycle{Store: db, Alerts: pol, Channels: chs, Tickets: &ticket.Service{Store: db, Policy: tpol}, Lang: app.Lang}}
	jobs, _, err := scheduleJobs(app)
	if err != nil {
		return nil, err
	}
	p.jobs = jobs
	return p, nil
}

// watchHistoryRetry is how often a watcher waiting for its shared history
// tries it again.
var watchHistoryRetry = 5 * time.Second

func runWatch(ctx context.Context, app *App, opts *watchOptions) error {
	if err := app.checkOutput("table", "json"); err != nil {
		return err
	}
	if opts.once && opts.metrics != "" {
		return flagErrorf("%s", app.T("metrics.with_once"))
	}
	inv, err := app.Inventory()
	if err != nil {
		return err
	}
	db, err := app.DB(ctx)
	// A watcher started while its shared history is away waits for it,
	// rather than exiting and leaving the zone unwatched.
	for told := false; err != nil && !opts.once && store.IsPostgres(app.DBPath) && store.Unavailable(err); {
		if !told {
			app.Warnf("%s", app.T("watch.history_wait", store.RedactLocation(app.DBPath), store.UnavailableReason(err)))
			told = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(watchHistoryRetry):
		}
		db, err = app.DB(ctx)
	}
	if err != nil {
		return err
	}
	parts, err := buildWatchParts(app, inv, app.Config)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	current := func() *watchParts { mu.Lock(); defer mu.Unlock(); return parts }
	prober := &watch.Prober{Store: db, Lang: app.Lang, Site: app.Setting("location"), Assets: func() []*inventory.Asset { return current().assets }}
	var last watch.Outcome
	w := &watch.Watcher{
		Probe:      prober.Round,
		ProbeEvery: opts.probeEvery,
		Log:        app.Log,
		Cycle: func(ctx context.Context, now time.Time) error {
			// Runs this runner spooled while the shared history was out of
			// reach go in before alerts are evaluated, so their findings
			// raise alerts now, once.
			app.deliverSpool(ctx, db)
			app.syncAudit(ctx, db)
			o, err := current().cycle.Run(ctx, now)
			last = o
			if o.Transitions+o.TicketsOpened+o.Sent+o.Failed > 0 {
				app.Infof("%s", app.T("watch.cycle", now.Format("15:04:05"), o.Transitions, o.TicketsOpened, o.Sent, o.Failed))
			}
			return err
		},
	}
	if opts.once {
		err := w.Once(ctx)
		if app.Output == "json" {
			if perr := app.PrintData(last); perr != nil {
				return perr
			}
		}
		if err != nil {
			return errors.New(app.T("watch.cycle_failed", err))
		}
		return nil
	}
	if !opts.noJobs {
		w.Jobs = parts.jobs
		w.RunJob = func(ctx context.Context, j config.Job) error { return runScheduleRun(ctx, app, j.Name, "") }
	}
	w.Reload = func() ([]config.Job, error) {
		inv, err := inventory.Load(app.InventoryPath)
		if err != nil {
			return nil, err
		}
		cfg := app.Config
		if app.ConfigFile != "" {
			if cfg, err = config.Load(app.ConfigFile); err != nil {
				return nil, err
			}
		}
		p, err := buildWatchParts(app, inv, cfg)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		parts = p
		mu.Unlock()
		if opts.noJobs {
			return nil, nil
		}
		return p.jobs, nil
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	if opts.metrics != "" {
		stop, err := serveWatchMetrics(app, db, opts.metrics, func() *watchParts { return current() })
		if err != nil {
			return err
		}
		defer stop()
	}
	app.Infof("%s", app.T("watch.started", len(parts.assets), opts.probeEvery, len(w.Jobs)))
	return w.Run(ctx, reload)
}

// serveWatchMetrics serves /metrics on addr over the watcher's history,
// inventory and ticket policy (the reloaded ones after SIGHUP); stop shuts
// the server down, letting a scrape in flight finish for up to 5 s.
func serveWatchMetrics(app *App, db *store.DB, addr string, current func() *watchParts) (stop func(), err error) {
	c := newCollector(app, db, func() *inventory.Inventory { return current().inv },
		func() *ticket.Service { return current().cycle.Tickets })
	reg, err := metrics.NewRegistry(c, true)
	if err != nil {
		return nil, err
	}
	srv, err := metrics.Listen(addr, reg, app.Log)
	var busy *metrics.AddrInUseError
	if errors.As(err, &busy) {
		return nil, errors.New(app.T("metrics.addr_in_use", addr))
	}
	if err != nil {
		return nil, errors.New(app.T("metrics.listen_failed", addr, err))
	}
	app.Infof("%s", app.T("metrics.serving", srv.Addr()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			app.Log.Warn("metrics: shutdown", "err", err)
		}
	}, nil
}
