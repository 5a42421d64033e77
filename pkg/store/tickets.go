package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// TicketStore keeps tickets (工单): each is an opening row and an
// append-only list of events, plus the clock levels recorded for it.
// pkg/ticket computes state and SLA clocks from these; the store never
// stores a state or a counter. *DB implements it (migration 0006).
//
// Rules an implementation keeps:
//   - events and marks are never updated or deleted;
//   - OpenTicket is idempotent per Ref, and opens at most one not-closed
//     ticket per alert key, even with two processes racing;
//   - AddTicketEvent runs its check on the ticket as stored inside the
//     write transaction, so two engineers acting at once cannot both
//     make a transition that only one may make;
//   - a missing ticket is ErrNotFound (wrapped).
type TicketStore interface {
	OpenTicket(ctx context.Context, t *Ticket, open *TicketEvent) (*Ticket, bool, error)
	AddTicketEvent(ctx context.Context, ev *TicketEvent, check func(*Ticket) error) error
	Ticket(ctx context.Context, id int64) (*Ticket, error)
	EachTicket(ctx context.Context, f TicketFilter, fn func(*Ticket) error) error
	AddTicketMarks(ctx context.Context, ms []TicketMark) ([]TicketMark, error)
}

var _ TicketStore = (*DB)(nil)

// Ticket is a stored ticket with its events (in time order) and recorded
// marks.
type Ticket struct {
	ID          int64
	Title       string
	Class       string
	System      string
	Asset       string
	Source      string // manual or alert
	Ref         string // the opener's idempotency key ("" for none)
	AlertKey    result.Key
	OpenedAt    time.Time // when the fault was reported or the alert fired: the clocks' start
	CreatedAt   time.Time
	CreatedBy   string
	Description string
	// Terms is pkg/ticket's JSON of the deadlines and calendars in force
	// when the ticket opened.
	Terms json.RawMessage
	// Fold, set on an alert ticket about to be opened, folds it into the
	// asset's active alert ticket (opened by an alert, neither resolved
	// nor closed) when there is one: that ticket gets Fold as an event,
	// once for the same Data, no earlier than its latest event, and is
	// returned instead. Not stored.
	Fold *TicketEvent

	Events []TicketEvent
	Marks  []TicketMark
}

// TicketEvent is one action on a ticket.
type TicketEvent struct {
	ID        int64
	TicketID  int64
	At        time.Time
	Kind      string
	Actor     string
	Text      string
	Data      map[string]string
	CreatedAt time.Time
}

// TicketMark is a level (50, 80, 100 %) a ticket's clock reached, at the
// computed instant At, recorded at RecordedAt.
type TicketMark struct {
	TicketID   int64
	Clock      string
	Level      int
	At         time.Time
	RecordedAt time.Time
}

// TicketFilter selects tickets for EachTicket; the zero value selects all.
type TicketFilter struct {
	OpenedSince, OpenedUntil time.Time // opened in [since, until); zero for no bound
	NotClosed                bool      // only tickets without a close event
	System                   string
	// Zone keeps the tickets of the assets of one network zone: a ticket's
	// asset (or its alert's asset) is of the zone when it is one of
	// ZoneAssets (the inventory's assets of the zone, from the caller) or
	// an alert on it was raised in the zone (another runner's asset). A
	// ticket with no asset is of no zone.
	Zone       string
	ZoneAssets []string
}

const ticketColumns = `id, title, class, system, asset, source, coalesce(ref, ''), alert_asset, alert_check, alert_item,
	opened_at, created_at, created_by, description, terms`

func scanTicket(sc interface{ Scan(...any) error }) (*Ticket, error) {
	t := &Ticket{}
	var opened, created int64
	var terms string
	if err := sc.Scan(&t.ID, &t.Title, &t.Class, &t.System, &t.Asset, &t.Source, &t.Ref, &t.AlertKey.Asset,
		&t.AlertKey.Check, &t.AlertKey.Item, &opened, &created, &t.CreatedBy, &t.Description, &terms); err != nil {
		return nil, err
	}
	t.OpenedAt, t.CreatedAt, t.Terms = fromMS(opened), fromMS(created), json.RawMessage(terms)
	return t, nil
}

