package inventory

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Settings are what `defaults:` and a group may give every asset that
// inherits from them. An asset's own value wins over its groups' (later
// groups in the asset's list win over earlier ones), which win over defaults.
type Settings struct {
	Zone        string                   `json:"zone,omitempty" yaml:"zone,omitempty"`
	Site        string                   `json:"site,omitempty" yaml:"site,omitempty"`
	Room        string                   `json:"room,omitempty" yaml:"room,omitempty"`
	System      string                   `json:"system,omitempty" yaml:"system,omitempty"`
	Labels      map[string]string        `json:"labels,omitempty" yaml:"labels,omitempty"`
	Owner       string                   `json:"owner,omitempty" yaml:"owner,omitempty"`
	Contact     string                   `json:"contact,omitempty" yaml:"contact,omitempty"`
	Criticality string                   `json:"criticality,omitempty" yaml:"criticality,omitempty"`
	OS          OS                       `json:"os,omitzero" yaml:"os,omitempty"`
	Connection  Connection               `json:"connection,omitzero" yaml:"connection,omitempty"`
	SNMP        *SNMP                    `json:"snmp,omitempty" yaml:"snmp,omitempty"`
	Checks      map[string]CheckOverride `json:"checks,omitempty" yaml:"checks,omitempty"`
}

