package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/cyhealth/hcops/pkg/result"
)

// SNMPTarget is a device read over SNMP, its secrets resolved.
type SNMPTarget struct {
	Name    string // asset name, for messages
	Address string
	Port    int    // 161 when 0
	Version string // "2c" or "3"
	// Community is the v2c community (a secret: never in messages).
	Community string
	// v3 USM: user, level (noAuthNoPriv, authNoPriv, authPriv), protocols
	// and keys (secrets), context name.
	User, Level, AuthProto, AuthKey, PrivProto, PrivKey, Context string
	Timeout                                                      time.Duration // per request; 5 s when 0
	Retries                                                      int
}

// SNMPVar is one variable an agent returned.
type SNMPVar struct {
	OID  string // dotted, without the leading dot
	Type string // Integer, Counter32, Counter64, Gauge32, TimeTicks, OctetString, ObjectIdentifier, IPAddress, NoSuchObject, NoSuchInstance, EndOfMibView, Null
	// Num is the value of a numeric variable (Integer may be negative;
	// Counter64 is exact), Str that of a string, OID or address.
	Num    int64
	Uint   uint64
	Str    string
	IsNum  bool
	Absent bool // noSuchObject, noSuchInstance, endOfMibView or null
}

// Float is the variable's numeric value: Uint for unsigned types, Num
// otherwise; ok is false for strings and absent variables.
func (v SNMPVar) Float() (float64, bool) {
	if !v.IsNum || v.Absent {
		return 0, false
	}
	if v.Type == "Integer" {
		return float64(v.Num), true
	}
	return float64(v.Uint), true
}

// MaxSNMPWalk bounds the variables one walk returns: a hostile or broken
// agent answering forever must not hold the run.
const MaxSNMPWalk = 20000

// SNMPClient is one device's SNMP session. It is safe for concurrent use:
// requests are sent one at a time (a gosnmp session is not concurrent).
type SNMPClient struct {
	mu sync.Mutex
	g  *gosnmp.GoSNMP
	t  SNMPTarget
	// dead is the error that showed the device cannot be read this run
	// (no answer, or refused credentials): later requests return it at
	// once instead of waiting out the timeout again, as one SSH dial
	// serves every check of a host.
	dead error
}

