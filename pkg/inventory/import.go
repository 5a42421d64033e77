package inventory

import (
	"slices"
	"strings"
)

// FieldChange is one field an import changes on an existing asset.
type FieldChange struct {
	Path string `json:"field" yaml:"field"`
	Old  string `json:"old" yaml:"old"`
	New  string `json:"new" yaml:"new"`
}

// Change is an existing asset an import updates.
type Change struct {
	Record  *Record       `json:"-" yaml:"-"`
	Name    string        `json:"name" yaml:"name"`
	Row     int           `json:"row" yaml:"row"`
	Changes []FieldChange `json:"changes" yaml:"changes"`
	// Sensitive is what the changes bring in that needs review (Record.Sensitive).
	Sensitive []Sensitive `json:"sensitive,omitempty" yaml:"sensitive,omitempty"`
}

// ImportPlan is what an import would do, decided before anything is
// written: the dry-run shows it, the import applies it.
type ImportPlan struct {
	Added     []*Record
	Changed   []*Change
	Unchanged []*Record
	Bad       []*Record
	// NewGroups and NewSystems are declared (empty) so the imported assets
	// refer to something.
	NewGroups  []string
	NewSystems []string
}

// PlanImport compares records with the inventory: which assets are new,
// which change (field by field, against effective values) and which are
// already as the file says. Rows with problems go to Bad.
func (inv *Inventory) PlanImport(recs []*Record) *ImportPlan {
	p := &ImportPlan{}
	firstRow := map[string]int{}
	names := map[string]bool{}
	for _, r := range recs {
		if r.Name != "" {
			names[r.Name] = true
		}
	}
	newGroups, newSystems := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		if r.Name == "" && !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Key == "inventory.import.bad_name" }) {
			r.bad("inventory.import.no_name")
		}
		if prev, dup := firstRow[r.Name]; dup && r.Name != "" {
			r.bad("inventory.import.dup_row", r.Name, prev)
		} else if r.Name != "" {
			firstRow[r.Name] = r.Row
		}
		existing := inv.Asset(r.Name)
		r.resolvePort(existing)
		var groups []string
		for i := range r.Fields {
			f := &r.Fields[i]
			switch f.Path {
			case "system":
				if s := inv.findSystem(f.Value); s != nil {
					f.Value = s.Name
				} else if validName(f.Value) {
					if !newSystems[f.Value] {
						newSystems[f.Value] = true
					}
				} else {
					r.bad("inventory.import.bad_system", f.Value)
				}
			case "groups":
				groups = splitList(f.Value)
			case "connection.via":
				if inv.Asset(f.Value) == nil && !names[f.Value] {
					r.bad("inventory.problem.unknown_via", f.Value)
				}
				if f.Value == r.Name {
					r.bad("inventory.problem.via_self", r.Name)
				}
			}
		}
		if len(r.Problems) > 0 {
			p.Bad = append(p.Bad, r)
			continue
		}
		for _, g := range groups {
			if inv.Group(g) == nil {
				newGroups[g] = true
			}
		}
		if existing == nil {
			r.dropInherited(inv, groups)
			if !r.hasAddress() && r.kind() == KindHost && r.transport() != TransportLocal && r.transport() != TransportNone {
				r.bad("inventory.problem.no_address", r.Name)
				p.Bad = append(p.Bad, r)
				continue
			}
			r.findSensitive(nil, r.Fields)
			p.Added = append(p.Added, r)
			continue
		}
		var ch []FieldChange
		for _, f := range r.Fields {
			old := fieldValue(existing, f.Path)
			if f.Path == "groups" {
				if sameSet(splitList(old), splitList(f.Value)) {
					continue
				}
			} else if old == f.Value {
				continue
			}
			ch = append(ch, FieldChange{Path: f.Path, Old: old, New: f.Value})
		}
		if len(ch) == 0 {
			p.Unchanged = append(p.Unchanged, r)
		} else {
			as := make([]Assignment, len(ch))
			for i, fc := range ch {
				as[i] = Assignment{Path: fc.Path, Op: "=", Value: fc.New}
			}
			r.findSensitive(existing, as)
			p.Changed = append(p.Changed, &Change{Record: r, Name: r.Name, Row: r.Row, Changes: ch, Sensitive: r.Sensitive})
		}
	}
	// Groups and systems that only bad rows asked for are not declared.
	for g := range newGroups {
		p.NewGroups = append(p.NewGroups, g)
	}
	for s := range newSystems {
		used := false
		for _, r := range append(slices.Clone(p.Added), changedRecords(p.Changed)...) {
			for _, f := range r.Fields {
				if f.Path == "system" && f.Value == s {
					used = true
				}
			}
		}
		if used {
			p.NewSystems = append(p.NewSystems, s)
		}
	}
	slices.Sort(p.NewGroups)
	slices.Sort(p.NewSystems)
	return p
}

