package main

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/backup"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/transport"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newBackupCmd(app))
	})
}

type backupOptions struct {
	acceptNew, insecure bool
	noStore             bool
	noIntegrity         bool
	allCopies           bool
	random              bool
	copyName            string
	parallel            int
	drillTimeout        time.Duration
}

func newBackupCmd(app *App) *cobra.Command {
	opts := &backupOptions{}
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Prove that backups exist, are fresh, complete, retained and restorable",
		Long: `backup reads the backup policies (backups.yaml beside the inventory, or
--backups FILE / HCOPS_BACKUPS / config key backups) and judges the copies the
backup products made. hcops does not run backups: it proves them.

Policy file (backups.yaml):

  policies:
    - name: his-db-dump            # unique
      kind: pg_dump                # file, pg_dump, mysqldump, pg_basebackup, wal-archive,
                                   # binlog, restic, zfs, lvm, command
      asset: backup-01             # host holding the copies (SSH); omit for this machine
      of: his-db-01                # what the backup protects (reports group by it)
      system: his
      path: /backup/his/his-*.dump # glob of the copies (not for restic/zfs/lvm/command)
      schedule: daily              # hourly, daily, weekly, monthly, every 6h (>= 1h)
      rpo: 26h                     # default 1.5 x the schedule
      retention: {keep_last: 7, keep_days: 30}   # or forever: true
      min_size: 10MiB
      shrink_crit: 50              # % drop vs previous copies that is CRIT
      checksum: {manifest: SHA256SUMS, algo: sha256}   # or sm3
      encrypted: false
      drill: {engine: postgresql, tables: [patients, visits], source: his-db-01, row_tolerance: 10}
    - name: web-files
      kind: file                   # tar, tar.gz/tgz, tar.bz2, tar.zst, tar.xz or zip archives
      asset: backup-01
      path: /backup/web/web-*.tar.gz
      schedule: daily
      drill:                       # extracted into a scratch directory, checked, removed
        expect: [etc/nginx/nginx.conf, data/]    # paths (or globs) inside; "x/" is a directory
        manifest: MANIFEST.sha256  # checksum file inside the archive (sha256sum output)
        manifest_algo: sha256      # or sm3
    - name: cloud-snapshots
      kind: command                # any command printing JSON [{name,time,size}] or CSV
      command: /usr/local/bin/list-snapshots --json
      schedule: daily
  drill_targets:                   # servers kept for restore drills, never production
    postgresql: {host: 127.0.0.1, port: 5433, user: drill, password: {env: DRILL_PW}, scratch_prefix: hcops_drill_}
    mariadb:    {host: 127.0.0.1, port: 3307, user: drill, password: {env: DRILL_PW}, scratch_prefix: hcops_drill_}
    files:      {scratch_dir: /var/tmp/hcops-drill}   # on this machine; default $TMPDIR/hcops-drill
    # also per database target: tls: disable|require|verify-ca|verify-full
    # (default: disable on loopback, require elsewhere); system_databases:
    # [..] for a product's own databases on the drill server

The drill account on a drill server may create databases and nothing more:
  PostgreSQL:  CREATE ROLE drill LOGIN CREATEDB PASSWORD '...';
  MariaDB:     CREATE USER drill@'%' IDENTIFIED BY '...';
               GRANT ALL ON ` + "`hcops\\_drill\\_%`" + `.* TO drill@'%';

Secrets are references (env: or file:), never values.`,
	}
	pf := cmd.PersistentFlags()
	pf.String("backups", "", "backup policy file (env HCOPS_BACKUPS; default backups.yaml beside the inventory)")
	pf.BoolVar(&opts.acceptNew, "accept-new-host-keys", false, "record unknown SSH host keys (trust on first use); changed keys are never accepted")
	pf.BoolVar(&opts.insecure, "insecure-ignore-host-key", false, "do not verify SSH host keys (dangerous)")
	pf.String("known-hosts", "", "extra known_hosts file (env HCOPS_KNOWN_HOSTS)")
	pf.String("identity", "", "SSH private key (env HCOPS_IDENTITY)")
	pf.String("connect-timeout", "10s", "SSH connect timeout")
	pf.String("host-timeout", "10m", "deadline per policy")
	pf.Int("forks", 64, "hosts worked on at once")

	cmd.AddCommand(newBackupVerifyCmd(app, opts), newBackupListCmd(app, opts), newBackupDrillCmd(app, opts))
	return cmd
}

