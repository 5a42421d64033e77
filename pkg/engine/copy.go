package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/transport"
)

// CopyRequest copies one file to many hosts (Put) or from many hosts
// (Get). Put: Local is the file here, Remote the path on every host (a
// directory ending in / keeps the file's name). Get: Remote is the file on
// every host, Local a directory here; each host's copy lands in
// Local/<asset>/<name>.
type CopyRequest struct {
	Assets        []*inventory.Asset
	Get           bool
	Local, Remote string
	Forks         int
	HostTimeout   time.Duration
	// corrupt, when set (tests), alters the bytes sent to a host, as a
	// faulty link or disk would.
	corrupt func(asset string, w io.Writer) io.Writer
}

// CopyOutput is one host's transfer.
type CopyOutput struct {
	Asset      string `json:"asset"`
	Path       string `json:"path"`   // where the file now is (the host's path, or the local one)
	SHA256     string `json:"sha256"` // verified on both ends
	Bytes      int64  `json:"bytes"`
	Error      string `json:"error,omitempty"`
	Reason     string `json:"reason,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// CopyRun is what Copy returns, outputs in the request's order.
type CopyRun struct {
	Outputs     []CopyOutput `json:"hosts"`
	StartedAt   time.Time    `json:"started_at"`
	DurationMS  int64        `json:"duration_ms"`
	Interrupted bool         `json:"interrupted,omitempty"`
	AuditSeq    int64        `json:"audit_seq,omitempty"`
}

// CopyDone: one host's transfer ended (event of Copy).
type CopyDone struct {
	Output      CopyOutput
	Done, Total int
}

func (CopyDone) isEvent() {}

// Copy transfers over SFTP on each host's verified SSH connection. Every
// transfer goes to a temporary name beside the target, is checked by
// SHA-256 on the receiving end against the sender's, gets the source's
// mode, and only then is renamed over the target: a transfer that was cut
// or corrupted leaves the target as it was. The action is audited.
func (e *Engine) Copy(ctx context.Context, req CopyRequest, on Observer) (*CopyRun, error) {
	if len(req.Assets) == 0 {
		return nil, ErrNoTargets
	}
	var srcHash string
	var srcMode os.FileMode
	if !req.Get {
		st, err := os.Stat(req.Local)
		if err != nil {
			return nil, err
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", req.Local)
		}
		srcMode = st.Mode().Perm()
		if srcHash, err = fileSHA256(req.Local); err != nil {
			return nil, err
		}
	}
	if err := e.Connect.Preflight(req.Assets); err != nil {
		return nil, err
	}
	forks := max(1, req.Forks)
	if req.Forks <= 0 {
		forks = 32
	}
	timeout := req.HostTimeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	run := &CopyRun{StartedAt: e.now()}
	var mu sync.Mutex
	n := 0
	out, done := fanOut(ctx, len(req.Assets), forks, func(i int) (CopyOutput, bool) {
		hctx, cancel := context.WithTimeout(ctx, timeout)
		o := e.copyHost(hctx, req.Assets[i], req, srcHash, srcMode)
		cancel()
		if ctx.Err() != nil && o.Error != "" {
			return o, false
		}
		mu.Lock()
		n++
		on.emit(CopyDone{Output: o, Done: n, Total: len(req.Assets)})
		mu.Unlock()
		return o, true
	})
	run.Outputs = kept(out, done)
	run.Interrupted = len(run.Outputs) < len(req.Assets)
	run.DurationMS = e.now().Sub(run.StartedAt).Milliseconds()
	if e.Audit != nil {
		saved, err := e.Audit.Append(copyRecord(req, run, srcHash))
		if err != nil {
			return run, &AuditError{Err: err}
		}
		run.AuditSeq = saved.Seq
	}
	return run, nil
}

// ErrChecksum: the received file's SHA-256 differs from the sent one.
var ErrChecksum = errors.New("checksum mismatch after transfer: the target was left as it was")

func (e *Engine) copyHost(ctx context.Context, a *inventory.Asset, req CopyRequest, srcHash string, srcMode os.FileMode) (o CopyOutput) {
	start := time.Now()
	o.Asset = a.Name
	defer func() { o.DurationMS = time.Since(start).Milliseconds() }()
	fail := func(err error) CopyOutput {
		o.Error, o.Reason = err.Error(), transport.ReasonOf(err)
		if o.Reason == "" && ctx.Err() != nil {
			o.Reason = "timeout"
		}
		return o
	}
	r, err := e.Connect.Runner(ctx, a)
	if err != nil {
		return fail(err)
	}
	defer r.Close()
	var fs remoteFS
	if s, ok := r.(transport.SFTPer); ok {
		c, err := s.SFTP()
		if err != nil {
			return fail(err)
		}
		defer c.Close()
		fs = sftpFS{c}
	} else {
		fs = localFS{}
	}
	// A stuck transfer ends with the host's deadline.
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	if req.Get {
		return e.getFile(ctx, fs, a, req, o, fail)
	}
	target := req.Remote
	if strings.HasSuffix(target, "/") {
		target += filepath.Base(req.Local)
	}
	o.Path = target
	tmp := path.Join(path.Dir(target), "."+path.Base(target)+".hcops-"+randHex(6))
	in, err := os.Open(req.Local)
	if err != nil {
		return fail(err)
	}
	defer in.Close()
	w, err := fs.Create(tmp)
	if err != nil {
		return fail(fmt.Errorf("create %s: %w", tmp, err))
	}
	var dst io.Writer = w
	if req.corrupt != nil {
		dst = req.corrupt(a.Name, w)
	}
	n, err := io.Copy(dst, in)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fs.Remove(tmp)
		return fail(fmt.Errorf("write %s: %w", tmp, err))
	}
	got, err := fs.SHA256(ctx, r, tmp)
	if err != nil {
		fs.Remove(tmp)
		return fail(fmt.Errorf("checksum of %s: %w", tmp, err))
	}
	if got != srcHash {
		fs.Remove(tmp)
		return fail(fmt.Errorf("%w (sent %s, received %s)", ErrChecksum, srcHash[:12], got[:min(12, len(got))]))
	}
	if err := fs.Chmod(tmp, srcMode); err != nil {
		fs.Remove(tmp)
		return fail(fmt.Errorf("chmod %s: %w", tmp, err))
	}
	if err := fs.Rename(tmp, target); err != nil {
		fs.Remove(tmp)
		return fail(fmt.Errorf("rename to %s: %w", target, err))
	}
	o.SHA256, o.Bytes = got, n
	return o
}

func (e *Engine) getFile(ctx context.Context, fs remoteFS, a *inventory.Asset, req CopyRequest, o CopyOutput, fail func(error) CopyOutput) CopyOutput {
	dir := filepath.Join(req.Local, safeName(a.Name))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fail(err)
	}
	target := filepath.Join(dir, path.Base(req.Remote))
	o.Path = target
	rd, mode, err := fs.Open(req.Remote)
	if err != nil {
		return fail(fmt.Errorf("open %s: %w", req.Remote, err))
	}
	defer rd.Close()
	tmp, err := os.CreateTemp(dir, ".hcops-get-*")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), rd)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	local := hex.EncodeToString(h.Sum(nil))
	remote, err := fs.SHA256(ctx, nil, req.Remote)
	if err != nil {
		return fail(fmt.Errorf("checksum of %s: %w", req.Remote, err))
	}
	if remote != local {
		return fail(fmt.Errorf("%w (host %s, received %s)", ErrChecksum, remote[:min(12, len(remote))], local[:12]))
	}
	// Kept mode, never wider than 0640 here: it is the site's data.
	if err := os.Chmod(tmp.Name(), mode.Perm()&0o640); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fail(err)
	}
	o.SHA256, o.Bytes = local, n
	return o
}

// safeName keeps an asset name usable as a directory name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == 0 || r == '\\' {
			return '_'
		}
		return r
	}, s)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyRecord(req CopyRequest, run *CopyRun, hash string) audit.Record {
	rec := audit.Record{Time: run.StartedAt, Action: "cp", DurationMS: run.DurationMS, Exit: map[string]int{}}
	if u, err := user.Current(); err == nil {
		rec.User = u.Username
	}
	rec.From, _ = os.Hostname()
	for _, a := range req.Assets {
		rec.Targets = append(rec.Targets, a.Name)
	}
	sort.Strings(rec.Targets)
	if req.Get {
		rec.Command, rec.File = "get "+req.Remote+" -> "+req.Local, req.Remote
	} else {
		rec.Command, rec.File, rec.FileHash = "put "+req.Local+" -> "+req.Remote, req.Local, "sha256:"+hash
	}
	rec.Outcome = "ok"
	for _, o := range run.Outputs {
		code := 0
		if o.Error != "" {
			code, rec.Outcome = -1, "failed"
		}
		rec.Exit[o.Asset] = code
	}
	if run.Interrupted {
		rec.Outcome = "interrupted"
	}
	return rec
}
