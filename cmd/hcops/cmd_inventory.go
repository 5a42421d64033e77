package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/atomicfile"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newInventoryCmd(app))
	})
}

func newInventoryCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "inventory",
		Aliases: []string{"inv"},
		Short:   "Keep the asset register: list, show, add, set, rm, import, export, validate",
		Long: `The asset register (资产台账): hosts, databases, the database appliance, network
and security devices, middleware, applications, links, storage and cloud
services, grouped by application system, zone, site and labels.

The register is one YAML file or a directory of YAML files (--inventory or
HCOPS_INVENTORY), written and diffed by people in git. A file has four
optional sections:

  defaults:   settings every asset inherits (zone, site, room, system, labels,
              owner, contact, criticality, os, connection, checks)
  groups:     name -> description and the same settings, inherited by members
  systems:    application systems: name, name_zh, name_en, criticality,
              sla (urgent/serious/general respond+fix, max_outage,
              availability), members (a selector), endpoints, owner
  assets:     name, kind, address, port, zone, site, room, system, groups,
              labels, owner, contact, criticality, os, connection (user, port,
              key_file, agent, via, become, become_user, password/passphrase
              as {env: VAR} or {file: PATH} — never the secret), endpoints,
              database, checks, notes

An asset's own value wins over its groups' (later groups in its list over
earlier ones), which win over defaults; labels and check overrides merge key
by key. Every command below works on those effective values. YAML anchors
may be kept under top-level keys starting with x- and merged with <<: *name.

Kinds: host, database, appliance, network-device, security-device,
middleware, application, link, storage, cloud-service.`,
		Example: `  hcops inventory validate --inventory examples/site
  hcops inventory list -l zone=intranet,system=pacs
  hcops inventory list 'web-*' --group cloud-hosts -o json
  hcops inventory show pacs-db-01
  hcops inventory set -l system=pacs owner=张工 labels.tier=core
  hcops inventory import assets.csv --dry-run`,
	}
	cmd.AddCommand(
		newInventoryListCmd(app),
		newInventoryShowCmd(app),
		newInventoryValidateCmd(app),
		newInventoryAddCmd(app),
		newInventorySetCmd(app),
		newInventoryRmCmd(app),
		newInventoryImportCmd(app),
		newInventoryExportCmd(app),
	)
	for _, c := range cmd.Commands() {
		if run := c.RunE; run != nil {
			c.RunE = func(cc *cobra.Command, args []string) error {
				return localizeErr(app, run(cc, args))
			}
		}
	}
	return cmd
}

// localizeErr shows an inventory error (inventory.Error) in the user's
// language, keeping the context wrapped around it and the exit code.
func localizeErr(app *App, err error) error {
	var ie *inventory.Error
	if err == nil || app.Lang == i18n.EN || !errors.As(err, &ie) {
		return err
	}
	text := errors.New(strings.Replace(err.Error(), ie.Error(), ie.Text(app.Lang), 1))
	var fe *flagError
	if errors.As(err, &fe) {
		return &flagError{err: text}
	}
	return text
}

// loadInventory loads --inventory with problems in the user's language.
func loadInventory(app *App) (*inventory.Inventory, error) {
	inv, err := app.Inventory()
	if err != nil {
		return nil, localizeInvErr(app, err)
	}
	return inv, nil
}

func localizeInvErr(app *App, err error) error {
	var ve *inventory.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("%s\n%s", ve.Text(app.Lang), app.T("inventory.cli.problems", len(ve.Problems)))
	}
	return err
}

// editInventory opens --inventory for editing (creating the file when it
// does not exist yet and create is set), holding the edit lock until the
// command ends. A register with problems cannot be edited: the user fixes
// the file first.
func editInventory(app *App, create bool) (*inventory.Editor, func(), error) {
	if !app.HasInventory() {
		return nil, nil, errors.New(app.T("err.no_inventory"))
	}
	unlock, err := inventory.Lock(app.InventoryPath, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	ed, err := openEditor(app, create)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return ed, unlock, nil
}

func openEditor(app *App, create bool) (*inventory.Editor, error) {
	var inv *inventory.Inventory
	var err error
	if create {
		inv, err = inventory.LoadOrNew(app.InventoryPath)
	} else {
		inv, err = inventory.Load(app.InventoryPath)
	}
	if err != nil {
		var ve *inventory.ValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("%s\n%s", ve.Text(app.Lang), app.T("inventory.cli.fix_first"))
		}
		return nil, err
	}
	return inv.Editor(), nil
}

// commitEdit writes the edit, or explains why the result was refused.
func commitEdit(app *App, ed *inventory.Editor) (*inventory.Inventory, error) {
	files := ed.Changed()
	existed := map[string]bool{}
	for _, f := range files {
		_, err := os.Stat(f)
		existed[f] = err == nil
	}
	inv, err := ed.Commit()
	if err != nil {
		var ve *inventory.ValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("%s\n%s", ve.Text(app.Lang), app.T("inventory.cli.refused"))
		}
		return nil, err
	}
	for _, f := range files {
		if existed[f] {
			app.Infof("%s", app.T("inventory.cli.wrote", f))
		} else {
			app.Infof("%s", app.T("inventory.cli.created", f)) // no previous version, no .bak
		}
	}
	return inv, nil
}

// --- list ---------------------------------------------------------------