func newBackupVerifyCmd(app *App, opts *backupOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "verify [POLICY...]",
		Short: "Verify backup policies: freshness, completeness, retention, size, integrity",
		Long: `verify lists each policy's copies where they live and judges them:

  freshness   the newest copy is younger than the RPO                   (CRIT when not)
  sequence    no expected copy missing inside the retention window     (WARN; CRIT when a gap exceeded the RPO)
  retention   not fewer copies than promised (CRIT); far more is a storage cost (WARN)
  size        zero bytes, below min_size, or > shrink_crit % smaller than the previous copies (CRIT)
  integrity   the newest copy streamed through gzip/zstd/tar/pg_restore --list, dump
              completion lines, checksum manifests (sha256, SM3), restic check (CRIT on failure)

Listing reads metadata only; integrity tests run on the host holding the copy,
streaming it, bounded to a few policies at a time. Every verdict is stored in
the history (run kind "backup") and feeds the monthly report.

POLICY arguments are name globs (his-*); none means all policies.`,
		Example: `  hcops backup verify
  hcops backup verify 'his-*' -o json
  hcops backup verify --no-integrity        # metadata only (fast)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupVerify(cmd.Context(), app, opts, args)
		},
	}
	c.Flags().BoolVar(&opts.noStore, "no-store", false, "do not record the run in the history")
	c.Flags().BoolVar(&opts.noIntegrity, "no-integrity", false, "skip integrity tests (metadata only)")
	c.Flags().BoolVar(&opts.allCopies, "all-copies", false, "test the integrity of every copy, not only the newest")
	c.Flags().IntVar(&opts.parallel, "integrity-parallel", 4, "integrity tests run at once")
	return c
}

func newBackupListCmd(app *App, opts *backupOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list [POLICY...]",
		Short: "List each policy's copies: time, size, checksum status, last drill (evidence for assessors)",
		Example: `  hcops backup list
  hcops backup list his-db-dump -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupList(cmd.Context(), app, opts, args)
		},
	}
}

