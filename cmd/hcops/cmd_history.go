package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newHistoryCmd(app))
	})
}

func newHistoryCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List, show and prune past runs (inspections, backup checks, drills)",
		Long: `Every inspection, backup verification and drill is recorded in the history
database (--db, HCOPS_DB, default $XDG_DATA_HOME/hcops/history.db) with its
results, metrics and the inventory it ran against. These commands read it,
remove old runs, and move it to PostgreSQL or back to a file (migrate).

A run whose process was killed (or whose machine restarted) before it
finished is shown as "interrupted", with the counts of the results it
stored: hcops checks whether the process that wrote it still exists on this
host in this boot, and treats any run still "running" after 24 hours as
interrupted.`,
		Example: `  hcops history list --since 7d
  hcops history show latest --status crit,warn
  hcops history prune --older-than 400d --dry-run
  hcops history migrate --to 'postgres://hcops@db.example:5432/hcops?sslmode=verify-full' --to-password env:PGPW --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newHistoryListCmd(app), newHistoryShowCmd(app), newHistoryPruneCmd(app), newHistoryMigrateCmd(app),
		newHistorySpoolCmd(app))
	return cmd
}

// openHistory opens the database, translating the errors a user can act on.
func openHistory(ctx context.Context, app *App) (store.History, error) {
	db, err := app.History(ctx)
	var tooNew *store.SchemaTooNewError
	if errors.As(err, &tooNew) {
		return nil, errors.New(app.T("history.schema_too_new", tooNew.Path, tooNew.Version, tooNew.Known))
	}
	return db, err
}

// historyErr adds what to do to an error that says the file is damaged.
func historyErr(app *App, db store.History, err error) error {
	if err != nil && store.IsCorrupt(err) {
		return fmt.Errorf("%w\n%s", err, app.T("history.corrupt", db.Location()))
	}
	return err
}

// ---- list -------------------------------------------------------------

type historyListOptions struct {
	kind   string
	since  string
	status string
	limit  int
	runner string
	zone   string
}

func newHistoryListCmd(app *App) *cobra.Command {
	opts := &historyListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Long: `List the runs in history, newest first: id, kind, start, duration, status,
playbooks, assets targeted and the number of results per status.

--since takes an age (7d, 12h, 30m, 2w, 1d12h) or a local date/time
(2026-11-01, "2026-11-01 08:00", RFC 3339).

OUTPUT
  table  one row per run (tab-separated when piped)
  json   an array of runs: run_id, kind, started_at, finished_at, status,
         operator, ran_from, playbooks, selector, assets, inventory, worst,
         counts{ok,warn,crit,unknown,unreachable}
  yaml   the same as json

