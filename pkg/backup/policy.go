// Package backup proves that backups and snapshots exist, are fresh,
// complete, retained as the policy says, intact and restorable (BK1–BK4).
// hcops does not run the backup products: it lists the copies they made,
// judges them against the policy, tests their integrity by streaming them,
// and restores dumps into scratch databases (drills). Every verdict is an
// inspect-style result, so history, reports and exit codes treat backups
// like any other finding.
package backup

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// Kinds of backup a policy can describe.
const (
	KindFile      = "file"          // file or directory archives (tar, tar.gz, zip, ...)
	KindPgDump    = "pg_dump"       // pg_dump custom (-Fc) or plain SQL
	KindMysqldump = "mysqldump"     // mysqldump / mariadb-dump SQL
	KindPgBase    = "pg_basebackup" // base backups (directories or tar)
	KindWAL       = "wal-archive"   // PostgreSQL WAL archive segments
	KindBinlog    = "binlog"        // MySQL/MariaDB binary logs
	KindRestic    = "restic"        // restic repository snapshots
	KindZFS       = "zfs"           // ZFS snapshots
	KindLVM       = "lvm"           // LVM snapshots
	KindCommand   = "command"       // any listing command printing JSON or CSV (cloud snapshots, vendor CLIs)
)

var kinds = []string{KindFile, KindPgDump, KindMysqldump, KindPgBase, KindWAL, KindBinlog, KindRestic, KindZFS, KindLVM, KindCommand}

// Secret names where a secret lives (env or file); never the secret itself.
type Secret = inventory.SecretRef

// Retention is what the policy promises to keep.
type Retention struct {
	KeepLast int  `yaml:"keep_last,omitempty"` // at least this many copies
	KeepDays int  `yaml:"keep_days,omitempty"` // copies of the last N days
	Forever  bool `yaml:"forever,omitempty"`   // nothing is ever deleted
	// Tiers: copies kept per day / week beyond the newest ones (GFS).
	KeepDaily  int `yaml:"keep_daily,omitempty"`
	KeepWeekly int `yaml:"keep_weekly,omitempty"`
}

// Checksum names a manifest of hashes beside the copies.
type Checksum struct {
	Manifest string `yaml:"manifest"`       // file name or glob in the copies' directory, e.g. SHA256SUMS
	Algo     string `yaml:"algo,omitempty"` // sha256 (default) or sm3
}

// DrillSpec says how a copy is restored in a drill and what must be true
// afterwards. A database dump names its engine and is restored into a
// scratch database (engine, tables, source, row_tolerance); a file archive
// (kind file, no engine) is extracted into a scratch directory (expect,
// manifest, manifest_algo).
type DrillSpec struct {
	Engine       string   `yaml:"engine,omitempty"`        // postgresql or mariadb (mysql)
	Tables       []string `yaml:"tables,omitempty"`        // must exist after restore
	Source       string   `yaml:"source,omitempty"`        // database asset to compare row counts with
	RowTolerance float64  `yaml:"row_tolerance,omitempty"` // percent (default 10)

	// Expect are paths (or path.Match patterns) that must be in the
	// archive, relative to its top: "etc/nginx/nginx.conf", "data/" (a
	// directory), "*/MANIFEST".
	Expect []string `yaml:"expect,omitempty"`
	// Manifest is a checksum file inside the archive ("hash  path" lines as
	// sha256sum or an SM3 tool writes them); every file it lists must be
	// in the archive with that hash. Paths in it are relative to the
	// manifest's directory (absolute ones to the archive's top).
	Manifest     string `yaml:"manifest,omitempty"`
	ManifestAlgo string `yaml:"manifest_algo,omitempty"` // sha256 (default) or sm3
}

