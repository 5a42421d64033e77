package net

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// A vendor profile says, as data, where a family of devices keeps its CPU,
// memory, temperature, fan and power supply readings: one YAML file per
// vendor in profiles/ (embedded), and more from a directory the playbook
// names (parameter profiles_dir). The profile whose match prefix is the
// longest prefix of the device's sysObjectID applies; the "generic"
// profile (HOST-RESOURCES-MIB) applies to the others.

//go:embed profiles/*.yaml
var builtinProfiles embed.FS

// Profile is one vendor's profile.
type Profile struct {
	Vendor string   `yaml:"vendor"` // short name shown in results, e.g. "huawei"
	Name   string   `yaml:"name"`   // the vendor's name as people write it
	Match  []string `yaml:"match"`  // sysObjectID prefixes (dotted, no leading dot); ["*"] = fallback
	Source string   `yaml:"source"` // the MIBs the OIDs come from
	// Names is the column naming table rows (e.g. entPhysicalName), read
	// for rows a metric has no names column of its own.
	Names       string  `yaml:"names,omitempty"`
	CPU         *Metric `yaml:"cpu,omitempty"`
	Memory      *Metric `yaml:"memory,omitempty"`
	Temperature *Metric `yaml:"temperature,omitempty"`
	Fan         *Metric `yaml:"fan,omitempty"`
	PSU         *Metric `yaml:"psu,omitempty"`
	Status      *Metric `yaml:"status,omitempty"` // a per-entity error status (H3C)

	file string
}

// Metric is where one reading is: a column (walked; one row per
// component) or, for memory, used and free columns (or hrStorage RAM).
type Metric struct {
	OID   string    `yaml:"oid,omitempty"`   // the column, a table walked row by row
	Used  string    `yaml:"used,omitempty"`  // memory as used and free columns (bytes)
	Free  string    `yaml:"free,omitempty"`  //
	Names string    `yaml:"names,omitempty"` // column naming the rows (same index); "-": by index
	Scale float64   `yaml:"scale,omitempty"` // multiply the raw value (default 1)
	Skip  []float64 `yaml:"skip,omitempty"`  // raw values meaning "no such sensor on this row"
	// Aggregate folds the rows into one: "max" or "avg"; "" keeps one
	// result per row.
	Aggregate string `yaml:"aggregate,omitempty"`
	// HRStorage reads memory from HOST-RESOURCES-MIB hrStorageTable rows
	// of type hrStorageRam ("ram").
	HRStorage string `yaml:"hrstorage,omitempty"`
	// States maps a status column's values to a verdict and a word.
	States map[int]State `yaml:"states,omitempty"`
}

// State is one value of a status column.
type State struct {
	Status string `yaml:"status"` // ok, warn, crit, skip (absent or not supported: no result)
	Text   string `yaml:"text"`   // the MIB's name of the value
}

// ProfileSet is the profiles in force.
type ProfileSet []*Profile

// Match returns the profile for sysObjectID: the longest matching prefix,
// else the fallback ("*"), else nil.
func (ps ProfileSet) Match(objID string) *Profile {
	objID = strings.TrimPrefix(objID, ".")
	var best, fallback *Profile
	bestLen := -1
	for _, p := range ps {
		for _, m := range p.Match {
			if m == "*" {
				if fallback == nil {
					fallback = p
				}
				continue
			}
			if (objID == m || strings.HasPrefix(objID, m+".")) && len(m) > bestLen {
				best, bestLen = p, len(m)
			}
		}
	}
	if best != nil {
		return best
	}
	return fallback
}

var (
	profMu    sync.Mutex
	profCache = map[string]ProfileSet{}
)

