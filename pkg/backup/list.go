package backup

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cyhealth/hcops/pkg/transport"
)

// Copy is one backup copy: a file, a directory, a snapshot.
type Copy struct {
	Name string    `json:"name"`
	Path string    `json:"path,omitempty"` // full path for files and directories
	Time time.Time `json:"time"`
	Size int64     `json:"size"` // bytes; -1 when unknown (directories, snapshots)
	Dir  bool      `json:"dir,omitempty"`
}

// quote is POSIX sh single-quoting (every policy value reaching a remote
// command goes through it).
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// Listing is what a listing found: the copies, oldest first, and the
// entries and output it would not take as copies.
type Listing struct {
	Copies    []Copy    `json:"copies"`
	Anomalies []Anomaly `json:"anomalies,omitempty"`
}

// Kinds of Anomaly.
const (
	AnomalyName   = "name"   // the name holds a control character
	AnomalyType   = "type"   // not a regular file, directory or symbolic link
	AnomalyRecord = "record" // a record the parser could not read
	AnomalyError  = "error"  // an error the listing tools printed
)

// Anomaly is an entry a listing refused to count as a copy, or output it
// could not read. Name and Type are escaped (escapeName): they hold no
// control character and can be printed as they are.
type Anomaly struct {
	Kind string `json:"kind"`
	Name string `json:"name"`           // the entry's name, or the unreadable text
	Type string `json:"type,omitempty"` // AnomalyType: the file type, as stat calls it
}

// ListScript returns the shell script that lists p's copies on the host
// that holds them, and the parser of its output. Listing reads metadata
// only — never a copy's data.
func ListScript(p *Policy) (string, func(out string) (Listing, error), error) {
	switch p.Kind {
	case KindRestic:
		pw, err := p.Password.Resolve()
		if err != nil {
			return "", nil, errorf("backup.list.restic_pw", p.Name, err)
		}
		// The password travels inside the script (sent on stdin), never on a
		// command line where ps would show it.
		s := "RESTIC_PASSWORD=" + quote(pw) + "; export RESTIC_PASSWORD\n" +
			"command -v restic >/dev/null 2>&1 || { echo '@@NOTOOL restic'; exit 0; }\n" +
			"restic --no-lock -r " + quote(p.Repository) + " snapshots --json 2>&1"
		return s, parseRestic, nil
	case KindZFS:
		return "command -v zfs >/dev/null 2>&1 || { echo '@@NOTOOL zfs'; exit 0; }\nzfs list -H -p -t snapshot -o name,creation -r " + quote(p.Dataset) + " 2>&1", parseZFS, nil
	case KindLVM:
		return "command -v lvs >/dev/null 2>&1 || { echo '@@NOTOOL lvm2'; exit 0; }\nLC_ALL=C lvs --noheadings --separator '|' -o lv_name,lv_time,lv_size,origin --units b --nosuffix 2>&1",
			func(out string) (Listing, error) { return parseLVM(out, p.Dataset) }, nil
	case KindCommand:
		return p.Command, parseListing, nil
	}
	setup, find, err := fileListing(p)
	if err != nil {
		return "", nil, err
	}
	return setup + "\n" + find, parseStat, nil
}

// fileListing is the listing of copies found by a path glob: the setup
// lines, and the find that prints one NUL-terminated stat record per entry
// (parseStat).
func fileListing(p *Policy) (setup, find string, err error) {
	dir, pat := path.Split(p.Path)
	if dir == "" || pat == "" {
		return "", "", errorf("backup.list.bad_path", p.Name, p.Path)
	}
	// find matches the pattern itself, so it is passed quoted and never
	// expanded by the shell.
	setup = "d=" + quote(path.Clean(dir)) + "; p=" + quote(pat) + "\n" +
		`[ -d "$d" ] || { echo "@@NODIR $d"; exit 0; }`
	return setup, statScript, nil
}

// statScript prints "MTIME SIZE TYPE|PATH" for every entry of $d matching
// $p, each record ended by a NUL: a file name holds any byte but NUL, so a
// name with a newline stays inside its own record and cannot forge another.
// GNU stat writes the NUL itself (--printf); where stat has no --printf
// (BusyBox), a shell loop prints the name after a stat of the metadata
// only. What find and stat print on stderr comes last, as one "@@ERR"
// record, so it can never be cut into a record either.
const statScript = `if LC_ALL=C stat --printf '%n' "$d" >/dev/null 2>&1; then
  ls_() { LC_ALL=C find "$d" -mindepth 1 -maxdepth 1 -name "$p" -exec stat --printf '%Y %s %F|%n\0' {} +; }
else
  ls_() { LC_ALL=C find "$d" -mindepth 1 -maxdepth 1 -name "$p" -exec sh -c 'for f in "$@"; do s=$(stat -c "%Y %s %F" "$f") && printf "%s|%s\0" "$s" "$f"; done' sh {} +; }
fi
exec 3>&1
e=$(ls_ 2>&1 >&3 3>&-)
exec 3>&-
[ -z "$e" ] || printf '@@ERR %s\0' "$e"`

