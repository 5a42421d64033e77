package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/atomicfile"
	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/iostreams"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newAuditCmd(app))
	})
}

// auditLogPath is where the audit log lives: the audit_log setting
// (--audit-log, HCOPS_AUDIT_LOG, config), else audit.log beside the history
// database.
func auditLogPath(app *App) string {
	if p := app.Setting("audit_log"); p != "" {
		return p
	}
	return filepath.Join(app.StateDir(), "audit.log")
}

// auditHash is the hash of new records: the audit_hash setting
// (HCOPS_AUDIT_HASH, config), sm3 by default.
func auditHash(app *App) string { return app.Setting("audit_hash") }

func newAuditCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read, verify and export the audit log of remote actions",
		Long: `Every remote action hcops takes — exec, cp, ssh — is appended to the audit
log: who (OS user), from which machine, when, on which targets, the command
or the file and its hash, the exit codes, the duration and the session
recording. Each record carries the hash of the record before it and its
own hash (SM3 by default; audit_hash: sha256 for SHA-256), so an edited,
deleted, reordered or truncated record is found by "hcops audit verify".

The log is one file of JSON lines (--audit-log, HCOPS_AUDIT_LOG, config key
audit_log; default audit.log beside the history database), mode 0600, with a
small checkpoint file beside it (audit.log.head) holding the last record's
number and hash so that records cut from the end are detected too. Several
hcops processes can append to one log at once.`,
		Example: `  hcops audit list --since 7d
  hcops audit search nginx --user zhang
  hcops audit show 42
  hcops audit verify
  hcops audit export --html audit-2026-11.html --since 2026-11-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAuditListCmd(app, false), newAuditListCmd(app, true), newAuditShowCmd(app),
		newAuditVerifyCmd(app), newAuditExportCmd(app))
	return cmd
}

// auditFilterOptions are the filters list, search and export share.
type auditFilterOptions struct {
	runner                               string // list, search: another runner's log, from the shared history
	user, host, command, action, outcome string
	since, until                         string
	limit                                int
}

func (o *auditFilterOptions) bind(cmd *cobra.Command, limit int) {
	f := cmd.Flags()
	f.StringVar(&o.user, "user", "", "only records of this OS user")
	f.StringVar(&o.host, "host", "", "only records with this target asset, or run from this machine")
	f.StringVar(&o.command, "command", "", "only records whose command or file contains this text (any case)")
	f.StringVar(&o.action, "action", "", "only records of this action: exec, cp, ssh, …")
	f.StringVar(&o.outcome, "outcome", "", "only records with this outcome: ok, failed, refused, interrupted")
	f.StringVar(&o.since, "since", "", "only records at or after this age or date (7d, 12h, 2026-11-01)")
	f.StringVar(&o.until, "until", "", "only records before this age or date")
	if limit >= 0 {
		f.IntVar(&o.limit, "limit", limit, "at most this many records, the newest (0 for all)")
	}
}

func (o *auditFilterOptions) filter(app *App, now time.Time) (audit.Filter, error) {
	f := audit.Filter{User: o.user, Host: o.host, Command: o.command, Action: o.action, Outcome: o.outcome, Limit: o.limit}
	if o.limit < 0 {
		return f, flagErrorf("%s", app.T("audit.bad_limit"))
	}
	for _, p := range []struct {
		flag, val string
		dst       *time.Time
	}{{"--since", o.since, &f.Since}, {"--until", o.until, &f.Until}} {
		if p.val == "" {
			continue
		}
		t, err := parseHistorySince(p.val, now)
		if err != nil {
			return f, flagErrorf("%s", app.T("audit.bad_since", p.flag, p.val))
		}
		*p.dst = t
	}
	return f, nil
}

func (o *auditFilterOptions) empty() bool {
	return o.user == "" && o.host == "" && o.command == "" && o.action == "" && o.outcome == "" && o.since == "" && o.until == ""
}

// describe is the filter as the user gave it, for the export's header.
func (o *auditFilterOptions) describe() string {
	var parts []string
	for _, p := range [][2]string{{"user", o.user}, {"host", o.host}, {"command", o.command}, {"action", o.action},
		{"outcome", o.outcome}, {"since", o.since}, {"until", o.until}} {
		if p[1] != "" {
			parts = append(parts, "--"+p[0]+" "+strconv.Quote(p[1]))
		}
	}
	return strings.Join(parts, " ")
}

// ---- list / search ------------------------------------------------------

func newAuditListCmd(app *App, search bool) *cobra.Command {
	opts := &auditFilterOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit records, oldest first (the newest 20 by default)",
		Long: `List the records of the audit log, oldest first: number, time, user, the
