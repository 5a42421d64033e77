package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/store"
)

// App is what every command shares: the terminal, the resolved global
// settings, and lazily opened inventory and history. Nothing here is opened
// until a command asks, so `hcops --help` touches no file.
type App struct {
	IO  *iostreams.IOStreams
	Log *slog.Logger

	// Resolved global settings (flag > HCOPS_* environment > config file > default).
	ConfigFile    string
	InventoryPath string
	DBPath        string
	Output        string // table, json, yaml (some commands accept more)
	Lang          string // zh or en
	NoColor       bool
	Quiet         bool
	Verbose       bool
	Config        *config.Config
	v             *viper.Viper

	inv     *inventory.Inventory
	db      *store.DB
	closers []func()
}

// onClose runs f when the command ends (Close), before the history
// database is closed.
func (a *App) onClose(f func()) { a.closers = append(a.closers, f) }

// T translates a catalogue key into the user's language.
func (a *App) T(key string, args ...any) string { return i18n.T(a.Lang, key, args...) }

// Inventory loads the inventory named by --inventory / HCOPS_INVENTORY /
// config once. It is an error when none is configured.
func (a *App) Inventory() (*inventory.Inventory, error) {
	if a.inv != nil {
		return a.inv, nil
	}
	if a.InventoryPath == "" {
		return nil, errors.New(a.T("err.no_inventory"))
	}
	inv, err := inventory.Load(a.InventoryPath)
	if err != nil {
		return nil, err
	}
	a.inv = inv
	return inv, nil
}

// HasInventory reports whether an inventory is configured.
func (a *App) HasInventory() bool { return a.InventoryPath != "" }

// DB opens the history database once (creating it and its directory).
func (a *App) DB(ctx context.Context) (*store.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	o := store.Options{Runner: a.Runner()}
	if store.IsPostgres(a.DBPath) {
		pw, err := a.dbPassword()
		if err != nil {
			return nil, err
		}
		o.Password = pw
	}
	db, err := store.OpenWith(ctx, a.DBPath, o)
	if err != nil {
		return nil, err
	}
	a.db = db
	a.deliverSpool(ctx, db)
	// The audit records this runner wrote since the last copy (this
	// command's too) are copied into the history when the command ends.
	a.onClose(func() { a.syncAudit(context.Background(), db) })
	return db, nil
}

// Runner is this hcops' name, zone and site among the runners sharing a
// history (settings runner, zone and location; HCOPS_RUNNER, HCOPS_ZONE).
func (a *App) Runner() store.Runner {
	r := store.Runner{Name: a.Setting("runner"), Zone: a.Setting("zone"), Site: a.Setting("location")}
	if r.Name == "" {
		r.Name, _ = os.Hostname()
	}
	return r
}

// dbPassword reads the db_password reference (env:NAME, file:PATH,
// vault:NAME); "" when none is set.
func (a *App) dbPassword() (string, error) {
	ref := a.Setting("db_password")
	if ref == "" {
		return "", nil
	}
	s, ok := passwordRef(ref)
	if !ok {
		return "", flagErrorf("%s", a.T("err.db_password_ref"))
	}
	pw, err := s.Resolve()
	if err != nil {
		return "", fmt.Errorf("db_password %s: %w", ref, err)
	}
	return pw, nil
}

// passwordRef reads a password reference: env:NAME, file:PATH or
// vault:NAME; ok is false for anything else (a password itself).
func passwordRef(ref string) (s inventory.SecretRef, ok bool) {
	switch {
	case strings.HasPrefix(ref, "env:") && len(ref) > 4:
		s.Env = ref[4:]
	case strings.HasPrefix(ref, "file:") && len(ref) > 5:
		s.File = ref[5:]
	case strings.HasPrefix(ref, "vault:") && len(ref) > 6:
		s.Vault = ref[6:]
	default:
		return s, false
	}
	return s, true
}

// StateDir is where this hcops keeps its local files (vault, audit log,
// job logs, spool): beside the history file, or, for a postgres://
// history, in the default data directory.
func (a *App) StateDir() string {
	if store.IsPostgres(a.DBPath) {
		return filepath.Dir(config.DefaultDB())
	}
	return filepath.Dir(a.DBPath)
}

// History opens the history once, as the interface reports and commands
// use (see store.History); DB is the same store as its SQLite type.
func (a *App) History(ctx context.Context) (store.History, error) {
	db, err := a.DB(ctx)
	if err != nil {
		return nil, err // not a History holding a nil *store.DB
	}
	return db, nil
}

// Close releases what the command opened.
func (a *App) Close() {
	for _, f := range a.closers {
		f()
	}
	a.closers = nil
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			a.Log.Warn("closing history database", "err", err)
		}
		a.db = nil
	}
}

// PrintData writes v as JSON or YAML according to --output.
func (a *App) PrintData(v any) error {
	return writeData(a.IO.Out, a.Output, v)
}

func writeData(w io.Writer, format string, v any) error {
	switch format {
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return err
		}
		return enc.Close()
	default:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
}

