package alert

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Store is what alerting needs of the history: findings and results to
// read, maintenance windows, and the alert store.
type Store interface {
	store.Reader
	store.MaintenanceStore
	store.AlertStore
}

// Transition is one change Evaluate stored.
type Transition struct {
	Kind  string      // Fire, Escalate, Deescalate, Remind or Resolve
	Alert store.Alert // as stored after the change
	Event store.AlertEvent
	// Notifications is how many notifications were queued; when 0, Quiet
	// says why ("silenced", "maintenance", "no-route", or "" when the kind
	// is never notified).
	Notifications int
	Quiet         string
}

// Quiet reasons.
const (
	QuietSilenced    = "silenced"
	QuietMaintenance = "maintenance"
	QuietNoRoute     = "no-route"
)

// problem statuses: the ones that raise alerts.
var problem = []result.Status{result.Warn, result.Crit, result.Unreachable}

// Evaluate compares the findings with the alerts and stores what changed
// at now: alerts that fire, escalate, are reminded of or resolve, each
// with its notifications queued in the outbox (send them with Deliver).
//
// A finding fires when its status is WARN, CRIT or UNREACHABLE (a failed
// backup verification is a CRIT finding of kind backup) and it has said so
// in at least the policy's number of results in a row; while its asset or
// system is in a maintenance window it does not fire. During a key period
// the damping is at most the period's min_consecutive and, with escalate,
// a WARN fires as CRIT. A firing alert whose finding is OK again (in
// resolve_after results) resolves; UNKNOWN neither fires nor resolves.
//
// Evaluate is idempotent: what is already stored is not done again, and a
// change another evaluator stored first (store.ErrConflict) is skipped.
func Evaluate(ctx context.Context, st Store, now time.Time, p *Policy) ([]Transition, error) {
	firing, err := st.FiringAlerts(ctx)
	if err != nil {
		return nil, err
	}
	open := make(map[result.Key]*store.Alert, len(firing))
	for i := range firing {
		open[firing[i].Key] = &firing[i]
	}
	windows, err := st.Maintenance(ctx, now, now.Add(time.Millisecond))
	if err != nil {
		return nil, err
	}
	inMaintenance := func(asset, system string) bool {
		for _, w := range windows {
			if !now.Before(w.Start) && now.Before(w.End) &&
				(w.Asset != "" && w.Asset == asset || w.Asset == "" && w.System != "" && w.System == system) {
				return true
			}
		}
		return false
	}
	var bad []store.Finding
	if err := st.EachFinding(ctx, store.FindingFilter{Status: problem}, func(f *store.Finding) error {
		bad = append(bad, *f)
		return nil
	}); err != nil {
		return nil, err
	}

	e := &evaluation{ctx: ctx, st: st, now: now, p: p}
	seen := map[result.Key]bool{}
	for i := range bad {
		f := &bad[i]
		seen[f.Key] = true
		kp := p.keyPeriod(now, f.System)
		if f.Consecutive < p.need(f.Check, f.Status, kp) {
			continue
		}
		sev, escalated := f.Status, false
		if kp != nil && kp.escalate && sev == result.Warn {
			sev, escalated = result.Crit, true
		}
		maint := inMaintenance(f.Asset, f.System)
		a := open[f.Key]
		switch {
		case a == nil && maint:
			continue // silenced by the window; fires after it if still bad
		case a == nil:
			a = &store.Alert{Key: f.Key, State: store.AlertFiring, Since: f.StatusSince, FiredAt: now}
			e.fill(a, f, sev, escalated, kp)
			if err := e.lookupResult(a, f); err != nil {
				return e.out, err
			}
			err = e.apply(Fire, a, f.Consecutive, "", "")
		case sev > a.Severity:
			e.fill(a, f, sev, escalated || a.Escalated, kp)
			err = e.apply(Escalate, a, f.Consecutive, e.quiet(a, maint), "")
		case sev < a.Severity && !(a.Escalated && f.Status == result.Warn):
			e.fill(a, f, sev, false, kp)
			err = e.apply(Deescalate, a, f.Consecutive, "", "")
		case p.remindEvery > 0 && a.AckedAt.IsZero() && !now.Before(lastNotified(a).Add(p.remindEvery)):
			if q := e.quiet(a, maint); q == "" {
				err = e.apply(Remind, a, f.Consecutive, "", "")
			}
		}
		if err != nil {
			return e.out, err
		}
	}

	for key, a := range open {
		if seen[key] {
			continue
		}
		f, err := st.Finding(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// The history was pruned under the alert: nothing says it
			// is still a problem.
			a.State, a.ResolvedAt = store.AlertResolved, now
			if err := e.apply(Resolve, a, 0, e.quiet(a, false), "finding gone"); err != nil {
				return e.out, err
			}
			continue
		case err != nil:
			return e.out, err
		}
		if f.Status != result.OK || f.Consecutive < p.resolveAfter {
			continue
		}
		a.State, a.ResolvedAt, a.Status = store.AlertResolved, now, result.OK
		a.LastRunID, a.Message, a.Code, a.Args = f.LastRunID, f.Message, f.Code, f.Args
		// A recovery is told even in a maintenance window (the fix is
		// news); only a silence keeps it quiet.
		if err := e.apply(Resolve, a, f.Consecutive, e.quiet(a, false), ""); err != nil {
			return e.out, err
		}
	}
	return e.out, nil
}

