package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Editing works on the YAML node trees the files were parsed into, so a
// change touches only the keys it names: comments, key order and everything
// else stay as people wrote them. Commit re-reads the edited text through the
// same validation as Load and writes nothing unless the result is valid.

// FieldType is the type of a settable asset field.
type FieldType int

// Field types.
const (
	FieldString FieldType = iota
	FieldInt
	FieldBool
	FieldList // groups
	FieldJSON // endpoints, database, checks as a whole (JSON or YAML text)
)

// settable lists the asset fields `add`, `set` and import may write, in the
// order new keys are written.
var settable = []struct {
	path string
	typ  FieldType
}{
	{"name", FieldString}, {"kind", FieldString}, {"address", FieldString}, {"port", FieldInt},
	{"zone", FieldString}, {"site", FieldString}, {"room", FieldString}, {"system", FieldString},
	{"groups", FieldList}, {"owner", FieldString}, {"contact", FieldString}, {"criticality", FieldString},
	{"os.family", FieldString}, {"os.version", FieldString}, {"os.arch", FieldString},
	{"connection.transport", FieldString}, {"connection.user", FieldString}, {"connection.port", FieldInt},
	{"connection.key_file", FieldString}, {"connection.agent", FieldBool}, {"connection.via", FieldString},
	{"connection.become", FieldBool}, {"connection.become_user", FieldString},
	{"connection.password.env", FieldString}, {"connection.password.file", FieldString}, {"connection.password.vault", FieldString},
	{"connection.passphrase.env", FieldString}, {"connection.passphrase.file", FieldString}, {"connection.passphrase.vault", FieldString},
	{"database.engine", FieldString}, {"database.database", FieldString}, {"database.user", FieldString},
	{"database.password.env", FieldString}, {"database.password.file", FieldString}, {"database.password.vault", FieldString},
	{"database.role", FieldString}, {"database.replicas", FieldInt}, {"database.tls", FieldString},
	{"snmp.version", FieldString}, {"snmp.port", FieldInt},
	{"snmp.community.env", FieldString}, {"snmp.community.file", FieldString}, {"snmp.community.vault", FieldString},
	{"snmp.user", FieldString}, {"snmp.level", FieldString}, {"snmp.auth_proto", FieldString},
	{"snmp.auth_key.env", FieldString}, {"snmp.auth_key.file", FieldString}, {"snmp.auth_key.vault", FieldString},
	{"snmp.priv_proto", FieldString},
	{"snmp.priv_key.env", FieldString}, {"snmp.priv_key.file", FieldString}, {"snmp.priv_key.vault", FieldString},
	{"snmp.timeout", FieldString}, {"snmp.retries", FieldInt},
	{"link.a.site", FieldString}, {"link.a.address", FieldString}, {"link.b.site", FieldString}, {"link.b.address", FieldString},
	{"endpoints", FieldJSON}, {"database", FieldJSON}, {"checks", FieldJSON},
	{"notes", FieldString},
}

// fieldOrder returns the position of a path among settable fields (labels
// and checks entries sort after their parents).
func fieldOrder(path string) int {
	for i, f := range settable {
		if f.path == path {
			return i
		}
	}
	switch {
	case strings.HasPrefix(path, "labels."):
		return slices.IndexFunc(settable, func(f struct {
			path string
			typ  FieldType
		}) bool {
			return f.path == "owner"
		}) - 1
	case strings.HasPrefix(path, "checks."):
		return len(settable) - 2
	}
	return len(settable)
}

// FieldTypeOf returns the type of a settable path (labels.KEY is a string;
// checks.NAME.warn|crit strings, checks.NAME.disabled bool,
// checks.NAME.params.KEY any scalar).
func FieldTypeOf(path string) (FieldType, bool) {
	for _, f := range settable {
		if f.path == path {
			return f.typ, true
		}
	}
	parts := strings.Split(path, ".")
	switch {
	case parts[0] == "labels" && len(parts) >= 2:
		return FieldString, labelKeyRE.MatchString(strings.Join(parts[1:], "."))
	case parts[0] == "checks" && len(parts) == 3 && (parts[2] == "warn" || parts[2] == "crit"):
		return FieldString, true
	case parts[0] == "checks" && len(parts) == 3 && parts[2] == "disabled":
		return FieldBool, true
	case parts[0] == "checks" && len(parts) == 4 && parts[2] == "params":
		return FieldString, true
	}
	return 0, false
}

