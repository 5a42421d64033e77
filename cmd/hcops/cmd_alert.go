package main

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/alert"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/store"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newAlertCmd(app))
	})
}

func newAlertCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alert",
		Short: "Alerts raised from inspection and backup findings, and their notifications",
		Long: `Alerts turn problem findings into notifications (OP3).

A finding (one asset, check and item across runs) fires an alert when it has
been WARN, CRIT or UNREACHABLE in enough results in a row (alerts.damping:
2 for WARN, 1 for CRIT and UNREACHABLE by default); a failed backup
verification is a CRIT finding of kind backup. A worse status escalates the
alert, OK again resolves it; each of these is notified once over the
channels the routes choose (e-mail, WeCom, DingTalk, Feishu robots, generic
webhooks for SMS and voice gateways). Maintenance windows (hcops
maintenance) and silences keep alerts quiet; key periods (重保,
alerts.key_periods) fire sooner and raise WARN to CRIT.

hcops alert evaluate does one round: evaluate the stored findings, then
deliver what is due. Run it after every inspection (cron) or let hcops
watch run it every cycle. Notifications are written to an outbox in the
same transaction as the alert and retried until delivered, so a killed
process neither loses nor repeats one. See "Alerts and channels" in the
README for the configuration.`,
		Example: `  hcops inspect && hcops alert evaluate
  hcops alert list
  hcops alert show 12
  hcops alert ack 12
  hcops alert silence 12 --for 2h`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newAlertListCmd(app), newAlertShowCmd(app), newAlertAckCmd(app), newAlertSilenceCmd(app),
		newAlertEvaluateCmd(app))
	return cmd
}

// alertDB opens the history as the alert store.
func alertDB(ctx context.Context, app *App) (*store.DB, error) {
	if _, err := openHistory(ctx, app); err != nil {
		return nil, err
	}
	return app.DB(ctx)
}

func parseAlertID(app *App, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, flagErrorf("%s", app.T("alert.bad_id", s))
	}
	return id, nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// ---- list -------------------------------------------------------------

type alertListOptions struct {
	all           bool
	state         string
	asset, system string
	zone          string
	since         string
	limit         int
}

func newAlertListCmd(app *App) *cobra.Command {
	opts := &alertListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List firing alerts (--all: resolved ones too)",
		Long: `List alerts: by default those firing now, by asset and check; with --all or
--state resolved, newest first.

OUTPUT
  table  id, state, severity, asset, check, system, since, note (acked,
         silenced, escalated in a key period)
  json   an array of alerts: id, asset, check, item, type, system, zone,
         kind, state (firing, resolved), severity and status (WARN, CRIT,
         UNREACHABLE, OK), escalated, key_period, since, fired_at,
         resolved_at, last_run_id, message, code, args, advice, advice_code,
         advice_args, acked_at, acked_by, silenced_until, silenced_by,
         notified_at (times RFC 3339)
  yaml   the same as json

EXIT STATUS
  0  listed (also when there are none)
  3  bad flags, or the history database cannot be opened`,
		Example: `  hcops alert list
  hcops alert list --all --since 7d
  hcops alert list --system pacs -o json
  hcops alert list --zone 互联网区`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAlertList(cmd.Context(), app, opts, time.Now())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.all, "all", false, "resolved alerts too")
	f.StringVar(&opts.state, "state", "", "only firing or resolved")
	f.StringVar(&opts.asset, "asset", "", "only this asset")
	f.StringVar(&opts.system, "system", "", "only this application system")
	f.StringVar(&opts.zone, "zone", "", "only alerts of assets of this network zone")
	f.StringVar(&opts.since, "since", "", "fired since: an age (7d, 12h) or a local date/time")
	f.IntVar(&opts.limit, "limit", 0, "at most this many (newest first; 0 for all)")
	return cmd
}