// DialSNMP prepares a session to t. SNMP runs over UDP: nothing is sent
// until the first request, so a wrong community or a dead agent shows up
// there, as an *UnreachableError.
func DialSNMP(t SNMPTarget) (*SNMPClient, error) {
	port := t.Port
	if port == 0 {
		port = 161
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	g := &gosnmp.GoSNMP{
		Target: t.Address, Port: uint16(port), Timeout: timeout, Retries: t.Retries,
		MaxOids: 20, MaxRepetitions: 25, Transport: "udp",
	}
	switch t.Version {
	case "", "2c":
		g.Version, g.Community = gosnmp.Version2c, t.Community
	case "3":
		g.Version, g.SecurityModel, g.ContextName = gosnmp.Version3, gosnmp.UserSecurityModel, t.Context
		usm := &gosnmp.UsmSecurityParameters{UserName: t.User}
		switch t.Level {
		case "authPriv":
			g.MsgFlags = gosnmp.AuthPriv
		case "authNoPriv":
			g.MsgFlags = gosnmp.AuthNoPriv
		default:
			g.MsgFlags = gosnmp.NoAuthNoPriv
		}
		if g.MsgFlags != gosnmp.NoAuthNoPriv {
			usm.AuthenticationProtocol = authProto(t.AuthProto)
			usm.AuthenticationPassphrase = t.AuthKey
		}
		if g.MsgFlags == gosnmp.AuthPriv {
			usm.PrivacyProtocol = privProto(t.PrivProto)
			usm.PrivacyPassphrase = t.PrivKey
		}
		g.SecurityParameters = usm
	default:
		return nil, fmt.Errorf("%s: SNMP version %q is not supported (2c, 3)", t.Name, t.Version)
	}
	if err := g.Connect(); err != nil {
		return nil, snmpErr(t, err, false)
	}
	return &SNMPClient{g: g, t: t}, nil
}

func authProto(s string) gosnmp.SnmpV3AuthProtocol {
	switch strings.ToUpper(s) {
	case "MD5":
		return gosnmp.MD5
	case "SHA224":
		return gosnmp.SHA224
	case "SHA256":
		return gosnmp.SHA256
	case "SHA384":
		return gosnmp.SHA384
	case "SHA512":
		return gosnmp.SHA512
	}
	return gosnmp.SHA
}

func privProto(s string) gosnmp.SnmpV3PrivProtocol {
	switch strings.ToUpper(s) {
	case "DES":
		return gosnmp.DES
	case "AES192":
		return gosnmp.AES192
	case "AES256":
		return gosnmp.AES256
	case "AES192C":
		return gosnmp.AES192C
	case "AES256C":
		return gosnmp.AES256C
	}
	return gosnmp.AES
}

// Target is the device this client reads.
func (c *SNMPClient) Target() SNMPTarget { return c.t }

// Get reads the given OIDs (dotted, with or without the leading dot).
// Variables the agent does not have come back Absent, not as an error.
func (c *SNMPClient) Get(ctx context.Context, oids ...string) ([]SNMPVar, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return nil, c.dead
	}
	var out []SNMPVar
	for len(oids) > 0 {
		n := min(len(oids), c.g.MaxOids)
		chunk := make([]string, n)
		for i, o := range oids[:n] {
			chunk[i] = "." + strings.TrimPrefix(o, ".")
		}
		oids = oids[n:]
		c.g.Context = ctx
		pkt, err := c.g.Get(chunk)
		if err != nil {
			return nil, c.fail(ctx, err)
		}
		if pkt.Error != gosnmp.NoError {
			return nil, fmt.Errorf("%s: SNMP get: agent answered %s", c.t.Name, pkt.Error)
		}
		for _, v := range pkt.Variables {
			out = append(out, toVar(v))
		}
	}
	return out, nil
}

// Walk reads the subtree under root (GETBULK), at most MaxSNMPWalk
// variables; truncated says the bound was hit.
func (c *SNMPClient) Walk(ctx context.Context, root string) (vars []SNMPVar, truncated bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return nil, false, c.dead
	}
	c.g.Context = ctx
	errFull := errors.New("full")
	err = c.g.BulkWalk("."+strings.TrimPrefix(root, "."), func(p gosnmp.SnmpPDU) error {
		if len(vars) >= MaxSNMPWalk {
			return errFull
		}
		vars = append(vars, toVar(p))
		return nil
	})
	if errors.Is(err, errFull) {
		return vars, true, nil
	}
	if err != nil {
		return nil, false, c.fail(ctx, err)
	}
	return vars, false, nil
}

// fail classifies a request's error and remembers the ones that will not
// go away within the run.
func (c *SNMPClient) fail(ctx context.Context, err error) error {
	discovered := false
	if usm, ok := c.g.SecurityParameters.(*gosnmp.UsmSecurityParameters); ok && usm.AuthoritativeEngineID != "" {
		discovered = true
	}
	e := snmpErr(c.t, ctxErr(ctx, err), discovered)
	if ctx.Err() == nil && ReasonOf(e) != result.ReasonNetwork {
		c.dead = e
	}
	return e
}

// Close ends the session.
func (c *SNMPClient) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.g.Conn != nil {
		return c.g.Conn.Close()
	}
	return nil
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

func toVar(p gosnmp.SnmpPDU) SNMPVar {
	v := SNMPVar{OID: strings.TrimPrefix(p.Name, "."), Type: p.Type.String()}
	switch p.Type {
	case gosnmp.Integer:
		v.IsNum = true
		v.Num = gosnmp.ToBigInt(p.Value).Int64()
		v.Uint = uint64(v.Num)
	case gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Counter64, gosnmp.Uinteger32:
		v.IsNum = true
		v.Uint = gosnmp.ToBigInt(p.Value).Uint64()
		v.Num = int64(v.Uint)
	case gosnmp.OctetString:
		if b, ok := p.Value.([]byte); ok {
			v.Str = string(b)
		}
	case gosnmp.ObjectIdentifier, gosnmp.IPAddress:
		if s, ok := p.Value.(string); ok {
			v.Str = strings.TrimPrefix(s, ".")
		}
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
		v.Absent = true
	default:
		v.Str = fmt.Sprint(p.Value)
	}
	return v
}

