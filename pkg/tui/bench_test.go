package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cyhealth/hcops/pkg/result"
)

// benchModel is the assets screen over n assets at w×h.
func benchModel(n, w, h int) Model {
	s := &snapshot{At: fixedNow}
	for i := range n {
		r := assetRow{Name: fmt.Sprintf("host-%05d", i), System: []string{"pacs", "his", "区域影像PACS", "lis"}[i%4],
			Zone: []string{"intranet", "internet"}[i%2], Address: fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256),
			Worst: result.Status(i % 5), Seen: true, LastSeen: fixedNow.Add(-time.Duration(i) * time.Minute)}
		r.Counts = result.Counts{OK: 12, Warn: i % 3, Crit: i % 2}
		r.search = r.Name + " " + r.System + " " + r.Zone
		s.Assets = append(s.Assets, r)
	}
	m := New(context.Background(), Deps{}, Options{Lang: "zh", Now: func() time.Time { return fixedNow }})
	nm, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	nm, _ = nm.(Model).Update(snapshotMsg{s})
	m = nm.(Model)
	m.screen, m.cur = scrAssets, n/2
	return m
}

// BenchmarkAssetsFrame draws one frame of the assets screen with 5,000
// assets (the goal: under 16 ms).
func BenchmarkAssetsFrame(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			m := benchModel(5000, sz.w, sz.h)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkAssetsFilterSort re-filters and re-sorts 5,000 assets, what a
// key typed into the filter or a refresh costs before the frame.
func BenchmarkAssetsFilterSort(b *testing.B) {
	m := benchModel(5000, 200, 60)
	m.filter.SetValue("pacs intranet")
	b.ReportAllocs()
	for b.Loop() {
		m.applyRows()
	}
}