func runAlertList(ctx context.Context, app *App, opts *alertListOptions, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	f := store.AlertFilter{State: store.AlertFiring, Asset: opts.asset, System: opts.system, Zone: strings.TrimSpace(opts.zone), Limit: opts.limit}
	switch opts.state {
	case "":
		if opts.all {
			f.State = ""
		}
	case store.AlertFiring, store.AlertResolved:
		f.State = opts.state
	default:
		return flagErrorf("%s", app.T("alert.bad_state", opts.state))
	}
	if opts.since != "" {
		t, err := parseHistorySince(opts.since, now)
		if err != nil {
			return flagErrorf("%s", app.T("history.bad_since", opts.since))
		}
		f.Since = t
	}
	if opts.limit < 0 {
		return flagErrorf("%s", app.T("history.bad_limit"))
	}
	db, err := alertDB(ctx, app)
	if err != nil {
		return err
	}
	as, err := db.Alerts(ctx, f)
	if err != nil {
		return historyErr(app, db, err)
	}
	if app.Output != "table" {
		if as == nil {
			as = []store.Alert{}
		}
		return historyPrintData(app, as)
	}
	if len(as) == 0 {
		if f.State == store.AlertFiring && opts.asset == "" && opts.system == "" && f.Since.IsZero() {
			app.Infof("%s", app.T("alert.none_firing"))
		} else {
			app.Infof("%s", app.T("alert.none"))
		}
		return nil
	}
	t := app.IO.NewTable(app.T("alert.header.id"), app.T("alert.header.state"), app.T("alert.header.severity"),
		app.T("alert.header.asset"), app.T("alert.header.check"), app.T("alert.header.system"),
		app.T("alert.header.since"), app.T("alert.header.note"))
	for _, a := range as {
		check := a.Check
		if a.Item != "" && !strings.Contains(a.Check, a.Item) {
			check += " " + a.Item
		}
		t.Row(strconv.FormatInt(a.ID, 10), app.T("alert.state."+a.State), app.T("status."+a.Severity.String()),
			iostreams.Sanitize(a.Asset), iostreams.Sanitize(check), iostreams.Sanitize(a.System),
			a.Since.Local().Format("2006-01-02 15:04"), alertNote(app, &a, now))
	}
	return t.Render()
}

func alertNote(app *App, a *store.Alert, now time.Time) string {
	var notes []string
	if !a.AckedAt.IsZero() {
		notes = append(notes, app.T("alert.note.acked", iostreams.Sanitize(a.AckedBy)))
	}
	if a.State == store.AlertFiring && a.Silenced(now) {
		notes = append(notes, app.T("alert.note.silenced", a.SilencedUntil.Local().Format("01-02 15:04")))
	}
	if a.Escalated {
		notes = append(notes, app.T("alert.note.escalated"))
	}
	return strings.Join(notes, "; ")
}

// ---- show -------------------------------------------------------------

// alertShowView is hcops alert show -o json.
type alertShowView struct {
	Alert         store.Alert        `json:"alert"`
	Events        []store.AlertEvent `json:"events"`
	Notifications []notificationView `json:"notifications"`
}

type notificationView struct {
	store.Notification
	Log []store.DeliveryAttempt `json:"log"`
}

func newAlertShowCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an alert, what happened to it, and its notifications",
		Long: `Show alert ID: what it is about, its events (fire, escalate, remind,
resolve, ack, silence) and every notification with its delivery log.

OUTPUT
  table  the alert, its events and its notifications
  json   {alert, events: [{id, alert_id, at, kind, severity, status, by,
         note}], notifications: [{id, channel, created_at, subject, body,
         severity, recipients, data, state (pending, sending, sent, dead),
         attempts, next_at, sent_at, last_error, log: [{at, duration_ms, ok,
         error, batch}]}]}
  yaml   the same as json

EXIT STATUS
  0  shown
  3  no such alert, a bad ID, or the history database cannot be opened`,
		Example: `  hcops alert show 12
  hcops alert show 12 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAlertShow(cmd.Context(), app, args[0], time.Now())
		},
	}
}

func runAlertShow(ctx context.Context, app *App, arg string, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	id, err := parseAlertID(app, arg)
	if err != nil {
		return err
	}
	db, err := alertDB(ctx, app)
	if err != nil {
		return err
	}
	a, err := db.Alert(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errors.New(app.T("alert.not_found", id))
	}
	if err != nil {
		return historyErr(app, db, err)
	}
	evs, err := db.AlertEvents(ctx, id)
	if err != nil {
		return err
	}
	ns, err := db.Notifications(ctx, id)
	if err != nil {
		return err
	}
	view := alertShowView{Alert: *a, Events: evs, Notifications: []notificationView{}}
	if view.Events == nil {
		view.Events = []store.AlertEvent{}
	}
	for _, n := range ns {
		log, err := db.DeliveryAttempts(ctx, n.ID)
		if err != nil {
			return err
		}
		if log == nil {
			log = []store.DeliveryAttempt{}
		}
		view.Notifications = append(view.Notifications, notificationView{n, log})
	}
	if app.Output != "table" {
		return historyPrintData(app, view)
	}
	w := app.IO.Out
	s := iostreams.Sanitize
	fmt.Fprintf(w, "#%d %s %s · %s\n", a.ID, app.T("status."+a.Severity.String()), s(a.Asset), s(a.Check))
	kv := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %s%s\n", app.T("alert.label."+label), v)
		}
	}
	kv("system", s(a.System))
	kv("check", s(strings.TrimSpace(a.Check+" "+a.Item)))
	kv("status", app.T("alert.state."+a.State)+" · "+app.T("status."+a.Status.String()))
	kv("message", s(alertMsg(app, a.Code, a.Args, a.Message)))
	kv("since", a.Since.Local().Format(time.DateTime))
	if !a.ResolvedAt.IsZero() {
		kv("resolved", a.ResolvedAt.Local().Format(time.DateTime))
	}
	kv("key_period", s(a.KeyPeriod))
	kv("advice", s(alertMsg(app, a.AdviceCode, a.AdviceArgs, a.Advice)))
	if note := alertNote(app, a, now); note != "" {
		fmt.Fprintf(w, "  %s\n", note)
	}
	fmt.Fprintf(w, "\n%s\n", app.T("alert.show.events"))
	t := app.IO.NewTable(app.T("alert.header.at"), app.T("alert.header.event"), app.T("alert.header.severity"),
		app.T("alert.header.by"), app.T("alert.header.note"))
	for _, ev := range evs {
		t.Row(ev.At.Local().Format(time.DateTime), app.T("alert.event."+ev.Kind), app.T("status."+ev.Severity.String()), s(ev.By), s(ev.Note))
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", app.T("alert.show.deliveries"))
	if len(ns) == 0 {
		fmt.Fprintln(w, app.T("alert.show.no_deliver"))
		return nil
	}
	t = app.IO.NewTable(app.T("alert.header.id"), app.T("alert.header.at"), app.T("alert.header.channel"),
		app.T("alert.header.state"), app.T("alert.header.attempts"), app.T("alert.header.error"))
	for _, n := range view.Notifications {
		at := n.CreatedAt
		if !n.SentAt.IsZero() {
			at = n.SentAt
		}
		t.Row(strconv.FormatInt(n.ID, 10), at.Local().Format(time.DateTime), s(n.Channel), n.State,
			strconv.Itoa(n.Attempts), s(n.LastError))
	}
	return t.Render()
}

// alertMsg is a stored message in the user's language.
func alertMsg(app *App, code string, args []any, text string) string {
	if code == "" {
		return text
	}
	return alert.Render(app.Lang, code, args, text)
}

// ---- ack / silence ----------------------------------------------------

func newAlertAckCmd(app *App) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge an alert: someone is on it (reminders stop)",
		Long: `Acknowledge firing alert ID: it stays firing until its finding is OK, but
reminders (alerts.remind_every) stop. The recovery is still notified.

EXIT STATUS
  0  acknowledged
  3  no such alert, it is resolved already, a bad ID, or the history
     database cannot be opened`,
		Example: `  hcops alert ack 12
  hcops alert ack 12 --by 张工`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAlertHand(cmd.Context(), app, args[0], "ack", by, 0, time.Now())
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who (default: the login name)")
	return cmd
}

func newAlertSilenceCmd(app *App) *cobra.Command {
	var by string
	var d time.Duration
	cmd := &cobra.Command{
		Use:   "silence ID --for DURATION",
		Short: "Keep an alert quiet for a while",
		Long: `Silence firing alert ID for a while: no escalation, reminder or recovery
of it is notified until the time is up (the events are still recorded).
To keep a whole asset or system quiet during planned work, declare a
maintenance window instead (hcops maintenance add).

