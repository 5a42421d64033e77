// Package result holds the vocabulary every part of hcops speaks: the status of
// a check, one result, and a run of many results. Inspection, backup
// verification, database diagnosis, the history store and the reports all use
// these types, so a verdict means the same thing wherever it is shown.
package result

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Status is the verdict of one check. The order matters: a larger value is
// worse, so the worst status of a run is the maximum over its results.
type Status int

// The statuses. Their values are stored in history and order listings
// (Severity: UNREACHABLE, "could not look at all", tops a findings list).
// Which status is a run's or host's verdict is decided by Worst, whose
// precedence is not this order: CRIT > UNREACHABLE > UNKNOWN > WARN > OK,
// the precedence of the exit codes (2 outranks 3, as in Nagios).
const (
	OK Status = iota
	Warn
	Unknown
	Crit
	Unreachable
)

var statusNames = [...]string{"OK", "WARN", "UNKNOWN", "CRIT", "UNREACHABLE"}

// String returns the stable upper-case name used in JSON, the store and output.
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "UNKNOWN"
	}
	return statusNames[s]
}

// ParseStatus reads a status name (case-insensitive; CRITICAL, WARNING are
// accepted as synonyms).
func ParseStatus(s string) (Status, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "OK":
		return OK, nil
	case "WARN", "WARNING":
		return Warn, nil
	case "CRIT", "CRITICAL":
		return Crit, nil
	case "UNKNOWN":
		return Unknown, nil
	case "UNREACHABLE":
		return Unreachable, nil
	}
	return Unknown, fmt.Errorf("unknown status %q (want OK, WARN, CRIT, UNKNOWN or UNREACHABLE)", s)
}

// Severity orders statuses for "worst first" listings: UNREACHABLE and CRIT
// first, then UNKNOWN, WARN, OK.
func (s Status) Severity() int { return int(s) }