// Assignment is one change: "key=value" sets, "key=" removes the asset's
// own value (it inherits again), "groups+=g" adds a group and "groups-=g"
// removes one.
type Assignment struct {
	Path  string
	Op    string // "=", "+=", "-="
	Value string
}

// String renders the assignment as it is written on the command line.
func (a Assignment) String() string { return a.Path + a.Op + a.Value }

// ParseAssignment reads "key=value", "key+=value" or "key-=value".
func ParseAssignment(s string) (Assignment, error) {
	i := strings.Index(s, "=")
	if i <= 0 {
		return Assignment{}, errorf("inventory.err.not_kv", s)
	}
	a := Assignment{Path: s[:i], Op: "=", Value: s[i+1:]}
	if strings.HasSuffix(a.Path, "+") || strings.HasSuffix(a.Path, "-") {
		a.Op = a.Path[len(a.Path)-1:] + "="
		a.Path = a.Path[:len(a.Path)-1]
	}
	a.Path = strings.TrimSpace(a.Path)
	if a.Path == "group" {
		a.Path = "groups"
	}
	typ, ok := FieldTypeOf(a.Path)
	if !ok {
		return Assignment{}, errorf("inventory.err.unknown_field", a.Path, settableNames())
	}
	if a.Op != "=" && typ != FieldList {
		return Assignment{}, errorf("inventory.err.op_groups_only", s, a.Op)
	}
	if a.Value == "" {
		return a, nil
	}
	switch typ {
	case FieldInt:
		if _, err := strconv.Atoi(a.Value); err != nil {
			return Assignment{}, errorf("inventory.err.not_number", a.Path, a.Value)
		}
	case FieldBool:
		b, ok := parseBool(a.Value)
		if !ok {
			return Assignment{}, errorf("inventory.err.not_bool", a.Path, a.Value)
		}
		a.Value = strconv.FormatBool(b)
	case FieldJSON:
		var v any
		if err := yaml.Unmarshal([]byte(a.Value), &v); err != nil {
			return Assignment{}, errorf("inventory.err.bad_value", a.Path, a.Value, err.Error())
		}
	}
	return a, nil
}

func settableNames() string {
	var out []string
	for _, f := range settable {
		out = append(out, f.path)
	}
	return strings.Join(out, ", ")
}

// parseBool accepts true/false, yes/no, on/off, 1/0 and 是/否.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "on", "1", "是", "启用", "t":
		return true, true
	case "false", "no", "n", "off", "0", "否", "禁用", "f":
		return false, true
	}
	return false, false
}

// Editor changes an inventory's files in place.
type Editor struct {
	inv   *Inventory
	dirty map[*doc]bool
	// nodes maps asset names to their mapping nodes and the doc holding them.
	nodes map[string]*yaml.Node
	docOf map[string]*doc
}

// Editor starts editing inv, which must have loaded without problems.
func (inv *Inventory) Editor() *Editor {
	e := &Editor{inv: inv, dirty: map[*doc]bool{}, nodes: map[string]*yaml.Node{}, docOf: map[string]*doc{}}
	for _, d := range inv.docs {
		seq := lookup(d.body(), "assets")
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, n := range seq.Content {
			if nn := lookup(n, "name"); nn != nil {
				e.nodes[nn.Value] = n
				e.docOf[nn.Value] = d
			}
		}
	}
	return e
}

// LoadOrNew loads the inventory at path, or, when path does not exist and
// names a .yaml/.yml file, returns an empty inventory that Commit will
// create there.
func LoadOrNew(path string) (*Inventory, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		ext := strings.ToLower(filepath.Ext(path))
		if ext != ".yaml" && ext != ".yml" {
			return nil, errorf("inventory.err.no_such_new", path)
		}
		return loadSources(path, []source{{path: path}})
	}
	return Load(path)
}

