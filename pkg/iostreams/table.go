package iostreams

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"
)

// Table collects rows and prints them as a drawn table on a TTY, or as
// tab-separated lines (header first) when stdout is piped, so scripts can cut
// and awk it. On a terminal of known width the drawn table fits it: the
// widest columns (a finding's message, as a rule) are wrapped, never cut,
// unless SetWide asked for whole cells.
type Table struct {
	io     *IOStreams
	header []string
	rows   [][]string
}

// NewTable starts a table with the given column headings.
func (s *IOStreams) NewTable(header ...string) *Table {
	return &Table{io: s, header: header}
}

// Row adds a row; cells are sanitised of control characters.
func (t *Table) Row(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = Sanitize(c)
	}
	t.rows = append(t.rows, row)
}

// Len is the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table to stdout.
func (t *Table) Render() error {
	if !t.io.IsStdoutTTY() {
		return t.renderTSV(t.io.Out)
	}
	tbl := tablewriter.NewTable(t.io.Out,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	hdr := make([]any, len(t.header))
	for i, h := range t.header {
		hdr[i] = h
	}
	tbl.Header(hdr...)
	rows := t.rows
	if w := t.io.TerminalWidth(); w > 0 && !t.io.wide {
		rows = fitRows(t.header, t.rows, w)
	}
	for _, r := range rows {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// minColumn is the narrowest a wrapped column gets: below it a message is
// one word a line and no longer readable.
const minColumn = 12

// fitRows wraps cells so the drawn table is at most width columns wide:
// it narrows the widest column until the table fits or every column is at
// minColumn (then the terminal wraps; --wide or -o json give whole cells).
// Text is wrapped at spaces where it can, inside a word (a path, Chinese
// text) where it must; nothing is dropped.
func fitRows(header []string, rows [][]string, width int) [][]string {
	n := len(header)
	for _, r := range rows {
		n = max(n, len(r))
	}
	if n == 0 {
		return rows
	}
	natural := make([]int, n)
	measure := func(i int, cell string) {
		for _, line := range strings.Split(cell, "\n") {
			natural[i] = max(natural[i], twwidth.Width(line))
		}
	}
	for i, h := range header {
		measure(i, h)
	}
	for _, r := range rows {
		for i, c := range r {
			measure(i, c)
		}
	}
	// "│ a │ b │": a border before each column, one after the last, and a
	// space of padding on each side of every cell.
	budget := width - (3*n + 1)
	limit := slices.Clone(natural)
	total := 0
	for _, w := range limit {
		total += w
	}
	for total > budget {
		widest := 0
		for i := range limit {
			if limit[i] > limit[widest] {
				widest = i
			}
		}
		// Narrow the widest down to the next widest (or as far as needed).
		next := minColumn
		for i, w := range limit {
			if i != widest && w < limit[widest] && w > next {
				next = w
			}
		}
		target := max(next, limit[widest]-(total-budget), minColumn)
		if target >= limit[widest] {
			break
		}
		total -= limit[widest] - target
		limit[widest] = target
	}
	out := make([][]string, len(rows))
	for ri, r := range rows {
		row := slices.Clone(r)
		for i, c := range row {
			if limit[i] < natural[i] {
				row[i] = wrapCell(c, limit[i])
			}
		}
		out[ri] = row
	}
	return out
}

// wrapCell breaks text into lines of at most width display columns, at a
// space when the line has one, else between characters.
func wrapCell(text string, width int) string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		for twwidth.Width(para) > width {
			cut, used, lastSpace := 0, 0, -1
			for i, r := range para {
				rw := twwidth.Width(string(r))
				if used+rw > width {
					break
				}
				used += rw
				cut = i + len(string(r))
				if r == ' ' {
					lastSpace = i
				}
			}
			if cut == 0 { // a character wider than the column
				_, size := utf8.DecodeRuneInString(para)
				cut = size
			}
			if lastSpace > 0 && cut < len(para) && para[cut] != ' ' {
				lines = append(lines, para[:lastSpace])
				para = para[lastSpace+1:]
				continue
			}
			lines = append(lines, strings.TrimRight(para[:cut], " "))
			para = strings.TrimLeft(para[cut:], " ")
		}
		lines = append(lines, para)
	}
	return strings.Join(lines, "\n")
}

// tsvCell keeps a cell on one line and in one column (built once: a
// 5,000-row list must not build 35,000 replacers).
var tsvCell = strings.NewReplacer("\t", " ", "\n", " ")

func (t *Table) renderTSV(out io.Writer) error {
	// Buffered: one write per row would be thousands of system calls.
	w := bufio.NewWriter(out)
	if _, err := fmt.Fprintln(w, strings.Join(t.header, "\t")); err != nil {
		return err
	}
	for _, r := range t.rows {
		for i := range r {
			r[i] = tsvCell.Replace(r[i])
		}
		if _, err := fmt.Fprintln(w, strings.Join(r, "\t")); err != nil {
			return err
		}
	}
	return w.Flush()
}
