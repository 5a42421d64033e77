// Package ticket is hcops' tickets (工单): faults reported by hand or opened
// from alerts, moved through open → acknowledged → arrived (on site or
// logged in) → resolved → closed, with an assignee, notes and evidence,
// and three SLA clocks — response, arrival, repair — plus, for a security
// incident (网络安全事件), the reporting clock of the 2025 national
// incident-reporting measures.
//
// A ticket is stored as its opening row and an append-only list of events
// (store.TicketStore). Its state and clocks are computed here from the
// event times every time they are read (Derive), never kept as a counter,
// so a watcher that is stopped or killed changes nothing. The deadlines and
// calendars are fixed when the ticket opens (Terms), from the system's sla:
// in the inventory and the config (Policy).
package ticket

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/sla"
	"github.com/cyhealth/hcops/pkg/store"
)

// Class is a ticket's fault class.
type Class string

// Fault classes: the contract's 紧急 / 严重 / 一般, and security incidents.
const (
	Urgent   Class = "urgent"
	Serious  Class = "serious"
	General  Class = "general"
	Security Class = "security"
)

// Classes in order of severity.
var Classes = []Class{Urgent, Serious, General, Security}

// ParseClass accepts a class name in English or Chinese.
func ParseClass(s string) (Class, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "urgent", "紧急":
		return Urgent, true
	case "serious", "严重":
		return Serious, true
	case "general", "一般":
		return General, true
	case "security", "网络安全事件", "安全事件":
		return Security, true
	}
	return "", false
}

// State is where a ticket is in its flow.
type State string

// States, in order.
const (
	Open         State = "open"
	Acknowledged State = "acknowledged"
	Arrived      State = "arrived" // on site, or logged in remotely
	Resolved     State = "resolved"
	Closed       State = "closed"
)

// ClockName names a ticket's clock.
type ClockName string

// Clocks.
const (
	Response ClockName = "response" // open → acknowledged
	Arrival  ClockName = "arrival"  // open → on site or logged in
	Repair   ClockName = "repair"   // open → resolved
	Report   ClockName = "report"   // security incident: discovered → reported to the authority
)

// ClockNames in display order.
var ClockNames = []ClockName{Response, Arrival, Repair, Report}

// Event kinds.
const (
	EvOpen     = "open"
	EvAck      = "ack"
	EvAssign   = "assign"
	EvArrive   = "arrive"
	EvNote     = "note"
	EvEvidence = "evidence"
	EvPause    = "pause"
	EvResume   = "resume"
	EvResolve  = "resolve"
	EvClose    = "close"
	EvReport   = "report" // security incident reported to the authority
	EvItem     = "item"   // an early-report item of a security incident filled in
)

// Incident fields an event's data may set (latest non-empty wins); the
// fault report prints them.
const (
	FieldCause    = "cause"
	FieldImpact   = "impact"
	FieldActions  = "actions"
	FieldRecovery = "recovery"
)

// Terms are the deadlines and calendars of a ticket, fixed when it opens.
type Terms struct {
	Deadlines map[ClockName]string `json:"deadlines"`           // Go durations; a clock not listed does not run
	Calendars map[ClockName]string `json:"calendars,omitempty"` // "24x7" (default) or "working"
	Hours     string               `json:"hours,omitempty"`     // working hours of a "working" calendar
	// Criticality and MaxOutage of the system (core < 2 h, SLA3), for the report.
	Criticality string `json:"criticality,omitempty"`
	MaxOutage   string `json:"max_outage,omitempty"`
	// OperatorClass and Level of a security incident.
	OperatorClass string `json:"operator_class,omitempty"`
	Level         string `json:"level,omitempty"`
}

// Ticket is a stored ticket as it is at Now: its state and clocks
// computed from its events.
type Ticket struct {
	ID          int64
	Title       string
	Class       Class
	System      string
	Asset       string
	Source      string
	Ref         string
	AlertKey    result.Key
	OpenedAt    time.Time
	CreatedBy   string
	Description string
	Terms       Terms

	State                                         State
	Paused                                        bool
	Assignee                                      string
	AckAt, ArriveAt, ResolveAt, CloseAt, ReportAt time.Time
	// Fields are the incident fields (cause, impact, actions, recovery).
	Fields map[string]string
	// Items are the early-report items of a security incident filled in.
	Items    map[string]string
	Evidence []string
	Pauses   []sla.Window
	Clocks   []Clock
	Events   []store.TicketEvent
	Marks    []store.TicketMark
	Now      time.Time
}

