package audit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeLog appends n records and returns the log's path.
func writeLog(t *testing.T, algo string, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit", "audit.log")
	l, err := Open(path, algo)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 1; i <= n; i++ {
		r, err := l.Append(Record{
			Action: "exec", Targets: []string{"web-0" + strconv.Itoa(i), "db-01"},
			Command: fmt.Sprintf("systemctl restart nginx # %d", i), Outcome: "ok",
			Exit: map[string]int{"web-0" + strconv.Itoa(i): 0, "db-01": 1}, DurationMS: int64(i * 10),
			Note: "<b>&'\"</b> 重启",
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq != int64(i) || r.Hash == "" || r.Algo == "" || (i > 1) == (r.Prev == "") {
			t.Fatalf("record %d as appended: %+v", i, r)
		}
	}
	return path
}

func lines(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

func writeLines(t *testing.T, path string, ls [][]byte) {
	t.Helper()
	var data []byte
	for _, l := range ls {
		data = append(data, l...)
		if !bytes.HasSuffix(l, []byte("\n")) {
			data = append(data, '\n')
		}
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAppendAndVerify(t *testing.T) {
	for _, algo := range []string{"", AlgoSM3, AlgoSHA256} {
		t.Run("algo="+algo, func(t *testing.T) {
			path := writeLog(t, algo, 5)
			n, err := Verify(path)
			if err != nil || n != 5 {
				t.Fatalf("Verify = %d, %v; want 5, nil", n, err)
			}
			recs, err := List(path, Filter{})
			if err != nil || len(recs) != 5 {
				t.Fatalf("List: %d records, %v", len(recs), err)
			}
			want := algo
			if want == "" {
				want = AlgoSM3
			}
			wantLen := 64 // both are 256-bit hashes
			for _, r := range recs {
				if r.Algo != want || len(r.Hash) != wantLen || r.User == "" || r.From == "" || r.Time.IsZero() {
					t.Errorf("record %d: algo %q hash %q user %q from %q time %v", r.Seq, r.Algo, r.Hash, r.User, r.From, r.Time)
				}
			}
			for _, p := range []string{path, path + CheckpointSuffix} {
				st, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm()&0o137 != 0 {
					t.Errorf("%s has mode %v, want at most 0640", p, st.Mode().Perm())
				}
			}
		})
	}
}

func TestOpenBadAlgo(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "a.log"), "md5"); err == nil || !strings.Contains(err.Error(), "md5") {
		t.Fatalf("Open md5: %v", err)
	}
}

func TestOpenNarrowsWorldReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	l, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}

// TestTamperingDetected: every kind of damage is found and located at the
// first record concerned.
func TestTamperingDetected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, path string)
		kind   string
		seq    int64
		line   int
		intact int
	}{
		{"byte edited in the command", func(t *testing.T, path string) {
			ls := lines(t, path)
			ls[2] = bytes.Replace(ls[2], []byte("nginx # 3"), []byte("nginx # 4"), 1)
			writeLines(t, path, ls)
		}, DamageEdited, 3, 3, 2},
		{"byte edited in an exit code", func(t *testing.T, path string) {
			ls := lines(t, path)
			ls[3] = bytes.Replace(ls[3], []byte(`"db-01":1`), []byte(`"db-01":0`), 1)
			writeLines(t, path, ls)
		}, DamageEdited, 4, 4, 3},
		{"whitespace added (JSON unchanged)", func(t *testing.T, path string) {
			ls := lines(t, path)
			ls[1] = bytes.Replace(ls[1], []byte(`"seq":2,`), []byte(`"seq":2, `), 1)
			writeLines(t, path, ls)
		}, DamageEdited, 2, 2, 1},
		{"hash edited", func(t *testing.T, path string) {
			ls := lines(t, path)
			i := bytes.LastIndex(ls[4], []byte(`"hash":"`)) + len(`"hash":"`)
			ls[4][i] ^= 1
			writeLines(t, path, ls)
		}, DamageEdited, 5, 5, 4},
		{"record deleted", func(t *testing.T, path string) {
			ls := lines(t, path)
			writeLines(t, path, append(ls[:2:2], ls[3:]...))
		}, DamageMissing, 3, 3, 2},
		{"first record deleted", func(t *testing.T, path string) {
			writeLines(t, path, lines(t, path)[1:])
		}, DamageMissing, 1, 1, 0},
		{"two records swapped", func(t *testing.T, path string) {
			ls := lines(t, path)
			ls[1], ls[2] = ls[2], ls[1]
			writeLines(t, path, ls)
		}, DamageReordered, 2, 2, 1},
		{"tail truncated by one record", func(t *testing.T, path string) {
			ls := lines(t, path)
			writeLines(t, path, ls[:5])
		}, DamageTruncated, 6, 0, 5},
		{"tail truncated mid-record", func(t *testing.T, path string) {
			data, _ := os.ReadFile(path)
			os.WriteFile(path, data[:len(data)-30], 0o600)
		}, DamageMalformed, 6, 6, 5},
		{"everything deleted", func(t *testing.T, path string) {
			os.WriteFile(path, nil, 0o600)
		}, DamageTruncated, 1, 0, 0},
		{"checkpoint deleted", func(t *testing.T, path string) {
			os.Remove(path + CheckpointSuffix)
		}, DamageCheckpoint, 6, 0, 6},
		{"record replaced by a valid record of another log", func(t *testing.T, path string) {
			other := writeLog(t, "", 6)
			ls, ols := lines(t, path), lines(t, other)
			ls[0] = ols[0] // same seq, own valid hash, but a different chain
			writeLines(t, path, ls)
		}, DamageBrokenLink, 2, 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeLog(t, "", 6)
			c.tamper(t, path)
			n, err := Verify(path)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %d, %v; want a *VerifyError", n, err)
			}
			if ve.Kind != c.kind || ve.Seq != c.seq || ve.Line != c.line || n != c.intact {
				t.Errorf("Verify: kind %s seq %d line %d intact %d; want %s %d %d %d\n%v",
					ve.Kind, ve.Seq, ve.Line, n, c.kind, c.seq, c.line, c.intact, err)
			}
			if !strings.Contains(err.Error(), "record") || !strings.Contains(err.Error(), strconv.FormatInt(c.seq, 10)) {
				t.Errorf("message does not name the record: %v", err)
			}
			// Nothing is appended after damage at the tail.
			if c.kind == DamageTruncated || c.kind == DamageCheckpoint || c.kind == DamageMalformed {
				l, err := Open(path, "")
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				if _, err := l.Append(Record{Action: "exec"}); err == nil {
					t.Errorf("Append after %s: no error", c.name)
				}
			}
		})
	}
}

