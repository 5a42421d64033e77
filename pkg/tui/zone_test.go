package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// hcops tui --zone: every screen shows the zone's assets, their alerts
// and tickets only, and the header says which zone.
func TestZoneNarrowsEveryScreen(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		zone            string
		assets          []string
		alerts, tickets int
		tiles           []string
	}{
		{"", []string{"his-app-01", "pacs-app-01", "pacs-db-01", "web-01"}, 1, 1, []string{"his", "internet", "intranet", "pacs"}},
		{"intranet", []string{"his-app-01", "pacs-app-01", "pacs-db-01"}, 1, 1, []string{"his", "intranet", "pacs"}},
		{"internet", []string{"web-01"}, 0, 0, []string{"his", "internet"}},
	} {
		m := f.model(t, "zh", 120, 32, func(o *Options) { o.Zone = c.zone })
		var assets, tiles []string
		for _, a := range m.snap.Assets {
			assets = append(assets, a.Name)
		}
		for _, tl := range m.snap.Tiles {
			tiles = append(tiles, tl.Key)
		}
		slices.Sort(assets)
		slices.Sort(tiles)
		if !slices.Equal(assets, c.assets) || len(m.snap.Alerts) != c.alerts || len(m.snap.Tickets) != c.tickets || !slices.Equal(tiles, c.tiles) {
			t.Errorf("zone %q: assets %v alerts %d tickets %d tiles %v, want %v %d %d %v",
				c.zone, assets, len(m.snap.Alerts), len(m.snap.Tickets), tiles, c.assets, c.alerts, c.tickets, c.tiles)
		}
		for name, keys := range map[string][]string{"overview": nil, "assets": {"2"}, "work": {"3"}} {
			frame := ansi.Strip(press(t, m, keys...).Frame())
			if c.zone != "" && !strings.Contains(frame, "区域："+c.zone) {
				t.Errorf("zone %q %s: the header does not say the zone:\n%s", c.zone, name, frame)
			}
			if c.zone == "internet" && (strings.Contains(frame, "pacs-db-01") || strings.Contains(frame, "PACS 影像存储")) {
				t.Errorf("zone internet %s shows the intranet's asset or ticket:\n%s", name, frame)
			}
		}
	}
	// The assets screen's selector filters within the zone.
	m := f.model(t, "en", 120, 32, func(o *Options) { o.Zone = "intranet" })
	m = typeText(t, press(t, m, "2", "/"), "system=his")
	m = press(t, m, "enter")
	if frame := ansi.Strip(m.Frame()); !strings.Contains(frame, "his-app-01") || strings.Contains(frame, "web-01") {
		t.Errorf("zone intranet, selector system=his:\n%s", frame)
	}
}
