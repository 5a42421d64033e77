package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cyhealth/hcops/pkg/result"
)

// Large type for the duty-room screen (--wall): the figures a person reads
// from across the room — the status counts, the availability, the nearest
// SLA deadline — drawn five rows high in block characters. Only ASCII
// figures and the status symbols have glyphs: a system's name, in Chinese
// or English, stays in ordinary bold text beside them, and a character
// without a glyph is drawn as a blank.

// bigRows is the height of a glyph.
const bigRows = 5

// bigFont maps a character to its rows: '#' is ink, anything else blank.
// Every row of a glyph has the same width.
var bigFont = map[rune][bigRows]string{
	'0': {"####", "#..#", "#..#", "#..#", "####"},
	'1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"####", "...#", "####", "#...", "####"},
	'3': {"####", "...#", ".###", "...#", "####"},
	'4': {"#..#", "#..#", "####", "...#", "...#"},
	'5': {"####", "#...", "####", "...#", "####"},
	'6': {"####", "#...", "####", "#..#", "####"},
	'7': {"####", "...#", "..#.", ".#..", ".#.."},
	'8': {"####", "#..#", "####", "#..#", "####"},
	'9': {"####", "#..#", "####", "...#", "####"},
	'.': {"..", "..", "..", "..", "#."},
	':': {"..", "#.", "..", "#.", ".."},
	'%': {"#..#", "..#.", ".#..", "#...", "#..#"},
	'/': {"...#", "..#.", ".#..", "#...", "#..."},
	'-': {"...", "...", "###", "...", "..."},
	'+': {"...", ".#.", "###", ".#.", "..."},
	'!': {"#", "#", "#", ".", "#"},
	'?': {"###", "..#", ".##", "...", ".#."},
	'X': {"#...#", ".#.#.", "..#..", ".#.#.", "#...#"},
	'#': {".#.#.", "#####", ".#.#.", "#####", ".#.#."},
	'd': {"...#", "...#", "####", "#..#", "####"},
	'h': {"#...", "#...", "####", "#..#", "#..#"},
	'm': {".....", ".....", "#####", "#.#.#", "#.#.#"},
	's': {"...", ".##", "#..", "..#", "##."},
	' ': {"..", "..", "..", "..", ".."},
}

// bigWidth is the width in columns of s in large type, a blank column
// between glyphs included.
func bigWidth(s string) int { return bigWidthScaled(s, 1) }

// bigText draws s in large type at scale 1.
func bigText(s string, ascii bool) []string { return bigTextScaled(s, ascii, 1) }

// bigWidthScaled is bigWidth at scale k (every dot k columns wide).
func bigWidthScaled(s string, k int) int {
	w := 0
	for i, r := range s {
		g, ok := bigFont[r]
		if !ok {
			g = bigFont[' ']
		}
		if i > 0 {
			w++
		}
		w += len(g[0])
	}
	return w * k
}

// bigTextScaled draws s in large type: bigRows*k lines of
// bigWidthScaled(s, k) columns, ink drawn with "█" (or "#" where box
// characters are not wanted); at scale k every dot is k columns by k rows.
func bigTextScaled(s string, ascii bool, k int) []string {
	ink, blank := strings.Repeat("█", k), strings.Repeat(" ", k)
	if ascii {
		ink = strings.Repeat("#", k)
	}
	var rows [bigRows]strings.Builder
	first := true
	for _, r := range s {
		g, ok := bigFont[r]
		if !ok {
			g = bigFont[' ']
		}
		for i := range bigRows {
			if !first {
				rows[i].WriteString(blank)
			}
			for _, c := range g[i] {
				if c == '#' {
					rows[i].WriteString(ink)
				} else {
					rows[i].WriteString(blank)
				}
			}
		}
		first = false
	}
	out := make([]string, 0, bigRows*k)
	for i := range rows {
		for range k {
			out = append(out, rows[i].String())
		}
	}
	return out
}

