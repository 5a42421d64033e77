package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// The top-level keys of an inventory file.
var topKeys = map[string]fieldInfo{
	"defaults": {name: "defaults"}, "groups": {name: "groups"},
	"systems": {name: "systems"}, "assets": {name: "assets"},
}

// doc is one parsed inventory file, kept so edits can rewrite it keeping
// comments and order.
type doc struct {
	path string
	data []byte
	root *yaml.Node // the document node; nil for an empty file
}

// body returns the top-level mapping (nil when the file is empty).
func (d *doc) body() *yaml.Node {
	if d.root == nil || len(d.root.Content) == 0 {
		return nil
	}
	return d.root.Content[0]
}

// source is a file's name and content.
type source struct {
	path string
	data []byte
}

// Load reads an inventory from a YAML file or from a directory of *.yaml and
// *.yml files (recursively, in lexical order; hidden files and directories
// are skipped). Problems in the files are returned together as a
// *ValidationError.
func Load(path string) (*Inventory, error) {
	files, err := inventoryFiles(path)
	if err != nil {
		return nil, err
	}
	srcs := make([]source, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		srcs = append(srcs, source{path: f, data: b})
	}
	return loadSources(path, srcs)
}

// LoadBytes reads an inventory from one file's content; name is used in
// messages.
func LoadBytes(name string, data []byte) (*Inventory, error) {
	return loadSources(name, []source{{path: name, data: data}})
}