// Inventory is the inventory being edited (as loaded; Commit returns the new one).
func (e *Editor) Inventory() *Inventory { return e.inv }

// docFor returns the doc new assets go to: file (created when missing) or,
// when file is "", the inventory file itself or the last file of a directory.
func (e *Editor) docFor(file string) (*doc, error) {
	if file == "" {
		if len(e.inv.docs) == 0 {
			return nil, errorf("inventory.err.no_file", e.inv.Path)
		}
		return e.inv.docs[len(e.inv.docs)-1], nil
	}
	for _, d := range e.inv.docs {
		if filepath.Clean(d.path) == filepath.Clean(file) || filepath.Clean(d.path) == filepath.Clean(filepath.Join(e.inv.Path, file)) {
			return d, nil
		}
	}
	p := file
	if st, err := os.Stat(e.inv.Path); err == nil && st.IsDir() && !filepath.IsAbs(file) {
		p = filepath.Join(e.inv.Path, file)
	}
	if ext := strings.ToLower(filepath.Ext(p)); ext != ".yaml" && ext != ".yml" {
		return nil, errorf("inventory.err.not_yaml_name", file)
	}
	d := &doc{path: p}
	e.inv.docs = append(e.inv.docs, d)
	return d, nil
}

func ensureBody(d *doc) *yaml.Node {
	if d.body() == nil || isNull(d.body()) {
		d.root = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	return d.body()
}

// topList returns (creating) the top-level sequence under key.
func topList(d *doc, key string) *yaml.Node {
	body := ensureBody(d)
	if n := lookup(body, key); n != nil {
		if isNull(n) {
			n.Kind, n.Tag, n.Value = yaml.SequenceNode, "!!seq", ""
		}
		return n
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	body.Content = append(body.Content, strNode(key), seq)
	return seq
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// Has reports whether an asset called name exists.
func (e *Editor) Has(name string) bool { return e.nodes[name] != nil }

// Add appends a new asset with the given fields to file ("" = the default
// file, see docFor). Assignments are applied in the canonical field order.
func (e *Editor) Add(name, file string, as []Assignment) error {
	if e.nodes[name] != nil {
		return errorf("inventory.err.exists", name)
	}
	if !validName(name) {
		return errorf("inventory.cli.bad_name", name)
	}
	d, err := e.docFor(file)
	if err != nil {
		return err
	}
	seq := topList(d, "assets")
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, strNode("name"), strNode(name))
	seq.Content = append(seq.Content, n)
	e.nodes[name], e.docOf[name] = n, d
	e.dirty[d] = true
	sorted := slices.Clone(as)
	slices.SortStableFunc(sorted, func(a, b Assignment) int { return fieldOrder(a.Path) - fieldOrder(b.Path) })
	for _, a := range sorted {
		if a.Path == "name" {
			continue
		}
		if _, err := e.apply(name, a); err != nil {
			return err
		}
	}
	return nil
}

// Set applies assignments to asset name and reports whether its file text
// changed.
func (e *Editor) Set(name string, as []Assignment) (bool, error) {
	changed := false
	for _, a := range as {
		c, err := e.apply(name, a)
		if err != nil {
			return changed, err
		}
		changed = changed || c
	}
	return changed, nil
}

// Remove deletes asset name from its file.
func (e *Editor) Remove(name string) error {
	n := e.nodes[name]
	if n == nil {
		return errorf("inventory.err.no_asset", name)
	}
	d := e.docOf[name]
	seq := lookup(d.body(), "assets")
	for i, c := range seq.Content {
		if c == n {
			seq.Content = slices.Delete(seq.Content, i, i+1)
			break
		}
	}
	delete(e.nodes, name)
	delete(e.docOf, name)
	e.dirty[d] = true
	return nil
}

// DeclareGroup adds an empty group to file's `groups:` unless it exists.
func (e *Editor) DeclareGroup(name, file string) error {
	if e.inv.groupByName[name] != nil || e.declared("groups", name) {
		return nil
	}
	d, err := e.docFor(file)
	if err != nil {
		return err
	}
	body := ensureBody(d)
	gm := lookup(body, "groups")
	if gm == nil {
		gm = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		// Groups read best before the assets that use them.
		idx := len(body.Content)
		for i := 0; i+1 < len(body.Content); i += 2 {
			if body.Content[i].Value == "systems" || body.Content[i].Value == "assets" {
				idx = i
				break
			}
		}
		body.Content = slices.Insert(body.Content, idx, strNode("groups"), gm)
	} else if isNull(gm) {
		gm.Kind, gm.Tag, gm.Value = yaml.MappingNode, "!!map", ""
	}
	gm.Content = append(gm.Content, strNode(name), &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle})
	e.dirty[d] = true
	return nil
}

// DeclareSystem adds a system with just a name to file's `systems:` unless
// it exists.
func (e *Editor) DeclareSystem(name, file string) error {
	if e.inv.systemByName[name] != nil || e.declared("systems", name) {
		return nil
	}
	d, err := e.docFor(file)
	if err != nil {
		return err
	}
	body := ensureBody(d)
	seq := lookup(body, "systems")
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		idx := len(body.Content)
		for i := 0; i+1 < len(body.Content); i += 2 {
			if body.Content[i].Value == "assets" {
				idx = i
				break
			}
		}
		body.Content = slices.Insert(body.Content, idx, strNode("systems"), seq)
	}
	sys := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strNode("name"), strNode(name)}}
	for _, r := range name {
		if r >= 0x80 {
			// A spreadsheet named the system by its Chinese name.
			sys.Content = append(sys.Content, strNode("name_zh"), strNode(name))
			break
		}
	}
	seq.Content = append(seq.Content, sys)
	e.dirty[d] = true
	return nil
}