func lastNotified(a *store.Alert) time.Time {
	if a.NotifiedAt.IsZero() {
		return a.FiredAt
	}
	return a.NotifiedAt
}

type evaluation struct {
	ctx context.Context
	st  Store
	now time.Time
	p   *Policy
	out []Transition
}

// fill copies what the finding says now into a.
func (e *evaluation) fill(a *store.Alert, f *store.Finding, sev result.Status, escalated bool, kp *keyPeriod) {
	a.Type, a.System, a.Kind = f.Type, f.System, f.Kind
	a.Severity, a.Status, a.Escalated = sev, f.Status, escalated
	if kp != nil {
		a.KeyPeriod = kp.name
	}
	a.LastRunID, a.Message, a.Code, a.Args = f.LastRunID, f.Message, f.Code, f.Args
}

// lookupResult takes zone and advice from the finding's latest result
// (findings keep neither).
func (e *evaluation) lookupResult(a *store.Alert, f *store.Finding) error {
	errFound := errors.New("found")
	err := e.st.EachResult(e.ctx, store.ResultFilter{RunID: f.LastRunID, Asset: f.Asset, Check: f.Check}, func(r *store.StoredResult) error {
		if r.Item != f.Item {
			return nil
		}
		a.Zone, a.Advice, a.AdviceCode, a.AdviceArgs = r.Zone, r.Advice, r.AdviceCode, r.AdviceArgs
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return fmt.Errorf("alert %s: latest result: %w", f.Key, err)
	}
	return nil
}

// quiet says why a's notification is not sent now, or "".
func (e *evaluation) quiet(a *store.Alert, maint bool) string {
	switch {
	case a.Silenced(e.now):
		return QuietSilenced
	case maint:
		return QuietMaintenance
	}
	return ""
}

// apply stores one transition of a with its notifications (none when
// quiet, or for a de-escalation).
func (e *evaluation) apply(kind string, a *store.Alert, consecutive int, quiet, note string) error {
	before := *a
	tr := Transition{Kind: kind, Quiet: quiet}
	notify := quiet == "" && kind != Deescalate
	if notify {
		a.NotifiedAt = e.now
	}
	change := &store.AlertChange{Alert: a,
		Event: store.AlertEvent{At: e.now, Kind: kind, Severity: a.Severity, Status: a.Status, Note: note}}
	if notify {
		change.Render = func(stored *store.Alert, ev *store.AlertEvent) ([]store.Notification, error) {
			ns, err := e.p.notifications(kind, stored, consecutive, e.now)
			tr.Notifications = len(ns)
			return ns, err
		}
	}
	if err := e.st.ApplyAlert(e.ctx, change); err != nil {
		*a = before
		if errors.Is(err, store.ErrConflict) {
			return nil // another evaluator stored this, or something newer
		}
		return err
	}
	if notify && tr.Notifications == 0 {
		tr.Quiet = QuietNoRoute
	}
	tr.Alert, tr.Event = *a, change.Event
	e.out = append(e.out, tr)
	return nil
}
