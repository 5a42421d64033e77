package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// AlertStore keeps alerts, their events and the notification outbox
// (migration 0005). pkg/alert decides what happens; an implementation
// keeps these promises:
//   - ApplyAlert writes an alert's change, its event and the notifications
//     it queues in one transaction, or nothing;
//   - at most one alert per result.Key is firing: opening a second, or
//     updating an alert another evaluator changed since it was read, is
//     ErrConflict and changes nothing;
//   - a claimed notification is not handed to another deliverer until its
//     lease ends.
type AlertStore interface {
	// FiringAlerts returns every firing alert, by asset, check, item.
	FiringAlerts(ctx context.Context) ([]Alert, error)
	// ApplyAlert stores change (see AlertChange).
	ApplyAlert(ctx context.Context, change *AlertChange) error
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	Alert(ctx context.Context, id int64) (*Alert, error)
	AlertEvents(ctx context.Context, alertID int64) ([]AlertEvent, error)
	// AlertEventsAfter returns events with an id above after, oldest
	// first, at most limit (0: all): a cursor for consumers (tickets).
	AlertEventsAfter(ctx context.Context, after int64, limit int) ([]AlertEvent, error)
	// AckAlert and SilenceAlert change a firing alert by hand and record
	// the event; ErrNotFound for no alert, ErrAlertResolved for a resolved one.
	AckAlert(ctx context.Context, id int64, by string, at time.Time) error
	SilenceAlert(ctx context.Context, id int64, until time.Time, by string, at time.Time) error

	// ClaimNotifications hands out up to limit due notifications (pending
	// with next_at <= now, or sending with an expired lease), oldest
	// first, claimed until now+lease.
	ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notification, error)
	// FinishDelivery records one attempt per notification of a message
	// and their new state.
	FinishDelivery(ctx context.Context, d Delivery) error
	// DeferNotifications puts claimed notifications back, due at until,
	// without counting an attempt (rate limit, channel known down).
	DeferNotifications(ctx context.Context, ids []int64, until time.Time, note string) error
	// ChannelSent counts the messages channel sent at or after since.
	ChannelSent(ctx context.Context, channel string, since time.Time) (int, error)
	Notifications(ctx context.Context, alertID int64) ([]Notification, error)
	DeliveryAttempts(ctx context.Context, outboxID int64) ([]DeliveryAttempt, error)
	// OutboxCounts counts notifications by state.
	OutboxCounts(ctx context.Context) (map[string]int, error)
}

// DB is the SQLite AlertStore.
var _ AlertStore = (*DB)(nil)

// ErrConflict is returned by ApplyAlert when another evaluator got there
// first: the alert is already firing, or changed since it was read.
var ErrConflict = errors.New("changed by another process")

// ErrAlertResolved is returned when acknowledging or silencing an alert that
// is no longer firing.
var ErrAlertResolved = errors.New("alert is resolved")

// Alert states.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Notification states.
const (
	NotifyPending = "pending"
	NotifySending = "sending"
	NotifySent    = "sent"
	NotifyDead    = "dead"
)

