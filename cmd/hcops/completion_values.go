package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/backup"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/store"
)

// Shell completion of values, not only of commands and flags: asset names,
// groups, selector keys and values, playbooks, formats, languages, backup
// policies and run ids. Cobra runs no PersistentPreRun for completion, so
// each function resolves the settings (inventory, config, history) itself;
// anything that fails to load completes nothing rather than an error.

// completing resolves app's settings for a completion request.
func completing(app *App, cmd *cobra.Command) bool { return app.resolve(cmd) == nil }

// inventoryOf resolves the settings and loads the inventory for a
// completion; nil when there is none or it does not load.
func inventoryOf(app *App, cmd *cobra.Command) *inventory.Inventory {
	if !completing(app, cmd) || !app.HasInventory() {
		return nil
	}
	inv, err := app.Inventory()
	if err != nil {
		return nil
	}
	return inv
}

func noFiles(vals []string) ([]string, cobra.ShellCompDirective) {
	return vals, cobra.ShellCompDirectiveNoFileComp
}

func completeAssets(app *App) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		inv := inventoryOf(app, cmd)
		if inv == nil {
			return noFiles(nil)
		}
		var out []string
		for _, a := range inv.Assets {
			out = append(out, cobra.CompletionWithDesc(a.Name, strings.TrimSpace(a.Kind+" "+a.System)))
		}
		return noFiles(out)
	}
}

func completeGroups(app *App) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		inv := inventoryOf(app, cmd)
		if inv == nil {
			return noFiles(nil)
		}
		var out []string
		for _, g := range inv.Groups {
			out = append(out, cobra.CompletionWithDesc(g.Name, g.Description))
		}
		return noFiles(out)
	}
}

// completeSelector offers the selector's keys ("zone=") and, after a key
// and "=", the values the inventory has for it.
func completeSelector(app *App) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		inv := inventoryOf(app, cmd)
		if inv == nil {
			return noFiles(nil)
		}
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		values := map[string]map[string]bool{}
		add := func(k, v string) {
			if v == "" {
				return
			}
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][v] = true
		}
		for _, a := range inv.Assets {
			add("name", a.Name)
			add("kind", a.Kind)
			add("zone", a.Zone)
			add("site", a.Site)
			add("system", a.System)
			add("criticality", a.Criticality)
			add("os.family", a.OS.Family)
			for _, g := range a.Groups {
				add("group", g)
			}
			for k, v := range a.Labels {
				add(k, v)
			}
		}
		var out []string
		if key, _, ok := strings.Cut(last, "="); ok {
			for v := range values[key] {
				out = append(out, done+key+"="+v)
			}
		} else {
			for k := range values {
				out = append(out, done+k+"=")
			}
		}
		sort.Strings(out)
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

func completePlaybooks(app *App) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !completing(app, cmd) {
			return noFiles(nil)
		}
		lib, err := loadPlaybookLibrary(app)
		if err != nil {
			return noFiles(nil)
		}
		var out []string
		for _, pb := range lib.List() {
			out = append(out, cobra.CompletionWithDesc(pb.Name, pb.Description))
		}
		// A playbook may also be a file.
		return out, cobra.ShellCompDirectiveDefault
	}
}

func completePolicies(app *App) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !completing(app, cmd) {
			return noFiles(nil)
		}
		file := app.Setting("backups")
		if file == "" {
			file = backup.DefaultPath(app.InventoryPath)
		}
		f, err := backup.Load(file)
		if err != nil {
			return noFiles(nil)
		}
		var out []string
		for _, p := range f.Policies {
			out = append(out, cobra.CompletionWithDesc(p.Name, p.Kind))
		}
		return noFiles(out)
	}
}

func completeRuns(app *App) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 || !completing(app, cmd) {
			return noFiles(nil)
		}
		if store.IsPostgres(app.DBPath) {
			return noFiles(nil) // no network round trip on a key press
		}
		db, err := store.Open(context.Background(), app.DBPath)
		if err != nil {
			return noFiles(nil)
		}
		defer db.Close()
		runs, err := db.ListRuns(context.Background(), store.RunFilter{Limit: 30})
		if err != nil {
			return noFiles(nil)
		}
		var out []string
		for _, r := range runs {
			out = append(out, cobra.CompletionWithDesc(fmt.Sprint(r.ID), r.Kind+" "+r.StartedAt.Format("2006-01-02 15:04")+" "+r.Status))
		}
		return noFiles(out)
	}
}

func fixed(vals ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return noFiles(vals)
	}
}

// registerValueCompletions attaches the value completions to every command
// of the tree that takes such values, by flag name and command path.
func registerValueCompletions(root *cobra.Command, app *App) {
	root.RegisterFlagCompletionFunc("output", fixed("table", "json", "yaml", "nagios"))
	root.RegisterFlagCompletionFunc("lang", fixed("zh", "en"))
	args := map[string]cobra.CompletionFunc{
		"hcops inspect":          completeAssets(app),
		"hcops exec":             completeAssets(app),
		"hcops cp":               completeAssets(app),
		"hcops ssh":              completeAssets(app),
		"hcops inventory show":   completeAssets(app),
		"hcops inventory set":    completeAssets(app),
		"hcops inventory rm":     completeAssets(app),
		"hcops inventory list":   completeAssets(app),
		"hcops backup verify":    completePolicies(app),
		"hcops backup list":      completePolicies(app),
		"hcops backup drill":     completePolicies(app),
		"hcops history show":     completeRuns(app),
		"hcops report appliance": completeAssets(app),
		"hcops report db":        completeAssets(app),
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if f, ok := args[c.CommandPath()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = f
		}
		for name, f := range map[string]cobra.CompletionFunc{
			"group": completeGroups(app), "selector": completeSelector(app), "playbook": completePlaybooks(app),
			"format": fixed("html", "md", "xlsx", "json", "docx"),
		} {
			if c.LocalFlags().Lookup(name) != nil {
				c.RegisterFlagCompletionFunc(name, f)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
