package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/atomicfile"
	"github.com/cyhealth/hcops/pkg/deliver"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newReportCmd(app))
	})
}

const reportExitStatus = `

EXIT STATUS
  0    the report was written (and delivered, when asked)
  3    no report: no such run or month in history, bad flags, unreadable
       template; or the report was written but delivery (--mail, --webhook)
       failed: the file is kept and its path printed before the error
  130  interrupted

The exit status says whether the report was made, not what it found: read
the report, or use hcops inspect's exit status for the findings.`

// reportOptions are the flags both report commands share.
type reportOptions struct {
	format  string
	out     string
	mail    bool
	webhook string
}

func (o *reportOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.format, "format", report.FormatHTML, "report format: html, xlsx, md, json or docx")
	f.StringVar(&o.out, "out", "", "file to write (\"-\" for stdout; default: report.out_dir or the current directory, with a dated name)")
	f.BoolVar(&o.mail, "mail", false, "also send the report by e-mail to the recipients in config (mail:)")
	f.StringVar(&o.webhook, "webhook", "", "also post a summary to the webhook of this name in config (webhooks:)")
}

// scopeFlags narrow the daily, weekly and monthly reports of a history
// several runners share (one per network zone or site).
type scopeFlags struct {
	zone   string
	runner string
}

const scopeHelp = `

Several runners (one per network zone or site, see hcops --db with a
postgres:// URL) may write into one history: the report reads all of it.
--zone keeps the assets of one zone (the zone the inventory gives each
asset), --runner the runs of one runner (hcops history list shows which
runner wrote each run); the report's header says which.`

func (s *scopeFlags) bindScope(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.zone, "zone", "", "report only the assets of this network zone (the inventory's zone:)")
	cmd.Flags().StringVar(&s.runner, "runner", "", "report only the runs written by this runner (see hcops history list)")
}

func (s *scopeFlags) scope() store.Scope {
	return store.Scope{Zone: strings.TrimSpace(s.zone), Runner: strings.TrimSpace(s.runner)}
}

// scopeWords is the scope as the CLI's messages say it.
func (s *scopeFlags) scopeWords(app *App) string {
	var parts []string
	if z := strings.TrimSpace(s.zone); z != "" {
		parts = append(parts, app.T("report.scope.zone", z))
	}
	if r := strings.TrimSpace(s.runner); r != "" {
		parts = append(parts, app.T("report.scope.runner", r))
	}
	return strings.Join(parts, app.T("report.scope.sep"))
}

func newReportCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the daily, monthly, database health and hardware reports",
		Long: `Build reports from the history database and write them as self-contained
HTML (prints on A4), XLSX, Markdown, JSON or DOCX (for editing before
signing; without the charts), in Chinese (--lang zh) or
English: the daily inspection report (daily), the monthly operations report
(monthly), the database health report (db) and the monthly hardware report
of the database appliance and physical servers (appliance), and the MLPS
level-3 host baseline checklist (baseline). The names in the header and the sign-off block come from the
config file (site: name, client, vendor, engineer, reviewer, approver);
report.template_dir may hold *.html.tmpl / *.md.tmpl files that redefine
blocks of the built-in layout (e.g. {{define "daily-header"}}), report.logo
an image for the HTML header, report.plan_template the next month's plan.

The JSON format is the report model itself; its field names are stable.

A report file is replaced atomically (a reader never sees half of one, a full
disk keeps the previous one) and is readable by owner and group only: mode
0640, narrowed by the umask (umask 077 gives 0600).`,
		Example: `  hcops report daily
  hcops report daily --date 2026-11-29 --format xlsx --out /srv/reports/daily.xlsx
  hcops report daily --lang zh --mail --webhook ops-wecom
  hcops report monthly --month 2026-11 --lang zh
  hcops report db --lang zh --format xlsx
  hcops report appliance -l hardware=physical --lang zh
  hcops report baseline -l system=rhis --format xlsx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newReportDailyCmd(app), newReportMonthlyCmd(app), newReportWeeklyCmd(app), newReportDBCmd(app), newReportApplianceCmd(app), newReportIncidentCmd(app), newReportBaselineCmd(app))
	return cmd
}

type reportDailyOptions struct {
	reportOptions
	scopeFlags
	run  int64
	date string
}

func newReportDailyCmd(app *App) *cobra.Command {
	opts := &reportDailyOptions{}
	cmd := &cobra.Command{
		Use:   "daily",
		Short: "Write the inspection report (巡检报告) of one inspection run",
		Long: `Write the inspection report of one run: header (site, engineer, time,
playbooks, coverage of the inventory, unreachable assets), the count line,
the exceptions worst first with value, threshold, evidence and advice, the
summary by application system and zone, what changed since the previous
inspection, the sign-off block, and every result per asset.

