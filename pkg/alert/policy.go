// Package alert turns findings into alerts and alerts into notifications
// (issue #14, OP3, SLA4).
//
// Evaluate reads the findings the history keeps (one per asset, check and
// item, with its status and how many results in a row said it) and the
// alerts already open, and decides: a problem finding that has said WARN,
// CRIT or UNREACHABLE often enough in a row fires once; a worse status
// escalates it; OK again resolves it. Every decision is stored with the
// notifications it sends, in one transaction (store.AlertStore), and a
// decision already stored is never taken again, so evaluating the same
// findings twice — a watcher killed and started again, cron running after
// the watcher — sends nothing twice. Deliver then drains the outbox over
// the channels (e-mail, WeCom, DingTalk, Feishu, generic webhooks), with
// retries, backoff, rate limits and a delivery log.
//
// Nothing here knows cobra or a terminal: the command line, the watcher and
// tests call the same two functions.
package alert

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// Default damping: results in a row a status needs before it fires.
const (
	DefaultWarnAfter        = 2
	DefaultCritAfter        = 1
	DefaultUnreachableAfter = 1
)

// Policy is the checked form of config alerts: damping, key periods,
// routing and the roster. Build it with NewPolicy.
type Policy struct {
	// Lang is the default language of notifications.
	Lang string

	warn, crit, unreachable int
	checks                  []checkDamping
	resolveAfter            int
	remindEvery             time.Duration
	keyPeriods              []keyPeriod
	routes                  []route
	channels                map[string]channelInfo
	people                  map[string]config.Person
	roster                  []shift

	// SystemNames gives systems' display names in zh and en (from the
	// inventory); a system without one is shown by its name.
	SystemNames map[string]SystemName
}

// SystemName is an application system's name in both languages.
type SystemName struct{ ZH, EN string }

type checkDamping struct {
	pattern string
	level   config.DampingLevel
}

type keyPeriod struct {
	name           string
	from, to       time.Time // [from, to)
	systems        []string
	escalate       bool
	minConsecutive int
}

// channelInfo is what rendering needs to know of a channel.
type channelInfo struct {
	kind     string // mail, wecom, dingtalk, feishu, generic
	lang     string
	template string
}

// NewPolicy checks cfg (with the channel names NewChannels will build from
// the same config) and returns the policy. lang is the default language.
// Errors name the key: "alerts.key_periods[0].from: ...".
func NewPolicy(cfg *config.Config, lang string) (*Policy, error) {
	a := cfg.Alerts
	p := &Policy{Lang: lang, warn: DefaultWarnAfter, crit: DefaultCritAfter, unreachable: DefaultUnreachableAfter,
		resolveAfter: 1, people: a.People}
	var errs []error
	bad := func(key string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("alerts.%s: "+format, append([]any{key}, args...)...))
	}
	if a.Lang != "" {
		if p.Lang = i18n.Normalize(a.Lang); p.Lang == "" {
			bad("lang", "want zh or en, not %q", a.Lang)
		}
	}
	if p.Lang == "" {
		p.Lang = i18n.EN
	}
	for key, v := range map[string]struct {
		n   int
		dst *int
	}{"damping.warn": {a.Damping.Warn, &p.warn}, "damping.crit": {a.Damping.Crit, &p.crit},
		"damping.unreachable": {a.Damping.Unreachable, &p.unreachable}, "resolve_after": {a.ResolveAfter, &p.resolveAfter}} {
		switch {
		case v.n < 0:
			bad(key, "must not be negative")
		case v.n > 0:
			*v.dst = v.n
		}
	}
	for name, lvl := range a.Damping.Checks {
		if lvl.Warn < 0 || lvl.Crit < 0 || lvl.Unreachable < 0 {
			bad("damping.checks."+name, "must not be negative")
		}
		p.checks = append(p.checks, checkDamping{name, lvl})
	}
	// Exact names before patterns, then longer patterns first: the most
	// specific rule wins, whatever the map order.
	sortChecks(p.checks)
	if a.RemindEvery != "" {
		d, err := time.ParseDuration(a.RemindEvery)
		if err != nil || d <= 0 {
			bad("remind_every", "want a duration such as 4h, not %q", a.RemindEvery)
		}
		p.remindEvery = d
	}
	for i, k := range a.KeyPeriods {
		key := fmt.Sprintf("key_periods[%d]", i)
		kp := keyPeriod{name: k.Name, systems: k.Systems, escalate: k.Escalate, minConsecutive: k.MinConsecutive}
		if k.Name == "" {
			bad(key+".name", "give the period a name (it is shown in notifications)")
		}
		var err error
		if kp.from, err = parseWhen(k.From, false); err != nil {
			bad(key+".from", "%v", err)
		}
		if kp.to, err = parseWhen(k.To, true); err != nil {
			bad(key+".to", "%v", err)
		}
		if err == nil && !kp.to.After(kp.from) {
			bad(key+".to", "%s is not after from %s", k.To, k.From)
		}
		if k.MinConsecutive < 0 {
			bad(key+".min_consecutive", "must not be negative")
		}
		p.keyPeriods = append(p.keyPeriods, kp)
	}
	p.channels = map[string]channelInfo{}
	for name, ch := range channelConfigs(cfg) {
		info := channelInfo{kind: ch.Type, template: ch.Template}
		key := "channels." + name
		switch ch.Type {
		case "mail":
			if cfg.Mail.Host == "" {
				bad(key, "type mail needs the mail server (mail.host)")
			}
			if len(ch.To) == 0 && len(cfg.Mail.To) == 0 && !anyDutyRoute(a.Routes, name) {
				bad(key+".to", "no recipients (and mail.to is empty)")
			}
		case "webhook":
			wh, ok := cfg.Webhooks[ch.Webhook]
			if !ok {
				bad(key+".webhook", "no webhook %q in webhooks:", ch.Webhook)
			}
			info.kind = strings.ToLower(wh.Type)
			if info.kind == "" {
				info.kind = "generic"
			}
		default:
			bad(key+".type", "want mail or webhook, not %q", ch.Type)
		}
		if ch.Lang != "" {
			if info.lang = i18n.Normalize(ch.Lang); info.lang == "" {
				bad(key+".lang", "want zh or en, not %q", ch.Lang)
			}
		}
		if _, _, err := parseRate(ch.RateLimit); err != nil {
			bad(key+".rate_limit", "%v", err)
		}
		if ch.Template != "" {
			if _, err := parseTemplate(ch.Template); err != nil {
				bad(key+".template", "%v", err)
			}
		}
		p.channels[name] = info
	}
	for i, r := range a.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		rt, err := newRoute(r)
		if err != nil {
			bad(key+"."+err.key, "%v", err.err)
		}
		if len(r.Channels) == 0 {
			bad(key+".channels", "name at least one channel")
		}
		for _, c := range r.Channels {
			if _, ok := p.channels[c]; !ok {
				bad(key+".channels", "no channel %q (channels: %s)", c, strings.Join(sortedKeys(p.channels), ", "))
			}
		}
		p.routes = append(p.routes, rt)
	}
	for id, person := range a.People {
		if person.Name == "" {
			bad("people."+id+".name", "give the person's name")
		}
	}
	for i, s := range a.Roster {
		key := fmt.Sprintf("roster[%d]", i)
		sh, err := newShift(s)
		if err != nil {
			bad(key+"."+err.key, "%v", err.err)
		}
		if len(s.People) == 0 {
			bad(key+".people", "name who is on duty")
		}
		for _, who := range s.People {
			if _, ok := a.People[who]; !ok {
				bad(key+".people", "no person %q in alerts.people", who)
			}
		}
		p.roster = append(p.roster, sh)
	}
	if a.Retry.MaxAttempts < 0 {
		bad("retry.max_attempts", "must not be negative")
	}
	if a.Retry.MaxDelay != "" {
		if d, err := time.ParseDuration(a.Retry.MaxDelay); err != nil || d <= 0 {
			bad("retry.max_delay", "want a duration such as 30m, not %q", a.Retry.MaxDelay)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("config %s: %w", cfgName(cfg), err)
	}
	return p, nil
}

