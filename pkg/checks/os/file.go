package os

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// fileCheck looks at files on the target (type "file"): that they exist (or
// do not), how old they are, their size, mode and owner. Typical uses: the
// nightly dump is there and fresh, a lock or core file is absent, a key file
// is not world-readable.
//
// Parameters:
//
//	path      the file (a literal path; no globs)
//	paths     several files; one result each
//	state     present (default) or absent
//	type      any (default), file or directory
//	warn_age  WARN when last modified longer ago than this (e.g. 26h, 2d)
//	max_age   CRIT when last modified longer ago than this
//	min_size  CRIT when smaller (bytes, or with K/M/G/T: 1M = 1048576)
//	max_size  CRIT when larger
//	mode      exact permission bits in octal, e.g. "0640"
//	mode_max  no permission beyond these, e.g. "0644" (0666 fails)
//	owner     owning user, name or uid
//	group     owning group, name or gid
//
// warn/crit (Nagios ranges) apply to the age in hours (value, unit "h").
// Age is measured against the target's own clock, so clock skew between
// this machine and the host does not distort it. The collector uses
// `stat -c` (GNU coreutils, busybox) and falls back to `ls -ln` and `date -r`.
type fileCheck struct{}

type fileConf struct {
	paths              []string
	absent             bool
	ftype              string
	warnAge, maxAge    time.Duration
	minSize, maxSize   int64
	hasMin, hasMax     bool
	mode, modeMax      int64
	hasMode, hasModeMx bool
	owner, group       string
}

// fileTyped are the parameters of file, decoded once when the playbook is
// loaded.
type fileTyped struct {
	Path    string        `param:"path"`
	Paths   []string      `param:"paths"`
	State   string        `param:"state"` // present or absent
	Type    string        `param:"type"`  // any, file or directory
	WarnAge time.Duration `param:"warn_age"`
	MaxAge  time.Duration `param:"max_age"`
	MinSize string        `param:"min_size"` // bytes, or 10K, 1.5M, 2G
	MaxSize string        `param:"max_size"`
	Mode    fileMode      `param:"mode"`     // exact permission bits, "0640"
	ModeMax fileMode      `param:"mode_max"` // no permission beyond these
	Owner   string        `param:"owner"`
	Group   string        `param:"group"`

	conf *fileConf
}

// Defaults: the file must be there, of any type.
func (p *fileTyped) Defaults() { p.State, p.Type = "present", "any" }

// CheckParams checks the values together and builds the configuration.
func (p *fileTyped) CheckParams(spec *inspect.Spec) error {
	c := &fileConf{ftype: p.Type, warnAge: p.WarnAge, maxAge: p.MaxAge, owner: p.Owner, group: p.Group}
	if p.Path != "" {
		c.paths = append(c.paths, p.Path)
	}
	c.paths = append(c.paths, p.Paths...)
	if len(c.paths) == 0 {
		return inspect.BadParamMsg(spec, "path", "probe.param.file_missing")
	}
	for _, x := range c.paths {
		if strings.TrimSpace(x) == "" {
			return inspect.BadParamMsg(spec, "paths", "probe.param.empty_path")
		}
	}
	switch p.State {
	case "present":
	case "absent":
		c.absent = true
	default:
		return inspect.BadParamMsg(spec, "state", "probe.param.file_state", p.State)
	}
	switch c.ftype {
	case "any", "file", "directory":
	default:
		return inspect.BadParamMsg(spec, "type", "probe.param.file_type", c.ftype)
	}
	for _, s := range []struct {
		name, v string
		dst     *int64
		has     *bool
	}{{"min_size", p.MinSize, &c.minSize, &c.hasMin}, {"max_size", p.MaxSize, &c.maxSize, &c.hasMax}} {
		if s.v == "" {
			continue
		}
		n, err := ParseSize(s.v)
		if err != nil {
			return inspect.BadParamMsg(spec, s.name, "inspect.param.detail", err)
		}
		*s.dst, *s.has = n, true
	}
	c.mode, c.hasMode = p.Mode.bits, p.Mode.set
	c.modeMax, c.hasModeMx = p.ModeMax.bits, p.ModeMax.set
	p.conf = c
	return nil
}

// fileMode is a mode parameter (inspect.ParamUnmarshaler): octal
// permission bits written as a string.
type fileMode struct {
	bits int64
	set  bool
}

// ParamType names the parameter's type in `hcops inspect checks`.
func (*fileMode) ParamType() string { return "octal mode string" }