// declared reports whether a group or system was declared by this editor.
func (e *Editor) declared(key, name string) bool {
	for d := range e.dirty {
		n := lookup(d.body(), key)
		if n == nil {
			continue
		}
		if key == "groups" && lookup(n, name) != nil {
			return true
		}
		if key == "systems" && n.Kind == yaml.SequenceNode {
			for _, s := range n.Content {
				if nn := lookup(s, "name"); nn != nil && nn.Value == name {
					return true
				}
			}
		}
	}
	return false
}

// apply makes one assignment on asset name's node.
func (e *Editor) apply(name string, a Assignment) (bool, error) {
	n := e.nodes[name]
	if n == nil {
		return false, errorf("inventory.err.no_asset", name)
	}
	if a.Path == "name" {
		return false, errorf("inventory.err.no_rename")
	}
	typ, ok := FieldTypeOf(a.Path)
	if !ok {
		return false, errorf("inventory.err.unknown_field", a.Path, settableNames())
	}
	path := splitPath(a.Path)
	var changed bool
	switch {
	case typ == FieldList:
		changed = setList(n, path, a)
	case a.Value == "":
		changed = removePath(n, path)
	default:
		v, err := valueNode(typ, a.Value)
		if err != nil {
			return false, fmt.Errorf("%s: %w", a.Path, err)
		}
		changed = setPath(n, path, v)
	}
	if changed {
		e.dirty[e.docOf[name]] = true
	}
	return changed, nil
}

// splitPath splits a dotted path; a label key may itself contain dots.
func splitPath(p string) []string {
	if strings.HasPrefix(p, "labels.") {
		return []string{"labels", strings.TrimPrefix(p, "labels.")}
	}
	if strings.HasPrefix(p, "checks.") {
		parts := strings.SplitN(p, ".", 4)
		return parts
	}
	return strings.Split(p, ".")
}

func valueNode(typ FieldType, v string) (*yaml.Node, error) {
	switch typ {
	case FieldInt:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v}, nil
	case FieldBool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}, nil
	case FieldJSON:
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(v), &doc); err != nil {
			return nil, err
		}
		n := doc.Content[0]
		clearStyle(n)
		return n, nil
	}
	return strNode(v), nil
}

// clearStyle makes JSON written into a YAML file read like YAML (block style).
func clearStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style &^= yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle
	}
	for _, c := range n.Content {
		clearStyle(c)
	}
}