EXIT STATUS
  0  listed (also when no run matches)
  3  bad flags, or the history database cannot be opened`,
		Example: `  # the last 20 runs
  hcops history list

  # inspections of the past week
  hcops history list --kind inspect --since 7d

  # every run since the first of the month, for a script
  hcops history list --since 2026-11-01 --limit 0 -o json

  # runs that were killed before they finished
  hcops history list --status interrupted

  # in a history shared by several runners: the runs of one zone's runners
  hcops history list --zone 卫生专网`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistoryList(cmd.Context(), app, opts, time.Now())
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.kind, "kind", "", "only runs of this kind: inspect, backup or drill")
	f.StringVar(&opts.since, "since", "", "only runs started since this age or date (7d, 12h, 2026-11-01)")
	f.StringVar(&opts.status, "status", "", "only runs with this status: running, completed, interrupted or failed")
	f.IntVar(&opts.limit, "limit", 20, "at most this many runs (0 for all)")
	f.StringVar(&opts.runner, "runner", "", "only runs written by this runner (a history shared by several runners)")
	f.StringVar(&opts.zone, "zone", "", "only runs written by runners of this network zone")
	return cmd
}

var historyRunKinds = []string{result.KindInspect, result.KindBackup, result.KindDrill}
var historyRunStatuses = []string{result.RunRunning, result.RunCompleted, result.RunInterrupted, result.RunFailed}

func runHistoryList(ctx context.Context, app *App, opts *historyListOptions, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	f := store.RunFilter{Kind: opts.kind, Status: opts.status, Limit: opts.limit, Runner: opts.runner, Zone: opts.zone}
	if opts.kind != "" && !slices.Contains(historyRunKinds, opts.kind) {
		return flagErrorf("%s", app.T("history.bad_kind", opts.kind))
	}
	if opts.status != "" && !slices.Contains(historyRunStatuses, opts.status) {
		return flagErrorf("%s", app.T("history.bad_run_status", opts.status))
	}
	if opts.limit < 0 {
		return flagErrorf("%s", app.T("history.bad_limit"))
	}
	if opts.since != "" {
		t, err := parseHistorySince(opts.since, now)
		if err != nil {
			return flagErrorf("%s", app.T("history.bad_since", opts.since))
		}
		f.Since = t
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	runs, err := db.ListRuns(ctx, f)
	if err != nil {
		return historyErr(app, db, err)
	}
	if app.Output != "table" {
		if runs == nil {
			runs = []result.Run{}
		}
		return historyPrintData(app, runs)
	}
	if len(runs) == 0 {
		app.Infof("%s", app.T("history.none", db.Location()))
		return nil
	}
	// The runner column only where several runners share the history.
	shared := false
	for _, r := range runs {
		if r.Zone != "" || r.Runner != runs[0].Runner {
			shared = true
		}
	}
	head := []string{app.T("history.header.id"), app.T("history.header.kind"), app.T("history.header.started"),
		app.T("history.header.duration"), app.T("history.header.status")}
	if shared {
		head = append(head, app.T("history.header.runner"))
	}
	head = append(head, app.T("history.header.playbooks"),
		app.T("history.header.assets"), app.T("history.header.ok"), app.T("history.header.warn"),
		app.T("history.header.crit"), app.T("history.header.unknown"), app.T("history.header.unreachable"))
	t := app.IO.NewTable(head...)
	for _, r := range runs {
		c := r.Counts
		row := []string{strconv.FormatInt(r.ID, 10), historyKindName(app, r.Kind), r.StartedAt.Format(time.DateTime),
			historyRunDuration(r), historyRunStatusName(app, r.Status)}
		if shared {
			who := r.Runner
			if r.Zone != "" {
				who += " (" + r.Zone + ")"
			}
			row = append(row, who)
		}
		row = append(row, strings.Join(r.Playbooks, ","),
			strconv.Itoa(r.Assets), strconv.Itoa(c.OK), strconv.Itoa(c.Warn), strconv.Itoa(c.Crit),
			strconv.Itoa(c.Unknown), strconv.Itoa(c.Unreachable))
		t.Row(row...)
	}
	if err := t.Render(); err != nil {
		return err
	}
	if opts.limit > 0 && len(runs) == opts.limit {
		app.Infof("%s", app.T("history.limited", opts.limit))
	}
	return nil
}

func historyKindName(app *App, kind string) string {
	if slices.Contains(historyRunKinds, kind) {
		return app.T("history.kind." + kind)
	}
	return kind
}

func historyRunStatusName(app *App, status string) string {
	if slices.Contains(historyRunStatuses, status) {
		return app.T("history.run." + status)
	}
	return status
}

// historyRunDuration is how long a finished run took, "-" for one that never
// finished.
func historyRunDuration(r result.Run) string {
	if r.FinishedAt.IsZero() {
		return "-"
	}
	d := r.FinishedAt.Sub(r.StartedAt)
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// ---- show -------------------------------------------------------------

type historyShowOptions struct {
	status   []string
	evidence bool
}

func newHistoryShowCmd(app *App) *cobra.Command {
	opts := &historyShowOptions{}
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show one run and its results, worst first",
		Long: `Show one run: when and where it ran, who ran it, what it targeted, and its