machine hcops ran on, action, targets, command or file, outcome, duration.
Filters combine (all must match). --since and --until take an age (7d, 12h,
30m) or a local date/time (2026-11-01, "2026-11-01 08:00", RFC 3339).

OUTPUT
  table  one row per record (tab-separated when piped)
  json   an array of records: seq, time, user, from, action, targets,
         command, file, file_hash, exit{target: code}, duration_ms,
         recording, recording_hash, outcome, note, algo, prev, hash
  yaml   the same as json

EXIT STATUS
  0  listed (also when nothing matches)
  3  bad flags, or the log cannot be read`,
		Example: `  hcops audit list
  hcops audit list --host web-01 --since 30d --limit 0
  hcops audit list --action cp -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditList(cmd.Context(), app, opts, time.Now())
		},
	}
	cmd.Flags().StringVar(&opts.runner, "runner", "", "the log of this runner, as copied into a shared (postgres://) history")
	if search {
		cmd.Use = "search [TEXT]"
		cmd.Short = "Search audit records by user, host, command text and time"
		cmd.Long = `Search the audit log: TEXT is looked for in the commands and file names
(any case), and the flags narrow further; every record that matches is
listed, oldest first. At least one criterion is needed.

OUTPUT and EXIT STATUS as for "hcops audit list"; 3 also when no criterion
is given.`
		cmd.Example = `  hcops audit search "systemctl restart"
  hcops audit search --user zhang --since 2026-11-01 --until 2026-12-01
  hcops audit search nginx.conf --action cp -o json`
		cmd.Args = cobra.MaximumNArgs(1)
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.command = args[0] // the same filter as --command
			}
			if opts.empty() {
				return flagErrorf("%s", app.T("audit.need_filter"))
			}
			return runAuditList(cmd.Context(), app, opts, time.Now())
		}
		opts.bind(cmd, 0)
		return cmd
	}
	opts.bind(cmd, 20)
	return cmd
}

func runAuditList(ctx context.Context, app *App, opts *auditFilterOptions, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	f, err := opts.filter(app, now)
	if err != nil {
		return err
	}
	path := auditLogPath(app)
	var recs []audit.Record
	if opts.runner != "" {
		path, recs, err = sharedAuditRecords(ctx, app, opts.runner, f)
	} else {
		recs, err = audit.List(path, f)
	}
	if err != nil {
		return err
	}
	if app.Output != "table" {
		if recs == nil {
			recs = []audit.Record{}
		}
		return historyPrintData(app, recs)
	}
	if len(recs) == 0 {
		app.Infof("%s", app.T("audit.none", path))
		return nil
	}
	t := app.IO.NewTable(app.T("audit.header.seq"), app.T("audit.header.time"), app.T("audit.header.user"),
		app.T("audit.header.from"), app.T("audit.header.action"), app.T("audit.header.targets"),
		app.T("audit.header.command"), app.T("audit.header.outcome"), app.T("audit.header.duration"))
	for _, r := range recs {
		t.Row(strconv.FormatInt(r.Seq, 10), r.Time.Local().Format(time.DateTime), r.User, r.From, r.Action,
			auditTargets(r.Targets), auditCommand(r), r.Outcome, auditDuration(r.DurationMS))
	}
	if err := t.Render(); err != nil {
		return err
	}
	if f.Limit > 0 && len(recs) == f.Limit {
		app.Infof("%s", app.T("audit.limited", f.Limit))
	}
	return nil
}