// sameNode compares two nodes by content (not style or comments).
func sameNode(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || len(a.Content) != len(b.Content) {
		return false
	}
	if a.Kind == yaml.ScalarNode {
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// setPath sets the value at path, creating mappings on the way. An existing
// scalar keeps its comments.
func setPath(n *yaml.Node, path []string, v *yaml.Node) bool {
	for i, k := range path {
		last := i == len(path)-1
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == k {
				next = n.Content[j+1]
				if last {
					if sameNode(next, v) {
						return false
					}
					v.LineComment, v.HeadComment, v.FootComment = next.LineComment, next.HeadComment, next.FootComment
					if next.Kind == yaml.ScalarNode && v.Kind == yaml.ScalarNode && next.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && v.Tag == "!!str" {
						v.Style = next.Style
					}
					n.Content[j+1] = v
					return true
				}
				if next.Kind != yaml.MappingNode {
					next.Kind, next.Tag, next.Value, next.Content = yaml.MappingNode, "!!map", "", nil
				}
				break
			}
		}
		if last {
			n.Content = append(n.Content, strNode(k), v)
			return true
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if n.Style&yaml.FlowStyle != 0 {
				next.Style = yaml.FlowStyle
			}
			n.Content = append(n.Content, strNode(k), next)
		}
		n = next
	}
	return true
}

// removePath deletes the key at path, and parents left empty.
func removePath(n *yaml.Node, path []string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value != path[0] {
			continue
		}
		if len(path) == 1 {
			n.Content = slices.Delete(n.Content, j, j+2)
			return true
		}
		child := n.Content[j+1]
		if !removePath(child, path[1:]) {
			return false
		}
		if child.Kind == yaml.MappingNode && len(child.Content) == 0 {
			n.Content = slices.Delete(n.Content, j, j+2)
		}
		return true
	}
	return false
}

// splitList splits "a,b" / "a;b" / "a b" into names.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '，' || r == '；' || r == '|' || r == ' ' || r == '\t' || r == '\n' || r == '、'
	})
}

