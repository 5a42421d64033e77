package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
	"os/user"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newTicketCmd(app))
	})
}

const ticketExitStatus = `

EXIT STATUS
  0  done
  3  refused (the ticket's state does not allow it: the message says what
     to do first), no such ticket, bad flags or times, or the history
     database cannot be opened`

const ticketTimesHelp = `TIMES
  --at records when it happened, if not now: local time "2026-11-03 22:05"
  or RFC 3339. It may not be in the future nor before the ticket's latest
  event (events are recorded in order).`

func newTicketCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ticket",
		Aliases: []string{"tickets"},
		Short:   "Tickets (工单) and their SLA clocks",
		Long: `Track faults as tickets (工单): opened by hand for a reported fault (hcops
ticket new) or by the watcher from an alert, then acknowledged (ack), on
site or logged in (arrive), resolved and closed, with an assignee, notes
and evidence (run ids, result keys).

Every ticket runs three SLA clocks from its open time — response (until
ack), arrival (until arrive) and repair (until resolve) — against the
deadlines of its fault class (urgent 紧急, serious 严重, general 一般) in
its system's sla: in the inventory, or in the config's tickets.deadlines
(defaults: DC3 and AP2). A clock runs on a 24x7 calendar or on working
hours (08:30-12:00, 13:30-17:30; public holidays off, 调休 weekends on;
config tickets.calendars, tickets.holidays). Pause stops the arrival and
repair clocks while waiting on the client; resume restarts them.

A security incident (class security, 网络安全事件) also runs the reporting
clock of the 2025 incident-reporting measures: 1 h for critical information
infrastructure (cii), 2 h for central and state organs (central), 4 h for
other operators (config tickets.security); hcops ticket item fills in the
early-report items, hcops ticket report records the report.

Clocks are computed from the recorded event times whenever a ticket is
read, so they are exact however long nothing ran. Warnings at 50, 80 and
100 % of a deadline are recorded once, when a ticket command or the
watcher runs; a breach, once recorded, stays a breach.`,
		Example: `  hcops ticket new --class urgent --system pacs --asset pacs-db-01 --title 'PACS 影像调阅失败'
  hcops ticket ack 12 --by 张工
  hcops ticket arrive 12 --note 'VPN 远程登录'
  hcops ticket resolve 12 --cause '存储多路径故障' --impact '3 家医院影像调阅中断 40 分钟' --recovery '切换备用路径'
  hcops ticket list --state active
  hcops ticket sla --month 2026-11
  hcops report incident 12 --lang zh`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newTicketListCmd(app), newTicketShowCmd(app), newTicketNewCmd(app), newTicketSLACmd(app))
	for _, a := range ticketActions {
		cmd.AddCommand(newTicketActionCmd(app, a))
	}
	return cmd
}

// ticketService opens the history and builds the policy from the config's
// tickets: section and the inventory (when one is configured).
func ticketService(ctx context.Context, app *App) (*ticket.Service, error) {
	var c config.Tickets
	if app.Config != nil {
		c = app.Config.Tickets
	}
	var pol *ticket.Policy
	var err error
	if app.HasInventory() {
		inv, err := app.Inventory()
		if err != nil {
			return nil, err
		}
		pol, err = ticket.NewPolicy(c, inv, time.Local)
		if err != nil {
			return nil, err
		}
	} else if pol, err = ticket.NewPolicy(c, nil, time.Local); err != nil {
		return nil, err
	}
	if _, err := openHistory(ctx, app); err != nil {
		return nil, err
	}
	db, err := app.DB(ctx)
	if err != nil {
		return nil, err
	}
	return &ticket.Service{Store: db, Policy: pol}, nil
}

// ticketErr turns the errors of pkg/ticket into messages in the user's
// language.
func ticketErr(app *App, id int64, err error) error {
	var te *ticket.TransitionError
	switch {
	case errors.As(err, &te):
		return errors.New(i18n.T(app.Lang, te.Key, te.Args...))
	case errors.Is(err, store.ErrNotFound):
		return errors.New(app.T("ticket.cli.not_found", id))
	case errors.Is(err, ticket.ErrFuture):
		return flagErrorf("%s", app.T("ticket.cli.future"))
	}
	return err
}

func parseTicketID(app *App, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, flagErrorf("%s", app.T("ticket.cli.bad_id", s))
	}
	return id, nil
}

func parseTicketTime(app *App, flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, ok := parseLocalTime(s)
	if !ok {
		return t, flagErrorf("%s", app.T("ticket.cli.bad_time", flag, s))
	}
	return t, nil
}

