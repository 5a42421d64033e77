package alert

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Transition kinds: what happened to an alert in one evaluation.
const (
	Fire       = "fire"       // a problem finding crossed its damping: a new alert
	Escalate   = "escalate"   // a firing alert got worse
	Deescalate = "deescalate" // a firing alert got less bad (not notified)
	Remind     = "remind"     // still firing and nobody acknowledged it
	Resolve    = "resolve"    // the finding is OK again
)

// Notice is what a notification says, in one language: the data of a
// channel's template (alerts.channels.NAME.template) and the "alert" object
// a generic webhook receives. Field names are a documented interface.
type Notice struct {
	ID          int64     `json:"id"`
	Event       string    `json:"event"` // fire, escalate, remind, resolve
	Subject     string    `json:"subject"`
	Asset       string    `json:"asset"`
	Check       string    `json:"check"`
	Item        string    `json:"item,omitempty"`
	Type        string    `json:"type,omitempty"`
	System      string    `json:"system,omitempty"`
	SystemName  string    `json:"system_name,omitempty"`
	Zone        string    `json:"zone,omitempty"`
	Kind        string    `json:"kind,omitempty"`
	Severity    string    `json:"severity"` // WARN, CRIT, UNREACHABLE (after escalation)
	Status      string    `json:"status"`   // the finding's status: WARN, CRIT, UNREACHABLE, OK
	Consecutive int       `json:"consecutive,omitempty"`
	Message     string    `json:"message"`
	Code        string    `json:"code,omitempty"`
	Args        []any     `json:"args,omitempty"`
	Advice      string    `json:"advice,omitempty"`
	Since       time.Time `json:"since"`
	FiredAt     time.Time `json:"fired_at"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	Duration    string    `json:"duration,omitempty"` // since → resolved, for a recovery
	KeyPeriod   string    `json:"key_period,omitempty"`
	Escalated   bool      `json:"escalated,omitempty"`
	OnDuty      []string  `json:"on_duty,omitempty"`
	Lang        string    `json:"lang"`
}

// msgText is a stored message in lang: rendered from its code when the
// catalogue knows it, else the stored text.
func msgText(lang, code string, args []any, text string) string {
	if code != "" && (i18n.Has(code) || code == i18n.ConcatCode) {
		return i18n.Render(lang, code, args)
	}
	return text
}

func statusName(lang string, s result.Status) string { return i18n.T(lang, "status."+s.String()) }

// notice builds the Notice of event kind about a in lang.
func (p *Policy) notice(lang, kind string, a *store.Alert, consecutive int, duty []string) *Notice {
	n := &Notice{ID: a.ID, Event: kind, Asset: a.Asset, Check: a.Check, Item: a.Item, Type: a.Type, System: a.System,
		Zone: a.Zone, Kind: a.Kind, Severity: a.Severity.String(), Status: a.Status.String(), Consecutive: consecutive,
		Message: msgText(lang, a.Code, a.Args, a.Message), Code: a.Code, Args: a.Args,
		Advice: msgText(lang, a.AdviceCode, a.AdviceArgs, a.Advice), Since: a.Since, FiredAt: a.FiredAt,
		ResolvedAt: a.ResolvedAt, KeyPeriod: a.KeyPeriod, Escalated: a.Escalated, OnDuty: duty, Lang: lang}
	n.SystemName = a.System
	if sn, ok := p.SystemNames[a.System]; ok {
		if lang == i18n.ZH && sn.ZH != "" {
			n.SystemName = sn.ZH
		} else if sn.EN != "" {
			n.SystemName = sn.EN
		}
	}
	if kind == Resolve && !a.ResolvedAt.IsZero() {
		n.Duration = a.ResolvedAt.Sub(a.Since).Round(time.Minute).String()
	}
	what := a.Check
	if a.Item != "" && !strings.Contains(a.Check, a.Item) {
		what += " " + a.Item
	}
	n.Subject = i18n.T(lang, "alert.subject."+kind, statusName(lang, a.Severity), a.Asset, what)
	return n
}

// defaultBody is the built-in message: one line per fact, the labels in
// lang. Robots show it as markdown or text; mail as text and in HTML.
func defaultBody(n *Notice) string {
	lang := n.Lang
	var b strings.Builder
	line := func(key string, v any) {
		if s := fmt.Sprint(v); s != "" {
			fmt.Fprintf(&b, "%s%s\n", i18n.T(lang, "alert.label."+key), s)
		}
	}
	fmt.Fprintf(&b, "%s\n", n.Subject)
	system := n.System
	if n.SystemName != "" && n.SystemName != n.System {
		system = fmt.Sprintf("%s (%s)", n.SystemName, n.System)
	}
	line("system", system)
	asset := n.Asset
	if n.Zone != "" {
		asset += " · " + n.Zone
	}
	line("asset", asset)
	check := n.Check
	if n.Item != "" && !strings.Contains(n.Check, n.Item) {
		check += " · " + n.Item
	}
	line("check", check)
	if n.Event == Resolve {
		line("status", statusName(lang, result.OK))
	} else {
		st := statusName(lang, mustStatus(n.Severity))
		if n.Consecutive > 1 {
			st = i18n.T(lang, "alert.consecutive", st, n.Consecutive)
		}
		line("status", st)
	}
	line("message", n.Message)
	line("since", n.Since.Local().Format(time.DateTime))
	if n.Event == Resolve {
		line("resolved", n.ResolvedAt.Local().Format(time.DateTime))
		line("duration", n.Duration)
	}
	if n.KeyPeriod != "" {
		kp := n.KeyPeriod
		if n.Escalated {
			kp = i18n.T(lang, "alert.escalated", kp)
		}
		line("key_period", kp)
	}
	if n.Event != Resolve {
		line("advice", n.Advice)
	}
	if len(n.OnDuty) > 0 {
		line("on_duty", strings.Join(n.OnDuty, i18n.T(lang, "alert.list_sep")))
	}
	if n.Event != Resolve {
		fmt.Fprintf(&b, "%s\n", i18n.T(lang, "alert.ack_hint", n.ID))
	} else {
		fmt.Fprintf(&b, "%s\n", i18n.T(lang, "alert.id", n.ID))
	}
	return strings.TrimRight(b.String(), "\n")
}

func mustStatus(s string) result.Status {
	st, err := result.ParseStatus(s)
	if err != nil {
		return result.Unknown
	}
	return st
}

func parseTemplate(src string) (*template.Template, error) {
	return template.New("alert").Option("missingkey=error").Parse(src)
}

// body renders a notice with the channel's template or the built-in text.
func body(info channelInfo, n *Notice) (string, error) {
	if info.template == "" {
		return defaultBody(n), nil
	}
	t, err := parseTemplate(info.template)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, n); err != nil {
		return "", err
	}
	return b.String(), nil
}

// notifications renders the notifications of event kind about a: one per
// channel the routes choose, each in its channel's language.
func (p *Policy) notifications(kind string, a *store.Alert, consecutive int, now time.Time) ([]store.Notification, error) {
	var out []store.Notification
	for _, d := range p.route(a, now) {
		info := p.channels[d.channel]
		lang := info.lang
		if lang == "" {
			lang = p.Lang
		}
		var rcpt store.Recipients
		if d.duty {
			for _, person := range p.OnDuty(now) {
				rcpt.Names = append(rcpt.Names, person.Name)
				if person.Email != "" {
					rcpt.Emails = append(rcpt.Emails, person.Email)
				}
				if person.Mobile != "" {
					rcpt.Mobiles = append(rcpt.Mobiles, person.Mobile)
				}
			}
		}
		n := p.notice(lang, kind, a, consecutive, rcpt.Names)
		text, err := body(info, n)
		if err != nil {
			return nil, fmt.Errorf("alerts.channels.%s.template: %w", d.channel, err)
		}
		data, err := json.Marshal(n)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Notification{Channel: d.channel, CreatedAt: now, Subject: n.Subject, Body: text,
			Severity: a.Severity, Recipients: rcpt, Data: data, NextAt: now})
	}
	return out, nil
}

// Render is a stored message (code, args, text as the history keeps them)
// in lang: rendered from its code when the catalogue knows it, else the
// stored text.
func Render(lang, code string, args []any, text string) string {
	return msgText(lang, code, args, text)
}
