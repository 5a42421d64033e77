package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/store"
)

func newHistorySpoolCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "spool",
		Short: "Deliver what this runner spooled while its shared history was away, and say what is left",
		Long: `A runner on a shared postgres:// history keeps the runs it could not record
(the database was away) in a local spool, spool.db in its data directory,
and delivers them the next time it reaches the history: any hcops command
does. This command does only that, and says how many operations (run
starts, result batches, run ends) are still waiting.

OUTPUT
  table  one line
  json   spool (the file), history, pending (operations still waiting),
         delivered (true when the history answered)

EXIT STATUS
  0  nothing left to deliver (also when there is no spool)
  1  operations are still waiting: the history cannot be reached yet
  3  bad flags, or the spool cannot be read`,
		Example: `  hcops history spool
  hcops history spool -o json   # for monitoring`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runHistorySpool(cmd.Context(), app) },
	}
}

type historySpoolResult struct {
	Spool     string `json:"spool"`
	History   string `json:"history"`
	Pending   int    `json:"pending"`
	Delivered bool   `json:"delivered"`
}

func runHistorySpool(ctx context.Context, app *App) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	res := historySpoolResult{Spool: app.spoolPath(), History: store.RedactLocation(app.DBPath)}
	if !store.IsPostgres(app.DBPath) {
		return flagErrorf("%s", app.T("spool.needs_shared", app.DBPath))
	}
	// Opening the history delivers the spool (App.DB).
	_, dberr := app.DB(ctx)
	if dberr != nil && !store.Unavailable(dberr) {
		return dberr
	}
	res.Delivered = dberr == nil
	if _, err := os.Stat(res.Spool); err == nil {
		sp, err := store.OpenSpool(res.Spool, res.History, app.Runner())
		if err != nil {
			return err
		}
		res.Pending, err = sp.Pending(ctx)
		sp.Close()
		if err != nil {
			return fmt.Errorf("spool %s: %w", res.Spool, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if app.Output != "table" {
		if err := historyPrintData(app, res); err != nil {
			return err
		}
	} else if res.Pending == 0 {
		fmt.Fprintln(app.IO.Out, app.T("spool.empty", res.History))
	} else {
		fmt.Fprintln(app.IO.Out, app.T("spool.pending", res.Pending, res.Spool, res.History, store.UnavailableReason(dberr)))
	}
	if res.Pending > 0 {
		return withExitCode(ExitWarn)
	}
	return nil
}