// inventoryFiles lists the YAML files of an inventory path.
func inventoryFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errorf("inventory.err.no_such", path)
		}
		return nil, fmt.Errorf("inventory: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != path && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(name)); ext == ".yaml" || ext == ".yml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

// loader holds the state of one load.
type loader struct {
	inv   *Inventory
	probs []Problem

	assetNodes  map[*Asset]*yaml.Node // asset -> its mapping node (own definition)
	assetFile   map[*Asset]string
	assetBad    map[*Asset]bool // its definition already has problems
	dups        []*Asset        // assets whose name was taken (checked, not kept)
	groupNodes  map[*Group]*yaml.Node
	defaultsNod *yaml.Node
	defaultsFil string
	sysNodes    map[*System]*yaml.Node
	fileIndex   map[string]int
}

func loadSources(path string, srcs []source) (*Inventory, error) {
	l := &loader{
		inv: &Inventory{
			Path:         path,
			assetByName:  map[string]*Asset{},
			systemByName: map[string]*System{},
			groupByName:  map[string]*Group{},
			own:          map[*Asset]*Asset{},
		},
		assetNodes: map[*Asset]*yaml.Node{},
		assetFile:  map[*Asset]string{},
		assetBad:   map[*Asset]bool{},
		groupNodes: map[*Group]*yaml.Node{},
		sysNodes:   map[*System]*yaml.Node{},
		fileIndex:  map[string]int{},
	}
	for i, s := range srcs {
		l.fileIndex[s.path] = i
		l.parseFile(s)
	}
	l.resolve()
	l.validate()
	if len(l.probs) > 0 {
		sort.SliceStable(l.probs, func(i, j int) bool {
			a, b := l.probs[i].Pos, l.probs[j].Pos
			if fa, fb := l.fileIndex[a.File], l.fileIndex[b.File]; fa != fb {
				return fa < fb
			}
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		return l.inv, &ValidationError{Problems: l.probs}
	}
	return l.inv, nil
}

func (l *loader) add(p Problem) { l.probs = append(l.probs, p) }

func (l *loader) parseFile(s source) {
	d := &doc{path: s.path, data: s.data}
	l.inv.Files = append(l.inv.Files, s.path)
	l.inv.docs = append(l.inv.docs, d)
	if len(bytes.TrimSpace(s.data)) == 0 {
		return
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(s.data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return // only comments
		}
		l.probs = append(l.probs, yamlSyntaxProblems(s.path, s.data, err)...)
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.add(problem(posOf(s.path, &extra), "inventory.problem.multi_doc"))
	}
	d.root = &root
	body := d.body()
	if body == nil || isNull(body) {
		return
	}
	if body.Kind != yaml.MappingNode {
		l.add(problem(posOf(s.path, body), "inventory.problem.top_mapping"))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(body.Content); i += 2 {
		k, v := body.Content[i], body.Content[i+1]
		if line, dup := seen[k.Value]; dup {
			l.add(problem(posOf(s.path, k), "inventory.problem.dup_key", k.Value, line).hint("inventory.hint.merge_lists"))
			continue
		}
		seen[k.Value] = k.Line
		switch k.Value {
		case "defaults":
			l.parseDefaults(s.path, k, v)
		case "groups":
			l.parseGroups(s.path, v)
		case "systems":
			l.parseSystems(s.path, v)
		case "assets":
			l.parseAssets(s.path, v)
		default:
			if strings.HasPrefix(k.Value, "x-") {
				continue // extension keys hold YAML anchors (&name) to merge with <<: *name
			}
			p := problem(posOf(s.path, k), "inventory.problem.unknown_key", k.Value)
			if c := closest(k.Value, topKeys); c != "" {
				p = p.hint("inventory.hint.did_you_mean", c)
			} else {
				p = p.hint("inventory.hint.known_keys", "defaults, groups, systems, assets")
			}
			l.add(p)
		}
	}
}

// decode strictly decodes node n into out, adding problems.
func (l *loader) decode(file string, n *yaml.Node, out any) bool {
	return decodeInto(file, n, out, &l.probs) == 0
}

func (l *loader) parseDefaults(file string, k, v *yaml.Node) {
	if l.defaultsNod != nil {
		l.add(problem(posOf(file, k), "inventory.problem.dup_defaults", posText(Pos{File: l.defaultsFil, Line: l.defaultsNod.Line})).
			hint("inventory.hint.one_defaults"))
		return
	}
	if isNull(v) {
		return
	}
	l.defaultsNod, l.defaultsFil = v, file
	l.inv.DefaultsPos = posOf(file, k)
	l.decode(file, v, &l.inv.Defaults)
}

func (l *loader) parseGroups(file string, v *yaml.Node) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		l.add(problem(posOf(file, v), "inventory.problem.groups_mapping"))
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, gv := v.Content[i], v.Content[i+1]
		g := &Group{Name: k.Value, Pos: posOf(file, k)}
		if !isNull(gv) {
			l.decode(file, gv, g)
		}
		g.Name, g.Pos = k.Value, posOf(file, k)
		if !validName(g.Name) {
			l.add(problem(g.Pos, "inventory.problem.bad_name", g.Name).hint("inventory.hint.name_chars"))
			continue
		}
		if prev := l.inv.groupByName[g.Name]; prev != nil {
			l.add(problem(g.Pos, "inventory.problem.dup_group", g.Name, posText(prev.Pos)))
			continue
		}
		l.inv.groupByName[g.Name] = g
		l.inv.Groups = append(l.inv.Groups, g)
		l.groupNodes[g] = gv
	}
}

func (l *loader) parseSystems(file string, v *yaml.Node) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.SequenceNode {
		l.add(problem(posOf(file, v), "inventory.problem.want_list_of", "systems"))
		return
	}
	for _, n := range v.Content {
		s := &System{}
		l.decode(file, n, s)
		s.Pos = posOf(file, n)
		if nn := lookup(n, "name"); s.Name == "" && nn != nil && nn.Kind == yaml.ScalarNode {
			s.Name = nn.Value
		}
		if n.Kind != yaml.MappingNode {
			continue
		}
		if s.Name == "" {
			l.add(problem(s.Pos, "inventory.problem.no_name", "system"))
			continue
		}
		if !validName(s.Name) {
			l.add(problem(posOf(file, lookup(n, "name")), "inventory.problem.bad_name", s.Name).hint("inventory.hint.name_chars"))
			continue
		}
		if prev := l.inv.systemByName[s.Name]; prev != nil {
			l.add(problem(posOf(file, lookup(n, "name")), "inventory.problem.dup_system", s.Name, posText(prev.Pos)))
			continue
		}
		l.inv.systemByName[s.Name] = s
		l.inv.Systems = append(l.inv.Systems, s)
		l.sysNodes[s] = n
	}
}

func (l *loader) parseAssets(file string, v *yaml.Node) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.SequenceNode {
		l.add(problem(posOf(file, v), "inventory.problem.want_list_of", "assets"))
		return
	}
	for _, n := range v.Content {
		a := &Asset{}
		ok := l.decode(file, n, a)
		a.Pos = posOf(file, n)
		if nn := lookup(n, "name"); a.Name == "" && nn != nil && nn.Kind == yaml.ScalarNode {
			a.Name = nn.Value // a broken definition still names the asset
		}
		if n.Kind != yaml.MappingNode {
			continue
		}
		if a.Name == "" {
			l.add(problem(a.Pos, "inventory.problem.no_name", "asset").hint("inventory.hint.add_name"))
			continue
		}
		if !validName(a.Name) {
			l.add(problem(posOf(file, lookup(n, "name")), "inventory.problem.bad_name", a.Name).hint("inventory.hint.name_chars"))
			continue
		}
		if prev := l.inv.assetByName[a.Name]; prev != nil {
			l.add(problem(posOf(file, lookup(n, "name")), "inventory.problem.dup_asset", a.Name, posText(prev.Pos)).
				hint("inventory.hint.unique_names"))
			// Still check its fields, so one load reports every problem.
			l.dups = append(l.dups, a)
			l.assetNodes[a] = n
			l.assetBad[a] = !ok
			continue
		}
		l.inv.assetByName[a.Name] = a
		l.inv.Assets = append(l.inv.Assets, a)
		l.assetNodes[a] = n
		l.assetFile[a] = file
		l.assetBad[a] = !ok
	}
}

// resolve computes every asset's effective settings: defaults, then its
// groups in the order it lists them, then its own values.
func (l *loader) resolve() {
	for _, a := range l.dups {
		own := *a
		l.inv.own[a] = &own
		*a = *l.inv.effective(&own, l.explicitBecome(a))
	}
	for i, a := range l.inv.Assets {
		own := *a
		own.Labels = copyLabels(a.Labels)
		own.Groups = append([]string(nil), a.Groups...)
		l.inv.own[a] = &own
		eff := l.inv.effective(&own, l.explicitBecome(a))
		eff.Pos = a.Pos
		*a = *eff
		l.inv.Assets[i] = a
		l.inv.own[a] = &own
	}
}