// fileTypes are the file type words of GNU and BusyBox stat (%F), and
// whether an entry of that type can be a copy. A FIFO, a socket or a device
// is never one: reading a FIFO blocks a test or a drill for ever.
var fileTypes = map[string]bool{
	"regular file": true, "regular empty file": true, "directory": true, "symbolic link": true,
	"fifo": false, "socket": false, "character special file": false, "block special file": false,
	"weird file": false, "typed memory object": false, "semaphore": false, "message queue": false,
	"shared memory object": false,
}

// parseStat reads statScript's NUL-terminated records strictly: every
// record is exactly "MTIME SIZE TYPE|PATH" with a numeric time and size and
// a known type word, or it is an Anomaly. A name with a control character is
// an Anomaly, never a copy.
func parseStat(out string) (Listing, error) {
	if strings.HasPrefix(strings.TrimSpace(out), "@@NODIR") {
		return Listing{}, errorf("backup.list.no_dir", strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "@@NODIR")))
	}
	var l Listing
	recs := strings.Split(out, "\x00")
	// The output ends with a NUL: the last piece is empty unless the output
	// was cut short, and then it is a record like any other bad one.
	if last := recs[len(recs)-1]; strings.TrimSpace(last) == "" {
		recs = recs[:len(recs)-1]
	}
	for _, rec := range recs {
		if msg, ok := strings.CutPrefix(rec, "@@ERR "); ok {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyError, Name: escapeText(msg)})
			continue
		}
		c, prob, ok := statRecord(rec)
		switch {
		case ok:
			l.Copies = append(l.Copies, c)
		default:
			l.Anomalies = append(l.Anomalies, prob)
		}
	}
	sortCopies(l.Copies)
	return l, nil
}

// statRecord reads one "MTIME SIZE TYPE|PATH" record.
func statRecord(rec string) (Copy, Anomaly, bool) {
	bad := Anomaly{Kind: AnomalyRecord, Name: escapeText(rec)}
	meta, file, ok := strings.Cut(rec, "|")
	if !ok || !strings.HasPrefix(file, "/") {
		return Copy{}, bad, false
	}
	f := strings.SplitN(meta, " ", 3)
	if len(f) != 3 || !isInt(f[0], true) || !isInt(f[1], false) {
		return Copy{}, bad, false
	}
	secs, err1 := strconv.ParseInt(f[0], 10, 64)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return Copy{}, bad, false
	}
	name := path.Base(file)
	if hasControl(name) {
		return Copy{}, Anomaly{Kind: AnomalyName, Name: escapeName(name)}, false
	}
	if usable, known := fileTypes[f[2]]; !usable {
		if !known && !isTypeWord(f[2]) {
			return Copy{}, bad, false
		}
		return Copy{}, Anomaly{Kind: AnomalyType, Name: escapeName(name), Type: f[2]}, false
	}
	c := Copy{Name: name, Path: file, Time: time.Unix(secs, 0), Size: size}
	if f[2] == "directory" {
		c.Dir, c.Size = true, -1
	}
	return c, Anomaly{}, true
}

// isInt reports whether s is a decimal integer of at most 19 digits, with a
// leading minus sign if signed.
func isInt(s string, signed bool) bool {
	if signed {
		s = strings.TrimPrefix(s, "-")
	}
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTypeWord reports whether s looks like a stat file type word (lower-case
// letters and single spaces), one that stat may know and this list not.
func isTypeWord(s string) bool {
	if s == "" || len(s) > 40 || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < 'a' || s[i] > 'z') && s[i] != ' ' {
			return false
		}
	}
	return true
}

// isControl reports whether r is a control character: C0, DEL or C1.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// hasControl reports whether s holds a control character (a byte below
// 0x20, DEL, or a C1 character encoded in UTF-8). Bytes that are not UTF-8
// are not control characters: a GBK name is a name.
func hasControl(s string) bool { return strings.ContainsFunc(s, isControl) }