Without --run or --date the latest inspection is reported; --date takes the
latest inspection started on that day (local time). When several runners
share the history, the report merges the latest inspection of that day of
each runner (the runs of the day of the latest inspection, without
--date; a run stopped before any result does not count): an asset inspected by more than one of them is reported from the
run that started last, and what changed is measured against each runner's
own previous run. --run reports that one run only. The path of the written
file is printed on stdout.` + scopeHelp + reportExitStatus,
		Example: `  hcops report daily
  hcops report daily --run 42 --format md --out -
  hcops report daily --date 2026-11-29 --lang zh --format xlsx
  hcops report daily --zone 互联网区 --lang zh
  hcops report daily --runner hcops-zw --format md --out -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportDaily(cmd.Context(), app, opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().Int64Var(&opts.run, "run", 0, "report this run id (see hcops history list)")
	cmd.Flags().StringVar(&opts.date, "date", "", "report the latest inspection of this day, YYYY-MM-DD")
	opts.bindScope(cmd)
	cmd.MarkFlagsMutuallyExclusive("run", "date")
	cmd.MarkFlagsMutuallyExclusive("run", "runner")
	return cmd
}

type reportMonthlyOptions struct {
	reportOptions
	scopeFlags
	month string
}

func newReportMonthlyCmd(app *App) *cobra.Command {
	opts := &reportMonthlyOptions{}
	cmd := &cobra.Command{
		Use:   "monthly",
		Short: "Write the monthly operations report (运维工作报告)",
		Long: `Write the monthly operations report: overview, service levels against
their targets, inspections per day and missed days, availability per
application system and per asset (hosts 99.975 %, links and storage
99.95 %; core systems below 2 h and non-core below 10 h per outage),
maintenance windows, outages, recurring findings, capacity trends with
forecasts, certificates expiring within 60 days, backups, ranked risks with
prevention advice, the next month's plan and the sign-off block.

Availability is sampled by inspections: an asset reachable in a run is up
at that time; time not covered by an inspection (more than 25 h after the
last one) is counted as no data, never as up.

--month defaults to the previous month (a report made on the 1st covers the
month just ended); the current month gives a report up to now.` + scopeHelp + `
With --zone, backups, link samples and tickets are still those of the
whole history.` + reportExitStatus,
		Example: `  hcops report monthly
  hcops report monthly --month 2026-11 --lang zh --format xlsx
  hcops report monthly --month 2026-11 --mail
  hcops report monthly --month 2026-11 --zone 专网 --lang zh`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportMonthly(cmd.Context(), app, opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().StringVar(&opts.month, "month", "", "month to report, YYYY-MM (default: the previous month)")
	opts.bindScope(cmd)
	return cmd
}

// reportHealthOptions are the flags of the database and hardware reports:
// which run (latest, --run, or the latest on --date) and which assets.
type reportHealthOptions struct {
	reportOptions
	sel  selectorFlags
	run  int64
	date string
}

func (o *reportHealthOptions) bindHealth(cmd *cobra.Command, what string) {
	o.bind(cmd)
	o.sel.register(cmd)
	cmd.Flags().Int64Var(&o.run, "run", 0, "report this run id (see hcops history list)")
	cmd.Flags().StringVar(&o.date, "date", "", "report the latest "+what+" of this day, YYYY-MM-DD")
	cmd.MarkFlagsMutuallyExclusive("run", "date")
}

func newReportDBCmd(app *App) *cobra.Command {
	opts := &reportHealthOptions{}
	cmd := &cobra.Command{
		Use:   "db [SELECTOR...]",
		Short: "Write the database health report (数据库健康诊断报告)",
		Long: `Write the database health report of the latest run of the db-health checks
(hcops inspect --playbook db-health): the header, the overview (instances
healthy, warning, critical, unreachable; the verdict of each area and one
overall conclusion), one row per instance (engine and version, role,
uptime, connections used, cache hit ratio, replication state and lag,
size), then the areas instance status, capacity (database sizes, largest
tables, growth against earlier inspections), performance (connections,
long transactions, lock waits, cache, QPS/TPS), high availability and
disaster recovery (replication, WAL archiving / binlog) and security
(superusers and accounts without a password, remote root, encryption,
password policy, audit), each item with status, value, threshold, message
and advice; the problems ranked worst first with advice and a deadline; the
sign-off block.

Name globs and --group / -l select instances, with the selector syntax of
hcops inspect, matched against the run's inventory snapshot. Without --run
or --date the latest run with database results for the selection is
reported; --date takes the latest such run started on that day (local
time). The path of the written file is printed on stdout.` + reportExitStatus,
		Example: `  hcops report db
  hcops report db his-db-* --lang zh --format xlsx
  hcops report db -l system=HIS --date 2026-11-29 --format md --out -
  hcops report db --run 42 --format json --out db.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportHealth(cmd.Context(), app, opts, args, "rdb")
		},
	}
	opts.bindHealth(cmd, "database health run")
	return cmd
}

func newReportApplianceCmd(app *App) *cobra.Command {
	opts := &reportHealthOptions{}
	cmd := &cobra.Command{
		Use:   "appliance [SELECTOR...]",
		Short: "Write the monthly hardware report of the appliance and physical servers (一体机硬件巡检报告)",
		Long: `Write the hardware inspection report of the latest run of the hardware checks
(hcops inspect --playbook hardware-monthly; AP1): the header, the overview
and conclusion, a summary table with one row per server and one column per
part (BMC sensors — temperatures, fans, power supplies —, BMC event log,
disk SMART health, RAID arrays, memory ECC errors, multipath paths, NIC
links and errors), the problems ranked worst first with advice and a
deadline, every result per server and part, and the sign-off block.

The appliance's database is diagnosed by the db-health checks and reported
by hcops report db; this report says so and counts any database results in
the same run.

Name globs and --group / -l select servers, with the selector syntax of
hcops inspect. Without --run or --date the latest run with hardware results
for the selection is reported; --date takes the latest such run started on
that day (local time). The path of the written file is printed on stdout.` + reportExitStatus,
		Example: `  hcops report appliance
  hcops report appliance -l hardware=physical --lang zh --format xlsx
  hcops report appliance yj-01 --date 2026-11-01 --format md --out -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportHealth(cmd.Context(), app, opts, args, "rapp")
		},
	}
	opts.bindHealth(cmd, "hardware run")
	return cmd
}

// runReportHealth writes the database report (kind "rdb") or the hardware
// report (kind "rapp"); kind is also the prefix of their messages.
func runReportHealth(ctx context.Context, app *App, opts *reportHealthOptions, args []string, kind string) error {
	if err := opts.check(app); err != nil {
		return err
	}
	day, err := reportDay(app, opts.date)
	if err != nil {
		return err
	}
	sel, err := opts.sel.selector(args)
	if err != nil {
		return err
	}
	ro := app.reportOpts()
	if ro.Inventory != nil {
		opts.sel.warnUnknown(app, ro.Inventory)
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	id := opts.run
	if id == 0 {
		find := report.FindDBRun
		if kind == "rapp" {
			find = report.FindApplianceRun
		}
		if id, err = find(ctx, db, day, time.Local, sel, ro.Inventory); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				if opts.date != "" {
					return errors.New(app.T(kind+".cli.no_run_day", opts.date))
				}
				return errors.New(app.T(kind + ".cli.no_runs"))
			}
			return err
		}
	}
	var (
		rep                  any
		started              time.Time
		header               report.Header
		period, count, concl string
		worst                result.Status
		counts               result.Counts
	)
	if kind == "rapp" {
		var a *report.ApplianceReport
		if a, err = report.BuildAppliance(ctx, db, id, sel, ro); err == nil {
			rep, started, header, period, count, concl, worst, counts = a, a.StartedAt, a.Header, a.Period, a.CountLine, a.Conclusion, a.Worst, a.Counts
		}
	} else {
		var d *report.DBReport
		if d, err = report.BuildDB(ctx, db, id, sel, ro); err == nil {
			rep, started, header, period, count, concl, worst, counts = d, d.StartedAt, d.Header, d.Period, d.CountLine, d.Conclusion, d.Worst, d.Counts
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errors.New(app.T("report.cli.no_run", id))
	case errors.Is(err, report.ErrNoResults):
		return errors.New(app.T(kind+".cli.no_results", id))
	case err != nil:
		return err
	}
	name := app.T(kind+".cli.file", started.Format("2006-01-02"))
	subject := strings.TrimSpace(header.Site + " " + header.Title + " " + period)
	sum := deliver.Summary{Title: subject, Text: count + "\n" + concl, Status: worst.String(), Counts: counts, Lang: app.Lang}
	return writeAndDeliver(ctx, app, &opts.reportOptions, rep, ro.TemplateDir, name, subject, sum)
}

// check validates the shared flags before any work.
func (o *reportOptions) check(app *App) error {
	o.format = strings.ToLower(o.format)
	if !slices.Contains(report.Formats, o.format) {
		return flagErrorf("%s", app.T("report.cli.bad_format", o.format, strings.Join(report.Formats, ", ")))
	}
	if o.webhook != "" {
		if _, ok := app.Config.Webhooks[o.webhook]; !ok {
			var names []string
			for n := range app.Config.Webhooks {
				names = append(names, n)
			}
			slices.Sort(names)
			return flagErrorf("%s", app.T("report.cli.no_webhook", o.webhook, strings.Join(names, ", ")))
		}
	}
	if o.mail && (app.Config.Mail.Host == "" || len(app.Config.Mail.To) == 0) {
		return flagErrorf("%s", app.T("report.cli.no_mail"))
	}
	return nil
}

func (app *App) reportOpts() report.Options {
	o := report.Options{Lang: app.Lang, Location: time.Local}
	if app.Config != nil {
		o.Site = app.Config.Site
		o.TemplateDir = app.Config.Report.TemplateDir
		o.Logo = app.Config.Report.Logo
		o.PlanTemplate = app.Config.Report.PlanTemplate
		if o.Logo != "" {
			if _, err := os.Stat(o.Logo); err != nil {
				app.Warnf("%s", app.T("report.cli.logo_warn", err))
			}
		}
	}
	if app.HasInventory() {
		// The inventory adds system names, criticality and SLAs; a report is
		// still useful without it, so a broken inventory is only a warning.
		if inv, err := app.Inventory(); err == nil {
			o.Inventory = inv
		} else {
			app.Warnf("%s", app.T("report.cli.inventory_warn", err))
		}
	}
	return o
}

func runReportDaily(ctx context.Context, app *App, opts *reportDailyOptions) error {
	if err := opts.check(app); err != nil {
		return err
	}
	day, err := reportDay(app, opts.date)
	if err != nil {
		return err
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	sc := opts.scope()
	ids := []int64{opts.run}
	if opts.run == 0 {
		if ids, err = report.RunsForDay(ctx, db, day, time.Local, sc); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				switch {
				case opts.date != "" && !sc.IsZero():
					return errors.New(app.T("report.cli.no_run_day_scope", opts.date, opts.scopeWords(app)))
				case opts.date != "":
					return errors.New(app.T("report.cli.no_run_day", opts.date))
				case !sc.IsZero():
					return errors.New(app.T("report.cli.no_runs_scope", opts.scopeWords(app)))
				}
				return errors.New(app.T("report.cli.no_runs"))
			}
			return err
		}
	}
	ro := app.reportOpts()
	ro.Scope = sc
	d, err := report.BuildDailyRuns(ctx, db, ids, ro)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errors.New(app.T("report.cli.no_run", opts.run))
		}
		return err
	}
	name := app.T("report.cli.daily_file", d.StartedAt.Format("2006-01-02"))
	subject := strings.TrimSpace(d.Header.Site + " " + d.Header.Title + " " + d.Period)
	sum := deliver.Summary{Title: subject, Text: d.CountLine + "\n" + d.Conclusion, Status: d.Worst.String(), Counts: d.Counts, Lang: app.Lang}
	return writeAndDeliver(ctx, app, &opts.reportOptions, d, ro.TemplateDir, name, subject, sum)
}

