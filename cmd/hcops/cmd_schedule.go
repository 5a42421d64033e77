package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/atomicfile"
	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/schedule"
	"github.com/cyhealth/hcops/pkg/store"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newScheduleCmd(app))
	})
}

const scheduleJobsHelp = `JOBS
  Jobs come from the config file:

    jobs:
      - name: daily-inspection          # letters, digits, . _ -
        schedule: "0 8 * * *"           # cron: minute hour day month weekday
        args: [inspect]                 # the hcops command to run
      - name: weekly-dispatch-120
        schedule: "0 9 * * 1"
        args: [inspect, -l, system=dispatch-120]
      - name: monthly-report
        schedule: "0 7 1 * *"
        args: [report, monthly, --mail]

  Without jobs: in the config, the defaults fit the site: the daily
  inspection at 08:00; the weekly inspection of the 120 emergency dispatch
  system on Mondays at 09:00, only when the inventory has a system
  dispatch-120 with assets; and the monthly report (for the month just
  ended) on the 1st at 07:00, sent by mail only when mail: names a host
  and recipients (else written to report.out_dir, or the home directory).
  Times are the machine's local time. Schedules are 5-field cron
  expressions or @hourly, @daily, @weekly, @monthly, @yearly. Cron and
  systemd start jobs in the home directory: use absolute paths in args.`

func newScheduleCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Run inspections and reports periodically (crontab or systemd timers)",
		Long: `Print crontab lines or systemd timer units for the jobs in the config file,
and run a job under its lock.

Every generated entry calls 'hcops schedule run NAME': it takes the job's
lock, runs the job's hcops command and exits with that command's code. If
the previous run of the same job is still going (a hung inspection, a slow
report), the new run exits at once with code 3 and says which process holds
the lock, instead of piling up.

` + scheduleJobsHelp,
		Example: `  hcops schedule list
  hcops schedule print > hcops.cron && crontab hcops.cron
  sudo hcops schedule print --systemd --dir /etc/systemd/system --user hcops
  hcops schedule run daily-inspection`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSchedulePrintCmd(app), newScheduleListCmd(app), newScheduleRunCmd(app))
	return cmd
}

// scheduleJobs returns the validated jobs and whether they are the defaults.
func scheduleJobs(app *App) ([]config.Job, bool, error) {
	defaults := app.Config == nil || len(app.Config.Jobs) == 0
	jobs := schedule.Jobs(app.Config, scheduleSite(app))
	if err := schedule.Validate(jobs, app.ConfigFile); err != nil {
		return nil, defaults, err
	}
	return jobs, defaults, nil
}

// scheduleSite is what the default jobs are fitted to: the inventory's
// application systems that have assets, and whether mail is configured. An
// inventory that does not load gives no systems; the jobs' own commands
// report its problems.
func scheduleSite(app *App) schedule.Site {
	var systems []string
	if app.HasInventory() {
		if inv, err := app.Inventory(); err == nil {
			for _, s := range inv.Systems {
				if len(inv.SystemMembers(s.Name)) > 0 {
					systems = append(systems, s.Name)
				}
			}
		}
	}
	return schedule.SiteOf(app.Config, systems)
}

// scheduleGlobalArgs are the global flags a scheduled run needs to see what
// this invocation sees: cron and systemd start hcops with an almost empty
// environment (no HCOPS_*, no XDG_*, no LANG), so settings that did not come
// from the config file are passed explicitly, as absolute paths.
func scheduleGlobalArgs(app *App) []string {
	var args []string
	cfg := app.Config
	if cfg == nil {
		cfg = &config.Config{}
	}
	if app.ConfigFile != "" {
		args = append(args, "--config", absPath(app.ConfigFile))
	}
	if app.InventoryPath != "" && app.InventoryPath != cfg.Inventory {
		args = append(args, "--inventory", absPath(app.InventoryPath))
	}
	if app.DBPath != "" && app.DBPath != cfg.DB {
		args = append(args, "--db", absPath(app.DBPath))
	}
	if cfg.Lang == "" && app.Lang != "" {
		args = append(args, "--lang", app.Lang)
	}
	return args
}

// scheduleEnvKeys are the settings the jobs' commands read from HCOPS_*
// variables (they are flags of inspect and backup, not global flags); true
// marks a path, made absolute since jobs start in the home directory.
var scheduleEnvKeys = []struct {
	key  string
	path bool
}{
	{"identity", true}, {"known_hosts", true}, {"playbooks_dir", true}, {"backups", true},
	{"forks", false}, {"connect_timeout", false}, {"host_timeout", false}, {"location", false},
}

