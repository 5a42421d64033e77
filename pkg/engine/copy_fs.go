package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/pkg/sftp"

	"github.com/cyhealth/hcops/pkg/transport"
)

// remoteFS is the part of a host's file system a copy needs: SFTP over the
// host's SSH connection, or this machine's for local assets.
type remoteFS interface {
	Create(path string) (io.WriteCloser, error)
	Open(path string) (io.ReadCloser, os.FileMode, error)
	Chmod(path string, mode os.FileMode) error
	Rename(oldPath, newPath string) error
	Remove(path string) error
	// SHA256 reads the file back on its own side: over the SFTP session
	// (the bytes as they are on the host's disk), or locally.
	SHA256(ctx context.Context, r transport.Runner, path string) (string, error)
}

type sftpFS struct{ c *sftp.Client }

func (s sftpFS) Create(p string) (io.WriteCloser, error) {
	return s.c.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
}

func (s sftpFS) Open(p string) (io.ReadCloser, os.FileMode, error) {
	f, err := s.c.Open(p)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Mode(), nil
}

func (s sftpFS) Chmod(p string, m os.FileMode) error { return s.c.Chmod(p, m) }

// Rename replaces the target atomically (posix-rename@openssh.com).
func (s sftpFS) Rename(o, n string) error { return s.c.PosixRename(o, n) }
func (s sftpFS) Remove(p string) error    { return s.c.Remove(p) }

func (s sftpFS) SHA256(_ context.Context, _ transport.Runner, p string) (string, error) {
	f, err := s.c.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type localFS struct{}

func (localFS) Create(p string) (io.WriteCloser, error) {
	return os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

func (localFS) Open(p string) (io.ReadCloser, os.FileMode, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Mode(), nil
}

func (localFS) Chmod(p string, m os.FileMode) error { return os.Chmod(p, m) }
func (localFS) Rename(o, n string) error            { return os.Rename(o, n) }
func (localFS) Remove(p string) error               { return os.Remove(p) }

func (localFS) SHA256(_ context.Context, _ transport.Runner, p string) (string, error) {
	return fileSHA256(p)
}
