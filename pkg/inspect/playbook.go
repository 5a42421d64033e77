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

	"github.com/cyhealth/hcops/pkg/i18n"
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
// name file and line. Every problem of the file is reported at once, in
// file order, as PlaybookErrors: the author fixes them in one pass instead
// of one run per typo. defaultName is used when the file has no `name:`.
//
// checks is the set of check types the playbook may name; each loaded Spec
// keeps its Check.
func ParsePlaybook(checks Registry, file string, data []byte, defaultName string) (*Playbook, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, PlaybookErrors{pbErr(file, 0, "inspect.pb.empty")}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, PlaybookErrors{pbErr(file, root.Line, "inspect.pb.not_mapping")}
	}
	var errs PlaybookErrors
	add := func(err error) {
		if err != nil {
			errs = append(errs, err.(*PlaybookError))
		}
	}
	pb := &Playbook{File: file}
	var checksNode *yaml.Node
	targetLine := 0
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name":
			add(decodeString(file, k.Value, v, &pb.Name))
		case "description":
			add(decodeString(file, k.Value, v, &pb.Description))
		case "target":
			add(decodeString(file, k.Value, v, &pb.Target))
			targetLine = v.Line
		case "checks":
			checksNode = v
		default:
			add(pbErr(file, k.Line, "inspect.pb.unknown_key", k.Value, strings.Join(playbookKeys, ", ")))
		}
	}
	if pb.Name == "" {
		pb.Name = defaultName
	}
	if pb.Name == "" {
		add(pbErr(file, root.Line, "inspect.pb.no_name"))
	}
	if pb.Target == "" {
		pb.Target = DefaultPlaybookTarget
	} else if TargetValidator != nil {
		if err := TargetValidator(pb.Target); err != nil {
			add(pbErr(file, targetLine, "inspect.pb.target", err))
		}
	}
	switch {
	case checksNode == nil:
		add(pbErr(file, root.Line, "inspect.pb.no_checks", pb.Name))
	case checksNode.Kind != yaml.SequenceNode:
		add(pbErr(file, checksNode.Line, "inspect.pb.checks_list"))
	case len(checksNode.Content) == 0:
		add(pbErr(file, checksNode.Line, "inspect.pb.no_checks", pb.Name))
	default:
		seen := map[string]int{}
		for _, cn := range checksNode.Content {
			spec, specErrs := parseSpec(checks, file, cn)
			errs = append(errs, specErrs...)
			if len(specErrs) > 0 && spec.Name == "" {
				continue
			}
			if prev, dup := seen[spec.Name]; dup {
				add(pbErr(file, cn.Line, "inspect.pb.duplicate", spec.Name, prev))
				continue
			}
			seen[spec.Name] = cn.Line
			pb.Checks = append(pb.Checks, spec)
			pb.Lines = append(pb.Lines, cn.Line)
		}
	}
	if len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	return pb, nil
}

func decodeString(file, key string, v *yaml.Node, dst *string) error {
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!null") {
		return pbErr(file, v.Line, "inspect.pb.string", key)
	}
	*dst = v.Value
	if v.Tag == "!!null" {
		*dst = ""
	}
	return nil
}

