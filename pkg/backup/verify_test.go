package backup

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

var now = time.Date(2026, 11, 29, 8, 0, 0, 0, time.Local)

// series writes daily copies name-YYYYMMDD.gz of the given sizes in dir,
// the last one `lastAge` before now, with real gzip content and mtimes.
func series(t *testing.T, dir, name string, sizes []int, lastAge time.Duration, skipDays map[int]bool) {
	t.Helper()
	for i, size := range sizes {
		if skipDays[i] {
			continue
		}
		at := now.Add(-lastAge).Add(-time.Duration(len(sizes)-1-i) * 24 * time.Hour)
		p := filepath.Join(dir, fmt.Sprintf("%s-%s.sql.gz", name, at.Format("20060102")))
		writeGzip(t, p, size)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
}

// writeGzip writes a gzip file of about size bytes (incompressible data, so
// the file size tracks the argument).
func writeGzip(t testing.TB, p string, size int) {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i*7919 + i/13)
	}
	zw.Write([]byte("-- MySQL dump\n"))
	zw.Write(payload)
	zw.Write([]byte("\n-- Dump completed on 2026-11-29  2:00:01\n"))
	zw.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func policy(dir string) *Policy {
	return &Policy{Name: "his-db", Kind: KindMysqldump, Of: "his-db-01", Path: dir + "/his-*.sql.gz", Schedule: "daily", RPO: "26h",
		Retention: Retention{KeepLast: 7}}
}

func find(rs []result.Result, aspect string) result.Result {
	for _, r := range rs {
		if r.Item == aspect {
			return r
		}
	}
	return result.Result{Message: "no " + aspect + " result"}
}