// spotlightLines is the wall screen's panel for tile t: its title, then its
// status counts, availability and nearest SLA deadline in large type side
// by side, each with a label beneath. Figures that do not fit the width
// are left out, least important last; nil when not even the counts fit
// (the ordinary tiles then carry the screen).
func (m Model) spotlightLines(t tile, w int) []string {
	type figure struct {
		text, label string
		worst       bool // drawn in the tile's status colour
		bad         bool // drawn as an error
	}
	var figs []figure
	if t.Seen {
		figs = append(figs, figure{text: plainCounts(t.Counts), label: m.badge(t.Worst), worst: true})
	} else {
		figs = append(figs, figure{text: "-", label: stDim.Render(m.t("tui.never"))})
	}
	switch {
	case t.AvailKnown:
		label := m.t("tui.avail", t.Avail)
		if t.Target > 0 {
			label = m.t("tui.avail_target", t.Avail, t.Target)
		}
		figs = append(figs, figure{text: strings.TrimRight(strings.TrimRight(fmtAvail(t.Avail), "0"), ".") + "%", label: label, bad: t.Target > 0 && t.Avail < t.Target})
	case t.Target > 0:
		figs = append(figs, figure{text: "-", label: m.t("tui.avail_none", t.Target)})
	}
	if t.HasNearest {
		if t.Nearest < 0 {
			figs = append(figs, figure{text: "-" + human(t.Nearest), label: m.t("tui.sla_over", human(t.Nearest)), bad: true})
		} else {
			figs = append(figs, figure{text: human(t.Nearest), label: m.t("tui.sla_left", human(t.Nearest))})
		}
	}
	const gap = 6
	inner := w - 4
	// Twice the size on a wall screen with room for it and the tiles.
	k := 1
	if w >= 160 && m.height >= 50 {
		k = 2
	}
	var cols [][]string
	var widths []int
	used := 0
	for _, f := range figs {
		big := bigTextScaled(f.text, m.opt.ASCII, k)
		fw := max(bigWidthScaled(f.text, k), ansiWidth(f.label))
		need := fw
		if len(cols) > 0 {
			need += gap
		}
		if used+need > inner {
			break
		}
		used += need
		st := stBold
		switch {
		case f.worst:
			st = statusStyle[t.Worst]
		case f.bad:
			st = stErr
		}
		col := make([]string, 0, bigRows*k+1)
		for _, l := range big {
			col = append(col, st.Render(fit(l, fw)))
		}
		col = append(col, fit(f.label, fw))
		cols = append(cols, col)
		widths = append(widths, fw)
	}
	if len(cols) == 0 {
		return nil
	}
	title := t.Title
	if t.Zone {
		title = m.t("tui.zone", t.Title)
	}
	lines := []string{spread(stBold.Render(title), stDim.Render(m.age(t.LastSeen)), inner), ""}
	for r := 0; r <= bigRows*k; r++ {
		if r == bigRows*k {
			lines = append(lines, "")
		}
		var b strings.Builder
		for i, col := range cols {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			b.WriteString(fit(col[r], widths[i]))
		}
		lines = append(lines, b.String())
	}
	lines = append(lines, m.t("tui.alerts_tickets", t.Alerts, t.Tickets))
	// Padded by a column on each side inside the box.
	for i, l := range lines {
		lines[i] = " " + fit(l, inner)
	}
	return box(lines, w, true, m.opt.ASCII)
}

// plainCounts is counts without colour: the large-type figure.
func plainCounts(c result.Counts) string {
	var parts []string
	for _, p := range []struct {
		s result.Status
		n int
	}{{result.Unreachable, c.Unreachable}, {result.Crit, c.Crit}, {result.Unknown, c.Unknown}, {result.Warn, c.Warn}, {result.OK, c.OK}} {
		if p.n > 0 {
			parts = append(parts, statusSym[p.s]+strconv.Itoa(p.n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func fmtAvail(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func ansiWidth(s string) int { return ansi.StringWidth(s) }