// actor is who acts: --by, else the config's site engineer, else $USER.
func actor(app *App, by string) string {
	if by != "" {
		return by
	}
	if app.Config != nil && app.Config.Site.Engineer != "" {
		return app.Config.Site.Engineer
	}
	return os.Getenv("USER")
}

// ---- views ------------------------------------------------------------

// ticketView is the JSON form of a ticket; its field names are stable.
type ticketView struct {
	ID            int64             `json:"id" yaml:"id"`
	Title         string            `json:"title" yaml:"title"`
	Class         string            `json:"class" yaml:"class"`
	State         string            `json:"state" yaml:"state"`
	Paused        bool              `json:"paused" yaml:"paused"`
	System        string            `json:"system,omitempty" yaml:"system,omitempty"`
	Asset         string            `json:"asset,omitempty" yaml:"asset,omitempty"`
	Source        string            `json:"source" yaml:"source"`
	AlertKey      string            `json:"alert_key,omitempty" yaml:"alert_key,omitempty"`
	Assignee      string            `json:"assignee,omitempty" yaml:"assignee,omitempty"`
	OpenedAt      string            `json:"opened_at" yaml:"opened_at"`
	AcknowledgeAt string            `json:"acknowledged_at,omitempty" yaml:"acknowledged_at,omitempty"`
	ArrivedAt     string            `json:"arrived_at,omitempty" yaml:"arrived_at,omitempty"`
	ResolvedAt    string            `json:"resolved_at,omitempty" yaml:"resolved_at,omitempty"`
	ClosedAt      string            `json:"closed_at,omitempty" yaml:"closed_at,omitempty"`
	ReportedAt    string            `json:"reported_at,omitempty" yaml:"reported_at,omitempty"`
	Description   string            `json:"description,omitempty" yaml:"description,omitempty"`
	Fields        map[string]string `json:"fields,omitempty" yaml:"fields,omitempty"`
	Evidence      []string          `json:"evidence,omitempty" yaml:"evidence,omitempty"`
	OperatorClass string            `json:"operator_class,omitempty" yaml:"operator_class,omitempty"`
	Level         string            `json:"level,omitempty" yaml:"level,omitempty"`
	Items         map[string]string `json:"items,omitempty" yaml:"items,omitempty"`
	Clocks        []clockView       `json:"clocks" yaml:"clocks"`
	Events        []eventView       `json:"events,omitempty" yaml:"events,omitempty"`
}

// clockView is one SLA clock; minutes are of counting time.
type clockView struct {
	Name            string   `json:"name" yaml:"name"`
	Calendar        string   `json:"calendar" yaml:"calendar"`
	DeadlineMinutes float64  `json:"deadline_minutes" yaml:"deadline_minutes"`
	ElapsedMinutes  float64  `json:"elapsed_minutes" yaml:"elapsed_minutes"`
	Percent         float64  `json:"percent" yaml:"percent"`
	Due             string   `json:"due,omitempty" yaml:"due,omitempty"`
	Stopped         string   `json:"stopped,omitempty" yaml:"stopped,omitempty"`
	Paused          bool     `json:"paused" yaml:"paused"`
	Status          string   `json:"status" yaml:"status"` // running, paused, met, breached, overdue
	Marks           []string `json:"marks,omitempty" yaml:"marks,omitempty"`
	BreachRecorded  bool     `json:"breach_recorded" yaml:"breach_recorded"`
}

type eventView struct {
	At    string            `json:"at" yaml:"at"`
	Kind  string            `json:"kind" yaml:"kind"`
	Actor string            `json:"actor,omitempty" yaml:"actor,omitempty"`
	Text  string            `json:"text,omitempty" yaml:"text,omitempty"`
	Data  map[string]string `json:"data,omitempty" yaml:"data,omitempty"`
}

func rfc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.RFC3339)
}

func clockStatus(c ticket.Clock) string {
	switch {
	case c.Stopped && c.Breach():
		return "breached"
	case c.Stopped:
		return "met"
	case c.Breach():
		return "overdue"
	case c.Paused:
		return "paused"
	}
	return "running"
}