// Clock is one of a ticket's SLA clocks at Now.
type Clock struct {
	Name     ClockName
	Deadline time.Duration
	Calendar string
	Stop     time.Time
	sla.ClockState
	// Recorded is true when a breach of this clock was recorded: it stays
	// a breach whatever the events say now.
	Recorded bool
}

// Breach reports whether the clock breached its deadline, computed now or
// recorded before.
func (c Clock) Breach() bool { return c.Breached || c.Recorded }

// Clock returns the ticket's clock called name.
func (t *Ticket) Clock(name ClockName) (Clock, bool) {
	for _, c := range t.Clocks {
		if c.Name == name {
			return c, true
		}
	}
	return Clock{}, false
}

// EarlyReportItems are what the first report of a security incident must
// say (国家网络安全事件报告管理办法, 2025, art. 5): item keys in order;
// their texts are in the catalogue as ticket.item.<key>.
var EarlyReportItems = []string{"unit", "event", "trend", "cause", "clues", "plan", "scene", "other"}

// Derive computes a stored ticket's state and clocks at now. Calendars are
// built with holidays in loc.
func Derive(st *store.Ticket, h *sla.Holidays, loc *time.Location, now time.Time) (*Ticket, error) {
	t := &Ticket{ID: st.ID, Title: st.Title, Class: Class(st.Class), System: st.System, Asset: st.Asset, Source: st.Source,
		Ref: st.Ref, AlertKey: st.AlertKey, OpenedAt: st.OpenedAt, CreatedBy: st.CreatedBy, Description: st.Description,
		State: Open, Fields: map[string]string{}, Items: map[string]string{}, Events: st.Events, Marks: st.Marks, Now: now}
	if len(st.Terms) > 0 {
		if err := json.Unmarshal(st.Terms, &t.Terms); err != nil {
			return nil, fmt.Errorf("ticket %d: terms: %w", st.ID, err)
		}
	}
	var pauseAt time.Time
	for _, ev := range st.Events {
		if ev.At.After(now) {
			break // not known yet at now
		}
		for _, f := range []string{FieldCause, FieldImpact, FieldActions, FieldRecovery} {
			if v := ev.Data[f]; v != "" {
				t.Fields[f] = v
			}
		}
		if v := ev.Data["evidence"]; v != "" {
			t.Evidence = append(t.Evidence, strings.Split(v, ",")...)
		}
		switch ev.Kind {
		case EvAck:
			t.State, t.AckAt = Acknowledged, ev.At
		case EvArrive:
			t.State, t.ArriveAt = Arrived, ev.At
		case EvAssign:
			t.Assignee = ev.Data["assignee"]
		case EvPause:
			pauseAt, t.Paused = ev.At, true
		case EvResume:
			if t.Paused {
				t.Pauses = append(t.Pauses, sla.Window{Start: pauseAt, End: ev.At})
			}
			t.Paused = false
		case EvResolve:
			if t.Paused {
				t.Pauses = append(t.Pauses, sla.Window{Start: pauseAt, End: ev.At})
				t.Paused = false
			}
			t.State, t.ResolveAt = Resolved, ev.At
		case EvClose:
			t.State, t.CloseAt = Closed, ev.At
		case EvReport:
			t.ReportAt = ev.At
		case EvItem:
			t.Items[ev.Data["item"]] = ev.Text
		}
	}
	if t.Paused {
		t.Pauses = append(t.Pauses, sla.Window{Start: pauseAt})
	}
	recorded := map[ClockName]bool{}
	for _, m := range st.Marks {
		if m.Level == 100 {
			recorded[ClockName(m.Clock)] = true
		}
	}
	for _, name := range ClockNames {
		ds, ok := t.Terms.Deadlines[name]
		if !ok || ds == "" {
			continue
		}
		d, err := time.ParseDuration(ds)
		if err != nil {
			return nil, fmt.Errorf("ticket %d: %s deadline %q: %w", st.ID, name, ds, err)
		}
		calName := t.Terms.Calendars[name]
		cal, err := sla.NewCalendar(calName, t.Terms.Hours, h, loc)
		if err != nil {
			return nil, fmt.Errorf("ticket %d: %s clock: %w", st.ID, name, err)
		}
		c := sla.Clock{Start: t.OpenedAt, Deadline: d, Calendar: cal}
		switch name {
		case Response:
			c.Stop = t.AckAt
		case Arrival:
			// A fault fixed without anyone needing to go or log in (it
			// cleared, or the client fixed it) stops the arrival clock too.
			c.Stop, c.Pauses = t.ArriveAt, t.Pauses
			if c.Stop.IsZero() {
				c.Stop = t.ResolveAt
			}
		case Repair:
			c.Stop, c.Pauses = t.ResolveAt, t.Pauses
		case Report:
			c.Stop = t.ReportAt
		}
		t.Clocks = append(t.Clocks, Clock{Name: name, Deadline: d, Calendar: cal.Name, Stop: c.Stop,
			ClockState: c.State(now), Recorded: recorded[name]})
	}
	return t, nil
}