EXIT STATUS
  0  silenced
  3  no such alert, it is resolved already, a bad ID or duration, or the
     history database cannot be opened`,
		Example: `  hcops alert silence 12 --for 2h
  hcops alert silence 12 --for 30m --by 张工`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if d <= 0 {
				return flagErrorf("%s", app.T("alert.need_for"))
			}
			return runAlertHand(cmd.Context(), app, args[0], "silence", by, d, time.Now())
		},
	}
	cmd.Flags().DurationVar(&d, "for", 0, "how long, e.g. 2h or 30m")
	cmd.Flags().StringVar(&by, "by", "", "who (default: the login name)")
	return cmd
}

func runAlertHand(ctx context.Context, app *App, arg, verb, by string, d time.Duration, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	id, err := parseAlertID(app, arg)
	if err != nil {
		return err
	}
	if by == "" {
		by = currentUser()
	}
	db, err := alertDB(ctx, app)
	if err != nil {
		return err
	}
	if verb == "ack" {
		err = db.AckAlert(ctx, id, by, now)
	} else {
		err = db.SilenceAlert(ctx, id, now.Add(d), by, now)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errors.New(app.T("alert.not_found", id))
	case errors.Is(err, store.ErrAlertResolved):
		return errors.New(app.T("alert.resolved_already", id, app.T("alert.verb."+verb)))
	case err != nil:
		return historyErr(app, db, err)
	}
	if app.Output != "table" {
		a, err := db.Alert(ctx, id)
		if err != nil {
			return err
		}
		return historyPrintData(app, a)
	}
	if verb == "ack" {
		fmt.Fprintln(app.IO.Out, app.T("alert.acked", id, iostreams.Sanitize(by)))
	} else {
		fmt.Fprintln(app.IO.Out, app.T("alert.silenced", id, now.Add(d).Local().Format("2006-01-02 15:04")))
	}
	return nil
}

// ---- evaluate ---------------------------------------------------------

// alertEvaluateView is hcops alert evaluate -o json.
type alertEvaluateView struct {
	Transitions []transitionView `json:"transitions"`
	Delivery    deliveryView     `json:"delivery"`
}

type transitionView struct {
	Kind          string      `json:"kind"`
	Alert         store.Alert `json:"alert"`
	Notifications int         `json:"notifications"`
	Quiet         string      `json:"quiet,omitempty"`
}

type deliveryView struct {
	Sent     int           `json:"sent"`
	Failed   int           `json:"failed"`
	Dead     int           `json:"dead"`
	Deferred int           `json:"deferred"`
	Waiting  int           `json:"waiting"` // in the outbox after this round
	Failures []failureView `json:"failures"`
}

type failureView struct {
	Notification int64     `json:"notification"`
	Channel      string    `json:"channel"`
	Attempts     int       `json:"attempts"`
	Retry        time.Time `json:"retry,omitzero"`
	Error        string    `json:"error"`
}

func newAlertEvaluateCmd(app *App) *cobra.Command {
	var noDeliver bool
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Evaluate the findings into alerts and deliver due notifications, once",
		Long: `One round of alerting: compare the stored findings with the open alerts
(fire, escalate, remind, resolve), queue their notifications, then deliver
every notification that is due, retrying earlier failures whose time has
come. hcops watch runs the same each cycle; from cron, run it after each
inspection or backup verification. Running it twice, or from two places at
once, sends nothing twice.

The configuration is checked first: alerts.channels, routes, roster and
key periods with a wrong key or value stop it with a message naming the key.

OUTPUT
  stderr one line per new, escalated, reminded and resolved alert, one per
         failed delivery, and a summary (table output)
  json   {transitions: [{kind, alert, notifications, quiet}], delivery:
         {sent, failed, dead, deferred, waiting, failures: [{notification,
         channel, attempts, retry, error}]}}; quiet is silenced,
         maintenance or no-route when nobody was notified
  yaml   the same as json

