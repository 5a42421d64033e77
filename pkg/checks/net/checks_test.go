package net

import (
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/transport"
)

// testChecks are this package's check types, for the tests (checks.All is
// the list hcops uses; it imports this package, so tests here cannot).
var testChecks = inspect.Registry{
	"snmp-system":     System(),
	"snmp-interfaces": Interfaces(),
	"snmp-health":     Health(),
	"snmp-storage":    Storage(),
}

type transportClient = transport.SNMPClient