// Alert is a problem finding that crossed its alerting rule: open (firing)
// until the finding is OK again.
type Alert struct {
	ID int64 `json:"id"`
	result.Key
	Type   string `json:"type,omitempty"`
	System string `json:"system,omitempty"`
	Zone   string `json:"zone,omitempty"`
	Kind   string `json:"kind,omitempty"`

	State     string        `json:"state"`
	Severity  result.Status `json:"severity"` // what is notified, after escalation
	Status    result.Status `json:"status"`   // the finding's status
	Escalated bool          `json:"escalated,omitempty"`
	KeyPeriod string        `json:"key_period,omitempty"`

	Since      time.Time `json:"since"` // the finding's status since
	FiredAt    time.Time `json:"fired_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	LastRunID  int64     `json:"last_run_id,omitempty"`

	Message    string `json:"message"`
	Code       string `json:"code,omitempty"`
	Args       []any  `json:"args,omitempty"`
	Advice     string `json:"advice,omitempty"`
	AdviceCode string `json:"advice_code,omitempty"`
	AdviceArgs []any  `json:"advice_args,omitempty"`

	AckedAt       time.Time `json:"acked_at,omitzero"`
	AckedBy       string    `json:"acked_by,omitempty"`
	SilencedUntil time.Time `json:"silenced_until,omitzero"`
	SilencedBy    string    `json:"silenced_by,omitempty"`
	NotifiedAt    time.Time `json:"notified_at,omitzero"`

	// Version is the optimistic lock ApplyAlert checks.
	Version int64 `json:"-"`
}

// Silenced reports whether a is silenced at t.
func (a *Alert) Silenced(t time.Time) bool { return t.Before(a.SilencedUntil) }

// AlertEvent is one thing that happened to an alert.
type AlertEvent struct {
	ID       int64         `json:"id"`
	AlertID  int64         `json:"alert_id"`
	At       time.Time     `json:"at"`
	Kind     string        `json:"kind"` // fire, escalate, deescalate, remind, resolve, ack, silence
	Severity result.Status `json:"severity"`
	Status   result.Status `json:"status"`
	By       string        `json:"by,omitempty"`
	Note     string        `json:"note,omitempty"`
}

// AlertChange is one transition: the alert as it is to be stored (ID 0
// opens a new one; otherwise the row must still have Alert.Version), its
// event, and Render, which is called inside the transaction once the ids
// are known and returns the notifications to queue.
type AlertChange struct {
	Alert  *Alert
	Event  AlertEvent
	Render func(a *Alert, ev *AlertEvent) ([]Notification, error)
}

// AlertFilter selects alerts for Alerts. The zero value selects all.
type AlertFilter struct {
	State  string    // "" for any
	Asset  string    // "" for any
	System string    // "" for any
	Since  time.Time // fired at or after; zero for any
	Limit  int       // newest first; 0 for no limit
	Zone   string    // "" for any: alerts raised on assets of this network zone
}

// Recipients are the people a notification is for, from the duty roster.
type Recipients struct {
	Names   []string `json:"names,omitempty"`
	Emails  []string `json:"emails,omitempty"`
	Mobiles []string `json:"mobiles,omitempty"`
}

// Notification is one message for one channel in the outbox.
type Notification struct {
	ID         int64           `json:"id"`
	AlertID    int64           `json:"alert_id"`
	EventID    int64           `json:"event_id"`
	Channel    string          `json:"channel"`
	CreatedAt  time.Time       `json:"created_at"`
	Subject    string          `json:"subject"`
	Body       string          `json:"body"`
	Severity   result.Status   `json:"severity"`
	Recipients Recipients      `json:"recipients"`
	Data       json.RawMessage `json:"data,omitempty"`
	State      string          `json:"state"`
	Attempts   int             `json:"attempts"`
	NextAt     time.Time       `json:"next_at"`
	SentAt     time.Time       `json:"sent_at,omitzero"`
	LastError  string          `json:"last_error,omitempty"`
}

// Delivery is the outcome of sending one message, which carried the
// notifications IDs (one, or several as a digest) over Channel.
type Delivery struct {
	IDs      []int64
	Channel  string
	At       time.Time
	Duration time.Duration
	Err      error
	// NextAt is when a failed delivery is due again; Dead gives up instead.
	NextAt time.Time
	Dead   bool
}

// DeliveryAttempt is one row of the delivery log.
type DeliveryAttempt struct {
	ID         int64     `json:"id"`
	OutboxID   int64     `json:"outbox_id"`
	Channel    string    `json:"channel"`
	Batch      int64     `json:"batch"`
	At         time.Time `json:"at"`
	DurationMS int64     `json:"duration_ms"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
}

const alertColumns = `id, asset, check_name, item, type, system, zone, kind, state, severity, status, escalated,
	key_period, since, fired_at, resolved_at, last_run_id, message, code, args, advice, advice_code, advice_args,
	acked_at, acked_by, silenced_until, silenced_by, notified_at, version`

func scanAlert(sc interface{ Scan(...any) error }, a *Alert) error {
	var (
		sev, st                    int
		esc                        bool
		since, fired               int64
		resolved, acked, sil, note sql.NullInt64
		args, adviceArgs           string
	)
	if err := sc.Scan(&a.ID, &a.Asset, &a.Check, &a.Item, &a.Type, &a.System, &a.Zone, &a.Kind, &a.State, &sev, &st, &esc,
		&a.KeyPeriod, &since, &fired, &resolved, &a.LastRunID, &a.Message, &a.Code, &args, &a.Advice, &a.AdviceCode, &adviceArgs,
		&acked, &a.AckedBy, &sil, &a.SilencedBy, &note, &a.Version); err != nil {
		return err
	}
	a.Severity, a.Status, a.Escalated = result.Status(sev), result.Status(st), esc
	a.Since, a.FiredAt = fromMS(since), fromMS(fired)
	a.ResolvedAt, a.AckedAt, a.SilencedUntil, a.NotifiedAt = fromNullMS(resolved), fromNullMS(acked), fromNullMS(sil), fromNullMS(note)
	a.Args = decodeArgs(&a.Code, args)
	a.AdviceArgs = decodeArgs(&a.AdviceCode, adviceArgs)
	return nil
}

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