func newInventoryListCmd(app *App) *cobra.Command {
	var sf selectorFlags
	var systems, groups bool
	cmd := &cobra.Command{
		Use:   "list [NAME-GLOB...]",
		Short: "List assets (or systems, or groups) with their effective settings",
		Long: `List the assets that the selection matches, in file order. With no
selection, every asset. --systems lists the application systems instead,
--groups the groups.

On a terminal the list is a table; piped, it is tab-separated with a header
line. -o json and -o yaml print every field of each asset; JSON field names
are those of the inventory file (name, kind, address, port, zone, site, room,
system, groups, labels, owner, contact, criticality, os, connection,
endpoints, database, checks, notes).

EXIT STATUS
  0  listed (also when nothing matched)
  3  no inventory, an inventory with problems, or a bad selector`,
		Example: `  hcops inventory list
  hcops inventory list 'pacs-*' -l kind=database
  hcops inventory list --group cloud-hosts -l 'zone=intranet,os.family in (kylin,uos)'
  hcops inventory list --systems -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			sel, err := sf.selector(args)
			if err != nil {
				return err
			}
			inv, err := loadInventory(app)
			if err != nil {
				return err
			}
			sf.warnUnknown(app, inv)
			switch {
			case systems:
				return printSystems(app, inv)
			case groups:
				return printGroups(app, inv)
			}
			return printAssets(app, inv.Select(sel))
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&systems, "systems", false, "list application systems instead of assets")
	cmd.Flags().BoolVar(&groups, "groups", false, "list groups instead of assets")
	cmd.MarkFlagsMutuallyExclusive("systems", "groups")
	return cmd
}

func printAssets(app *App, assets []*inventory.Asset) error {
	if app.Output != "table" {
		if assets == nil {
			assets = []*inventory.Asset{}
		}
		return app.PrintData(assets)
	}
	t := app.IO.NewTable(app.T("inventory.col.name"), app.T("inventory.col.kind"), app.T("inventory.col.address"),
		app.T("inventory.col.zone"), app.T("inventory.col.system"), app.T("inventory.col.groups"), app.T("inventory.col.criticality"))
	for _, a := range assets {
		addr := a.Address
		if a.Port != 0 {
			addr += ":" + strconv.Itoa(a.Port)
		}
		t.Row(a.Name, a.Kind, addr, a.Zone, a.System, strings.Join(a.Groups, ","), a.Criticality)
	}
	return t.Render()
}

type systemRow struct {
	*inventory.System
	MemberCount int `json:"member_count" yaml:"member_count"`
}

func printSystems(app *App, inv *inventory.Inventory) error {
	if app.Output != "table" {
		rows := []systemRow{}
		for _, s := range inv.Systems {
			rows = append(rows, systemRow{s, len(inv.SystemMembers(s.Name))})
		}
		return app.PrintData(rows)
	}
	t := app.IO.NewTable(app.T("inventory.col.name"), app.T("inventory.col.display"), app.T("inventory.col.criticality"),
		app.T("inventory.col.sla"), app.T("inventory.col.members"))
	for _, s := range inv.Systems {
		t.Row(s.Name, s.DisplayName(app.Lang), s.Criticality, slaText(s.SLA), strconv.Itoa(len(inv.SystemMembers(s.Name))))
	}
	return t.Render()
}

func slaText(s inventory.SLA) string {
	var parts []string
	for _, d := range []struct {
		k string
		v inventory.Deadline
	}{{"urgent", s.Urgent}, {"serious", s.Serious}, {"general", s.General}} {
		if d.v.Respond != "" || d.v.Fix != "" {
			parts = append(parts, fmt.Sprintf("%s %s/%s", d.k, orDash(d.v.Respond), orDash(d.v.Fix)))
		}
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type groupRow struct {
	*inventory.Group
	MemberCount int `json:"member_count" yaml:"member_count"`
}

func printGroups(app *App, inv *inventory.Inventory) error {
	count := map[string]int{}
	for _, a := range inv.Assets {
		for _, g := range a.Groups {
			count[g]++
		}
	}
	if app.Output != "table" {
		rows := []groupRow{}
		for _, g := range inv.Groups {
			rows = append(rows, groupRow{g, count[g.Name]})
		}
		return app.PrintData(rows)
	}
	t := app.IO.NewTable(app.T("inventory.col.name"), app.T("inventory.col.description"), app.T("inventory.col.members"))
	for _, g := range inv.Groups {
		t.Row(g.Name, g.Description, strconv.Itoa(count[g.Name]))
	}
	return t.Render()
}

// --- show ---------------------------------------------------------------

func newInventoryShowCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show one asset (or system, or group) with every effective setting",
		Long: `Show an asset with its effective settings (after defaults and groups), where
it is defined, and the jump hosts used to reach it. When no asset has that
name, a system or group of that name is shown.

EXIT STATUS
  0  shown
  3  no such asset, system or group; no inventory or one with problems`,
		Example: `  hcops inventory show pacs-db-01
  hcops inventory show pacs -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			inv, err := loadInventory(app)
			if err != nil {
				return err
			}
			name := args[0]
			if a := inv.Asset(name); a != nil {
				return showAsset(app, inv, a)
			}
			if s := inv.System(name); s != nil {
				if app.Output != "table" {
					return app.PrintData(systemRow{s, len(inv.SystemMembers(s.Name))})
				}
				return showSystem(app, inv, s)
			}
			if g := inv.Group(name); g != nil {
				if app.Output != "table" {
					return app.PrintData(g)
				}
				t := app.IO.NewTable(app.T("inventory.col.field"), app.T("inventory.col.value"))
				t.Row("name", g.Name)
				t.Row("description", g.Description)
				var members []string
				for _, a := range inv.Assets {
					for _, gn := range a.Groups {
						if gn == g.Name {
							members = append(members, a.Name)
						}
					}
				}
				t.Row("members", strings.Join(members, ", "))
				t.Row("defined_at", posString(g.Pos))
				return t.Render()
			}
			return errors.New(app.T("inventory.cli.not_found", name))
		},
	}
}

