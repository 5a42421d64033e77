package watch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cyhealth/hcops/pkg/alert"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// CycleStore is what one cycle reads and writes.
type CycleStore interface {
	alert.Store
}

// Cycle is what follows every probe round and every job: alerts are
// evaluated from the findings, every firing alert has its ticket (opened
// once: tickets are idempotent per alert), the tickets' clocks are swept
// for their 50/80/100 % marks, and the outbox is delivered. Each step
// decides from what is stored, so a cycle cut short is completed by the
// next.
type Cycle struct {
	Store    CycleStore
	Alerts   *alert.Policy
	Channels *alert.Channels
	Tickets  *ticket.Service // nil: no tickets
	Lang     string
}

// Outcome counts what one cycle did, for the log and `watch --once`.
type Outcome struct {
	Transitions   int      `json:"transitions"`
	TicketsOpened int      `json:"tickets_opened"`
	Marks         int      `json:"clock_marks"`
	Sent          int      `json:"sent"`
	Failed        int      `json:"failed"`
	Errors        []string `json:"errors,omitempty"`
}

// Run runs one cycle at now.
func (c *Cycle) Run(ctx context.Context, now time.Time) (Outcome, error) {
	var o Outcome
	var errs []error
	ts, err := alert.Evaluate(ctx, c.Store, now, c.Alerts)
	if err != nil {
		errs = append(errs, fmt.Errorf("alerts: %w", err))
	}
	o.Transitions = len(ts)
	if c.Tickets != nil {
		firing, err := c.Store.FiringAlerts(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts: %w", err))
		}
		for _, a := range firing {
			_, created, err := c.Tickets.OpenFromAlert(ctx, ticketAlert(a, c.Lang))
			if err != nil {
				errs = append(errs, fmt.Errorf("ticket for alert %d: %w", a.ID, err))
				continue
			}
			if created {
				o.TicketsOpened++
			}
		}
		marks, err := c.Tickets.Sweep(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("tickets: %w", err))
		}
		o.Marks = len(marks)
	}
	if c.Channels != nil {
		rep, err := alert.Deliver(ctx, c.Store, c.Channels, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("delivery: %w", err))
		}
		if rep != nil {
			o.Sent, o.Failed = rep.Sent, rep.Failed
		}
	}
	for _, e := range errs {
		o.Errors = append(o.Errors, e.Error())
	}
	return o, errors.Join(errs...)
}

// ticketAlert is what the ticket service needs of a firing alert.
func ticketAlert(a store.Alert, lang string) ticket.Alert {
	// The title names the asset: a ticket list is read without the alert.
	title := a.Asset + ": " + alert.Render(lang, a.Code, a.Args, a.Message)
	return ticket.Alert{Key: a.Key, Ref: fmt.Sprintf("alert:%d", a.ID), Status: a.Severity, System: a.System,
		Asset: a.Asset, Title: title, FiredAt: a.Since, RunID: a.LastRunID}
}
