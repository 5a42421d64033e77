package tui

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// workItem is one line of the alerts and tickets screen: a firing alert
// or an open ticket.
type workItem struct {
	alert  *store.Alert
	ticket *ticket.Ticket
	rank   result.Status
}

// SilenceFor is how long `z` silences an alert.
const SilenceFor = time.Hour

// ticketRank maps a ticket's class and clocks onto the status scale, so
// alerts and tickets sort together worst first.
func ticketRank(t *ticket.Ticket) result.Status {
	r := result.Warn
	switch t.Class {
	case ticket.Urgent, ticket.Security:
		r = result.Unreachable
	case ticket.Serious:
		r = result.Crit
	}
	for _, c := range t.Clocks {
		if c.Breach() && !c.Stopped {
			r = result.Unreachable
		}
	}
	return r
}

// workItems lists the snapshot's alerts and tickets worst first; among
// equals tickets come first by nearest deadline, then alerts newest first.
func workItems(s *snapshot) []workItem {
	if s == nil {
		return nil
	}
	var out []workItem
	for i := range s.Tickets {
		out = append(out, workItem{ticket: s.Tickets[i], rank: ticketRank(s.Tickets[i])})
	}
	for i := range s.Alerts {
		out = append(out, workItem{alert: &s.Alerts[i], rank: s.Alerts[i].Severity})
	}
	slices.SortStableFunc(out, func(a, b workItem) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		if (a.ticket == nil) != (b.ticket == nil) {
			if a.ticket != nil {
				return -1
			}
			return 1
		}
		if a.ticket != nil {
			ra, oka := nearest(a.ticket)
			rb, okb := nearest(b.ticket)
			if oka != okb {
				if oka {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(a.ticket.ID, b.ticket.ID))
		}
		return cmp.Or(b.alert.FiredAt.Compare(a.alert.FiredAt), cmp.Compare(a.alert.ID, b.alert.ID))
	})
	return out
}

// act runs one action on the selected item through the CLI's code; text
// is what the prompt gave (assignee, note, cause).
func (m Model) act(kind string, it workItem, text string) tea.Cmd {
	ctx, d, lang, actor, now := m.ctx, m.deps, m.opt.Lang, m.opt.Actor, m.now()
	return func() tea.Msg {
		s, err := doAct(ctx, d, lang, actor, now, kind, it, text)
		return actionMsg{text: s, err: err}
	}
}

func doAct(ctx context.Context, d Deps, lang, actor string, now time.Time, kind string, it workItem, text string) (string, error) {
	if it.alert != nil {
		id := it.alert.ID
		var err error
		switch kind {
		case "ack":
			err = d.Alerts.AckAlert(ctx, id, actor, now)
		case "silence":
			err = d.Alerts.SilenceAlert(ctx, id, now.Add(SilenceFor), actor, now)
		default:
			return "", errors.New(i18n.T(lang, "tui.err.tickets_only", i18n.T(lang, "tui.verb."+kind)))
		}
		switch {
		case errors.Is(err, store.ErrAlertResolved):
			return "", errors.New(i18n.T(lang, "alert.resolved_already", id, i18n.T(lang, "alert.verb."+kind)))
		case err != nil:
			return "", err
		}
		return i18n.T(lang, "tui.done.alert_"+kind, id, actor), nil
	}
	t := it.ticket
	a := ticket.Action{Kind: kind, Actor: actor, Data: map[string]string{}}
	switch kind {
	case "ack":
		a.Kind = ticket.EvAck
	case "assign":
		a.Kind, a.Data["assignee"] = ticket.EvAssign, strings.TrimSpace(text)
	case "note":
		a.Kind, a.Text = ticket.EvNote, strings.TrimSpace(text)
		if a.Text == "" {
			return "", errors.New(i18n.T(lang, "ticket.cli.need_text"))
		}
	case "resolve":
		a.Kind = ticket.EvResolve
		if s := strings.TrimSpace(text); s != "" {
			a.Data[ticket.FieldCause] = s
		}
	default:
		return "", errors.New(i18n.T(lang, "tui.err.alerts_only", i18n.T(lang, "tui.verb."+kind)))
	}
	got, err := d.Tickets.Act(ctx, t.ID, a)
	var te *ticket.TransitionError
	switch {
	case errors.As(err, &te):
		return "", errors.New(i18n.T(lang, te.Key, te.Args...))
	case err != nil:
		return "", err
	}
	return i18n.T(lang, "ticket.cli.done", got.ID, i18n.T(lang, "ticket.state."+string(got.State))), nil
}