// escapeName writes s with every control character, backslash, invisible
// format character (such as a bidirectional override) and byte that is not
// UTF-8 escaped Go-style (\n, \t, \x1b, \u202e, \xff), so a hostile name
// can be shown to the engineer as it is, without acting on a terminal.
func escapeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0xffff && unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\U%08x`, r)
		case isControl(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

// escapeText is escapeName for tool output shown in a verdict: trimmed, and
// cut to 200 characters.
func escapeText(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return escapeName(s)
}

func parseRestic(out string) (Listing, error) {
	var snaps []struct {
		Time    time.Time `json:"time"`
		ID      string    `json:"id"`
		ShortID string    `json:"short_id"`
		Paths   []string  `json:"paths"`
	}
	start := strings.Index(out, "[")
	if start < 0 {
		return Listing{}, fmt.Errorf("restic: %s", firstLine(out))
	}
	if err := json.Unmarshal([]byte(out[start:]), &snaps); err != nil {
		return Listing{}, fmt.Errorf("restic snapshots --json: %w", err)
	}
	var l Listing
	for _, s := range snaps {
		name := s.ShortID
		if name == "" && len(s.ID) >= 8 {
			name = s.ID[:8]
		}
		switch {
		case hasControl(name):
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyName, Name: escapeName(name)})
			continue
		case name == "" || s.Time.IsZero():
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyRecord, Name: escapeText(name + " " + s.Time.String())})
			continue
		}
		// The paths are what the snapshot holds, shown only: a path with a
		// control character is shown escaped.
		paths := make([]string, len(s.Paths))
		for i, p := range s.Paths {
			paths[i] = p
			if hasControl(p) {
				paths[i] = escapeName(p)
			}
		}
		l.Copies = append(l.Copies, Copy{Name: name, Path: strings.Join(paths, ","), Time: s.Time, Size: -1})
	}
	sortCopies(l.Copies)
	return l, nil
}

// parseZFS reads `zfs list -H -p -o name,creation` lines: exactly a
// snapshot name (with its @) and a creation time in Unix seconds, tab
// separated. Other lines (zfs's own errors, merged in) are Anomalies.
func parseZFS(out string) (Listing, error) {
	var l Listing
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 2 || !strings.Contains(f[0], "@") || !isInt(f[1], false) {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyRecord, Name: escapeText(line)})
			continue
		}
		secs, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyRecord, Name: escapeText(line)})
			continue
		}
		if hasControl(f[0]) {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyName, Name: escapeName(f[0])})
			continue
		}
		l.Copies = append(l.Copies, Copy{Name: f[0], Time: time.Unix(secs, 0), Size: -1})
	}
	sortCopies(l.Copies)
	return l, nil
}

// parseLVM reads `lvs --separator '|' -o lv_name,lv_time,lv_size,origin`
// lines and keeps the snapshots of origin. A line with the separator has
// exactly four fields, or it is an Anomaly; lines without one are lvs's own
// warnings (merged in; on CentOS 7 it warns about lvmetad on every run) and
// are no records.
func parseLVM(out, origin string) (Listing, error) {
	var l Listing
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.Contains(line, "|") {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 4 {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyRecord, Name: escapeText(line)})
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if f[3] != origin {
			continue
		}
		t, err := time.Parse("2006-01-02 15:04:05 -0700", f[1])
		if err != nil || f[0] == "" || !isInt(f[2], false) {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyRecord, Name: escapeText(line)})
			continue
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyRecord, Name: escapeText(line)})
			continue
		}
		if hasControl(f[0]) {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyName, Name: escapeName(f[0])})
			continue
		}
		l.Copies = append(l.Copies, Copy{Name: f[0], Time: t, Size: size})
	}
	sortCopies(l.Copies)
	return l, nil
}

// parseListing reads a listing command's output: a JSON array of objects
// with name, time (RFC 3339 or Unix seconds) and size (bytes, optional), or
// CSV with a header row naming those columns. A copy whose name holds a
// control character is an Anomaly, not a copy.
func parseListing(out string) (Listing, error) {
	var l Listing
	add := func(c Copy) {
		if hasControl(c.Name) {
			l.Anomalies = append(l.Anomalies, Anomaly{Kind: AnomalyName, Name: escapeName(c.Name)})
			return
		}
		l.Copies = append(l.Copies, c)
	}
	trim := strings.TrimSpace(out)
	if strings.HasPrefix(trim, "[") {
		var rows []map[string]any
		if err := json.Unmarshal([]byte(trim), &rows); err != nil {
			return Listing{}, errorf("backup.list.json", err)
		}
		for i, r := range rows {
			c, err := copyFrom(fmt.Sprint(r["name"]), r["time"], r["size"])
			if err != nil {
				return Listing{}, errorf("backup.list.item", i+1, err)
			}
			add(c)
		}
		sortCopies(l.Copies)
		return l, nil
	}
	rd := csv.NewReader(strings.NewReader(trim))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		return Listing{}, errorf("backup.list.csv", err)
	}
	if len(recs) == 0 {
		return Listing{}, nil
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["time"]; !ok {
		return Listing{}, errorf("backup.list.format", firstLine(out))
	}
	for n, rec := range recs[1:] {
		get := func(k string) any {
			if i, ok := col[k]; ok && i < len(rec) {
				return rec[i]
			}
			return nil
		}
		c, err := copyFrom(fmt.Sprint(get("name")), get("time"), get("size"))
		if err != nil {
			return Listing{}, errorf("backup.list.row", n+2, err)
		}
		add(c)
	}
	sortCopies(l.Copies)
	return l, nil
}

// maxUnix is 9999-12-31T23:59:59Z: a listing's time beyond it (or before
// 1970) is not a backup's time.
const maxUnix = 253402300799

func copyFrom(name string, tv, sv any) (Copy, error) {
	c := Copy{Name: name, Size: -1}
	switch t := tv.(type) {
	case float64:
		if !(t >= 0 && t <= maxUnix) {
			return c, errorf("backup.list.bad_time", fmt.Sprint(t))
		}
		c.Time = time.Unix(int64(t), 0)
	case string:
		if secs, err := strconv.ParseInt(t, 10, 64); err == nil {
			if secs < 0 || secs > maxUnix {
				return c, errorf("backup.list.bad_time", t)
			}
			c.Time = time.Unix(secs, 0)
		} else if tt, err := time.Parse(time.RFC3339, strings.TrimSpace(t)); err == nil {
			c.Time = tt
		} else if tt, err := time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(t), time.Local); err == nil {
			c.Time = tt
		} else {
			return c, errorf("backup.list.bad_time", t)
		}
	default:
		return c, errorf("backup.list.no_time")
	}
	// A size is a whole, non-negative number of bytes: a negative one would
	// pass for "unknown" and skip the size verdict.
	switch s := sv.(type) {
	case float64:
		if !(s >= 0 && s < 1<<63) || s != math.Trunc(s) {
			return c, errorf("backup.list.bad_size", fmt.Sprint(s))
		}
		c.Size = int64(s)
	case string:
		if s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return c, errorf("backup.list.bad_size", s)
			}
			c.Size = v
		}
	}
	return c, nil
}

func sortCopies(c []Copy) {
	sort.SliceStable(c, func(i, j int) bool { return c[i].Time.Before(c[j].Time) })
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > 200 {
		line = line[:200]
	}
	return line
}

// List runs the listing on r (the host holding the copies, or
// transport.NewLocal() for this machine) and returns the copies, oldest
// first; entries it refused (ListAll has them) are left out. Its errors are
// catalogue errors: ErrorText shows them in the user's language.
func List(ctx context.Context, r transport.Runner, p *Policy) ([]Copy, error) {
	l, err := ListAll(ctx, r, p)
	return l.Copies, err
}

// ListAll is List with the entries the listing refused to count as copies
// (names with control characters, FIFOs, sockets, devices, unreadable
// records) and the errors its tools printed.
func ListAll(ctx context.Context, r transport.Runner, p *Policy) (Listing, error) {
	script, parse, err := ListScript(p)
	if err != nil {
		return Listing{}, err
	}
	out, err := r.Run(ctx, script)
	if err != nil {
		return Listing{}, errorf("backup.list.run_failed", p.Name, r.Target(), err)
	}
	text := string(out.Stdout)
	if strings.HasPrefix(strings.TrimSpace(text), "@@NOTOOL ") {
		tool := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "@@NOTOOL "))
		return Listing{}, errorf("backup.list.no_tool", p.Name, tool, r.Target())
	}
	if p.Kind == KindCommand && out.ExitCode != 0 {
		return Listing{}, errorf("backup.list.cmd_exit", p.Name, out.ExitCode, firstLine(text+string(out.Stderr)))
	}
	l, err := parse(text)
	if err != nil {
		return Listing{}, errorf("backup.list.parse", p.Name, r.Target(), err)
	}
	return l, nil
}
