package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/store"
)

// A runner sharing a PostgreSQL history keeps its runs in a local spool
// while the history cannot be reached (pkg/store/spool.go); any command
// that opens the history delivers what is spooled first.

// spoolPath is this runner's spool file, in its local state directory.
func (a *App) spoolPath() string { return filepath.Join(a.StateDir(), "spool.db") }

// Recorder is where a run is recorded: the history, or, for a postgres://
// history, the history with the spool behind it, also when the history
// cannot be opened at all (the run goes to the spool and the command says
// so).
func (a *App) Recorder(ctx context.Context) (engine.Store, error) {
	if !store.IsPostgres(a.DBPath) {
		return a.DB(ctx)
	}
	db, err := a.DB(ctx)
	if err != nil && !store.Unavailable(err) {
		return nil, err
	}
	sp, serr := store.OpenSpool(a.spoolPath(), a.historyLocation(db), a.Runner())
	if serr != nil {
		if err != nil {
			return nil, fmt.Errorf("%w (and the spool: %v)", err, serr)
		}
		a.Warnf("%s", a.T("spool.unusable", serr))
		return db, nil
	}
	a.onClose(func() { sp.Close() })
	rec := &store.Spooling{Spool: sp, OnSpool: func(why error) {
		a.Warnf("%s", a.T("spool.spooling", a.historyLocation(db), store.UnavailableReason(why), sp.Path()))
	}}
	if err == nil {
		rec.DB = db
	} else {
		rec.Down(err)
	}
	return rec, nil
}

// historyLocation is the history as messages name it (no password).
func (a *App) historyLocation(db *store.DB) string {
	if db != nil {
		return db.Location()
	}
	return store.RedactLocation(a.DBPath)
}

// deliverSpool hands what this runner spooled to the history db, which has
// just been opened. Failing to deliver is a warning: the operations stay
// spooled, and the command goes on.
func (a *App) deliverSpool(ctx context.Context, db *store.DB) {
	if !store.IsPostgres(a.DBPath) {
		return
	}
	if _, err := os.Stat(a.spoolPath()); errors.Is(err, os.ErrNotExist) {
		return
	}
	sp, err := store.OpenSpool(a.spoolPath(), db.Location(), a.Runner())
	if err != nil {
		a.Warnf("%s", a.T("spool.unusable", err))
		return
	}
	defer sp.Close()
	if n, err := sp.Pending(ctx); err != nil || n == 0 {
		return
	}
	rep, err := sp.Deliver(ctx, db)
	if rep.Ops > 0 {
		a.Infof("%s", a.T("spool.delivered", rep.Runs, rep.Batches, rep.Ops, db.Location()))
	}
	if err != nil {
		a.Warnf("%s", a.T("spool.deliver_failed", err, rep.Left))
	}
}