// explicitBecome reports whether the asset's own definition sets
// connection.become (so `become: false` can switch off a group's sudo).
func (l *loader) explicitBecome(a *Asset) bool {
	return lookup(l.assetNodes[a], "connection", "become") != nil
}

// effective merges defaults and the asset's groups under its own values.
func (inv *Inventory) effective(own *Asset, ownBecomeSet bool) *Asset {
	e := *own
	e.Labels = nil
	e.Checks = nil
	e.Groups = append([]string(nil), own.Groups...)
	layers := []*Settings{&inv.Defaults}
	for _, g := range own.Groups {
		if grp := inv.groupByName[g]; grp != nil {
			layers = append(layers, &grp.Settings)
		}
	}
	str := func(dst *string, get func(s *Settings) string) {
		if *dst != "" {
			return
		}
		for i := len(layers) - 1; i >= 0; i-- {
			if v := get(layers[i]); v != "" {
				*dst = v
				return
			}
		}
	}
	str(&e.Zone, func(s *Settings) string { return s.Zone })
	str(&e.Site, func(s *Settings) string { return s.Site })
	str(&e.Room, func(s *Settings) string { return s.Room })
	str(&e.System, func(s *Settings) string { return s.System })
	str(&e.Owner, func(s *Settings) string { return s.Owner })
	str(&e.Contact, func(s *Settings) string { return s.Contact })
	str(&e.Criticality, func(s *Settings) string { return s.Criticality })
	str(&e.OS.Family, func(s *Settings) string { return s.OS.Family })
	str(&e.OS.Version, func(s *Settings) string { return s.OS.Version })
	str(&e.OS.Arch, func(s *Settings) string { return s.OS.Arch })
	c := &e.Connection
	str(&c.Transport, func(s *Settings) string { return s.Connection.Transport })
	str(&c.User, func(s *Settings) string { return s.Connection.User })
	str(&c.KeyFile, func(s *Settings) string { return s.Connection.KeyFile })
	str(&c.Via, func(s *Settings) string { return s.Connection.Via })
	str(&c.BecomeUser, func(s *Settings) string { return s.Connection.BecomeUser })
	if c.Port == 0 {
		for i := len(layers) - 1; i >= 0; i-- {
			if p := layers[i].Connection.Port; p != 0 {
				c.Port = p
				break
			}
		}
	}
	if c.Agent == nil {
		for i := len(layers) - 1; i >= 0; i-- {
			if ag := layers[i].Connection.Agent; ag != nil {
				v := *ag
				c.Agent = &v
				break
			}
		}
	}
	if !ownBecomeSet && !c.Become {
		for i := len(layers) - 1; i >= 0; i-- {
			if layers[i].Connection.Become {
				c.Become = true
				break
			}
		}
	}
	if c.Password.IsZero() {
		for i := len(layers) - 1; i >= 0; i-- {
			if !layers[i].Connection.Password.IsZero() {
				c.Password = layers[i].Connection.Password
				break
			}
		}
	}
	if c.Passphrase.IsZero() {
		for i := len(layers) - 1; i >= 0; i-- {
			if !layers[i].Connection.Passphrase.IsZero() {
				c.Passphrase = layers[i].Connection.Passphrase
				break
			}
		}
	}
	e.SNMP = mergeSNMP(own.SNMP, layers)
	// Labels: union, the more specific layer winning per key.
	for _, s := range layers {
		for k, v := range s.Labels {
			if e.Labels == nil {
				e.Labels = map[string]string{}
			}
			e.Labels[k] = v
		}
	}
	for k, v := range own.Labels {
		if e.Labels == nil {
			e.Labels = map[string]string{}
		}
		e.Labels[k] = v
	}
	// Checks: per check, field by field; `disabled` comes from the most
	// specific layer that mentions the check at all.
	all := make([]map[string]CheckOverride, 0, len(layers)+1)
	for _, s := range layers {
		all = append(all, s.Checks)
	}
	all = append(all, own.Checks)
	for _, m := range all {
		for name, o := range m {
			if e.Checks == nil {
				e.Checks = map[string]CheckOverride{}
			}
			cur := e.Checks[name]
			if o.Warn != "" {
				cur.Warn = o.Warn
			}
			if o.Crit != "" {
				cur.Crit = o.Crit
			}
			cur.Disabled = o.Disabled
			if len(o.Params) > 0 {
				p := make(map[string]any, len(cur.Params)+len(o.Params))
				for k, v := range cur.Params {
					p[k] = v
				}
				for k, v := range o.Params {
					p[k] = v
				}
				cur.Params = p
			}
			e.Checks[name] = cur
		}
	}
	if e.Kind == "" {
		e.Kind = KindHost
	}
	return &e
}

func copyLabels(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// posText shows a position as file:line.
func posText(p Pos) string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}