// scheduleEnv returns the HCOPS_* settings of this environment that the
// config file does not already hold, as NAME=VALUE for the jobs: without
// HCOPS_IDENTITY and HCOPS_KNOWN_HOSTS a job cannot log in.
func scheduleEnv(app *App) []string {
	var env []string
	for _, k := range scheduleEnvKeys {
		name := "HCOPS_" + strings.ToUpper(k.key)
		v := os.Getenv(name)
		if v == "" || strings.ContainsAny(v, "\r\n\x00") {
			continue
		}
		inFile := ""
		if app.v != nil && app.v.InConfig(k.key) {
			inFile = fmt.Sprint(app.v.Get(k.key))
		}
		if k.path {
			v = absPath(v)
			if inFile != "" {
				inFile = absPath(inFile)
			}
		}
		if v == inFile {
			continue
		}
		env = append(env, name+"="+v)
	}
	return env
}

// secretEnvVars lists the environment variables that the inventory's and
// the config's secret references read ({env: VAR}). They are not written
// into crontab or units — a secret does not belong there — so the user is
// told that the jobs will not see them.
func secretEnvVars(app *App) []string {
	seen := map[string]bool{}
	var out []string
	add := func(r config.SecretRef) {
		if r.Env != "" && !seen[r.Env] {
			seen[r.Env] = true
			out = append(out, r.Env)
		}
	}
	if app.Config != nil {
		add(app.Config.Mail.Password)
		names := make([]string, 0, len(app.Config.Webhooks))
		for n := range app.Config.Webhooks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			add(app.Config.Webhooks[n].Secret)
		}
	}
	if app.HasInventory() {
		if inv, err := app.Inventory(); err == nil {
			for _, a := range inv.Assets {
				add(a.Connection.Password)
				add(a.Connection.Passphrase)
				if a.Database != nil {
					add(a.Database.Password)
				}
			}
		}
	}
	return out
}

