package probe

import (
	"net"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// dnsServer is a small authoritative DNS server on UDP loopback for the zone
// hcops.test, speaking the real wire format (golang.org/x/net/dns/dnsmessage)
// so the check's resolver path is exercised end to end:
//
//	pacs.hcops.test   A 10.1.2.3, 10.1.2.4; AAAA fd00::3
//	www.hcops.test    CNAME pacs.hcops.test
//	slow.hcops.test   never answered (timeout)
//	anything else     NXDOMAIN
func dnsServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := dnsAnswer(buf[:n]); out != nil {
				pc.WriteTo(out, addr)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func dnsAnswer(req []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(q.Name.String())
	if name == "slow.hcops.test." {
		return nil
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	pacs := dnsmessage.MustNewName("pacs.hcops.test.")
	hdr := func(n dnsmessage.Name, typ dnsmessage.Type) dnsmessage.ResourceHeader {
		return dnsmessage.ResourceHeader{Name: n, Type: typ, Class: dnsmessage.ClassINET, TTL: 60}
	}
	type rr struct {
		typ  dnsmessage.Type
		body dnsmessage.ResourceBody
		name dnsmessage.Name
	}
	var answers []rr
	addPacs := func() {
		switch q.Type {
		case dnsmessage.TypeA:
			answers = append(answers, rr{dnsmessage.TypeA, &dnsmessage.AResource{A: [4]byte{10, 1, 2, 3}}, pacs},
				rr{dnsmessage.TypeA, &dnsmessage.AResource{A: [4]byte{10, 1, 2, 4}}, pacs})
		case dnsmessage.TypeAAAA:
			answers = append(answers, rr{dnsmessage.TypeAAAA, &dnsmessage.AAAAResource{AAAA: [16]byte{0xfd, 15: 3}}, pacs})
		}
	}
	switch name {
	case "pacs.hcops.test.":
		addPacs()
	case "www.hcops.test.":
		answers = append(answers, rr{dnsmessage.TypeCNAME, &dnsmessage.CNAMEResource{CNAME: pacs}, q.Name})
		if q.Type != dnsmessage.TypeCNAME {
			addPacs()
		}
	default:
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	for _, a := range answers {
		h := hdr(a.name, a.typ)
		switch body := a.body.(type) {
		case *dnsmessage.AResource:
			b.AResource(h, *body)
		case *dnsmessage.AAAAResource:
			b.AAAAResource(h, *body)
		case *dnsmessage.CNAMEResource:
			b.CNAMEResource(h, *body)
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

func TestDNSAgainstServer(t *testing.T) {
	srv := dnsServer(t)
	cases := []struct {
		name   string
		params map[string]any
		want   result.Status
		reason string
		msg    string
	}{
		{"A records", map[string]any{"name": "pacs.hcops.test", "type": "A"}, result.OK, "", "pacs.hcops.test: 10.1.2.3, 10.1.2.4 in "},
		{"ip both families", map[string]any{"name": "pacs.hcops.test"}, result.OK, "", "10.1.2.3, 10.1.2.4, fd00::3"},
		{"expected present", map[string]any{"name": "pacs.hcops.test", "type": "A", "expect": "10.1.2.4"}, result.OK, "", ""},
		{"expected missing", map[string]any{"name": "pacs.hcops.test", "type": "A", "expect": []any{"10.1.2.3", "10.9.9.9"}}, result.Crit, "dns-mismatch", "expected 10.9.9.9 missing"},
		{"exact with extra", map[string]any{"name": "pacs.hcops.test", "type": "A", "expect": "10.1.2.3", "exact": true}, result.Crit, "dns-mismatch", "unexpected 10.1.2.4"},
		{"cname", map[string]any{"name": "www.hcops.test", "type": "cname", "expect": "pacs.hcops.test"}, result.OK, "", "www.hcops.test: pacs.hcops.test"},
		{"cname wrong", map[string]any{"name": "www.hcops.test", "type": "CNAME", "expect": "ris.hcops.test"}, result.Crit, "dns-mismatch", "expected ris.hcops.test missing"},
		{"nxdomain", map[string]any{"name": "nope.hcops.test"}, result.Crit, result.ReasonDNS, "nope.hcops.test: no IP record (no such name)"},
		{"timeout", map[string]any{"name": "slow.hcops.test", "timeout": "300ms"}, result.Crit, result.ReasonTimeout, "timed out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.params["server"] = srv
			r := checktest.One(t, prProbe(t, "dns", &inspect.Spec{Params: c.params}, nil, nil))
			if r.Status != c.want || r.Reason != c.reason || !strings.Contains(r.Message, c.msg) {
				t.Fatalf("got %s %q %q; want %s %q containing %q", r.Status, r.Reason, r.Message, c.want, c.reason, c.msg)
			}
			if !strings.Contains(r.Message, "(via "+srv+")") {
				t.Errorf("message does not name the server: %q", r.Message)
			}
			if r.Status != result.OK && r.Advice == "" {
				t.Errorf("no advice")
			}
		})
	}
}

func TestDNSSystemResolver(t *testing.T) {
	r := checktest.One(t, prProbe(t, "dns", &inspect.Spec{Params: map[string]any{"name": "localhost", "type": "A", "expect": "127.0.0.1"}}, nil, nil))
	if r.Status != result.OK || r.Unit != "ms" {
		t.Fatalf("localhost: %s %q", r.Status, r.Message)
	}
	r = checktest.One(t, prProbe(t, "dns", &inspect.Spec{Params: map[string]any{"name": "no-such-host.hcops-test.invalid"}}, nil, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonDNS {
		t.Fatalf("invalid name: %s %s %q", r.Status, r.Reason, r.Message)
	}
}

func TestDNSNameFromAsset(t *testing.T) {
	srv := dnsServer(t)
	a := &inventory.Asset{Name: "pacs", Kind: inventory.KindApplication, Address: "pacs.hcops.test"}
	r := checktest.One(t, prProbe(t, "dns", &inspect.Spec{Params: map[string]any{"server": srv, "type": "A"}}, a, nil))
	if r.Status != result.OK || r.Item != "pacs.hcops.test" {
		t.Fatalf("%s %q %q", r.Status, r.Item, r.Message)
	}
	a.Address = "10.0.0.1"
	r = checktest.One(t, prProbe(t, "dns", &inspect.Spec{}, a, nil))
	if r.Status != result.Unknown || r.Reason != "bad-params" {
		t.Fatalf("IP address: %s %q", r.Status, r.Message)
	}
}

func TestDNSBadParams(t *testing.T) {
	for _, p := range []map[string]any{{"type": "MX"}, {"expect": "pacs"}, {"server": "dns.example"}, {"timeout": "x"}, {"nmae": "x"}} {
		if err := (dnsCheck{}).Validate(&inspect.Spec{Name: "d", Params: p}); err == nil {
			t.Errorf("%v accepted", p)
		}
	}
}