// Policy is one backup promise to verify.
type Policy struct {
	Name   string `yaml:"name"`
	Kind   string `yaml:"kind"`
	Asset  string `yaml:"asset,omitempty"`  // host holding the copies (SSH); empty = this machine
	Of     string `yaml:"of,omitempty"`     // the asset or system the backup protects (for reports)
	System string `yaml:"system,omitempty"` // application system, for grouping
	Path   string `yaml:"path,omitempty"`   // glob of the copies, e.g. /backup/his/his-*.dump
	// Command lists copies (kind command): prints a JSON array of
	// {"name","time","size"} or CSV with a header name,time,size.
	Command    string     `yaml:"command,omitempty"`
	Repository string     `yaml:"repository,omitempty"` // restic repository
	Password   Secret     `yaml:"password,omitempty"`   // restic repository password reference
	Dataset    string     `yaml:"dataset,omitempty"`    // zfs dataset / LVM origin volume
	Schedule   string     `yaml:"schedule"`             // hourly, every 6h, daily, weekly
	RPO        string     `yaml:"rpo,omitempty"`        // e.g. 26h; default 1.5 × schedule interval
	Retention  Retention  `yaml:"retention,omitempty"`
	MinSize    string     `yaml:"min_size,omitempty"`    // e.g. 10MiB
	ShrinkCrit float64    `yaml:"shrink_crit,omitempty"` // percent drop vs the previous copies that is CRIT (default 50)
	Checksum   *Checksum  `yaml:"checksum,omitempty"`
	Encrypted  bool       `yaml:"encrypted,omitempty"` // copies must be encrypted
	Integrity  *bool      `yaml:"integrity,omitempty"` // stream-test the newest copy (default true)
	Drill      *DrillSpec `yaml:"drill,omitempty"`

	Line int    `yaml:"-"`
	File string `yaml:"-"`
}

// DrillTarget is where drills restore into. For a database engine it is
// a scratch server, never a production server's database: every scratch
// database name starts with ScratchPrefix and is created (and dropped) by
// the drill itself. For archives (key FilesTarget) it is ScratchDir, a
// directory on this machine under which each drill extracts into a new
// directory of its own and removes it afterwards.
type DrillTarget struct {
	Host          string `yaml:"host,omitempty"`
	Port          int    `yaml:"port,omitempty"`
	User          string `yaml:"user,omitempty"`
	Password      Secret `yaml:"password,omitempty"`
	ScratchPrefix string `yaml:"scratch_prefix,omitempty"`
	ScratchDir    string `yaml:"scratch_dir,omitempty"` // files only
	// TLS of the connections to the drill server: disable, require,
	// verify-ca, verify-full. Unset: disable on a loopback address (the
	// password never leaves the machine), require elsewhere.
	TLS string `yaml:"tls,omitempty"`
	// SystemDatabases are databases the drill server may hold besides the
	// engine's own system databases and scratch ones (a Kingbase or
	// openGauss instance's own); any other database makes drills refuse it.
	SystemDatabases []string `yaml:"system_databases,omitempty"`
}

// TLSMode is the TLS of the drill target's connections (see TLS).
func (t DrillTarget) TLSMode() string {
	if t.TLS != "" {
		return strings.ToLower(t.TLS)
	}
	h := strings.Trim(t.Host, "[]")
	if ip := net.ParseIP(h); (ip != nil && ip.IsLoopback()) || strings.EqualFold(h, "localhost") {
		return "disable"
	}
	return "require"
}

// FilesTarget is the drill_targets key of archive drills.
const FilesTarget = "files"

// File is a backups.yaml: the policies and the drill targets per engine.
type File struct {
	Policies []*Policy              `yaml:"policies"`
	Drill    map[string]DrillTarget `yaml:"drill_targets,omitempty"` // postgresql, mariadb, files
	Path     string                 `yaml:"-"`
}

// ArchiveDrill reports whether p's drill extracts a file archive into a
// scratch directory (kind file without an engine) rather than restoring a
// dump into a scratch database.
func (p *Policy) ArchiveDrill() bool {
	return p.Drill != nil && p.Kind == KindFile && p.Drill.Engine == ""
}