func newBackupDrillCmd(app *App, opts *backupOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "drill [POLICY...]",
		Short: "Restore drill: restore a copy into a scratch database or directory, check it, remove it",
		Long: `drill restores the newest copy (or a random one with --random, or --copy
NAME) of each selected policy that has a drill: section, checks it, and
removes what it restored. The restore time is recorded as RTO evidence (run
kind "drill"; backup list shows the last drill, the monthly report the
drills of the month).

Database dumps (pg_dump, mysqldump; drill.engine set) are restored into a NEW
scratch database on the drill target of their engine (drill_targets in
backups.yaml). The expected tables must exist, and row counts must be within
row_tolerance % of the source database (drill.source) or of the last drill.
The scratch database is then dropped.

File archives (kind file, no drill.engine) are streamed from where they live
(this machine, or over SSH; never loaded into memory) and extracted on this
machine into a NEW directory under drill_targets.files.scratch_dir (default
$TMPDIR/hcops-drill, i.e. /tmp/hcops-drill: where /tmp is a tmpfs in RAM, set
scratch_dir on a disk). Verdicts: restore (the extraction time), files (count
and bytes; every drill.expect path present) and manifest (every file listed in
drill.manifest inside the archive exists with that sha256 or SM3 hash; paths
in it are relative to the manifest's directory). tar, tar.gz/tgz and tar.bz2
are read by hcops itself, tar.zst and tar.xz through zstd / xz on this
machine, zip is spooled into the scratch directory first.

Safety of database drills: a dump is SQL nobody at the site wrote, so what
keeps a restore in its scratch database does not depend on its text:
  - the client: psql is locked with \restrict before the dump (no backslash
    command of the dump runs: no shell, no file, no \connect; psql 17.6,
    16.10, 15.14, 14.19, 13.22 or later is required), the MariaDB client runs
    with --sandbox and --local-infile=0 (the MySQL client, without
    --sandbox, is refused); custom archives go through pg_restore -f - into
    the same locked psql; clients get a minimal environment (no secrets);
  - the account, checked before each drill: PostgreSQL no SUPERUSER,
    CREATEROLE, REPLICATION or BYPASSRLS and no role that reaches the
    server's files or programs, CREATEDB required; MySQL/MariaDB no global
    privilege but USAGE and grants only on <scratch_prefix>* databases;
  - the target: refused when it is the host:port of a database asset of the
    inventory (names resolved), or when the server holds databases other
    than system and <scratch_prefix>* ones.
The scratch database is always named <scratch_prefix><policy>_<time>, is
created by the drill (an existing one is never reused) and dropped at the
end; scratch databases of killed drills older than a day are removed at the
start of the next drill (reported). A refused statement is CRIT and named
with its line in the dump. Every drill runs under --drill-timeout, and stops
when the copy sends no data for --host-timeout (a FIFO, a hung mount): a
stopped drill is UNKNOWN, the copy not judged.

Safety of archive drills: an archive with an absolute entry or one climbing
out with .. (zip-slip), or a link leading out of the extraction directory, is
refused (CRIT) and nothing of it is kept. Symlinks pointing outside the
archive (/etc/localtime) are not created, device files and FIFOs are not
restored, owners, setuid/setgid bits and modes are not restored (files 0600,
directories 0700). scratch_dir may not be / or a system directory (/etc,
/usr, /var/lib, ...; also through a symlink). A copy larger than the free
space is not started; extraction stops before the scratch disk's last 5 %
(at most 1 GiB) or on a full disk. The drill's directory is removed in every
case, also on Ctrl-C; only a killed hcops (kill -9) leaves a
hcops-drill-<policy>-* directory behind.

EXIT STATUS
  0    every result OK
  1    at least one WARN, nothing worse (a scratch directory that could not
       be removed)
  2    at least one CRIT, whatever else: a restore or extraction failed
       (also a statement of the dump the client refused), tables or
       expected paths missing, row counts off, a manifest mismatch, a
       hostile archive
  3    UNKNOWN and no CRIT: copies unreachable, no space, not an archive, a
       tool missing or too old on this machine, a drill target or account
       refused, a drill stopped by its deadline or a stalled copy; or a bad
       policy file, no drill: section
  130  interrupted (Ctrl-C); the drill's scratch database or directory is
       removed, what finished is stored`,
		Example: `  hcops backup drill his-db-dump
  hcops backup drill web-files              # extract the newest archive, check expect and manifest
  hcops backup drill --random 'web-*'
  hcops backup drill web-files --copy web-20261129.tar.gz -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupDrill(cmd.Context(), app, opts, args)
		},
	}
	c.Flags().BoolVar(&opts.random, "random", false, "restore a random copy instead of the newest")
	c.Flags().StringVar(&opts.copyName, "copy", "", "restore this copy (name as in backup list)")
	c.Flags().BoolVar(&opts.noStore, "no-store", false, "do not record the drill in the history")
	c.Flags().DurationVar(&opts.drillTimeout, "drill-timeout", backup.DefaultDrillTimeout, "deadline of each drill, restore and checks included")
	return c
}

// backupEnv is what every backup subcommand loads.
type backupEnv struct {
	file     *backup.File
	policies []*backup.Policy
	inv      *inventory.Inventory
	eng      *engine.Engine
	req      engine.BackupRequest
	dial     func(ctx context.Context, p *backup.Policy) (transport.Runner, error)
	close    func()
	lang     string // of verdicts and messages
}

// backupErr shows an error of pkg/backup (a policy file problem, a listing
// failure) in the user's language, keeping a usage error a usage error.
func backupErr(app *App, err error) error {
	if err == nil {
		return nil
	}
	var fe *flagError
	if errors.As(err, &fe) {
		return err
	}
	return errors.New(backup.ErrorText(err, app.Lang))
}

func loadBackupEnv(app *App, opts *backupOptions, globs []string) (*backupEnv, error) {
	file := app.Setting("backups")
	if file == "" {
		file = backup.DefaultPath(app.InventoryPath)
	}
	if file == "" {
		return nil, flagErrorf("%s", app.T("backup.cli.no_file"))
	}
	f, err := backup.Load(file)
	if err != nil {
		return nil, backupErr(app, err)
	}
	env := &backupEnv{file: f, lang: app.Lang}
	for _, p := range f.Policies {
		if len(globs) == 0 || matchAny(globs, p.Name) {
			env.policies = append(env.policies, p)
		}
	}
	if len(env.policies) == 0 {
		return nil, flagErrorf("%s", app.T("backup.cli.no_match", file, strings.Join(globs, " ")))
	}
	if app.HasInventory() {
		if env.inv, err = app.Inventory(); err != nil {
			return nil, err
		}
	}
	s, err := resolveInspectSettings(app)
	if err != nil {
		return nil, err
	}
	factory, err := newConnectFactory(app, opts.acceptNew, opts.insecure, env.inv, s)
	if err != nil {
		return nil, err
	}
	env.eng = &engine.Engine{Connect: factory, Lang: app.Lang}
	env.req = engine.BackupRequest{
		File: f, Policies: env.policies, Inventory: env.inv, Selector: strings.Join(globs, " "),
		Forks: max(1, app.SettingInt("forks")), HostTimeout: s.hostTimeout,
	}
	hosts := env.eng.NewBackupHosts(&env.req)
	env.dial = hosts.Runner
	env.close = func() {
		hosts.Close()
		factory.Close()
	}
	return env, nil
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok || g == name {
			return true
		}
	}
	return false
}

func runBackupVerify(ctx context.Context, app *App, opts *backupOptions, args []string) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	env, err := loadBackupEnv(app, opts, args)
	if err != nil {
		return err
	}
	defer env.close()
	if !opts.noStore {
		if env.eng.Store, err = app.Recorder(ctx); err != nil {
			return err
		}
	}
	req := env.req
	req.Integrity, req.AllCopies, req.IntegrityParallel = !opts.noIntegrity, opts.allCopies, opts.parallel
	run, err := env.eng.VerifyBackups(ctx, req, backupObserver(app))
	if err != nil {
		return err
	}
	return finishBackupRun(app, run)
}

// backupObserver shows a backup run's events: storage failures and
// warnings, and which copy a drill restores.
func backupObserver(app *App) engine.Observer {
	return func(ev engine.Event) {
		switch ev := ev.(type) {
		case engine.ResultsStored:
			if ev.Err != nil {
				app.Warnf("%s", app.T("backup.cli.store_failed", ev.Asset, ev.Err))
			}
		case engine.RunFinished:
			if ev.StoreErr != nil {
				app.Warnf("%s", app.T("backup.cli.record_failed", ev.StoreErr))
			}
			if ev.AuditErr != nil {
				app.Warnf("%s", app.T("run.audit_failed", ev.AuditErr))
			}
		case engine.Warning:
			app.Warnf("%s", ev.Message)
		case engine.DrillStarted:
			at := ev.CopyTime.Format("2006-01-02 15:04")
			if ev.Archive {
				app.Infof("%s", app.T("backup.cli.extracting", ev.Policy, ev.Copy, at, ev.Into))
			} else {
				app.Infof("%s", app.T("backup.cli.drilling", ev.Policy, ev.Copy, at, ev.Into))
			}
		}
	}
}

// finishBackupRun prints a finished run and maps the exit code: a failed
// verification (any CRIT) is 2.
func finishBackupRun(app *App, run *result.Run) error {
	switch app.Output {
	case "json", "yaml":
		if err := app.PrintData(run); err != nil {
			return err
		}
	default:
		t := app.IO.NewTable(app.T("backup.header.policy"), app.T("backup.header.aspect"), app.T("backup.header.status"), app.T("backup.header.message"))
		for i := range run.Results {
			r := &run.Results[i]
			t.Row(policyOf(*r), aspectName(app, r.Item), app.T("status."+r.Status.String()), r.MessageIn(app.Lang))
		}
		if err := t.Render(); err != nil {
			return err
		}
		for i := range run.Results {
			r := &run.Results[i]
			if r.Status != result.OK && r.Advice != "" {
				app.Infof("%s", app.T("backup.cli.advice", policyOf(*r), aspectName(app, r.Item), r.AdviceIn(app.Lang)))
			}
		}
		c := run.Counts
		app.Infof("%s", app.T("backup.cli.summary", c.Total(), c.OK, c.Warn, c.Crit, c.Unknown, c.Unreachable))
	}
	if run.Status == result.RunInterrupted {
		return errInterrupted
	}
	return withExitCode(inspectExitCode(run.Results, false))
}

// policyOf is the policy name of a backup or drill result.
func policyOf(r result.Result) string {
	return strings.TrimPrefix(strings.TrimPrefix(r.Check, "backup:"), "drill:")
}

// aspectName names a verdict's aspect (freshness, restore, ...) in the
// user's language.
func aspectName(app *App, item string) string {
	if key := "backup.aspect." + item; i18n.Has(key) {
		return app.T(key)
	}
	return item
}

type copyRow struct {
	Policy    string    `json:"policy" yaml:"policy"`
	Copy      string    `json:"copy" yaml:"copy"`
	Time      time.Time `json:"time" yaml:"time"`
	Size      int64     `json:"size" yaml:"size"`
	Integrity string    `json:"integrity" yaml:"integrity"`   // status of the last integrity test of this copy, or "-"
	LastDrill string    `json:"last_drill" yaml:"last_drill"` // time and status of the policy's last drill, or "never"

	integrityText, lastDrillText string // the same in the user's language, for the table
}

// printCopyTable is backup list's table: sizes for people (1.4 GiB), and
// the policy's last drill once, on its newest copy — a drill restores one
// copy, repeating it on every row read as if each had been drilled. JSON
// keeps bytes and last_drill on every row.
func printCopyTable(app *App, rows []copyRow) error {
	t := app.IO.NewTable(app.T("backup.header.policy"), app.T("backup.header.copy"), app.T("backup.header.time"),
		app.T("backup.header.size"), app.T("backup.header.integrity"), app.T("backup.header.last_drill"))
	for i, r := range rows {
		size := "-"
		if r.Size >= 0 {
			size = sizeText(r.Size)
		}
		drill := r.lastDrillText
		if i > 0 && rows[i-1].Policy == r.Policy {
			drill = ""
		}
		t.Row(r.Policy, r.Copy, r.Time.Format("2006-01-02 15:04"), size, r.integrityText, drill)
	}
	return t.Render()
}

// sizeText is a byte count in binary units, one decimal: 512 B, 1.5 KiB,
// 2.0 GiB.
func sizeText(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f, i := float64(b), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", b)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// evidence is a stored verdict: its status and the day of its run.
type evidence struct {
	status result.Status
	day    string
}

func runBackupList(ctx context.Context, app *App, opts *backupOptions, args []string) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	env, err := loadBackupEnv(app, opts, args)
	if err != nil {
		return err
	}
	defer env.close()
	// Evidence from history: the last integrity verdict per copy and the
	// last drill per policy.
	integrity := map[string]evidence{}
	drills := map[string]evidence{}
	if db, err := app.DB(ctx); err == nil {
		_ = db.EachResult(ctx, store.ResultFilter{Kind: result.KindBackup}, func(r *store.StoredResult) error {
			if r.Item == backup.AspectIntegrity {
				name := backup.TestedCopy(&r.Result)
				integrity[r.Check+"|"+name] = evidence{r.Status, r.RunStartedAt.Format("2006-01-02")}
			}
			return nil
		})
		// A drill is the restore and the checks after it (tables, rows,
		// files, manifest): its status is the worst of them, as in the
		// monthly report. Results come by run, a restore before its checks.
		drillRun := map[string]int64{}
		_ = db.EachResult(ctx, store.ResultFilter{Kind: result.KindDrill}, func(r *store.StoredResult) error {
			name := strings.TrimPrefix(r.Check, "drill:")
			switch d, ok := drills[name]; {
			case r.Item == backup.DrillRestore:
				drills[name] = evidence{r.Status, r.RunStartedAt.Format("2006-01-02")}
				drillRun[name] = r.RunID
			case ok && drillRun[name] == r.RunID:
				d.status = result.Worst(d.status, r.Status)
				drills[name] = d
			}
			return nil
		})
	}
	var rows []copyRow
	var failed error
	for _, p := range env.policies {
		r, err := env.dial(ctx, p)
		var copies []backup.Copy
		if err == nil {
			copies, err = backup.List(ctx, r, p)
		}
		if err != nil {
			app.Warnf("%s", backup.ErrorText(err, app.Lang))
			failed = err
			continue
		}
		last, lastText := "never", app.T("backup.cli.never")
		if d, ok := drills[p.Name]; ok {
			last, lastText = d.day+" "+d.status.String(), d.day+" "+app.T("status."+d.status.String())
		}
		for i := len(copies) - 1; i >= 0; i-- {
			c := copies[i]
			it, itText := "-", "-"
			if e, ok := integrity[backup.CheckName(p)+"|"+c.Name]; ok {
				it, itText = e.status.String()+" "+e.day, app.T("status."+e.status.String())+" "+e.day
			}
			rows = append(rows, copyRow{Policy: p.Name, Copy: c.Name, Time: c.Time, Size: c.Size, Integrity: it, LastDrill: last,
				integrityText: itText, lastDrillText: lastText})
		}
	}
	if app.Output != "table" {
		if err := app.PrintData(rows); err != nil {
			return err
		}
	} else if err := printCopyTable(app, rows); err != nil {
		return err
	}
	if failed != nil {
		return withExitCode(ExitUnknown)
	}
	return nil
}

func runBackupDrill(ctx context.Context, app *App, opts *backupOptions, args []string) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	env, err := loadBackupEnv(app, opts, args)
	if err != nil {
		return err
	}
	defer env.close()
	if !opts.noStore {
		if env.eng.Store, err = app.Recorder(ctx); err != nil {
			return err
		}
	}
	if env.eng.Store != nil {
		env.eng.Audit = auditForRun(app)
	}
	req := env.req
	req.Copy, req.Random, req.DrillTimeout = opts.copyName, opts.random, opts.drillTimeout
	run, err := env.eng.Drill(ctx, req, backupObserver(app))
	if errors.Is(err, engine.ErrNoDrill) {
		return flagErrorf("%s", app.T("backup.cli.no_drill"))
	}
	if err != nil {
		return err
	}
	return finishBackupRun(app, run)
}