// Profiles returns the built-in profiles plus those in dir ("" for none).
// A profile from dir replaces a built-in one of the same vendor. Errors
// name the file and line.
func Profiles(dir string) (ProfileSet, error) {
	profMu.Lock()
	defer profMu.Unlock()
	if ps, ok := profCache[dir]; ok {
		return ps, nil
	}
	byVendor := map[string]*Profile{}
	err := fs.WalkDir(builtinProfiles, "profiles", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := builtinProfiles.ReadFile(path)
		if err != nil {
			return err
		}
		p, err := parseProfile(path, b)
		if err != nil {
			return err
		}
		byVendor[p.Vendor] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	if dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("profiles_dir %s: %w", dir, errors.Unwrap(err))
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			p, err := parseProfile(f, b)
			if err != nil {
				return nil, err
			}
			byVendor[p.Vendor] = p
		}
	}
	ps := make(ProfileSet, 0, len(byVendor))
	for _, p := range byVendor {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Vendor < ps[j].Vendor })
	profCache[dir] = ps
	return ps, nil
}

// parseProfile decodes one profile strictly (unknown keys are errors with
// their line) and checks it.
func parseProfile(file string, b []byte) (*Profile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// "line 4: field oids not found in type net.Metric" -> file:4: ...
			var lines []string
			for _, e := range te.Errors {
				var n int
				if _, serr := fmt.Sscanf(e, "line %d:", &n); serr == nil {
					_, rest, _ := strings.Cut(e, ": ")
					lines = append(lines, fmt.Sprintf("%s:%d: %s", file, n, inType.ReplaceAllString(rest, "")))
					continue
				}
				lines = append(lines, file+": "+e)
			}
			return nil, errors.New(strings.Join(lines, "\n"))
		}
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var node yaml.Node
	_ = yaml.Unmarshal(b, &node)
	line := func(key string) int {
		if len(node.Content) == 0 {
			return 1
		}
		m := node.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line
			}
		}
		return 1
	}
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s: %s", file, line(key), key, fmt.Sprintf(format, args...))
	}
	if p.Vendor == "" {
		return nil, bad("vendor", "missing")
	}
	if len(p.Match) == 0 {
		return nil, bad("match", "give the sysObjectID prefixes of the vendor's devices, or \"*\"")
	}
	for _, m := range p.Match {
		if m != "*" && !validOID(m) {
			return nil, bad("match", "%q is not a dotted OID", m)
		}
	}
	if p.Names != "" && p.Names != "-" && !validOID(p.Names) {
		return nil, bad("names", "%q is not a dotted OID", p.Names)
	}
	for key, m := range map[string]*Metric{"cpu": p.CPU, "memory": p.Memory, "temperature": p.Temperature, "fan": p.Fan, "psu": p.PSU, "status": p.Status} {
		if m == nil {
			continue
		}
		for _, o := range []string{m.OID, m.Used, m.Free, m.Names} {
			if o != "" && o != "-" && !validOID(o) {
				return nil, bad(key, "%q is not a dotted OID", o)
			}
		}
		switch {
		case m.OID == "" && m.HRStorage == "" && (m.Used == "" || m.Free == ""):
			return nil, bad(key, "give oid (a column), used and free, or hrstorage: ram")
		case m.HRStorage != "" && m.HRStorage != "ram":
			return nil, bad(key, "hrstorage %q: only \"ram\" is known", m.HRStorage)
		case m.Aggregate != "" && m.Aggregate != "max" && m.Aggregate != "avg":
			return nil, bad(key, "aggregate %q: want max or avg", m.Aggregate)
		case (key == "fan" || key == "psu" || key == "status") && len(m.States) == 0:
			return nil, bad(key, "a status column needs states (value: {status, text})")
		}
		for v, s := range m.States {
			switch s.Status {
			case "ok", "warn", "crit", "skip":
			default:
				return nil, bad(key, "state %d: status %q: want ok, warn, crit or skip", v, s.Status)
			}
		}
		if m.Scale == 0 {
			m.Scale = 1
		}
	}
	p.file = file
	return &p, nil
}

// inType is the Go type yaml.v3 names in its errors, no use to a reader.
var inType = regexp.MustCompile(` in type net\.\w+`)

// validOID reports whether s is a dotted numeric OID (no leading dot).
func validOID(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || len(part) > 10 {
			return false
		}
		for _, c := range part {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}
