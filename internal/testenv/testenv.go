// Package testenv holds helpers for tests that use real parts of the
// machine: OpenSSH, PostgreSQL, MariaDB, Chromium. Under `make test`
// (HCOPS_REQUIRE_REAL=1, also set by CI) a missing part fails the test
// instead of skipping it, so CI can never pass by silently testing less.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireReal reports whether missing real parts must fail tests.
func RequireReal() bool {
	return os.Getenv("HCOPS_REQUIRE_REAL") != "" || os.Getenv("CI") != ""
}

// LookPath finds a program the test needs (also in /usr/sbin and
// /usr/lib/postgresql/*/bin). When it is missing the test is skipped, or
// failed under RequireReal.
func LookPath(t testing.TB, name string, extraDirs ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range append([]string{"/usr/sbin", "/sbin", "/usr/local/sbin"}, extraDirs...) {
		p := d + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(t, name+" is not installed (run scripts/test-deps.sh)")
	return ""
}

// Missing skips t with reason, or fails it under RequireReal.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if RequireReal() {
		t.Fatalf("required for this test: %s", reason)
	}
	t.Skip(reason)
}
