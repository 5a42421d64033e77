package backup

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// shRunner runs scripts with one shell and the given environment: the
// listing as a host whose tools are BusyBox's runs it.
type shRunner struct {
	shell []string
	env   []string
}

func (s shRunner) Target() string { return "busybox" }
func (s shRunner) Close() error   { return nil }
func (s shRunner) Run(ctx context.Context, script string) (transport.Output, error) {
	cmd := exec.CommandContext(ctx, s.shell[0], s.shell[1:]...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code, err = ee.ExitCode(), nil
	}
	return transport.Output{Stdout: out.Bytes(), Stderr: errb.Bytes(), ExitCode: code}, err
}

// busybox returns a runner whose sh, find and stat are BusyBox's applets
// and nothing else is on PATH, as on a minimal appliance. Its stat has no
// --printf, so the listing takes its shell-loop branch.
func busybox(t *testing.T) transport.Runner {
	t.Helper()
	bb := testenv.LookPath(t, "busybox")
	bin := t.TempDir()
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range strings.Fields(string(list)) {
		os.Symlink(bb, filepath.Join(bin, n))
	}
	if exec.Command(filepath.Join(bin, "stat"), "--printf", "%n", bin).Run() == nil {
		t.Fatal("busybox stat takes --printf here: the fallback branch would not be tested")
	}
	return shRunner{shell: []string{filepath.Join(bin, "sh"), "-s"}, env: []string{"PATH=" + bin, "LC_ALL=C"}}
}

// runners are the hosts every hostile listing is run on: this machine's
// /bin/sh with GNU find and stat, bash in POSIX mode (/bin/sh on RHEL,
// CentOS, Kylin and UOS), and BusyBox.
func runners(t *testing.T) map[string]func(t *testing.T) transport.Runner {
	return map[string]func(t *testing.T) transport.Runner{
		"gnu": func(*testing.T) transport.Runner { return transport.NewLocal() },
		"bash": func(t *testing.T) transport.Runner {
			return shRunner{shell: []string{testenv.LookPath(t, "bash"), "--posix", "-s"}, env: os.Environ()}
		},
		"busybox": busybox,
	}
}