// FiringAlerts returns every firing alert, by asset, check, item.
func (db *DB) FiringAlerts(ctx context.Context) ([]Alert, error) {
	return db.Alerts(ctx, AlertFilter{State: AlertFiring})
}

// Alerts returns the alerts matching f: firing ones by asset, check, item;
// otherwise newest first.
func (db *DB) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"state", f.State}, {"asset", f.Asset}, {"system", f.System}, {"zone", f.Zone}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "fired_at >= ?")
		args = append(args, ms(f.Since))
	}
	q := "SELECT " + alertColumns + " FROM alerts"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.State == AlertFiring {
		q += " ORDER BY asset, check_name, item"
	} else {
		q += " ORDER BY fired_at DESC, id DESC"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		if err := scanAlert(rows, &a); err != nil {
			return nil, fmt.Errorf("history: alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: alerts: %w", err)
	}
	return out, nil
}

// Alert returns alert id, or ErrNotFound.
func (db *DB) Alert(ctx context.Context, id int64) (*Alert, error) {
	var a Alert
	err := scanAlert(db.sql.QueryRowContext(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = ?", id), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history: alert %d: %w", id, err)
	}
	return &a, nil
}

// ApplyAlert stores c in one transaction: the alert (inserted, or updated
// if its version is unchanged), the event, and what c.Render returns. It
// sets the alert's ID and Version and the event's ID.
func (db *DB) ApplyAlert(ctx context.Context, c *AlertChange) error {
	a := c.Alert
	args, err := i18n.EncodeArgs(a.Args)
	if err != nil {
		return fmt.Errorf("history: alert %s: %w", a.Key, err)
	}
	adviceArgs, err := i18n.EncodeArgs(a.AdviceArgs)
	if err != nil {
		return fmt.Errorf("history: alert %s: %w", a.Key, err)
	}
	id, version := a.ID, a.Version
	err = db.write(ctx, func(tx *sql.Tx) error {
		vals := []any{a.Type, a.System, a.Zone, a.Kind, a.State, int(a.Severity), int(a.Status), a.Escalated,
			a.KeyPeriod, ms(a.Since), ms(a.FiredAt), nullMS(a.ResolvedAt), a.LastRunID, a.Message, a.Code, args,
			a.Advice, a.AdviceCode, adviceArgs, nullMS(a.AckedAt), a.AckedBy, nullMS(a.SilencedUntil), a.SilencedBy,
			nullMS(a.NotifiedAt)}
		if id == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE asset = ? AND check_name = ? AND item = ?
				AND state = 'firing'`, a.Asset, a.Check, a.Item).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrConflict
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (asset, check_name, item, type, system, zone, kind, state,
				severity, status, escalated, key_period, since, fired_at, resolved_at, last_run_id, message, code, args,
				advice, advice_code, advice_args, acked_at, acked_by, silenced_until, silenced_by, notified_at, version)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
				append([]any{a.Asset, a.Check, a.Item}, vals...)...).Scan(&id); err != nil {
				return err
			}
			version = 1
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE alerts SET type = ?, system = ?, zone = ?, kind = ?, state = ?,
				severity = ?, status = ?, escalated = ?, key_period = ?, since = ?, fired_at = ?, resolved_at = ?,
				last_run_id = ?, message = ?, code = ?, args = ?, advice = ?, advice_code = ?, advice_args = ?,
				acked_at = ?, acked_by = ?, silenced_until = ?, silenced_by = ?, notified_at = ?, version = version + 1
				WHERE id = ? AND version = ?`, append(vals, id, version)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrConflict
			}
			version++
		}
		ev := c.Event
		ev.AlertID = id
		evID, err := insertAlertEvent(ctx, tx, &ev)
		if err != nil {
			return err
		}
		ev.ID = evID
		if c.Render == nil {
			c.Event = ev
			return nil
		}
		stored := *a
		stored.ID, stored.Version = id, version
		ns, err := c.Render(&stored, &ev)
		if err != nil {
			return err
		}
		for i := range ns {
			if err := insertNotification(ctx, tx, id, evID, &ns[i]); err != nil {
				return err
			}
		}
		c.Event = ev
		return nil
	})
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("alert %s: %w", a.Key, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("history: alert %s: %w", a.Key, err)
	}
	a.ID, a.Version = id, version
	return nil
}

