// Package waiver reads the waivers of the MLPS level-3 host baseline
// (等保三级基线豁免): exceptions that an approver accepted for a rule or a
// clause, on named assets or on the assets a selector picks, with a
// justification, a compensating control and an expiry date.
//
// The file is decoded strictly: an unknown key, a missing field, a date that
// is not YYYY-MM-DD, a rule or clause the catalogue does not have, or a
// selector that does not parse is a problem with the file and line, and all
// problems of a file are reported at once. A waiver past its expiry date is
// not an error: it stays in the file, is listed as expired, and no longer
// covers a finding.
//
// The package does not import the rule catalogue: the caller passes the
// rule IDs and clause names waivers may refer to (Catalogue), so the report
// and the checks stay the only places that know the rules.
package waiver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// DefaultName is the file name looked for next to the inventory.
const DefaultName = "waivers.yaml"

// DateLayout is how expiry dates are written.
const DateLayout = "2006-01-02"

// maxFileSize bounds the file read: a waiver file is written by hand.
const maxFileSize = 4 << 20

// Waiver is one accepted exception.
type Waiver struct {
	// No is the waiver's number in file order, from 1 (the report's
	// appendix numbers them so).
	No int `json:"no"`
	// Rule is a rule ID ("ia-mfa"); Clause instead names a clause ("8.1.4.1
	// d)"), a section ("8.1.4.1", every rule of it) or a test unit
	// ("L3-CES1-04"). Exactly one is set.
	Rule   string `json:"rule,omitempty"`
	Clause string `json:"clause,omitempty"`
	// Assets names assets; Selector instead selects them with the selector
	// syntax of the CLI (-l). Exactly one is set.
	Assets   []string `json:"assets,omitempty"`
	Selector string   `json:"selector,omitempty"`

	Justification       string `json:"justification"`
	CompensatingControl string `json:"compensating_control"`
	Approver            string `json:"approver"`
	// Expires is the last day the waiver holds (a calendar date, in the
	// report's time zone): from the next day on it is expired.
	Expires time.Time `json:"expires"`

	// Pos is where the waiver starts in its file.
	Pos inventory.Pos `json:"-"`

	sel *inventory.Selector
}

// Catalogue is what waivers may refer to: the rule IDs, and the clauses,
// sections and test units of those rules.
type Catalogue struct {
	Rules   []string
	Clauses []string
}

// Set is the waivers of one file.
type Set struct {
	// File is the path the waivers were read from ("" for none).
	File    string
	Waivers []*Waiver
	// Warnings are problems that do not stop the file from being used: an
	// asset name the inventory does not have (a typo, or an asset since
	// removed).
	Warnings []inventory.Problem
}

// Scope writes the waiver's assets or selector as the report shows it.
func (w *Waiver) Scope() string {
	if w.Selector != "" {
		return w.Selector
	}
	return strings.Join(w.Assets, ", ")
}

// Target is the rule or clause the waiver is for.
func (w *Waiver) Target() string {
	if w.Rule != "" {
		return w.Rule
	}
	return w.Clause
}

// Active reports whether the waiver still holds at now: its expiry date,
// taken as a calendar date, is today or later in now's time zone.
func (w *Waiver) Active(now time.Time) bool {
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return !today.After(w.Expires)
}

// Covers reports whether the waiver is for the rule (by ID, or by one of
// the rule's clause names) and for the asset. It does not look at the
// expiry date.
func (w *Waiver) Covers(rule string, clauses []string, a *inventory.Asset) bool {
	if w.Rule != "" {
		if w.Rule != rule {
			return false
		}
	} else {
		want := normClause(w.Clause)
		if !slices.ContainsFunc(clauses, func(c string) bool { return c != "" && normClause(c) == want }) {
			return false
		}
	}
	if a == nil {
		return false
	}
	if w.sel != nil {
		return w.sel.Match(a)
	}
	return slices.Contains(w.Assets, a.Name)
}