func listLocal(t *testing.T, p *Policy) []Copy {
	t.Helper()
	c, err := List(context.Background(), transport.NewLocal(), p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHealthySeries(t *testing.T) {
	dir := t.TempDir()
	series(t, dir, "his", []int{100e3, 101e3, 102e3, 103e3, 104e3, 105e3, 106e3}, 2*time.Hour, nil)
	p := policy(dir)
	copies := listLocal(t, p)
	if len(copies) != 7 || copies[6].Size < 100e3 {
		t.Fatalf("listing: %+v", copies)
	}
	for _, r := range Judge(p, copies, now, "en") {
		if r.Status != result.OK {
			t.Errorf("%s: %s %s", r.Item, r.Status, r.Message)
		}
	}
	if r := Integrity(context.Background(), transport.NewLocal(), p, copies[6], "en"); r.Status != result.OK || !strings.Contains(r.Message, "gzip") || !strings.Contains(r.Message, "dump-complete") {
		t.Errorf("integrity: %s %s", r.Status, r.Message)
	}
}

func TestFailureModes(t *testing.T) {
	cases := []struct {
		name    string
		sizes   []int
		lastAge time.Duration
		skip    map[int]bool
		mutate  func(t *testing.T, dir string, p *Policy)
		aspect  string
		want    result.Status
		says    string
	}{
		{name: "stale newest copy", sizes: []int{1e5, 1e5, 1e5, 1e5, 1e5, 1e5, 1e5}, lastAge: 3 * 24 * time.Hour,
			aspect: AspectFreshness, want: result.Crit, says: "older than the RPO of 26h"},
		{name: "shrank 90%", sizes: []int{1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e5}, lastAge: time.Hour,
			aspect: AspectSize, want: result.Crit, says: "90% smaller"},
		{name: "zero-byte copy", sizes: []int{1e5, 1e5, 1e5, 1e5, 1e5, 1e5, 1e5}, lastAge: time.Hour,
			mutate: func(t *testing.T, dir string, p *Policy) {
				m, _ := filepath.Glob(dir + "/his-*.sql.gz")
				newest := m[len(m)-1]
				st, _ := os.Stat(newest)
				os.WriteFile(newest, nil, 0o644)
				os.Chtimes(newest, st.ModTime(), st.ModTime())
			},
			aspect: AspectSize, want: result.Crit, says: "is empty (0 bytes)"},
		{name: "missing day inside the window", sizes: []int{1e5, 1e5, 1e5, 1e5, 1e5, 1e5, 1e5}, lastAge: time.Hour, skip: map[int]bool{3: true},
			aspect: AspectSequence, want: result.Crit, says: "1 expected copy missing"},
		{name: "retention overflow", sizes: make14(1e5), lastAge: time.Hour,
			aspect: AspectRetention, want: result.Warn, says: "copies beyond the policy cost storage"},
		{name: "too few copies", sizes: []int{1e5, 1e5, 1e5, 1e5, 1e5, 1e5, 1e5}, lastAge: time.Hour, skip: map[int]bool{0: false},
			mutate: func(t *testing.T, dir string, p *Policy) { p.Retention.KeepLast = 10; p.Retention.KeepDays = 0 },
			aspect: AspectRetention, want: result.OK, says: "still filling"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			series(t, dir, "his", c.sizes, c.lastAge, c.skip)
			p := policy(dir)
			if c.mutate != nil {
				c.mutate(t, dir, p)
			}
			r := find(Judge(p, listLocal(t, p), now, "en"), c.aspect)
			if r.Status != c.want || !strings.Contains(r.Message, c.says) {
				t.Fatalf("got %s %q, want %s containing %q", r.Status, r.Message, c.want, c.says)
			}
			if r.Status != result.OK && r.Advice == "" {
				t.Error("a finding without advice")
			}
		})
	}
}

func make14(size int) []int {
	s := make([]int, 14)
	for i := range s {
		s[i] = size
	}
	return s
}

func TestTruncatedGzipIsCrit(t *testing.T) {
	dir := t.TempDir()
	series(t, dir, "his", []int{2e5, 2e5, 2e5}, time.Hour, nil)
	p := policy(dir)
	copies := listLocal(t, p)
	newest := copies[len(copies)-1]
	data, _ := os.ReadFile(newest.Path)
	os.WriteFile(newest.Path, data[:len(data)/2], 0o644)
	r := Integrity(context.Background(), transport.NewLocal(), p, newest, "en")
	if r.Status != result.Crit || !strings.Contains(r.Message, "gzip") {
		t.Fatalf("truncated gzip: %s %q", r.Status, r.Message)
	}
}

// The same verdicts in Chinese carry the same figures: copy name, age, RPO.
func TestStaleCopyInChinese(t *testing.T) {
	dir := t.TempDir()
	series(t, dir, "his", []int{1e5, 1e5, 1e5, 1e5, 1e5, 1e5, 1e5}, 51*time.Hour, nil)
	p := policy(dir)
	copies := listLocal(t, p)
	newest := copies[len(copies)-1].Name
	rs := Judge(p, copies, now, "zh")
	fr := find(rs, AspectFreshness)
	if want := "最新备份 " + newest + " 距今 2天3小时，超过恢复点目标（RPO）26小时"; fr.Status != result.Crit || fr.Message != want {
		t.Fatalf("got %s %q, want CRIT %q", fr.Status, fr.Message, want)
	}
	if !strings.HasPrefix(fr.Advice, "最近几次备份任务失败或未运行") {
		t.Errorf("advice: %q", fr.Advice)
	}
	if r := find(rs, AspectRetention); r.Message != "共 7 份备份，最早一份 "+copies[0].Time.Format("2006-01-02 15:04") {
		t.Errorf("retention: %q", r.Message)
	}
	if en := find(Judge(p, copies, now, "en"), AspectFreshness); en.Message != "newest copy "+newest+" is 2d3h old, older than the RPO of 26h" {
		t.Errorf("english: %q", en.Message)
	}
}

func TestGapsAndShrinkInChinese(t *testing.T) {
	dir := t.TempDir()
	series(t, dir, "his", []int{1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e5}, time.Hour, map[int]bool{3: true})
	p := policy(dir)
	rs := Judge(p, listLocal(t, p), now, "zh")
	seq := find(rs, AspectSequence)
	if seq.Status != result.Crit || !strings.HasPrefix(seq.Message, "近7天内缺少 1 份应有的备份：") || !strings.HasSuffix(seq.Message, "（缺 1 份）") {
		t.Errorf("sequence: %s %q", seq.Status, seq.Message)
	}
	sz := find(rs, AspectSize)
	if sz.Status != result.Crit || !regexp.MustCompile(`^最新备份 his-\d{8}\.sql\.gz 大小为 97\.\d KiB，比此前的备份（约 976\.\d KiB）小 90%$`).MatchString(sz.Message) {
		t.Errorf("size: %s %q", sz.Status, sz.Message)
	}
}

func TestTruncatedGzipInChinese(t *testing.T) {
	dir := t.TempDir()
	series(t, dir, "his", []int{2e5, 2e5, 2e5}, time.Hour, nil)
	p := policy(dir)
	copies := listLocal(t, p)
	newest := copies[len(copies)-1]
	data, _ := os.ReadFile(newest.Path)
	os.WriteFile(newest.Path, data[:len(data)/2], 0o644)
	r := Integrity(context.Background(), transport.NewLocal(), p, newest, "zh")
	if want := newest.Name + " 校验未通过：gzip：压缩数据流已损坏或被截断（解压失败）"; r.Status != result.Crit || r.Message != want {
		t.Fatalf("got %s %q, want CRIT %q", r.Status, r.Message, want)
	}
	if !strings.Contains(r.Advice, "hcops backup verify --all-copies") || !strings.HasPrefix(r.Advice, "该备份不能用于恢复") {
		t.Errorf("advice: %q", r.Advice)
	}
	// An intact copy passes, named first so backup list can find it.
	ok := Integrity(context.Background(), transport.NewLocal(), p, copies[0], "zh")
	if want := copies[0].Name + " 校验通过：gzip、dump-complete"; ok.Status != result.OK || ok.Message != want {
		t.Errorf("got %s %q, want OK %q", ok.Status, ok.Message, want)
	}
}

func TestDumpWithoutCompletionLineIsCrit(t *testing.T) {
	dir := t.TempDir()
	p := policy(dir)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("-- MySQL dump\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"))
	zw.Close()
	f := filepath.Join(dir, "his-20261129.sql.gz")
	os.WriteFile(f, buf.Bytes(), 0o644)
	r := Integrity(context.Background(), transport.NewLocal(), p, Copy{Name: filepath.Base(f), Path: f, Size: int64(buf.Len())}, "en")
	if r.Status != result.Crit || !strings.Contains(r.Message, "Dump completed") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestChecksumManifest(t *testing.T) {
	for _, algo := range []string{"sha256", "sm3"} {
		t.Run(algo, func(t *testing.T) {
			dir := t.TempDir()
			series(t, dir, "his", []int{5e4, 5e4}, time.Hour, nil)
			p := policy(dir)
			p.Checksum = &Checksum{Manifest: "SUMS", Algo: algo}
			copies := listLocal(t, p)
			var lines []string
			for _, c := range copies {
				data, _ := os.ReadFile(c.Path)
				var sum []byte
				if algo == "sm3" {
					h := sm3.New()
					h.Write(data)
					sum = h.Sum(nil)
				} else {
					s := sha256.Sum256(data)
					sum = s[:]
				}
				lines = append(lines, hex.EncodeToString(sum)+"  "+c.Name)
			}
			os.WriteFile(filepath.Join(dir, "SUMS"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
			newest := copies[len(copies)-1]
			if r := Integrity(context.Background(), transport.NewLocal(), p, newest, "en"); r.Status != result.OK {
				t.Fatalf("good checksum: %s %q", r.Status, r.Message)
			}
			// flip one byte inside the gzip payload (stored, so still valid gzip framing? no: CRC breaks) —
			// rewrite with a different valid gzip instead, so only the manifest can tell
			writeGzip(t, newest.Path, 5e4+1)
			r := Integrity(context.Background(), transport.NewLocal(), p, newest, "en")
			if r.Status != result.Crit || !strings.Contains(strings.ToLower(r.Message), "checksum") && !strings.Contains(r.Message, "sha256") {
				t.Fatalf("changed file: %s %q", r.Status, r.Message)
			}
		})
	}
}

func TestEncryptionExpected(t *testing.T) {
	dir := t.TempDir()
	series(t, dir, "his", []int{5e4}, time.Hour, nil)
	p := policy(dir)
	p.Encrypted = true
	c := listLocal(t, p)
	r := Integrity(context.Background(), transport.NewLocal(), p, c[0], "en")
	if r.Status != result.Crit || !strings.Contains(r.Message, "plain gzip") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestRestic(t *testing.T) {
	restic := testenv.LookPath(t, "restic")
	repo := filepath.Join(t.TempDir(), "repo")
	data := t.TempDir()
	os.WriteFile(filepath.Join(data, "a.txt"), []byte("health records\n"), 0o644)
	env := append(os.Environ(), "RESTIC_PASSWORD=test-pw", "RESTIC_CACHE_DIR="+t.TempDir())
	for _, args := range [][]string{{"-r", repo, "init"}, {"-r", repo, "backup", data}, {"-r", repo, "backup", data}} {
		cmd := exec.Command(restic, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("restic %v: %v\n%s", args, err, out)
		}
	}
	t.Setenv("HCOPS_TEST_RESTIC_PW", "test-pw")
	p := &Policy{Name: "files", Kind: KindRestic, Repository: repo, Password: Secret{Env: "HCOPS_TEST_RESTIC_PW"}, Schedule: "daily"}
	copies := listLocal(t, p)
	if len(copies) != 2 {
		t.Fatalf("want 2 snapshots, got %+v", copies)
	}
	if r := find(Judge(p, copies, time.Now(), "en"), AspectFreshness); r.Status != result.OK {
		t.Errorf("fresh snapshots: %s %q", r.Status, r.Message)
	}
	if r := Integrity(context.Background(), transport.NewLocal(), p, copies[1], "en"); r.Status != result.OK || !strings.Contains(r.Message, "restic-check") {
		t.Errorf("restic check: %s %q", r.Status, r.Message)
	}
	// a damaged pack file must fail restic check
	packs, _ := filepath.Glob(filepath.Join(repo, "data", "*", "*"))
	if len(packs) == 0 {
		t.Fatal("no pack files")
	}
	for _, pk := range packs {
		b, _ := os.ReadFile(pk)
		for i := 0; i < len(b); i += 7 {
			b[i] ^= 0xff
		}
		os.WriteFile(pk, b, 0o644)
	}
	p2 := *p
	r := Integrity(context.Background(), transport.NewLocal(), &p2, copies[1], "en")
	if r.Status != result.Crit {
		t.Errorf("damaged repository should fail: %s %q", r.Status, r.Message)
	}
	// the password must not leak into the messages
	if strings.Contains(r.Message, "test-pw") {
		t.Error("restic password in the message")
	}
}

func TestListingCommand(t *testing.T) {
	p := &Policy{Name: "cloud-snap", Kind: KindCommand, Schedule: "daily",
		Command: `printf '[{"name":"snap-1","time":"2026-11-28T02:00:00+08:00","size":1000},{"name":"snap-2","time":"2026-11-29T02:00:00+08:00","size":1010}]'`}
	c := listLocal(t, p)
	if len(c) != 2 || c[1].Name != "snap-2" || c[1].Size != 1010 {
		t.Fatalf("%+v", c)
	}
	p.Command = "printf 'name,time,size\\nsnap-a,1764367200,5\\n'"
	c = listLocal(t, p)
	if len(c) != 1 || c[0].Size != 5 {
		t.Fatalf("csv: %+v", c)
	}
	p.Command = "echo nonsense; exit 3"
	if _, err := List(context.Background(), transport.NewLocal(), p); err == nil || !strings.Contains(err.Error(), "exited 3") {
		t.Fatalf("failing listing command: %v", err)
	}
}

func TestHostilePathIsQuoted(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	p := &Policy{Name: "x", Kind: KindFile, Path: dir + "/$(touch " + marker + ")'`touch " + marker + "`*.tar", Schedule: "daily"}
	_, err := List(context.Background(), transport.NewLocal(), p)
	if err == nil || !strings.Contains(err.Error(), "$(touch") {
		t.Fatalf("want the literal path in a 'does not exist' error, got %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a path from backups.yaml was executed by the shell")
	}
}

func TestCopiesOverSSH(t *testing.T) {
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	dir := t.TempDir()
	series(t, dir, "his", []int{1e5, 1e5, 1e5, 1e5, 1e5, 1e5, 1e4}, time.Hour, nil)
	d, err := transport.NewSSHDialer(transport.SSHConfig{KnownHostsFiles: []string{sshd.KnownHostsPath}, Identities: []string{sshd.ClientKeyPath}, ConnectTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r, err := d.Dial(context.Background(), transport.SSHTarget{Name: "backup-host", Address: "127.0.0.1", Port: sshd.Port, User: sshd.User})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := policy(dir)
	p.Asset = "backup-host"
	copies, err := List(context.Background(), r, p)
	if err != nil || len(copies) != 7 {
		t.Fatalf("list over ssh: %v %+v", err, copies)
	}
	if sz := find(Judge(p, copies, now, "en"), AspectSize); sz.Status != result.Crit {
		t.Errorf("shrink over ssh: %s %q", sz.Status, sz.Message)
	}
	if it := Integrity(context.Background(), r, p, copies[6], "en"); it.Status != result.OK {
		t.Errorf("integrity over ssh: %s %q", it.Status, it.Message)
	}
}

func TestPolicyFileErrors(t *testing.T) {
	_, err := Parse("backups.yaml", []byte(`policies:
  - name: a
    kind: tape
    schedule: every 30m
    path: relative/*.gz
    retension: {keep_last: 3}
`))
	if err == nil {
		t.Fatal("bad file accepted")
	}
	if !strings.Contains(err.Error(), `backups.yaml:6: unknown key "retension"`) {
		t.Errorf("unknown key: %v", err)
	}
	_, err = Parse("backups.yaml", []byte(`policies:
  - name: a
    kind: tape
    schedule: every 30m
    path: relative/*.gz
drill_targets:
  postgresql: {host: 127.0.0.1, user: postgres}
`))
	for _, want := range []string{`backups.yaml:2: policy a: unknown kind "tape"`, "smallest interval is 1h", `must be absolute`, "scratch_prefix is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	// The same problems in Chinese, with their lines.
	zh := ErrorText(err, "zh")
	for _, want := range []string{`backups.yaml:2: 策略 a：未知的类型 "tape"`, `backups.yaml:2: 策略 a：schedule "every 30m"：最小间隔为 1h`,
		`backups.yaml:2: 策略 a：path "relative/*.gz" 必须是绝对路径`, "backups.yaml:7: drill_targets.postgresql：必须设置 scratch_prefix"} {
		if !strings.Contains(zh, want) {
			t.Errorf("want %q in\n%s", want, zh)
		}
	}
}

// Hashing streams: a 256 MiB file costs no more than a few MiB of heap.
func TestHashFileStreams(t *testing.T) {
	f := filepath.Join(t.TempDir(), "big")
	fh, _ := os.Create(f)
	fh.Truncate(256 << 20)
	fh.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := HashFile(f, "sm3"); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("hashing 256 MiB allocated %d MiB: not streaming", grew>>20)
	}
}

// BenchmarkHashFile2GB checksums a 2 GB file (sparse) with SM3 and sha256;
// run with -benchtime 1x and read max RSS from `/usr/bin/time -v`.
func BenchmarkHashFile2GB(b *testing.B) {
	f := filepath.Join(b.TempDir(), "big")
	fh, _ := os.Create(f)
	fh.Truncate(2 << 30)
	fh.Close()
	for _, algo := range []string{"sha256", "sm3"} {
		b.Run(algo, func(b *testing.B) {
			b.SetBytes(2 << 30)
			for b.Loop() {
				if _, err := HashFile(f, algo); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
