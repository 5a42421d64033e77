package iostreams

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Table collects rows and prints them as a drawn table on a TTY, or as
// tab-separated lines (header first) when stdout is piped, so scripts can cut
// and awk it.
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
	for _, r := range t.rows {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	return tbl.Render()
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
