package iostreams

import (
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// On a terminal the drawn table fits its width: the long message column is
// wrapped, nothing of it is lost; --wide keeps whole cells; piped output
// stays one line a row.
func TestTableFitsTerminal(t *testing.T) {
	msg := "filesystem /data/pacs/archive is 96% full (1.8 TiB of 1.9 TiB); 磁盘空间不足，请清理或扩容 — clean up old studies or grow the volume before the nightly import"
	render := func(width int, wide, tty bool) string {
		ios, _, out, _ := Test()
		ios.SetTTY(tty, false)
		ios.SetTerminalWidth(width)
		ios.SetWide(wide)
		tb := ios.NewTable("STATUS", "ASSET", "CHECK", "MESSAGE")
		tb.Row("CRIT", "pacs-db-01", "disk /data/pacs/archive", msg)
		tb.Row("WARN", "web-01", "load", "load 7.2")
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	words := strings.Fields(strings.ReplaceAll(msg, "，", " "))
	for _, width := range []int{100, 80, 60} {
		out := render(width, false, true)
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if w := twwidth.Width(line); w > width {
				t.Errorf("width %d: line of %d columns: %q", width, w, line)
			}
		}
		joined := strings.Join(strings.Fields(strings.NewReplacer("│", " ", "\n", " ").Replace(out)), "")
		for _, word := range words {
			if !strings.Contains(joined, word) {
				t.Errorf("width %d: %q lost from the message\n%s", width, word, out)
			}
		}
	}
	if out := render(60, true, true); !strings.Contains(out, msg) {
		t.Errorf("--wide: the message is not whole\n%s", out)
	}
	if out := render(60, false, false); !strings.Contains(out, "\t"+msg+"\n") {
		t.Errorf("piped: the message is not one cell\n%s", out)
	}
}

func TestWrapCell(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"one two three", 7, "one two\nthree"},
		{"/very/long/path/without/spaces", 10, "/very/long\n/path/with\nout/spaces"},
		{"磁盘空间不足请清理", 6, "磁盘空\n间不足\n请清理"},
		{"short", 10, "short"},
	} {
		if got := wrapCell(c.in, c.width); got != c.want {
			t.Errorf("wrapCell(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}
