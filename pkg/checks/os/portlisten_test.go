package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestParseListeners(t *testing.T) {
	ss := parseSS(osCapture(t, "port-listen", "ubuntu-18.04-ss-tulpen.txt"))
	find := func(ls []osListener, proto string, port int) *osListener {
		for i := range ls {
			if ls[i].Proto == proto && ls[i].Port == port {
				return &ls[i]
			}
		}
		return nil
	}
	if l := find(ss, "tcp", 22); l == nil || l.Process != "sshd" || l.Addr != "0.0.0.0" {
		t.Errorf("ss tcp/22 = %+v", l)
	}
	if l := find(ss, "udp", 53); l == nil || l.Addr != "192.168.122.1" {
		t.Errorf("ss udp/53 = %+v", l)
	}
	// "127.0.0.53%lo:53": the interface suffix is dropped.
	found := false
	for _, l := range ss {
		if l.Addr == "127.0.0.53" && l.Port == 53 && l.Proto == "tcp" && l.Process == "systemd-resolve" {
			found = true
		}
	}
	if !found {
		t.Error("ss: 127.0.0.53%lo:53 not parsed")
	}
	ns := parseNetstat(osCapture(t, "port-listen", "centos-7.7-netstat-lnp.txt"))
	if len(ns) != 7 { // 4 tcp/tcp6 LISTEN + 3 udp/udp6; raw6 and unix skipped
		t.Errorf("netstat: want 7 listeners, got %d: %+v", len(ns), ns)
	}
	if l := find(ns, "tcp", 25); l == nil || l.Process != "master" || l.Addr != "127.0.0.1" {
		t.Errorf("netstat tcp/25 = %+v", l)
	}
	// /proc/net fallback: 0.0.0.0:22, 127.0.0.1:25, [::]:22.
	pn := parseProcNet("F /proc/net/tcp\n00000000:0016\n0100007F:0019\nF /proc/net/tcp6\n00000000000000000000000000000000:0016\nF /proc/net/udp\n00000000:0044\n")
	if len(pn) != 4 || pn[1].Addr != "127.0.0.1" || pn[1].Port != 25 || pn[2].Addr != "::" || pn[3].Proto != "udp" || pn[3].Port != 68 {
		t.Errorf("procnet = %+v", pn)
	}
}

func TestPortListenCheck(t *testing.T) {
	out := "@@SS\n" + osCapture(t, "port-listen", "ubuntu-18.04-ss-tulpen.txt")
	spec := &inspect.Spec{Name: "ports", Type: "port-listen", Params: map[string]any{"expected": []any{"22", "3306/tcp", "127.0.0.1:631", "8443"}}}
	rs := osEval(t, "port-listen", out, spec, osNow)
	if r := osItem(t, rs, "22/tcp"); r.Status != result.OK || !strings.Contains(r.Message, "sshd") {
		t.Errorf("22: %+v", r)
	}
	if r := osItem(t, rs, "127.0.0.1:631/tcp"); r.Status != result.OK {
		t.Errorf("631 on loopback: %+v", r)
	}
	if r := osItem(t, rs, "8443/tcp"); r.Status != result.Crit || r.Reason != "not-listening" {
		t.Errorf("8443: %+v", r)
	}
	sum := osItem(t, rs, "listeners")
	if sum.Status != result.OK || *sum.Value < 50 || !strings.Contains(sum.Evidence, "0.0.0.0:3306/tcp (mysqld)") {
		t.Errorf("summary: %+v", sum)
	}
	// warn_unexpected: rhythmbox on 3689 is not expected; loopback ones
	// (teamviewerd on 127.0.0.1:5939) are ignored.
	spec.Params["warn_unexpected"] = true
	sum = osItem(t, osEval(t, "port-listen", out, spec, osNow), "listeners")
	if sum.Status != result.Warn || !strings.Contains(sum.Evidence, "0.0.0.0:3689/tcp (rhythmbox)") || strings.Contains(sum.Evidence, "5939") || strings.Contains(sum.Evidence, ":22/tcp") {
		t.Errorf("unexpected listeners: %+v", sum)
	}
	r := osOne(t, osEval(t, "port-listen", "@@SS\nss: command failed\n", nil, osNow))
	if r.Status != result.Unknown {
		t.Errorf("no listeners parsed: %+v", r)
	}
	c, _ := Lookup("port-listen")
	for _, bad := range []string{"70000", "22/sctp", "host:22", "x"} {
		if err := c.(inspect.Validator).Validate(&inspect.Spec{Name: "p", Params: map[string]any{"expected": bad}}); err == nil {
			t.Errorf("expected %q: want an error", bad)
		}
	}
}

func BenchmarkParseSS(b *testing.B) {
	out := osCapture(b, "port-listen", "ubuntu-18.04-ss-tulpen.txt")
	for b.Loop() {
		if len(parseSS(out)) == 0 {
			b.Fatal("nothing parsed")
		}
	}
}

func BenchmarkParseNetstat(b *testing.B) {
	out := osCapture(b, "port-listen", "centos-7.7-netstat-lnp.txt")
	for b.Loop() {
		if len(parseNetstat(out)) == 0 {
			b.Fatal("nothing parsed")
		}
	}
}