// Match returns the first waiver of the file (in file order) that covers
// the rule and the asset and holds at now; failing that, the first one that
// covers them but has expired. Both are nil when no waiver is for them.
func (s *Set) Match(rule string, clauses []string, a *inventory.Asset, now time.Time) (active, expired *Waiver) {
	if s == nil {
		return nil, nil
	}
	for _, w := range s.Waivers {
		if !w.Covers(rule, clauses, a) {
			continue
		}
		if w.Active(now) {
			return w, nil
		}
		if expired == nil {
			expired = w
		}
	}
	return nil, expired
}

// DefaultPath is the waiver file next to the inventory path (a file or a
// directory of files): in the directory that holds it. "" without an
// inventory. A directory inventory reads every *.yaml in it, so the waivers
// cannot live inside it.
func DefaultPath(inventoryPath string) string {
	if inventoryPath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(filepath.Clean(inventoryPath)), DefaultName)
}

// ErrNoFile says the waiver file does not exist.
var ErrNoFile = errors.New("waiver file does not exist")

// Load reads and checks the waiver file at path. A missing file is
// ErrNoFile (wrapped); problems in the file are a
// *inventory.ValidationError listing every one with its line. inv, when not
// nil, is used to warn about asset names it does not have.
func Load(path string, cat Catalogue, inv *inventory.Inventory) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", path, ErrNoFile)
		}
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxFileSize+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if buf.Len() > maxFileSize {
		return nil, &inventory.ValidationError{Problems: []inventory.Problem{
			problem(inventory.Pos{File: path}, "waiver.problem.too_big", maxFileSize>>20)}}
	}
	return Parse(path, buf.Bytes(), cat, inv)
}

// Parse checks data, the content of the waiver file name (used in
// messages), as Load does.
func Parse(name string, data []byte, cat Catalogue, inv *inventory.Inventory) (*Set, error) {
	p := &parser{file: name, cat: cat, inv: inv, set: &Set{File: name}}
	p.parse(data)
	// In the order of the file, as an editor goes through them.
	slices.SortStableFunc(p.probs, func(a, b inventory.Problem) int { return a.Pos.Line - b.Pos.Line })
	if len(p.probs) > 0 {
		return nil, &inventory.ValidationError{Problems: p.probs}
	}
	return p.set, nil
}

// keys are the keys of a waiver, in the order they are documented.
var keys = []string{"rule", "clause", "assets", "selector", "justification", "compensating_control", "approver", "expires"}

type parser struct {
	file  string
	cat   Catalogue
	inv   *inventory.Inventory
	set   *Set
	probs []inventory.Problem
}

func problem(pos inventory.Pos, key string, args ...any) inventory.Problem {
	return inventory.Problem{Pos: pos, Key: key, Args: args, Message: i18n.T(i18n.EN, key, args...)}
}

func (p *parser) add(n *yaml.Node, key string, args ...any) *inventory.Problem {
	p.probs = append(p.probs, problem(p.pos(n), key, args...))
	return &p.probs[len(p.probs)-1]
}

// hint adds a "did you mean" to the problem just added.
func hint(pr *inventory.Problem, near string) {
	if near == "" {
		return
	}
	pr.HintKey, pr.HintArgs = "inventory.hint.did_you_mean", []any{near}
	pr.Hint = i18n.T(i18n.EN, pr.HintKey, near)
}

func (p *parser) pos(n *yaml.Node) inventory.Pos {
	if n == nil {
		return inventory.Pos{File: p.file}
	}
	return inventory.Pos{File: p.file, Line: n.Line, Column: n.Column}
}

func (p *parser) parse(data []byte) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return // an empty file: no waivers
		}
		line, col := inventory.SyntaxErrorPos(data, err)
		msg := strings.TrimPrefix(strings.TrimSpace(err.Error()), "yaml: ")
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
			msg = msg[i+2:]
		}
		p.probs = append(p.probs, problem(inventory.Pos{File: p.file, Line: line, Column: col}, "waiver.problem.yaml", msg))
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(&extra, "waiver.problem.multi_doc")
	}
	if len(doc.Content) == 0 {
		return
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return
	}
	if top.Kind != yaml.MappingNode {
		p.add(top, "waiver.problem.top")
		return
	}
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value != "waivers" {
			p.unknown(k, "waiver.problem.unknown_top", k.Value, near(k.Value, []string{"waivers"}))
			continue
		}
		list = v
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return
	}
	if list.Kind != yaml.SequenceNode {
		p.add(list, "waiver.problem.want_list")
		return
	}
	for _, n := range list.Content {
		if w := p.waiver(n); w != nil {
			w.No = len(p.set.Waivers) + 1
			p.set.Waivers = append(p.set.Waivers, w)
		}
	}
}

