package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/store"
)

// A runner sharing a PostgreSQL history copies its audit log into it (the
// file stays the original, and works offline): when a command that opened
// the history ends, and on each watcher cycle, what the history lacks of
// this runner's log is copied, so every zone's actions can be listed and their chains
// verified in one place (hcops audit list --runner, verify --runner).

// syncAudit copies the records of this runner's audit log that db does
// not have yet. A failure is a warning: the next command copies them.
func (a *App) syncAudit(ctx context.Context, db *store.DB) {
	if !store.IsPostgres(a.DBPath) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	runner := a.Runner().Name
	head, err := db.AuditHead(ctx, runner)
	if err == nil {
		var batch []store.AuditLine
		flush := func() error {
			err := db.AddAuditLines(ctx, runner, batch)
			batch = batch[:0]
			return err
		}
		err = audit.Lines(auditLogPath(a), head, func(seq int64, line []byte) error {
			batch = append(batch, store.AuditLine{Seq: seq, Line: line})
			if len(batch) == 500 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
	}
	if err != nil && !store.Unavailable(err) {
		a.Warnf("%s", a.T("audit.share_failed", err))
	}
}

// sharedHistory opens the history for reading other runners' audit logs;
// only a shared postgres:// history has them.
func sharedHistory(ctx context.Context, app *App) (*store.DB, error) {
	if !store.IsPostgres(app.DBPath) {
		return nil, flagErrorf("%s", app.T("audit.runner_needs_shared"))
	}
	return app.DB(ctx)
}

// sharedAuditRecords reads runner's audit records from the shared history,
// filtered like a log file's; where names them for messages.
func sharedAuditRecords(ctx context.Context, app *App, runner string, f audit.Filter) (where string, recs []audit.Record, err error) {
	db, err := sharedHistory(ctx, app)
	if err != nil {
		return "", nil, err
	}
	where = app.T("audit.shared_where", runner, db.Location())
	err = db.EachAuditLine(ctx, runner, func(_ string, l store.AuditLine) error {
		var r audit.Record
		if json.Unmarshal(l.Line, &r) == nil && f.Match(&r) {
			recs = append(recs, r)
		}
		return nil
	})
	if f.Limit > 0 && len(recs) > f.Limit {
		recs = recs[len(recs)-f.Limit:]
	}
	return where, recs, err
}

// verifySharedAudit checks the chain of runner's audit log as copied into
// the shared history.
func verifySharedAudit(ctx context.Context, app *App, runner string) (where string, n int, last audit.Head, err error) {
	db, err := sharedHistory(ctx, app)
	if err != nil {
		return "", 0, last, err
	}
	where = app.T("audit.shared_where", runner, db.Location())
	var lines [][]byte
	if err := db.EachAuditLine(ctx, runner, func(_ string, l store.AuditLine) error {
		lines = append(lines, l.Line)
		var r audit.Record
		if json.Unmarshal(l.Line, &r) == nil {
			last = audit.Head{Seq: r.Seq, Hash: r.Hash, Algo: r.Algo}
		}
		return nil
	}); err != nil {
		return where, 0, last, err
	}
	n, err = audit.VerifyLines(where, lines)
	return where, n, last, err
}
