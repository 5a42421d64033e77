package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/deliver"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Delivery defaults.
const (
	// FirstRetry is the wait after a first failed delivery; it doubles
	// with every further failure up to Retry.MaxDelay.
	FirstRetry = 30 * time.Second
	// DefaultMaxDelay caps the wait between retries.
	DefaultMaxDelay = 30 * time.Minute
	// Lease is how long a deliverer holds the notifications it claimed; a
	// deliverer killed mid-send leaves them to the next one after it.
	Lease = 2 * time.Minute
	// sendTimeout bounds one message.
	sendTimeout = 30 * time.Second
	// claimBatch is how many notifications one claim takes.
	claimBatch = 200
)

// Message is what a channel sends: one notification, or a digest of
// several when the channel is over its rate limit.
type Message struct {
	Subject    string
	Body       string
	Severity   result.Status
	Recipients store.Recipients
	// Data is the generic webhook's "alert" object (a Notice), or for a
	// digest an array of them.
	Data   json.RawMessage
	Digest bool
}

// Sender sends messages over one channel.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

// Channel is one named way out with its rate limit: at most Limit
// messages per Per (Limit 0: no limit).
type Channel struct {
	Name   string
	Sender Sender
	Limit  int
	Per    time.Duration
	Lang   string // of digests
}

// Channels are the configured channels and the retry policy.
type Channels struct {
	byName      map[string]*Channel
	maxAttempts int
	maxDelay    time.Duration
}

// NewChannelSet returns channels with the given retry policy (maxDelay 0:
// DefaultMaxDelay; maxAttempts 0: retry until delivered).
func NewChannelSet(maxAttempts int, maxDelay time.Duration, chs ...*Channel) *Channels {
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	c := &Channels{byName: map[string]*Channel{}, maxAttempts: maxAttempts, maxDelay: maxDelay}
	for _, ch := range chs {
		c.byName[ch.Name] = ch
	}
	return c
}

// Len is the number of channels.
func (c *Channels) Len() int { return len(c.byName) }

// NewChannels builds the channels of cfg (see config.Alerts.Channels):
// e-mail through mail:, robots and generic webhooks through webhooks:.
// lang is the default language of digests. Check cfg with NewPolicy first.
func NewChannels(cfg *config.Config, lang string) (*Channels, error) {
	var maxDelay time.Duration
	if s := cfg.Alerts.Retry.MaxDelay; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("alerts.retry.max_delay: %w", err)
		}
		maxDelay = d
	}
	if l := i18n.Normalize(cfg.Alerts.Lang); l != "" {
		lang = l
	}
	set := NewChannelSet(cfg.Alerts.Retry.MaxAttempts, maxDelay)
	for name, ch := range channelConfigs(cfg) {
		n, per, err := parseRate(ch.RateLimit)
		if err != nil {
			return nil, fmt.Errorf("alerts.channels.%s.rate_limit: %w", name, err)
		}
		c := &Channel{Name: name, Limit: n, Per: per, Lang: lang}
		if l := i18n.Normalize(ch.Lang); l != "" {
			c.Lang = l
		}
		switch ch.Type {
		case "mail":
			m := cfg.Mail
			if len(ch.To) > 0 {
				m.To, m.Cc = ch.To, ch.Cc
			}
			c.Sender = mailSender{m}
		case "webhook":
			wh, ok := cfg.Webhooks[ch.Webhook]
			if !ok {
				return nil, fmt.Errorf("alerts.channels.%s.webhook: no webhook %q in webhooks:", name, ch.Webhook)
			}
			c.Sender = webhookSender{wh}
		default:
			return nil, fmt.Errorf("alerts.channels.%s.type: want mail or webhook, not %q", name, ch.Type)
		}
		set.byName[name] = c
	}
	return set, nil
}

// mailSender sends a message by e-mail: the text, and the same as a small
// HTML page; on-duty people's addresses are added to the recipients.
type mailSender struct{ cfg config.Mail }