func changedRecords(cs []*Change) []*Record {
	out := make([]*Record, len(cs))
	for i, c := range cs {
		out[i] = c.Record
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// findSystem finds a system by key, Chinese or English name (spreadsheets
// often carry the display name: 区域心电 rather than ecg).
func (inv *Inventory) findSystem(v string) *System {
	if s := inv.System(v); s != nil {
		return s
	}
	for _, s := range inv.Systems {
		if strings.EqualFold(s.NameZH, v) || strings.EqualFold(s.NameEN, v) {
			return s
		}
	}
	return nil
}

func (r *Record) value(path string) (string, bool) {
	for _, f := range r.Fields {
		if f.Path == path {
			return f.Value, true
		}
	}
	return "", false
}

func (r *Record) kind() string {
	if k, ok := r.value("kind"); ok {
		return k
	}
	return KindHost
}

func (r *Record) transport() string {
	t, _ := r.value("connection.transport")
	return t
}

func (r *Record) hasAddress() bool {
	_, ok := r.value("address")
	return ok
}

// resolvePort files an ambiguous "port" cell: the SSH port of a host, the
// service port of anything else.
func (r *Record) resolvePort(existing *Asset) {
	if r.port == "" {
		return
	}
	kind := KindHost
	if k, ok := r.value("kind"); ok {
		kind = k
	} else if existing != nil {
		kind = existing.Kind
	}
	key := "service_port"
	if kind == KindHost {
		key = "ssh_port"
	}
	v := r.port
	r.port = ""
	r.addCell(key, v)
}

// dropInherited removes fields of a new asset that its defaults and groups
// already give, so the file says only what is particular to it.
func (r *Record) dropInherited(inv *Inventory, groups []string) {
	base := inv.effective(&Asset{Name: r.Name, Groups: groups}, false)
	kept := r.Fields[:0]
	for _, f := range r.Fields {
		if f.Path != "name" && f.Path != "groups" && fieldValue(base, f.Path) == f.Value {
			continue
		}
		kept = append(kept, f)
	}
	r.Fields = kept
}

// ApplyImport writes the plan into the editor: new groups and systems and new
// assets go to file ("" = the editor's default file); changed assets are
// updated where they are defined. Bad records are never applied.
func (e *Editor) ApplyImport(p *ImportPlan, file string) error {
	for _, g := range p.NewGroups {
		if err := e.DeclareGroup(g, file); err != nil {
			return err
		}
	}
	for _, s := range p.NewSystems {
		if err := e.DeclareSystem(s, file); err != nil {
			return err
		}
	}
	for _, r := range p.Added {
		if err := e.Add(r.Name, file, r.Fields); err != nil {
			return err
		}
	}
	for _, c := range p.Changed {
		var as []Assignment
		for _, fc := range c.Changes {
			as = append(as, Assignment{Path: fc.Path, Op: "=", Value: fc.New})
		}
		if _, err := e.Set(c.Name, as); err != nil {
			return err
		}
	}
	return nil
}
