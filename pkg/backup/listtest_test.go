package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// ListAndTest must give the verdicts List and Integrity give separately:
// the same copies, and the same integrity result for the newest one.
func TestListAndTestMatchesSeparateSessions(t *testing.T) {
	local := transport.NewLocal()
	ctx := context.Background()
	cases := map[string]func(t *testing.T, dir string) *Policy{
		"healthy dumps": func(t *testing.T, dir string) *Policy {
			series(t, dir, "his", []int{5e4, 5e4, 5e4}, time.Hour, nil)
			return policy(dir)
		},
		"truncated newest": func(t *testing.T, dir string) *Policy {
			series(t, dir, "his", []int{5e4, 5e4, 5e4}, time.Hour, nil)
			p := policy(dir)
			c := listLocal(t, p)
			newest := c[len(c)-1]
			data, _ := os.ReadFile(newest.Path)
			os.WriteFile(newest.Path, data[:len(data)/2], 0o644)
			os.Chtimes(newest.Path, newest.Time, newest.Time)
			return p
		},
		"dump without completion line": func(t *testing.T, dir string) *Policy {
			series(t, dir, "his", []int{5e4}, 2*time.Hour, nil)
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write([]byte("-- MySQL dump\nCREATE TABLE t (id int);\n"))
			zw.Close()
			f := filepath.Join(dir, "his-zz.sql.gz")
			os.WriteFile(f, buf.Bytes(), 0o644)
			return policy(dir)
		},
		"tar.gz archives": func(t *testing.T, dir string) *Policy {
			for i, age := range []time.Duration{48 * time.Hour, 24 * time.Hour, time.Hour} {
				f := filepath.Join(dir, "web-"+string(rune('a'+i))+".tar.gz")
				writeTarGz(t, f)
				at := now.Add(-age)
				os.Chtimes(f, at, at)
			}
			return &Policy{Name: "web", Kind: KindFile, Path: dir + "/web-*.tar.gz", Schedule: "daily"}
		},
		"hostile file name": func(t *testing.T, dir string) *Policy {
			f := filepath.Join(dir, "his-$(touch PWNED);'x'.sql.gz")
			writeGzip(t, f, 1000)
			return policy(dir)
		},
		// The host's pick passes over what List refuses, so the test of the
		// newest real copy is still combined, and no FIFO is opened.
		"a FIFO and a forging name newer than the copies": func(t *testing.T, dir string) *Policy {
			series(t, dir, "his", []int{5e4, 5e4}, 2*time.Hour, nil)
			touchAt(t, filepath.Join(dir, "his-fifo.sql.gz"), now.Add(-time.Hour), true)
			f := filepath.Join(dir, "his-x\n1796600000 999999999 regular file|forged.sql.gz")
			writeGzip(t, f, 1000)
			os.Chtimes(f, now.Add(-time.Hour), now.Add(-time.Hour))
			return policy(dir)
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := setup(t, dir)
			want := listLocal(t, p)
			wantInt := Integrity(ctx, local, p, want[len(want)-1], "en")
			got, tested, err := ListAndTest(ctx, local, p, "en")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || got[len(got)-1].Path != want[len(want)-1].Path {
				t.Fatalf("copies %v, want %v", got, want)
			}
			if tested == nil {
				t.Fatal("the newest copy was not tested in the listing session")
			}
			if tested.Status != wantInt.Status || tested.Message != wantInt.Message || tested.Check != wantInt.Check || tested.Item != AspectIntegrity {
				t.Errorf("combined: %s %q\nseparate: %s %q", tested.Status, tested.Message, wantInt.Status, wantInt.Message)
			}
			if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
				t.Error("a file name ran as a command")
			}
		})
	}
}