func runReportMonthly(ctx context.Context, app *App, opts *reportMonthlyOptions) error {
	if err := opts.check(app); err != nil {
		return err
	}
	now := time.Now()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).AddDate(0, -1, 0)
	if opts.month != "" {
		var err error
		if month, err = time.ParseInLocation("2006-01", opts.month, time.Local); err != nil {
			return flagErrorf("%s", app.T("report.cli.bad_month", opts.month))
		}
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	ro := app.reportOpts()
	ro.Scope = opts.scope()
	ro.Tickets = periodTickets(ctx, app, month, month.AddDate(0, 1, 0))
	m, err := report.BuildMonthly(ctx, db, month, ro)
	if err != nil {
		return err
	}
	if m.Inspections.Runs == 0 {
		app.Warnf("%s", app.T("report.cli.month_empty", m.Month))
	}
	name := app.T("report.cli.monthly_file", m.Month)
	subject := strings.TrimSpace(m.Header.Site + " " + m.Header.Title)
	worst := result.OK
	for _, r := range m.Risks {
		worst = result.Worst(worst, r.Level)
	}
	text := strings.Join(m.Overview, "\n")
	sum := deliver.Summary{Title: subject, Text: text, Status: worst.String(), Counts: m.Inspections.Counts, Lang: app.Lang}
	return writeAndDeliver(ctx, app, &opts.reportOptions, m, ro.TemplateDir, name, subject, sum)
}