func insertAlertEvent(ctx context.Context, tx *sql.Tx, ev *AlertEvent) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO alert_events (alert_id, at, kind, severity, status, "by", note)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, ev.AlertID, ms(ev.At), ev.Kind, int(ev.Severity), int(ev.Status), ev.By, ev.Note).Scan(&id)
	return id, err
}

func insertNotification(ctx context.Context, tx *sql.Tx, alertID, eventID int64, n *Notification) error {
	rcpt, err := json.Marshal(n.Recipients)
	if err != nil {
		return err
	}
	next := n.NextAt
	if next.IsZero() {
		next = n.CreatedAt
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO alert_outbox (alert_id, event_id, channel, created_at, subject, body,
		severity, recipients, data, state, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id`,
		alertID, eventID, n.Channel, ms(n.CreatedAt), n.Subject, n.Body, int(n.Severity), string(rcpt), string(n.Data), ms(next)).Scan(&n.ID); err != nil {
		return err
	}
	n.AlertID, n.EventID, n.State, n.NextAt = alertID, eventID, NotifyPending, next
	return nil
}

// AlertEvents returns alert id's events, oldest first.
func (db *DB) AlertEvents(ctx context.Context, alertID int64) ([]AlertEvent, error) {
	return db.alertEvents(ctx, "WHERE alert_id = ? ORDER BY id", alertID)
}

// AlertEventsAfter returns the events with an id above after, oldest first.
func (db *DB) AlertEventsAfter(ctx context.Context, after int64, limit int) ([]AlertEvent, error) {
	q := "WHERE id > ? ORDER BY id"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return db.alertEvents(ctx, q, after)
}

func (db *DB) alertEvents(ctx context.Context, tail string, args ...any) ([]AlertEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, alert_id, at, kind, severity, status, "by", note FROM alert_events `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("history: alert events: %w", err)
	}
	defer rows.Close()
	var out []AlertEvent
	for rows.Next() {
		var ev AlertEvent
		var at int64
		var sev, st int
		if err := rows.Scan(&ev.ID, &ev.AlertID, &at, &ev.Kind, &sev, &st, &ev.By, &ev.Note); err != nil {
			return nil, fmt.Errorf("history: alert events: %w", err)
		}
		ev.At, ev.Severity, ev.Status = fromMS(at), result.Status(sev), result.Status(st)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: alert events: %w", err)
	}
	return out, nil
}

// AckAlert records that by took up firing alert id at at.
func (db *DB) AckAlert(ctx context.Context, id int64, by string, at time.Time) error {
	return db.handAlert(ctx, id, "ack", by, at, "", `acked_at = ?, acked_by = ?`, ms(at), by)
}

// SilenceAlert keeps firing alert id from notifying until until.
func (db *DB) SilenceAlert(ctx context.Context, id int64, until time.Time, by string, at time.Time) error {
	return db.handAlert(ctx, id, "silence", by, at, until.Format(time.RFC3339),
		`silenced_until = ?, silenced_by = ?`, ms(until), by)
}

func (db *DB) handAlert(ctx context.Context, id int64, kind, by string, at time.Time, note, set string, vals ...any) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		var state string
		var sev, st int
		err := tx.QueryRowContext(ctx, `SELECT state, severity, status FROM alerts WHERE id = ?`, id).Scan(&state, &sev, &st)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if state != AlertFiring {
			return ErrAlertResolved
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET `+set+`, version = version + 1 WHERE id = ?`, append(vals, id)...); err != nil {
			return err
		}
		_, err = insertAlertEvent(ctx, tx, &AlertEvent{AlertID: id, At: at, Kind: kind, Severity: result.Status(sev),
			Status: result.Status(st), By: by, Note: note})
		return err
	})
	if err != nil {
		return fmt.Errorf("alert %d: %w", id, err)
	}
	return nil
}

const notificationColumns = `id, alert_id, event_id, channel, created_at, subject, body, severity, recipients, data,
	state, attempts, next_at, sent_at, last_error`

func scanNotification(sc interface{ Scan(...any) error }, n *Notification) error {
	var created, next int64
	var sent sql.NullInt64
	var sev int
	var rcpt, data string
	if err := sc.Scan(&n.ID, &n.AlertID, &n.EventID, &n.Channel, &created, &n.Subject, &n.Body, &sev, &rcpt, &data,
		&n.State, &n.Attempts, &next, &sent, &n.LastError); err != nil {
		return err
	}
	n.CreatedAt, n.NextAt, n.SentAt, n.Severity = fromMS(created), fromMS(next), fromNullMS(sent), result.Status(sev)
	if rcpt != "" {
		_ = json.Unmarshal([]byte(rcpt), &n.Recipients)
	}
	if data != "" {
		n.Data = json.RawMessage(data)
	}
	return nil
}

func (db *DB) notifications(ctx context.Context, q querier, tail string, args ...any) ([]Notification, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+notificationColumns+" FROM alert_outbox "+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		if err := scanNotification(rows, &n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ClaimNotifications claims up to limit due notifications until now+lease.
func (db *DB) ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notification, error) {
	var out []Notification
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.notifications(ctx, tx, `WHERE (state = 'pending' AND next_at <= ?) OR (state = 'sending' AND lease_until <= ?)
			ORDER BY next_at, id LIMIT ?`, ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		for i := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET state = 'sending', lease_until = ? WHERE id = ?`,
				ms(now.Add(lease)), out[i].ID); err != nil {
				return err
			}
			out[i].State = NotifySending
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: claim notifications: %w", err)
	}
	return out, nil
}

