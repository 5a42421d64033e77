package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
)

// `hcops inspect` over the example site (the daily set of playbooks, what
// the daily-inspection job runs) leaves no asset unchecked: switches,
// firewalls, links, the NAS, the appliance, middleware, databases,
// applications and the Windows ECG server get results as the Linux hosts
// do. Only cloud services reached by nothing (transport: none, no address)
// have none. The example's addresses are documentation ranges: the
// devices are UNREACHABLE, which is a result (and is what the monthly
// availability counts as down).
func TestInspectExampleSiteChecksEveryAsset(t *testing.T) {
	if os.Geteuid() != 0 {
		// ping needs a raw socket here (ping_group_range leaves users out)
		testenv.Missing(t, "root, for raw ICMP sockets")
	}
	// The example exactly as shipped: its key_file ~/.ssh/hcops_ed25519 is
	// found under $HOME, where this test makes one.
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.Mkdir(filepath.Join(home, ".ssh"), 0o700)
	testenv.WriteClientKey(t, filepath.Join(home, ".ssh", "hcops_ed25519"), "")
	os.WriteFile(filepath.Join(home, "known_hosts"), nil, 0o600)
	site, err := filepath.Abs(filepath.Join("..", "..", "examples", "site"))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(site)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ios, _, out, errOut := iostreams.Test()
	root := newRootCmd(ios)
	root.SetArgs([]string{"--inventory", site, "--lang", "en", "-o", "json", "inspect", "--no-store",
		"--known-hosts", filepath.Join(home, "known_hosts"), "--connect-timeout", "1s", "--host-timeout", "15s"})
	runErr := root.ExecuteContext(ctx)
	if code := exitCode(runErr); code != 2 && code != 3 {
		t.Fatalf("exit %d (%v), want 2 or 3 (unreachable documentation addresses)\n%s", code, runErr, errOut.String())
	}
	var run result.Run
	if err := json.Unmarshal(out.Bytes(), &run); err != nil {
		t.Fatalf("json: %v (run: %v)\n%s\n%s", err, runErr, out.String(), errOut.String())
	}
	for _, want := range dailyPlaybooks {
		if !strings.Contains(strings.Join(run.Playbooks, " "), want) {
			t.Errorf("run playbooks %v lack %s", run.Playbooks, want)
		}
	}
	types := map[string]map[string]bool{}
	for _, r := range run.Results {
		if types[r.Asset] == nil {
			types[r.Asset] = map[string]bool{}
		}
		types[r.Asset][r.Type] = true
	}
	for _, a := range inv.Assets {
		if a.Connection.Transport == inventory.TransportNone && a.Address == "" {
			if len(types[a.Name]) != 0 {
				t.Errorf("%s (nothing to reach it by) has results %v", a.Name, types[a.Name])
			}
			continue
		}
		if len(types[a.Name]) == 0 {
			t.Errorf("%s (%s) has no result", a.Name, a.Kind)
			continue
		}
		switch {
		case a.Kind == inventory.KindNetworkDevice, a.Kind == inventory.KindSecurityDevice, a.Kind == inventory.KindLink,
			a.Kind == inventory.KindStorage, a.OS.Family == "windows":
			if !types[a.Name]["ping"] {
				t.Errorf("%s (%s) was not pinged: %v", a.Name, a.Kind, types[a.Name])
			}
		case a.Kind == inventory.KindMiddleware, a.Kind == inventory.KindDatabase, a.Kind == inventory.KindApplication:
			if !types[a.Name]["tcp-connect"] {
				t.Errorf("%s (%s): its service port was not checked: %v", a.Name, a.Kind, types[a.Name])
			}
		}
	}
	// A link with ends is pinged at its far end (end b from an unset site).
	for _, r := range run.Results {
		if r.Asset == "line-dc-01" && r.Item != "192.0.2.253" {
			t.Errorf("line-dc-01 pinged at %s, want its far end 192.0.2.253", r.Item)
		}
	}

	// One device alone is inspected too: not "nothing to inspect".
	ios, _, out, errOut = iostreams.Test()
	root = newRootCmd(ios)
	root.SetArgs([]string{"--inventory", site, "--lang", "en", "inspect", "--no-store", "core-sw-01", "line-dc-02"})
	err = root.ExecuteContext(ctx)
	if strings.Contains(errOut.String()+out.String(), "nothing to inspect") || err != nil && strings.Contains(err.Error(), "nothing to inspect") {
		t.Errorf("a switch and a line alone: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "core-sw-01") || !strings.Contains(out.String(), "line-dc-02") {
		t.Errorf("want both assets in the findings:\n%s", out.String())
	}
	// With a host playbook chosen, the refusal says which playbook checks
	// a switch.
	ios, _, _, _ = iostreams.Test()
	root = newRootCmd(ios)
	root.SetArgs([]string{"--inventory", site, "--lang", "en", "inspect", "--no-store", "-p", "linux-daily", "core-sw-01"})
	if err := root.ExecuteContext(ctx); err == nil || !strings.Contains(err.Error(), "nothing to inspect") || !strings.Contains(err.Error(), "network-daily") {
		t.Errorf("linux-daily on a switch: %v", err)
	}
}

// The location setting (config location:, HCOPS_LOCATION) says which end
// of a link this hcops runs at: the link is pinged at the other end.
func TestInspectLinkFromLocation(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, for raw ICMP sockets")
	}
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.yaml")
	os.WriteFile(inv, []byte(`assets:
  - name: line-1
    kind: link
    link:
      a: {site: dc, address: 127.0.0.2}
      b: {site: cloud, address: 127.0.0.3}
`), 0o600)
	cfg, none := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "none.yaml")
	os.WriteFile(cfg, []byte("location: cloud\n"), 0o600)
	os.WriteFile(none, []byte("lang: en\n"), 0o600)
	item := func(env string, args ...string) string {
		t.Helper()
		t.Setenv("HCOPS_LOCATION", env)
		if env == "" {
			os.Unsetenv("HCOPS_LOCATION")
		}
		ios, _, out, errOut := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs(append(append([]string{"--inventory", inv, "-o", "json"}, args...), "inspect", "--no-store", "-p", "network-daily"))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v\n%s", err, errOut.String())
		}
		var run result.Run
		if err := json.Unmarshal(out.Bytes(), &run); err != nil || len(run.Results) != 1 {
			t.Fatalf("%v %s", err, out.String())
		}
		return run.Results[0].Item
	}
	if got := item("", "--config", none); got != "127.0.0.3" {
		t.Errorf("no location: pinged %s, want end b 127.0.0.3", got)
	}
	if got := item("", "--config", cfg); got != "127.0.0.2" {
		t.Errorf("location: cloud in the config: pinged %s, want end a 127.0.0.2", got)
	}
	if got := item("dc", "--config", cfg); got != "127.0.0.3" {
		t.Errorf("HCOPS_LOCATION=dc over the config: pinged %s, want end b 127.0.0.3", got)
	}
}

// inventory show lists a link's ends.
func TestInventoryShowLinkEnds(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	root := newRootCmd(ios)
	root.SetArgs([]string{"--inventory", filepath.Join("..", "..", "examples", "site"), "inventory", "show", "line-dc-01"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"link.a.site\t本地数据中心", "link.a.address\t198.51.100.253", "link.b.site\t健康云", "link.b.address\t192.0.2.253"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}
