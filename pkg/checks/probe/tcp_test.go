package probe

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// listen starts a TCP listener that greets each connection with banner
// (when not empty) and returns its port.
func prListen(t *testing.T, banner string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if banner != "" {
				c.Write([]byte(banner))
			}
			go func() {
				buf := make([]byte, 16)
				c.Read(buf) // hold the connection until the client closes it
				c.Close()
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort returns a port nothing listens on.
func prClosedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

func TestTCPConnect(t *testing.T) {
	open := prListen(t, "")
	closed := prClosedPort(t)
	rs := prProbe(t, "tcp-connect", &inspect.Spec{Params: map[string]any{"ports": []any{open, closed}}}, nil, nil)
	if len(rs) != 2 {
		t.Fatalf("%d results", len(rs))
	}
	openAddr := "127.0.0.1:" + strconv.Itoa(open)
	if rs[0].Status != result.OK || rs[0].Item != openAddr || !strings.HasPrefix(rs[0].Message, openAddr+": connected in ") || rs[0].Unit != "ms" {
		t.Errorf("open port: %s %q %q", rs[0].Status, rs[0].Item, rs[0].Message)
	}
	if rs[1].Status != result.Crit || rs[1].Reason != result.ReasonRefused || !strings.Contains(rs[1].Message, "connection refused") || rs[1].Advice == "" {
		t.Errorf("closed port: %s %s %q", rs[1].Status, rs[1].Reason, rs[1].Message)
	}
}

func TestTCPConnectAssetDefaults(t *testing.T) {
	port := prListen(t, "")
	a := &inventory.Asset{Name: "db-01", Kind: inventory.KindDatabase, Address: "127.0.0.1", Port: port}
	r := checktest.One(t, prProbe(t, "tcp-connect", &inspect.Spec{}, a, nil))
	if r.Status != result.OK || r.Item != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("%s %q %q", r.Status, r.Item, r.Message)
	}
	a.Port = 0
	r = checktest.One(t, prProbe(t, "tcp-connect", &inspect.Spec{}, a, nil))
	if r.Status != result.Unknown || !strings.Contains(r.Message, "no port") {
		t.Fatalf("no port: %s %q", r.Status, r.Message)
	}
}

func TestTCPConnectBanner(t *testing.T) {
	ssh := prListen(t, "SSH-2.0-OpenSSH_9.2p1\r\n")
	silent := prListen(t, "")
	r := checktest.One(t, prProbe(t, "tcp-connect", &inspect.Spec{Params: map[string]any{"port": ssh, "banner_regex": "^SSH-2\\.0"}}, nil, nil))
	if r.Status != result.OK || r.Evidence != "SSH-2.0-OpenSSH_9.2p1" {
		t.Errorf("ssh banner: %s %q %q", r.Status, r.Message, r.Evidence)
	}
	r = checktest.One(t, prProbe(t, "tcp-connect", &inspect.Spec{Params: map[string]any{"port": ssh, "banner_regex": "^220 "}}, nil, nil))
	if r.Status != result.Crit || r.Reason != "banner" || !strings.Contains(r.Message, `server said "SSH-2.0-OpenSSH_9.2p1"`) {
		t.Errorf("wrong banner: %s %q", r.Status, r.Message)
	}
	r = checktest.One(t, prProbe(t, "tcp-connect", &inspect.Spec{Params: map[string]any{"port": silent, "banner_regex": ".", "timeout": "200ms"}}, nil, nil))
	if r.Status != result.Crit || r.Reason != "banner" || !strings.Contains(r.Message, "no greeting") {
		t.Errorf("silent server: %s %q", r.Status, r.Message)
	}
}

func TestTCPConnectTimeoutClassified(t *testing.T) {
	// A connect that hangs cannot be produced dependably on loopback (and
	// this sandbox refuses non-routable addresses at once), so the dialer's
	// own timeout error is classified directly.
	d := net.Dialer{Timeout: time.Nanosecond}
	_, err := d.Dial("tcp", "127.0.0.1:1")
	if err == nil {
		t.Fatal("dial with a 1 ns timeout did not fail")
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("dial failed without a timeout: %v", err)
	}
	reason, why, advice := classifyNetErr(&inspect.Env{}, err)
	if reason != result.ReasonTimeout || i18n.T(i18n.EN, "x", why) != "x timed out" || advice.Key == "" {
		t.Fatalf("%q %q %q", reason, why, advice)
	}
}

func TestTCPConnectBadParams(t *testing.T) {
	for _, p := range []map[string]any{{"port": 70000}, {"port": "ssh"}, {"ports": []any{22, "x"}}, {"timeout": 0, "port": 1}, {"prot": 22}} {
		if err := (tcpCheck{}).Validate(&inspect.Spec{Name: "t", Params: p}); err == nil {
			t.Errorf("%v accepted", p)
		}
	}
}