// writeAndDeliver renders the report, writes it (atomically: a reader never
// sees half a file), prints its path, and only then delivers it, so a failed
// delivery never loses the report.
func writeAndDeliver(ctx context.Context, app *App, opts *reportOptions, rep any, tmplDir, baseName, subject string, sum deliver.Summary) error {
	var buf bytes.Buffer
	if err := report.Render(&buf, opts.format, rep, tmplDir); err != nil {
		return err
	}
	path := opts.out
	if path == "-" {
		if _, err := app.IO.Out.Write(buf.Bytes()); err != nil {
			return err
		}
	} else {
		if path == "" {
			dir := ""
			if app.Config != nil {
				dir = app.Config.Report.OutDir
			}
			path = filepath.Join(dir, baseName+"."+opts.format)
		}
		if err := atomicfile.Write(path, buf.Bytes(), atomicfile.Mode); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the message names path already
			}
			return fmt.Errorf("%s", app.T("report.cli.write_failed", path, err))
		}
		fmt.Fprintln(app.IO.Out, path)
	}
	if err := ctx.Err(); err != nil {
		return errInterrupted
	}

	var failed []string
	if opts.mail {
		if err := mailReport(ctx, app, opts, rep, tmplDir, baseName, subject, sum, buf.Bytes()); err != nil {
			failed = append(failed, app.T("report.cli.mail_failed", err))
		} else {
			app.Infof("%s", app.T("report.cli.mailed", strings.Join(app.Config.Mail.To, ", ")))
		}
	}
	if opts.webhook != "" {
		if err := deliver.Webhook(ctx, app.Config.Webhooks[opts.webhook], sum); err != nil {
			failed = append(failed, app.T("report.cli.webhook_failed", opts.webhook, err))
		} else {
			app.Infof("%s", app.T("report.cli.posted", opts.webhook))
		}
	}
	if len(failed) > 0 {
		where := path
		if where == "-" {
			where = "stdout"
		}
		return &codedError{code: ExitUnknown, err: errors.New(strings.Join(failed, "\n") + "\n" + app.T("report.cli.kept", where))}
	}
	return nil
}

