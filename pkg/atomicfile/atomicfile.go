// Package atomicfile writes the files hcops hands to people — reports,
// exports, evidence, unit files — so that a reader, a crash or a full disk
// never sees half a file, and so that they are not world-readable.
package atomicfile

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Mode is the permission asked for on reports, exports and evidence: owner
// read-write, group read, nothing for others. The umask (or a default ACL on
// the directory) narrows it as it narrows any new file — umask 022 gives
// 0640, umask 077 gives 0600 — so these files are never wider than 0640.
// Reports name hosts, addresses and failures of a health network; the group
// may read them (an ops group, a web server publishing them), others not.
const Mode fs.FileMode = 0o640

// dirMode is the permission of directories Write creates for its file.
const dirMode fs.FileMode = 0o750

// Write replaces path with data, atomically: the data goes to a new file
// beside path (mode 0600 while it is written), is synced to disk, gets its
// final mode — perm narrowed by the umask, as os.WriteFile would — and is
// renamed over path; then the directory is synced so the rename survives a
// power cut. Missing parent directories are created (0750, before umask).
//
// The file gets this mode even when it replaces one with another mode, and
// a symlink at path is replaced, not followed. On any failure path keeps its
// previous content and no temporary file is left; the error is an
// *fs.PathError naming path, whatever step failed.
func Write(path string, data []byte, perm fs.FileMode) error {
	// A device or a FIFO (--out /dev/null, a named pipe) is written to,
	// never replaced: renaming a file over /dev/null would break the
	// machine for every other program.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return pathError("open", path, err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return pathError("write", path, err)
		}
		if err := f.Close(); err != nil {
			return pathError("close", path, err)
		}
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return pathError("create directory for", path, err)
	}
	f, err := create(dir, filepath.Base(path), perm.Perm())
	if err != nil {
		return pathError("create", path, err)
	}
	tmp := f.Name()
	fail := func(op string, err error) error {
		f.Close()
		os.Remove(tmp)
		return pathError(op, path, err)
	}
	// The kernel applied the umask to perm when it created the file: that is
	// the final mode. Narrow it to the owner until the data is complete.
	st, err := f.Stat()
	if err != nil {
		return fail("stat", err)
	}
	final := st.Mode().Perm()
	if err := f.Chmod(final & 0o600); err != nil {
		return fail("chmod", err)
	}
	if _, err := f.Write(data); err != nil {
		return fail("write", err)
	}
	if err := f.Sync(); err != nil {
		return fail("sync", err)
	}
	if err := f.Chmod(final); err != nil {
		return fail("chmod", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return pathError("close", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return pathError("rename", path, err)
	}
	// The file is in place whatever happens next. A directory that cannot be
	// synced (some network and FUSE file systems refuse) only risks losing the
	// rename in a power cut; failing here would tell the user the file was not
	// written when it was.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// create makes a new, empty file beside the target, asking for perm so that
// the kernel applies the umask and default ACLs. os.CreateTemp cannot be
// used: it always asks for 0600, which hides the umask.
func create(dir, base string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(uint64(rand.Uint32()), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fs.ErrExist
}

// pathError reports a failed step against the file the caller asked for,
// not the temporary one, keeping the underlying cause (ENOSPC, EACCES…).
func pathError(op, path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}
