package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Service opens tickets, records actions on them and reads them back
// with their clocks. The command layer, the watcher and the alert engine
// use the same Service.
type Service struct {
	Store  store.TicketStore
	Policy *Policy
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// New is a ticket to open.
type New struct {
	Title       string
	Class       Class
	System      string
	Asset       string
	Description string
	// OpenedAt is when the fault was reported or seen (the clocks' start);
	// zero for now.
	OpenedAt time.Time
	Actor    string
	// OperatorClass and Level of a security incident ("" for the site's
	// operator class and an unjudged level, which must be reported).
	OperatorClass string
	Level         string
	Source        string // manual (default) or alert
	Ref           string
	AlertKey      result.Key
	Evidence      []string
	fold          *store.TicketEvent // OpenFromAlert's note for an asset's active alert ticket
}

// ErrFuture is an event time later than now.
var ErrFuture = errors.New("time is in the future")

// Open opens a ticket; created is false when n.Ref or n.AlertKey already
// has a ticket that is not closed, which is returned instead.
func (s *Service) Open(ctx context.Context, n New) (*Ticket, bool, error) {
	now := s.now()
	if strings.TrimSpace(n.Title) == "" {
		return nil, false, &TransitionError{Key: "ticket.err.no_title"}
	}
	if n.OpenedAt.IsZero() {
		n.OpenedAt = now
	}
	if n.OpenedAt.After(now.Add(time.Minute)) {
		return nil, false, fmt.Errorf("open: %w", ErrFuture)
	}
	if n.Level != "" && !validLevel(n.Level) {
		return nil, false, &TransitionError{Key: "ticket.err.bad_level", Args: []any{n.Level, strings.Join(Levels, ", ")}}
	}
	if n.System == "" && n.Asset != "" && s.Policy.Inventory != nil {
		if a := s.Policy.Inventory.Asset(n.Asset); a != nil {
			n.System = a.System
		}
	}
	terms, err := s.Policy.Terms(n.Class, n.System, n.OperatorClass, n.Level)
	if err != nil {
		return nil, false, err
	}
	raw, err := json.Marshal(terms)
	if err != nil {
		return nil, false, err
	}
	if n.Source == "" {
		n.Source = "manual"
	}
	st := &store.Ticket{Title: strings.TrimSpace(n.Title), Class: string(n.Class), System: n.System, Asset: n.Asset, Source: n.Source,
		Ref: n.Ref, AlertKey: n.AlertKey, OpenedAt: n.OpenedAt, CreatedBy: n.Actor, Description: n.Description, Terms: raw, Fold: n.fold}
	ev := &store.TicketEvent{At: n.OpenedAt, Kind: EvOpen, Actor: n.Actor, Text: n.Description}
	if len(n.Evidence) > 0 {
		ev.Data = map[string]string{"evidence": strings.Join(n.Evidence, ",")}
	}
	got, created, err := s.Store.OpenTicket(ctx, st, ev)
	if err != nil {
		return nil, false, err
	}
	t, err := Derive(got, s.Policy.Holidays, s.Policy.Loc, now)
	return t, created, err
}

func validLevel(l string) bool {
	for _, v := range Levels {
		if v == l {
			return true
		}
	}
	return false
}

// Alert is what the alert engine hands over when an alert fires.
type Alert struct {
	Key    result.Key    // the finding (result.Key) the alert is about
	Ref    string        // the alert's identity, e.g. "alert:42": opening twice returns the first ticket
	Status result.Status // decides the class (Policy.FromAlerts)
	System string
	Asset  string // defaults to Key.Asset
	Title  string // the alert's message
	// FiredAt is when the finding turned bad: the clocks start there.
	FiredAt time.Time
	RunID   int64 // the run that showed it, kept as evidence
}

// OpenFromAlert opens the ticket for a firing alert, if its status opens
// one (Policy.FromAlerts): ticket nil and created false when it does not.
// It is idempotent: the same Ref, or the same finding while its ticket is
// not closed, returns the existing ticket with created false, so a watcher
// restarted after a kill opens nothing twice.
func (s *Service) OpenFromAlert(ctx context.Context, a Alert) (*Ticket, bool, error) {
	class, ok := s.Policy.FromAlerts[a.Status]
	if !ok {
		return nil, false, nil
	}
	if a.Asset == "" {
		a.Asset = a.Key.Asset
	}
	title := a.Title
	if title == "" {
		title = a.Key.String()
	}
	n := New{Title: title, Class: class, System: a.System, Asset: a.Asset, OpenedAt: a.FiredAt, Actor: "hcops",
		Source: "alert", Ref: a.Ref, AlertKey: a.Key, Description: a.Status.String() + " " + a.Key.String()}
	if a.RunID != 0 {
		n.Evidence = []string{fmt.Sprintf("run:%d", a.RunID)}
	}
	if s.Policy.Inventory != nil && n.System != "" && s.Policy.Inventory.System(n.System) == nil {
		n.System = "" // an alert is never refused for an unknown system: default deadlines apply
	}
	// One fault, one ticket: a further alert on an asset whose alert
	// ticket is still being worked (an unreachable host raises the
	// watcher's availability alert and the inspection's connect alert
	// together) is noted on that ticket instead of opening another with
	// clocks of its own.
	n.fold = &store.TicketEvent{At: s.now(), Kind: EvNote, Actor: "hcops", Text: a.Status.String() + " " + title,
		Data: map[string]string{"alert": a.Ref, "finding": a.Key.String()}}
	return s.Open(ctx, n)
}

// Action is one thing done to a ticket.
type Action struct {
	Kind  string
	At    time.Time // zero for now; never before the ticket's latest event, never in the future
	Actor string
	Text  string
	Data  map[string]string
}

// Act records action a on ticket id after checking the ticket's state
// allows it (Check; inside the store's write transaction, so two people
// acting at once cannot both take a one-way step), records the clock
// levels now reached, and returns the ticket as it is after.
func (s *Service) Act(ctx context.Context, id int64, a Action) (*Ticket, error) {
	now := s.now()
	if a.At.IsZero() {
		a.At = now
	}
	if a.At.After(now.Add(time.Minute)) {
		return nil, fmt.Errorf("ticket %d: %s: %w", id, a.Kind, ErrFuture)
	}
	if a.Kind == EvItem && !ValidItem(a.Data["item"]) {
		return nil, &TransitionError{Key: "ticket.err.bad_item", Args: []any{a.Data["item"], strings.Join(EarlyReportItems, ", ")}}
	}
	if a.Kind == EvAssign && strings.TrimSpace(a.Data["assignee"]) == "" {
		return nil, &TransitionError{Key: "ticket.err.no_assignee"}
	}
	ev := &store.TicketEvent{TicketID: id, At: a.At, Kind: a.Kind, Actor: a.Actor, Text: a.Text, Data: a.Data}
	err := s.Store.AddTicketEvent(ctx, ev, func(st *store.Ticket) error {
		if n := len(st.Events); n > 0 && a.At.Before(st.Events[n-1].At) {
			return &TransitionError{Key: "ticket.err.before_last", Args: []any{id, st.Events[n-1].At.In(s.Policy.Loc).Format("2006-01-02 15:04:05")}}
		}
		t, err := Derive(st, s.Policy.Holidays, s.Policy.Loc, a.At)
		if err != nil {
			return err
		}
		return Check(t, a.Kind)
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.Sweep(ctx, id); err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Get reads ticket id as it is now.
func (s *Service) Get(ctx context.Context, id int64) (*Ticket, error) {
	st, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	return Derive(st, s.Policy.Holidays, s.Policy.Loc, s.now())
}

// List reads the tickets f selects, as they are now.
func (s *Service) List(ctx context.Context, f store.TicketFilter) ([]*Ticket, error) {
	now := s.now()
	var out []*Ticket
	err := s.Store.EachTicket(ctx, f, func(st *store.Ticket) error {
		t, err := Derive(st, s.Policy.Holidays, s.Policy.Loc, now)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// Sweep records the 50/80/100 % levels the clocks of the given tickets
// (every ticket not closed when none are given) have reached by now and
// returns those newly recorded, for the watcher to notify. A level is
// recorded once with the instant it was computed to be reached, and never
// rewritten.
func (s *Service) Sweep(ctx context.Context, ids ...int64) ([]store.TicketMark, error) {
	var ts []*Ticket
	if len(ids) == 0 {
		var err error
		if ts, err = s.List(ctx, store.TicketFilter{NotClosed: true}); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		t, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	var due []store.TicketMark
	for _, t := range ts {
		due = append(due, t.DueMarks()...)
	}
	return s.Store.AddTicketMarks(ctx, due)
}
