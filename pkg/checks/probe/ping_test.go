package probe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// pingEval runs the ping check against asset a, as seen from site.
func pingEval(t testing.TB, a *inventory.Asset, site string, spec *inspect.Spec) result.Result {
	t.Helper()
	spec.Type = "ping"
	if spec.Name == "" {
		spec.Name = "ping"
	}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Asset: a, Thresholds: th, Now: time.Now(), Site: site}
	rs := Ping().Evaluate(context.Background(), env)
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

// Real ICMP echo to this machine's loopback addresses, IPv4 and IPv6.
func TestPingLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1", "::1"} {
		t.Run(addr, func(t *testing.T) {
			spec := &inspect.Spec{Params: map[string]any{"count": 4, "interval": "20ms", "timeout": "1s"}}
			r := pingEval(t, &inventory.Asset{Name: "lo", Kind: inventory.KindHost, Address: addr}, "", spec)
			if r.Status != result.OK || r.Item != addr || r.Value == nil || *r.Value != 0 {
				t.Fatalf("ping %s: %+v", addr, r)
			}
			for _, m := range []string{"ping.loss_pct", "ping.rtt_min_ms", "ping.rtt_avg_ms", "ping.rtt_max_ms", "ping.jitter_ms"} {
				if _, ok := checktest.Metric(r, m); !ok {
					t.Errorf("metric %s missing: %+v", m, r.Metrics)
				}
			}
			lo, _ := checktest.Metric(r, "ping.rtt_min_ms")
			avg, _ := checktest.Metric(r, "ping.rtt_avg_ms")
			hi, _ := checktest.Metric(r, "ping.rtt_max_ms")
			if lo <= 0 || lo > avg || avg > hi || hi > 1000 {
				t.Errorf("rtt min/avg/max %v/%v/%v", lo, avg, hi)
			}
			// The evidence says which socket was used and lists 4 RTTs.
			if !strings.Contains(r.Evidence, "icmp socket ") || !strings.Contains(r.Evidence, "4 sent, 4 received") {
				t.Errorf("evidence: %q", r.Evidence)
			}
			if !strings.Contains(r.Message, "0.0% loss") {
				t.Errorf("message: %q", r.Message)
			}
		})
	}
}

// An RTT threshold the loopback cannot meet makes the result WARN with
// advice; the loss thresholds stay the value.
func TestPingRTTThreshold(t *testing.T) {
	spec := &inspect.Spec{Params: map[string]any{"count": 2, "interval": "20ms", "rtt_warn": "~:0.000001"}}
	r := pingEval(t, &inventory.Asset{Name: "lo", Address: "127.0.0.1"}, "", spec)
	if r.Status != result.Warn || r.Advice == "" || !strings.Contains(r.Message, "average round-trip time") {
		t.Fatalf("%+v", r)
	}
}

// A link is pinged at its far end from the site this hcops runs at.
func TestPingLinkEnds(t *testing.T) {
	link := &inventory.Asset{Name: "line-1", Kind: inventory.KindLink, Address: "127.0.0.9",
		Link: &inventory.Link{A: inventory.LinkEnd{Site: "dc", Address: "127.0.0.2"}, B: inventory.LinkEnd{Site: "cloud", Address: "127.0.0.3"}}}
	spec := func() *inspect.Spec {
		return &inspect.Spec{Params: map[string]any{"count": 1, "timeout": "1s"}}
	}
	for _, c := range []struct{ site, want, end string }{
		{"dc", "127.0.0.3", "end b"},
		{"", "127.0.0.3", "end b"},
		{"cloud", "127.0.0.2", "end a"},
	} {
		r := pingEval(t, link, c.site, spec())
		if r.Item != c.want || r.Status != result.OK || !strings.Contains(r.Message, c.end) {
			t.Errorf("from site %q: %s %s %q", c.site, r.Item, r.Status, r.Message)
		}
	}
	// Without ends: its address, as before.
	old := &inventory.Asset{Name: "line-2", Kind: inventory.KindLink, Address: "127.0.0.4"}
	if r := pingEval(t, old, "dc", spec()); r.Item != "127.0.0.4" || r.Status != result.OK {
		t.Errorf("link without ends: %+v", r)
	}
}

func TestPingBadParams(t *testing.T) {
	for _, params := range []map[string]any{
		{"count": 0}, {"interval": "1ms"}, {"size": 8}, {"rtt_warn": "x:y"}, {"cuont": 3},
	} {
		r := pingEval(t, &inventory.Asset{Name: "lo", Address: "127.0.0.1"}, "", &inspect.Spec{Params: params})
		if r.Status != result.Unknown || r.Reason != "bad-params" {
			t.Errorf("%v: %+v", params, r)
		}
	}
	r := pingEval(t, &inventory.Asset{Name: "nowhere", Kind: inventory.KindNetworkDevice}, "", &inspect.Spec{})
	if r.Status != result.Unknown || !strings.Contains(r.Message, "nothing to ping") {
		t.Errorf("no address: %+v", r)
	}
}

