package main

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/schedule"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newConfigCmd(app))
	})
}

func newConfigCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the effective configuration and where each setting comes from",
	}
	cmd.AddCommand(newConfigShowCmd(app))
	return cmd
}

// configSetting is one row of config show. JSON field names are stable.
type configSetting struct {
	Key    string `json:"key" yaml:"key"`
	Value  string `json:"value" yaml:"value"`
	Source string `json:"source" yaml:"source"` // flag, env, config, default
	Where  string `json:"where,omitempty" yaml:"where,omitempty"`
}

func newConfigShowCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print every effective setting, its value and where it came from",
		Long: `Print the settings hcops runs with: the global settings (inventory, db,
output, lang, no_color, known_hosts, identity, forks, connect_timeout,
host_timeout, playbooks_dir, backups), then what the config file sets under
site:, report:, mail:, webhooks: and the scheduled jobs (jobs:, or the
defaults that fit this site).

Each value says where it came from:
  flag     a global flag of this command line (--inventory, --db, ...)
  env      an environment variable (HCOPS_INVENTORY, NO_COLOR, ...)
  config   the config file, with its line
  default  nothing set it; the value hcops uses then

Precedence is flag, then environment, then config file, then default.
Settings that are flags of inspect and backup (--forks, --identity, ...)
show the environment and config value; a flag given to those commands wins
over both.

Secrets are never shown: the config holds only references ({env: VAR} or
{file: PATH}), printed as env:VAR / file:PATH; tokens in webhook URLs
(key=, access_token=, a hook path) are replaced by ****.

OUTPUT
  table  KEY, VALUE, SOURCE (with the flag, variable or file:line)
  json   an array of {key, value, source, where}
  yaml   the same as json

EXIT STATUS
  0  shown
  3  the config file cannot be read (the error names the file and line)`,
		Example: `  hcops config show
  HCOPS_LANG=zh hcops --config /etc/hcops/config.yaml config show -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			rows := effectiveConfig(app, cmd)
			if app.Output != "table" {
				return app.PrintData(rows)
			}
			t := app.IO.NewTable("KEY", "VALUE", "SOURCE")
			for _, r := range rows {
				src := r.Source
				if r.Where != "" {
					src += " (" + r.Where + ")"
				}
				t.Row(r.Key, r.Value, src)
			}
			return t.Render()
		},
	}
}

// configKeys are the global settings, in README order, with the value hcops
// uses when nothing sets them.
var configKeys = []struct {
	key, flag string // flag: a global flag of the root command, or ""
	def       func() string
}{
	{"inventory", "inventory", func() string { return "" }},
	{"db", "db", config.DefaultDB},
	{"db_password", "db-password", func() string { return "none (PGPASSWORD, ~/.pgpass)" }},
	{"runner", "", func() string { h, _ := os.Hostname(); return h }},
	{"zone", "", func() string { return "none: inspect takes every zone" }},
	{"audit_log", "audit-log", func() string { return "audit.log beside the history database" }},
	{"audit_hash", "", func() string { return "sm3" }},
	{"vault", "", func() string { return "vault beside the history database" }},
	{"output", "output", func() string { return "table" }},
	{"lang", "lang", func() string { return i18n.FromEnv() }},
	{"no_color", "no-color", func() string { return "false" }},
	{"known_hosts", "", func() string { return "~/.ssh/known_hosts" }},
	{"identity", "", func() string { return "~/.ssh/id_* and the SSH agent" }},
	{"forks", "", func() string { return fmt.Sprint(inspect.DefaultForks) }},
	{"connect_timeout", "", func() string { return inspect.DefaultConnectTimeout.String() }},
	{"host_timeout", "", func() string { return inspect.DefaultHostTimeout.String() + " (backup: 10m)" }},
	{"playbooks_dir", "", func() string { return "built-in playbooks only" }},
	{"backups", "", func() string { return "backups.yaml beside the inventory" }},
	{"location", "", func() string { return "none: links are measured from their end a" }},
}

// effectiveConfig lists every setting with its value and source.
func effectiveConfig(app *App, cmd *cobra.Command) []configSetting {
	var doc *yaml.Node
	if app.ConfigFile != "" {
		if data, err := os.ReadFile(app.ConfigFile); err == nil {
			var n yaml.Node
			if yaml.Unmarshal(data, &n) == nil && len(n.Content) == 1 && n.Content[0].Kind == yaml.MappingNode {
				doc = n.Content[0]
			}
		}
	}
	where := func(path ...string) string {
		if k := keyNode(doc, path...); k != nil {
			return fmt.Sprintf("%s:%d", app.ConfigFile, k.Line)
		}
		return app.ConfigFile
	}

	var rows []configSetting
	cfgRow := configSetting{Key: "config", Value: app.ConfigFile, Source: "default"}
	switch {
	case cmd.Root().PersistentFlags().Changed("config"):
		cfgRow.Source, cfgRow.Where = "flag", "--config"
	case os.Getenv("HCOPS_CONFIG") != "":
		cfgRow.Source, cfgRow.Where = "env", "HCOPS_CONFIG"
	case app.ConfigFile == "":
		cfgRow.Where = "none of " + strings.Join(config.DefaultPaths(), ", ")
	default:
		cfgRow.Where = "first of " + strings.Join(config.DefaultPaths(), ", ")
	}
	rows = append(rows, cfgRow)

	for _, k := range configKeys {
		env := "HCOPS_" + strings.ToUpper(k.key)
		r := configSetting{Key: k.key}
		switch {
		case k.flag != "" && cmd.Root().PersistentFlags().Changed(k.flag):
			r.Source, r.Where = "flag", "--"+k.flag
		case k.key == "no_color" && os.Getenv("NO_COLOR") != "":
			r.Source, r.Where = "env", "NO_COLOR"
		case os.Getenv(env) != "":
			r.Source, r.Where = "env", env
		case app.v != nil && app.v.InConfig(k.key):
			r.Source, r.Where = "config", where(k.key)
		default:
			r.Source = "default"
		}
		if r.Source == "default" {
			r.Value = k.def()
			if k.key == "lang" {
				r.Where = "LANG"
			}
		} else {
			r.Value = app.Setting(k.key)
		}
		// What the command line resolved, where this command knows it.
		switch k.key {
		case "inventory":
			r.Value = app.InventoryPath
		case "db":
			r.Value = app.DBPath
		case "audit_log":
			r.Value = auditLogPath(app)
		case "vault":
			r.Value = vaultPath(app, "")
		case "output":
			r.Value = app.Output
		case "lang":
			r.Value = app.Lang
		case "no_color":
			r.Value = fmt.Sprint(app.NoColor)
		}
		rows = append(rows, r)
	}

	// The sections of the file, as written there (they have no flag or
	// environment variable), secrets masked.
	for _, section := range []string{"site", "report", "mail", "webhooks"} {
		n := valueNode(doc, section)
		if n == nil {
			continue
		}
		walkConfig(n, []string{section}, func(path []string, v *yaml.Node) {
			rows = append(rows, configSetting{Key: strings.Join(path, "."), Value: maskConfigValue(path, v),
				Source: "config", Where: fmt.Sprintf("%s:%d", app.ConfigFile, v.Line)})
		})
	}

	defaults := app.Config == nil || len(app.Config.Jobs) == 0
	for _, j := range schedule.Jobs(app.Config, scheduleSite(app)) {
		r := configSetting{Key: "jobs." + j.Name, Value: j.Schedule + "  hcops " + strings.Join(j.Args, " "), Source: "default"}
		if !defaults {
			r.Source, r.Where = "config", app.ConfigFile
			if n := jobNode(doc, j.Name); n != nil {
				r.Where = fmt.Sprintf("%s:%d", app.ConfigFile, n.Line)
			}
		} else {
			r.Where = "no jobs: in the config; the defaults that fit this site"
		}
		rows = append(rows, r)
	}
	return rows
}

// keyNode is the key node at path in a mapping, or nil.
func keyNode(n *yaml.Node, path ...string) *yaml.Node {
	var key *yaml.Node
	for _, p := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				key, next = n.Content[i], n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return key
}

// valueNode is the value node at path in a mapping, or nil.
func valueNode(n *yaml.Node, path ...string) *yaml.Node {
	for _, p := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

func jobNode(doc *yaml.Node, name string) *yaml.Node {
	seq := valueNode(doc, "jobs")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	for _, j := range seq.Content {
		if v := valueNode(j, "name"); v != nil && v.Value == name {
			return j
		}
	}
	return nil
}

// walkConfig calls fn for every scalar, list of scalars and secret
// reference under n, with its dotted path.
func walkConfig(n *yaml.Node, path []string, fn func([]string, *yaml.Node)) {
	switch n.Kind {
	case yaml.MappingNode:
		if isSecretRef(n) {
			fn(path, n)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkConfig(n.Content[i+1], append(append([]string{}, path...), n.Content[i].Value), fn)
		}
	case yaml.SequenceNode, yaml.ScalarNode:
		fn(path, n)
	case yaml.AliasNode:
		if n.Alias != nil {
			walkConfig(n.Alias, path, fn)
		}
	}
}

// isSecretRef reports whether n is {env: VAR}, {file: PATH} or {vault: NAME}.
func isSecretRef(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return false
	}
	k := n.Content[0].Value
	return k == "env" || k == "file" || k == "vault"
}

// hookToken is a path segment that is a credential (Feishu, generic hooks).
var hookToken = regexp.MustCompile(`^[A-Za-z0-9_-]{16,}$`)

// maskConfigValue renders a config value for display: references as
// env:VAR / file:PATH, lists joined, and credentials in webhook URLs
// replaced by ****.
func maskConfigValue(path []string, n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return n.Content[0].Value + ":" + n.Content[1].Value
	case yaml.SequenceNode:
		var vs []string
		for _, c := range n.Content {
			vs = append(vs, c.Value)
		}
		return strings.Join(vs, ", ")
	}
	v := n.Value
	last := path[len(path)-1]
	if last == "password" || last == "secret" {
		return "****" // a secret written in clear (the loader refuses it; never shown)
	}
	if last != "url" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "****"
	}
	q := u.Query()
	for k := range q {
		q.Set(k, "****")
	}
	u.RawQuery = q.Encode()
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if hookToken.MatchString(s) {
			segs[i] = "****"
		}
	}
	u.Path = strings.Join(segs, "/")
	u.User = nil
	return strings.ReplaceAll(u.String(), "%2A", "*")
}