// auditTargets names targets, shortened past 5.
func auditTargets(ts []string) string {
	if len(ts) <= 5 {
		return strings.Join(ts, ",")
	}
	return strings.Join(ts[:3], ",") + fmt.Sprintf(",… (%d)", len(ts))
}

// auditCommand is the command, or the file, on one line and at most 80
// characters.
func auditCommand(r audit.Record) string {
	s := r.Command
	if r.File != "" {
		if s != "" {
			s += " "
		}
		s += r.File
	}
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > 80 {
		s = string(rs[:79]) + "…"
	}
	return s
}

func auditDuration(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	if d < time.Second {
		return d.String()
	}
	return d.Round(time.Second).String()
}

// ---- show -----------------------------------------------------------------

func newAuditShowCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "show SEQ",
		Short: "Show one audit record in full",
		Long: `Show one record of the audit log with every field, its hashes included.
SEQ is a record number from "hcops audit list", or "latest". Showing a
record does not verify the log: run "hcops audit verify" for that.

OUTPUT
  table  one field per line
  json   the record (field names as in "hcops audit list -o json")
  yaml   the same as json

EXIT STATUS
  0  shown
  3  no such record, a bad SEQ, or the log cannot be read`,
		Example: `  hcops audit show 42
  hcops audit show latest -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditShow(cmd.Context(), app, args[0])
		},
	}
}

func runAuditShow(ctx context.Context, app *App, arg string) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	path := auditLogPath(app)
	var seq int64
	if arg == "latest" {
		h, err := audit.LastHead(path)
		if err != nil {
			return err
		}
		if h.Seq == 0 {
			return errors.New(app.T("audit.empty", path))
		}
		seq = h.Seq
	} else {
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n <= 0 {
			return flagErrorf("%s", app.T("audit.bad_seq", arg))
		}
		seq = n
	}
	r, err := audit.Get(path, seq)
	var nf *audit.NotFoundError
	if errors.As(err, &nf) {
		return errors.New(app.T("audit.not_found", path, seq))
	}
	if err != nil {
		return err
	}
	if app.Output != "table" {
		return historyPrintData(app, r)
	}
	var b bytes.Buffer
	line := func(key, val string) {
		if val != "" {
			fmt.Fprintf(&b, "%s%s%s\n", app.T("audit.export."+key), app.T("audit.show.colon"), iostreams.Sanitize(val))
		}
	}
	line("seq", strconv.FormatInt(r.Seq, 10))
	line("time", r.Time.Local().Format("2006-01-02 15:04:05 -07:00"))
	line("user", r.User)
	line("from", r.From)
	line("action", r.Action)
	line("targets", strings.Join(r.Targets, ", "))
	line("command", r.Command)
	line("file", r.File)
	line("file_hash", r.FileHash)
	if len(r.Exit) > 0 {
		line("exit", auditExit(r.Exit))
	}
	line("duration", auditDuration(r.DurationMS))
	line("outcome", r.Outcome)
	line("note", r.Note)
	line("recording", r.Recording)
	line("recording_hash", r.RecordingHash)
	line("algo", r.Algo)
	line("prev", r.Prev)
	line("hash", r.Hash)
	_, err = app.IO.Out.Write(b.Bytes())
	return err
}

func auditExit(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// ---- verify ---------------------------------------------------------------

type auditVerifyOptions struct {
	head   string
	runner string
}

// auditVerifyResult is verify's JSON: stable field names for cron.
type auditVerifyResult struct {
	Path    string       `json:"path"`
	Intact  bool         `json:"intact"`
	Records int          `json:"records"` // records intact before the first damage (all when intact)
	Head    audit.Head   `json:"head"`
	Damage  *auditDamage `json:"damage,omitempty"`
}

type auditDamage struct {
	Kind    string `json:"kind"` // malformed, edited, missing, reordered, broken, truncated, checkpoint
	Seq     int64  `json:"seq"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func newAuditVerifyCmd(app *App) *cobra.Command {
	opts := &auditVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit record was edited, deleted, reordered or cut",
		Long: `Walk the whole audit log: every record's hash must match its bytes, record
N must be on line N and carry the hash of record N-1, and the log must reach
the record its checkpoint (audit.log.head) names. The first record that is
wrong is named, with what is wrong with it.

The checkpoint lives beside the log, so someone able to rewrite both could
rebuild a consistent chain. Against that, keep the last record's number and
hash that verify prints somewhere else (the assessor's notes, a ticket,
syslog) and later check that the log still holds it with --head SEQ:HASH.

OUTPUT
  table  one line: intact with the number of records and the last record,
         or the first damage
  json   path, intact, records, head{seq, hash, algo},
         damage{kind, seq, line, message} when not intact
  yaml   the same as json

EXIT STATUS
  0  the log is intact (also when it is empty)
  2  the log was altered or damaged: the message names the first record
  3  bad flags, or the log cannot be read`,
		Example: `  hcops audit verify
  hcops audit verify --head 1520:9f86d081884c7d65…
  hcops audit verify -o json   # for monitoring`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditVerify(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().StringVar(&opts.head, "head", "", "also check that the log holds this record: SEQ:HASH as printed by an earlier verify")
	cmd.Flags().StringVar(&opts.runner, "runner", "", "verify the chain of this runner's log as copied into a shared (postgres://) history")
	return cmd
}

func runAuditVerify(ctx context.Context, app *App, opts *auditVerifyOptions) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	path := auditLogPath(app)
	var head *audit.Head
	if opts.head != "" {
		s, h, ok := strings.Cut(opts.head, ":")
		n, err := strconv.ParseInt(s, 10, 64)
		if !ok || err != nil || n <= 0 || h == "" {
			return flagErrorf("%s", app.T("audit.bad_head", opts.head))
		}
		head = &audit.Head{Seq: n, Hash: strings.ToLower(h)}
	}
	var (
		n    int
		err  error
		last audit.Head
	)
	switch {
	case opts.runner != "":
		if head != nil {
			return flagErrorf("%s", app.T("audit.runner_head"))
		}
		path, n, last, err = verifySharedAudit(ctx, app, opts.runner)
	case head != nil:
		n, err = audit.VerifyHead(path, *head)
	default:
		n, err = audit.Verify(path)
	}
	var ve *audit.VerifyError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	if opts.runner == "" {
		var lerr error
		if last, lerr = audit.LastHead(path); lerr != nil {
			return lerr
		}
	}
	res := auditVerifyResult{Path: path, Intact: err == nil, Records: n, Head: last}
	if ve != nil {
		res.Damage = &auditDamage{Kind: ve.Kind, Seq: ve.Seq, Line: ve.Line, Message: auditDamageText(app, ve, head)}
	}
	if app.Output != "table" {
		if perr := historyPrintData(app, res); perr != nil {
			return perr
		}
	} else if ve == nil {
		if last.Seq == 0 {
			fmt.Fprintln(app.IO.Out, app.T("audit.verify.empty", path))
		} else {
			ok := "audit.verify.ok"
			if opts.runner != "" {
				ok = "audit.verify.ok_shared"
			}
			fmt.Fprintln(app.IO.Out, app.T(ok, path, n))
			fmt.Fprintln(app.IO.Out, app.T("audit.verify.head", last.Seq, last.Hash, last.Algo))
		}
	}
	if ve != nil {
		msg := app.T("audit.verify.damaged", path, n) + app.T("audit.show.colon") + res.Damage.Message
		if app.Output != "table" {
			app.Warnf("%s", msg)
			return withExitCode(ExitCrit)
		}
		return &codedError{code: ExitCrit, err: errors.New(msg)}
	}
	return nil
}