func posString(p inventory.Pos) string {
	if p.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

func secretText(s inventory.SecretRef) string {
	switch {
	case s.Env != "":
		return "env:" + s.Env
	case s.File != "":
		return "file:" + s.File
	case s.Vault != "":
		return "vault:" + s.Vault
	}
	return ""
}

func showAsset(app *App, inv *inventory.Inventory, a *inventory.Asset) error {
	if app.Output != "table" {
		return app.PrintData(a)
	}
	t := app.IO.NewTable(app.T("inventory.col.field"), app.T("inventory.col.value"))
	row := func(k, v string) {
		if v != "" {
			t.Row(k, v)
		}
	}
	row("name", a.Name)
	row("kind", a.Kind)
	row("address", a.Address)
	if a.Port != 0 {
		row("port", strconv.Itoa(a.Port))
	}
	row("zone", a.Zone)
	row("site", a.Site)
	row("room", a.Room)
	if s := inv.System(a.System); s != nil {
		row("system", a.System+" ("+s.DisplayName(app.Lang)+")")
	} else {
		row("system", a.System)
	}
	row("groups", strings.Join(a.Groups, ", "))
	keys := make([]string, 0, len(a.Labels))
	for k := range a.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row("labels."+k, a.Labels[k])
	}
	row("owner", a.Owner)
	row("contact", a.Contact)
	row("criticality", a.Criticality)
	row("os", strings.TrimSpace(strings.Join([]string{a.OS.Family, a.OS.Version, a.OS.Arch}, " ")))
	c := a.Connection
	row("connection.transport", c.Transport)
	row("connection.user", c.User)
	if c.Port != 0 {
		row("connection.port", strconv.Itoa(c.Port))
	}
	row("connection.key_file", c.KeyFile)
	if c.Agent != nil {
		row("connection.agent", strconv.FormatBool(*c.Agent))
	}
	if c.Become {
		row("connection.become", "true")
	}
	row("connection.become_user", c.BecomeUser)
	row("connection.password", secretText(c.Password))
	row("connection.passphrase", secretText(c.Passphrase))
	if chain, err := inv.JumpChain(a); err == nil && len(chain) > 0 {
		var hops []string
		for _, h := range chain {
			hops = append(hops, h.Name)
		}
		row("jump_chain", strings.Join(append(hops, a.Name), " -> "))
	}
	for i, ep := range a.Endpoints {
		row(fmt.Sprintf("endpoints[%d]", i), ep.URL)
	}
	if d := a.Database; d != nil {
		row("database.engine", d.Engine)
		row("database.database", d.Database)
		row("database.user", d.User)
		row("database.password", secretText(d.Password))
		row("database.tls", d.TLS)
		row("database.role", d.Role)
	}
	if s := a.SNMP; s.Configured() {
		v := s.Version
		if v == "" {
			v = inventory.SNMPv2c
		}
		row("snmp.version", v)
		if s.Port != 0 {
			row("snmp.port", strconv.Itoa(s.Port))
		}
		row("snmp.community", secretText(s.Community))
		row("snmp.user", s.User)
		if v == inventory.SNMPv3 {
			row("snmp.level", s.EffectiveLevel())
		}
		row("snmp.auth_proto", s.AuthProto)
		row("snmp.auth_key", secretText(s.AuthKey))
		row("snmp.priv_proto", s.PrivProto)
		row("snmp.priv_key", secretText(s.PrivKey))
		row("snmp.timeout", s.Timeout)
	}
	if l := a.Link; l != nil {
		row("link.a.site", l.A.Site)
		row("link.a.address", l.A.Address)
		row("link.b.site", l.B.Site)
		row("link.b.address", l.B.Address)
		if l.Availability > 0 {
			row("link.availability", strconv.FormatFloat(l.Availability, 'f', -1, 64)+"%")
		}
	}
	ckeys := make([]string, 0, len(a.Checks))
	for k := range a.Checks {
		ckeys = append(ckeys, k)
	}
	sort.Strings(ckeys)
	for _, k := range ckeys {
		o := a.Checks[k]
		v := fmt.Sprintf("warn=%s crit=%s", orDash(o.Warn), orDash(o.Crit))
		if o.Disabled {
			v = "disabled"
		}
		row("checks."+k, v)
	}
	row("notes", a.Notes)
	row("defined_at", posString(a.Pos))
	return t.Render()
}

func showSystem(app *App, inv *inventory.Inventory, s *inventory.System) error {
	t := app.IO.NewTable(app.T("inventory.col.field"), app.T("inventory.col.value"))
	row := func(k, v string) {
		if v != "" {
			t.Row(k, v)
		}
	}
	row("name", s.Name)
	row("name_zh", s.NameZH)
	row("name_en", s.NameEN)
	row("criticality", s.Criticality)
	for _, d := range []struct {
		k string
		v inventory.Deadline
	}{{"urgent", s.SLA.Urgent}, {"serious", s.SLA.Serious}, {"general", s.SLA.General}} {
		if d.v.Respond != "" || d.v.Fix != "" {
			row("sla."+d.k, app.T("inventory.cli.deadline", orDash(d.v.Respond), orDash(d.v.Fix)))
		}
	}
	row("sla.max_outage", s.SLA.MaxOutage)
	if s.SLA.Availability != 0 {
		row("sla.availability", strconv.FormatFloat(s.SLA.Availability, 'f', -1, 64)+"%")
	}
	row("members", s.Members)
	var names []string
	for _, a := range inv.SystemMembers(s.Name) {
		names = append(names, a.Name)
	}
	row("assets", strings.Join(names, ", "))
	for i, ep := range s.Endpoints {
		row(fmt.Sprintf("endpoints[%d]", i), ep.URL)
	}
	row("owner", s.Owner)
	row("notes", s.Notes)
	row("defined_at", posString(s.Pos))
	return t.Render()
}