// netnsPair makes two network namespaces joined by a veth pair: near
// (10.231.0.1) and far (10.231.0.2 and 10.231.0.3). In the far one,
// nftables drops 30 % of the echo requests to .2 (numgen random) and all
// of those to .3. In the near one, net.ipv4.ping_group_range admits group
// 0, so an unprivileged ICMP socket can be opened there. The kernel here
// has no sch_netem; nftables' numgen is what makes the path lossy.
func netnsPair(t *testing.T) (near string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root (to make network namespaces)")
	}
	ip := testenv.LookPath(t, "ip")
	nft := testenv.LookPath(t, "nft")
	id := fmt.Sprintf("hcops-ping-%d", os.Getpid())
	near, far := id+"-a", id+"-b"
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run(ip, "netns", "add", near)
	t.Cleanup(func() { exec.Command(ip, "netns", "del", near).Run() })
	run(ip, "netns", "add", far)
	t.Cleanup(func() { exec.Command(ip, "netns", "del", far).Run() })
	run(ip, "-n", near, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", far)
	run(ip, "-n", near, "addr", "add", "10.231.0.1/24", "dev", "va")
	run(ip, "-n", far, "addr", "add", "10.231.0.2/24", "dev", "vb")
	run(ip, "-n", far, "addr", "add", "10.231.0.3/24", "dev", "vb")
	for _, ns := range []string{near, far} {
		run(ip, "-n", ns, "link", "set", "lo", "up")
	}
	run(ip, "-n", near, "link", "set", "va", "up")
	run(ip, "-n", far, "link", "set", "vb", "up")
	rules := `table inet hcops_loss {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 10.231.0.2 icmp type echo-request numgen random mod 10 < 3 drop
    ip daddr 10.231.0.3 icmp type echo-request drop
  }
}
`
	f := t.TempDir() + "/loss.nft"
	if err := os.WriteFile(f, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	run(ip, "netns", "exec", far, nft, "-f", f)
	run(ip, "netns", "exec", near, "sh", "-c", "echo 0 0 > /proc/sys/net/ipv4/ping_group_range")
	return near
}

// inNetns runs f on an OS thread moved into network namespace ns; the
// thread is never handed back to the scheduler (it ends with f's
// goroutine), so no other goroutine runs in ns.
func inNetns(t *testing.T, ns string, f func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			done <- err
			return
		}
		defer fd.Close()
		if err := unix.Setns(int(fd.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		f()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Loss over a path that drops 30 % of the echo requests (nftables numgen
// in a namespace the test makes), and 100 % loss to an address whose every
// request is dropped: that one is UNREACHABLE, what availability counts as
// down.
func TestPingLossyPath(t *testing.T) {
	near := netnsPair(t)
	var lossy, dead result.Result
	inNetns(t, near, func() {
		lossy = pingEval(t, &inventory.Asset{Name: "lossy", Kind: inventory.KindLink, Address: "10.231.0.2"}, "",
			&inspect.Spec{Params: map[string]any{"count": 100, "interval": "10ms", "timeout": "1s"}})
		dead = pingEval(t, &inventory.Asset{Name: "dead", Kind: inventory.KindLink, Address: "10.231.0.3"}, "",
			&inspect.Spec{Params: map[string]any{"count": 5, "interval": "20ms", "timeout": "500ms"}})
	})
	// Binomial(100, 0.3): the band 10–55 % is more than four standard
	// deviations either side.
	if lossy.Value == nil || *lossy.Value < 10 || *lossy.Value > 55 {
		t.Fatalf("lossy path: loss %v, want 10–55 %%: %+v", checktest.Deref(lossy.Value), lossy)
	}
	if lossy.Status != result.Crit || lossy.Advice == "" {
		t.Errorf("30 %% loss is above the default crit ~:20: %+v", lossy)
	}
	t.Logf("lossy path: %.0f %% loss; %s", *lossy.Value, lossy.Message)
	// In the near namespace ping_group_range admits root's group: the
	// unprivileged socket is used.
	if !strings.Contains(lossy.Evidence, "icmp socket unprivileged") {
		t.Errorf("want the unprivileged socket in the namespace: %q", lossy.Evidence)
	}
	if dead.Status != result.Unreachable || dead.Reason != "no-reply" || dead.Value == nil || *dead.Value != 100 {
		t.Errorf("dead address: %+v", dead)
	}
	if !strings.Contains(dead.Message, "no reply to 5 ICMP echo requests") {
		t.Errorf("dead address message: %q", dead.Message)
	}
}

// Outside the namespace this machine's ping_group_range leaves root out
// (Debian's default "1 0"): hcops falls back to a raw socket and says so.
func TestPingFallsBackToRaw(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil || strings.TrimSpace(string(b)) != "1\t0" || os.Geteuid() != 0 {
		t.Skipf("needs root and ping_group_range \"1 0\" (have %q)", strings.TrimSpace(string(b)))
	}
	r := pingEval(t, &inventory.Asset{Name: "lo", Address: "127.0.0.1"}, "", &inspect.Spec{Params: map[string]any{"count": 1}})
	if !strings.Contains(r.Evidence, "icmp socket raw") || !strings.Contains(r.Evidence, "unprivileged socket refused") {
		t.Errorf("evidence: %q", r.Evidence)
	}
}

// zh: the message and advice are Chinese.
func TestPingChinese(t *testing.T) {
	spec := &inspect.Spec{Params: map[string]any{"count": 1}}
	spec.Type, spec.Name = "ping", "ping"
	env := &inspect.Env{Spec: spec, Asset: &inventory.Asset{Name: "lo", Address: "127.0.0.1"}, Now: time.Now(), Lang: "zh"}
	rs := Ping().Evaluate(context.Background(), env)
	checktest.WantChinese(t, rs)
}