// auditDamageText says in the user's language which record is wrong and how.
func auditDamageText(app *App, ve *audit.VerifyError, head *audit.Head) string {
	if head != nil && (ve.Seq == head.Seq || ve.Other == head.Seq) {
		switch ve.Kind {
		case audit.DamageEdited:
			return app.T("audit.verify.head_differs", head.Seq)
		case audit.DamageTruncated:
			return app.T("audit.verify.head_missing", head.Seq)
		}
	}
	if ve.Kind == audit.DamageCheckpoint {
		return app.T("audit.verify.checkpoint", ve.Seq)
	}
	return app.T("audit.verify."+ve.Kind, ve.Seq, ve.Line, ve.Other)
}

// ---- export ---------------------------------------------------------------

type auditExportOptions struct {
	auditFilterOptions
	html string
}

func newAuditExportCmd(app *App) *cobra.Command {
	opts := &auditExportOptions{}
	cmd := &cobra.Command{
		Use:   "export --html FILE",
		Short: "Write the audit log as one self-contained HTML page for assessors",
		Long: `Write one HTML page an assessor can open offline: the result of verifying
the log (as "hcops audit verify"), the last record's hash, an index of the
actions, every record in full with its hashes, and the session recordings
(asciicast v2) embedded with a small player that replays them with their
timing. A recording whose file no longer matches the hash sealed in its
record is marked. The page loads nothing from elsewhere; every value from
the log is escaped. The filters choose the records shown (the verification
always covers the whole log). The file is written atomically, mode 0640 at
most (it names hosts, users and commands).

EXIT STATUS
  0  written, and the log is intact
  2  written, but the log failed verification (the page says so)
  3  bad flags, or the log or the file cannot be read or written`,
		Example: `  hcops audit export --html audit.html
  hcops audit export --html audit-2026-11.html --since 2026-11-01 --until 2026-12-01
  hcops --lang zh audit export --html 审计日志.html --host his-db-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditExport(cmd.Context(), app, opts, time.Now())
		},
	}
	opts.bind(cmd, 0)
	cmd.Flags().StringVar(&opts.html, "html", "", "the page to write")
	return cmd
}

func runAuditExport(ctx context.Context, app *App, opts *auditExportOptions, now time.Time) error {
	if opts.html == "" {
		return flagErrorf("%s", app.T("audit.need_html"))
	}
	f, err := opts.filter(app, now)
	if err != nil {
		return err
	}
	path := auditLogPath(app)
	n, verr := audit.Verify(path)
	var ve *audit.VerifyError
	if verr != nil && !errors.As(verr, &ve) {
		return verr
	}
	all, err := audit.List(path, audit.Filter{})
	if err != nil {
		return err
	}
	recs, err := audit.List(path, f)
	if err != nil {
		return err
	}
	head, err := audit.LastHead(path)
	if err != nil {
		return err
	}
	var vErr error
	if ve != nil {
		vErr = errors.New(auditDamageText(app, ve, nil))
	}
	var buf bytes.Buffer
	if err := audit.ExportHTML(&buf, audit.ExportOptions{Path: path, Records: recs, Total: len(all), Intact: n,
		VerifyErr: vErr, Head: head, Lang: app.Lang, Generated: now, Filter: opts.describe()}); err != nil {
		return err
	}
	if err := atomicfile.Write(opts.html, buf.Bytes(), atomicfile.Mode); err != nil {
		return err
	}
	app.Infof("%s", app.T("audit.exported", len(recs), opts.html))
	if ve != nil {
		app.Warnf("%s", app.T("audit.verify.damaged", path, n)+app.T("audit.show.colon")+vErr.Error())
		return withExitCode(ExitCrit)
	}
	return nil
}