// FinishDelivery logs one attempt per notification in d and sets their state.
func (db *DB) FinishDelivery(ctx context.Context, d Delivery) error {
	if len(d.IDs) == 0 {
		return nil
	}
	errText := ""
	if d.Err != nil {
		errText = d.Err.Error()
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, id := range d.IDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO alert_attempts (outbox_id, channel, batch, at, duration_ms, ok, error)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, d.Channel, d.IDs[0], ms(d.At), d.Duration.Milliseconds(), d.Err == nil, errText); err != nil {
				return err
			}
			var err error
			switch {
			case d.Err == nil:
				_, err = tx.ExecContext(ctx, `UPDATE alert_outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?,
					lease_until = NULL, last_error = '' WHERE id = ?`, ms(d.At), id)
			case d.Dead:
				_, err = tx.ExecContext(ctx, `UPDATE alert_outbox SET state = 'dead', attempts = attempts + 1,
					lease_until = NULL, last_error = ? WHERE id = ?`, errText, id)
			default:
				_, err = tx.ExecContext(ctx, `UPDATE alert_outbox SET state = 'pending', attempts = attempts + 1, next_at = ?,
					lease_until = NULL, last_error = ? WHERE id = ?`, ms(d.NextAt), errText, id)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: delivery log: %w", err)
	}
	return nil
}

// DeferNotifications puts claimed notifications back, due at until.
func (db *DB) DeferNotifications(ctx context.Context, ids []int64, until time.Time, note string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET state = 'pending', next_at = ?, lease_until = NULL,
				last_error = CASE WHEN ? = '' THEN last_error ELSE ? END WHERE id = ? AND state IN ('pending', 'sending')`,
				ms(until), note, note, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: defer notifications: %w", err)
	}
	return nil
}

// ChannelSent counts the messages (digests count once) channel sent since.
func (db *DB) ChannelSent(ctx context.Context, channel string, since time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(DISTINCT batch) FROM alert_attempts WHERE channel = ? AND ok = 1 AND at >= ?`,
		channel, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("history: channel %s: %w", channel, err)
	}
	return n, nil
}

// Notifications returns alert id's notifications, oldest first.
func (db *DB) Notifications(ctx context.Context, alertID int64) ([]Notification, error) {
	out, err := db.notifications(ctx, db.sql, "WHERE alert_id = ? ORDER BY id", alertID)
	if err != nil {
		return nil, fmt.Errorf("history: notifications of alert %d: %w", alertID, err)
	}
	return out, nil
}

// DeliveryAttempts returns the delivery log of notification outboxID.
func (db *DB) DeliveryAttempts(ctx context.Context, outboxID int64) ([]DeliveryAttempt, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, outbox_id, channel, batch, at, duration_ms, ok, error
		FROM alert_attempts WHERE outbox_id = ? ORDER BY id`, outboxID)
	if err != nil {
		return nil, fmt.Errorf("history: delivery log: %w", err)
	}
	defer rows.Close()
	var out []DeliveryAttempt
	for rows.Next() {
		var a DeliveryAttempt
		var at int64
		if err := rows.Scan(&a.ID, &a.OutboxID, &a.Channel, &a.Batch, &at, &a.DurationMS, &a.OK, &a.Error); err != nil {
			return nil, fmt.Errorf("history: delivery log: %w", err)
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: delivery log: %w", err)
	}
	return out, nil
}

// OutboxCounts counts notifications by state.
func (db *DB) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT state, count(*) FROM alert_outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("history: outbox: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("history: outbox: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}