EXIT STATUS
  0  evaluated; every due notification was delivered
  1  evaluated, but some notifications failed or wait (rate limit): they
     are retried by the next round, or were given up
     (alerts.retry.max_attempts)
  3  bad configuration, or the history database cannot be opened`,
		Example: `  hcops alert evaluate
  hcops inspect -q; hcops alert evaluate -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAlertEvaluate(cmd.Context(), app, !noDeliver, time.Now())
		},
	}
	cmd.Flags().BoolVar(&noDeliver, "no-deliver", false, "only evaluate; leave the notifications in the outbox")
	return cmd
}

// alertPolicy checks the alerts configuration and names the systems from
// the inventory when there is one.
func alertPolicy(app *App) (*alert.Policy, *alert.Channels, error) {
	p, err := alert.NewPolicy(app.Config, app.Lang)
	if err != nil {
		return nil, nil, err
	}
	chs, err := alert.NewChannels(app.Config, app.Lang)
	if err != nil {
		return nil, nil, err
	}
	if app.HasInventory() {
		inv, err := app.Inventory()
		if err != nil {
			app.Warnf("%v", err)
		} else {
			p.SystemNames = map[string]alert.SystemName{}
			for _, s := range inv.Systems {
				p.SystemNames[s.Name] = alert.SystemName{ZH: s.NameZH, EN: s.NameEN}
			}
		}
	}
	return p, chs, nil
}

func runAlertEvaluate(ctx context.Context, app *App, deliverToo bool, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	p, chs, err := alertPolicy(app)
	if err != nil {
		return err
	}
	db, err := alertDB(ctx, app)
	if err != nil {
		return err
	}
	if chs.Len() == 0 {
		app.Warnf("%s", app.T("alert.eval.no_channels"))
	}
	trs, err := alert.Evaluate(ctx, db, now, p)
	if err != nil {
		return historyErr(app, db, err)
	}
	rep := &alert.Report{}
	if deliverToo {
		if rep, err = alert.Deliver(ctx, db, chs, now); err != nil {
			if ctx.Err() != nil {
				return errInterrupted
			}
			return historyErr(app, db, err)
		}
	}
	counts, err := db.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	waiting := counts[store.NotifyPending] + counts[store.NotifySending]

	if app.Output != "table" {
		view := alertEvaluateView{Transitions: []transitionView{}, Delivery: deliveryView{Sent: rep.Sent, Failed: rep.Failed,
			Dead: rep.Dead, Deferred: rep.Deferred, Waiting: waiting, Failures: []failureView{}}}
		for _, tr := range trs {
			view.Transitions = append(view.Transitions, transitionView{tr.Kind, tr.Alert, tr.Notifications, tr.Quiet})
		}
		for _, f := range rep.Failures {
			view.Delivery.Failures = append(view.Delivery.Failures, failureView{f.Notification, f.Channel, f.Attempts, f.Retry, f.Err.Error()})
		}
		if err := historyPrintData(app, view); err != nil {
			return err
		}
	} else {
		n := map[string]int{}
		for _, tr := range trs {
			n[tr.Kind]++
			a := tr.Alert
			line := fmt.Sprintf("#%d %s %s %s · %s", a.ID, tr.Kind, app.T("status."+a.Severity.String()),
				iostreams.Sanitize(a.Asset), iostreams.Sanitize(a.Check))
			if tr.Notifications == 0 && tr.Quiet != "" {
				line = app.T("alert.eval.quiet", a.ID, tr.Kind, app.T("alert.quiet."+strings.ReplaceAll(tr.Quiet, "-", "_")))
			}
			app.Infof("%s", line)
		}
		for _, f := range rep.Failures {
			if f.Retry.IsZero() {
				app.Warnf("%s", app.T("alert.eval.dead", f.Notification, f.Channel, f.Attempts, f.Err))
			} else {
				app.Warnf("%s", app.T("alert.eval.failed", f.Notification, f.Channel, f.Retry.Local().Format(time.TimeOnly), f.Err))
			}
		}
		app.Infof("%s", app.T("alert.eval.summary", n[alert.Fire], n[alert.Escalate], n[alert.Remind], n[alert.Resolve],
			rep.Sent, rep.Failed+rep.Dead, waiting))
	}
	if deliverToo && (rep.Failed > 0 || rep.Dead > 0 || rep.Deferred > 0) {
		return withExitCode(ExitWarn)
	}
	return nil
}
