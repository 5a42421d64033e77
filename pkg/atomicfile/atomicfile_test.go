package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
)

// withUmask runs the test body under umask m. The umask is per process: these
// tests must not run in parallel.
func withUmask(t *testing.T, m int) {
	t.Helper()
	old := syscall.Umask(m)
	t.Cleanup(func() { syscall.Umask(old) })
}

func TestWriteMode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		umask int
		perm  fs.FileMode
		want  fs.FileMode
	}{
		{"default umask", 0o022, Mode, 0o640},
		{"private umask", 0o077, Mode, 0o600},
		{"group-writable umask never widens", 0o002, Mode, 0o640},
		{"no umask never widens", 0, Mode, 0o640},
		{"group-private umask", 0o027, Mode, 0o640},
		{"unit files ask for 0644", 0o022, 0o644, 0o644},
		{"unit files under 077", 0o077, 0o644, 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withUmask(t, tc.umask)
			path := filepath.Join(t.TempDir(), "report.html")
			if err := Write(path, []byte("<p>ok</p>"), tc.perm); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != tc.want {
				t.Errorf("mode %04o, want %04o", got, tc.want)
			}
			if b, _ := os.ReadFile(path); string(b) != "<p>ok</p>" {
				t.Errorf("content %q", b)
			}
			assertNoTemp(t, filepath.Dir(path))
		})
	}
}

func TestWriteReplaces(t *testing.T) {
	withUmask(t, 0o022)
	dir := t.TempDir()
	path := filepath.Join(dir, "assets.csv")
	// A file left by an older hcops, world-readable.
	if err := os.WriteFile(path, []byte("old,longer content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new\n"), Mode); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %04o, want 0640: the old file's mode must not be kept", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("content %q", b)
	}
	assertNoTemp(t, dir)
}

func TestWriteCreatesDirectories(t *testing.T) {
	withUmask(t, 0o022)
	path := filepath.Join(t.TempDir(), "reports", "2024", "daily.md")
	if err := Write(path, []byte("# daily\n"), Mode); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o750 {
		t.Errorf("directory mode %04o, want 0750", st.Mode().Perm())
	}
}

// TestWriteRenameFails: the target is a non-empty directory, so the last
// step fails; nothing is left behind and the error names the target.
func TestWriteRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Write(path, []byte("{}"), Mode)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != path || pe.Op != "rename" {
		t.Fatalf("err = %v, want a rename *fs.PathError for %s", err, path)
	}
	if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), ".tmp-") {
		t.Errorf("error %q should name %s and not the temporary file", err, path)
	}
	assertNoTemp(t, dir)
}

func TestWriteDirectoryNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	path := filepath.Join(dir, "r.html")
	err := Write(path, []byte("x"), Mode)
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want permission denied naming %s", err, path)
	}
}

// TestWriteDiskFull fills a tiny tmpfs: the write fails, the previous report
// is intact and no temporary file is left. Mounting needs root (CAP_SYS_ADMIN);
// elsewhere the test is skipped.
func TestWriteDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	path := filepath.Join(dir, "monthly.xlsx")
	old := bytes.Repeat([]byte("o"), 8<<10)
	if err := Write(path, old, Mode); err != nil {
		t.Fatal(err)
	}
	err := Write(path, bytes.Repeat([]byte("n"), 1<<20), Mode)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
		t.Errorf("previous file changed: %d bytes", len(b))
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// A device or a FIFO at the target (--out /dev/null, a named pipe) is
// written to and stays what it is: renaming a file over /dev/null broke the
// whole machine.
func TestWriteToFIFOKeepsIt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(p)
		got <- b
	}()
	if err := Write(p, []byte("report"), 0o640); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "report" {
		t.Errorf("read %q from the FIFO", b)
	}
	st, err := os.Lstat(p)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
	if err := Write(os.DevNull, []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", st.Mode(), err)
	}
}
