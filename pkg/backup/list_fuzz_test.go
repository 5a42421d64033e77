package backup

import (
	"path"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets of the listing parsers. Whatever a host prints, a parser
// never panics, gives the same answer twice, and never returns a copy whose
// name holds a control character; what it refuses is shown escaped.
//
//	go test -run '^$' -fuzz FuzzParseStat -fuzztime 20s ./pkg/backup/

// checkListing asserts what every parser promises of its result.
func checkListing(t *testing.T, l Listing, err error, again func() (Listing, error)) {
	t.Helper()
	l2, err2 := again()
	if !reflect.DeepEqual(l, l2) || (err == nil) != (err2 == nil) {
		t.Fatalf("not deterministic:\n%+v %v\n%+v %v", l, err, l2, err2)
	}
	if err != nil && (len(l.Copies) > 0 || len(l.Anomalies) > 0) {
		t.Fatalf("an error and a listing: %v %+v", err, l)
	}
	for i, c := range l.Copies {
		if hasControl(c.Name) {
			t.Fatalf("copy name with a control character: %q", c.Name)
		}
		if c.Size < -1 {
			t.Fatalf("size %d", c.Size)
		}
		if i > 0 && c.Time.Before(l.Copies[i-1].Time) {
			t.Fatalf("copies not oldest first: %+v", l.Copies)
		}
	}
	for _, a := range l.Anomalies {
		if hasControl(a.Name) || hasControl(a.Type) || !utf8.ValidString(a.Name) {
			t.Fatalf("anomaly not escaped: %+v", a)
		}
		switch a.Kind {
		case AnomalyName, AnomalyType, AnomalyRecord, AnomalyError:
		default:
			t.Fatalf("anomaly kind %q", a.Kind)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	for _, s := range []string{
		"1764367200 10 regular file|/b/a.gz\x001764367300 0 regular empty file|/b/b.gz\x001764367400 4096 directory|/b/c\x00",
		"1764367200 0 regular empty file|/b/his-x\n1796600000 999999999 regular file|forged.sql\x00",
		"1764367200 0 fifo|/b/p\x00@@ERR find: '/b': Permission denied\x00",
		"-1 0 symbolic link|/b/l\x001764367200 0 door|/b/d\x00",
		"1764367200 10 regular file|/b/a.gz\x001764367",
		"@@NODIR /backup/his\n",
		"1764367200 10 regular file|/b/\x1b[31m\u009b\xff\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		l, err := parseStat(out)
		checkListing(t, l, err, func() (Listing, error) { return parseStat(out) })
		records := strings.Count(out, "\x00") + 1
		if len(l.Copies)+len(l.Anomalies) > records {
			t.Fatalf("%d copies and %d anomalies from %d records", len(l.Copies), len(l.Anomalies), records)
		}
		for _, c := range l.Copies {
			if c.Name != path.Base(c.Path) || !strings.HasPrefix(c.Path, "/") || strings.Contains(c.Path, "\x00") {
				t.Fatalf("copy %+v", c)
			}
		}
	})
}

func FuzzParseListing(f *testing.F) {
	for _, s := range []string{
		`[{"name":"snap-1","time":"2026-11-28T02:00:00+08:00","size":1000},{"name":"snap-2","time":1764367200}]`,
		`[{"name":"snap-2\n1764367300","time":"1764367300","size":"12"}]`,
		"name,time,size\nsnap-a,1764367200,5\n\"snap\rb\",2026-11-29 02:00:00,\n",
		"time\n1764367200\n",
		`[{"name":null,"time":1e300,"size":-5e20}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		l, err := parseListing(out)
		checkListing(t, l, err, func() (Listing, error) { return parseListing(out) })
	})
}

func FuzzParseLVM(f *testing.F) {
	for _, s := range []string{
		"  WARNING: Failed to connect to lvmetad. Falling back to device scanning.\n  snap1|2026-11-28 02:00:00 +0800|1073741824|data\n  root|2026-01-01 00:00:00 +0800|1073741824|\n",
		"  snap\r2|2026-11-29 02:00:00 +0800|1073741824|data\n  snap3|yesterday||data\n  a|b|c|data|e\n",
	} {
		f.Add(s, "data")
	}
	f.Fuzz(func(t *testing.T, out, origin string) {
		l, err := parseLVM(out, origin)
		checkListing(t, l, err, func() (Listing, error) { return parseLVM(out, origin) })
		for _, c := range l.Copies {
			if c.Name == "" || c.Size < 0 {
				t.Fatalf("copy %+v", c)
			}
		}
	})
}

func FuzzParseZFS(f *testing.F) {
	for _, s := range []string{
		"tank/db@a\t1764367200\ntank/db@b\t1764367300\n",
		"tank/db@b\x1b[2J\t1764367300\ncannot open 'tank/x': dataset does not exist\ntank/db@c\t17643673OO\n",
		"tank/db@d\t-1\n\t\n@\t0\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		l, err := parseZFS(out)
		checkListing(t, l, err, func() (Listing, error) { return parseZFS(out) })
		for _, c := range l.Copies {
			if !strings.Contains(c.Name, "@") || strings.ContainsAny(c.Name, "\t\n") {
				t.Fatalf("copy %+v", c)
			}
		}
	})
}

func FuzzParseRestic(f *testing.F) {
	for _, s := range []string{
		`[{"time":"2026-11-28T02:00:00Z","short_id":"1a2b3c4d","id":"1a2b3c4d5e6f","paths":["/data/x\ny"]},{"time":"2026-11-29T02:00:00Z","short_id":"e5\n6f"},{"short_id":"00000000"}]`,
		"repository 1a2b3c4d opened (version 2)\n[]",
		"Fatal: unable to open config file: Stat: stat /repo/config: no such file or directory",
		`[{"time":"2026-11-28T02:00:00Z","id":"\u0085abcdefgh"},{"time":"0001-01-01T00:00:00Z","short_id":"x"}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		l, err := parseRestic(out)
		checkListing(t, l, err, func() (Listing, error) { return parseRestic(out) })
		for _, c := range l.Copies {
			if c.Name == "" || c.Time.IsZero() || hasControl(c.Path) {
				t.Fatalf("copy %+v", c)
			}
		}
	})
}

// escapeName is reversible (Go string-literal syntax) and leaves nothing a
// terminal acts on.
func FuzzEscapeName(f *testing.F) {
	for _, s := range []string{"his-x\n1764367200", "a\tb\rc\x1b[31m\x7f", "c1\u0085\u009b", "rlo\u202e\U000e0001", "gbk\xb1\xb8", `back\slash "q"`, "备份"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeName(s)
		if hasControl(e) || !utf8.ValidString(e) {
			t.Fatalf("escapeName(%q) = %q", s, e)
		}
		back, err := strconv.Unquote(`"` + strings.ReplaceAll(e, `"`, `\"`) + `"`)
		if err != nil || back != s {
			t.Fatalf("escapeName(%q) = %q does not read back: %q %v", s, e, back, err)
		}
	})
}