func (s mailSender) Send(ctx context.Context, m Message) error {
	cfg := s.cfg
	for _, e := range m.Recipients.Emails {
		if !contains(cfg.To, e) {
			cfg.To = append(append([]string(nil), cfg.To...), e)
		}
	}
	var b strings.Builder
	b.WriteString("<!doctype html><meta charset=\"utf-8\"><div style=\"font-family:sans-serif;font-size:14px\">")
	for i, line := range strings.Split(m.Body, "\n") {
		if i == 0 {
			fmt.Fprintf(&b, "<p><b>%s</b></p>", html.EscapeString(line))
			continue
		}
		fmt.Fprintf(&b, "%s<br>", html.EscapeString(line))
	}
	b.WriteString("</div>")
	return deliver.Mail(ctx, cfg, deliver.Message{Subject: m.Subject, Text: m.Body, HTML: b.String()})
}

// webhookSender posts a message to a robot or generic webhook.
type webhookSender struct{ cfg config.Webhook }

func (s webhookSender) Send(ctx context.Context, m Message) error {
	return deliver.Send(ctx, s.cfg, WebhookPost(s.cfg.Type, m))
}

// WebhookPost is the post of message m for a webhook of type typ: the
// first line of the body as a heading for the markdown robots, on-duty
// mobiles @-mentioned (DingTalk), and for generic webhooks the JSON
//
//	{"title", "message", "status", "digest", "recipients", "alert"}
//
// where alert is the Notice (an array of them for a digest).
func WebhookPost(typ string, m Message) deliver.Post {
	typ = strings.ToLower(typ)
	text := deliver.Inert(typ, m.Body)
	switch typ {
	case deliver.TypeWeCom:
		first, rest, _ := strings.Cut(text, "\n")
		text = "### " + first + "\n" + rest
	case deliver.TypeDingTalk:
		first, rest, _ := strings.Cut(text, "\n")
		// DingTalk's markdown joins single lines: end each with a break.
		text = "### " + first + "\n" + strings.ReplaceAll(rest, "\n", "  \n")
	}
	generic := struct {
		Title      string           `json:"title"`
		Message    string           `json:"message"`
		Status     string           `json:"status"`
		Digest     bool             `json:"digest,omitempty"`
		Recipients store.Recipients `json:"recipients"`
		Alert      json.RawMessage  `json:"alert,omitempty"`
	}{m.Subject, m.Body, m.Severity.String(), m.Digest, m.Recipients, m.Data}
	p := deliver.Post{Title: deliver.Inert(typ, m.Subject), Text: text, Generic: generic}
	if typ == deliver.TypeDingTalk {
		p.Mobiles = m.Recipients.Mobiles
	}
	return p
}

// Report is what one Deliver did.
type Report struct {
	Sent     int // notifications delivered (a digest counts each it carried)
	Failed   int // attempts that failed; retried later
	Dead     int // given up (alerts.retry.max_attempts)
	Deferred int // put back without trying: rate limit, channel down, unknown channel
	// Failures describe the failed attempts, for the operator.
	Failures []Failure
}

// Failure is one failed delivery attempt.
type Failure struct {
	Notification int64
	Channel      string
	Attempts     int
	Retry        time.Time // zero when given up
	Err          error
}