// SNMP failure kinds, the Err of the *UnreachableError a request returns
// (with errors.Is): what a check tells the engineer to look at.
var (
	// ErrSNMPNoAnswer: no answer within the timeout and retries. For v2c
	// this is also what a wrong community looks like: the agent drops the
	// request silently.
	ErrSNMPNoAnswer = errors.New("no answer")
	// ErrSNMPWrongDigest: the v3 authentication key (or protocol) is wrong.
	ErrSNMPWrongDigest = errors.New("wrong digest (authentication key or protocol)")
	// ErrSNMPUnknownUser: the agent has no such v3 user.
	ErrSNMPUnknownUser = errors.New("unknown user name")
	// ErrSNMPDecryption: the v3 privacy key (or protocol) is wrong.
	ErrSNMPDecryption = errors.New("decryption error (privacy key or protocol)")
	// ErrSNMPLevel: the user may not use this security level.
	ErrSNMPLevel = errors.New("unsupported security level")
	// ErrSNMPNotAuthentic: the agent's answer does not authenticate with
	// the v3 user's key: an unknown user (reported unauthenticated) or a
	// wrong authentication key or protocol.
	ErrSNMPNotAuthentic = errors.New("answer not authentic (unknown user, or wrong authentication key or protocol)")
	// ErrSNMPSilentV3: the agent answered the v3 engine discovery, then
	// not the request: it drops what it cannot decrypt, so the privacy key
	// or protocol is wrong.
	ErrSNMPSilentV3 = errors.New("no answer after engine discovery (privacy key or protocol)")
)

// snmpErr classifies a gosnmp error as an *UnreachableError with a reason
// and one of the ErrSNMP* kinds, keeping the original text.
func snmpErr(t SNMPTarget, err error, discovered bool) error {
	kind, reason := error(nil), result.ReasonNetwork
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, gosnmp.ErrWrongDigest):
		kind, reason = ErrSNMPWrongDigest, result.ReasonAuth
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		kind, reason = ErrSNMPUnknownUser, result.ReasonAuth
	case errors.Is(err, gosnmp.ErrDecryption):
		kind, reason = ErrSNMPDecryption, result.ReasonAuth
	case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
		kind, reason = ErrSNMPLevel, result.ReasonAuth
	case strings.Contains(err.Error(), "not authentic"), strings.Contains(err.Error(), "not authenticated"):
		kind, reason = ErrSNMPNotAuthentic, result.ReasonAuth
	case (errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || strings.Contains(err.Error(), "request timeout")) &&
		t.Version == "3" && t.Level == "authPriv" && discovered:
		kind, reason = ErrSNMPSilentV3, result.ReasonAuth
	case errors.Is(err, gosnmp.ErrMaxRetriesExceeded), strings.Contains(err.Error(), "request timeout"),
		errors.Is(err, context.DeadlineExceeded):
		kind, reason = ErrSNMPNoAnswer, result.ReasonTimeout
	case errors.As(err, &dnsErr):
		reason = result.ReasonDNS
	case strings.Contains(err.Error(), "connection refused"):
		// An ICMP port unreachable came back: nothing listens on the port.
		kind, reason = ErrSNMPNoAnswer, result.ReasonRefused
	}
	port := t.Port
	if port == 0 {
		port = 161
	}
	where := net.JoinHostPort(t.Address, strconv.Itoa(port))
	if kind != nil {
		return &UnreachableError{Target: t.Name, Reason: reason, Err: fmt.Errorf("SNMP %s: %w (%v)", where, kind, err)}
	}
	return &UnreachableError{Target: t.Name, Reason: reason, Err: fmt.Errorf("SNMP %s: %w", where, err)}
}