// parseSpec reads one check and returns every problem it has.
func parseSpec(checks Registry, file string, n *yaml.Node) (Spec, []*PlaybookError) {
	var s Spec
	if n.Kind != yaml.MappingNode {
		return s, []*PlaybookError{pbErr(file, n.Line, "inspect.pb.check_mapping")}
	}
	var errs []*PlaybookError
	add := func(err error) {
		if err != nil {
			errs = append(errs, err.(*PlaybookError))
		}
	}
	var typeLine int
	paramsOK := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "name":
			add(decodeString(file, k.Value, v, &s.Name))
		case "type":
			add(decodeString(file, k.Value, v, &s.Type))
			typeLine = v.Line
		case "target":
			add(decodeString(file, k.Value, v, &s.Target))
		case "advice":
			add(decodeString(file, k.Value, v, &s.Advice))
		case "description":
			add(decodeString(file, k.Value, v, &s.Description))
		case "warn", "crit":
			// Thresholds are often written as bare numbers (warn: 80).
			if v.Kind != yaml.ScalarNode || (v.Tag != "!!str" && v.Tag != "!!int" && v.Tag != "!!float") {
				add(pbErr(file, v.Line, "inspect.pb.range_type", k.Value))
				break
			}
			if k.Value == "warn" {
				s.Warn = v.Value
			} else {
				s.Crit = v.Value
			}
			if _, perr := ParseRange(v.Value); perr != nil {
				add(pbErr(file, v.Line, "inspect.pb.range", k.Value, perr))
			}
		case "timeout_sec":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
				add(pbErr(file, v.Line, "inspect.pb.timeout"))
				break
			}
			if derr := v.Decode(&s.TimeoutSec); derr != nil || s.TimeoutSec < 0 {
				add(pbErr(file, v.Line, "inspect.pb.timeout"))
			}
		case "params":
			if v.Kind != yaml.MappingNode {
				add(pbErr(file, v.Line, "inspect.pb.params_mapping"))
				paramsOK = false
				break
			}
			if derr := v.Decode(&s.Params); derr != nil {
				add(pbErr(file, v.Line, "inspect.pb.params", derr))
				paramsOK = false
			}
		default:
			add(pbErr(file, k.Line, "inspect.pb.unknown_check_key", k.Value, strings.Join(specKeys, ", ")))
		}
	}
	if s.Type == "" {
		if len(errs) == 0 {
			add(pbErr(file, n.Line, "inspect.pb.no_type", s.Name))
		}
		return s, errs
	}
	if s.Name == "" {
		s.Name = s.Type
	}
	c, ok := checks.Lookup(s.Type)
	if !ok {
		if near := nearest(s.Type, checks.Types()); near != "" {
			add(pbErr(file, typeLine, "inspect.pb.unknown_type_near", s.Name, s.Type, near))
		} else {
			add(pbErr(file, typeLine, "inspect.pb.unknown_type", s.Name, s.Type))
		}
		return s, errs
	}
	s.check = c
	if s.Target != "" && TargetValidator != nil {
		if err := TargetValidator(s.Target); err != nil {
			add(pbErr(file, n.Line, "inspect.pb.check_target", s.Name, err))
		}
	}
	if !paramsOK {
		return s, errs
	}
	if d, ok := c.(ParamsDecoder); ok {
		p, err := d.DecodeParams(&s)
		if err != nil {
			add(pbErr(file, paramLine(n, err), "inspect.pb.check_param", err))
			return s, errs
		}
		setDecoded(&s, p)
	}
	if err := validateSpec(c, &s); err != nil {
		add(pbErr(file, paramLine(n, err), "inspect.pb.check_param", err))
	}
	return s, errs
}

// paramLine returns the line of the parameter err is about (a misspelt key,
// a bad value) in the check's mapping n, else the check's own line.
func paramLine(n *yaml.Node, err error) int {
	var pe *paramError
	if !errors.As(err, &pe) {
		return n.Line
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "params" || n.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		ps := n.Content[i+1].Content
		for j := 0; j+1 < len(ps); j += 2 {
			if ps[j].Value == pe.param {
				return ps[j].Line
			}
		}
	}
	return n.Line
}

