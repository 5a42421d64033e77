package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// DefaultPlaybookTarget is the selector a playbook without `target:` uses.
const DefaultPlaybookTarget = "kind=host"

// BuiltinSource is the Source of playbooks embedded in the binary.
const BuiltinSource = "built-in"

// Playbook is a named list of checks run against the assets its target
// selects (see playbooks/README.md for the file format).
type Playbook struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Target      string `json:"target" yaml:"target"` // selector expression; DefaultPlaybookTarget when not written
	Checks      []Spec `json:"checks" yaml:"checks"`
	// Source is BuiltinSource or the file the playbook was read from.
	Source string `json:"source" yaml:"source"`
	// File is the file name used in messages ("playbooks/linux-daily.yaml"
	// for built-ins).
	File string `json:"-" yaml:"-"`
	// Lines holds the line of each check in File, for messages.
	Lines []int `json:"-" yaml:"-"`
}

// Validator is implemented by check types that can check their parameters
// without a target (probes, whose Script is empty). Playbook loading calls it
// so that a typo in a parameter is reported with the file and line before any
// host is contacted.
type Validator interface {
	Validate(spec *Spec) error
}

// TargetValidator checks the syntax of a selector expression. The command
// layer sets it to the inventory's parser; nil skips the check (tests).
var TargetValidator func(expr string) error

var (
	playbookKeys = []string{"name", "description", "target", "checks"}
	specKeys     = []string{"name", "type", "target", "params", "warn", "crit", "advice", "description", "timeout_sec"}
)

// ParsePlaybook reads one playbook strictly: unknown keys, wrong types, bad
// thresholds, unknown check types and duplicate check names are errors that
// name file and line. defaultName is used when the file has no `name:`.
func ParsePlaybook(file string, data []byte, defaultName string) (*Playbook, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty playbook (want name, description, target and checks)", file)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a playbook is a mapping with name, description, target and checks", file, root.Line)
	}
	pb := &Playbook{File: file}
	var checksNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name":
			if err := decodeString(file, k.Value, v, &pb.Name); err != nil {
				return nil, err
			}
		case "description":
			if err := decodeString(file, k.Value, v, &pb.Description); err != nil {
				return nil, err
			}
		case "target":
			if err := decodeString(file, k.Value, v, &pb.Target); err != nil {
				return nil, err
			}
		case "checks":
			checksNode = v
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q in playbook (want %s)", file, k.Line, k.Value, strings.Join(playbookKeys, ", "))
		}
	}
	if pb.Name == "" {
		pb.Name = defaultName
	}
	if pb.Name == "" {
		return nil, fmt.Errorf("%s:%d: playbook has no name", file, root.Line)
	}
	if pb.Target == "" {
		pb.Target = DefaultPlaybookTarget
	} else if TargetValidator != nil {
		if err := TargetValidator(pb.Target); err != nil {
			return nil, fmt.Errorf("%s: target: %w", file, err)
		}
	}
	if checksNode == nil {
		return nil, fmt.Errorf("%s:%d: playbook %s has no checks", file, root.Line, pb.Name)
	}
	if checksNode.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: checks must be a list", file, checksNode.Line)
	}
	if len(checksNode.Content) == 0 {
		return nil, fmt.Errorf("%s:%d: playbook %s has no checks", file, checksNode.Line, pb.Name)
	}
	seen := map[string]int{}
	for _, cn := range checksNode.Content {
		spec, err := parseSpec(file, cn)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[spec.Name]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate check name %q (first at line %d); give each check its own name", file, cn.Line, spec.Name, prev)
		}
		seen[spec.Name] = cn.Line
		pb.Checks = append(pb.Checks, spec)
		pb.Lines = append(pb.Lines, cn.Line)
	}
	return pb, nil
}

func decodeString(file, key string, v *yaml.Node, dst *string) error {
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!null") {
		return fmt.Errorf("%s:%d: %s must be a string", file, v.Line, key)
	}
	*dst = v.Value
	if v.Tag == "!!null" {
		*dst = ""
	}
	return nil
}