func viewTicket(t *ticket.Ticket, withEvents bool) ticketView {
	v := ticketView{ID: t.ID, Title: t.Title, Class: string(t.Class), State: string(t.State), Paused: t.Paused, System: t.System,
		Asset: t.Asset, Source: t.Source, Assignee: t.Assignee, OpenedAt: rfc(t.OpenedAt), AcknowledgeAt: rfc(t.AckAt),
		ArrivedAt: rfc(t.ArriveAt), ResolvedAt: rfc(t.ResolveAt), ClosedAt: rfc(t.CloseAt), ReportedAt: rfc(t.ReportAt),
		Description: t.Description, Fields: t.Fields, Evidence: t.Evidence, OperatorClass: t.Terms.OperatorClass,
		Level: t.Terms.Level, Items: t.Items, Clocks: []clockView{}}
	if t.AlertKey.Check != "" {
		v.AlertKey = t.AlertKey.String()
	}
	if len(v.Fields) == 0 {
		v.Fields = nil
	}
	if len(v.Items) == 0 {
		v.Items = nil
	}
	for _, c := range t.Clocks {
		cv := clockView{Name: string(c.Name), Calendar: c.Calendar, DeadlineMinutes: c.Deadline.Minutes(),
			ElapsedMinutes: c.Elapsed.Minutes(), Percent: float64(int(c.Percent*10+0.5)) / 10, Due: rfc(c.Due),
			Paused: c.Paused, Status: clockStatus(c), BreachRecorded: c.Recorded}
		if c.Stopped {
			cv.Stopped = rfc(c.Stop)
		}
		for _, m := range c.Marks {
			cv.Marks = append(cv.Marks, fmt.Sprintf("%d%%@%s", m.Level, rfc(m.At)))
		}
		v.Clocks = append(v.Clocks, cv)
	}
	if withEvents {
		for _, e := range t.Events {
			v.Events = append(v.Events, eventView{At: rfc(e.At), Kind: e.Kind, Actor: e.Actor, Text: e.Text, Data: e.Data})
		}
	}
	return v
}

func fmtMinutes(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	s := strings.TrimSuffix(d.String(), "0s")
	return strings.TrimSuffix(s, "h0m") + map[bool]string{true: "h"}[strings.HasSuffix(s, "h0m")]
}

// clockLine is a clock in one line of the user's language.
func clockLine(app *App, c ticket.Clock) string {
	used, dl := fmtMinutes(c.Elapsed), fmtMinutes(c.Deadline)
	var s string
	switch clockStatus(c) {
	case "met":
		s = app.T("ticket.clk.met", used, dl)
	case "breached":
		s = app.T("ticket.clk.breached", used, dl)
	case "overdue":
		s = app.T("ticket.clk.overdue", used, dl, c.Due.Local().Format("01-02 15:04"))
	case "paused":
		s = app.T("ticket.clk.paused", used, dl, int(c.Percent))
	default:
		s = app.T("ticket.clk.running", used, dl, int(c.Percent), c.Due.Local().Format("01-02 15:04"))
	}
	if c.Recorded && !c.Breached {
		s += app.T("ticket.clk.recorded")
	}
	return s
}

// nextDeadline is the earliest due time of a running clock, for the list.
func nextDeadline(app *App, t *ticket.Ticket) string {
	var best *ticket.Clock
	breached := false
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if c.Stopped {
			continue
		}
		if c.Breach() {
			breached = true
		}
		if !c.Due.IsZero() && (best == nil || c.Due.Before(best.Due)) {
			best = c
		}
	}
	s := ""
	if best != nil {
		s = app.T("ticket.clock."+string(best.Name)) + " " + best.Due.Local().Format("01-02 15:04")
	}
	if breached {
		s = strings.TrimSpace(app.T("ticket.cli.breach") + " " + s)
	}
	return s
}

// ---- list -------------------------------------------------------------

type ticketListOptions struct {
	state  string
	system string
	zone   string
	month  string
}

func newTicketListCmd(app *App) *cobra.Command {
	opts := &ticketListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tickets with their state and next deadline",
		Long: `List tickets by id: state, class, system, asset, when opened, assignee,
the nearest deadline of a running clock (BREACHED when one is past) and
the title. --state active lists every ticket not closed.

--zone lists the tickets of the assets of one network zone: a ticket's
asset (or the asset of the alert that opened it) is of the zone the
inventory gives it, or, for an asset the inventory does not list (another
runner's), of the zone its alerts were raised in. A ticket with no asset
(a whole system) is of no zone.

OUTPUT
  table  one line per ticket
  json   an array of tickets: id, title, class, state, paused, system, asset,
         source, alert_key, assignee, opened_at, acknowledged_at, arrived_at,
         resolved_at, closed_at, reported_at, fields, evidence, clocks
         [{name, calendar, deadline_minutes, elapsed_minutes, percent, due,
         stopped, paused, status (running|paused|met|breached|overdue),
         marks, breach_recorded}]; times RFC 3339 with the local offset
  yaml   the same as json` + ticketExitStatus,
		Example: `  hcops ticket list
  hcops ticket list --state active --system pacs
  hcops ticket list --month 2026-11 -o json
  hcops ticket list --state active --zone 互联网区`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTicketList(cmd.Context(), app, opts) },
	}
	cmd.Flags().StringVar(&opts.state, "state", "", "only tickets in this state: open, acknowledged, arrived, resolved, closed, or active (not closed)")
	cmd.Flags().StringVar(&opts.system, "system", "", "only tickets of this application system")
	cmd.Flags().StringVar(&opts.zone, "zone", "", "only tickets of assets of this network zone")
	cmd.Flags().StringVar(&opts.month, "month", "", "only tickets opened in this month, YYYY-MM")
	return cmd
}