// touchAt creates an empty file (or FIFO) dated at.
func touchAt(t *testing.T, f string, at time.Time, fifo bool) {
	t.Helper()
	var err error
	if fifo {
		err = syscall.Mkfifo(f, 0o644)
	} else {
		err = os.WriteFile(f, nil, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f, at, at); err != nil {
		t.Fatal(err)
	}
}

// The reproduction of issue #10 item 4: a 36-day-old series of empty dumps,
// and beside it empty files whose names are listing records. The old
// line-by-line parser read the first as a fresh 953.7 MiB copy and passed
// every verdict, the second as a copy dated 2100. Neither may be a copy;
// both must be named (escaped) in a critical listing verdict, and the
// series must fail as what it is: stale and empty. A FIFO among the copies
// (newer than all of them) is refused without being opened, and a name with
// ESC is shown escaped, never sent to the terminal.
func TestHostileNamesCannotForgeCopies(t *testing.T) {
	old := now.Add(-36 * 24 * time.Hour)
	forged := "his-x\n" + strconv.FormatInt(now.Unix(), 10) + " 999999999 regular file|forged.sql"
	for name, runner := range runners(t) {
		t.Run(name, func(t *testing.T) {
			r := runner(t)
			dir := t.TempDir()
			for i := 0; i < 7; i++ {
				at := old.Add(-time.Duration(i) * 24 * time.Hour)
				touchAt(t, filepath.Join(dir, "his-"+at.Format("20060102")+".sql"), at, false)
			}
			dated2100 := "his-y\n4102444800 5000000 regular file|his-2100.sql"
			for _, n := range []string{forged, dated2100, "his-\x1b[2J\x1b[31mok.sql", "his-cr\r.sql", "his-c1\u009b31m.sql"} {
				touchAt(t, filepath.Join(dir, n), old, false)
			}
			touchAt(t, filepath.Join(dir, "his-fifo.sql"), now.Add(-time.Hour), true)
			p := &Policy{Name: "his-db", Kind: KindMysqldump, Path: dir + "/his-*", Schedule: "daily", RPO: "26h", Retention: Retention{KeepLast: 7}}

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			l, err := ListAll(ctx, r, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Copies) != 7 {
				t.Errorf("%d copies, want the 7 real ones: %+v", len(l.Copies), l.Copies)
			}
			for _, c := range l.Copies {
				if c.Size != 0 || c.Time.After(old) || hasControl(c.Name) || c.Name == "forged.sql" || c.Name == "his-fifo.sql" {
					t.Errorf("not one of the real copies: %+v", c)
				}
			}
			want := map[string]string{
				`his-x\n` + strconv.FormatInt(now.Unix(), 10) + ` 999999999 regular file|forged.sql`: AnomalyName,
				`his-y\n4102444800 5000000 regular file|his-2100.sql`:                                AnomalyName,
				`his-\x1b[2J\x1b[31mok.sql`:                                                          AnomalyName,
				`his-cr\r.sql`:                                                                       AnomalyName,
				`his-c1\u009b31m.sql`:                                                                AnomalyName,
				`his-fifo.sql`:                                                                       AnomalyType,
			}
			got := map[string]string{}
			for _, a := range l.Anomalies {
				got[a.Name] = a.Kind
			}
			for n, k := range want {
				if got[n] != k {
					t.Errorf("anomaly %q: got kind %q, want %q (all: %+v)", n, got[n], k, l.Anomalies)
				}
			}
			if len(l.Anomalies) != len(want) {
				t.Errorf("anomalies %+v", l.Anomalies)
			}

			rs := Verify(ctx, r, p, VerifyOptions{Now: now, Lang: "en", Integrity: true, Slots: make(chan struct{}, 1)})
			if ctx.Err() != nil {
				t.Fatal("verify did not finish: a FIFO was opened?")
			}
			for aspect, st := range map[string]result.Status{AspectFreshness: result.Crit, AspectSize: result.Crit, AspectListing: result.Crit} {
				if r := find(rs, aspect); r.Status != st {
					t.Errorf("%s: %s %q, want %s", aspect, r.Status, r.Message, st)
				}
			}
			lr := find(rs, AspectListing)
			for _, s := range []string{`his-x\n` + strconv.FormatInt(now.Unix(), 10), "rename or remove it", "his-fifo.sql (FIFO)", `\x1b[2J`} {
				if !strings.Contains(lr.Message, s) {
					t.Errorf("listing verdict does not say %q: %q", s, lr.Message)
				}
			}
			for _, r := range rs {
				if strings.ContainsAny(r.Message+r.Advice, "\n\r\x1b\u009b") {
					t.Errorf("%s: a control character reached the verdict: %q", r.Item, r.Message)
				}
				if strings.Contains(r.Message, "953.7 MiB") || strings.Contains(r.Message, "2100") && r.Item != AspectListing {
					t.Errorf("%s: a forged record was read: %q", r.Item, r.Message)
				}
			}
			zh, _ := judgeAnomalies(p, l.Anomalies, "zh")
			if !strings.Contains(zh.Message, "文件名含控制字符") || !strings.Contains(zh.Message, "his-fifo.sql（命名管道）") {
				t.Errorf("zh: %q", zh.Message)
			}
		})
	}
}

// A copy dated in the future (a wrong clock, or a forged time) does not make
// a series fresh: it is named in a freshness warning and left out of the
// sequence, the retention count, the size and the integrity test.
func TestFutureDatedCopies(t *testing.T) {
	ctx := context.Background()
	for name, runner := range runners(t) {
		t.Run(name, func(t *testing.T) {
			r := runner(t)
			dir := t.TempDir()
			series(t, dir, "his", []int{5e4, 5e4, 5e4, 5e4, 5e4, 5e4, 5e4}, 2*time.Hour, nil)
			f := filepath.Join(dir, "his-21000101.sql.gz")
			writeGzip(t, f, 10)
			y2100 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.Local)
			os.Chtimes(f, y2100, y2100)
			p := policy(dir)
			rs := Verify(ctx, r, p, VerifyOptions{Now: now, Lang: "en", Integrity: true, Slots: make(chan struct{}, 1)})
			fr := find(rs, AspectFreshness)
			if fr.Status != result.Warn || !strings.Contains(fr.Message, "newest copy his-"+now.Add(-2*time.Hour).Format("20060102")+".sql.gz, 2h old") ||
				!strings.Contains(fr.Message, "dated more than 1h after this machine's clock, not counted (1): his-21000101.sql.gz (2100-01-01 00:00)") {
				t.Errorf("freshness: %s %q", fr.Status, fr.Message)
			}
			for _, a := range []string{AspectSequence, AspectRetention, AspectSize, AspectIntegrity} {
				if x := find(rs, a); x.Status != result.OK || strings.Contains(x.Message, "21000101") {
					t.Errorf("%s: %s %q", a, x.Status, x.Message)
				}
			}

			// Only future copies: nothing is fresh.
			for _, m := range mustGlob(t, dir+"/his-2026*") {
				os.Remove(m)
			}
			rs = Verify(ctx, r, p, VerifyOptions{Now: now, Lang: "zh", Integrity: true})
			if fr := find(rs, AspectFreshness); fr.Status != result.Crit || !strings.Contains(fr.Message, "未找到任何备份") ||
				!strings.Contains(fr.Message, "另有 1 份备份的时间晚于本机当前时间1小时以上，未计入：his-21000101.sql.gz（2100-01-01 00:00）") {
				t.Errorf("only future copies: %s %q", fr.Status, fr.Message)
			}
			if x := find(rs, AspectIntegrity); x.Item == AspectIntegrity {
				t.Errorf("a future copy was tested as the newest: %q", x.Message)
			}
		})
	}
}

