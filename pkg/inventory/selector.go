package inventory

import (
	"path"
	"slices"
	"strings"
)

// Selector picks assets. Every part given must match (AND): any of the name
// globs, any of the groups, and every requirement of the expression.
//
// Expression syntax (the -l flag, a playbook's `target:`, a system's
// `members:`), comma-separated requirements:
//
//	key=value     key==value   the field or label equals value (value may be a glob: web-*)
//	key!=value                 it does not (an absent label counts as "does not")
//	key in (a,b)               it is one of the values
//	key notin (a,b)            it is none of them
//	key                        the label is present (fields: non-empty)
//	!key                       the label is absent
//
// Keys are the fields name, kind, zone, site, room, system, criticality,
// group, owner, address, via, os.family, os.version, os.arch; any other key
// (or labels.KEY) is a label. For group, = means "one of the asset's groups
// is", != means "none of them is".
type Selector struct {
	globs  []string
	groups []string
	reqs   []requirement
}

type requirement struct {
	key    string
	op     string // "=", "!=", "in", "notin", "exists", "!exists"
	values []string
}

// fieldKeys are selector keys that name asset fields rather than labels.
var fieldKeys = map[string]func(a *Asset) string{
	"name":        func(a *Asset) string { return a.Name },
	"kind":        func(a *Asset) string { return a.Kind },
	"zone":        func(a *Asset) string { return a.Zone },
	"site":        func(a *Asset) string { return a.Site },
	"room":        func(a *Asset) string { return a.Room },
	"system":      func(a *Asset) string { return a.System },
	"criticality": func(a *Asset) string { return a.Criticality },
	"owner":       func(a *Asset) string { return a.Owner },
	"address":     func(a *Asset) string { return a.Address },
	"via":         func(a *Asset) string { return a.Connection.Via },
	"os.family":   func(a *Asset) string { return a.OS.Family },
	"os.version":  func(a *Asset) string { return a.OS.Version },
	"os.arch":     func(a *Asset) string { return a.OS.Arch },
	// snmp.version is the SNMP version of an asset with SNMP settings
	// (a community or a v3 user), "" otherwise: playbooks target their
	// SNMP checks with it.
	"snmp.version": func(a *Asset) string {
		if !a.SNMP.Configured() {
			return ""
		}
		if a.SNMP.Version == "" {
			return SNMPv2c
		}
		return a.SNMP.Version
	},
}

// ParseSelector builds a selector from name globs, groups (any of) and an
// expression; all may be empty (then every asset matches).
func ParseSelector(globs []string, groups []string, expr string) (*Selector, error) {
	s, err := ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	for _, g := range globs {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, errorf("inventory.err.bad_glob", g, err.Error())
		}
		s.globs = append(s.globs, g)
	}
	for _, g := range groups {
		for _, part := range strings.Split(g, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			s.groups = append(s.groups, part)
		}
	}
	return s, nil
}

// ParseExpr parses a selector expression (see Selector).
func ParseExpr(expr string) (*Selector, error) {
	s := &Selector{}
	terms, err := splitTerms(expr)
	if err != nil {
		return nil, err
	}
	for _, t := range terms {
		r, err := parseRequirement(t)
		if err != nil {
			return nil, err
		}
		s.reqs = append(s.reqs, r)
	}
	return s, nil
}