func runTicketList(ctx context.Context, app *App, opts *ticketListOptions) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	f := store.TicketFilter{System: opts.system, Zone: strings.TrimSpace(opts.zone)}
	if f.Zone != "" && app.HasInventory() {
		inv, err := app.Inventory()
		if err != nil {
			return err
		}
		for _, a := range inv.Assets {
			if a.Zone == f.Zone {
				f.ZoneAssets = append(f.ZoneAssets, a.Name)
			}
		}
	}
	switch opts.state {
	case "", "open", "acknowledged", "arrived", "resolved", "closed":
	case "active":
		f.NotClosed = true
	default:
		return flagErrorf("%s", app.T("ticket.cli.bad_state", opts.state))
	}
	if opts.month != "" {
		m, err := time.ParseInLocation("2006-01", opts.month, time.Local)
		if err != nil {
			return flagErrorf("%s", app.T("ticket.cli.bad_month", opts.month))
		}
		f.OpenedSince, f.OpenedUntil = m, m.AddDate(0, 1, 0)
	}
	svc, err := ticketService(ctx, app)
	if err != nil {
		return err
	}
	ts, err := svc.List(ctx, f)
	if err != nil {
		return err
	}
	var keep []*ticket.Ticket
	for _, t := range ts {
		if opts.state == "" || opts.state == "active" || string(t.State) == opts.state {
			keep = append(keep, t)
		}
	}
	if app.Output != "table" {
		views := []ticketView{}
		for _, t := range keep {
			views = append(views, viewTicket(t, false))
		}
		return app.PrintData(views)
	}
	if len(keep) == 0 {
		app.Infof("%s", app.T("ticket.cli.none"))
		return nil
	}
	tb := app.IO.NewTable(app.T("ticket.cli.header.id"), app.T("ticket.cli.header.state"), app.T("ticket.cli.header.class"),
		app.T("ticket.cli.header.system"), app.T("ticket.cli.header.asset"), app.T("ticket.cli.header.opened"),
		app.T("ticket.cli.header.who"), app.T("ticket.cli.header.next"), app.T("ticket.cli.header.title"))
	for _, t := range keep {
		state := app.T("ticket.state." + string(t.State))
		if t.Paused {
			state += app.T("ticket.cli.paused")
		}
		tb.Row(strconv.FormatInt(t.ID, 10), state, app.T("ticket.class."+string(t.Class)), t.System, t.Asset,
			t.OpenedAt.Local().Format("2006-01-02 15:04"), t.Assignee, nextDeadline(app, t), t.Title)
	}
	return tb.Render()
}

// ---- show -------------------------------------------------------------

func newTicketShowCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a ticket: its clocks and its timeline",
		Long: `Show ticket ID: class, state, system, asset, assignee, each SLA clock
(used against its deadline, due time, met or breached), the incident fields,
a security incident's early-report items, and every event in time order.

OUTPUT
  table  the ticket in the user's language
  json   the ticket as in hcops ticket list -o json, plus events [{at, kind,
         actor, text, data}]
  yaml   the same as json` + ticketExitStatus,
		Example: `  hcops ticket show 12
  hcops ticket show 12 -o json | jq '.clocks[] | select(.status == "breached")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.checkOutput("table", "json", "yaml"); err != nil {
				return err
			}
			id, err := parseTicketID(app, args[0])
			if err != nil {
				return err
			}
			svc, err := ticketService(cmd.Context(), app)
			if err != nil {
				return err
			}
			t, err := svc.Get(cmd.Context(), id)
			if err != nil {
				return ticketErr(app, id, err)
			}
			if app.Output != "table" {
				return app.PrintData(viewTicket(t, true))
			}
			printTicket(app, t)
			return nil
		},
	}
}

func printTicket(app *App, t *ticket.Ticket) {
	w := app.IO.Out
	fmt.Fprintln(w, app.T("ticket.cli.show.title", t.ID, t.Title))
	line := func(key, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %s: %s\n", app.T(key), v)
		}
	}
	state := app.T("ticket.state." + string(t.State))
	if t.Paused {
		state += app.T("ticket.cli.paused")
	}
	line("ticket.cli.show.class", app.T("ticket.class."+string(t.Class)))
	line("ticket.cli.show.state", state)
	line("ticket.cli.show.system", t.System)
	line("ticket.cli.show.asset", t.Asset)
	line("ticket.cli.show.source", t.Source)
	line("ticket.cli.show.opened", t.OpenedAt.Local().Format("2006-01-02 15:04:05"))
	line("ticket.cli.show.assignee", t.Assignee)
	if t.Class == ticket.Security {
		line("ticket.cli.show.operator", app.T("ticket.op."+t.Terms.OperatorClass))
		if t.Terms.Level != "" {
			line("ticket.cli.show.level", app.T("ticket.level."+t.Terms.Level))
		}
	}
	for _, f := range []string{ticket.FieldCause, ticket.FieldImpact, ticket.FieldActions, ticket.FieldRecovery} {
		line("incident."+f, t.Fields[f])
	}
	fmt.Fprintf(w, "%s:\n", app.T("ticket.cli.show.clocks"))
	for _, c := range t.Clocks {
		fmt.Fprintf(w, "  %s [%s]: %s\n", app.T("ticket.clock."+string(c.Name)), app.T("ticket.cal."+c.Calendar), clockLine(app, c))
	}
	if t.Class == ticket.Security {
		fmt.Fprintf(w, "%s:\n", app.T("ticket.cli.show.items"))
		for _, k := range ticket.EarlyReportItems {
			v := t.Items[k]
			if v == "" {
				v = app.T("ticket.cli.show.missing")
			}
			fmt.Fprintf(w, "  [%s] %s: %s\n", k, app.T("ticket.item."+k), v)
		}
	}
	fmt.Fprintf(w, "%s:\n", app.T("ticket.cli.show.events"))
	for _, e := range t.Events {
		text := e.Text
		if a := e.Data["assignee"]; a != "" {
			text = strings.TrimSpace(a + " " + text)
		}
		if ev := e.Data["evidence"]; ev != "" {
			text = strings.TrimSpace(text + " [" + ev + "]")
		}
		if it := e.Data["item"]; it != "" {
			text = "[" + it + "] " + text
		}
		fmt.Fprintf(w, "  %s  %-10s %s  %s\n", e.At.Local().Format("2006-01-02 15:04:05"), app.T("ticket.ev."+e.Kind), e.Actor, text)
	}
}

// ---- new --------------------------------------------------------------

type ticketNewOptions struct {
	title, class, system, asset, description string
	at, by, operator, level                  string
	evidence                                 []string
}

func newTicketNewCmd(app *App) *cobra.Command {
	opts := &ticketNewOptions{}
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Open a ticket for a reported fault",
		Long: `Open a ticket by hand: a fault the client reported by phone, or one the
engineer found. The clocks start at --at (when the fault was reported),
default now. The deadlines are fixed now, from the system's sla: for the
class (the asset's system when only --asset is given), else the config's
tickets.deadlines, else the defaults (DC3; AP2 for arrival).

A security incident (--class security) also takes --operator-class (cii,
central, other; default the config's tickets.security.operator_class) and
--level (minor, significant, major, critical; minor needs no report).

` + ticketTimesHelp + `

OUTPUT
  table  the new ticket's id on stdout
  json   the ticket as in hcops ticket show -o json` + ticketExitStatus,
		Example: `  hcops ticket new --class urgent --system pacs --title 'PACS 影像调阅失败' --at '2026-11-16 09:05'
  hcops ticket new --class general --asset cost-app-01 --title '报表导出慢' --evidence run:42
  hcops ticket new --class security --level significant --title '门户网站被篡改' -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTicketNew(cmd.Context(), app, opts) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.title, "title", "", "what is wrong (故障现象)")
	f.StringVar(&opts.class, "class", "general", "fault class: urgent, serious, general or security")
	f.StringVar(&opts.system, "system", "", "application system (its sla: gives the deadlines)")
	f.StringVar(&opts.asset, "asset", "", "asset at fault")
	f.StringVar(&opts.description, "description", "", "the report as received")
	f.StringVar(&opts.at, "at", "", "when the fault was reported, if not now")
	f.StringVar(&opts.by, "by", "", "who opens it (default: site.engineer, else $USER)")
	f.StringVar(&opts.operator, "operator-class", "", "security incident: cii, central or other")
	f.StringVar(&opts.level, "level", "", "security incident level: minor, significant, major, critical")
	f.StringSliceVar(&opts.evidence, "evidence", nil, "run ids or result keys (run:42, pacs-db-01/disk:/data)")
	return cmd
}

