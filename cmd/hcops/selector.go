package main

import (
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

// register adds --group and -l/--selector to cmd.
func (s *selectorFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&s.groups, "group", nil, "select assets in this group (repeatable; any of them; also a,b)")
	cmd.Flags().StringVarP(&s.expr, "selector", "l", "", "select by fields and labels: key=value,key!=value,key in (a,b),key notin (a,b),key,!key\n(keys: name kind zone site room system criticality group owner address via os.family os.version os.arch, else a label)")
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
