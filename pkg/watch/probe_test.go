package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// A round of probes: a real sshd is up, a listener that accepts but never
// sends a banner (a hung sshd) and a closed port are down with their
// reasons; the round is counted per hour, and only what is down or changed
// is stored as results.
func TestProbeRound(t *testing.T) {
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	hung := testenv.StartHungListener(t)
	closed := testenv.FreePort(t)
	host := func(name string, port int) *inventory.Asset {
		a := &inventory.Asset{Name: name, Kind: inventory.KindHost, Address: "127.0.0.1"}
		a.Connection.Port = port
		return a
	}
	assets := []*inventory.Asset{host("up-01", sshd.Port), host("hung-01", hung.Port), host("down-01", closed)}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &Prober{Store: db, Timeout: 2 * time.Second, Assets: func() []*inventory.Asset { return assets }}
	now := time.Now()
	for i := 0; i < 2; i++ {
		if err := p.Round(context.Background(), now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string][]string{}
	db.EachResult(context.Background(), store.ResultFilter{Kind: result.KindProbe}, func(r *store.StoredResult) error {
		got[r.Asset] = append(got[r.Asset], r.Status.String()+"/"+r.Reason)
		return nil
	})
	// up-01 stored once (first round), the down ones every round.
	if len(got["up-01"]) != 1 || got["up-01"][0] != "OK/" || len(got["hung-01"]) != 2 || got["hung-01"][0] != "UNREACHABLE/no-banner" ||
		len(got["down-01"]) != 2 || got["down-01"][0] != "UNREACHABLE/refused" {
		t.Errorf("stored: %v", got)
	}
	hours, _ := db.Availability(context.Background(), now.Add(-time.Hour), now.Add(time.Hour))
	counts := map[string][2]int{}
	for _, h := range hours {
		c := counts[h.Asset]
		counts[h.Asset] = [2]int{c[0] + h.Samples, c[1] + h.Down}
	}
	if counts["up-01"] != [2]int{2, 0} || counts["hung-01"] != [2]int{2, 2} || counts["down-01"] != [2]int{2, 2} {
		t.Errorf("counts: %v", counts)
	}
}

// Links and assets nothing logs in to are probed by ICMP echo (real
// pings): a link at its far end from the prober's site, a switch
// (transport none) at its address, and a documentation address nothing
// answers is down with reason no-reply (or network, where no route leads
// there). A host with transport none is pinged, not probed on SSH.
func TestProbeRoundPing(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, for raw ICMP sockets")
	}
	none := inventory.Connection{Transport: inventory.TransportNone, Port: 22}
	assets := []*inventory.Asset{
		{Name: "line-1", Kind: inventory.KindLink, Address: "127.0.0.9",
			Link: &inventory.Link{A: inventory.LinkEnd{Site: "dc", Address: "127.0.0.2"}, B: inventory.LinkEnd{Site: "cloud", Address: "127.0.0.3"}}},
		{Name: "sw-1", Kind: inventory.KindNetworkDevice, Address: "127.0.0.1", Connection: none},
		{Name: "win-1", Kind: inventory.KindHost, Address: "127.0.0.4", Connection: none},
		{Name: "sw-dead", Kind: inventory.KindNetworkDevice, Address: "203.0.113.254", Connection: none},
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &Prober{Store: db, Timeout: 2 * time.Second, Site: "cloud", Assets: func() []*inventory.Asset { return assets }}
	now := time.Now()
	for i := 0; i < 2; i++ {
		if err := p.Round(context.Background(), now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string][]string{}
	msg := map[string]string{}
	db.EachResult(context.Background(), store.ResultFilter{Kind: result.KindProbe}, func(r *store.StoredResult) error {
		got[r.Asset] = append(got[r.Asset], r.Type+"/"+r.Status.String()+"/"+r.Reason)
		msg[r.Asset] = r.Message
		return nil
	})
	for _, up := range []string{"line-1", "sw-1", "win-1"} {
		if len(got[up]) != 1 || got[up][0] != "ping/OK/" {
			t.Errorf("%s: stored %v, want one OK ping", up, got[up])
		}
	}
	// From site cloud (end b) the link is pinged at end a.
	if !strings.Contains(msg["line-1"], "127.0.0.2") {
		t.Errorf("link probed at %q, want its end a 127.0.0.2", msg["line-1"])
	}
	if d := got["sw-dead"]; len(d) != 2 || (d[0] != "ping/UNREACHABLE/no-reply" && d[0] != "ping/UNREACHABLE/network") {
		t.Errorf("sw-dead: %v", d)
	}
	hours, _ := db.Availability(context.Background(), now.Add(-time.Hour), now.Add(time.Hour))
	counts := map[string][2]int{}
	for _, h := range hours {
		c := counts[h.Asset]
		counts[h.Asset] = [2]int{c[0] + h.Samples, c[1] + h.Down}
	}
	if counts["line-1"] != [2]int{2, 0} || counts["sw-dead"] != [2]int{2, 2} {
		t.Errorf("counts: %v", counts)
	}
}

// probeHelperEnv makes the test binary run one probe round
// (TestProbeRoundHelper), for TestProbeRoundWithoutICMP.
const probeHelperEnv = "HCOPS_TEST_PROBE_HELPER"

func TestProbeRoundHelper(t *testing.T) {
	dbPath := os.Getenv(probeHelperEnv)
	if dbPath == "" {
		t.Skip("helper process of TestProbeRoundWithoutICMP")
	}
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	assets := []*inventory.Asset{{Name: "line-1", Kind: inventory.KindLink, Address: "127.0.0.1"}}
	p := &Prober{Store: db, Timeout: time.Second, Assets: func() []*inventory.Asset { return assets }}
	err = p.Round(context.Background(), time.Now())
	fmt.Println("ROUND:", err)
}

// A watcher that may open no ICMP socket (a user outside ping_group_range,
// without CAP_NET_RAW) does not count its links down: the round says why
// and stores no sample, so no outage is invented. The test binary runs the
// round as nobody.
func TestProbeRoundWithoutICMP(t *testing.T) {
	cmd, dir := testenv.NobodyWithoutICMP(t, "TestProbeRoundHelper")
	dbPath := filepath.Join(dir, "h.db")
	cmd.Env = append(os.Environ(), probeHelperEnv+"="+dbPath, "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ROUND: cannot open an ICMP socket") {
		t.Errorf("round as nobody:\n%s", out)
	}
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hours, _ := db.Availability(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if len(hours) != 0 {
		t.Errorf("samples stored for an unmeasured link: %+v", hours)
	}
}