// OpenTicket stores t and its open event, setting t.ID and the event's
// ids. When t.Ref names a ticket already stored, or t.AlertKey has a ticket
// without a close event, that ticket is returned (with its events) and
// created is false: nothing is written.
func (db *DB) OpenTicket(ctx context.Context, t *Ticket, open *TicketEvent) (*Ticket, bool, error) {
	if t.Title == "" || t.Class == "" || t.OpenedAt.IsZero() {
		return nil, false, errors.New("history: open ticket: title, class and open time are required")
	}
	var existing int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		existing = 0
		if t.Ref != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM tickets WHERE ref = ?`, t.Ref).Scan(&existing)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if existing == 0 && t.AlertKey.Check != "" {
			err := tx.QueryRowContext(ctx, `SELECT t.id FROM tickets t WHERE t.alert_asset = ? AND t.alert_check = ? AND t.alert_item = ?
				AND t.alert_check <> '' AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'close')
				ORDER BY t.id DESC LIMIT 1`, t.AlertKey.Asset, t.AlertKey.Check, t.AlertKey.Item).Scan(&existing)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if existing == 0 && t.Fold != nil && t.Asset != "" {
			err := tx.QueryRowContext(ctx, `SELECT t.id FROM tickets t WHERE t.source = 'alert' AND t.asset = ?
				AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind IN ('resolve', 'close'))
				ORDER BY t.id LIMIT 1`, t.Asset).Scan(&existing)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if existing != 0 {
				return foldEvent(ctx, tx, existing, *t.Fold)
			}
		}
		if existing != 0 {
			return nil
		}
		now := time.Now()
		terms := string(t.Terms)
		if terms == "" {
			terms = "{}"
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO tickets (title, class, system, asset, source, ref, alert_asset, alert_check,
			alert_item, opened_at, created_at, created_by, description, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Title, t.Class, t.System, t.Asset, t.Source, orNull(t.Ref), t.AlertKey.Asset, t.AlertKey.Check, t.AlertKey.Item,
			ms(t.OpenedAt), ms(now), t.CreatedBy, t.Description, terms).Scan(&t.ID); err != nil {
			return err
		}
		t.CreatedAt = now
		if open != nil {
			open.TicketID = t.ID
			return insertTicketEvent(ctx, tx, open)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("history: open ticket: %w", err)
	}
	if existing != 0 {
		old, err := db.Ticket(ctx, existing)
		return old, false, err
	}
	if open != nil {
		t.Events = []TicketEvent{*open}
	}
	return t, true, nil
}

// foldEvent records ev on ticket id, unless an event of its kind with the
// same data is there already (a watcher restarted after a kill).
func foldEvent(ctx context.Context, tx *sql.Tx, id int64, ev TicketEvent) error {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ticket_events WHERE ticket_id = ? AND kind = ? AND data = ?`, id, ev.Kind, string(data)).Scan(&n); err != nil || n > 0 {
		return err
	}
	// Never before the ticket's latest event: its clocks read events in order.
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(at), 0) FROM ticket_events WHERE ticket_id = ?`, id).Scan(&last); err != nil {
		return err
	}
	if at := fromMS(last); ev.At.Before(at) {
		ev.At = at
	}
	ev.TicketID = id
	return insertTicketEvent(ctx, tx, &ev)
}

func insertTicketEvent(ctx context.Context, tx *sql.Tx, ev *TicketEvent) error {
	data := ""
	if len(ev.Data) > 0 {
		b, err := json.Marshal(ev.Data)
		if err != nil {
			return err
		}
		data = string(b)
	}
	ev.CreatedAt = time.Now()
	if ev.At.IsZero() {
		ev.At = ev.CreatedAt
	}
	return tx.QueryRowContext(ctx, `INSERT INTO ticket_events (ticket_id, at, kind, actor, text, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.TicketID, ms(ev.At), ev.Kind, ev.Actor, ev.Text, data, ms(ev.CreatedAt)).Scan(&ev.ID)
}

// AddTicketEvent appends ev to ticket ev.TicketID, after check (when not
// nil) accepts the ticket as stored, read in the same transaction. An
// error from check is returned as is.
func (db *DB) AddTicketEvent(ctx context.Context, ev *TicketEvent, check func(*Ticket) error) error {
	var checkErr error
	err := db.write(ctx, func(tx *sql.Tx) error {
		checkErr = nil
		t, err := loadTicket(ctx, tx, ev.TicketID)
		if err != nil {
			return err
		}
		if check != nil {
			if checkErr = check(t); checkErr != nil {
				return checkErr
			}
		}
		return insertTicketEvent(ctx, tx, ev)
	})
	if checkErr != nil {
		return checkErr
	}
	if err != nil {
		return fmt.Errorf("history: ticket %d: %w", ev.TicketID, err)
	}
	return nil
}

type ticketQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func loadTicket(ctx context.Context, q ticketQuerier, id int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Ticket{id: t}
	if err := loadTicketDetails(ctx, q, `ticket_id = ?`, []any{id}, byID); err != nil {
		return nil, err
	}
	return t, nil
}

