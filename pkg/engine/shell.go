package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/transport"
)

// ShellRequest opens an interactive shell on one asset.
type ShellRequest struct {
	Asset    *inventory.Asset
	Terminal transport.Terminal
	In       io.Reader
	Out      io.Writer
	// RecordDir is where the session's asciicast v2 recording is written
	// (<time>-<asset>.cast, 0600).
	RecordDir string
}

// ShellRun is what Shell returns.
type ShellRun struct {
	ExitCode   int    `json:"exit_code"`
	Recording  string `json:"recording"`
	DurationMS int64  `json:"duration_ms"`
	AuditSeq   int64  `json:"audit_seq,omitempty"`
}

// Shell opens a login shell on req.Asset through its jump chain (host keys
// verified), records the session — output and typed input, with timing — as
// asciicast v2, and appends the session to the audit log with its
// recording.
func (e *Engine) Shell(ctx context.Context, req ShellRequest) (*ShellRun, error) {
	if err := e.Connect.Preflight([]*inventory.Asset{req.Asset}); err != nil {
		return nil, err
	}
	r, err := e.Connect.Runner(ctx, req.Asset)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	sh, ok := r.(transport.Sheller)
	if !ok {
		return nil, fmt.Errorf("%s: no interactive shell over this transport", req.Asset.Name)
	}
	if err := os.MkdirAll(req.RecordDir, 0o700); err != nil {
		return nil, err
	}
	start := e.now()
	name := filepath.Join(req.RecordDir, start.Format("20060102-150405")+"-"+safeName(req.Asset.Name)+".cast")
	rec, err := newCast(name, req.Terminal, start, req.Asset.Name)
	if err != nil {
		return nil, err
	}
	code, shellErr := sh.Shell(ctx, req.Terminal, rec.input(req.In), rec.output(req.Out))
	if err := rec.close(); err != nil && shellErr == nil {
		shellErr = err
	}
	run := &ShellRun{ExitCode: code, Recording: name, DurationMS: e.now().Sub(start).Milliseconds()}
	if e.Audit != nil {
		ar := audit.Record{Time: start, Action: "ssh", Targets: []string{req.Asset.Name}, Command: "interactive shell",
			Exit: map[string]int{req.Asset.Name: code}, DurationMS: run.DurationMS, Recording: name, Outcome: "ok"}
		if u, err := user.Current(); err == nil {
			ar.User = u.Username
		}
		ar.From, _ = os.Hostname()
		if shellErr != nil {
			ar.Outcome, ar.Note = "failed", shellErr.Error()
		}
		saved, err := e.Audit.Append(ar)
		if err != nil {
			return run, &AuditError{Err: err}
		}
		run.AuditSeq = saved.Seq
	}
	return run, shellErr
}

// cast writes an asciicast v2 recording: a header line, then one
// [seconds, "o"|"i", data] line per chunk of output or input.
type cast struct {
	mu    sync.Mutex
	f     *os.File
	enc   *json.Encoder
	start time.Time
	err   error
}

func newCast(path string, t transport.Terminal, start time.Time, title string) (*cast, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	c := &cast{f: f, enc: json.NewEncoder(f), start: time.Now()}
	cols, rows := t.Cols, t.Rows
	if cols <= 0 || rows <= 0 {
		cols, rows = 80, 24
	}
	c.err = c.enc.Encode(map[string]any{"version": 2, "width": cols, "height": rows, "timestamp": start.Unix(),
		"title": title, "env": map[string]string{"TERM": t.Type}})
	return c, c.err
}

func (c *cast) event(kind string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = c.enc.Encode([]any{time.Since(c.start).Seconds(), kind, string(b)})
	}
}

type castWriter struct {
	c *cast
	w io.Writer
}

func (w castWriter) Write(b []byte) (int, error) {
	w.c.event("o", b)
	return w.w.Write(b)
}

type castReader struct {
	c *cast
	r io.Reader
}

func (r castReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.c.event("i", b[:n])
	}
	return n, err
}

func (c *cast) output(w io.Writer) io.Writer { return castWriter{c, w} }
func (c *cast) input(r io.Reader) io.Reader  { return castReader{c, r} }

func (c *cast) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.f.Sync()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return errors.Join(c.err, err)
}

// ReadCast reads an asciicast v2 recording back: the output the session
// showed and the input that was typed, each in order (a replay).
func ReadCast(path string) (output, input string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var header map[string]any
	if err := dec.Decode(&header); err != nil {
		return "", "", fmt.Errorf("%s: header: %w", path, err)
	}
	if v, _ := header["version"].(float64); v != 2 {
		return "", "", fmt.Errorf("%s: not an asciicast v2 recording", path)
	}
	var out, in []byte
	for dec.More() {
		var ev []any
		if err := dec.Decode(&ev); err != nil {
			return "", "", fmt.Errorf("%s: %w", path, err)
		}
		if len(ev) != 3 {
			continue
		}
		data, _ := ev[2].(string)
		switch ev[1] {
		case "o":
			out = append(out, data...)
		case "i":
			in = append(in, data...)
		}
	}
	return string(out), string(in), nil
}