// DueMarks are the marks t's clocks have reached by t.Now that are not
// recorded yet.
func (t *Ticket) DueMarks() []store.TicketMark {
	have := map[string]bool{}
	for _, m := range t.Marks {
		have[fmt.Sprint(m.Clock, m.Level)] = true
	}
	var out []store.TicketMark
	for _, c := range t.Clocks {
		for _, m := range c.Marks {
			if !have[fmt.Sprint(c.Name, m.Level)] {
				out = append(out, store.TicketMark{TicketID: t.ID, Clock: string(c.Name), Level: m.Level, At: m.At})
			}
		}
	}
	return out
}

// TransitionError is an action the ticket's state does not allow. Key and
// Args are its message in the catalogue (i18n), so the command layer shows
// it in the user's language.
type TransitionError struct {
	Key  string
	Args []any
}

func (e *TransitionError) Error() string { return i18n.T(i18n.EN, e.Key, e.Args...) }

func verb(kind string) i18n.Sub { return i18n.S("ticket.verb." + kind) }

func stateWord(s State) i18n.Sub { return i18n.S("ticket.state." + string(s)) }

func refuse(key string, args ...any) error { return &TransitionError{Key: key, Args: args} }

// Check says whether action kind may be taken on t now: nil, or a
// TransitionError saying why not and what to do instead.
func Check(t *Ticket, kind string) error {
	id := t.ID
	if t.State == Closed && kind != EvOpen {
		return refuse("ticket.err.closed", id)
	}
	switch kind {
	case EvAck:
		if t.State != Open {
			return refuse("ticket.err.already", id, stateWord(t.State))
		}
	case EvArrive:
		switch t.State {
		case Open:
			return refuse("ticket.err.ack_first", id, verb(kind), id)
		case Arrived:
			return refuse("ticket.err.already", id, stateWord(t.State))
		case Resolved:
			return refuse("ticket.err.resolved", id, verb(kind))
		}
	case EvResolve:
		switch t.State {
		case Open:
			return refuse("ticket.err.ack_first", id, verb(kind), id)
		case Resolved:
			return refuse("ticket.err.already", id, stateWord(t.State))
		}
	case EvClose:
		if t.State != Resolved {
			return refuse("ticket.err.resolve_first", id, stateWord(t.State), id)
		}
	case EvPause:
		switch {
		case t.State == Open:
			return refuse("ticket.err.pause_open", id, id)
		case t.State == Resolved:
			return refuse("ticket.err.resolved", id, verb(kind))
		case t.Paused:
			return refuse("ticket.err.paused", id)
		}
	case EvResume:
		if !t.Paused {
			return refuse("ticket.err.not_paused", id)
		}
	case EvReport:
		if t.Class != Security {
			return refuse("ticket.err.not_security", id, verb(kind))
		}
		if !t.ReportAt.IsZero() {
			return refuse("ticket.err.reported", id)
		}
	case EvItem:
		if t.Class != Security {
			return refuse("ticket.err.not_security", id, verb(kind))
		}
	case EvAssign, EvNote, EvEvidence:
	default:
		return fmt.Errorf("ticket %d: unknown action %q", id, kind)
	}
	return nil
}

// ValidItem reports whether key is an early-report item.
func ValidItem(key string) bool { return slices.Contains(EarlyReportItems, key) }
