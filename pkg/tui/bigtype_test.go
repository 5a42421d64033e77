package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/cyhealth/hcops/pkg/result"
)

// Every glyph is bigRows high and of one width, so lines of large type line
// up; a character without a glyph is a blank of the same height.
func TestBigFontShapes(t *testing.T) {
	for r, g := range bigFont {
		for i := range bigRows {
			if len(g[i]) != len(g[0]) {
				t.Errorf("glyph %q: row %d is %d wide, row 0 is %d", r, i, len(g[i]), len(g[0]))
			}
		}
	}
	for _, s := range []string{"X1 !2 +14", "99.95%", "2h05m", "-4m", "漢字"} {
		for k := 1; k <= 2; k++ {
			lines := bigTextScaled(s, false, k)
			if len(lines) != bigRows*k {
				t.Fatalf("%q at scale %d: %d rows", s, k, len(lines))
			}
			for i, l := range lines {
				if got := ansi.StringWidth(l); got != bigWidthScaled(s, k) {
					t.Errorf("%q scale %d row %d: %d columns, bigWidthScaled says %d", s, k, i, got, bigWidthScaled(s, k))
				}
			}
		}
	}
	// "1" drawn in ASCII reads as a one: a stem in the same column.
	one := bigText("1", true)
	if strings.Join(one, "\n") != " # \n## \n # \n # \n###" {
		t.Errorf("1 in ASCII large type:\n%s", strings.Join(one, "\n"))
	}
}

// The wall screen shows the current tile's figures in large type when the
// terminal is big enough, and the ordinary tiles alone when it is not.
func TestWallSpotlight(t *testing.T) {
	f := newFixture(t)
	big := f.model(t, "en", 200, 60, func(o *Options) { o.Wall = true })
	frame := big.Frame()
	if !strings.Contains(frame, "█") {
		t.Fatalf("200x60 wall frame has no large type:\n%s", frame)
	}
	tl := big.snap.Tiles[big.tileCur]
	if !strings.Contains(frame, tl.Title) {
		t.Errorf("wall frame does not name the current tile %q", tl.Title)
	}
	// The large figure is the tile's counts, drawn row by row, twice the
	// size on a 200x60 wall screen.
	want := bigTextScaled(plainCounts(tl.Counts), false, 2)
	for _, row := range want {
		if !strings.Contains(ansi.Strip(frame), strings.TrimRight(row, " ")) {
			t.Errorf("wall frame lacks the counts row %q", row)
		}
	}
	// 80x16 leaves no room for a row of tiles under the large type.
	small := f.model(t, "en", 80, 16, func(o *Options) { o.Wall = true })
	if strings.Contains(small.Frame(), "█") {
		t.Errorf("80x16 wall frame draws large type that leaves no room for the tiles")
	}
	// After a cycle step the spotlight moves to the next tile.
	next := step(t, big, wallMsg{})
	if nt := next.snap.Tiles[next.tileCur]; nt.Title == tl.Title || !strings.Contains(next.Frame(), nt.Title) {
		t.Errorf("after a wall step the spotlight shows %q, was %q", nt.Title, tl.Title)
	}
	if plainCounts(result.Counts{}) != "-" {
		t.Errorf("no findings should be a dash")
	}
}