results, worst first (UNREACHABLE, CRIT, UNKNOWN, WARN, OK). RUN is a run
number from "hcops history list", or "latest".

OUTPUT
  table  the run's header, then one row per result (tab-separated when piped);
         --evidence adds the raw output each verdict was made from
  json   the run with its results, with the field names of "hcops inspect
         -o json": run_id, kind, started_at, finished_at, status, operator,
         ran_from, playbooks, selector, assets, inventory, worst, counts,
         results[] (asset, check, type, item, playbook, system, zone, status,
         value, unit, warn, crit, message, reason, advice, metrics[],
         evidence, evidence_truncated, started_at, duration_ms)
  yaml   the same as json

EXIT STATUS
  0  shown (whatever the run's findings were)
  3  no such run, bad flags, or the history database cannot be opened`,
		Example: `  # the latest run, problems only
  hcops history show latest --status crit,warn,unreachable

  # run 42 for a script
  hcops history show 42 -o json

  # with the raw output behind each finding
  hcops history show 42 --status crit --evidence`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistoryShow(cmd.Context(), app, opts, args[0])
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.status, "status", nil, "only results with these statuses, e.g. crit,warn (ok, warn, crit, unknown, unreachable)")
	f.BoolVar(&opts.evidence, "evidence", false, "table output: print the raw evidence of each result shown")
	return cmd
}

func runHistoryShow(ctx context.Context, app *App, opts *historyShowOptions, arg string) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	var want []result.Status
	for _, s := range opts.status {
		st, err := result.ParseStatus(s)
		if err != nil {
			return flagErrorf("%s", app.T("history.bad_status", err))
		}
		want = append(want, st)
	}
	var id int64
	latest := strings.EqualFold(arg, "latest") || strings.EqualFold(arg, "last")
	if !latest {
		n, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
		if err != nil || n <= 0 {
			return flagErrorf("%s", app.T("history.bad_run", arg))
		}
		id = n
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	if latest {
		r, err := db.LatestRun(ctx, "")
		if errors.Is(err, store.ErrNotFound) {
			return errors.New(app.T("history.no_latest", db.Location()))
		}
		if err != nil {
			return historyErr(app, db, err)
		}
		id = r.ID
	}
	run, err := db.GetRun(ctx, id, true)
	if errors.Is(err, store.ErrNotFound) {
		return errors.New(app.T("history.not_found", id, db.Location()))
	}
	if err != nil {
		return historyErr(app, db, err)
	}
	if len(want) > 0 {
		run.Results = slices.DeleteFunc(run.Results, func(r result.Result) bool { return !slices.Contains(want, r.Status) })
	}
	historySortWorstFirst(run.Results)
	if app.Output != "table" {
		// "results" is always there, [] when nothing matches, so scripts
		// can iterate it without a null check.
		out := struct {
			*result.Run
			Results []result.Result `json:"results"`
		}{run, run.Results}
		if out.Results == nil {
			out.Results = []result.Result{}
		}
		return historyPrintData(app, out)
	}
	historyPrintRunHeader(app, run)
	if len(run.Results) == 0 {
		app.Infof("%s", app.T("history.show.no_results"))
		return nil
	}
	t := app.IO.NewTable(app.T("history.header.status"), app.T("history.header.asset"), app.T("history.header.check"),
		app.T("history.header.value"), app.T("history.header.message"))
	for i := range run.Results {
		r := &run.Results[i]
		t.Row(app.T("status."+r.Status.String()), r.Asset, r.Check, formatValue(*r), r.MessageIn(app.Lang))
	}
	if err := t.Render(); err != nil {
		return err
	}
	if opts.evidence {
		historyPrintEvidence(app.IO.Out, app, run.Results)
	}
	return nil
}

// historySortWorstFirst orders results UNREACHABLE, CRIT, UNKNOWN, WARN, OK, then
// by asset and check.
func historySortWorstFirst(rs []result.Result) {
	slices.SortStableFunc(rs, func(a, b result.Result) int {
		if c := cmp.Compare(b.Status.Severity(), a.Status.Severity()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Asset, b.Asset); c != 0 {
			return c
		}
		return cmp.Compare(a.Check, b.Check)
	})
}

func historyPrintRunHeader(app *App, r *result.Run) {
	type kv struct{ label, value string }
	var lines []kv
	line := func(label, value string) {
		if value != "" {
			lines = append(lines, kv{app.T(label) + app.T("history.show.colon"), iostreams.Sanitize(value)})
		}
	}
	line("history.show.started", r.StartedAt.Format(time.DateTime))
	if !r.FinishedAt.IsZero() {
		line("history.show.finished", r.FinishedAt.Format(time.DateTime))
		line("history.show.duration", historyRunDuration(*r))
	}
	op := r.Operator
	if r.RanFrom != "" {
		op += "@" + r.RanFrom
	}
	line("history.show.operator", op)
	line("history.show.playbooks", strings.Join(r.Playbooks, ", "))
	line("history.show.selector", r.Selector)
	line("history.show.assets", app.T("history.show.assets_of", r.Assets, r.Inventory))
	c := r.Counts
	line("history.show.results", app.T("history.show.counts", c.Crit, c.Warn, c.Unknown, c.Unreachable, c.OK, c.Total()))

	w := app.IO.Out
	fmt.Fprintln(w, app.T("history.show.title", r.ID, historyKindName(app, r.Kind), historyRunStatusName(app, r.Status)))
	width := 0
	for _, l := range lines {
		width = max(width, displayWidth(l.label))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %s%s %s\n", l.label, strings.Repeat(" ", width-displayWidth(l.label)), l.value)
	}
	if r.Status == result.RunInterrupted && r.FinishedAt.IsZero() {
		fmt.Fprintln(w, "  "+app.T("history.show.stale"))
	}
	fmt.Fprintln(w)
}

// displayWidth is the number of terminal columns s takes: Chinese
// characters and full-width punctuation take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r), r >= 0x3000 && r <= 0x303f, r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6:
			n += 2
		default:
			n++
		}
	}
	return n
}

func historyPrintEvidence(w io.Writer, app *App, rs []result.Result) {
	for _, r := range rs {
		if r.Evidence == "" {
			continue
		}
		trunc := ""
		if r.EvidenceTruncated {
			trunc = app.T("history.show.truncated")
		}
		fmt.Fprintf(w, "\n%s\n", app.T("history.show.evidence", iostreams.Sanitize(r.Asset), iostreams.Sanitize(r.Check), trunc))
		ev := iostreams.Sanitize(r.Evidence)
		fmt.Fprint(w, ev)
		if !strings.HasSuffix(ev, "\n") {
			fmt.Fprintln(w)
		}
	}
}

// ---- prune ------------------------------------------------------------

type historyPruneOptions struct {
	olderThan string
	dryRun    bool
}

type historyPruneReport struct {
	Before  time.Time `json:"before"`
	Runs    int64     `json:"runs"`
	Results *int64    `json:"results,omitempty"` // counted with --dry-run
	DryRun  bool      `json:"dry_run"`
}

func newHistoryPruneCmd(app *App) *cobra.Command {
	opts := &historyPruneOptions{}
	cmd := &cobra.Command{
		Use:   "prune --older-than AGE",
		Short: "Delete runs older than an age, with their results",
		Long: `Delete the runs that started more than AGE ago, with their results, metrics
and inventory snapshots. AGE is like 400d, 12h, 30m or 1d12h. Each run is
deleted whole in its own transaction: other hcops processes keep working, and
an interrupted prune leaves whole runs. A run still in progress is never
deleted. --dry-run counts what would go and deletes nothing. The database
file does not shrink: the space freed is reused by new runs.

Regulations ask for inspection records to be kept for at least a year; 400d
keeps a year and a month for the year-on-year report.

OUTPUT
  table  one line saying what was (or would be) deleted
  json   {"before": ..., "runs": N, "results": M (with --dry-run), "dry_run": bool}

EXIT STATUS
  0    pruned (also when nothing was old enough)
  3    bad flags, or the history database cannot be opened or written
  130  interrupted; the runs deleted so far stay deleted, the rest are intact`,
		Example: `  # see what would go
  hcops history prune --older-than 400d --dry-run

  # from cron, monthly
  hcops history prune --older-than 400d -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistoryPrune(cmd.Context(), app, opts, time.Now())
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.olderThan, "older-than", "", "delete runs started longer ago than this (400d, 12h, 30m)")
	f.BoolVar(&opts.dryRun, "dry-run", false, "only count what would be deleted")
	return cmd
}

