package config

// Alerts configures alerting (config key alerts:): when a problem finding
// becomes an alert, key periods, the channels notifications go to, routing
// and the duty roster. pkg/alert reads and checks it (alert.NewPolicy,
// alert.NewChannels); every key is optional.
type Alerts struct {
	// Lang is the language of notifications ("zh" or "en"); default: lang.
	Lang string `yaml:"lang,omitempty"`
	// Damping is how many results in a row a status needs before it fires.
	Damping Damping `yaml:"damping,omitempty"`
	// ResolveAfter is how many OK results in a row resolve an alert (default 1).
	ResolveAfter int `yaml:"resolve_after,omitempty"`
	// RemindEvery re-notifies a firing alert nobody acknowledged, e.g. "4h";
	// "" never.
	RemindEvery string `yaml:"remind_every,omitempty"`
	// KeyPeriods are 重保 periods: tighter damping and escalation.
	KeyPeriods []KeyPeriod `yaml:"key_periods,omitempty"`
	// Channels by name; when none are given, mail (if mail.host is set)
	// and every entry of webhooks: are channels under their own names.
	Channels map[string]AlertChannel `yaml:"channels,omitempty"`
	// Routes choose channels; when none are given, every alert goes to
	// every channel.
	Routes []AlertRoute `yaml:"routes,omitempty"`
	// People on the duty roster, by a short id.
	People map[string]Person `yaml:"people,omitempty"`
	// Roster says who is on duty when (the first matching shift wins).
	Roster []Shift `yaml:"roster,omitempty"`
	// Retry bounds delivery retries.
	Retry Retry `yaml:"retry,omitempty"`
}

// Damping is the number of consecutive results a status needs to fire,
// by status, with overrides per check name.
type Damping struct {
	Warn        int                     `yaml:"warn,omitempty"`        // default 2
	Crit        int                     `yaml:"crit,omitempty"`        // default 1
	Unreachable int                     `yaml:"unreachable,omitempty"` // default 1
	Checks      map[string]DampingLevel `yaml:"checks,omitempty"`      // by check name ("disk:/var", "http-*")
}

// DampingLevel overrides the damping of one check (0 keeps the default).
type DampingLevel struct {
	Warn        int `yaml:"warn,omitempty"`
	Crit        int `yaml:"crit,omitempty"`
	Unreachable int `yaml:"unreachable,omitempty"`
}

// KeyPeriod is a 重保 period: from and to are dates ("2026-03-03") or
// local times ("2026-03-03 08:00"), to inclusive when a date.
type KeyPeriod struct {
	Name           string   `yaml:"name"`
	From           string   `yaml:"from"`
	To             string   `yaml:"to"`
	Systems        []string `yaml:"systems,omitempty"`         // only these systems; none for all
	Escalate       bool     `yaml:"escalate,omitempty"`        // WARN alerts are raised as CRIT
	MinConsecutive int      `yaml:"min_consecutive,omitempty"` // damping at most this many results
}

// AlertChannel is where notifications go: type mail (the mail: server,
// with its own recipients) or webhook (an entry of webhooks:).
type AlertChannel struct {
	Type      string   `yaml:"type"`                 // mail or webhook
	Webhook   string   `yaml:"webhook,omitempty"`    // name in webhooks: (type webhook)
	To        []string `yaml:"to,omitempty"`         // type mail: recipients (default mail.to)
	Cc        []string `yaml:"cc,omitempty"`         // type mail
	RateLimit string   `yaml:"rate_limit,omitempty"` // e.g. "20/1m", "60/1h"; over it, a digest
	Lang      string   `yaml:"lang,omitempty"`       // language of this channel's messages
	// Template is the message body as a Go text/template over alert.Notice
	// ({{.Subject}}, {{.Asset}}, {{.Status}}, {{.Message}}, ...); "" for
	// the built-in zh/en text.
	Template string `yaml:"template,omitempty"`
}

// AlertRoute sends the alerts it matches to its channels. Every condition
// given must hold; an empty list matches anything.
type AlertRoute struct {
	Name     string   `yaml:"name,omitempty"`
	Systems  []string `yaml:"systems,omitempty"`
	Zones    []string `yaml:"zones,omitempty"`
	Kinds    []string `yaml:"kinds,omitempty"`    // inspect, backup, drill
	Severity string   `yaml:"severity,omitempty"` // at least: warn, crit, unreachable
	Days     []string `yaml:"days,omitempty"`     // mon..sun, or ranges "mon-fri"
	Hours    string   `yaml:"hours,omitempty"`    // local "08:00-18:00"; may wrap midnight
	Channels []string `yaml:"channels"`
	Duty     bool     `yaml:"duty,omitempty"` // also name (and mail, @) who is on duty
	Stop     bool     `yaml:"stop,omitempty"` // no later route is tried
}

// Person is someone on the duty roster.
type Person struct {
	Name   string `yaml:"name"`
	Email  string `yaml:"email,omitempty"`
	Mobile string `yaml:"mobile,omitempty"` // @-mentioned by DingTalk robots
}

// Shift puts people on duty on some days and hours, optionally only
// between two dates.
type Shift struct {
	People []string `yaml:"people"`
	Days   []string `yaml:"days,omitempty"`
	Hours  string   `yaml:"hours,omitempty"`
	From   string   `yaml:"from,omitempty"` // date, inclusive
	To     string   `yaml:"to,omitempty"`   // date, inclusive
}

// Retry bounds delivery retries: the wait doubles from 30s up to MaxDelay;
// with MaxAttempts 0 a notification is retried until it is delivered.
type Retry struct {
	MaxAttempts int    `yaml:"max_attempts,omitempty"`
	MaxDelay    string `yaml:"max_delay,omitempty"` // default 30m
}