// String writes the mode as it is written in a playbook.
func (m fileMode) String() string { return fmt.Sprintf("%04o", m.bits) }

// UnmarshalParam reads "0640". YAML reads 0640 as the number 416 and 640
// as 640: a number cannot be trusted to mean what was written, so modes
// must be quoted.
func (m *fileMode) UnmarshalParam(spec *inspect.Spec, name string, raw any) error {
	v, isString := raw.(string)
	if !isString {
		return inspect.BadParamMsg(spec, name, "probe.param.mode_quote")
	}
	n, err := strconv.ParseInt(v, 8, 32)
	if err != nil || n < 0 || n > 0o7777 {
		return inspect.BadParamMsg(spec, name, "probe.param.mode", v)
	}
	m.bits, m.set = n, true
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (fileCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[fileTyped](spec)
}

func fileParse(spec *inspect.Spec) (*fileConf, error) {
	p, err := inspect.ParamsOf[fileTyped](spec)
	if err != nil {
		return nil, err
	}
	return p.conf, nil
}

// ParseSize reads 1234, 10K, 1.5M, 2G, 1T (powers of 1024).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mult := 1.0
	if s != "" {
		switch s[len(s)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		case 'T':
			mult = 1 << 40
		}
		if mult > 1 {
			s = s[:len(s)-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return 0, i18n.NewError("probe.param.size_parse")
	}
	return int64(f * mult), nil
}

func (fileCheck) Validate(spec *inspect.Spec) error {
	_, err := fileParse(spec)
	return err
}

// File collector markers.
const (
	fileMark = "@@HCOPS_FILE"
	fileNow  = "@@HCOPS_NOW"
)

func (fileCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	c, err := fileParse(spec)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("echo " + fileNow + " $(date +%s)\n")
	for i, p := range c.paths {
		// stat -L follows a symlink to what it points at; the fallback
		// prints ls -ln (numeric ids), ls -l (names) and date -r (mtime).
		fmt.Fprintf(&b, `f=%s; if [ -e "$f" ]; then if s=$(stat -L -c '%%s %%Y %%a %%u %%g %%U %%G %%F' -- "$f" 2>/dev/null); then echo "%s %d STAT $s"; else echo "%s %d LSN $(ls -lndL -- "$f" 2>/dev/null)"; echo "%s %d LS $(ls -ldL -- "$f" 2>/dev/null)"; echo "%s %d MTIME $(date -r "$f" +%%s 2>/dev/null)"; fi; else echo "%s %d ABSENT"; fi`+"\n",
			inspect.ShellQuote(inspect.ArgPath(p)), fileMark, i, fileMark, i, fileMark, i, fileMark, i, fileMark, i)
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// FileInfo is what the collector learned about one file.
type FileInfo struct {
	Exists       bool
	Size         int64
	MTime        int64 // Unix seconds; 0 when unknown
	Mode         int64 // permission bits; -1 when unknown
	UID, GID     string
	User, Group  string
	Type         string // "regular file", "directory", ...
	Parsed       bool   // a STAT or LS line was understood
	ParseProblem string
}

// ParseFileOutput reads the collector's output: the target's clock and one
// FileInfo per path index.
func ParseFileOutput(out string, n int) (now int64, infos []FileInfo) {
	infos = make([]FileInfo, n)
	for i := range infos {
		infos[i].Mode = -1
	}
	seen := make([]bool, n)
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, fileNow+" ") {
			now, _ = strconv.ParseInt(strings.TrimSpace(line[len(fileNow)+1:]), 10, 64)
			continue
		}
		if !strings.HasPrefix(line, fileMark+" ") {
			continue
		}
		f := strings.SplitN(line[len(fileMark)+1:], " ", 3)
		if len(f) < 2 {
			continue
		}
		i, err := strconv.Atoi(f[0])
		if err != nil || i < 0 || i >= n {
			continue
		}
		rest := ""
		if len(f) == 3 {
			rest = f[2]
		}
		fi := &infos[i]
		seen[i] = true
		switch f[1] {
		case "ABSENT":
			fi.Exists, fi.Parsed = false, true
		case "STAT":
			parseStatLine(fi, rest)
		case "LSN":
			parseLsLine(fi, rest, true)
		case "LS":
			parseLsLine(fi, rest, false)
		case "MTIME":
			if t, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64); err == nil {
				fi.MTime = t
			}
		}
	}
	for i := range infos {
		if !seen[i] {
			infos[i].ParseProblem = "no output for this path"
		}
	}
	return now, infos
}

// parseStatLine reads "%s %Y %a %u %g %U %G %F".
func parseStatLine(fi *FileInfo, s string) {
	f := strings.Fields(s)
	if len(f) < 8 {
		fi.ParseProblem = fmt.Sprintf("unexpected stat output %q", inspect.Clip(s, 80))
		return
	}
	size, err1 := strconv.ParseInt(f[0], 10, 64)
	mtime, err2 := strconv.ParseInt(f[1], 10, 64)
	mode, err3 := strconv.ParseInt(f[2], 8, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		fi.ParseProblem = fmt.Sprintf("unexpected stat output %q", inspect.Clip(s, 80))
		return
	}
	fi.Exists, fi.Parsed = true, true
	fi.Size, fi.MTime, fi.Mode = size, mtime, mode
	fi.UID, fi.GID, fi.User, fi.Group = f[3], f[4], f[5], f[6]
	fi.Type = strings.Join(f[7:], " ")
}

// parseLsLine reads "drwxr-x--- 2 0 0 4096 Nov 29 05:00 name"; numeric
// gives the ids (ls -n), otherwise the names.
func parseLsLine(fi *FileInfo, s string, numeric bool) {
	f := strings.Fields(s)
	if len(f) < 5 || len(f[0]) < 10 {
		if numeric {
			fi.ParseProblem = fmt.Sprintf("unexpected ls output %q", inspect.Clip(s, 80))
		}
		return
	}
	if numeric {
		size, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			// Device files show "major, minor" here.
			size = -1
		}
		fi.Exists, fi.Parsed = true, true
		fi.Size = size
		fi.Mode = lsMode(f[0])
		fi.UID, fi.GID = f[2], f[3]
		fi.Type = map[byte]string{'-': "regular file", 'd': "directory", 'l': "symbolic link", 'c': "character special file", 'b': "block special file", 'p': "fifo", 's': "socket"}[f[0][0]]
		return
	}
	fi.User, fi.Group = f[2], f[3]
}