func runHistoryPrune(ctx context.Context, app *App, opts *historyPruneOptions, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	if opts.olderThan == "" {
		return flagErrorf("%s", app.T("history.need_older"))
	}
	age, err := parseHistoryAge(opts.olderThan)
	if err != nil {
		return flagErrorf("%s", app.T("history.bad_age", opts.olderThan))
	}
	before := now.Add(-age)
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	rep := historyPruneReport{Before: before, DryRun: opts.dryRun}
	if opts.dryRun {
		runs, results, err := db.CountPrunable(ctx, before)
		if err != nil {
			return historyErr(app, db, err)
		}
		rep.Runs, rep.Results = runs, &results
	} else {
		n, err := db.Prune(ctx, before)
		rep.Runs = n
		if err != nil {
			if ctx.Err() != nil {
				app.Warnf("%s", app.T("history.prune.interrupted", n))
				return errInterrupted
			}
			return historyErr(app, db, err)
		}
	}
	if app.Output != "table" {
		return historyPrintData(app, rep)
	}
	if opts.dryRun {
		fmt.Fprintln(app.IO.Out, app.T("history.prune.dry", before.Format(time.DateTime), rep.Runs, *rep.Results))
	} else if !app.Quiet {
		fmt.Fprintln(app.IO.Out, app.T("history.prune.done", before.Format(time.DateTime), rep.Runs))
	}
	return nil
}