func mustGlob(t *testing.T, pat string) []string {
	t.Helper()
	m, err := filepath.Glob(pat)
	if err != nil || len(m) == 0 {
		t.Fatalf("glob %s: %v %v", pat, m, err)
	}
	return m
}

// parseStat takes a record only when it is exactly "MTIME SIZE TYPE|PATH";
// everything else is an anomaly, never a copy.
func TestParseStatStrict(t *testing.T) {
	cases := []struct {
		name, out string
		copies    int
		kinds     string // kinds of anomalies, in order
	}{
		{"good records", "1764367200 10 regular file|/b/a.gz\x001764367300 0 regular empty file|/b/b.gz\x001764367400 4096 directory|/b/c\x00", 3, ""},
		{"name with newline is one record", "1764367200 0 regular file|/b/x\n1764367200 999 regular file|forged\x00", 0, "name"},
		{"output cut short", "1764367200 10 regular file|/b/a.gz\x001764367", 1, "record"},
		{"newline-separated (old format)", "1764367200 10 regular file|/b/a.gz\n1764367300 10 regular file|/b/b.gz\n", 0, "name"},
		{"plus sign", "+1764367200 10 regular file|/b/a.gz\x00", 0, "record"},
		{"negative size", "1764367200 -10 regular file|/b/a.gz\x00", 0, "record"},
		{"huge time", "99999999999999999999 10 regular file|/b/a.gz\x00", 0, "record"},
		{"extra field", "1764367200 10 20 regular file|/b/a.gz\x00", 0, "record"},
		{"missing type", "1764367200 10|/b/a.gz\x00", 0, "record"},
		{"relative path", "1764367200 10 regular file|a.gz\x00", 0, "record"},
		{"fifo", "1764367200 0 fifo|/b/p.gz\x00", 0, "type"},
		{"socket and device", "1764367200 0 socket|/b/s\x001764367200 0 character special file|/b/c\x00", 0, "type type"},
		{"unknown type word", "1764367200 0 door|/b/d\x00", 0, "type"},
		{"garbage type", "1764367200 0 Regular-File|/b/d\x00", 0, "record"},
		{"tool error", "1764367200 10 regular file|/b/a.gz\x00@@ERR stat: cannot statx '/b/gone': No such file or directory\x00", 1, "error"},
		{"empty", "", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := parseStat(c.out)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, a := range l.Anomalies {
				kinds = append(kinds, a.Kind)
			}
			if len(l.Copies) != c.copies || strings.Join(kinds, " ") != c.kinds {
				t.Errorf("copies %+v, anomalies %+v", l.Copies, l.Anomalies)
			}
		})
	}
	l, _ := parseStat("1764367400 4096 directory|/b/c\x00")
	if c := l.Copies[0]; !c.Dir || c.Size != -1 || c.Name != "c" || c.Path != "/b/c" || c.Time.Unix() != 1764367400 {
		t.Errorf("directory: %+v", c)
	}
}

