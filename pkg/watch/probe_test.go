package watch

import (
	"context"
	"path/filepath"
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