// --- validate -----------------------------------------------------------

type problemJSON struct {
	File    string `json:"file" yaml:"file"`
	Line    int    `json:"line" yaml:"line"`
	Column  int    `json:"column" yaml:"column"`
	Message string `json:"message" yaml:"message"`
	Hint    string `json:"hint,omitempty" yaml:"hint,omitempty"`
}

type validateJSON struct {
	Valid    bool          `json:"valid" yaml:"valid"`
	Files    []string      `json:"files" yaml:"files"`
	Assets   int           `json:"assets" yaml:"assets"`
	Systems  int           `json:"systems" yaml:"systems"`
	Groups   int           `json:"groups" yaml:"groups"`
	Problems []problemJSON `json:"problems" yaml:"problems"`
}

func newInventoryValidateCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the inventory and report every problem with file:line:column",
		Long: `Read the inventory (--inventory) and report every problem at once, each as
file:line:column: what is wrong (what to do): unknown keys, duplicate names,
bad addresses or ports, unknown kinds or criticality, references to unknown
systems, groups or jump hosts, jump chains that loop, secrets written in
clear.

With -o json: {"valid", "files", "assets", "systems", "groups",
"problems": [{"file", "line", "column", "message", "hint"}]} on stdout.

EXIT STATUS
  0  the inventory is valid
  3  problems were found, or there is no inventory`,
		Example: `  hcops inventory validate --inventory examples/site
  HCOPS_INVENTORY=/etc/hcops/inventory hcops inventory validate -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			if !app.HasInventory() {
				return errors.New(app.T("err.no_inventory"))
			}
			inv, err := inventory.Load(app.InventoryPath)
			var ve *inventory.ValidationError
			if err != nil && !errors.As(err, &ve) {
				return err
			}
			if app.Output != "table" {
				out := validateJSON{Valid: ve == nil, Files: inv.Files, Assets: len(inv.Assets), Systems: len(inv.Systems), Groups: len(inv.Groups), Problems: []problemJSON{}}
				if ve != nil {
					for _, p := range ve.Problems {
						q := inventory.Problem{Key: p.Key, Args: p.Args, Message: p.Message}
						h := inventory.Problem{Key: p.HintKey, Args: p.HintArgs, Message: p.Hint}
						out.Problems = append(out.Problems, problemJSON{p.Pos.File, p.Pos.Line, p.Pos.Column, q.Text(app.Lang), h.Text(app.Lang)})
					}
				}
				if err := app.PrintData(out); err != nil {
					return err
				}
				if ve != nil {
					return withExitCode(ExitUnknown)
				}
				return nil
			}
			if ve != nil {
				for _, p := range ve.Problems {
					fmt.Fprintln(app.IO.ErrOut, p.Text(app.Lang))
				}
				fmt.Fprintln(app.IO.ErrOut, app.T("inventory.cli.problems", len(ve.Problems)))
				return withExitCode(ExitUnknown)
			}
			fmt.Fprintln(app.IO.Out, app.T("inventory.cli.valid", app.InventoryPath, len(inv.Assets), len(inv.Systems), len(inv.Groups), len(inv.Files)))
			return nil
		},
	}
}

// --- add / set / rm -----------------------------------------------------

const assignHelp = `FIELD=VALUE sets a field; FIELD= removes the asset's own value (it inherits
again). Fields: kind, address, port, zone, site, room, system, groups, owner,
contact, criticality, os.family, os.version, os.arch, connection.transport,
connection.user, connection.port, connection.key_file, connection.agent,
connection.via, connection.become, connection.become_user,
connection.password.env, connection.password.file, connection.passphrase.env,
connection.passphrase.file, database.engine, database.database,
database.user, database.password.env, database.password.file, database.role,
database.replicas, database.tls, snmp.version, snmp.port, snmp.user,
snmp.level, snmp.auth_proto, snmp.priv_proto, snmp.timeout, snmp.retries,
snmp.community|auth_key|priv_key.env|file|vault, link.a.site,
link.a.address, link.b.site, link.b.address, notes, labels.KEY,
checks.NAME.warn, checks.NAME.crit, checks.NAME.disabled,
checks.NAME.params.KEY; endpoints,
database and checks also take a whole JSON value. groups=a,b replaces the
list, groups+=a adds, groups-=a removes.

The file is rewritten keeping its comments and the order of everything not
touched; the result is validated first and nothing is written if it has a
problem; the write is atomic (temporary file + rename) and the previous
version is kept as FILE.bak.`

func splitAssignments(args []string) (globs []string, as []inventory.Assignment, err error) {
	for _, a := range args {
		if !strings.Contains(a, "=") {
			globs = append(globs, a)
			continue
		}
		x, err := inventory.ParseAssignment(a)
		if err != nil {
			return nil, nil, &flagError{err: err}
		}
		as = append(as, x)
	}
	return globs, as, nil
}

func newInventoryAddCmd(app *App) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "add NAME [FIELD=VALUE...]",
		Short: "Add an asset to the inventory file",
		Long: `Add an asset called NAME with the given fields (kind defaults to host). When
--inventory names a file that does not exist yet, it is created. In a
directory inventory the asset goes to --file (relative to the directory;
created when missing), else to the last file.

` + assignHelp + `