// The other listings: a name with a control character is an anomaly, and
// records that do not read are reported, not guessed at.
func TestOtherListingsStrict(t *testing.T) {
	zfs, _ := parseZFS("tank/db@a\t1764367200\ntank/db@b\x1b[2J\t1764367300\ncannot open 'tank/x': dataset does not exist\ntank/db@c\t17643673OO\n")
	if len(zfs.Copies) != 1 || len(zfs.Anomalies) != 3 || zfs.Anomalies[0].Name != `tank/db@b\x1b[2J` {
		t.Errorf("zfs: %+v", zfs)
	}
	lvm, _ := parseLVM("  WARNING: Failed to connect to lvmetad. Falling back to device scanning.\n"+
		"  snap1|2026-11-28 02:00:00 +0800|1073741824|data\n"+
		"  snap\r2|2026-11-29 02:00:00 +0800|1073741824|data\n"+
		"  snap3|yesterday|1073741824|data\n"+
		"  snap4|2026-11-29 02:00:00 +0800|1073741824|data|extra\n"+
		"  root|2026-01-01 00:00:00 +0800|1073741824|\n", "data")
	if len(lvm.Copies) != 1 || len(lvm.Anomalies) != 3 || lvm.Anomalies[0].Kind != AnomalyName || lvm.Anomalies[0].Name != `snap\r2` {
		t.Errorf("lvm: %+v", lvm)
	}
	restic, err := parseRestic(`[{"time":"2026-11-28T02:00:00Z","short_id":"1a2b3c4d","paths":["/data/x\ny"]},{"time":"2026-11-29T02:00:00Z","short_id":"e5\n6f"},{"short_id":"00000000"}]`)
	if err != nil || len(restic.Copies) != 1 || restic.Copies[0].Path != `/data/x\ny` || len(restic.Anomalies) != 2 {
		t.Errorf("restic: %+v %v", restic, err)
	}
	cmd, err := parseListing(`[{"name":"snap-1","time":1764367200},{"name":"snap-2\n1764367300","time":1764367300}]`)
	if err != nil || len(cmd.Copies) != 1 || len(cmd.Anomalies) != 1 || cmd.Anomalies[0].Name != `snap-2\n1764367300` {
		t.Errorf("json listing: %+v %v", cmd, err)
	}
	for _, bad := range []string{`[{"name":"a","time":1764367200,"size":-5}]`, `[{"name":"a","time":1e300}]`, "name,time,size\na,1764367200,-1\n", "name,time\na,-99999999999999\n"} {
		if l, err := parseListing(bad); err == nil {
			t.Errorf("%s: accepted as %+v", bad, l)
		}
	}
	cmd, err = parseListing("name,time\n\"snap-a\n1764367300\",1764367200\nsnap-b,1764367300\n")
	if err != nil || len(cmd.Copies) != 1 || len(cmd.Anomalies) != 1 {
		t.Errorf("csv listing: %+v %v", cmd, err)
	}
}

func TestEscapeName(t *testing.T) {
	for in, want := range map[string]string{
		"his-20261129.sql.gz": "his-20261129.sql.gz",
		"his-x\n1764367200 0": `his-x\n1764367200 0`,
		"a\tb\rc\x1b[31m\x7f": `a\tb\rc\x1b[31m\x7f`,
		"c1\u0085\u009b":      `c1\u0085\u009b`,
		"rlo\u202egz.lqs":     `rlo\u202egz.lqs`,
		"gbk\xb1\xb8\xb7\xdd": `gbk\xb1\xb8\xb7\xdd`,
		`back\slash`:          `back\\slash`,
		"备份-20261129.sql.gz":  "备份-20261129.sql.gz",
	} {
		if got := escapeName(in); got != want {
			t.Errorf("escapeName(%q) = %q, want %q", in, got, want)
		}
	}
	if hasControl("gbk\xb1\xb8\xb7\xdd") || !hasControl("c1\u009b") || hasControl("备份") {
		t.Error("hasControl")
	}
}