// setList handles groups=, groups+= and groups-=.
func setList(n *yaml.Node, path []string, a Assignment) bool {
	cur := lookup(n, path...)
	var have []string
	if cur != nil && cur.Kind == yaml.SequenceNode {
		for _, c := range cur.Content {
			have = append(have, c.Value)
		}
	}
	var want []string
	switch a.Op {
	case "=":
		want = splitList(a.Value)
	case "+=":
		want = slices.Clone(have)
		for _, g := range splitList(a.Value) {
			if !slices.Contains(want, g) {
				want = append(want, g)
			}
		}
	case "-=":
		drop := splitList(a.Value)
		for _, g := range have {
			if !slices.Contains(drop, g) {
				want = append(want, g)
			}
		}
	}
	if slices.Equal(have, want) && (cur != nil || len(want) == 0) {
		return false
	}
	if len(want) == 0 {
		return removePath(n, path)
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	if cur != nil && cur.Kind == yaml.SequenceNode {
		seq.Style = cur.Style
	}
	for _, g := range want {
		seq.Content = append(seq.Content, strNode(g))
	}
	return setPath(n, path, seq)
}

var topKeyLine = regexp.MustCompile(`(?m)^[A-Za-z_]+:`)

// encode renders a doc. yaml.v3 drops blank lines; the blank line before
// each top-level section (groups:, systems:, assets:) is put back when the
// original had blank lines, so a diff shows only what changed.
func (d *doc) encode() ([]byte, error) {
	if d.root == nil {
		return []byte{}, nil
	}
	out, err := encodeChunked(d.root)
	if err != nil {
		return nil, err
	}
	if len(d.data) == 0 || bytes.Contains(d.data, []byte("\n\n")) {
		locs := topKeyLine.FindAllIndex(out, -1)
		for i := len(locs) - 1; i >= 1; i-- {
			at := locs[i][0]
			// Keep a comment block attached to its key.
			for at > 0 {
				prev := bytes.LastIndexByte(out[:at-1], '\n') + 1
				if prev < at-1 && out[prev] == '#' {
					at = prev
					continue
				}
				break
			}
			if at >= 2 && out[at-2] == '\n' {
				continue
			}
			out = slices.Insert(out, at, '\n')
		}
	}
	return out, nil
}

// chunkSize is how many items of a long top-level list are encoded at once.
// yaml.v3's emitter keeps every event of a document in one growing slice,
// which makes a 5,000-asset file slow to write in one piece.
const chunkSize = 32

func encodeNode(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeChunked encodes a document; a long block-style list under a
// top-level key is encoded in pieces that are joined, giving the same text.
func encodeChunked(root *yaml.Node) ([]byte, error) {
	body := root
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		body = root.Content[0]
	}
	long := -1
	if body.Kind == yaml.MappingNode {
		for i := 1; i < len(body.Content); i += 2 {
			v := body.Content[i]
			if v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > chunkSize {
				long = i
				break
			}
		}
	}
	if long < 0 {
		return encodeNode(root)
	}
	// Encode the document with the long list cut to its first chunk, then
	// the other chunks under a bare copy of the key, dropping that key line.
	seq := body.Content[long]
	all := seq.Content
	defer func() { seq.Content = all }()
	seq.Content = all[:chunkSize]
	rest := body.Content[long+1:]
	body.Content = body.Content[:long+1]
	head, err := encodeNode(root)
	body.Content = append(body.Content, rest...)
	if err != nil {
		return nil, err
	}
	// The document's foot comment belongs after everything.
	out := head
	if root.FootComment != "" || body.FootComment != "" {
		return encodeNode(root) // rare: keep it simple and correct
	}
	key := strNode(body.Content[long-1].Value)
	for i := chunkSize; i < len(all); i += chunkSize {
		part := &yaml.Node{Kind: yaml.SequenceNode, Tag: seq.Tag, Content: all[i:min(i+chunkSize, len(all))]}
		b, err := encodeNode(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{key, part}})
		if err != nil {
			return nil, err
		}
		_, b, _ = bytes.Cut(b, []byte("\n"))
		out = append(out, b...)
	}
	if len(rest) > 0 {
		b, err := encodeNode(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: rest})
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// Changed lists the files Commit would write.
func (e *Editor) Changed() []string {
	var out []string
	for _, d := range e.inv.docs {
		if e.dirty[d] {
			out = append(out, d.path)
		}
	}
	return out
}

// Preview returns the inventory as it would be after Commit, validated,
// without writing anything.
func (e *Editor) Preview() (*Inventory, map[string][]byte, error) {
	srcs := make([]source, 0, len(e.inv.docs))
	texts := map[string][]byte{}
	for _, d := range e.inv.docs {
		data := d.data
		if e.dirty[d] {
			b, err := d.encode()
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", d.path, err)
			}
			data = b
			texts[d.path] = b
		}
		srcs = append(srcs, source{path: d.path, data: data})
	}
	inv, err := loadSources(e.inv.Path, srcs)
	if err != nil {
		return inv, texts, err
	}
	return inv, texts, nil
}

// Commit validates the edited inventory and, only when it is valid, writes
// each changed file atomically (temporary file, fsync, rename), keeping the
// previous version as FILE.bak. It returns the new inventory.
func (e *Editor) Commit() (*Inventory, error) {
	inv, texts, err := e.Preview()
	if err != nil {
		return nil, err
	}
	for _, d := range e.inv.docs {
		b, ok := texts[d.path]
		if !ok {
			continue
		}
		if err := WriteFileAtomic(d.path, b, true); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

// WriteFileAtomic replaces path with data so that a crash leaves either the
// old or the new file, never half of one. With backup, the old content is
// kept as path.bak (one generation).
func WriteFileAtomic(path string, data []byte, backup bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	mode := os.FileMode(0o644)
	old, err := os.ReadFile(path)
	exists := err == nil
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if backup && exists {
		if err := writeTemp(path+".bak", old, mode); err != nil {
			return err
		}
	}
	return writeTemp(path, data, mode)
}

func writeTemp(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// jsonText renders v as compact JSON (for CSV cells and assignments).
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