// Group is a named set of assets (an asset lists its groups) that may also
// carry settings its members inherit.
type Group struct {
	Name        string `json:"name" yaml:"-"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Settings    `json:",inline" yaml:",inline"`

	// Pos is where the group was defined.
	Pos Pos `json:"-" yaml:"-"`
}

// Inventory is a loaded and validated asset register.
type Inventory struct {
	// Assets in file order (files in lexical order, then position in file),
	// each with its effective (inherited and merged) settings.
	Assets []*Asset
	// Systems in file order.
	Systems []*System
	// Groups in file order.
	Groups []*Group
	// Defaults every asset inherits (zero when the files have none).
	Defaults Settings
	// DefaultsPos is where `defaults:` was written (zero when absent).
	DefaultsPos Pos
	// Path is what Load was given: a file or a directory.
	Path string
	// Files are the YAML files read, in load order.
	Files []string

	assetByName  map[string]*Asset
	systemByName map[string]*System
	groupByName  map[string]*Group
	docs         []*doc
	own          map[*Asset]*Asset // the asset as written, before inheritance
}

// Asset returns the asset called name, or nil.
func (inv *Inventory) Asset(name string) *Asset {
	if inv == nil {
		return nil
	}
	return inv.assetByName[name]
}

// System returns the system called name, or nil.
func (inv *Inventory) System(name string) *System {
	if inv == nil {
		return nil
	}
	return inv.systemByName[name]
}

// Group returns the group called name, or nil.
func (inv *Inventory) Group(name string) *Group {
	if inv == nil {
		return nil
	}
	return inv.groupByName[name]
}

// Own returns asset a as its definition wrote it, before defaults and groups
// were applied (nil for an asset not from this inventory).
func (inv *Inventory) Own(a *Asset) *Asset {
	if inv == nil {
		return nil
	}
	return inv.own[a]
}

// Select returns the assets sel matches, in file order. A nil selector
// matches every asset.
func (inv *Inventory) Select(sel *Selector) []*Asset {
	var out []*Asset
	for _, a := range inv.Assets {
		if sel.Match(a) {
			out = append(out, a)
		}
	}
	return out
}

// SystemMembers returns the assets serving system name: those whose `system`
// names it, then (without repeats, still in file order) those its `members`
// selector matches.
func (inv *Inventory) SystemMembers(name string) []*Asset {
	s := inv.System(name)
	var sel *Selector
	if s != nil && s.Members != "" {
		sel, _ = ParseExpr(s.Members) // validated at load
	}
	var out []*Asset
	for _, a := range inv.Assets {
		if a.System == name || (sel != nil && !sel.Empty() && sel.Match(a)) {
			out = append(out, a)
		}
	}
	return out
}

// JumpChain returns the jump hosts (bastions) to pass through to reach a,
// outermost (the first hop) first; empty when a is reached directly.
func (inv *Inventory) JumpChain(a *Asset) ([]*Asset, error) {
	var chain []*Asset
	seen := map[string]bool{a.Name: true}
	cur := a
	for cur.Connection.Via != "" {
		via := cur.Connection.Via
		if seen[via] {
			return nil, fmt.Errorf("%s: jump chain loops back to %s", a.Name, via)
		}
		next := inv.Asset(via)
		if next == nil {
			return nil, fmt.Errorf("%s: jump host %q is not in the inventory", a.Name, via)
		}
		seen[via] = true
		chain = append(chain, next)
		cur = next
	}
	// Built from the target outwards; the first hop is the last one found.
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, nil
}

// CheckOverride returns the effective override of check for asset a (the
// asset's own entry over its groups' over the defaults; Load has already
// merged them into a.Checks).
func (inv *Inventory) CheckOverride(a *Asset, check string) (CheckOverride, bool) {
	o, ok := a.Checks[check]
	return o, ok
}

// Localhost returns the built-in asset used when there is no inventory: the
// machine hcops runs on, reached without SSH.
func Localhost() *Asset {
	osName := runtime.GOOS
	arch := runtime.GOARCH
	switch arch {
	case "amd64":
		arch = "x86_64"
	case "arm64":
		arch = "aarch64"
	}
	a := &Asset{
		Name:       LocalhostAssetName,
		Kind:       KindHost,
		Address:    "127.0.0.1",
		Connection: Connection{Transport: TransportLocal},
		OS:         OS{Family: osName, Arch: arch},
	}
	if id, ver := osRelease(); id != "" {
		a.OS.Family, a.OS.Version = id, ver
	}
	return a
}

// osRelease reads ID and VERSION_ID from /etc/os-release (Kylin, UOS, ...).
func osRelease() (id, version string) {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "", ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			version = v
		}
	}
	return id, version
}

// Problem is one thing wrong with an inventory, where it was written and what
// to do about it.
type Problem struct {
	Pos     Pos
	Message string // English
	Hint    string // English; may be empty

	// Key and Args name the catalogue message (pkg/i18n) so the problem can be
	// shown in the user's language; HintKey likewise for the hint.
	Key      string
	Args     []any
	HintKey  string
	HintArgs []any
}

// Text renders the problem as "file:line:col: message (hint)" in lang.
func (p Problem) Text(lang string) string {
	msg, hint := p.Message, p.Hint
	if p.Key != "" {
		msg = i18n.T(lang, p.Key, p.Args...)
	}
	if p.HintKey != "" {
		hint = i18n.T(lang, p.HintKey, p.HintArgs...)
	}
	var b strings.Builder
	if p.Pos.File != "" {
		b.WriteString(p.Pos.File)
		if p.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Pos.Line)
			if p.Pos.Column > 0 {
				fmt.Fprintf(&b, ":%d", p.Pos.Column)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(msg)
	if hint != "" {
		if lang == i18n.ZH {
			b.WriteString("（" + hint + "）")
		} else {
			b.WriteString(" (" + hint + ")")
		}
	}
	return b.String()
}

// String renders the problem in English.
func (p Problem) String() string { return p.Text(i18n.EN) }

// ValidationError lists every problem found in an inventory.
type ValidationError struct {
	Problems []Problem
}

// Error is one line per problem, "file:line:col: message (hint)", in English.
func (e *ValidationError) Error() string { return e.Text(i18n.EN) }

// Text is Error in the given language.
func (e *ValidationError) Text(lang string) string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Text(lang)
	}
	return strings.Join(lines, "\n")
}

// Localized returns e as an error whose message is in lang.
func (e *ValidationError) Localized(lang string) error {
	return &localizedError{e: e, lang: lang}
}

type localizedError struct {
	e    *ValidationError
	lang string
}

func (l *localizedError) Error() string { return l.e.Text(l.lang) }
func (l *localizedError) Unwrap() error { return l.e }

// problem builds a Problem from a catalogue key (English text filled in).
func problem(pos Pos, key string, args ...any) Problem {
	return Problem{Pos: pos, Key: key, Args: args, Message: i18n.T(i18n.EN, key, args...)}
}

// hint adds a catalogue hint to p.
func (p Problem) hint(key string, args ...any) Problem {
	p.HintKey, p.HintArgs = key, args
	p.Hint = i18n.T(i18n.EN, key, args...)
	return p
}

// Error is an error whose message is in the catalogue (pkg/i18n), so a
// command can show it in the user's language; Error() is English.
type Error struct {
	Key  string
	Args []any
}

// Error is the message in English.
func (e *Error) Error() string { return e.Text(i18n.EN) }

// Text renders the error in lang; arguments that are *Error are rendered
// in lang too.
func (e *Error) Text(lang string) string {
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if inner, ok := a.(*Error); ok {
			args[i] = inner.Text(lang)
		} else {
			args[i] = a
		}
	}
	return i18n.T(lang, e.Key, args...)
}

func errorf(key string, args ...any) error { return &Error{Key: key, Args: args} }