// MarshalJSON writes the status as its name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a status name.
func (s *Status) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseStatus(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalYAML writes the status as its name.
func (s Status) MarshalYAML() (any, error) { return s.String(), nil }

// precedence ranks statuses for Worst: CRIT > UNREACHABLE > UNKNOWN > WARN
// > OK. A CRIT found anywhere is the verdict even when another host could
// not be looked at, so a run's `worst` and its exit code (CRIT 2, UNKNOWN
// and UNREACHABLE 3) always tell the same story.
func precedence(s Status) int {
	switch s {
	case OK:
		return 0
	case Warn:
		return 1
	case Unknown:
		return 2
	case Unreachable:
		return 3
	case Crit:
		return 4
	}
	return 2 // an unknown value counts as UNKNOWN
}

// Worst returns the worse of two statuses in the verdict precedence CRIT >
// UNREACHABLE > UNKNOWN > WARN > OK (the exit codes' precedence).
func Worst(a, b Status) Status {
	if precedence(b) > precedence(a) {
		return b
	}
	return a
}

// Unreachable reasons: why a target could not be inspected at all.
const (
	ReasonRefused         = "refused"
	ReasonTimeout         = "timeout"
	ReasonAuth            = "auth"
	ReasonHostKeyMismatch = "host-key-mismatch"
	ReasonHostKeyUnknown  = "host-key-unknown"
	ReasonDNS             = "dns"
	ReasonNetwork         = "network"
)

// ReasonNotApplicable marks a result (Status OK) about something that does
// not apply to that asset, e.g. a pam_tally2 rule on a host that locks out
// with pam_faillock: baseline checklists show it as 不适用.
const ReasonNotApplicable = "not-applicable"

// Metric is one number a check measured, kept for trends and forecasts
// (disk use per mount, load, replication lag, ...).
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Result is one verdict about one asset. Field names are part of hcops'
// JSON interface: keep them.
type Result struct {
	Asset    string `json:"asset"`
	Check    string `json:"check"`              // check name as the playbook calls it, e.g. "disk" or "disk:/var"
	Type     string `json:"type,omitempty"`     // check type from the registry, e.g. "disk"
	Item     string `json:"item,omitempty"`     // sub-item: a mount point, a unit, a URL
	Playbook string `json:"playbook,omitempty"` // playbook the check came from
	System   string `json:"system,omitempty"`   // application system of the asset, copied for grouping
	Zone     string `json:"zone,omitempty"`

	Status  Status   `json:"status"`
	Value   *float64 `json:"value,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Warn    string   `json:"warn,omitempty"` // warn threshold as written (Nagios range syntax)
	Crit    string   `json:"crit,omitempty"`
	Message string   `json:"message"`
	// Code and Args are Message's meaning: a catalogue key and its
	// language-neutral arguments (see i18n.Render), so the message can be
	// shown in any language later. Code is "" for text that is not from the
	// catalogue (a raw error) and for results stored before codes existed.
	Code   string `json:"code,omitempty"`
	Args   []any  `json:"args,omitempty"`
	Reason string `json:"reason,omitempty"` // machine-readable cause, e.g. "timeout" for UNREACHABLE
	Advice string `json:"advice,omitempty"` // what the engineer should do about it
	// AdviceCode and AdviceArgs are Advice's meaning, as Code and Args.
	AdviceCode string   `json:"advice_code,omitempty"`
	AdviceArgs []any    `json:"advice_args,omitempty"`
	Metrics    []Metric `json:"metrics,omitempty"`
	Evidence   string   `json:"evidence,omitempty"` // bounded raw output the verdict was made from
	// EvidenceTruncated says the evidence was cut at the bound.
	EvidenceTruncated bool `json:"evidence_truncated,omitempty"`

	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
}

// SetMessage sets Message to the catalogue message code in lang and records
// code and args, so the message can be rendered again in another language.
func (r *Result) SetMessage(lang, code string, args ...any) {
	r.Code, r.Args = code, i18n.Neutral(args)
	r.Message = i18n.Render(lang, code, r.Args)
}

// SetText sets Message to text that is not from the catalogue (a raw error,
// a command's own output): it has no code.
func (r *Result) SetText(text string) {
	r.Message, r.Code, r.Args = text, "", nil
}

// AppendMessage adds the catalogue message code to the end of Message and
// to its meaning (the result's code becomes i18n.ConcatCode, its parts the
// previous message and this one).
func (r *Result) AppendMessage(lang, code string, args ...any) {
	r.appendPart(lang, i18n.S(code, args...))
}

// AppendText adds literal text (a separator such as "; ", or data) to the
// end of Message and to its meaning.
func (r *Result) AppendText(text string) {
	if text != "" {
		r.appendPart("", text)
	}
}

func (r *Result) appendPart(lang string, part any) {
	switch {
	case r.Code == i18n.ConcatCode:
	case r.Code != "":
		r.Args = []any{i18n.Sub{Key: r.Code, Args: r.Args}}
	case r.Message == "":
		r.Args = nil
	default:
		// Raw text so far: the whole message stays without meaning.
		if s, ok := part.(i18n.Sub); ok {
			r.Message += i18n.Render(lang, s.Key, s.Args)
		} else {
			r.Message += part.(string)
		}
		return
	}
	r.Code = i18n.ConcatCode
	r.Args = append(r.Args, part)
	if s, ok := part.(i18n.Sub); ok {
		r.Message += i18n.Render(lang, s.Key, s.Args)
	} else {
		r.Message += part.(string)
	}
}

// SetAdvice sets Advice to the catalogue message code in lang and records
// code and args.
func (r *Result) SetAdvice(lang, code string, args ...any) {
	r.AdviceCode, r.AdviceArgs = code, i18n.Neutral(args)
	r.Advice = i18n.Render(lang, code, r.AdviceArgs)
}

// SetAdviceText sets Advice to text that is not from the catalogue (the
// playbook's own advice): it has no code.
func (r *Result) SetAdviceText(text string) {
	r.Advice, r.AdviceCode, r.AdviceArgs = text, "", nil
}

// MessageIn returns the message in lang: rendered from Code and Args when the
// result has a code, else the stored text.
func (r *Result) MessageIn(lang string) string {
	if r.Code == "" {
		return r.Message
	}
	return i18n.Render(lang, r.Code, r.Args)
}

// AdviceIn returns the advice in lang, as MessageIn.
func (r *Result) AdviceIn(lang string) string {
	if r.AdviceCode == "" {
		return r.Advice
	}
	return i18n.Render(lang, r.AdviceCode, r.AdviceArgs)
}

// SetValue records v as the result's value.
func (r *Result) SetValue(v float64, unit string) {
	r.Value = &v
	r.Unit = unit
}

// Run kinds: what produced a run.
const (
	KindInspect = "inspect"
	KindBackup  = "backup"
	KindDrill   = "drill"
	// KindProbe: the watcher's availability probes (results stored for
	// assets that are down or changed state).
	KindProbe = "probe"
)

// Run statuses: how a run ended.
const (
	RunRunning     = "running"
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
)

// Run is one execution of hcops over a set of assets: an inspection, a backup
// verification, a drill. Its results are stored with it.
type Run struct {
	ID         int64     `json:"run_id"`
	Kind       string    `json:"kind"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Status     string    `json:"status"`   // running, completed, interrupted, failed
	Operator   string    `json:"operator"` // OS user who ran it
	RanFrom    string    `json:"ran_from"` // host name of the machine hcops ran on
	// Runner, Zone and Site name the hcops that wrote the run, where
	// several runners share one history (one per network zone or site).
	Runner    string   `json:"runner,omitempty"`
	Zone      string   `json:"zone,omitempty"`
	Site      string   `json:"site,omitempty"`
	Playbooks []string `json:"playbooks"`
	Selector  string   `json:"selector,omitempty"`
	Assets    int      `json:"assets"`    // assets targeted; of an interrupted run, those finished
	Inventory int      `json:"inventory"` // assets in the inventory at the time
	Worst     Status   `json:"worst"`     // worst status among results (precedence of Worst)
	Counts    Counts   `json:"counts"`    // results per status
	Results   []Result `json:"results,omitempty"`
}

// Counts is the number of results per status.
type Counts struct {
	OK          int `json:"ok"`
	Warn        int `json:"warn"`
	Crit        int `json:"crit"`
	Unknown     int `json:"unknown"`
	Unreachable int `json:"unreachable"`
}

// Add counts one status.
func (c *Counts) Add(s Status) {
	switch s {
	case OK:
		c.OK++
	case Warn:
		c.Warn++
	case Crit:
		c.Crit++
	case Unknown:
		c.Unknown++
	case Unreachable:
		c.Unreachable++
	}
}

// Worst is the worst status counted (OK when none), in Worst's precedence.
func (c Counts) Worst() Status {
	switch {
	case c.Crit > 0:
		return Crit
	case c.Unreachable > 0:
		return Unreachable
	case c.Unknown > 0:
		return Unknown
	case c.Warn > 0:
		return Warn
	}
	return OK
}

// Total is the number of results counted.
func (c Counts) Total() int { return c.OK + c.Warn + c.Crit + c.Unknown + c.Unreachable }

// Tally recomputes the run's Counts and Worst from its results.
func (r *Run) Tally() {
	r.Counts = Counts{}
	r.Worst = OK
	for i := range r.Results {
		r.Counts.Add(r.Results[i].Status)
		r.Worst = Worst(r.Worst, r.Results[i].Status)
	}
}