// Interval returns the expected time between copies.
func (p *Policy) Interval() (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(p.Schedule))
	switch s {
	case "hourly":
		return time.Hour, nil
	case "daily":
		return 24 * time.Hour, nil
	case "weekly":
		return 7 * 24 * time.Hour, nil
	case "monthly":
		return 30 * 24 * time.Hour, nil
	}
	if rest, ok := strings.CutPrefix(s, "every "); ok {
		d, err := parseDuration(rest)
		if err != nil {
			return 0, errorf("backup.policy.schedule_dur", p.Schedule, err)
		}
		if d < time.Hour {
			return 0, errorf("backup.policy.schedule_min", p.Schedule)
		}
		return d, nil
	}
	return 0, errorf("backup.policy.schedule_bad", p.Schedule)
}

// RPODuration returns the policy's recovery point objective (default 1.5 ×
// the schedule interval: one missed run is tolerated until the next is due).
func (p *Policy) RPODuration() (time.Duration, error) {
	if p.RPO == "" {
		iv, err := p.Interval()
		return iv * 3 / 2, err
	}
	d, err := parseDuration(p.RPO)
	if err != nil {
		return 0, errorf("backup.policy.rpo", p.RPO, err)
	}
	return d, nil
}

// MinBytes returns the minimum size in bytes (0 when unset).
func (p *Policy) MinBytes() (int64, error) {
	if p.MinSize == "" {
		return 0, nil
	}
	return ParseSize(p.MinSize)
}

// ShrinkPercent returns the CRIT shrink threshold (default 50 %).
func (p *Policy) ShrinkPercent() float64 {
	if p.ShrinkCrit > 0 {
		return p.ShrinkCrit
	}
	return 50
}

// CheckIntegrity reports whether the newest copy is stream-tested.
func (p *Policy) CheckIntegrity() bool { return p.Integrity == nil || *p.Integrity }

var sizeRE = regexp.MustCompile(`^(?i)\s*([0-9.]+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\s*$`)

// ParseSize reads "10MiB", "2G", "512k", "1000" (bytes).
func ParseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, errorf("backup.policy.bad_size", s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, errorf("backup.policy.bad_size", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
		"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}[strings.ToLower(m[2])]
	return int64(v * mult), nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, errorf("backup.policy.bad_duration", s)
		}
		return time.Duration(f * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errorf("backup.policy.bad_duration", s)
	}
	return d, nil
}

// Problem is one mistake in a policy file, with its line.
type Problem struct {
	File string
	Line int
	Msg  string // English

	// Policy, Key and Args name the catalogue message (pkg/i18n) so the
	// problem can be shown in the user's language. Policy is the name of
	// the policy it is about ("" for the file as a whole).
	Policy    string
	HasPolicy bool
	Key       string
	Args      []any
}

// String renders the problem as "file:line: message" in English.
func (p Problem) String() string { return p.Text(i18n.EN) }

// Text renders the problem as "file:line: message" in lang.
func (p Problem) Text(lang string) string {
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.message(lang))
}

// message is the problem without its position, in lang.
func (p Problem) message(lang string) string {
	if p.Key == "" {
		return p.Msg
	}
	msg := (&Error{Key: p.Key, Args: p.Args}).Text(lang)
	if p.HasPolicy {
		msg = i18n.T(lang, "backup.policy.problem", p.Policy, msg)
	}
	return msg
}

// problem builds a Problem from a catalogue key (English text filled in).
func problem(file string, line int, key string, args ...any) Problem {
	pr := Problem{File: file, Line: line, Key: key, Args: args}
	pr.Msg = pr.message(i18n.EN)
	return pr
}

// ValidationError lists every problem of a policy file.
type ValidationError struct{ Problems []Problem }

// Error is one line per problem, in English.
func (e *ValidationError) Error() string { return e.Text(i18n.EN) }