func parseSpec(file string, n *yaml.Node) (Spec, error) {
	var s Spec
	if n.Kind != yaml.MappingNode {
		return s, fmt.Errorf("%s:%d: each check is a mapping of name, type, params, warn and crit", file, n.Line)
	}
	var typeLine int
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "name":
			err = decodeString(file, k.Value, v, &s.Name)
		case "type":
			err = decodeString(file, k.Value, v, &s.Type)
			typeLine = v.Line
		case "target":
			err = decodeString(file, k.Value, v, &s.Target)
		case "advice":
			err = decodeString(file, k.Value, v, &s.Advice)
		case "description":
			err = decodeString(file, k.Value, v, &s.Description)
		case "warn", "crit":
			// Thresholds are often written as bare numbers (warn: 80).
			if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!int" && v.Tag != "!!float") {
				err = fmt.Errorf("%s:%d: %s must be a Nagios range such as 80, 10:, ~:90 or @5:10", file, v.Line, k.Value)
				break
			}
			if k.Value == "warn" {
				s.Warn = v.Value
			} else {
				s.Crit = v.Value
			}
			if _, perr := ParseRange(v.Value); perr != nil {
				err = fmt.Errorf("%s:%d: %s: %v", file, v.Line, k.Value, perr)
			}
		case "timeout_sec":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
				err = fmt.Errorf("%s:%d: timeout_sec must be a whole number of seconds", file, v.Line)
				break
			}
			if derr := v.Decode(&s.TimeoutSec); derr != nil || s.TimeoutSec < 0 {
				err = fmt.Errorf("%s:%d: timeout_sec must be a whole number of seconds", file, v.Line)
			}
		case "params":
			if v.Kind != yaml.MappingNode {
				err = fmt.Errorf("%s:%d: params must be a mapping of parameter: value", file, v.Line)
				break
			}
			if derr := v.Decode(&s.Params); derr != nil {
				err = fmt.Errorf("%s:%d: params: %v", file, v.Line, derr)
			}
		default:
			err = fmt.Errorf("%s:%d: unknown key %q in check (want %s)", file, k.Line, k.Value, strings.Join(specKeys, ", "))
		}
		if err != nil {
			return s, err
		}
	}
	if s.Type == "" {
		return s, fmt.Errorf("%s:%d: check %q has no type (see hcops inspect checks)", file, n.Line, s.Name)
	}
	if s.Name == "" {
		s.Name = s.Type
	}
	c, ok := Lookup(s.Type)
	if !ok {
		return s, fmt.Errorf("%s:%d: check %q: unknown check type %q (see hcops inspect checks)", file, typeLine, s.Name, s.Type)
	}
	if s.Target != "" && TargetValidator != nil {
		if err := TargetValidator(s.Target); err != nil {
			return s, fmt.Errorf("%s:%d: check %q: target: %w", file, n.Line, s.Name, err)
		}
	}
	if err := validateSpec(c, &s); err != nil {
		return s, fmt.Errorf("%s:%d: %w", file, n.Line, err)
	}
	return s, nil
}

// validateSpec lets the check type reject bad parameters before any host is
// contacted: through Validator when it has one, else by building its script
// for a placeholder host (shell checks validate parameters there).
func validateSpec(c Check, s *Spec) error {
	if v, ok := c.(Validator); ok {
		return v.Validate(s)
	}
	probe := &inventory.Asset{Name: "playbook-validation", Kind: inventory.KindHost, Address: "192.0.2.1"}
	_, err := safeScript(c, s, probe)
	return err
}

// safeScript calls c.Script, turning a panic into an error: a bug in one check
// type must not take the whole run down.
func safeScript(c Check, s *Spec, a *inventory.Asset) (script string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check %s: internal error building the collector: %v", s.Name, p)
		}
	}()
	return c.Script(s, a)
}

// Library is the set of playbooks hcops knows: the built-ins and the user's.
type Library struct {
	byName map[string]*Playbook
	// Broken holds playbooks that failed to load, by name (file base name),
	// with the error. Using one is an error; listing shows them.
	Broken map[string]error
}

// LoadLibrary reads the built-in playbooks from builtin (every *.yaml at its
// root) and the user's from dir ("" for none). A user playbook with the same
// name as a built-in replaces it, so a site can tune linux-daily without
// rebuilding hcops. A missing dir is an error: it was configured on purpose.
func LoadLibrary(builtin fs.FS, dir string) (*Library, error) {
	l := &Library{byName: map[string]*Playbook{}, Broken: map[string]error{}}
	if builtin != nil {
		names, err := fs.Glob(builtin, "*.yaml")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			data, err := fs.ReadFile(builtin, n)
			if err != nil {
				return nil, err
			}
			l.add(path.Join("playbooks", n), BuiltinSource, data, strings.TrimSuffix(n, ".yaml"))
		}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("playbooks directory: %w (check playbooks_dir / --playbooks-dir)", err)
		}
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			file := filepath.Join(dir, e.Name())
			data, err := os.ReadFile(file)
			if err != nil {
				l.Broken[strings.TrimSuffix(e.Name(), ext)] = err
				continue
			}
			l.add(file, file, data, strings.TrimSuffix(e.Name(), ext))
		}
	}
	return l, nil
}

func (l *Library) add(file, source string, data []byte, base string) {
	pb, err := ParsePlaybook(file, data, base)
	if err != nil {
		l.Broken[base] = err
		return
	}
	pb.Source = source
	if prev, dup := l.byName[pb.Name]; dup && prev.Source != BuiltinSource && source != BuiltinSource {
		l.Broken[pb.Name] = fmt.Errorf("%s: playbook %s is also defined in %s; rename one", file, pb.Name, prev.File)
		return
	}
	delete(l.Broken, pb.Name)
	l.byName[pb.Name] = pb
}

// ErrNoPlaybook is returned (wrapped) by Get for an unknown name.
var ErrNoPlaybook = errors.New("no such playbook")

// Get returns the playbook called name, or the error it failed to load with.
func (l *Library) Get(name string) (*Playbook, error) {
	if pb, ok := l.byName[name]; ok {
		return pb, nil
	}
	if err, ok := l.Broken[name]; ok {
		return nil, err
	}
	return nil, fmt.Errorf("%w %q (known: %s; see hcops inspect playbooks)", ErrNoPlaybook, name, strings.Join(l.Names(), ", "))
}

// Names lists the loadable playbooks, sorted.
func (l *Library) Names() []string {
	names := make([]string, 0, len(l.byName))
	for n := range l.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// List returns the loadable playbooks sorted by name.
func (l *Library) List() []*Playbook {
	out := make([]*Playbook, 0, len(l.byName))
	for _, n := range l.Names() {
		out = append(out, l.byName[n])
	}
	return out
}
