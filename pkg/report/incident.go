package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/ticket"
)

// Incident is the fault report (故障报告) of one ticket: what happened,
// the cause, impact, actions and recovery, the timeline, and each SLA
// clock against its deadline. The PACS contract asks for one after every
// fault.
type Incident struct {
	Header Header   `json:"header"`
	Sign   []Signer `json:"sign_off"`

	Ticket      int64  `json:"ticket"`
	Title       string `json:"title"`
	Class       string `json:"class"` // urgent, serious, general, security
	ClassLabel  string `json:"class_label"`
	State       string `json:"state"`
	StateLabel  string `json:"state_label"`
	System      string `json:"system,omitempty"`
	Asset       string `json:"asset,omitempty"`
	Assignee    string `json:"assignee,omitempty"`
	Description string `json:"description,omitempty"`
	Opened      string `json:"opened"`
	Recovered   string `json:"recovered,omitempty"`
	Duration    string `json:"duration,omitempty"`
	// OutageLimit is the system's SLA3 limit per outage ("" when none).
	OutageLimit string `json:"outage_limit,omitempty"`

	Cause    string `json:"cause"`
	Impact   string `json:"impact"`
	Actions  string `json:"actions"`
	Recovery string `json:"recovery"`

	Timeline []IncidentEvent `json:"timeline"`
	Clocks   []IncidentClock `json:"clocks"`
	Evidence []string        `json:"evidence,omitempty"`
	// Conclusion says whether every deadline was met.
	Conclusion string `json:"conclusion"`

	// Security incidents: operator class, level, and the early-report items.
	Security      bool           `json:"security"`
	OperatorClass string         `json:"operator_class,omitempty"`
	Level         string         `json:"level,omitempty"`
	Items         []IncidentItem `json:"items,omitempty"`
}

// IncidentEvent is one line of the timeline.
type IncidentEvent struct {
	At     string `json:"at"`
	Event  string `json:"event"`
	Who    string `json:"who,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// IncidentClock is one SLA clock against its deadline.
type IncidentClock struct {
	Name     string `json:"name"`
	Calendar string `json:"calendar"`
	Deadline string `json:"deadline"`
	Due      string `json:"due"`
	Done     string `json:"done,omitempty"`
	Used     string `json:"used"`
	Verdict  string `json:"verdict"` // met, breached, running
	Label    string `json:"verdict_label"`
}

// IncidentItem is an early-report item of a security incident.
type IncidentItem struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Text  string `json:"text"`
}

// BuildIncident makes the fault report of ticket t (as pkg/ticket derived
// it, at the time the report is made).
func BuildIncident(t *ticket.Ticket, o Options) *Incident {
	loc := o.loc()
	ts := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.In(loc).Format("2006-01-02 15:04")
	}
	none := o.t("incident.none")
	field := func(k string) string {
		if v := strings.TrimSpace(t.Fields[k]); v != "" {
			return v
		}
		return none
	}
	r := &Incident{
		Header: o.header(o.t("incident.title"), fmt.Sprintf("GZ-%s-%04d", t.OpenedAt.In(loc).Format("200601"), t.ID)),
		Sign:   o.signers("report.sign.author"),
		Ticket: t.ID, Title: t.Title, Class: string(t.Class), ClassLabel: o.t("ticket.class." + string(t.Class)),
		State: string(t.State), StateLabel: o.t("ticket.state." + string(t.State)),
		System: t.System, Asset: t.Asset, Assignee: t.Assignee, Description: t.Description,
		Opened: ts(t.OpenedAt), Recovered: ts(t.ResolveAt), OutageLimit: t.Terms.MaxOutage,
		Cause: field(ticket.FieldCause), Impact: field(ticket.FieldImpact), Actions: field(ticket.FieldActions),
		Recovery: field(ticket.FieldRecovery), Evidence: t.Evidence, Security: t.Class == ticket.Security,
	}
	if o.Inventory != nil && t.System != "" {
		if s := o.Inventory.System(t.System); s != nil {
			name := s.NameEN
			if o.Lang == "zh" && s.NameZH != "" {
				name = s.NameZH
			}
			if name != "" {
				r.System = name + " (" + t.System + ")"
			}
		}
	}
	if !t.ResolveAt.IsZero() {
		r.Duration = fmtDuration(o.Lang, t.ResolveAt.Sub(t.OpenedAt))
	}
	var notes []string
	for _, e := range t.Events {
		d := e.Text
		if a := e.Data["assignee"]; a != "" {
			d = strings.TrimSpace(a + " " + d)
		}
		if it := e.Data["item"]; it != "" {
			d = o.t("ticket.item."+it) + ": " + d
		}
		if ev := e.Data["evidence"]; ev != "" {
			d = strings.TrimSpace(d + " [" + ev + "]")
		}
		r.Timeline = append(r.Timeline, IncidentEvent{At: e.At.In(loc).Format("2006-01-02 15:04:05"), Event: o.t("ticket.ev." + e.Kind), Who: e.Actor, Detail: d})
		if e.Kind == ticket.EvNote && e.Text != "" {
			notes = append(notes, e.Text)
		}
	}
	// Without an explicit actions field, the notes are the actions taken.
	if r.Actions == none && len(notes) > 0 {
		r.Actions = strings.Join(notes, "；")
		if o.Lang != "zh" {
			r.Actions = strings.Join(notes, "; ")
		}
	}
	var missed []string
	for _, c := range t.Clocks {
		ic := IncidentClock{Name: o.t("ticket.clock." + string(c.Name)), Calendar: o.t("ticket.cal." + c.Calendar),
			Deadline: fmtDuration(o.Lang, c.Deadline), Due: ts(c.Due), Used: fmtDuration(o.Lang, c.Elapsed)}
		if c.Stopped {
			ic.Done = ts(c.Stop)
		}
		switch {
		case c.Breach():
			ic.Verdict = "breached"
			missed = append(missed, ic.Name)
		case c.Stopped:
			ic.Verdict = "met"
		default:
			ic.Verdict = "running"
		}
		ic.Label = o.t("incident." + ic.Verdict)
		r.Clocks = append(r.Clocks, ic)
	}
	switch {
	case len(missed) > 0:
		r.Conclusion = o.t("incident.conclusion.breached", strings.Join(missed, o.t("report.listsep")))
	case t.ResolveAt.IsZero():
		r.Conclusion = o.t("incident.conclusion.open")
	default:
		r.Conclusion = o.t("incident.conclusion.met")
	}
	if t.ResolveAt.IsZero() && len(missed) > 0 {
		r.Conclusion += " " + o.t("incident.conclusion.open")
	}
	if r.Security {
		r.OperatorClass = o.t("ticket.op." + t.Terms.OperatorClass)
		if t.Terms.Level != "" {
			r.Level = o.t("ticket.level." + t.Terms.Level)
		}
		for _, k := range ticket.EarlyReportItems {
			v := t.Items[k]
			if v == "" {
				v = none
			}
			r.Items = append(r.Items, IncidentItem{Key: k, Label: o.t("ticket.item." + k), Text: v})
		}
	}
	return r
}
