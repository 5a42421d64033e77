package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// selectorFlags are the asset-selection flags every command that works on
// many assets shares: name globs as arguments, --group (repeatable, any of)
// and -l/--selector (label and field expression).
type selectorFlags struct {
	groups []string
	expr   string
}

// register adds --group and -l/--selector to cmd, and has the command
// check the selector against the inventory before it runs (checkKeys).
func (s *selectorFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&s.groups, "group", nil, "select assets in this group (repeatable; any of them; also a,b)")
	cmd.Flags().StringVarP(&s.expr, "selector", "l", "", "select by fields and labels: key=value,key!=value,key in (a,b),key notin (a,b),key,!key\n(keys: name kind zone site room system criticality group owner address via os.family os.version os.arch snmp.version, else a label)")
	pre := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if pre != nil {
			if err := pre(c, args); err != nil {
				return err
			}
		}
		return s.checkKeys(appFrom(c.Context()))
	}
}

// checkKeys refuses a -l expression that is malformed, or that asks for a
// label no asset of the inventory has (zonee=intranet would select nothing
// and exit 0): a usage error with the nearest key. A negative requirement
// on such a label (!maintenance) only warns: it may be meant. Every command
// with selector flags runs this before its own work, so each need not.
// Without an inventory, or when it does not load, the command itself
// reports that.
func (s *selectorFlags) checkKeys(app *App) error {
	if s.expr == "" {
		return nil
	}
	if app == nil {
		return nil // selector() reports a malformed expression
	}
	sel, err := inventory.ParseExpr(s.expr)
	if err != nil {
		return localizeErr(app, &flagError{err: err})
	}
	if !app.HasInventory() {
		return nil
	}
	inv, err := app.Inventory()
	if err != nil {
		return nil
	}
	var errs []error
	for _, u := range inv.UnknownKeys(sel) {
		if !u.Positive {
			app.Warnf("%s", localizeErr(app, u.Err()))
			continue
		}
		errs = append(errs, localizeErr(app, u.Err()))
	}
	if len(errs) > 0 {
		return &flagError{err: errors.Join(errs...)}
	}
	return nil
}

// selector builds the selector from name globs (args) and the flags. A bad
// expression is a usage error (exit 3).
func (s *selectorFlags) selector(args []string) (*inventory.Selector, error) {
	sel, err := inventory.ParseSelector(args, s.groups, s.expr)
	if err != nil {
		return nil, &flagError{err: err}
	}
	return sel, nil
}

// given reports whether any selection was asked for (args or flags).
func (s *selectorFlags) given(args []string) bool {
	return len(args) > 0 || len(s.groups) > 0 || s.expr != ""
}

// warnUnknown warns (stderr) about --group names the inventory does not
// define: a typo there would otherwise just select nothing.
func (s *selectorFlags) warnUnknown(app *App, inv *inventory.Inventory) {
	for _, g := range s.groups {
		for _, name := range strings.Split(g, ",") {
			if name = strings.TrimSpace(name); name != "" && inv.Group(name) == nil {
				app.Warnf("%s", app.T("inventory.cli.unknown_group", name))
			}
		}
	}
}