// TestCheckpointBehind: a crash between the record and the checkpoint
// leaves the checkpoint one behind; the log is intact and the next append
// moves it on.
func TestCheckpointBehind(t *testing.T) {
	path := writeLog(t, "", 3)
	old, _ := os.ReadFile(path + CheckpointSuffix)
	l, _ := Open(path, "")
	if _, err := l.Append(Record{Action: "exec"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path+CheckpointSuffix, old, 0o600)
	if n, err := Verify(path); err != nil || n != 4 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	if _, err := l.Append(Record{Action: "exec"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if n, err := Verify(path); err != nil || n != 5 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
}

// TestChainRewrittenCaughtByHead: an attacker who recomputes the whole
// chain and the checkpoint passes Verify, not VerifyHead with the head an
// assessor kept.
func TestChainRewrittenCaughtByHead(t *testing.T) {
	path := writeLog(t, "", 3)
	head, err := LastHead(path)
	if err != nil || head.Seq != 3 {
		t.Fatal(head, err)
	}
	// Rebuild the log with an edited first record.
	recs, _ := List(path, Filter{})
	os.Remove(path)
	os.Remove(path + CheckpointSuffix)
	l, _ := Open(path, "")
	for i, r := range recs {
		if i == 0 {
			r.Command = "true"
		}
		if _, err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	if _, err := Verify(path); err != nil {
		t.Fatalf("rewritten chain: %v", err)
	}
	var ve *VerifyError
	if _, err := VerifyHead(path, head); !errors.As(err, &ve) || ve.Seq != 3 {
		t.Fatalf("VerifyHead: %v", err)
	}
}

func TestEmptyLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.log")
	if n, err := Verify(path); err != nil || n != 0 {
		t.Fatalf("missing log: %d, %v", n, err)
	}
	recs, err := List(path, Filter{})
	if err != nil || len(recs) != 0 {
		t.Fatal(recs, err)
	}
}

func TestFilter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	l, _ := Open(path, AlgoSHA256)
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.Local)
	for i, r := range []Record{
		{User: "zhang", From: "ops-1", Action: "exec", Targets: []string{"web-01"}, Command: "systemctl restart nginx", Outcome: "ok"},
		{User: "li", From: "ops-1", Action: "cp", Targets: []string{"web-02"}, File: "/etc/nginx/nginx.conf", Outcome: "failed"},
		{User: "zhang", From: "ops-2", Action: "ssh", Targets: []string{"db-01"}, Command: "ssh", Outcome: "ok"},
	} {
		r.Time = t0.Add(time.Duration(i) * time.Hour)
		if _, err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	cases := []struct {
		f    Filter
		want []int64
	}{
		{Filter{}, []int64{1, 2, 3}},
		{Filter{User: "zhang"}, []int64{1, 3}},
		{Filter{Host: "web-02"}, []int64{2}},
		{Filter{Host: "ops-2"}, []int64{3}},
		{Filter{Command: "NGINX"}, []int64{1, 2}},
		{Filter{Action: "cp"}, []int64{2}},
		{Filter{Outcome: "ok", User: "zhang"}, []int64{1, 3}},
		{Filter{Since: t0.Add(time.Hour)}, []int64{2, 3}},
		{Filter{Until: t0.Add(time.Hour)}, []int64{1}},
		{Filter{Limit: 2}, []int64{2, 3}},
	}
	for _, c := range cases {
		recs, err := Search(path, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range recs {
			got = append(got, r.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: got %v, want %v", c.f, got, c.want)
		}
	}
	r, err := Get(path, 2)
	if err != nil || r.File != "/etc/nginx/nginx.conf" {
		t.Fatal(r, err)
	}
	var nf *NotFoundError
	if _, err := Get(path, 9); !errors.As(err, &nf) {
		t.Fatal(err)
	}
}

// TestConcurrentProcesses: two processes (this test binary, re-executed)
// and two goroutines each append to one log at once; the chain stays
// valid and no record is lost.
func TestConcurrentProcesses(t *testing.T) {
	if path := os.Getenv("HCOPS_AUDIT_TEST_CHILD"); path != "" {
		t.Skip("run as a child by TestConcurrentProcesses")
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	const per = 100
	var cmds []*exec.Cmd
	for i := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAppendChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "HCOPS_AUDIT_TEST_CHILD="+path, "HCOPS_AUDIT_TEST_N="+strconv.Itoa(per),
			"HCOPS_AUDIT_TEST_NAME=p"+strconv.Itoa(i))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				t.Log(out.String())
			}
		})
	}
	// And this process, from two goroutines on one Log.
	l, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for g := range 2 {
		go func() {
			for i := range per {
				if _, err := l.Append(Record{Action: "exec", Command: fmt.Sprintf("g%d-%d", g, i)}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	n, err := Verify(path)
	if err != nil || n != 4*per {
		t.Fatalf("Verify = %d, %v; want %d, nil", n, err, 4*per)
	}
	for _, who := range []string{"p0-", "p1-", "g0-", "g1-"} {
		recs, _ := List(path, Filter{Command: who})
		if len(recs) != per {
			t.Errorf("%s: %d records, want %d", who, len(recs), per)
		}
	}
}

// TestAppendChild is the body of a child process of TestConcurrentProcesses.
func TestAppendChild(t *testing.T) {
	path := os.Getenv("HCOPS_AUDIT_TEST_CHILD")
	if path == "" {
		t.Skip("child of TestConcurrentProcesses only")
	}
	n, _ := strconv.Atoi(os.Getenv("HCOPS_AUDIT_TEST_N"))
	name := os.Getenv("HCOPS_AUDIT_TEST_NAME")
	for i := range n {
		// A new Open each time, as separate hcops runs do.
		l, err := Open(path, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(Record{Action: "exec", Command: fmt.Sprintf("%s-%d", name, i)}); err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
}

// TestEncodingEndsWithHash guards the line format: Hash is Record's last
// field.
func TestEncodingEndsWithHash(t *testing.T) {
	line, sum, err := encode(Record{Seq: 1, Algo: AlgoSM3, Command: `a "hash":"" b`})
	if err != nil {
		t.Fatal(err)
	}
	canon, h, ok := canonical(bytes.TrimSuffix(line, []byte("\n")))
	if !ok || h != sum || sumHex(AlgoSM3, canon) != sum {
		t.Fatalf("line %s: canonical %s hash %s ok %v", line, canon, h, ok)
	}
}

// TestRecordingSealed: Append seals the recording file into the chain.
func TestRecordingSealed(t *testing.T) {
	dir := t.TempDir()
	cast := filepath.Join(dir, "s.cast")
	os.WriteFile(cast, []byte(`{"version": 2, "width": 80, "height": 24}`+"\n"+`[0.5, "o", "$ "]`+"\n"), 0o600)
	l, _ := Open(filepath.Join(dir, "a.log"), "")
	defer l.Close()
	r, err := l.Append(Record{Action: "ssh", Recording: cast})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := FileHash(cast, AlgoSM3)
	if r.RecordingHash == "" || r.RecordingHash != want {
		t.Fatalf("recording hash %q, want %q", r.RecordingHash, want)
	}
	got, _ := Get(l.Path(), r.Seq)
	if got.RecordingHash != want {
		t.Fatalf("stored %q", got.RecordingHash)
	}
}

// TestLinesAfter: what a shared history lacks of a log is the lines after
// its last copied number, byte for byte as the log holds them.
func TestLinesAfter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	l, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"uptime", "systemctl restart nginx", "echo '审计,seq'"} {
		if _, err := l.Append(Record{Action: "exec", Targets: []string{"web-01"}, Command: cmd, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	var got []int64
	var lines [][]byte
	if err := Lines(path, 1, func(seq int64, line []byte) error {
		got = append(got, seq)
		lines = append(lines, line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[2 3]" {
		t.Fatalf("lines after 1: %v, want [2 3]", got)
	}
	// The lines copied elsewhere verify as the file does.
	if n, err := VerifyLines("copy", append([][]byte{firstLine(t, path)}, lines...)); err != nil || n != 3 {
		t.Errorf("the copied lines verify: %d, %v", n, err)
	}
}

func firstLine(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return line
}
