package hw

import (
	"github.com/cyhealth/hcops/pkg/inspect"
)

// testChecks are this package's check types, for the tests (checks.All is
// the list hcops uses; it imports this package, so tests here cannot).
var testChecks = inspect.Registry{
	"edac":      EDAC(),
	"ipmi":      IPMI(),
	"multipath": Multipath(),
	"nic":       NIC(),
	"raid":      RAID(),
	"smart":     SMART(),
}

// Lookup returns this package's check type called name.
func Lookup(name string) (inspect.Check, bool) { return testChecks.Lookup(name) }
