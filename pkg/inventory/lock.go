package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Lock takes an exclusive lock on the inventory at path for the time of an
// edit (load, change, write), so two hcops processes editing at once do not
// lose each other's changes. The lock file is .NAME.lock beside a file
// inventory and PATH/.hcops.lock in a directory (hidden: the loader skips
// it and `ls` does not show it). It waits up to wait. unlock removes the
// lock file, so the inventory directory holds nothing of hcops' when no
// command is running.
//
// Removing a flock(2) file is safe only if a waiter that locked the
// removed file notices: after taking the lock, Lock checks that the path
// still names the file it locked, and starts again with a fresh file when
// it does not.
func Lock(path string, wait time.Duration) (unlock func(), err error) {
	lockPath := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		lockPath = filepath.Join(path, ".hcops.lock")
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock inventory: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock inventory: %w", err)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			if sameFile(f, lockPath) {
				return func() {
					// Remove while holding the lock: a waiter that then
					// gets this file sees it is gone and retries.
					_ = os.Remove(lockPath)
					_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
					f.Close()
				}, nil
			}
			// The holder removed the file we waited on: take the new one.
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
			continue
		}
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock inventory: %w", err)
		}
		if time.Now().After(deadline) {
			return nil, errorf("inventory.err.busy", path, lockPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sameFile reports whether the open file f is still the file at path.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}