EXIT STATUS
  0  added
  3  bad arguments, the name exists, or the result would be invalid (nothing written)`,
		Example: `  hcops inventory add web-03 address=192.0.2.13 groups=cloud-hosts system=oa
  hcops inventory add core-sw-01 kind=network-device address=198.51.100.1 site=本地数据中心 room=A101`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			globs, as, err := splitAssignments(args[1:])
			if err != nil {
				return err
			}
			if len(globs) > 0 {
				return flagErrorf("%s", app.T("inventory.cli.not_assignment", globs[0]))
			}
			if strings.Contains(name, "=") || !inventory.ValidName(name) {
				return flagErrorf("%s", app.T("inventory.cli.bad_name", name))
			}
			ed, unlock, err := editInventory(app, true)
			if err != nil {
				return err
			}
			defer unlock()
			if err := ed.Add(name, file, as); err != nil {
				return err
			}
			if _, err := commitEdit(app, ed); err != nil {
				return err
			}
			fmt.Fprintln(app.IO.Out, app.T("inventory.cli.added", name))
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "file of a directory inventory to add the asset to")
	return cmd
}

func newInventorySetCmd(app *App) *cobra.Command {
	var sf selectorFlags
	var all, dryRun bool
	cmd := &cobra.Command{
		Use:   "set [NAME-GLOB...] FIELD=VALUE...",
		Short: "Change one or many assets at once (batch edit by selector)",
		Long: `Change every asset the selection matches: name globs (arguments without '='),
--group and -l. A selection is required; --all changes every asset.

` + assignHelp + `

EXIT STATUS
  0  changed (or nothing needed changing)
  3  bad arguments, nothing matched, or the result would be invalid (nothing written)`,
		Example: `  hcops inventory set web-01 zone=internet
  hcops inventory set -l system=pacs owner=张工 contact=010-5555-0101
  hcops inventory set 'db-*' groups+=databases checks.disk.crit=95
  hcops inventory set --group legacy connection.password.env=LEGACY_PW --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			globs, as, err := splitAssignments(args)
			if err != nil {
				return err
			}
			if len(as) == 0 {
				return flagErrorf("%s", app.T("inventory.cli.no_assignment"))
			}
			if !sf.given(globs) && !all {
				return flagErrorf("%s", app.T("inventory.cli.no_selection"))
			}
			sel, err := sf.selector(globs)
			if err != nil {
				return err
			}
			ed, unlock, err := editInventory(app, false)
			if err != nil {
				return err
			}
			defer unlock()
			sf.warnUnknown(app, ed.Inventory())
			targets := ed.Inventory().Select(sel)
			if len(targets) == 0 {
				return errors.New(app.T("inventory.cli.no_match", sel.String()))
			}
			var changed []string
			for _, a := range targets {
				c, err := ed.Set(a.Name, as)
				if err != nil {
					return fmt.Errorf("%s: %w", a.Name, err)
				}
				if c {
					changed = append(changed, a.Name)
				}
			}
			if dryRun {
				if _, _, err := ed.Preview(); err != nil {
					return localizeEditErr(app, err)
				}
				for _, n := range changed {
					fmt.Fprintln(app.IO.Out, app.T("inventory.cli.would_change", n))
				}
				fmt.Fprintln(app.IO.Out, app.T("inventory.cli.set_summary_dry", len(changed), len(targets)))
				return nil
			}
			if len(changed) > 0 {
				if _, err := commitEdit(app, ed); err != nil {
					return err
				}
			}
			for _, n := range changed {
				fmt.Fprintln(app.IO.Out, app.T("inventory.cli.changed", n))
			}
			fmt.Fprintln(app.IO.Out, app.T("inventory.cli.set_summary", len(changed), len(targets)))
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "change every asset (when no selection is given)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change, write nothing")
	return cmd
}

func localizeEditErr(app *App, err error) error {
	var ve *inventory.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("%s\n%s", ve.Text(app.Lang), app.T("inventory.cli.refused"))
	}
	return err
}

