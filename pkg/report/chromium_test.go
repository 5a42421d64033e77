package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

// renderChromium prints html to PDF and a PNG screenshot with headless
// Chromium (Debian package chromium), offline, and returns both paths. Set
// HCOPS_REPORT_SHOTS=dir to keep them for looking at.
func renderChromium(t *testing.T, name string, html []byte, withPNG bool) (pdf, png string) {
	t.Helper()
	bin := testenv.LookPath(t, "chromium")
	dir := t.TempDir()
	if keep := os.Getenv("HCOPS_REPORT_SHOTS"); keep != "" {
		dir = keep
		os.MkdirAll(dir, 0o755)
	}
	src := filepath.Join(dir, name+".html")
	if err := os.WriteFile(src, html, 0o644); err != nil {
		t.Fatal(err)
	}
	pdf, png = filepath.Join(dir, name+".pdf"), filepath.Join(dir, name+".png")
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(t.TempDir(), "profile"), "--no-pdf-header-footer"}
	runs := [][]string{{"--print-to-pdf=" + pdf}}
	if withPNG {
		runs = append(runs, []string{"--screenshot=" + png, "--window-size=1000,2200", "--hide-scrollbars"})
	}
	for _, extra := range runs {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		args := append(append(append([]string{}, common...), extra...), "file://"+src)
		out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", extra, err, out)
		}
	}
	return pdf, png
}

func TestDailyChromium(t *testing.T) {
	d := buildTestDaily(t, "zh")
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, d, ""); err != nil {
		t.Fatal(err)
	}
	pdf, png := renderChromium(t, "daily-zh", buf.Bytes(), true)
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF", pdf)
	}
	// A4 portrait is 595 x 842 points; the per-asset detail starts on a
	// page of its own, so there are at least two pages.
	if !regexp.MustCompile(`/MediaBox \[0 0 59[45]\.\d* 84[12]\.\d*\]`).Match(b) {
		t.Errorf("PDF page is not A4")
	}
	if n := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(b, -1)); n < 2 {
		t.Errorf("PDF has %d pages, want at least 2", n)
	}
	p, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(p, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s is not a PNG: %v", png, err)
	}
}
