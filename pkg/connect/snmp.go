package connect

import (
	"fmt"
	"sync"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// ErrNoSNMP is returned by SNMPTarget for an asset without SNMP settings
// (no community and no v3 user).
var ErrNoSNMP = fmt.Errorf("no SNMP settings (snmp: community or v3 user)")

// SNMPTarget turns an asset's snmp block into a target, its community and
// keys resolved from their references. A reference that cannot be
// resolved makes the device unreachable with reason auth, naming the
// reference's field (never a value).
func SNMPTarget(a *inventory.Asset) (transport.SNMPTarget, error) {
	s := a.SNMP
	if !s.Configured() {
		return transport.SNMPTarget{}, fmt.Errorf("%s: %w", a.Name, ErrNoSNMP)
	}
	t := transport.SNMPTarget{Name: a.Name, Address: a.Address, Port: s.Port, Version: s.Version,
		User: s.User, Level: s.EffectiveLevel(), AuthProto: s.AuthProto, PrivProto: s.PrivProto,
		Context: s.Context, Timeout: s.SNMPTimeout(), Retries: 1}
	if t.Address == "" {
		t.Address = a.Name
	}
	if t.Version == "" {
		t.Version = inventory.SNMPv2c
	}
	if s.Retries != nil {
		t.Retries = *s.Retries
	}
	for _, x := range []struct {
		field string
		ref   inventory.SecretRef
		dst   *string
	}{{"snmp.community", s.Community, &t.Community}, {"snmp.auth_key", s.AuthKey, &t.AuthKey}, {"snmp.priv_key", s.PrivKey, &t.PrivKey}} {
		if x.ref.IsZero() {
			continue
		}
		v, err := x.ref.Resolve()
		if err != nil {
			return t, &transport.UnreachableError{Target: a.Name, Reason: result.ReasonAuth, Err: fmt.Errorf("%s: %w", x.field, err)}
		}
		*x.dst = v
	}
	return t, nil
}

// SNMP returns the run's SNMP session to a, made on first use and shared
// by every SNMP check of the asset (requests go one at a time). Errors are
// ErrNoSNMP (wrapped) for an asset without SNMP settings and
// *transport.UnreachableError for a secret that cannot be read. Making one
// device's session (a DNS lookup of its name) never holds up another's.
func (f *Factory) SNMP(a *inventory.Asset) (*transport.SNMPClient, error) {
	f.mu.Lock()
	if f.snmp == nil {
		f.snmp = map[string]*snmpEntry{}
	}
	e, ok := f.snmp[a.Name]
	if !ok {
		e = &snmpEntry{}
		f.snmp[a.Name] = e
	}
	f.mu.Unlock()
	e.once.Do(func() {
		t, err := SNMPTarget(a)
		if err == nil {
			e.c, err = transport.DialSNMP(t)
		}
		e.err = err
	})
	return e.c, e.err
}

type snmpEntry struct {
	once sync.Once
	c    *transport.SNMPClient
	err  error
}

// closeSNMP ends the SNMP sessions.
func (f *Factory) closeSNMP() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.snmp {
		if e.c != nil {
			e.c.Close()
		}
	}
	f.snmp = nil
}