// mailReport sends the HTML report inline and the XLSX workbook attached
// (and the file written, when it is neither).
func mailReport(ctx context.Context, app *App, opts *reportOptions, rep any, tmplDir, baseName, subject string, sum deliver.Summary, written []byte) error {
	msg := deliver.Message{Subject: subject, Text: sum.Text}
	var html, xlsx bytes.Buffer
	if opts.format == report.FormatHTML {
		html.Write(written)
	} else if err := report.Render(&html, report.FormatHTML, rep, tmplDir); err != nil {
		return err
	}
	msg.HTML = html.String()
	if opts.format == report.FormatXLSX {
		xlsx.Write(written)
	} else if err := report.Render(&xlsx, report.FormatXLSX, rep, tmplDir); err != nil {
		return err
	}
	msg.Attachments = append(msg.Attachments, deliver.Attachment{Name: baseName + ".xlsx", Data: xlsx.Bytes(), ContentType: deliver.ContentTypeXLSX})
	switch opts.format {
	case report.FormatMD:
		msg.Attachments = append(msg.Attachments, deliver.Attachment{Name: baseName + ".md", Data: written, ContentType: "text/markdown; charset=utf-8"})
	case report.FormatJSON:
		msg.Attachments = append(msg.Attachments, deliver.Attachment{Name: baseName + ".json", Data: written, ContentType: "application/json"})
	}
	return deliver.Mail(ctx, app.Config.Mail, msg)
}

// reportDay reads --date (YYYY-MM-DD, local time); zero when not given.
func reportDay(app *App, date string) (time.Time, error) {
	if date == "" {
		return time.Time{}, nil
	}
	day, err := time.ParseInLocation("2006-01-02", date, time.Local)
	if err != nil {
		return time.Time{}, flagErrorf("%s", app.T("report.cli.bad_date", date))
	}
	return day, nil
}

// periodTickets reads the tickets opened in [since, until) with their
// clocks, for the incidents section of the monthly and weekly reports. A
// tickets: config that does not load is warned about; the report goes on
// without the section's figures.
func periodTickets(ctx context.Context, app *App, since, until time.Time) []*ticket.Ticket {
	svc, err := ticketService(ctx, app)
	if err != nil {
		app.Warnf("%v", err)
		return nil
	}
	ts, err := svc.List(ctx, store.TicketFilter{OpenedSince: since, OpenedUntil: until})
	if err != nil {
		app.Warnf("%v", err)
		return nil
	}
	return ts
}