func runTicketNew(ctx context.Context, app *App, opts *ticketNewOptions) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	class, ok := ticket.ParseClass(opts.class)
	if !ok {
		return flagErrorf("%s", app.T("ticket.cli.bad_class", opts.class))
	}
	at, err := parseTicketTime(app, "--at", opts.at)
	if err != nil {
		return err
	}
	if opts.asset != "" && app.HasInventory() {
		inv, err := app.Inventory()
		if err != nil {
			return err
		}
		if inv.Asset(opts.asset) == nil {
			return flagErrorf("%s", app.T("maintenance.unknown_asset", opts.asset))
		}
	}
	svc, err := ticketService(ctx, app)
	if err != nil {
		return err
	}
	t, _, err := svc.Open(ctx, ticket.New{Title: opts.title, Class: class, System: opts.system, Asset: opts.asset,
		Description: opts.description, OpenedAt: at, Actor: actor(app, opts.by), OperatorClass: opts.operator,
		Level: opts.level, Evidence: opts.evidence})
	if err != nil {
		var te *ticket.TransitionError
		if errors.As(err, &te) {
			return flagErrorf("%s", i18n.T(app.Lang, te.Key, te.Args...))
		}
		return ticketErr(app, 0, err)
	}
	auditTicket(app, "new", t)
	if _, err := svc.Sweep(ctx, t.ID); err != nil {
		return err
	}
	if app.Output != "table" {
		return app.PrintData(viewTicket(t, true))
	}
	fmt.Fprintln(app.IO.Out, app.T("ticket.cli.opened", t.ID, t.Title, app.T("ticket.class."+string(t.Class))))
	for _, c := range t.Clocks {
		fmt.Fprintf(app.IO.Out, "  %s [%s]: %s\n", app.T("ticket.clock."+string(c.Name)), app.T("ticket.cal."+c.Calendar), clockLine(app, c))
	}
	return nil
}

// ---- actions ----------------------------------------------------------

// ticketAction describes one verb that appends an event.
type ticketAction struct {
	use, short, long, example string
	kind                      string
	textArg                   bool // the text is a second argument (note, assign, item)
	fields                    bool // takes --cause --impact --actions --recovery
}

var ticketActions = []ticketAction{
	{use: "ack ID", kind: ticket.EvAck, short: "Acknowledge a ticket (stops the response clock)",
		long:    "Acknowledge ticket ID: someone has taken it. The response clock stops.",
		example: "  hcops ticket ack 12 --by 张工\n  hcops ticket ack 12 --at '2026-11-16 09:12' --note '电话已回复'"},
	{use: "assign ID PERSON", kind: ticket.EvAssign, textArg: true, short: "Assign a ticket to someone",
		long:    "Assign ticket ID to PERSON (a name, or an id of the duty roster). Any state but closed.",
		example: "  hcops ticket assign 12 张工"},
	{use: "arrive ID", kind: ticket.EvArrive, short: "Record arrival on site or remote login (stops the arrival clock)",
		long:    "Record that the engineer is on site or logged in remotely (AP2: 登录系统). The arrival clock stops. The ticket must be acknowledged.",
		example: "  hcops ticket arrive 12 --note 'VPN 远程登录'"},
	{use: "note ID TEXT", kind: ticket.EvNote, textArg: true, fields: true, short: "Add a note (an action taken) or evidence",
		long:    "Add a note to the timeline: what was done or found. --evidence adds run ids or result keys; --cause, --impact, --actions and --recovery set the fault report's fields.",
		example: "  hcops ticket note 12 '已重启 PACS 应用服务'\n  hcops ticket note 12 'disk check before and after' --evidence run:41,run:42"},
	{use: "pause ID", kind: ticket.EvPause, short: "Pause the arrival and repair clocks (waiting on the client)",
		long:    "Pause the arrival and repair clocks while waiting on the client (access, a decision, a part they supply). Say why with --note. The response clock never pauses.",
		example: "  hcops ticket pause 12 --note '等待院方确认停机窗口'"},
	{use: "resume ID", kind: ticket.EvResume, short: "Resume the paused clocks",
		long:    "Resume the arrival and repair clocks of a paused ticket.",
		example: "  hcops ticket resume 12"},
	{use: "resolve ID", kind: ticket.EvResolve, fields: true, short: "Resolve a ticket (stops the repair clock)",
		long:    "Record that the fault is fixed: the repair clock stops (and the arrival clock, if no one needed to go or log in). Give the cause, impact and recovery for the fault report. The ticket must be acknowledged; a pause ends here.",
		example: "  hcops ticket resolve 12 --cause '存储多路径故障' --impact '影像调阅中断 40 分钟' --recovery '切换备用路径，业务恢复'"},
	{use: "close ID", kind: ticket.EvClose, short: "Close a resolved ticket",
		long:    "Close ticket ID once the client confirmed the fix. Only a resolved ticket can be closed; a closed ticket takes no more events.",
		example: "  hcops ticket close 12 --note '院方确认'"},
	{use: "report ID", kind: ticket.EvReport, short: "Record that a security incident was reported to the authority",
		long:    "Record that security incident ID was reported (to the protection department and police, the department's cyberspace office, or the provincial cyberspace office): the reporting clock stops. Name the recipient with --note.",
		example: "  hcops ticket report 15 --note '已报北京市网信办'"},
	{use: "item ID ITEM TEXT", kind: ticket.EvItem, textArg: true, short: "Fill in an early-report item of a security incident",
		long: "Fill in an early-report item of security incident ID (国家网络安全事件报告管理办法): unit, event, trend, cause, clues, plan, scene, other. " +
			"hcops ticket show lists those still missing.",
		example: "  hcops ticket item 15 unit '区卫健委门户网站，阿里云 ECS'"},
}