// splitTerms splits on commas outside parentheses.
func splitTerms(expr string) ([]string, error) {
	var terms []string
	depth, start := 0, 0
	for i, r := range expr {
		switch r {
		case '(':
			depth++
			if depth > 1 {
				return nil, errorf("inventory.err.sel_nested", expr)
			}
		case ')':
			depth--
			if depth < 0 {
				return nil, errorf("inventory.err.sel_unbalanced", expr)
			}
		case ',':
			if depth == 0 {
				terms = append(terms, expr[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errorf("inventory.err.sel_missing_paren", expr)
	}
	terms = append(terms, expr[start:])
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	out := terms[:0]
	for _, t := range terms {
		// "zone=intranet,," or ",zone=intranet": a stray comma is a
		// requirement left out, not nothing; say so rather than guess.
		if t = strings.TrimSpace(t); t == "" {
			return nil, errorf("inventory.err.sel_empty_term", expr)
		}
		out = append(out, t)
	}
	return out, nil
}

func parseRequirement(t string) (requirement, error) {
	bad := func(why string) (requirement, error) {
		return requirement{}, errorf("inventory.err.sel_term", t, &Error{Key: why})
	}
	if i := strings.Index(t, "!="); i >= 0 {
		k, v := normKey(t[:i]), strings.TrimSpace(t[i+2:])
		if k == "" {
			return bad("inventory.err.sel_no_key")
		}
		if err := checkGlob(t, v); err != nil {
			return requirement{}, err
		}
		return keyed(t, requirement{key: k, op: "!=", values: []string{v}})
	}
	if i := strings.Index(t, "="); i >= 0 {
		k, v := normKey(t[:i]), strings.TrimSpace(strings.TrimPrefix(t[i+1:], "="))
		if k == "" {
			return bad("inventory.err.sel_no_key")
		}
		if err := checkGlob(t, v); err != nil {
			return requirement{}, err
		}
		return keyed(t, requirement{key: k, op: "=", values: []string{v}})
	}
	if open := strings.Index(t, "("); open >= 0 {
		if !strings.HasSuffix(t, ")") {
			return bad("inventory.err.sel_after_paren")
		}
		head := strings.Fields(t[:open])
		if len(head) != 2 || (head[1] != "in" && head[1] != "notin") {
			return bad("inventory.err.sel_want_in")
		}
		var vals []string
		inner := strings.TrimSpace(t[open+1 : len(t)-1])
		if inner == "" {
			return bad("inventory.err.sel_empty_list")
		}
		for _, v := range strings.Split(inner, ",") {
			if v = strings.TrimSpace(v); v == "" {
				return bad("inventory.err.sel_empty_value")
			}
			if err := checkGlob(t, v); err != nil {
				return requirement{}, err
			}
			vals = append(vals, v)
		}
		return keyed(t, requirement{key: normKey(head[0]), op: head[1], values: vals})
	}
	if strings.ContainsAny(t, " \t)") {
		return bad("inventory.err.sel_unreadable")
	}
	if strings.HasPrefix(t, "!") {
		k := normKey(t[1:])
		if k == "" {
			return bad("inventory.err.sel_no_key")
		}
		return keyed(t, requirement{key: k, op: "!exists"})
	}
	return keyed(t, requirement{key: normKey(t), op: "exists"})
}

// keyed checks that r's key can be a field or label key at all ("zone
// intranet=x" cannot).
func keyed(t string, r requirement) (requirement, error) {
	if !labelKeyRE.MatchString(strings.TrimPrefix(r.key, "labels.")) {
		return requirement{}, errorf("inventory.err.sel_term", t, &Error{Key: "inventory.err.sel_bad_key", Args: []any{r.key}})
	}
	return r, nil
}

func checkGlob(t, v string) error {
	if _, err := path.Match(v, ""); err != nil {
		return errorf("inventory.err.sel_bad_pattern", t, v, err.Error())
	}
	return nil
}

func normKey(k string) string {
	k = strings.TrimSpace(k)
	if k == "groups" {
		return "group"
	}
	return k
}

// Empty reports whether the selector has no condition (matches everything).
func (s *Selector) Empty() bool {
	return s == nil || (len(s.globs) == 0 && len(s.groups) == 0 && len(s.reqs) == 0)
}

func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?[\\") {
		return pattern == s
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// Match reports whether asset a is selected. A nil selector matches all.
func (s *Selector) Match(a *Asset) bool {
	if s == nil || a == nil {
		return s == nil && a != nil
	}
	if len(s.globs) > 0 && !anyGlob(s.globs, a.Name) {
		return false
	}
	if len(s.groups) > 0 {
		found := false
		for _, g := range a.Groups {
			if slices.Contains(s.groups, g) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for _, r := range s.reqs {
		if !r.match(a) {
			return false
		}
	}
	return true
}

func (r requirement) match(a *Asset) bool {
	if r.key == "group" {
		hit := false
		for _, g := range a.Groups {
			if anyGlob(r.values, g) {
				hit = true
				break
			}
		}
		switch r.op {
		case "=", "in":
			return hit
		case "!=", "notin":
			return !hit
		case "exists":
			return len(a.Groups) > 0
		case "!exists":
			return len(a.Groups) == 0
		}
		return false
	}
	var val string
	var present bool
	if get, ok := fieldKeys[r.key]; ok {
		val = get(a)
		present = val != ""
	} else {
		val, present = a.Labels[strings.TrimPrefix(r.key, "labels.")]
	}
	switch r.op {
	case "=", "in":
		return present && anyGlob(r.values, val) || (!present && anyGlob(r.values, ""))
	case "!=", "notin":
		return !(present && anyGlob(r.values, val)) && !(!present && anyGlob(r.values, ""))
	case "exists":
		return present
	case "!exists":
		return !present
	}
	return false
}

// String renders the selector as one expression that ParseExpr reads back
// to the same selection ("" when it selects everything).
func (s *Selector) String() string {
	if s == nil {
		return ""
	}
	var parts []string
	if len(s.globs) == 1 {
		parts = append(parts, "name="+s.globs[0])
	} else if len(s.globs) > 1 {
		parts = append(parts, "name in ("+strings.Join(s.globs, ",")+")")
	}
	if len(s.groups) == 1 {
		parts = append(parts, "group="+s.groups[0])
	} else if len(s.groups) > 1 {
		parts = append(parts, "group in ("+strings.Join(s.groups, ",")+")")
	}
	for _, r := range s.reqs {
		switch r.op {
		case "=", "!=":
			parts = append(parts, r.key+r.op+r.values[0])
		case "in", "notin":
			parts = append(parts, r.key+" "+r.op+" ("+strings.Join(r.values, ",")+")")
		case "exists":
			parts = append(parts, r.key)
		case "!exists":
			parts = append(parts, "!"+r.key)
		}
	}
	return strings.Join(parts, ",")
}

// positive reports whether the requirement asks for something to be there
// (=, in, key): with a key no asset has it can only select nothing.
func (r requirement) positive() bool { return r.op == "=" || r.op == "in" || r.op == "exists" }

// UnknownKey is a selector key that is neither a field nor a label of any
// asset of the inventory: almost always a typo (zonee=intranet).
type UnknownKey struct {
	Key string
	// Suggest is the nearest field or label key, or "".
	Suggest string
	// Labels are the label keys the inventory has (for the message when
	// nothing is near).
	Labels []string
	// Positive is true for =, in and bare key: the selection is empty for
	// certain. A negative requirement (!=, notin, !key) on an unused label
	// selects everything, which may be meant ("not in maintenance").
	Positive bool
}

// Err is the error (or warning) text of the unknown key, with a suggestion.
func (u UnknownKey) Err() error {
	switch {
	case u.Suggest != "":
		return errorf("inventory.err.sel_unknown_key_near", u.Key, u.Suggest)
	case len(u.Labels) > 0:
		return errorf("inventory.err.sel_unknown_key_labels", u.Key, strings.Join(u.Labels, ", "))
	}
	return errorf("inventory.err.sel_unknown_key", u.Key)
}

// SelectorFieldKeys are the keys a selector reads from asset fields rather
// than labels (for completion and suggestions).
func SelectorFieldKeys() []string {
	keys := []string{"group"}
	for k := range fieldKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// LabelKeys returns the label keys used by any asset, sorted.
func (inv *Inventory) LabelKeys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, a := range inv.Assets {
		for k := range a.Labels {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// UnknownKeys lists the keys of sel's expression that are neither fields
// nor labels of any asset of inv, each with the nearest known key.
func (inv *Inventory) UnknownKeys(sel *Selector) []UnknownKey {
	if sel == nil || len(sel.reqs) == 0 {
		return nil
	}
	labels := inv.LabelKeys()
	known := map[string]fieldInfo{}
	for _, k := range SelectorFieldKeys() {
		known[k] = fieldInfo{}
	}
	for _, k := range labels {
		known[k] = fieldInfo{}
	}
	var out []UnknownKey
	seen := map[string]bool{}
	for _, r := range sel.reqs {
		if _, ok := fieldKeys[r.key]; ok || r.key == "group" {
			continue
		}
		label := strings.TrimPrefix(r.key, "labels.")
		if slices.Contains(labels, label) || seen[r.key] {
			continue
		}
		seen[r.key] = true
		out = append(out, UnknownKey{Key: r.key, Suggest: closest(label, known), Labels: labels, Positive: r.positive()})
	}
	return out
}