// Warnf prints a warning on stderr unless -q.
func (a *App) Warnf(format string, args ...any) {
	if a.Quiet {
		return
	}
	fmt.Fprintf(a.IO.ErrOut, "warning: "+format+"\n", args...)
}

// Infof prints progress information on stderr unless -q.
func (a *App) Infof(format string, args ...any) {
	if a.Quiet {
		return
	}
	fmt.Fprintf(a.IO.ErrOut, format+"\n", args...)
}

// Setting returns a resolved string setting by its config key (flag >
// HCOPS_<KEY> > config file), e.g. "known_hosts".
func (a *App) Setting(key string) string {
	if a.v == nil {
		return ""
	}
	return a.v.GetString(key)
}

// SettingInt returns a resolved integer setting.
func (a *App) SettingInt(key string) int {
	if a.v == nil {
		return 0
	}
	return a.v.GetInt(key)
}

func newRootCmd(ios *iostreams.IOStreams) *cobra.Command {
	app := &App{IO: ios, Log: slog.New(slog.NewTextHandler(ios.ErrOut, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	root := &cobra.Command{
		Use:   "hcops",
		Short: "Operations toolkit for the Chaoyang District health cloud",
		Long: `hcops keeps the asset register of the health cloud, inspects the fleet over
SSH (巡检), proves that backups are real, and writes the daily and monthly
reports the health commission reads.

Global settings come from flags, then HCOPS_* environment variables
(HCOPS_INVENTORY, HCOPS_DB, HCOPS_OUTPUT, HCOPS_LANG, HCOPS_KNOWN_HOSTS,
HCOPS_IDENTITY, ...), then the config file (--config, default
~/.config/hcops/config.yaml, then /etc/hcops/config.yaml).

SEVERAL RUNNERS, ONE HISTORY
  --db postgres://USER@HOST:5432/DB?sslmode=verify-full&sslrootcert=CA.pem
  opens a PostgreSQL history shared by one runner per network zone; its
  password is a reference (--db-password env:NAME|file:PATH|vault:NAME,
  HCOPS_DB_PASSWORD). Each runner is named by the settings runner and zone
  (HCOPS_RUNNER, HCOPS_ZONE; config keys runner, zone). While the database
  is away, runs go to a local spool and are delivered once it is back
  (hcops history spool).

EXIT STATUS
  0    all OK
  1    at least one WARN, nothing worse
  2    at least one CRIT (or a failed backup verification)
  3    UNKNOWN: could not decide (bad flags, bad inventory or playbook,
       unreachable targets)
  130  interrupted (Ctrl-C)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return app.resolve(cmd)
		},
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &flagError{err: suggestFlag(c, err)} })
	// --version, the convention; -v stays --verbose.
	root.Version = version
	root.SetVersionTemplate("hcops {{.Version}}\n")

	pf := root.PersistentFlags()
	pf.String("config", "", "config file (default ~/.config/hcops/config.yaml, then /etc/hcops/config.yaml)")
	pf.String("inventory", "", "inventory file or directory (env HCOPS_INVENTORY)")
	pf.String("db", "", "history database (env HCOPS_DB; default $XDG_DATA_HOME/hcops/history.db)")
	pf.String("db-password", "", "password of a postgres:// history, as a reference env:NAME, file:PATH or vault:NAME (env HCOPS_DB_PASSWORD)")
	pf.String("audit-log", "", "audit log of remote actions (env HCOPS_AUDIT_LOG; default audit.log beside the history database)")
	pf.StringP("output", "o", "table", "output format: table, json or yaml (env HCOPS_OUTPUT)")
	pf.String("lang", "", "language of messages and reports: zh or en (default from LANG)")
	pf.Bool("no-color", false, "disable colour (also NO_COLOR)")
	pf.Bool("wide", false, "tables: keep every cell whole instead of wrapping long columns to the terminal's width")
	pf.BoolP("quiet", "q", false, "print only data and errors")
	pf.BoolP("verbose", "v", false, "print debug logs on stderr")

	root.AddCommand(
		newVersionCmd(app),
	)
	for _, add := range commandAdders {
		add(root, app)
	}
	usageErrors(root)
	registerValueCompletions(root, app)
	cobra.OnFinalize(app.Close)
	return root
}

// commandAdders lets each cmd_<noun>.go register its commands from init,
// so files can be added without editing this one.
var commandAdders []func(root *cobra.Command, app *App)

// resolve computes the global settings once per invocation.
func (a *App) resolve(cmd *cobra.Command) error {
	v := viper.New()
	v.SetEnvPrefix("HCOPS")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	root := cmd.Root()
	for _, name := range []string{"inventory", "db", "db-password", "audit-log", "output", "lang", "no-color"} {
		if err := v.BindPFlag(strings.ReplaceAll(name, "-", "_"), root.PersistentFlags().Lookup(name)); err != nil {
			return err
		}
	}
	// Flags a command may define for settings that also live in the config
	// file (known_hosts, identity, forks, ...): bind them when present.
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if settingKeys[key] {
			_ = v.BindPFlag(key, f)
		}
	})

	cfgPath, _ := root.PersistentFlags().GetString("config")
	if cfgPath == "" {
		cfgPath = os.Getenv("HCOPS_CONFIG")
	}
	if cfgPath == "" {
		cfgPath = config.Find()
	}
	cfg := &config.Config{}
	if cfgPath != "" {
		var err error
		if cfg, err = config.Load(cfgPath); err != nil {
			return err
		}
		m := map[string]any{}
		data, _ := os.ReadFile(cfgPath)
		if err := yaml.Unmarshal(data, &m); err == nil {
			if err := v.MergeConfigMap(m); err != nil {
				return fmt.Errorf("%s: %w", cfgPath, err)
			}
		}
	}
	a.Config, a.ConfigFile, a.v = cfg, cfgPath, v
	cmd.SetContext(withApp(cmd.Context(), a))

	a.InventoryPath = v.GetString("inventory")
	a.DBPath = v.GetString("db")
	if a.DBPath == "" {
		a.DBPath = config.DefaultDB()
	}
	a.Output = strings.ToLower(v.GetString("output"))
	lang := v.GetString("lang")
	if lang == "" {
		a.Lang = i18n.FromEnv()
	} else if a.Lang = i18n.Normalize(lang); a.Lang == "" {
		return flagErrorf("%s", i18n.T(i18n.EN, "err.bad_lang", lang))
	}
	a.NoColor = v.GetBool("no_color")
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		a.NoColor = true
	}
	if a.NoColor {
		a.IO.SetColor(false)
	}
	if wide, _ := root.PersistentFlags().GetBool("wide"); wide {
		a.IO.SetWide(true)
	}
	a.Quiet, _ = root.PersistentFlags().GetBool("quiet")
	a.Verbose, _ = root.PersistentFlags().GetBool("verbose")
	if a.Verbose {
		a.Log = slog.New(slog.NewTextHandler(a.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// settingKeys are config keys that commands may also take as flags.
var settingKeys = map[string]bool{
	"known_hosts": true, "identity": true, "forks": true, "connect_timeout": true,
	"host_timeout": true, "playbooks_dir": true, "backups": true,
}

// checkOutput rejects an --output value the command does not support.
func (a *App) checkOutput(allowed ...string) error {
	for _, o := range allowed {
		if a.Output == o {
			return nil
		}
	}
	return flagErrorf("%s", a.T("err.bad_output", a.Output, strings.Join(allowed, ", ")))
}

type appKey struct{}

// withApp puts the resolved App in the command's context, for hooks that
// are registered without it (a command's PreRunE added by shared flags).
func withApp(ctx context.Context, a *App) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, appKey{}, a)
}

// appFrom returns the App that resolve put in ctx, or nil.
func appFrom(ctx context.Context) *App {
	if ctx == nil {
		return nil
	}
	a, _ := ctx.Value(appKey{}).(*App)
	return a
}

// usageErrors makes every mistake on the command line a usage error (exit 3
// and the --help hint): a wrong number of arguments, and an unknown
// subcommand of a command group ("hcops inventory lst"), which cobra would
// otherwise answer with the group's help and exit 0. Unknown commands get
// cobra's "did you mean".
func usageErrors(c *cobra.Command) {
	for _, sub := range c.Commands() {
		usageErrors(sub)
	}
	c.SuggestionsMinimumDistance = 2
	unknown := func(cmd *cobra.Command, name string) error {
		msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
		if s := cmd.SuggestionsFor(name); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", s[0])
		}
		return &flagError{err: errors.New(msg)}
	}
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		// A pure group (inventory, backup, ...): its arguments can only
		// be a mistyped subcommand.
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknown(cmd, args[0])
			}
			return nil
		}
		return
	}
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			err := args(cmd, a)
			switch {
			case err == nil:
				return nil
			case cmd.HasSubCommands() && len(a) > 0 && strings.HasPrefix(err.Error(), "unknown command"):
				return unknown(cmd, a[0]) // cobra.NoArgs on a group that runs
			}
			return &flagError{err: err}
		}
	}
}

var unknownFlagRE = regexp.MustCompile(`^unknown (?:shorthand )?flag: (?:'(.)' in -\S+|--(\S+))$`)

// suggestFlag adds the nearest flag of c to an "unknown flag" error:
// --grup -> did you mean --group?
func suggestFlag(c *cobra.Command, err error) error {
	m := unknownFlagRE.FindStringSubmatch(err.Error())
	if m == nil || m[2] == "" {
		return err
	}
	typed := m[2]
	if i := strings.IndexByte(typed, '='); i >= 0 {
		typed = typed[:i]
	}
	best, bestD := "", 3
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := inventory.EditDistance(typed, f.Name)
		if strings.HasPrefix(f.Name, typed) && len(typed) >= 3 {
			d = min(d, 1)
		}
		if d < bestD || (d == bestD && f.Name < best) {
			best, bestD = f.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	if best == "" {
		return err
	}
	return fmt.Errorf("%w; did you mean --%s?", err, best)
}
