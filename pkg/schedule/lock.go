package schedule

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockedError says the job is already running. PID and Since come from the
// lock file and are zero when the holder had not written them yet.
type LockedError struct {
	Job   string
	PID   int
	Since time.Time
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("job %s is already running; exiting", e.Job)
	}
	return fmt.Sprintf("job %s is already running (pid %d, since %s); exiting", e.Job, e.PID, e.Since.Format("15:04:05"))
}

// LockDir is where job locks live: a "locks" directory beside the history
// database. Not $XDG_RUNTIME_DIR: cron does not set it while a login shell
// does, so a run from cron and one started by hand would lock different
// files and overlap; the database they both write is the natural anchor.
func LockDir(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "locks")
}

// Lock takes the lock of job name in dir (created if needed) with flock(2)
// and records this process's pid and start time in it. It does not wait:
// when another process holds the lock it returns a *LockedError. The kernel
// drops the lock when the process ends, however it ends, so a crashed run
// never leaves a stale lock behind. release unlocks; it is safe to call
// more than once.
func Lock(dir, name string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("job %s: lock directory: %w", name, err)
	}
	path := filepath.Join(dir, name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("job %s: lock: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			le := &LockedError{Job: name}
			if b, rerr := os.ReadFile(path); rerr == nil {
				le.PID, le.Since = parseLockFile(string(b))
			}
			return nil, le
		}
		return nil, fmt.Errorf("job %s: lock %s: %w", name, path, err)
	}
	// Who holds it, for the message a second run prints.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n%s\n", os.Getpid(), time.Now().Format(time.RFC3339))
		_ = f.Sync()
	}
	done := false
	return func() {
		if done {
			return
		}
		done = true
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

func parseLockFile(s string) (pid int, since time.Time) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) >= 1 {
		pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	}
	if len(lines) >= 2 {
		since, _ = time.Parse(time.RFC3339, strings.TrimSpace(lines[1]))
	}
	return pid, since
}