// waiver decodes one entry; nil when it has problems.
func (p *parser) waiver(n *yaml.Node) *Waiver {
	if n.Kind != yaml.MappingNode {
		p.add(n, "waiver.problem.want_mapping")
		return nil
	}
	before := len(p.probs)
	w := &Waiver{Pos: p.pos(n)}
	seen := map[string]*yaml.Node{}
	misspelt := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(keys, k.Value) {
			if nk := near(k.Value, keys); nk != "" {
				hint(p.add(k, "waiver.problem.unknown_key_near", k.Value), nk)
				misspelt[nk] = true // not also "missing"
			} else {
				p.add(k, "waiver.problem.unknown_key", k.Value)
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.add(k, "waiver.problem.dup_key", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		switch k.Value {
		case "assets":
			w.Assets = p.names(v)
		case "expires":
			s, ok := p.text(v)
			if !ok {
				continue
			}
			t, err := time.Parse(DateLayout, s)
			if err != nil {
				p.add(v, "waiver.problem.bad_date", s)
				continue
			}
			w.Expires = t
		default:
			s, ok := p.text(v)
			if !ok {
				continue
			}
			switch k.Value {
			case "rule":
				w.Rule = s
			case "clause":
				w.Clause = s
			case "selector":
				w.Selector = s
			case "justification":
				w.Justification = s
			case "compensating_control":
				w.CompensatingControl = s
			case "approver":
				w.Approver = s
			}
		}
	}
	// What it is for: one rule or one clause, known to the catalogue.
	switch {
	case w.Rule == "" && w.Clause == "" && seen["rule"] == nil && seen["clause"] == nil:
		if misspelt["rule"] || misspelt["clause"] {
			break
		}
		p.add(n, "waiver.problem.no_target")
	case seen["rule"] != nil && seen["clause"] != nil:
		p.add(seen["clause"], "waiver.problem.rule_and_clause")
	case w.Rule != "" && !slices.Contains(p.cat.Rules, w.Rule):
		p.unknown(valueOf(n, "rule"), "waiver.problem.unknown_rule", w.Rule, near(w.Rule, p.cat.Rules))
	case w.Clause != "" && !slices.ContainsFunc(p.cat.Clauses, func(c string) bool { return normClause(c) == normClause(w.Clause) }):
		p.unknown(valueOf(n, "clause"), "waiver.problem.unknown_clause", w.Clause, nearClause(w.Clause, p.cat.Clauses))
	}
	// Where it applies: named assets or a selector.
	switch {
	case seen["assets"] != nil && seen["selector"] != nil:
		p.add(seen["selector"], "waiver.problem.assets_and_selector")
	case len(w.Assets) == 0 && w.Selector == "" && seen["assets"] == nil && seen["selector"] == nil:
		if !misspelt["assets"] && !misspelt["selector"] {
			p.add(n, "waiver.problem.no_scope")
		}
	case seen["assets"] != nil && len(w.Assets) == 0 && len(p.probs) == before:
		p.add(valueOf(n, "assets"), "waiver.problem.empty", "assets")
	case w.Selector != "":
		sel, err := inventory.ParseExpr(w.Selector)
		if err != nil {
			// The selector's own message, in the language the problem is
			// shown in.
			var why any = err.Error()
			var ie *inventory.Error
			if errors.As(err, &ie) {
				why = i18n.S(ie.Key, ie.Args...)
			}
			p.add(valueOf(n, "selector"), "waiver.problem.bad_selector", why)
		} else if sel.Empty() {
			p.add(valueOf(n, "selector"), "waiver.problem.empty", "selector")
		} else {
			w.sel = sel
		}
	}
	// Why, how, who and until when: each required.
	for _, f := range []struct {
		key string
		val string
	}{{"justification", w.Justification}, {"compensating_control", w.CompensatingControl}, {"approver", w.Approver}} {
		switch {
		case seen[f.key] == nil:
			if !misspelt[f.key] {
				p.add(n, "waiver.problem.missing", f.key)
			}
		case strings.TrimSpace(f.val) == "" && !p.hasProblemAt(valueOf(n, f.key), before):
			p.add(valueOf(n, f.key), "waiver.problem.empty", f.key)
		}
	}
	if seen["expires"] == nil && !misspelt["expires"] {
		p.add(n, "waiver.problem.missing", "expires")
	}
	if len(p.probs) > before {
		return nil
	}
	if p.inv != nil {
		var names []string
		for _, a := range p.inv.Assets {
			names = append(names, a.Name)
		}
		for i, name := range w.Assets {
			if !slices.Contains(names, name) {
				pr := problem(p.pos(valueOf(n, "assets").Content[i]), "waiver.problem.unknown_asset", name)
				hint(&pr, near(name, names))
				p.set.Warnings = append(p.set.Warnings, pr)
			}
		}
	}
	return w
}

// unknown adds an unknown rule or clause: with the nearest known one when
// there is one, else with where to find them.
func (p *parser) unknown(n *yaml.Node, key, what, nearest string) {
	if nearest != "" {
		hint(p.add(n, key+"_near", what), nearest)
		return
	}
	p.add(n, key, what)
}

func (p *parser) hasProblemAt(n *yaml.Node, since int) bool {
	for _, pr := range p.probs[since:] {
		if n != nil && pr.Pos.Line == n.Line && pr.Pos.Column == n.Column {
			return true
		}
	}
	return false
}

// text reads a scalar as text (a number or a date is taken as written).
func (p *parser) text(v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		p.add(v, "waiver.problem.want_text")
		return "", false
	}
	if v.Tag == "!!null" {
		return "", true
	}
	return strings.TrimSpace(v.Value), true
}

// names reads a list of asset names, or a single name.
func (p *parser) names(v *yaml.Node) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil
		}
		// Allow "assets: web-01" for one asset; keep its node for positions.
		*v = yaml.Node{Kind: yaml.SequenceNode, Line: v.Line, Column: v.Column, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: v.Value, Line: v.Line, Column: v.Column}}}
		return []string{strings.TrimSpace(v.Content[0].Value)}
	case yaml.SequenceNode:
		var out []string
		for _, c := range v.Content {
			if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
				p.add(c, "waiver.problem.want_text")
				continue
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
		return out
	}
	p.add(v, "waiver.problem.want_list")
	return nil
}

// valueOf is the value node of key in mapping n.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return n
}

// near is the known word closest to s, or "" when none is close: by edit
// distance, else the one known word that starts with s (a rule ID typed
// short, "mc-malware" for "mc-malware-protection").
func near(s string, known []string) string {
	best, bestD := "", max(3, len([]rune(s))/3+1)
	for _, k := range known {
		if d := inventory.EditDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" || len(s) < 3 {
		return best
	}
	for _, k := range known {
		if strings.HasPrefix(strings.ToLower(k), strings.ToLower(s)) {
			if best != "" {
				return "" // several: no guess
			}
			best = k
		}
	}
	return best
}

func nearClause(s string, known []string) string {
	n := normClause(s)
	best, bestD := "", 3
	for _, k := range known {
		if d := inventory.EditDistance(n, normClause(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// SameClause reports whether two clause names are the same clause, as
// Covers compares them.
func SameClause(a, b string) bool { return a != "" && normClause(a) == normClause(b) }

// normClause compares clause names as a person types them: case, blanks
// and full-width brackets do not matter ("8.1.4.1a）" is "8.1.4.1 a)").
func normClause(s string) string {
	r := strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "", "\t", "")
	return strings.ToLower(r.Replace(strings.TrimSpace(s)))
}