func cfgName(cfg *config.Config) string {
	if cfg.File == "" {
		return "(none)"
	}
	return cfg.File
}

func anyDutyRoute(routes []config.AlertRoute, channel string) bool {
	for _, r := range routes {
		for _, c := range r.Channels {
			if c == channel && r.Duty {
				return true
			}
		}
	}
	return false
}

// channelConfigs is alerts.channels, or, when none are configured, one
// channel per webhook (named as the webhook) and "mail" when a mail server
// is configured.
func channelConfigs(cfg *config.Config) map[string]config.AlertChannel {
	if len(cfg.Alerts.Channels) > 0 {
		return cfg.Alerts.Channels
	}
	out := map[string]config.AlertChannel{}
	for name := range cfg.Webhooks {
		out[name] = config.AlertChannel{Type: "webhook", Webhook: name}
	}
	if cfg.Mail.Host != "" && len(cfg.Mail.To) > 0 {
		if _, taken := out["mail"]; !taken {
			out["mail"] = config.AlertChannel{Type: "mail"}
		}
	}
	return out
}

// parseWhen reads a key period bound: a date (the day's start, or with
// end the next day's start, so "to" is inclusive) or a local time.
func parseWhen(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a date 2026-03-03 or a time \"2026-03-03 08:00\", not %q", s)
}

// parseRate reads "20/1m", "60/h": at most n messages per d. "" is no limit.
func parseRate(s string) (int, time.Duration, error) {
	if s == "" {
		return 0, 0, nil
	}
	ns, ds, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("want messages/period such as 20/1m, not %q", s)
	}
	ds = strings.TrimSpace(ds)
	if ds != "" && (ds[0] < '0' || ds[0] > '9') {
		ds = "1" + ds
	}
	d, err := time.ParseDuration(ds)
	if err != nil || d <= 0 {
		return 0, 0, fmt.Errorf("want messages/period such as 20/1m, not %q", s)
	}
	return n, d, nil
}

// need is how many results in a row f's status needs before it fires for
// check, under the key period kp (nil for none).
func (p *Policy) need(check string, st result.Status, kp *keyPeriod) int {
	n := map[result.Status]int{result.Warn: p.warn, result.Crit: p.crit, result.Unreachable: p.unreachable}[st]
	for _, c := range p.checks {
		if glob(c.pattern, check) {
			v := map[result.Status]int{result.Warn: c.level.Warn, result.Crit: c.level.Crit, result.Unreachable: c.level.Unreachable}[st]
			if v > 0 {
				n = v
			}
			break
		}
	}
	if kp != nil && kp.minConsecutive > 0 && kp.minConsecutive < n {
		n = kp.minConsecutive
	}
	return max(n, 1)
}

// keyPeriod returns the key period in force at t for system, or nil.
func (p *Policy) keyPeriod(t time.Time, system string) *keyPeriod {
	for i := range p.keyPeriods {
		kp := &p.keyPeriods[i]
		if t.Before(kp.from) || !t.Before(kp.to) {
			continue
		}
		if len(kp.systems) == 0 || contains(kp.systems, system) {
			return kp
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// glob matches s against pattern, where * is any run of characters
// (slashes too: check names hold paths) and ? any one character.
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			pattern, s = pattern[1:], s[n:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}
