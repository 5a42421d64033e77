package backup

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

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

// ListScript returns the shell script that lists p's copies on the host
// that holds them, and the parser of its output. Listing reads metadata
// only — never a copy's data.
func ListScript(p *Policy) (string, func(out string) ([]Copy, error), error) {
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
			func(out string) ([]Copy, error) { return parseLVM(out, p.Dataset) }, nil
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
// lines, and the find that prints one stat line per copy (parseStat).
func fileListing(p *Policy) (setup, find string, err error) {
	dir, pat := path.Split(p.Path)
	if dir == "" || pat == "" {
		return "", "", errorf("backup.list.bad_path", p.Name, p.Path)
	}
	// find matches the pattern itself, so it is passed quoted and never
	// expanded by the shell.
	setup = "d=" + quote(path.Clean(dir)) + "; p=" + quote(pat) + "\n" +
		`[ -d "$d" ] || { echo "@@NODIR $d"; exit 0; }`
	find = `LC_ALL=C find "$d" -mindepth 1 -maxdepth 1 -name "$p" -exec stat -c '%Y %s %F|%n' {} + 2>&1`
	return setup, find, nil
}

// parseStat reads `stat -c '%Y %s %F|%n'` lines.
func parseStat(out string) ([]Copy, error) {
	if strings.HasPrefix(strings.TrimSpace(out), "@@NODIR") {
		return nil, errorf("backup.list.no_dir", strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "@@NODIR")))
	}
	var copies []Copy
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		meta, name, ok := strings.Cut(sc.Text(), "|")
		if !ok {
			continue
		}
		f := strings.SplitN(meta, " ", 3)
		if len(f) < 3 {
			continue
		}
		secs, err1 := strconv.ParseInt(f[0], 10, 64)
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		c := Copy{Name: path.Base(name), Path: name, Time: time.Unix(secs, 0), Size: size}
		if strings.Contains(f[2], "directory") {
			c.Dir, c.Size = true, -1
		}
		copies = append(copies, c)
	}
	sortCopies(copies)
	return copies, nil
}

func parseRestic(out string) ([]Copy, error) {
	var snaps []struct {
		Time    time.Time `json:"time"`
		ID      string    `json:"id"`
		ShortID string    `json:"short_id"`
		Paths   []string  `json:"paths"`
	}
	start := strings.Index(out, "[")
	if start < 0 {
		return nil, fmt.Errorf("restic: %s", firstLine(out))
	}
	if err := json.Unmarshal([]byte(out[start:]), &snaps); err != nil {
		return nil, fmt.Errorf("restic snapshots --json: %w", err)
	}
	var copies []Copy
	for _, s := range snaps {
		name := s.ShortID
		if name == "" && len(s.ID) >= 8 {
			name = s.ID[:8]
		}
		copies = append(copies, Copy{Name: name, Path: strings.Join(s.Paths, ","), Time: s.Time, Size: -1})
	}
	sortCopies(copies)
	return copies, nil
}

func parseZFS(out string) ([]Copy, error) {
	var copies []Copy
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			continue
		}
		secs, err := strconv.ParseInt(strings.TrimSpace(f[1]), 10, 64)
		if err != nil {
			continue
		}
		copies = append(copies, Copy{Name: f[0], Time: time.Unix(secs, 0), Size: -1})
	}
	sortCopies(copies)
	return copies, nil
}

func parseLVM(out, origin string) ([]Copy, error) {
	var copies []Copy
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) < 4 || strings.TrimSpace(f[3]) != origin {
			continue
		}
		t, err := time.Parse("2006-01-02 15:04:05 -0700", strings.TrimSpace(f[1]))
		if err != nil {
			continue
		}
		size, _ := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		copies = append(copies, Copy{Name: strings.TrimSpace(f[0]), Time: t, Size: size})
	}
	sortCopies(copies)
	return copies, nil
}

// parseListing reads a listing command's output: a JSON array of objects
// with name, time (RFC 3339 or Unix seconds) and size (bytes, optional), or
// CSV with a header row naming those columns.
func parseListing(out string) ([]Copy, error) {
	trim := strings.TrimSpace(out)
	if strings.HasPrefix(trim, "[") {
		var rows []map[string]any
		if err := json.Unmarshal([]byte(trim), &rows); err != nil {
			return nil, errorf("backup.list.json", err)
		}
		var copies []Copy
		for i, r := range rows {
			c, err := copyFrom(fmt.Sprint(r["name"]), r["time"], r["size"])
			if err != nil {
				return nil, errorf("backup.list.item", i+1, err)
			}
			copies = append(copies, c)
		}
		sortCopies(copies)
		return copies, nil
	}
	rd := csv.NewReader(strings.NewReader(trim))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, errorf("backup.list.csv", err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["time"]; !ok {
		return nil, errorf("backup.list.format", firstLine(out))
	}
	var copies []Copy
	for n, rec := range recs[1:] {
		get := func(k string) any {
			if i, ok := col[k]; ok && i < len(rec) {
				return rec[i]
			}
			return nil
		}
		c, err := copyFrom(fmt.Sprint(get("name")), get("time"), get("size"))
		if err != nil {
			return nil, errorf("backup.list.row", n+2, err)
		}
		copies = append(copies, c)
	}
	sortCopies(copies)
	return copies, nil
}

func copyFrom(name string, tv, sv any) (Copy, error) {
	c := Copy{Name: name, Size: -1}
	switch t := tv.(type) {
	case float64:
		c.Time = time.Unix(int64(t), 0)
	case string:
		if secs, err := strconv.ParseInt(t, 10, 64); err == nil {
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
	switch s := sv.(type) {
	case float64:
		c.Size = int64(s)
	case string:
		if s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
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
// transport.NewLocal() for this machine). Its errors are catalogue errors:
// ErrorText shows them in the user's language.
func List(ctx context.Context, r transport.Runner, p *Policy) ([]Copy, error) {
	script, parse, err := ListScript(p)
	if err != nil {
		return nil, err
	}
	out, err := r.Run(ctx, script)
	if err != nil {
		return nil, errorf("backup.list.run_failed", p.Name, r.Target(), err)
	}
	text := string(out.Stdout)
	if strings.HasPrefix(strings.TrimSpace(text), "@@NOTOOL ") {
		tool := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "@@NOTOOL "))
		return nil, errorf("backup.list.no_tool", p.Name, tool, r.Target())
	}
	if p.Kind == KindCommand && out.ExitCode != 0 {
		return nil, errorf("backup.list.cmd_exit", p.Name, out.ExitCode, firstLine(text+string(out.Stderr)))
	}
	copies, err := parse(text)
	if err != nil {
		return nil, errorf("backup.list.parse", p.Name, r.Target(), err)
	}
	return copies, nil
}
