//go:build unix

package store

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// processAlive reports whether a process with pid exists on this host.
// EPERM means it exists but belongs to another user. A recycled pid reads as
// alive, which errs on the side of "still running".
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// bootID identifies the current boot of this machine (Linux), or "" where
// the kernel does not say.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
