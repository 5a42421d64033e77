package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// flipper alters the first byte written, as a faulty link would.
type flipper struct {
	w    io.Writer
	done bool
}

func (f *flipper) Write(b []byte) (int, error) {
	if !f.done && len(b) > 0 {
		c := bytes.Clone(b)
		c[0] ^= 0xff
		f.done = true
		return f.w.Write(c)
	}
	return f.w.Write(b)
}

// Copy over SFTP on a real sshd: the file arrives with its mode and a
// verified checksum; a corrupted transfer is caught, the target keeps its
// old content and no temporary file is left; Get brings each host's file
// into a directory of its own.
func TestCopyOverSFTP(t *testing.T) {
	testenv.LookPath(t, "sshd")
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	f, err := connect.New(connect.Options{Identity: sshd.ClientKeyPath, KnownHosts: sshd.KnownHostsPath})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := &Engine{Connect: f, Audit: &memAudit{}}
	var assets []*inventory.Asset
	for _, n := range []string{"web-01", "web-02"} {
		a := &inventory.Asset{Name: n, Kind: "host", Address: "127.0.0.1"}
		a.Connection.Port, a.Connection.User = sshd.Port, sshd.User
		assets = append(assets, a)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "nginx.conf")
	os.WriteFile(src, []byte("worker_processes 4;\n"), 0o640)
	remoteDir := t.TempDir()
	target := filepath.Join(remoteDir, "nginx.conf")

	run, err := e.Copy(context.Background(), CopyRequest{Assets: assets, Local: src, Remote: remoteDir + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range run.Outputs {
		if o.Error != "" || o.Path != target || o.Bytes != 20 || len(o.SHA256) != 64 {
			t.Errorf("put: %+v", o)
		}
	}
	if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("target mode: %v %v", st, err)
	}

	os.WriteFile(target, []byte("old\n"), 0o644)
	req := CopyRequest{Assets: assets[:1], Local: src, Remote: target, corrupt: func(_ string, w io.Writer) io.Writer { return &flipper{w: w} }}
	run, err = e.Copy(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := run.Outputs[0]; !strings.Contains(o.Error, ErrChecksum.Error()) {
		t.Errorf("corrupted transfer not caught: %+v", o)
	}
	if b, _ := os.ReadFile(target); string(b) != "old\n" {
		t.Errorf("target changed by a failed transfer: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(remoteDir, ".*hcops*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	into := t.TempDir()
	run, err = e.Copy(context.Background(), CopyRequest{Assets: assets, Get: true, Remote: src, Local: into}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range assets {
		b, err := os.ReadFile(filepath.Join(into, a.Name, "nginx.conf"))
		if err != nil || string(b) != "worker_processes 4;\n" {
			t.Errorf("get from %s: %q %v", a.Name, b, err)
		}
	}
	if _, err := e.Copy(context.Background(), CopyRequest{Assets: assets, Local: filepath.Join(dir, "missing")}, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing source: %v", err)
	}
}
