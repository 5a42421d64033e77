package db

import (
	"github.com/cyhealth/hcops/pkg/inspect"
)

// testChecks are this package's check types, for the tests (checks.All is
// the list hcops uses; it imports this package, so tests here cannot).
var testChecks = inspect.Registry{
	"db-activity":    Activity(),
	"db-backup":      Backup(),
	"db-cache":       Cache(),
	"db-connections": Connections(),
	"db-log":         Log(),
	"db-replication": Replication(),
	"db-security":    Security(),
	"db-size":        Size(),
	"db-status":      Status(),
	"db-throughput":  Throughput(),
}

// Lookup returns this package's check type called name.
func Lookup(name string) (inspect.Check, bool) { return testChecks.Lookup(name) }