// Where one session cannot stand for two, ListAndTest says so (tested nil)
// and Verify tests the newest copy on its own: the verdict is the same.
func TestListAndTestFallsBack(t *testing.T) {
	ctx := context.Background()
	local := transport.NewLocal()
	dir := t.TempDir()
	// The pattern *.gz matches dumps and a newer tar.gz: the stand-in name
	// x.gz would choose the wrong test for it.
	writeGzip(t, filepath.Join(dir, "a-old.sql.gz"), 1000)
	os.Chtimes(filepath.Join(dir, "a-old.sql.gz"), now.Add(-25*time.Hour), now.Add(-25*time.Hour))
	writeTarGz(t, filepath.Join(dir, "b-new.tar.gz"))
	os.Chtimes(filepath.Join(dir, "b-new.tar.gz"), now.Add(-time.Hour), now.Add(-time.Hour))
	p := &Policy{Name: "mixed", Kind: KindFile, Path: dir + "/*.gz", Schedule: "daily"}
	copies, tested, err := ListAndTest(ctx, local, p, "en")
	if err != nil || len(copies) != 2 {
		t.Fatalf("%v %v", err, copies)
	}
	if tested != nil {
		t.Fatalf("tested with the stand-in's test: %s %q", tested.Status, tested.Message)
	}
	rs := Verify(ctx, local, p, VerifyOptions{Now: now, Lang: "en", Integrity: true, Slots: make(chan struct{}, 1)})
	got := find(rs, AspectIntegrity)
	want := Integrity(ctx, local, p, copies[1], "en")
	if got.Status != result.OK || got.Message != want.Message {
		t.Errorf("fallback integrity %s %q, want %q", got.Status, got.Message, want.Message)
	}

	// A checksum manifest is never combined (the test names the copy).
	p.Checksum = &Checksum{Manifest: "SHA256SUMS"}
	if _, tested, _ := ListAndTest(ctx, local, p, "en"); tested != nil {
		t.Error("a manifest policy was combined")
	}
}

// Verify with integrity holds at most Slots tests at once and, with
// integrity off, reads no data at all.
func TestVerifyRespectsOptions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	series(t, dir, "his", []int{5e4, 5e4, 5e4}, time.Hour, nil)
	p := policy(dir)
	rs := Verify(ctx, transport.NewLocal(), p, VerifyOptions{Now: now, Lang: "en", Integrity: false})
	if r := find(rs, AspectIntegrity); r.Item == AspectIntegrity {
		t.Errorf("integrity tested with Integrity off: %+v", r)
	}
	slots := make(chan struct{}, 1)
	slots <- struct{}{} // every slot taken: Verify must wait, then give up with the context
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	rs = Verify(cctx, transport.NewLocal(), p, VerifyOptions{Now: now, Lang: "en", Integrity: true, Slots: slots})
	if len(rs) != 1 || rs[0].Item != AspectListing || rs[0].Status != result.Unknown {
		t.Errorf("no slot and a deadline: %+v", rs)
	}
	<-slots
	rs = Verify(ctx, transport.NewLocal(), p, VerifyOptions{Now: now, Lang: "en", Integrity: true, AllCopies: true, Slots: slots})
	n := 0
	for _, r := range rs {
		if r.Item == AspectIntegrity {
			n++
		}
	}
	if n != 3 || len(slots) != 0 {
		t.Errorf("all copies: %d integrity results, %d slots still held", n, len(slots))
	}
}

func TestStandIn(t *testing.T) {
	for glob, want := range map[string]string{
		"his-*.sql.gz":       "his-x.sql.gz",
		"db-????????.dump":   "db-xxxxxxxx.dump",
		"web-[0-9]*.tar.zst": "web-xx.tar.zst",
		"plain.tar":          "plain.tar",
	} {
		if got := standIn(glob); got != want {
			t.Errorf("standIn(%q) = %q, want %q", glob, got, want)
		}
	}
}

func writeTarGz(t *testing.T, f string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	body := []byte("server { listen 80; }\n")
	tw.WriteHeader(&tar.Header{Name: "etc/nginx.conf", Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
	tw.Write(body)
	tw.Close()
	zw.Close()
	if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