type ticketActionOptions struct {
	at, by, note                     string
	evidence                         []string
	cause, impact, actions, recovery string
}

func newTicketActionCmd(app *App, a ticketAction) *cobra.Command {
	opts := &ticketActionOptions{}
	nargs := 1
	if a.textArg {
		nargs = 2
		if a.kind == ticket.EvItem {
			nargs = 3
		}
	}
	cmd := &cobra.Command{
		Use:     a.use,
		Short:   a.short,
		Long:    a.long + "\n\n" + ticketTimesHelp + "\n\nOUTPUT\n  table  a confirmation with the clocks on stdout\n  json   the ticket as in hcops ticket show -o json" + ticketExitStatus,
		Example: a.example,
		Args:    cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTicketAction(cmd.Context(), app, a, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.at, "at", "", "when it happened, if not now: '2026-11-16 09:12'")
	f.StringVar(&opts.by, "by", "", "who (default: site.engineer, else $USER)")
	if !a.textArg {
		f.StringVar(&opts.note, "note", "", "a note with the event")
	}
	f.StringSliceVar(&opts.evidence, "evidence", nil, "run ids or result keys (run:42, pacs-db-01/disk:/data)")
	if a.fields {
		f.StringVar(&opts.cause, "cause", "", "the fault's cause (故障原因)")
		f.StringVar(&opts.impact, "impact", "", "its impact (影响范围)")
		f.StringVar(&opts.actions, "actions", "", "the actions taken (处理措施)")
		f.StringVar(&opts.recovery, "recovery", "", "how service was restored (恢复情况)")
	}
	return cmd
}

func runTicketAction(ctx context.Context, app *App, a ticketAction, opts *ticketActionOptions, args []string) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	id, err := parseTicketID(app, args[0])
	if err != nil {
		return err
	}
	at, err := parseTicketTime(app, "--at", opts.at)
	if err != nil {
		return err
	}
	act := ticket.Action{Kind: a.kind, At: at, Actor: actor(app, opts.by), Text: opts.note, Data: map[string]string{}}
	switch a.kind {
	case ticket.EvAssign:
		act.Data["assignee"] = args[1]
	case ticket.EvNote:
		act.Text = args[1]
		if strings.TrimSpace(act.Text) == "" {
			return flagErrorf("%s", app.T("ticket.cli.need_text"))
		}
	case ticket.EvItem:
		act.Data["item"], act.Text = args[1], args[2]
	}
	if len(opts.evidence) > 0 {
		act.Data["evidence"] = strings.Join(opts.evidence, ",")
	}
	for k, v := range map[string]string{ticket.FieldCause: opts.cause, ticket.FieldImpact: opts.impact,
		ticket.FieldActions: opts.actions, ticket.FieldRecovery: opts.recovery} {
		if v != "" {
			act.Data[k] = v
		}
	}
	svc, err := ticketService(ctx, app)
	if err != nil {
		return err
	}
	t, err := svc.Act(ctx, id, act)
	if err != nil {
		return ticketErr(app, id, err)
	}
	auditTicket(app, a.kind, t)
	if app.Output != "table" {
		return app.PrintData(viewTicket(t, true))
	}
	state := app.T("ticket.state." + string(t.State))
	if t.Paused {
		state += app.T("ticket.cli.paused")
	}
	fmt.Fprintln(app.IO.Out, app.T("ticket.cli.done", t.ID, state))
	for _, c := range t.Clocks {
		fmt.Fprintf(app.IO.Out, "  %s [%s]: %s\n", app.T("ticket.clock."+string(c.Name)), app.T("ticket.cal."+c.Calendar), clockLine(app, c))
	}
	return nil
}