// Text is Error in lang.
func (e *ValidationError) Text(lang string) string {
	var lines []string
	for _, p := range e.Problems {
		lines = append(lines, p.Text(lang))
	}
	return strings.Join(lines, "\n")
}

// DefaultPath returns backups.yaml beside the inventory: inside it when the
// inventory is a directory, in the same directory when it is a file.
func DefaultPath(inventory string) string {
	if inventory == "" {
		return ""
	}
	if st, err := os.Stat(inventory); err == nil && st.IsDir() {
		return filepath.Join(inventory, "backups.yaml")
	}
	return filepath.Join(filepath.Dir(inventory), "backups.yaml")
}

// Load reads and validates a backups.yaml. Unknown keys and every invalid
// setting are reported with their line; nothing is half-loaded.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errorf("backup.policy.read", err)
	}
	return Parse(path, data)
}

var unknownFieldRE = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// Parse decodes policy text; name is used in messages.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Path: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			ve := &ValidationError{}
			for _, e := range te.Errors {
				if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
					n, _ := strconv.Atoi(m[1])
					ve.Problems = append(ve.Problems, problem(name, n, "backup.policy.unknown_key", m[2]))
				} else {
					ve.Problems = append(ve.Problems, Problem{File: name, Msg: strings.TrimPrefix(e, "yaml: ")})
				}
			}
			return nil, ve
		}
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// Lines of each policy and drill target, for messages.
	var doc yaml.Node
	_ = yaml.Unmarshal(data, &doc)
	targetLine := map[string]int{}
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			switch root.Content[i].Value {
			case "policies":
				for j, n := range root.Content[i+1].Content {
					if j < len(f.Policies) {
						f.Policies[j].Line, f.Policies[j].File = n.Line, name
					}
				}
			case "drill_targets":
				m := root.Content[i+1].Content
				for j := 0; j+1 < len(m); j += 2 {
					targetLine[m[j].Value] = m[j].Line
				}
			}
		}
	}
	ve := &ValidationError{}
	add := func(p *Policy, key string, args ...any) {
		pr := Problem{File: name, Line: p.Line, Policy: p.Name, HasPolicy: true, Key: key, Args: args}
		pr.Msg = pr.message(i18n.EN)
		ve.Problems = append(ve.Problems, pr)
	}
	// addErr adds a catalogue error (from Interval, RPODuration, MinBytes).
	addErr := func(p *Policy, err error) {
		var e *Error
		if errors.As(err, &e) {
			add(p, e.Key, e.Args...)
			return
		}
		ve.Problems = append(ve.Problems, Problem{File: name, Line: p.Line, Msg: fmt.Sprintf("policy %s: %v", p.Name, err)})
	}
	seen := map[string]bool{}
	for _, p := range f.Policies {
		if p.Name == "" {
			add(p, "backup.policy.no_name")
		} else if seen[p.Name] {
			add(p, "backup.policy.dup_name")
		}
		seen[p.Name] = true
		known := false
		for _, k := range kinds {
			known = known || p.Kind == k
		}
		if !known {
			add(p, "backup.policy.bad_kind", p.Kind, strings.Join(kinds, ", "))
		}
		if _, err := p.Interval(); err != nil {
			addErr(p, err)
		}
		if _, err := p.RPODuration(); err != nil {
			addErr(p, err)
		}
		if _, err := p.MinBytes(); err != nil {
			addErr(p, err)
		}
		switch p.Kind {
		case KindCommand:
			if p.Command == "" {
				add(p, "backup.policy.need_command")
			}
		case KindRestic:
			if p.Repository == "" {
				add(p, "backup.policy.need_repo")
			}
		case KindZFS, KindLVM:
			if p.Dataset == "" {
				add(p, "backup.policy.need_dataset", p.Kind)
			}
		default:
			if p.Path == "" {
				add(p, "backup.policy.need_path")
			} else if !strings.HasPrefix(p.Path, "/") {
				add(p, "backup.policy.path_relative", p.Path)
			}
		}
		if p.Checksum != nil {
			if a := strings.ToLower(p.Checksum.Algo); a != "" && a != "sha256" && a != "sm3" {
				add(p, "backup.policy.checksum_algo", p.Checksum.Algo)
			}
			if p.Checksum.Manifest == "" {
				add(p, "backup.policy.checksum_manifest")
			}
		}
		if d := p.Drill; d != nil {
			switch {
			case p.Kind != KindPgDump && p.Kind != KindMysqldump && p.Kind != KindFile:
				add(p, "backup.policy.drill_kind", p.Kind)
			case p.ArchiveDrill():
				if len(d.Tables) > 0 || d.Source != "" || d.RowTolerance != 0 {
					add(p, "backup.policy.drill_db_keys")
				}
				for _, e := range d.Expect {
					if key := archivePattern(e); key != "" {
						add(p, key, "expect", e)
					}
				}
				if d.Manifest != "" {
					if key := archivePattern(d.Manifest); key != "" {
						add(p, key, "manifest", d.Manifest)
					} else if strings.HasSuffix(d.Manifest, "/") {
						add(p, "backup.policy.drill_path", "manifest", d.Manifest)
					}
				}
				switch a := strings.ToLower(d.ManifestAlgo); {
				case a != "" && a != "sha256" && a != "sm3":
					add(p, "backup.policy.drill_algo", d.ManifestAlgo)
				case a != "" && d.Manifest == "":
					add(p, "backup.policy.drill_algo_alone")
				}
			default:
				if e := NormEngine(d.Engine); e == "" {
					add(p, "backup.policy.drill_engine", d.Engine)
				}
				if len(d.Expect) > 0 || d.Manifest != "" || d.ManifestAlgo != "" {
					add(p, "backup.policy.drill_file_keys")
				}
			}
		}
	}
	targets := make([]string, 0, len(f.Drill))
	for k := range f.Drill {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	for _, engine := range targets {
		t, line := f.Drill[engine], targetLine[engine]
		if engine == FilesTarget {
			if t.Host != "" || t.Port != 0 || t.User != "" || !t.Password.IsZero() || t.ScratchPrefix != "" {
				ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_files_keys"))
			}
			switch {
			case t.ScratchDir == "":
			case !filepath.IsAbs(t.ScratchDir):
				ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_dir_relative", t.ScratchDir))
			case systemDir(t.ScratchDir):
				ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_dir_system", t.ScratchDir))
			}
			continue
		}
		if NormEngine(engine) == "" {
			ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_engine", engine))
		}
		if strings.TrimSpace(t.ScratchPrefix) == "" {
			ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_prefix", engine))
		}
		if t.Host == "" {
			ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_host", engine))
		}
		if t.ScratchDir != "" {
			ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_dir_db", engine))
		}
		switch strings.ToLower(t.TLS) {
		case "", "disable", "require", "verify-ca", "verify-full":
		default:
			ve.Problems = append(ve.Problems, problem(name, line, "backup.policy.target_tls", engine, t.TLS))
		}
	}
	if len(ve.Problems) > 0 {
		return nil, ve
	}
	return f, nil
}

// archivePattern checks an expect or manifest path of an archive drill: a
// pattern relative to the archive's top that cannot climb out of it. It
// returns the catalogue key of the problem, or "".
func archivePattern(p string) string {
	if strings.TrimSpace(p) == "" || strings.HasPrefix(p, "/") {
		return "backup.policy.drill_path"
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "backup.policy.drill_path"
		}
	}
	if _, err := path.Match(p, ""); err != nil {
		return "backup.policy.drill_glob"
	}
	return ""
}

// NormEngine maps engine spellings to "postgresql" or "mariadb" (also for
// MySQL), or "" when drills do not support the engine.
func NormEngine(e string) string {
	switch strings.ToLower(e) {
	case "postgresql", "postgres", "pg":
		return "postgresql"
	case "mariadb", "mysql":
		return "mariadb"
	}
	return ""
}