// validateSpec lets the check type reject bad parameters before any host is
// contacted: through Validator when it has one, else by building its script
// for a placeholder host (shell checks validate parameters there).
func validateSpec(c Check, s *Spec) error {
	if v, ok := c.(Validator); ok {
		return v.Validate(s)
	}
	probe := &inventory.Asset{Name: "playbook-validation", Kind: inventory.KindHost, Address: "192.0.2.1"}
	if ps, ok := c.(PowerShellScripter); ok {
		// A Windows check type: its PowerShell collector for a Windows
		// placeholder host.
		probe.OS.Family = "windows"
		_, err := safePowerShellScript(ps, s, probe)
		return err
	}
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

// PlaybookError is a problem in a playbook file: where, and what (a message
// key of the i18n catalogue with its arguments), so the command can show it
// in the user's language. Error gives the English text.
type PlaybookError struct {
	File string
	Line int // 0 when the problem is the whole file
	Key  string
	Args []any
}

func pbErr(file string, line int, key string, args ...any) *PlaybookError {
	return &PlaybookError{File: file, Line: line, Key: key, Args: args}
}

// PlaybookErrors is every problem found in one playbook file, in file
// order (never empty when returned).
type PlaybookErrors []*PlaybookError

// Text is one problem a line, in lang, each prefixed with file:line.
func (es PlaybookErrors) Text(lang string) string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Text(lang)
	}
	return strings.Join(lines, "\n")
}

func (es PlaybookErrors) Error() string { return es.Text(i18n.EN) }

// Unwrap gives the single problems, so errors.As finds a *PlaybookError.
func (es PlaybookErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es PlaybookErrors) sort() {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
}

// Text is the message in lang ("zh" or "en"), prefixed with file:line.
func (e *PlaybookError) Text(lang string) string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	args, copied := e.Args, false
	for i, a := range e.Args {
		// A parameter error translates itself.
		if t, ok := a.(interface{ Text(string) string }); ok {
			if !copied {
				args, copied = append([]any(nil), e.Args...), true
			}
			args[i] = t.Text(lang)
		}
	}
	return where + ": " + i18n.T(lang, e.Key, args...)
}

func (e *PlaybookError) Error() string { return e.Text(i18n.EN) }

// Unwrap returns the underlying error when one of the arguments is one
// (a selector or parameter error).
func (e *PlaybookError) Unwrap() error {
	for _, a := range e.Args {
		if err, ok := a.(error); ok {
			return err
		}
	}
	return nil
}

// Library is the set of playbooks hcops knows: the built-ins and the user's.
type Library struct {
	checks Registry
	byName map[string]*Playbook
	// Broken holds playbooks that failed to load, by name (file base name),
	// with the error. Using one is an error; listing shows them.
	Broken map[string]error
}

// LoadLibrary reads the built-in playbooks from builtin (every *.yaml at its
// root) and the user's from dir ("" for none). A user playbook with the same
// name as a built-in replaces it, so a site can tune linux-daily without
// rebuilding hcops. A missing dir is an error: it was configured on purpose.
// checks is the set of check types playbooks may name.
func LoadLibrary(checks Registry, builtin fs.FS, dir string) (*Library, error) {
	l := &Library{checks: checks, byName: map[string]*Playbook{}, Broken: map[string]error{}}
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
	pb, err := ParsePlaybook(l.checks, file, data, base)
	if err != nil {
		l.Broken[base] = err
		return
	}
	pb.Source = source
	if prev, dup := l.byName[pb.Name]; dup && prev.Source != BuiltinSource && source != BuiltinSource {
		l.Broken[pb.Name] = pbErr(file, 0, "inspect.pb.dup_playbook", pb.Name, prev.File)
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

// Resolve returns the playbook a --playbook argument names: a path to a
// playbook file (it contains a slash or ends in .yaml or .yml) is read from
// that file, so a playbook being written can be tried without a playbooks
// directory; anything else is a name in the library (Get).
func (l *Library) Resolve(arg string) (*Playbook, error) {
	ext := filepath.Ext(arg)
	if !strings.ContainsRune(arg, '/') && !strings.ContainsRune(arg, filepath.Separator) && ext != ".yaml" && ext != ".yml" {
		return l.Get(arg)
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("playbook file: %w", err)
	}
	pb, err := ParsePlaybook(l.checks, arg, data, strings.TrimSuffix(filepath.Base(arg), ext))
	if err != nil {
		return nil, err
	}
	pb.Source = arg
	return pb, nil
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