// loadTicketDetails fills the events and marks of the tickets in byID,
// selected by where over ticket_id.
func loadTicketDetails(ctx context.Context, q ticketQuerier, where string, args []any, byID map[int64]*Ticket) error {
	rows, err := q.QueryContext(ctx, `SELECT id, ticket_id, at, kind, actor, text, data, created_at FROM ticket_events WHERE `+
		where+` ORDER BY ticket_id, at, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ev TicketEvent
		var at, created int64
		var data string
		if err := rows.Scan(&ev.ID, &ev.TicketID, &at, &ev.Kind, &ev.Actor, &ev.Text, &data, &created); err != nil {
			return err
		}
		ev.At, ev.CreatedAt = fromMS(at), fromMS(created)
		if data != "" {
			if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
				return fmt.Errorf("ticket event %d: data: %w", ev.ID, err)
			}
		}
		if t := byID[ev.TicketID]; t != nil {
			t.Events = append(t.Events, ev)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	mrows, err := q.QueryContext(ctx, `SELECT ticket_id, clock, level, at, recorded_at FROM ticket_marks WHERE `+
		where+` ORDER BY ticket_id, at, clock, level`, args...)
	if err != nil {
		return err
	}
	defer mrows.Close()
	for mrows.Next() {
		var m TicketMark
		var at, rec int64
		if err := mrows.Scan(&m.TicketID, &m.Clock, &m.Level, &at, &rec); err != nil {
			return err
		}
		m.At, m.RecordedAt = fromMS(at), fromMS(rec)
		if t := byID[m.TicketID]; t != nil {
			t.Marks = append(t.Marks, m)
		}
	}
	return mrows.Err()
}

// Ticket reads ticket id with its events and marks.
func (db *DB) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	t, err := loadTicket(ctx, db.sql, id)
	if err != nil {
		return nil, fmt.Errorf("history: ticket %d: %w", id, err)
	}
	return t, nil
}

// EachTicket calls fn for each ticket f selects, in id order, with its
// events and marks.
func (db *DB) EachTicket(ctx context.Context, f TicketFilter, fn func(*Ticket) error) error {
	var conds []string
	var args []any
	if !f.OpenedSince.IsZero() {
		conds, args = append(conds, `opened_at >= ?`), append(args, ms(f.OpenedSince))
	}
	if !f.OpenedUntil.IsZero() {
		conds, args = append(conds, `opened_at < ?`), append(args, ms(f.OpenedUntil))
	}
	if f.System != "" {
		conds, args = append(conds, `system = ?`), append(args, f.System)
	}
	if f.NotClosed {
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'close')`)
	}
	if f.Zone != "" {
		asset := `(CASE WHEN asset <> '' THEN asset ELSE alert_asset END)`
		c := asset + ` IN (SELECT z.asset FROM alerts z WHERE z.zone = ?)`
		args = append(args, f.Zone)
		if len(f.ZoneAssets) > 0 {
			c += ` OR ` + asset + ` IN (` + placeholders(len(f.ZoneAssets)) + `)`
			for _, a := range f.ZoneAssets {
				args = append(args, a)
			}
		}
		conds = append(conds, asset+` <> '' AND (`+c+`)`)
	}
	where := "1 = 1" // PostgreSQL wants a boolean, not 1
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("history: tickets: %w", err)
	}
	var list []*Ticket
	byID := map[int64]*Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("history: tickets: %w", err)
		}
		list = append(list, t)
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("history: tickets: %w", err)
	}
	rows.Close()
	if len(list) == 0 {
		return nil
	}
	if err := loadTicketDetails(ctx, db.sql, `ticket_id IN (SELECT id FROM tickets WHERE `+where+`)`, args, byID); err != nil {
		return fmt.Errorf("history: tickets: %w", err)
	}
	for _, t := range list {
		if err := fn(t); err != nil {
			return err
		}
	}
	return nil
}

// AddTicketMarks records marks not recorded yet and returns those it
// recorded; a mark already stored for the same ticket, clock and level is
// left exactly as it is.
func (db *DB) AddTicketMarks(ctx context.Context, marks []TicketMark) ([]TicketMark, error) {
	if len(marks) == 0 {
		return nil, nil
	}
	var added []TicketMark
	err := db.write(ctx, func(tx *sql.Tx) error {
		added = added[:0]
		now := time.Now()
		for _, m := range marks {
			res, err := tx.ExecContext(ctx, `INSERT INTO ticket_marks (ticket_id, clock, level, at, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				m.TicketID, m.Clock, m.Level, ms(m.At), ms(now))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				m.RecordedAt = now
				added = append(added, m)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: record ticket marks: %w", err)
	}
	return added, nil
}
