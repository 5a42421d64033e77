package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cyhealth/hcops/pkg/result"
)

// Status symbols are ASCII: they stay one column wide in every terminal
// (the ambiguous-width ✔ ▲ ✖ take two in a Chinese Windows console), and
// with the word beside them a status reads without colour (NO_COLOR).
var statusSym = map[result.Status]string{
	result.OK:          "+",
	result.Warn:        "!",
	result.Unknown:     "?",
	result.Crit:        "X",
	result.Unreachable: "#",
}

var (
	statusStyle = map[result.Status]lipgloss.Style{
		result.OK:          lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		result.Warn:        lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		result.Unknown:     lipgloss.NewStyle().Foreground(lipgloss.Color("5")),
		result.Crit:        lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		result.Unreachable: lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true).Reverse(true),
	}
	stBold     = lipgloss.NewStyle().Bold(true)
	stDim      = lipgloss.NewStyle().Faint(true)
	stSel      = lipgloss.NewStyle().Reverse(true)
	stTab      = lipgloss.NewStyle().Bold(true).Reverse(true)
	stErr      = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	stOK       = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	stTileSel  = lipgloss.NewStyle().Foreground(lipgloss.Color("6")).Bold(true)
	sparkBlock = []rune("▁▂▃▄▅▆▇█")
	sparkASCII = []rune("_.-~=+*#")
)

// sym is a status's symbol, coloured.
func sym(s result.Status) string { return statusStyle[s].Render(statusSym[s]) }

// fit cuts s to w columns (CJK counts two) and pads it to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// fitRight right-aligns s in w columns.
func fitRight(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}

// spread puts left and right at the two ends of w columns.
func spread(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if rw >= w {
		return fit(right, w)
	}
	return fit(left, w-rw-1) + " " + right
}

// human writes a duration the way a duty screen wants it: 45s, 12m, 3h20m, 4d.
func human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 && h < 10 {
			return fmt.Sprintf("%dh%02dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// spark draws values as a sparkline of at most w columns (the latest).
func spark(vals []float64, w int, ascii bool) string {
	ramp := sparkBlock
	if ascii {
		ramp = sparkASCII
	}
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	if len(vals) == 0 {
		return ""
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if hi > lo {
			i = int((v - lo) / (hi - lo) * float64(len(ramp)-1))
		}
		b.WriteRune(ramp[i])
	}
	return b.String()
}

// box draws lines in a box w columns wide; a selected box is drawn with
// heavier lines (visible without colour).
func box(lines []string, w int, selected, ascii bool) []string {
	tl, tr, bl, br, h, v := "┌", "┐", "└", "┘", "─", "│"
	switch {
	case ascii && selected:
		tl, tr, bl, br, h, v = "#", "#", "#", "#", "=", "#"
	case ascii:
		tl, tr, bl, br, h, v = "+", "+", "+", "+", "-", "|"
	case selected:
		tl, tr, bl, br, h, v = "┏", "┓", "┗", "┛", "━", "┃"
	}
	paint := func(s string) string { return s }
	if selected {
		paint = func(s string) string { return stTileSel.Render(s) }
	}
	out := make([]string, 0, len(lines)+2)
	out = append(out, paint(tl+strings.Repeat(h, w-2)+tr))
	for _, l := range lines {
		out = append(out, paint(v)+fit(l, w-2)+paint(v))
	}
	return append(out, paint(bl+strings.Repeat(h, w-2)+br))
}
