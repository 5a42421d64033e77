// Package checks is the one explicit list of hcops's check types. Each
// check type lives in its domain package (checks/os, checks/hw, checks/db,
// checks/probe, checks/generic); adding one is a file there plus a line
// here (see CONTRIBUTING.md).
package checks

import (
	"github.com/cyhealth/hcops/pkg/inspect"
)

// All returns every check type by the name playbooks use. Each call
// returns a new map, so a caller may add its own (tests) without touching
// anyone else's.
func All() inspect.Registry {
	return inspect.Builtin()
}
