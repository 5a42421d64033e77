//go:build !unix

package store

// processAlive cannot check processes here; runs are then only reported as
// interrupted after StaleAfter.
func processAlive(pid int) bool { return true }

// bootID is unknown here.
func bootID() string { return "" }