func newInventoryRmCmd(app *App) *cobra.Command {
	var sf selectorFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rm NAME-GLOB... | --group G | -l EXPR",
		Short: "Remove assets from the inventory",
		Long: `Remove the assets the selection matches from the files that define them.
An asset that another asset uses as its jump host (connection.via) cannot be
removed until that reference is changed: the result is validated first and
nothing is written if it has a problem. The previous version of each file is
kept as FILE.bak.

EXIT STATUS
  0  removed
  3  nothing matched, or the result would be invalid (nothing written)`,
		Example: `  hcops inventory rm web-03
  hcops inventory rm 'test-*' --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !sf.given(args) {
				return flagErrorf("%s", app.T("inventory.cli.no_selection"))
			}
			sel, err := sf.selector(args)
			if err != nil {
				return err
			}
			ed, unlock, err := editInventory(app, false)
			if err != nil {
				return err
			}
			defer unlock()
			sf.warnUnknown(app, ed.Inventory())
			targets := ed.Inventory().Select(sel)
			if len(targets) == 0 {
				return errors.New(app.T("inventory.cli.no_match", sel.String()))
			}
			for _, a := range targets {
				if err := ed.Remove(a.Name); err != nil {
					return err
				}
			}
			if dryRun {
				if _, _, err := ed.Preview(); err != nil {
					return localizeEditErr(app, err)
				}
				for _, a := range targets {
					fmt.Fprintln(app.IO.Out, app.T("inventory.cli.would_remove", a.Name))
				}
				return nil
			}
			if _, err := commitEdit(app, ed); err != nil {
				return err
			}
			for _, a := range targets {
				fmt.Fprintln(app.IO.Out, app.T("inventory.cli.removed", a.Name))
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be removed, write nothing")
	return cmd
}

// --- import / export ----------------------------------------------------

type importRowJSON struct {
	Row       int                   `json:"row" yaml:"row"`
	Name      string                `json:"name" yaml:"name"`
	Fields    map[string]string     `json:"fields,omitempty" yaml:"fields,omitempty"`
	Sensitive []inventory.Sensitive `json:"sensitive,omitempty" yaml:"sensitive,omitempty"`
}

type badRowJSON struct {
	Row      int      `json:"row" yaml:"row"`
	Name     string   `json:"name" yaml:"name"`
	Problems []string `json:"problems" yaml:"problems"`
}

type importJSON struct {
	File         string              `json:"file" yaml:"file"`
	Into         string              `json:"into" yaml:"into"`
	DryRun       bool                `json:"dry_run" yaml:"dry_run"`
	Written      bool                `json:"written" yaml:"written"`
	AllowSecrets bool                `json:"allow_secrets" yaml:"allow_secrets"` // --allow-secrets
	Refused      bool                `json:"refused" yaml:"refused"`             // rows brought in "sensitive" settings without --allow-secrets
	Added        []importRowJSON     `json:"added" yaml:"added"`
	Changed      []*inventory.Change `json:"changed" yaml:"changed"`
	Unchanged    []string            `json:"unchanged" yaml:"unchanged"`
	Bad          []badRowJSON        `json:"bad" yaml:"bad"`
	NewGroups    []string            `json:"new_groups" yaml:"new_groups"`
	NewSystems   []string            `json:"new_systems" yaml:"new_systems"`
}

func newInventoryImportCmd(app *App) *cobra.Command {
	var format, into string
	var dryRun, skipInvalid, allowSecrets bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import assets from CSV, XLSX, JSON or YAML into the inventory",
		Long: `Read assets from FILE (- for stdin with --format) and merge them into the
inventory: rows naming an asset that exists update the fields they give,
where the asset is defined; other rows add new assets. An empty cell means
"not given", never "clear"; import never removes an asset.

Where it goes: into the --inventory file; for a directory inventory, new
assets go to --into (relative to the directory), default imported.yaml.
When --inventory names a .yaml file that does not exist yet, it is created.
Groups and systems the rows name that do not exist are declared (a system
may also be given by its Chinese or English name).

CSV: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK (what
Excel and WPS save on Chinese Windows) are detected; comma, semicolon or tab
separated. XLSX: the sheet "assets" or "资产", else the first. Headers in
English or Chinese, e.g. name/名称, address/IP地址/地址, port/端口, user/用户,
zone/区域, group/分组, system/所属系统, kind/类型, site/站点, room/机房,
owner/负责人, contact/联系方式, criticality/重要性, labels/标签 (k=v;k=v),
notes/备注, via/跳板机, ssh_port/SSH端口, service_port/服务端口,
password_ref/密码引用 (env:VAR or file:PATH, never a password). A plain
name,address,port,user,zone,group file imports as is: "port" is the SSH port
of a host and the service port of other kinds; kind defaults to host. Cells
that exports protected against formulas ('=...) are read back unchanged.
JSON/YAML: a list of assets, or {assets: [...]}, as export writes them.

Every row is checked first. A file with a bad row imports nothing unless
--skip-invalid; --dry-run prints what would be added, changed (field by
field) and left unchanged, and every bad row with its row number. The
resulting inventory is validated before anything is written; files are
written atomically and the previous version is kept as FILE.bak.

SECRETS AND LOCAL FILES
An import file comes from outside, so by default it may not bring in
anything that makes hcops read a file or secret on this machine, run
something here, or send a password somewhere new: password/passphrase
references (password_ref, passphrase_ref, a password in the database
column — env:VAR or file:PATH), key files (key_file, an endpoint's
ca_file), check overrides (the checks column: parameters such as commands
and paths, thresholds, disabled), transport local, database tls disable or
prefer (plaintext allowed), and a new address or port for an existing asset
that carries a password. Such rows are refused, naming the file, the row
(line for JSON/YAML) and the field, and nothing is imported — also with
--skip-invalid. Every new or changed asset lists these settings under its
line ("review: ..."), so --dry-run shows a reviewer exactly what would come
in; --allow-secrets imports them once you have checked they are yours.

EXIT STATUS
  0  imported (or dry run without bad or refused rows)
  3  bad rows (without --skip-invalid), rows bringing in secrets, key files
     or check settings (without --allow-secrets), an unreadable file, or the
     result would be an invalid inventory; nothing was written`,
		Example: `  hcops inventory import assets.csv --dry-run
  hcops inventory import 资产台账.xlsx --skip-invalid
  hcops inventory import db-assets.yaml --dry-run --allow-secrets   # review the references, then without --dry-run
  hcops --inventory site/ inventory import hosts.csv --into cloud-hosts.yaml
  hcops inventory export - --format json | hcops inventory import - --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			src := args[0]
			if format == "" {
				format = inventory.FormatFromPath(src)
			}
			if format == "" || !slicesContains(inventory.Formats, format) {
				return flagErrorf("%s", app.T("inventory.cli.import_no_format", src))
			}
			if into != "" && app.HasInventory() && !isDir(app.InventoryPath) {
				return flagErrorf("--into is for directory inventories; %s is one file", app.InventoryPath)
			}
			// A dry run writes nothing, so it takes no lock (and creates no
			// lock file or directory); files are replaced by rename, so it
			// never reads half of one.
			var ed *inventory.Editor
			var err error
			if dryRun {
				if !app.HasInventory() {
					return errors.New(app.T("err.no_inventory"))
				}
				if ed, err = openEditor(app, true); err != nil {
					return err
				}
			} else {
				var unlock func()
				if ed, unlock, err = editInventory(app, true); err != nil {
					return err
				}
				defer unlock()
			}
			var r io.Reader = app.IO.In
			if src != "-" {
				f, err := os.Open(src)
				if err != nil {
					return fmt.Errorf("import: %w", err)
				}
				defer f.Close()
				r = f
			}
			res, err := inventory.ReadRecords(r, src, format)
			if err != nil {
				return err
			}
			if res.Encoding != "" {
				app.Log.Debug(app.T("inventory.cli.import_encoding", res.Encoding))
			}
			if len(res.Ignored) > 0 {
				app.Warnf("%s", app.T("inventory.cli.import_ignored", strings.Join(res.Ignored, ", ")))
			}
			target := into
			if target == "" && isDir(app.InventoryPath) {
				target = "imported.yaml"
			}
			plan := ed.Inventory().PlanImport(res.Records)
			refused := plan.Sensitive()
			if allowSecrets {
				refused = nil
			}
			out := importJSON{File: src, Into: target, DryRun: dryRun, AllowSecrets: allowSecrets, Refused: len(refused) > 0,
				Added: []importRowJSON{}, Changed: plan.Changed,
				Unchanged: []string{}, Bad: []badRowJSON{}, NewGroups: plan.NewGroups, NewSystems: plan.NewSystems}
			if out.Into == "" {
				out.Into = app.InventoryPath
			}
			if out.Changed == nil {
				out.Changed = []*inventory.Change{}
			}
			for _, r := range plan.Added {
				fields := map[string]string{}
				for _, f := range r.Fields {
					fields[f.Path] = f.Value
				}
				out.Added = append(out.Added, importRowJSON{Row: r.Row, Name: r.Name, Fields: fields, Sensitive: r.Sensitive})
			}
			for _, r := range plan.Unchanged {
				out.Unchanged = append(out.Unchanged, r.Name)
			}
			for _, r := range plan.Bad {
				b := badRowJSON{Row: r.Row, Name: r.Name}
				for _, p := range r.Problems {
					b.Problems = append(b.Problems, p.Text(app.Lang))
				}
				out.Bad = append(out.Bad, b)
			}
			abort := (len(plan.Bad) > 0 && !skipInvalid) || len(refused) > 0
			write := !dryRun && !abort && (len(plan.Added)+len(plan.Changed) > 0)
			if write {
				// target, not into: for a directory the default file is
				// imported.yaml, the name printed in "into", never the
				// directory's last file.
				if err := ed.ApplyImport(plan, target); err != nil {
					return err
				}
				if _, err := commitEdit(app, ed); err != nil {
					return err
				}
				out.Written = true
			}
			if app.Output != "table" {
				if err := app.PrintData(out); err != nil {
					return err
				}
			} else {
				printImportPlan(app, plan, dryRun)
			}
			switch {
			case len(refused) > 0:
				for _, r := range refused {
					for _, s := range r.Sensitive {
						fmt.Fprintln(app.IO.ErrOut, "! "+refusedText(app, src, r, s))
					}
				}
				// The file's content was refused, not the command line: exit
				// 3 without the --help hint.
				return &codedError{code: ExitUnknown, err: errors.New(app.T("inventory.cli.import_refused", len(refused)))}
			case abort:
				return errors.New(app.T("inventory.cli.import_aborted", len(plan.Bad)))
			case dryRun:
				app.Infof("%s", app.T("inventory.cli.import_dry"))
			case len(plan.Bad) > 0:
				app.Warnf("%s", app.T("inventory.cli.import_skipped", len(plan.Bad)))
			case !write:
				app.Infof("%s", app.T("inventory.cli.import_nothing"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "csv, xlsx, json or yaml (default: from the file name)")
	cmd.Flags().StringVar(&into, "into", "", "file that receives new assets (directory inventories; default imported.yaml)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be added, changed and left, and every bad row; write nothing")
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "import the good rows even if some rows are bad")
	cmd.Flags().BoolVar(&allowSecrets, "allow-secrets", false, "import secret references, key files, check settings, transport local and plaintext database TLS the file brings in (review them with --dry-run first)")
	return cmd
}

// bringsKeys names each kind of sensitive setting (inventory.Bring*).
var bringsKeys = map[string]string{
	inventory.BringSecret:    "inventory.import.brings_secret",
	inventory.BringKeyFile:   "inventory.import.brings_key_file",
	inventory.BringCheck:     "inventory.import.brings_check",
	inventory.BringLocal:     "inventory.import.brings_local",
	inventory.BringPlaintext: "inventory.import.brings_plaintext",
	inventory.BringRedirect:  "inventory.import.brings_redirect",
}

func bringsText(app *App, kind string) string {
	if k, ok := bringsKeys[kind]; ok {
		return app.T(k)
	}
	return kind
}

// refusedText names where a refused setting was written: the file, the row
// (spreadsheets) or line (JSON/YAML), the asset and the field.
func refusedText(app *App, file string, r *inventory.Record, s inventory.Sensitive) string {
	if r.Line > 0 {
		return app.T("inventory.import.refused_line", file, r.Line, orDash(r.Name), s.Field, s.Value, bringsText(app, s.Kind))
	}
	return app.T("inventory.import.refused_row", file, r.Row, orDash(r.Name), s.Field, s.Value, bringsText(app, s.Kind))
}

func printSensitive(app *App, items []inventory.Sensitive) {
	for _, s := range items {
		fmt.Fprintln(app.IO.Out, app.T("inventory.cli.import_brings", s.Field, s.Value, bringsText(app, s.Kind)))
	}
}

func printImportPlan(app *App, plan *inventory.ImportPlan, showBad bool) {
	w := app.IO.Out
	for _, g := range plan.NewGroups {
		fmt.Fprintln(w, "+ "+app.T("inventory.cli.import_new_group", g))
	}
	for _, s := range plan.NewSystems {
		fmt.Fprintln(w, "+ "+app.T("inventory.cli.import_new_system", s))
	}
	for _, r := range plan.Added {
		fmt.Fprintf(w, "+ %s\t%s (row %d)\n", app.T("inventory.cli.import_added"), r.Name, r.Row)
		printSensitive(app, r.Sensitive)
	}
	for _, c := range plan.Changed {
		var parts []string
		for _, fc := range c.Changes {
			parts = append(parts, fmt.Sprintf("%s: %q -> %q", fc.Path, fc.Old, fc.New))
		}
		fmt.Fprintf(w, "~ %s\t%s (row %d): %s\n", app.T("inventory.cli.import_changed"), c.Name, c.Row, strings.Join(parts, "; "))
		printSensitive(app, c.Sensitive)
	}
	for _, r := range plan.Unchanged {
		fmt.Fprintf(w, "= %s\t%s\n", app.T("inventory.cli.import_unchanged"), r.Name)
	}
	bw := w
	if !showBad {
		bw = app.IO.ErrOut
	}
	for _, r := range plan.Bad {
		var ps []string
		for _, p := range r.Problems {
			ps = append(ps, p.Text(app.Lang))
		}
		fmt.Fprintf(bw, "! %s\t%s\n", app.T("inventory.cli.import_bad"), app.T("inventory.cli.import_bad_row", r.Row, orDash(r.Name), strings.Join(ps, "; ")))
	}
	fmt.Fprintln(w, app.T("inventory.cli.import_summary", len(plan.Added), len(plan.Changed), len(plan.Unchanged), len(plan.Bad)))
}

func newInventoryExportCmd(app *App) *cobra.Command {
	var sf selectorFlags
	var format, headerLang string
	cmd := &cobra.Command{
		Use:   "export [FILE|-] [NAME-GLOB...]",
		Short: "Export the asset register as CSV, XLSX, JSON or YAML",
		Long: `Write the selected assets (all by default) with their effective settings to
FILE, or to stdout when FILE is - or omitted. The format comes from the file
name (.csv, .xlsx, .json, .yaml) or --format (default csv on stdout).

CSV is UTF-8 with a BOM (Excel and WPS open it correctly) and CRLF line ends;
XLSX has one sheet "assets" (资产 with --header-lang zh). Columns: name, kind,
address, service_port, zone, site, room, system, groups (a,b), labels
(k=v;k=v), owner, contact, criticality, os_family, os_version, os_arch,
transport, user, ssh_port, key_file, agent, via, become, become_user,
password_ref, passphrase_ref (env:VAR or file:PATH — references only),
endpoints, database, checks (JSON), notes. A cell that a spreadsheet would
run as a formula (starting with = + - @, tab or CR) is written with a
leading ' so it stays text; import removes it again, so export then import
changes nothing. JSON is a list of assets, YAML a mapping with assets:.

--header-lang zh writes Chinese headers and, below them, the fixed values
in Chinese too: kind (主机, 数据库, 一体机, 网络设备, 安全设备, 中间件, 应用,
链路, 存储, 云服务), criticality (核心, 非核心), the zones intranet and
internet (卫生专网, 互联网) and yes/no (是, 否); names, addresses, labels and
a site's own zones stay as they are. Import reads either language.

EXIT STATUS
  0  exported
  3  no inventory, an inventory with problems, or a bad selector/format`,
		Example: `  hcops inventory export assets.xlsx --header-lang zh
  hcops inventory export - -l system=pacs --format json
  hcops inventory export backup.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dst := "-"
			if len(args) > 0 && (args[0] == "-" || inventory.FormatFromPath(args[0]) != "") {
				dst, args = args[0], args[1:]
			}
			if format == "" {
				format = inventory.FormatFromPath(dst)
				if dst == "-" {
					format = inventory.FormatCSV
				}
			}
			if !slicesContains(inventory.Formats, format) {
				return flagErrorf("%s", app.T("inventory.cli.export_no_format", dst))
			}
			if headerLang != "" && headerLang != "en" && headerLang != "zh" {
				return flagErrorf("--header-lang: want en or zh, got %q", headerLang)
			}
			if dst == "-" && format == inventory.FormatXLSX && app.IO.IsStdoutTTY() {
				return flagErrorf("%s", app.T("inventory.cli.export_tty_xlsx"))
			}
			sel, err := sf.selector(args)
			if err != nil {
				return err
			}
			inv, err := loadInventory(app)
			if err != nil {
				return err
			}
			sf.warnUnknown(app, inv)
			assets := inv.Select(sel)
			var buf bytes.Buffer
			if err := inventory.Export(&buf, assets, inventory.ExportOptions{Format: format, HeaderLang: headerLang}); err != nil {
				return err
			}
			if dst == "-" {
				_, err := app.IO.Out.Write(buf.Bytes())
				return err
			}
			if err := atomicfile.Write(dst, buf.Bytes(), atomicfile.Mode); err != nil {
				return err
			}
			app.Infof("%s", app.T("inventory.cli.exported", len(assets), dst))
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&format, "format", "", "csv, xlsx, json or yaml (default: from the file name; csv on stdout)")
	cmd.Flags().StringVar(&headerLang, "header-lang", "en", "language of CSV/XLSX headers and fixed values (kind, criticality, zone, yes/no): en or zh (import reads both)")
	return cmd
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
