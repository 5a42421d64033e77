package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/iostreams"
)

// On a terminal the progress bar shows hosts done of the total and the
// problems so far, and is cleared at the end; off a terminal nothing is
// drawn.
func TestProgressLine(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	app := &App{IO: ios, Lang: "en"}
	p := newProgressLine(app)
	p.update(3, 10, 1)
	p.done()
	if errOut.Len() != 0 {
		t.Errorf("drawn without a terminal: %q", errOut.String())
	}
	var buf bytes.Buffer
	p = &progressLine{app: app, on: true, w: &buf}
	p.update(1, 10, 0)
	time.Sleep(150 * time.Millisecond) // past the redraw throttle
	p.update(6, 10, 2)
	if !strings.Contains(buf.String(), "6/10") || !strings.Contains(buf.String(), "inspecting (2 with problems)") {
		t.Errorf("bar: %q", buf.String())
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r") {
		t.Errorf("not cleared at the end: %q", buf.String())
	}
}
