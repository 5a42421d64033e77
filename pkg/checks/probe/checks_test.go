package probe

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// testChecks are this package's check types, for the tests (checks.All is
// the list hcops uses; it imports this package, so tests here cannot).
var testChecks = inspect.Registry{
	"dns":         DNS(),
	"http":        HTTP(),
	"ping":        Ping(),
	"tcp-connect": TCPConnect(),
	"tls-cert":    TLSCert(),
}

// Lookup returns this package's check type called name.
func Lookup(name string) (inspect.Check, bool) { return testChecks.Lookup(name) }

// prEval runs the check of type typ end to end on this machine.
func prEval(t testing.TB, typ string, spec *inspect.Spec) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("check type %q not in this package", typ)
	}
	return checktest.Eval(t, c, typ, spec)
}
