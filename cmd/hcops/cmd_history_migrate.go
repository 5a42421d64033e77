package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/store"
)

// ---- migrate ----------------------------------------------------------

type historyMigrateOptions struct {
	to         string
	toPassword string
	yes        bool
	repairText bool
}

func newHistoryMigrateCmd(app *App) *cobra.Command {
	opts := &historyMigrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate --to DEST",
		Short: "Move the whole history to PostgreSQL, or back to a file, verified",
		Long: `Copy the whole history (--db: the SQLite file, or a postgres:// history)
into DEST: a postgres:// URL (the shared history of several runners) or an
SQLite file path (to move a PostgreSQL history back to a file). Every table
is copied with its ids: runs, results, metrics, findings, inventory
snapshots, maintenance windows, availability, alerts with their events,
notifications and delivery log, tickets with their events and SLA marks.

DEST must be an empty history: a new database (createdb -O hcops hcops) or a
file that does not exist yet. Its schema is created first. hcops never
deletes anything: a DEST that holds runs is refused. The source is only
read (it is brought to this hcops' schema version, as any command does).

The copy is one transaction on DEST. Before it commits, every table is read
back from DEST and compared with the source: the row count, and a SHA-256
checksum of all rows in key order (integers, floats to the bit, text,
bytes, NULL apart from empty text), so the two are the same data whatever
the engine. If any table differs, or the copy is interrupted (Ctrl-C, a
lost connection), nothing is committed and DEST stays empty: run the command
again. On PostgreSQL the id sequences are moved past the copied ids, so the
next run gets a new number.

Stop the watcher and scheduled runs while the history moves: runs written
to the source during the copy are not in it. Afterwards point hcops at the
new history with --db (and --db-password for PostgreSQL).

The password of a postgres:// DEST is --to-password, a reference like
--db-password: env:NAME, file:PATH or vault:NAME, never the password
itself. A DEST on another machine needs sslmode=verify-full (or verify-ca)
in the URL.

PostgreSQL stores only UTF-8 text without NUL bytes; an SQLite history may
hold raw output that is neither (a host answering in GBK). Such a value
stops the copy with the table, row and column, and nothing is committed;
--repair-text stores it with U+FFFD in place of the bad bytes instead, and
the report counts the values changed (the source checksum is then that of
the rows as written).

Without --yes, hcops asks before copying; off a terminal --yes is required.

OUTPUT
  table  one row per table: table, source rows, destination rows, checksum,
         ok (tab-separated when piped); then a summary on stderr
  json   {"source", "destination", "rows" (rows copied), "ok", "seconds",
         "repaired_text" (values changed by --repair-text),
         "tables": [{"table", "copied" (false: filled by the schema, only
         compared), "source_rows", "destination_rows", "source_checksum",
         "destination_checksum" (hex SHA-256), "ok",
         "repaired_text"}]}

EXIT STATUS
  0    copied, and every table verified
  2    a table differs: nothing was committed, DEST is empty
  3    bad flags, a history cannot be opened, DEST already holds history, or
       text PostgreSQL cannot store (see --repair-text); nothing committed
  130  interrupted: nothing was committed, DEST is empty`,
		Example: `  # the local history file into the shared PostgreSQL database
  PGPW=... hcops history migrate --yes \
    --to 'postgres://hcops@db.example:5432/hcops?sslmode=verify-full&sslrootcert=/etc/hcops/ca.pem' \
    --to-password env:PGPW

  # and from then on
  hcops --db 'postgres://hcops@db.example:5432/hcops?sslmode=verify-full&sslrootcert=/etc/hcops/ca.pem' \
    --db-password env:PGPW history list

  # back from PostgreSQL to a file
  hcops --db 'postgres://hcops@db.example:5432/hcops?sslmode=verify-full' --db-password env:PGPW \
    history migrate --to /var/lib/hcops/history.db --yes

  # the verification report for a script
  hcops history migrate --to /backup/history-copy.db --yes -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistoryMigrate(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.to, "to", "", "destination: a postgres:// URL or an SQLite file path (must hold no history)")
	f.StringVar(&opts.toPassword, "to-password", "", "password of a postgres:// destination, as a reference env:NAME, file:PATH or vault:NAME")
	f.BoolVar(&opts.yes, "yes", false, "copy without asking")
	f.BoolVar(&opts.repairText, "repair-text", false, "into PostgreSQL: store text it cannot hold (not UTF-8, NUL bytes) with U+FFFD in place of the bad bytes, counted in the report")
	return cmd
}

func runHistoryMigrate(ctx context.Context, app *App, opts *historyMigrateOptions) error {
	if err := app.checkOutput("table", "json"); err != nil {
		return err
	}
	if opts.to == "" {
		return flagErrorf("%s", app.T("migrate.need_to"))
	}
	toPG := store.IsPostgres(opts.to)
	var pw string
	if opts.toPassword != "" {
		if !toPG {
			return flagErrorf("%s", app.T("migrate.password_file"))
		}
		s, ok := passwordRef(opts.toPassword)
		if !ok {
			return flagErrorf("%s", app.T("migrate.to_password"))
		}
		var err error
		if pw, err = s.Resolve(); err != nil {
			return fmt.Errorf("--to-password %s: %w", opts.toPassword, err)
		}
	}
	if !opts.yes && !app.IO.IsStdinTTY() {
		return flagErrorf("%s", app.T("migrate.need_yes"))
	}
	var err error
	if sameHistory(app.DBPath, opts.to) {
		return flagErrorf("%s", app.T("migrate.same", opts.to))
	}
	// Opened here, not through app.DB: nothing but the schema's own
	// migration may write to the source (no spool delivery).
	o := store.Options{Runner: app.Runner()}
	if store.IsPostgres(app.DBPath) {
		if o.Password, err = app.dbPassword(); err != nil {
			return err
		}
	}
	src, err := store.OpenWith(ctx, app.DBPath, o)
	if err != nil {
		var tooNew *store.SchemaTooNewError
		if errors.As(err, &tooNew) {
			return errors.New(app.T("history.schema_too_new", tooNew.Path, tooNew.Version, tooNew.Known))
		}
		return err
	}
	defer src.Close()
	if !opts.yes {
		fmt.Fprint(app.IO.ErrOut, app.T("migrate.confirm", src.Location(), store.RedactLocation(opts.to)))
		line, _ := bufio.NewReader(app.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" && a != "是" {
			app.Infof("%s", app.T("migrate.declined"))
			return nil
		}
	}
	dst, err := store.OpenWith(ctx, opts.to, store.Options{Password: pw, Runner: app.Runner()})
	if err != nil {
		var tooNew *store.SchemaTooNewError
		if errors.As(err, &tooNew) {
			return errors.New(app.T("history.schema_too_new", tooNew.Path, tooNew.Version, tooNew.Known))
		}
		return err
	}
	defer dst.Close()

	progress := func(string, int64) {}
	if app.IO.IsStderrTTY() && !app.Quiet {
		progress = func(table string, n int64) {
			fmt.Fprintf(app.IO.ErrOut, "\r\033[K%s", app.T("migrate.progress", table, n))
		}
		defer fmt.Fprint(app.IO.ErrOut, "\r\033[K")
	}
	rep, err := store.CopyWith(ctx, dst, src, store.CopyOptions{Progress: progress, RepairText: opts.repairText})
	var notEmpty *store.NotEmptyError
	var mismatch *store.MismatchError
	var badText *store.BadTextError
	switch {
	case errors.As(err, &badText):
		return errors.New(app.T("migrate.bad_text", badText.Table, keyString(badText.Key), badText.Column, dst.Location()))
	case errors.As(err, &notEmpty):
		return errors.New(app.T("migrate.not_empty", notEmpty.Location, notEmpty.Runs, notEmpty.Table))
	case errors.As(err, &mismatch):
		if perr := historyMigratePrint(app, rep); perr != nil {
			return perr
		}
		return &codedError{code: ExitCrit, err: errors.New(app.T("migrate.mismatch", strings.Join(mismatch.Tables, ", "), dst.Location()))}
	case err != nil && ctx.Err() != nil:
		app.Warnf("%s", app.T("migrate.interrupted", dst.Location()))
		return errInterrupted
	case err != nil:
		return err
	}
	if err := historyMigratePrint(app, rep); err != nil {
		return err
	}
	tables := 0
	for _, tc := range rep.Tables {
		if tc.Copied {
			tables++
		}
	}
	took := time.Duration(rep.Seconds * float64(time.Second))
	if took < time.Second {
		took = took.Round(time.Millisecond)
	} else {
		took = took.Round(100 * time.Millisecond)
	}
	app.Infof("%s", app.T("migrate.done", tables, rep.Rows, src.Location(), dst.Location(), took.String()))
	if rep.Repaired > 0 {
		app.Warnf("%s", app.T("migrate.repaired", rep.Repaired))
	}
	if toPG {
		ref := opts.toPassword
		if ref == "" {
			ref = "env:PGPW"
		}
		app.Infof("%s", app.T("migrate.next_pg", store.RedactLocation(opts.to), ref))
	} else {
		abs, _ := filepath.Abs(opts.to)
		app.Infof("%s", app.T("migrate.next", abs))
	}
	return nil
}

// historyMigratePrint writes the verification report.
func historyMigratePrint(app *App, rep *store.CopyReport) error {
	if rep == nil {
		return nil
	}
	if app.Output == "json" {
		return app.PrintData(rep)
	}
	t := app.IO.NewTable(app.T("migrate.header.table"), app.T("migrate.header.src_rows"), app.T("migrate.header.dest_rows"),
		app.T("migrate.header.checksum"), app.T("migrate.header.ok"))
	for _, tc := range rep.Tables {
		name := tc.Table
		if !tc.Copied {
			name += app.T("migrate.not_copied")
		}
		ok := app.T("migrate.ok")
		sum := shortSum(tc.DestSum)
		if !tc.OK {
			ok = app.T("migrate.differs")
			sum = shortSum(tc.SourceSum) + " ≠ " + shortSum(tc.DestSum)
		}
		t.Row(name, strconv.FormatInt(tc.SourceRows, 10), strconv.FormatInt(tc.DestRows, 10), sum, ok)
	}
	return t.Render()
}

// keyString is a row's primary key for a message: 42, or pacs-01/disk.
func keyString(key []any) string {
	parts := make([]string, len(key))
	for i, v := range key {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "/")
}

// shortSum is the first 16 hex digits of a checksum, enough to compare by
// eye (-o json has all 64).
func shortSum(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// sameHistory reports whether two --db locations name the same history.
func sameHistory(a, b string) bool {
	if store.IsPostgres(a) || store.IsPostgres(b) {
		return store.IsPostgres(a) && store.IsPostgres(b) && store.RedactLocation(a) == store.RedactLocation(b)
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	if aa == bb {
		return true
	}
	ia, err1 := os.Stat(aa)
	ib, err2 := os.Stat(bb)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}