// ---- helpers ------------------------------------------------------------

var historyAgeRE = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?(.*)$`)

// parseHistoryAge reads a positive age: 400d, 2w, 12h, 30m, 90s, 1d12h, 1h30m.
func parseHistoryAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	m := historyAgeRE.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Errorf("bad age %q", s)
	}
	var d time.Duration
	if m[1] != "" {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("bad age %q", s)
		}
		d += time.Duration(n) * 7 * 24 * time.Hour
	}
	if m[2] != "" {
		n, err := strconv.Atoi(m[2])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("bad age %q", s)
		}
		d += time.Duration(n) * 24 * time.Hour
	}
	if m[3] != "" {
		rest, err := time.ParseDuration(m[3])
		if err != nil || rest < 0 {
			return 0, fmt.Errorf("bad age %q", s)
		}
		d += rest
	}
	if d <= 0 {
		return 0, fmt.Errorf("age %q is not positive", s)
	}
	return d, nil
}

// parseHistorySince reads an age (7d: that long before now) or a local date/time.
func parseHistorySince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := parseHistoryAge(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02 15:04", time.DateTime, "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

// historyPrintData writes v as JSON, or as YAML with the same field names as
// the JSON (the result types carry json tags only).
func historyPrintData(app *App, v any) error {
	if app.Output != "yaml" {
		return app.PrintData(v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return err
	}
	historyBlockStyle(&node)
	enc := yaml.NewEncoder(app.IO.Out)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	return enc.Close()
}

// historyBlockStyle turns JSON's flow style into ordinary block YAML, with
// multi-line strings (evidence) as literal blocks; the encoder still quotes
// what would otherwise read as another type, and falls back to quoting
// where a literal block cannot hold the text.
func historyBlockStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	for _, c := range n.Content {
		historyBlockStyle(c)
	}
}
