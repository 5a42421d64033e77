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
// it and `ls` does not show it). It waits up to wait.
func Lock(path string, wait time.Duration) (unlock func(), err error) {
	lockPath := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		lockPath = filepath.Join(path, ".hcops.lock")
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock inventory: %w", err)
	}
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock inventory: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, errorf("inventory.err.busy", path, lockPath)
			}
			return nil, fmt.Errorf("lock inventory: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