// auditTicket appends one line for a ticket action to the audit log; a log
// that cannot be written is warned about, the action stands.
func auditTicket(app *App, verb string, t *ticket.Ticket) {
	log := auditForRun(app)
	if log == nil {
		return
	}
	rec := audit.Record{Action: "ticket", Command: fmt.Sprintf("ticket %s %d", verb, t.ID), Outcome: "ok",
		Note: fmt.Sprintf("%s: %s", t.State, t.Title)}
	if t.Asset != "" {
		rec.Targets = []string{t.Asset}
	}
	if u, err := user.Current(); err == nil {
		rec.User = u.Username
	}
	rec.From, _ = os.Hostname()
	if _, err := log.Append(rec); err != nil {
		app.Warnf("%s", app.T("run.audit_failed", err))
	}
}

// ---- sla --------------------------------------------------------------

func newTicketSLACmd(app *App) *cobra.Command {
	var month string
	cmd := &cobra.Command{
		Use:   "sla",
		Short: "SLA attainment of a month's tickets, per system and class",
		Long: `Show how the tickets opened in a month kept their deadlines: per
application system and fault class, the number of tickets and, for each
clock (response, arrival, repair, report), the share met of those decided
(met or breached), with the counts. A clock still running within its
deadline is not decided yet and counts neither way; one past it is a
breach, as is any breach once recorded. --month defaults to the previous
month.

OUTPUT
  table  one row per system and class, then the total
  json   {month, since, until, rows: [{system, class, tickets, clocks:
         {response: {met, breached, running, percent}, ...}}], total}
         (percent is null when nothing is decided)
  yaml   the same as json` + ticketExitStatus,
		Example: `  hcops ticket sla --month 2026-11
  hcops ticket sla --month 2026-11 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTicketSLA(cmd.Context(), app, month, time.Now())
		},
	}
	cmd.Flags().StringVar(&month, "month", "", "month, YYYY-MM (default: the previous month)")
	return cmd
}

func runTicketSLA(ctx context.Context, app *App, month string, now time.Time) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).AddDate(0, -1, 0)
	if month != "" {
		var err error
		if m, err = time.ParseInLocation("2006-01", month, time.Local); err != nil {
			return flagErrorf("%s", app.T("ticket.cli.bad_month", month))
		}
	}
	until := m.AddDate(0, 1, 0)
	svc, err := ticketService(ctx, app)
	if err != nil {
		return err
	}
	ts, err := svc.List(ctx, store.TicketFilter{OpenedSince: m, OpenedUntil: until})
	if err != nil {
		return err
	}
	a := ticket.ComputeAttainment(ts, m, until)
	if app.Output != "table" {
		return app.PrintData(a)
	}
	fmt.Fprintln(app.IO.Out, app.T("ticket.cli.sla.title", a.Month))
	head := []string{app.T("ticket.cli.header.system"), app.T("ticket.cli.header.class"), app.T("ticket.cli.header.tickets")}
	for _, c := range ticket.ClockNames {
		head = append(head, app.T("ticket.clock."+string(c)))
	}
	tb := app.IO.NewTable(head...)
	row := func(r ticket.AttainmentRow, sys, class string) {
		cells := []string{sys, class, strconv.Itoa(r.Tickets)}
		for _, c := range ticket.ClockNames {
			cells = append(cells, tallyCell(app, r.Clocks[c]))
		}
		tb.Row(cells...)
	}
	for _, r := range a.Rows {
		row(r, r.System, app.T("ticket.class."+string(r.Class)))
	}
	row(a.Total, app.T("ticket.cli.sla.total"), "")
	return tb.Render()
}

func tallyCell(app *App, t *ticket.Tally) string {
	if t == nil {
		return "—"
	}
	s := "—"
	if t.Percent != nil {
		s = app.T("ticket.cli.sla.cell", strconv.FormatFloat(*t.Percent, 'f', 1, 64)+"%", t.Met, t.Met+t.Breached)
	}
	if t.Running > 0 {
		s += app.T("ticket.cli.sla.running", t.Running)
	}
	return s
}