// lsMode converts "-rwsr-x--T" into permission bits.
func lsMode(s string) int64 {
	if len(s) < 10 {
		return -1
	}
	var m int64
	bits := []int64{0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1}
	for i, b := range bits {
		c := s[1+i]
		switch {
		case c == 'r' || c == 'w' || c == 'x':
			m |= b
		case c == 's' || c == 't':
			m |= b
			fallthrough
		case c == 'S' || c == 'T':
			switch i {
			case 2:
				m |= 0o4000
			case 5:
				m |= 0o2000
			case 8:
				m |= 0o1000
			}
		case c == '-':
		default:
			return -1
		}
	}
	return m
}

func (fileCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	c, err := fileParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "file", err)
	}
	base := inspect.NewResult(env, "file", "")
	if rr, bad := inspect.SectionUnusable(env, base); bad {
		return []result.Result{rr}
	}
	now, infos := ParseFileOutput(env.Section.Stdout, len(c.paths))
	if now == 0 {
		now = env.Now.Unix()
	}
	out := make([]result.Result, 0, len(c.paths))
	for i, p := range c.paths {
		r := base
		r.Item = p
		out = append(out, fileJudge(env, c, p, infos[i], now, r))
	}
	return out
}

func fileJudge(env *inspect.Env, c *fileConf, path string, fi FileInfo, now int64, r result.Result) result.Result {
	if !fi.Parsed {
		r.Status = result.Unknown
		r.Reason = "parse"
		why := fi.ParseProblem
		if why == "" {
			why = "no stat or ls output"
		}
		inspect.SetMsg(&r, env, "probe.file.unreadable", path, why)
		inspect.SetEvidence(&r, env.Section.Stdout, env.Section.Truncated)
		return r
	}
	if !fi.Exists {
		if c.absent {
			r.Status = result.OK
			inspect.SetMsg(&r, env, "probe.file.absent_ok", path)
		} else {
			r.Status = result.Crit
			r.Reason = "missing"
			inspect.SetMsg(&r, env, "probe.file.missing", path)
			inspect.SetAdvice(&r, env, "probe.advice.file_missing")
		}
		return r
	}
	if c.absent {
		r.Status = result.Crit
		r.Reason = "present"
		inspect.SetMsg(&r, env, "probe.file.present", path)
		inspect.SetAdvice(&r, env, "probe.advice.file_present")
		return r
	}
	r.Status = result.OK
	var facts []any
	var notes []i18n.Sub
	if fi.Size >= 0 {
		facts = append(facts, HumanBytes(fi.Size))
		r.Metrics = append(r.Metrics, result.Metric{Name: "file.size", Value: float64(fi.Size), Unit: "B"})
	}
	var age time.Duration
	if fi.MTime > 0 {
		age = time.Duration(now-fi.MTime) * time.Second
		if age < 0 {
			age = 0 // modified "in the future": clock set back, or copied with a future stamp
		}
		hours := math.Round(age.Hours()*100) / 100
		env.Thresholds.Apply(&r, hours, "h")
		facts = append(facts, i18n.S("probe.file.modified", HumanAge(age)))
		if r.Status != result.OK {
			notes = append(notes, i18n.S("probe.file.age_range", inspect.RangesText(env, env.Thresholds)))
		}
	} else if c.maxAge > 0 || c.warnAge > 0 || env.Thresholds.Warn != nil || env.Thresholds.Crit != nil {
		r.Status = result.Worst(r.Status, result.Unknown)
		notes = append(notes, i18n.S("probe.file.no_mtime"))
	}
	if fi.MTime > 0 {
		switch {
		case c.maxAge > 0 && age > c.maxAge:
			r.Status = result.Worst(r.Status, result.Crit)
			notes = append(notes, i18n.S("probe.file.older", HumanAge(c.maxAge)))
		case c.warnAge > 0 && age > c.warnAge:
			r.Status = result.Worst(r.Status, result.Warn)
			notes = append(notes, i18n.S("probe.file.older", HumanAge(c.warnAge)))
		}
	}
	if c.ftype == "file" && fi.Type != "" && fi.Type != "regular file" && fi.Type != "regular empty file" {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.file.not_type", fi.Type, "regular file"))
	}
	if c.ftype == "directory" && fi.Type != "" && fi.Type != "directory" {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.file.not_type", fi.Type, "directory"))
	}
	if c.hasMin && fi.Size >= 0 && fi.Size < c.minSize {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.file.smaller", HumanBytes(c.minSize)))
	}
	if c.hasMax && fi.Size > c.maxSize {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.file.larger", HumanBytes(c.maxSize)))
	}
	if fi.Mode >= 0 {
		facts = append(facts, fmt.Sprintf("%04o", fi.Mode))
		if c.hasMode && fi.Mode != c.mode {
			r.Status = result.Worst(r.Status, result.Crit)
			notes = append(notes, i18n.S("probe.file.mode", fmt.Sprintf("%04o", fi.Mode), fmt.Sprintf("%04o", c.mode)))
		}
		if c.hasModeMx && fi.Mode&^c.modeMax != 0 {
			r.Status = result.Worst(r.Status, result.Crit)
			notes = append(notes, i18n.S("probe.file.mode_max", fmt.Sprintf("%04o", fi.Mode), fmt.Sprintf("%04o", c.modeMax)))
		}
	} else if c.hasMode || c.hasModeMx {
		r.Status = result.Worst(r.Status, result.Unknown)
		notes = append(notes, i18n.S("probe.file.no_mode"))
	}
	owner := fi.User
	if owner == "" || owner == "UNKNOWN" {
		owner = fi.UID
	}
	group := fi.Group
	if group == "" || group == "UNKNOWN" {
		group = fi.GID
	}
	if owner != "" {
		facts = append(facts, owner+":"+group)
	}
	if c.owner != "" && c.owner != fi.User && c.owner != fi.UID {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.file.owner", owner, c.owner))
	}
	if c.group != "" && c.group != fi.Group && c.group != fi.GID {
		r.Status = result.Worst(r.Status, result.Crit)
		notes = append(notes, i18n.S("probe.file.group", group, c.group))
	}
	inspect.SetMsg(&r, env, i18n.ConcatCode, path+": ", i18n.List{Items: facts, Sep: ", "})
	if len(notes) > 0 {
		inspect.AddNotes(&r, env, "; ", notes)
	}
	if r.Status == result.Warn || r.Status == result.Crit {
		inspect.SetAdvice(&r, env, "probe.advice.file")
	}
	return r
}

func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTP"[exp]) + "iB"
}

// HumanAge writes a duration the way people say it: 45s, 12m, 3h20m, 2d4h.
func HumanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
	days := int(d.Hours()) / 24
	if h := int(d.Hours()) % 24; h != 0 {
		return fmt.Sprintf("%dd%dh", days, h)
	}
	return fmt.Sprintf("%dd", days)
}

// File is the check type playbooks call "file".
func File() inspect.Check { return fileCheck{} }