// Deliver sends the notifications due at now, channel by channel, oldest
// first. A failed message is retried later with backoff (30s doubling up
// to the retry limit); once a channel failed in this pass, its other
// notifications wait for the same retry instead of hammering it. Over a
// channel's rate limit, the due notifications go as one digest, or wait.
// Every attempt is in the delivery log; nothing is dropped unless
// alerts.retry.max_attempts says so.
func Deliver(ctx context.Context, st store.AlertStore, chs *Channels, now time.Time) (*Report, error) {
	rep := &Report{}
	for {
		claimed, err := st.ClaimNotifications(ctx, now, Lease, claimBatch)
		if err != nil {
			return rep, err
		}
		if len(claimed) == 0 {
			return rep, nil
		}
		byChannel := map[string][]store.Notification{}
		for _, n := range claimed {
			byChannel[n.Channel] = append(byChannel[n.Channel], n)
		}
		names := sortedKeys(byChannel)
		for _, name := range names {
			if err := deliverChannel(ctx, st, chs, name, byChannel[name], now, rep); err != nil {
				return rep, err
			}
		}
		if len(claimed) < claimBatch {
			return rep, nil
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
}

func ids(ns []store.Notification) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func deliverChannel(ctx context.Context, st store.AlertStore, chs *Channels, name string, ns []store.Notification, now time.Time, rep *Report) error {
	ch := chs.byName[name]
	if ch == nil {
		// The channel left the config after the notification was queued:
		// keep it (the config may come back) and say so.
		rep.Deferred += len(ns)
		return st.DeferNotifications(ctx, ids(ns), now.Add(chs.maxDelay), fmt.Sprintf("channel %q is not configured", name))
	}
	budget := len(ns)
	if ch.Limit > 0 {
		sent, err := st.ChannelSent(ctx, name, now.Add(-ch.Per))
		if err != nil {
			return err
		}
		budget = ch.Limit - sent
		if budget <= 0 {
			rep.Deferred += len(ns)
			wait := max(ch.Per/time.Duration(ch.Limit), time.Second)
			return st.DeferNotifications(ctx, ids(ns), now.Add(wait), "")
		}
	}
	// Messages: one per notification while the budget lasts; the rest as
	// one digest in the last slot.
	var msgs [][]store.Notification
	if len(ns) <= budget {
		for _, n := range ns {
			msgs = append(msgs, []store.Notification{n})
		}
	} else {
		for _, n := range ns[:budget-1] {
			msgs = append(msgs, []store.Notification{n})
		}
		msgs = append(msgs, ns[budget-1:])
	}
	for i, group := range msgs {
		m := message(ch, group)
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		start := time.Now()
		err := ch.Sender.Send(sctx, m)
		cancel()
		d := store.Delivery{IDs: ids(group), Channel: name, At: now, Duration: time.Since(start), Err: err}
		if err == nil {
			rep.Sent += len(group)
			if err := st.FinishDelivery(ctx, d); err != nil {
				return err
			}
			continue
		}
		if ctx.Err() != nil {
			// Interrupted, not failed: the lease returns them later.
			return ctx.Err()
		}
		attempts := 0
		for _, n := range group {
			attempts = max(attempts, n.Attempts+1)
		}
		d.NextAt = now.Add(backoff(attempts, chs.maxDelay))
		d.Dead = chs.maxAttempts > 0 && attempts >= chs.maxAttempts
		f := Failure{Notification: group[0].ID, Channel: name, Attempts: attempts, Err: err}
		if d.Dead {
			rep.Dead += len(group)
		} else {
			rep.Failed += len(group)
			f.Retry = d.NextAt
		}
		rep.Failures = append(rep.Failures, f)
		if err := st.FinishDelivery(ctx, d); err != nil {
			return err
		}
		// The channel is down: the rest wait for the same retry.
		var rest []store.Notification
		for _, g := range msgs[i+1:] {
			rest = append(rest, g...)
		}
		if len(rest) > 0 {
			rep.Deferred += len(rest)
			return st.DeferNotifications(ctx, ids(rest), d.NextAt, "")
		}
		return nil
	}
	return nil
}

// backoff is the wait after the attempts-th failure.
func backoff(attempts int, maxDelay time.Duration) time.Duration {
	d := FirstRetry
	for i := 1; i < attempts && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// message is the message for a group of notifications of one channel: the
// notification itself, or a digest.
func message(ch *Channel, group []store.Notification) Message {
	if len(group) == 1 {
		n := group[0]
		return Message{Subject: n.Subject, Body: n.Body, Severity: n.Severity, Recipients: n.Recipients, Data: n.Data}
	}
	lang := ch.Lang
	m := Message{Digest: true, Subject: i18n.T(lang, "alert.digest.subject", len(group), ch.Name)}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", m.Subject, i18n.T(lang, "alert.digest.intro"))
	var data []json.RawMessage
	seen := map[string]bool{}
	addAll := func(dst *[]string, vs []string) {
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				*dst = append(*dst, v)
			}
		}
	}
	for _, n := range group {
		fmt.Fprintf(&b, "%s\n", n.Subject)
		m.Severity = result.Worst(m.Severity, n.Severity)
		addAll(&m.Recipients.Names, n.Recipients.Names)
		addAll(&m.Recipients.Emails, n.Recipients.Emails)
		addAll(&m.Recipients.Mobiles, n.Recipients.Mobiles)
		if len(n.Data) > 0 {
			data = append(data, n.Data)
		}
	}
	sort.Strings(m.Recipients.Names)
	m.Body = strings.TrimRight(b.String(), "\n")
	m.Data, _ = json.Marshal(data)
	return m
}
