package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

// Jitter is the mean absolute difference of consecutive RTTs.
func TestRTTSummary(t *testing.T) {
	ms := time.Millisecond
	lo, avg, hi, j := rttSummary([]time.Duration{10 * ms, 14 * ms, 12 * ms, 12 * ms})
	if lo != 10*ms || hi != 14*ms || avg != 12*ms || j != 2*ms { // (4 + 2 + 0) / 3
		t.Errorf("min %s avg %s max %s jitter %s", lo, avg, hi, j)
	}
	if _, _, _, j := rttSummary([]time.Duration{5 * ms}); j != 0 {
		t.Errorf("one reply: jitter %s", j)
	}
	if lo, avg, hi, j := rttSummary(nil); lo+avg+hi+j != 0 {
		t.Errorf("no reply: %s %s %s %s", lo, avg, hi, j)
	}
}

// A name that does not resolve is an error, not 100 % loss.
func TestPingUnresolvable(t *testing.T) {
	_, err := Ping(context.Background(), "no-such-host.invalid", PingOptions{Count: 1})
	var dns *net.DNSError
	if err == nil || !errors.As(err, &dns) {
		t.Errorf("want a DNS error, got %v", err)
	}
}

// pingHelperEnv makes the test binary ping loopback and print the outcome
// (TestPingHelperProcess), for TestPingWithoutPermission.
const pingHelperEnv = "HCOPS_TEST_PING_HELPER"

func TestPingHelperProcess(t *testing.T) {
	if os.Getenv(pingHelperEnv) == "" {
		t.Skip("helper process of TestPingWithoutPermission")
	}
	st, err := Ping(context.Background(), "127.0.0.1", PingOptions{Count: 1, Timeout: time.Second})
	var perm *ICMPPermissionError
	switch {
	case errors.As(err, &perm):
		fmt.Println("PERMISSION:", err)
	case err != nil:
		fmt.Println("ERROR:", err)
	default:
		fmt.Println("MODE:", st.Mode)
	}
}

// A user outside net.ipv4.ping_group_range and without CAP_NET_RAW can open
// neither ICMP socket: Ping says so with both reasons and the remedy, it
// does not report the host as down. The test binary runs itself as nobody.
func TestPingWithoutPermission(t *testing.T) {
	cmd, _ := testenv.NobodyWithoutICMP(t, "TestPingHelperProcess")
	cmd.Env = append(os.Environ(), pingHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PERMISSION: cannot open an ICMP socket: unprivileged: ") || !strings.Contains(string(out), "raw: ") ||
		!strings.Contains(string(out), "ping_group_range") {
		t.Errorf("as nobody:\n%s", out)
	}
}