func absPath(p string) string {
	if store.IsPostgres(p) {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// ---- print ------------------------------------------------------------

type schedulePrintOptions struct {
	systemd bool
	dir     string
	logDir  string
	user    string
	binary  string
}

func newSchedulePrintCmd(app *App) *cobra.Command {
	opts := &schedulePrintOptions{}
	cmd := &cobra.Command{
		Use:   "print",
		Short: "Print crontab lines or systemd units for the scheduled jobs",
		Long: `Print one crontab line per job, or with --systemd a .service and a .timer unit
per job (hcops-NAME.service, hcops-NAME.timer).

Each entry runs this very binary (its absolute path, or --binary) as
'hcops [global flags] schedule run NAME'. Global settings that came from
flags or HCOPS_* variables rather than the config file are written into the
entry, because cron and systemd do not pass your shell's environment:
--inventory, --db and --lang as flags; HCOPS_IDENTITY, HCOPS_KNOWN_HOSTS,
HCOPS_PLAYBOOKS_DIR, HCOPS_BACKUPS (as absolute paths), HCOPS_FORKS,
HCOPS_CONNECT_TIMEOUT and HCOPS_HOST_TIMEOUT as variables before the
command (crontab) or Environment= lines (systemd). Secrets are never
written: when the inventory or config reads a password from an environment
variable ({env: VAR}), hcops warns that the jobs will not see it — use a
{file: PATH} reference, or an EnvironmentFile= for systemd.

Crontab lines append each job's output to LOGDIR/NAME.log (--log-dir,
default a "logs" directory beside the history database). systemd units log
to the journal (journalctl -u hcops-NAME); their timers use OnCalendar= with
the same times as the cron expression, and Persistent=true so a run missed
while the machine was off happens at boot. A cron expression with both a day
of month and a day of week ("0 8 1 * 1") cannot be written as OnCalendar:
cron fires when either matches, systemd only when both do; hcops says so and
prints nothing — split it into two jobs.

` + scheduleJobsHelp + `

EXIT STATUS
  0  printed (or written)
  3  a job is invalid (the error names the job and the config file), or a
     schedule has no systemd form`,
		Example: `  # install for the current user (replaces the user's crontab)
  hcops schedule print > hcops.cron && crontab hcops.cron

  # system-wide systemd timers, run as user hcops
  sudo hcops schedule print --systemd --dir /etc/systemd/system --user hcops
  sudo systemctl daemon-reload
  sudo systemctl enable --now hcops-daily-inspection.timer

  # look before installing
  hcops schedule print --systemd`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSchedulePrint(app, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.systemd, "systemd", false, "print systemd .service and .timer units instead of crontab lines")
	f.StringVar(&opts.dir, "dir", "", "with --systemd: write the unit files into this directory instead of printing them")
	f.StringVar(&opts.logDir, "log-dir", "", "crontab: directory of the jobs' log files (default: logs/ beside the history database)")
	f.StringVar(&opts.user, "user", "", "with --systemd: run the jobs as this user (User=)")
	f.StringVar(&opts.binary, "binary", "", "path of hcops to run (default: this binary)")
	return cmd
}

func runSchedulePrint(app *App, opts *schedulePrintOptions) error {
	if opts.dir != "" && !opts.systemd {
		return flagErrorf("%s", app.T("schedule.dir_needs_systemd"))
	}
	jobs, defaults, err := scheduleJobs(app)
	if err != nil {
		return err
	}
	if defaults {
		app.Infof("%s", app.T("schedule.defaults"))
	}
	o := schedule.Options{Binary: opts.binary, GlobalArgs: scheduleGlobalArgs(app), Env: scheduleEnv(app), User: opts.user, LogDir: opts.logDir}
	if vars := secretEnvVars(app); len(vars) > 0 {
		app.Warnf("%s", app.T("schedule.secret_env", strings.Join(vars, ", ")))
	}
	if o.Binary == "" {
		if o.Binary, err = os.Executable(); err != nil {
			return errors.New(app.T("schedule.no_binary", err))
		}
	}
	o.Binary = absPath(o.Binary)
	if o.LogDir == "" {
		o.LogDir = filepath.Join(absPath(app.StateDir()), "logs")
	}
	o.LogDir = absPath(o.LogDir)

	if !opts.systemd {
		out, err := schedule.Crontab(jobs, o)
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(app.IO.Out, out)
		return err
	}
	units, err := schedule.Systemd(jobs, o)
	if err != nil {
		return err
	}
	units = append(units, schedule.WatchUnit(o))
	if opts.dir == "" {
		for i, u := range units {
			if i > 0 {
				fmt.Fprintln(app.IO.Out)
			}
			fmt.Fprintf(app.IO.Out, "### %s\n%s", u.Name, u.Content)
		}
		return nil
	}
	if err := os.MkdirAll(opts.dir, 0o755); err != nil {
		return err
	}
	var timers []string
	for _, u := range units {
		p := filepath.Join(opts.dir, u.Name)
		if err := atomicfile.Write(p, []byte(u.Content), unitFileMode); err != nil {
			return err
		}
		fmt.Fprintln(app.IO.Out, app.T("schedule.wrote", p))
		if strings.HasSuffix(u.Name, ".timer") {
			timers = append(timers, u.Name)
		}
	}
	app.Infof("%s", app.T("schedule.enable", strings.Join(timers, " ")))
	return nil
}

// unitFileMode is what systemd expects of a unit file, narrowed by the
// umask; wider than atomicfile.Mode on purpose: systemd logs "is marked
// world-inaccessible" at every reload for a unit others cannot read (anyone
// can read it through systemctl cat anyway), and a unit holds no secret —
// only paths, the job name and the user.
const unitFileMode = 0o644

// ---- list -------------------------------------------------------------

type scheduleJobView struct {
	Name       string    `json:"name" yaml:"name"`
	Schedule   string    `json:"schedule" yaml:"schedule"`
	OnCalendar string    `json:"on_calendar,omitempty" yaml:"on_calendar,omitempty"`
	Next       time.Time `json:"next" yaml:"next"`
	Args       []string  `json:"args" yaml:"args"`
	Default    bool      `json:"default" yaml:"default"`
}

func newScheduleListCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the scheduled jobs and when each runs next",
		Long: `List the jobs (from the config file, or the defaults) with their cron
expression, next run time (local) and hcops command.

OUTPUT
  table  one row per job
  json   an array of {name, schedule, on_calendar, next, args, default};
         on_calendar is empty when the schedule has no systemd form
  yaml   the same as json

` + scheduleJobsHelp + `

EXIT STATUS
  0  listed
  3  a job is invalid (the error names the job and the config file)`,
		Example: `  hcops schedule list
  hcops schedule list -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			jobs, defaults, err := scheduleJobs(app)
			if err != nil {
				return err
			}
			now := time.Now()
			var views []scheduleJobView
			for _, j := range jobs {
				s, _ := schedule.ParseSchedule(j.Schedule)
				cal, _ := schedule.OnCalendar(j.Schedule)
				views = append(views, scheduleJobView{Name: j.Name, Schedule: j.Schedule, OnCalendar: cal,
					Next: s.Next(now), Args: j.Args, Default: defaults})
			}
			if app.Output != "table" {
				return app.PrintData(views)
			}
			if defaults {
				app.Infof("%s", app.T("schedule.defaults"))
			}
			t := app.IO.NewTable(app.T("schedule.header.name"), app.T("schedule.header.schedule"),
				app.T("schedule.header.next"), app.T("schedule.header.command"))
			for _, v := range views {
				t.Row(v.Name, v.Schedule, v.Next.Format("2006-01-02 15:04"), "hcops "+strings.Join(v.Args, " "))
			}
			return t.Render()
		},
	}
}

// ---- run --------------------------------------------------------------

func newScheduleRunCmd(app *App) *cobra.Command {
	var logFile string
	cmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Run a job under its lock (what crontab and systemd call)",
		Long: `Take the job's lock, run its hcops command with the same global settings,
and exit with that command's exit code.

The lock is a file in the "locks" directory beside the history database,
held with flock(2): the kernel releases it when the run ends, however it
ends, so a killed run never leaves a stale lock. If the job is already
running, this run prints

  job daily-inspection is already running (pid 1234, since 08:00:03); exiting

on stderr and exits with 3 at once. Start and end (exit code, duration) are
noted on stderr.

--log FILE appends the job's output and these notes to FILE (its directory
is created), which is what crontab lines use: a redirection to a missing
directory would stop cron from running the job at all. If FILE cannot be
opened, output goes to stderr as usual (cron mails it) and the job still
runs. "Already running" goes to stderr as well as to the log.

EXIT STATUS
  0-3  the job's own exit code (see hcops --help)
  3    also: no such job, or the job is already running
  130  interrupted (the job is stopped with SIGTERM first)`,
		Example: `  hcops schedule run daily-inspection
  hcops --config /etc/hcops/config.yaml schedule run monthly-report --log /var/log/hcops/monthly-report.log`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, j := range schedule.Jobs(app.Config, scheduleSite(app)) {
				names = append(names, j.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScheduleRun(cmd.Context(), app, args[0], logFile)
		},
	}
	cmd.Flags().StringVar(&logFile, "log", "", "append the job's output to this file (directory created)")
	return cmd
}

func runScheduleRun(ctx context.Context, app *App, name, logFile string) error {
	stdout, stderr := app.IO.Out, app.IO.ErrOut
	if logFile != "" {
		f, err := openJobLog(logFile)
		if err != nil {
			app.Warnf("%v", err)
		} else {
			defer f.Close()
			stdout, stderr = f, f
		}
	}
	note := func(msg string) {
		if !app.Quiet {
			fmt.Fprintln(stderr, msg)
		}
	}

	jobs, _, err := scheduleJobs(app)
	if err != nil {
		return err
	}
	job, err := schedule.Find(jobs, name)
	if err != nil {
		return flagErrorf("%v", err)
	}
	release, err := schedule.Lock(filepath.Join(absPath(app.StateDir()), "locks"), job.Name)
	var le *schedule.LockedError
	if errors.As(err, &le) {
		msg := app.T("schedule.locked_nopid", le.Job)
		if le.PID != 0 {
			msg = app.T("schedule.locked", le.Job, le.PID, le.Since.Format("15:04:05"))
		}
		if stderr != app.IO.ErrOut {
			fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("2006-01-02 15:04:05"), msg)
		}
		return &codedError{code: ExitUnknown, err: errors.New(msg)}
	}
	if err != nil {
		return err
	}
	defer release()

	exe, err := os.Executable()
	if err != nil {
		return errors.New(app.T("schedule.exec_failed", job.Name, err))
	}
	args := append(scheduleGlobalArgs(app), job.Args...)
	cmd := exec.CommandContext(ctx, exe, args...)
	// argv[0] stays "hcops" (as invoked), whatever the file is called.
	cmd.Args[0] = filepath.Base(os.Args[0])
	cmd.Stdin, cmd.Stdout, cmd.Stderr = app.IO.In, stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return errors.New(app.T("schedule.exec_failed", job.Name, err))
	}
	note(app.T("schedule.started", start.Format("2006-01-02 15:04:05"), job.Name, cmd.Process.Pid, strings.Join(job.Args, " ")))
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
		if code < 0 { // killed by a signal
			code = ExitInterrupted
		}
	default:
		return errors.New(app.T("schedule.exec_failed", job.Name, err))
	}
	note(app.T("schedule.finished", time.Now().Format("2006-01-02 15:04:05"), job.Name, code,
		time.Since(start).Round(time.Second)))
	if ctx.Err() != nil {
		return errInterrupted
	}
	return withExitCode(code)
}

// openJobLog opens a job's log file for appending, creating its directory.
func openJobLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("job log %s: %w; writing to stderr instead", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("job log %s: %w; writing to stderr instead", path, err)
	}
	return f, nil
}
