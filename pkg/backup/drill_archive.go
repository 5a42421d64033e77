package backup

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Aspects of an archive drill's results, after DrillRestore.
const (
	DrillFiles    = "files"
	DrillManifest = "manifest"
)

// DefaultScratchDir is where archive drills extract when backups.yaml sets
// no drill_targets.files.scratch_dir: hcops-drill under the temporary
// directory ($TMPDIR, else /tmp — a tmpfs in RAM on some systems, so a
// site with large archives sets scratch_dir on a disk).
func DefaultScratchDir() string { return filepath.Join(os.TempDir(), "hcops-drill") }

// systemDir reports whether dir is / or a system directory no drill may
// extract under: the root and the top of the usual trees exactly, the
// operating system's own trees and everything beneath them.
func systemDir(dir string) bool {
	d := filepath.Clean(dir)
	switch d {
	case "/", "/home", "/opt", "/srv", "/var", "/mnt", "/media", "/root":
		return true
	}
	for _, sys := range []string{"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr",
		"/var/lib", "/var/log", "/var/spool", "/var/cache", "/var/run", "/var/lock"} {
		if d == sys || strings.HasPrefix(d, sys+"/") {
			return true
		}
	}
	return false
}

// prepareScratch refuses dir when it is, or resolves through symlinks to,
// / or a system directory, and creates it (0700) when missing. It returns
// the resolved path. Nothing is created before the check.
func prepareScratch(dir string) (string, error) {
	if !filepath.IsAbs(dir) || systemDir(dir) {
		return "", errorf("backup.drill.scratch_system", dir)
	}
	// resolve the part that exists; the rest is created beneath it
	existing, rest := filepath.Clean(dir), ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", errorf("backup.drill.scratch_create", dir, err)
	}
	real = filepath.Join(real, rest)
	if systemDir(real) {
		return "", errorf("backup.drill.scratch_system", dir+" → "+real)
	}
	if err := os.MkdirAll(real, 0o700); err != nil {
		return "", errorf("backup.drill.scratch_create", dir, err)
	}
	return real, nil
}

// freeBytes is the space left for an unprivileged writer on dir's disk,
// and the disk's size.
func freeBytes(dir string) (free, total int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), int64(st.Blocks) * int64(st.Bsize), nil
}

// Why an extraction stopped, beyond plain read errors (a damaged copy).
var (
	errNotArchive = errors.New("not an archive")
	errDiskFull   = errors.New("scratch disk full")
)

// hostileEntry is an archive entry that would land outside the scratch
// directory.
type hostileEntry struct{ name string }

func (h *hostileEntry) Error() string {
	return fmt.Sprintf("entry %q escapes the extraction directory", h.name)
}

// toolMissing is a decompressor not installed on this machine.
type toolMissing struct{ tool string }

func (t *toolMissing) Error() string { return t.tool + " not installed" }

// archiveStats is what an extraction wrote and saw.
type archiveStats struct {
	files, dirs, links int
	bytes              int64 // of regular files
	written            int64 // to the scratch disk, the spooled zip included
	outside            []string
	outsideN           int // symlinks pointing outside the archive, not created
	special            int // device files, FIFOs, dangling hard links: not created
	format             string
	manifest           string // the manifest's path in the archive, "" when absent
	expectSeen         []bool
}

// extractor writes archive entries beneath root, refusing any that would
// leave it. Files are written 0600 and directories 0700 whatever the
// archive says: no setuid/setgid bit, no device node, no owner is ever
// restored, and the drill's copy of (often personal) data stays readable
// only by the operator until it is removed.
type extractor struct {
	ctx   context.Context
	root  *os.Root
	spec  *DrillSpec
	st    archiveStats
	buf   []byte
	check func() error // called as data is written: stops when the disk fills
}

// archiveName cleans an entry name, and reports false for a name that is
// absolute or climbs out of the archive (zip-slip).
func archiveName(name string) (string, bool) {
	if strings.HasPrefix(name, "/") {
		return "", false
	}
	c := path.Clean(name)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}

// see records an entry for the expect and manifest checks.
func (x *extractor) see(name string, dir, regular bool) {
	for i, e := range x.spec.Expect {
		if !x.st.expectSeen[i] && matchExpect(e, name, dir) {
			x.st.expectSeen[i] = true
		}
	}
	if regular && x.st.manifest == "" && x.spec.Manifest != "" {
		if ok, _ := path.Match(path.Clean(x.spec.Manifest), name); ok {
			x.st.manifest = name
		}
	}
}

// matchExpect reports whether the entry name (or a directory above it)
// satisfies the expected path e; "x/" asks for a directory.
func matchExpect(e, name string, dir bool) bool {
	wantDir := strings.HasSuffix(e, "/")
	pat := path.Clean(e)
	if ok, _ := path.Match(pat, name); ok && (dir || !wantDir) {
		return true
	}
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		if ok, _ := path.Match(pat, d); ok {
			return true
		}
	}
	return false
}

// Kinds of archive entry.
const (
	entryDir = iota
	entryFile
	entrySymlink
	entryHardlink
	entryOther
)

// entry writes one archive entry.
func (x *extractor) entry(raw string, kind int, link string, body io.Reader) error {
	if err := x.ctx.Err(); err != nil {
		return err
	}
	name, ok := archiveName(raw)
	if !ok {
		return &hostileEntry{raw}
	}
	if name == "." {
		return nil
	}
	x.see(name, kind == entryDir, kind == entryFile || kind == entryHardlink)
	if kind != entryDir {
		if err := x.root.MkdirAll(path.Dir(name), 0o700); err != nil {
			return x.rootErr(raw, err)
		}
		// replace what an earlier entry of the same name wrote, as tar does
		if err := x.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return x.rootErr(raw, err)
		}
	}
	switch kind {
	case entryDir:
		if err := x.root.MkdirAll(name, 0o700); err != nil {
			return x.rootErr(raw, err)
		}
		x.st.dirs++
	case entryFile:
		f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return x.rootErr(raw, err)
		}
		n, err := io.CopyBuffer(struct{ io.Writer }{&checkedWriter{f, x}}, body, x.buf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		x.st.bytes += n
		if err != nil {
			return x.rootErr(raw, err)
		}
		x.st.files++
	case entrySymlink:
		// A link out of the archive (/etc/localtime → /usr/share/...) is
		// common in a backup of /etc and is not created: nothing the drill
		// writes may lead outside. os.Root refuses to follow any link that
		// resolves outside, so the lexical test here is not the only guard.
		if link == "" || strings.HasPrefix(link, "/") || !inside(path.Join(path.Dir(name), link)) {
			x.st.outsideN++
			if len(x.st.outside) < 3 {
				x.st.outside = append(x.st.outside, name+" → "+link)
			}
			return nil
		}
		if err := x.root.Symlink(link, name); err != nil {
			return x.rootErr(raw, err)
		}
		x.st.links++
	case entryHardlink:
		target, ok := archiveName(link)
		if !ok {
			return &hostileEntry{raw + " → " + link}
		}
		if err := x.root.Link(target, name); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				x.st.special++ // its target was not restored (a device file)
				return nil
			}
			return x.rootErr(raw, err)
		}
		x.st.files++
	default:
		x.st.special++
	}
	return nil
}

// inside reports whether a cleaned relative path stays in the archive.
func inside(p string) bool {
	c := path.Clean(p)
	return c != ".." && !strings.HasPrefix(c, "../") && !strings.HasPrefix(c, "/")
}

// rootErr classifies an error of the scratch directory: os.Root's refusal
// to leave it is a hostile archive, a full disk is the scratch disk's.
func (x *extractor) rootErr(name string, err error) error {
	switch {
	case strings.Contains(err.Error(), "path escapes from parent"):
		return &hostileEntry{name}
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, errDiskFull):
		return errDiskFull
	}
	return err
}

// checkedWriter counts what reaches the scratch disk and asks the
// extractor to look at the free space every few MiB.
type checkedWriter struct {
	w io.Writer
	x *extractor
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	before := c.x.st.written
	n, err := c.w.Write(p)
	c.x.st.written += int64(n)
	if err == nil && c.x.check != nil && before/spaceCheckEvery != c.x.st.written/spaceCheckEvery {
		err = c.x.check()
	}
	return n, err
}

// spaceCheckEvery is how often (bytes written) the free space is looked at.
const spaceCheckEvery = 4 << 20

// spaceGuard stops an extraction before it takes the last 5 % (at most
// 1 GiB) of the scratch disk: the machine running hcops keeps its history
// and logs there too. A disk that fills anyway ends in ENOSPC, handled
// the same way.
func spaceGuard(dir string) func() error {
	_, total, err := freeBytes(dir)
	if err != nil {
		return nil
	}
	reserve := min(total/20, 1<<30)
	return func() error {
		free, _, err := freeBytes(dir)
		if err == nil && free < reserve {
			return errDiskFull
		}
		return nil
	}
}

// ctxReader fails reads once ctx is done, so an extraction from a spooled
// file also stops on Ctrl-C.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyStream is a copy read from the host holding it, through the runner's
// stream (`cat` there): nothing is held in memory and nothing is written
// on that host.
type copyStream struct {
	*io.PipeReader
	cancel context.CancelFunc
	done   chan struct{}
	stall  *stallGuard // nil: no watchdog
}

// Read reads the copy; under a drill's stall guard a read that waits longer
// than its limit stops the drill (a FIFO or a hung mount in place of a copy).
func (s *copyStream) Read(b []byte) (int, error) {
	if s.stall == nil {
		return s.PipeReader.Read(b)
	}
	t := time.AfterFunc(s.stall.limit, s.stall.fire)
	n, err := s.PipeReader.Read(b)
	t.Stop()
	return n, err
}

// Close stops the transfer if it is still running and waits for it.
func (s *copyStream) Close() error {
	s.cancel()
	s.PipeReader.CloseWithError(io.ErrClosedPipe)
	<-s.done
	return nil
}

// openCopy streams copy c from src. Read errors carry cat's failure or the
// transport's.
func openCopy(ctx context.Context, src transport.Runner, c Copy) (*copyStream, error) {
	st, ok := src.(transport.Streamer)
	if !ok {
		return nil, errorf("backup.drill.no_stream")
	}
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	s := &copyStream{PipeReader: pr, cancel: cancel, done: make(chan struct{}), stall: stallOf(ctx)}
	go func() {
		defer close(s.done)
		rc, errOut, err := st.Stream(ctx, "cat "+quote(c.Path), pw)
		if err == nil && rc != 0 {
			err = errorf("backup.drill.cat_failed", rc, strings.TrimSpace(string(errOut)))
		}
		pw.CloseWithError(err)
	}()
	return s, nil
}

// Magic numbers of the formats an archive drill reads.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicBzip2 = []byte("BZh")
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	magicZip   = []byte("PK\x03\x04")
	magicZip0  = []byte("PK\x05\x06") // an empty zip
)

// isTar reports whether a first block is a tar header: ustar/GNU magic, or
// a valid v7 header checksum, or the zero block of an empty archive.
func isTar(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	if string(b[257:262]) == "ustar" {
		return true
	}
	if bytes.Count(b[:512], []byte{0}) == 512 {
		return true
	}
	want, err := strconv.ParseInt(strings.Trim(string(b[148:156]), " \x00"), 8, 64)
	if err != nil {
		return false
	}
	var sum int64
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

// extractCopy streams c from src and extracts it beneath root; spool is a
// directory outside root for a zip, which must be read from a file. What
// was written is in x.st whether or not it succeeded.
func (x *extractor) extractCopy(src transport.Runner, c Copy, spool string) error {
	in, err := openCopy(x.ctx, src, c)
	if err != nil {
		return err
	}
	defer in.Close()
	br := bufio.NewReaderSize(ctxReader{x.ctx, in}, 1<<20)
	head, err := br.Peek(512)
	if len(head) == 0 && err != nil {
		if errors.Is(err, io.EOF) {
			return errNotArchive
		}
		return err
	}
	var r io.Reader
	var tool *decompressor
	switch {
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicZip0):
		x.st.format = "zip"
		return x.zipFrom(br, spool)
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		x.st.format, r = "tar.gz", zr
	case bytes.HasPrefix(head, magicBzip2):
		x.st.format, r = "tar.bz2", bzip2.NewReader(br)
	case bytes.HasPrefix(head, magicZstd), bytes.HasPrefix(head, magicXz):
		// No pure-Go zstd or xz decoder is among hcops' dependencies: the
		// tool decompresses on this machine, so the copy still travels
		// compressed and the host holding it does no extra work.
		name, format := "zstd", "tar.zst"
		if bytes.HasPrefix(head, magicXz) {
			name, format = "xz", "tar.xz"
		}
		if tool, err = decompress(x.ctx, name, br); err != nil {
			return err
		}
		x.st.format, r = format, tool.out
	default:
		if !isTar(head) {
			return errNotArchive
		}
		x.st.format, r = "tar", br
	}
	err = x.tarFromCompressed(r)
	if tool != nil {
		if err != nil {
			in.Close() // the tool may be waiting for more of the copy
		}
		// The tool's own words explain a damaged stream better than the
		// tar reader's "unexpected EOF".
		if werr := tool.wait(err == nil); werr != nil && (err == nil || !decisive(err)) {
			err = werr
		}
	}
	return err
}

// decisive reports whether an extraction error says all there is to say
// (a hostile entry, a full disk, not an archive), whatever else failed.
func decisive(err error) bool {
	var h *hostileEntry
	return errors.As(err, &h) || errors.Is(err, errDiskFull) || errors.Is(err, errNotArchive)
}

// tarFromCompressed extracts the tar in a (decompressed) stream and reads
// it to its end: past the tar's end blocks come the compressor's trailer
// (the gzip CRC) and cat's exit status.
func (x *extractor) tarFromCompressed(r io.Reader) error {
	if x.st.format != "tar" {
		// a compressed file that is not a tar (a .sql.gz) is not an
		// archive, not a damaged one
		tb := bufio.NewReaderSize(r, 64<<10)
		head, err := tb.Peek(512)
		if !isTar(head) {
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			return errNotArchive
		}
		r = tb
	}
	if err := x.tarFrom(r); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, r)
	return err
}

// decompressor is zstd or xz running on this machine.
type decompressor struct {
	name   string
	out    io.Reader
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stderr bytes.Buffer
}

// decompress starts a decompressor fed from in.
func decompress(ctx context.Context, name string, in io.Reader) (*decompressor, error) {
	bin, err := exec.LookPath(name)
	if err != nil {
		return nil, &toolMissing{name}
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &decompressor{name: name, cancel: cancel}
	d.cmd = exec.CommandContext(ctx, bin, "-dc")
	d.cmd.Env = transport.ChildEnv()
	d.cmd.Stdin = in
	d.cmd.Stderr = &d.stderr
	d.cmd.WaitDelay = time.Second
	if d.out, err = d.cmd.StdoutPipe(); err != nil {
		cancel()
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		cancel()
		return nil, &toolMissing{name}
	}
	return d, nil
}

// wait ends the decompressor: after its output was read to the end
// (drained) it must have succeeded; otherwise it is stopped and only
// what it said before counts.
func (d *decompressor) wait(drained bool) error {
	if !drained {
		d.cancel()
	}
	err := d.cmd.Wait()
	d.cancel()
	msg := strings.TrimSpace(d.stderr.String())
	if err == nil || !drained && msg == "" {
		return nil
	}
	if len(msg) > 300 {
		msg = msg[len(msg)-300:]
	}
	if msg == "" {
		msg = err.Error()
	}
	return errorf("backup.drill.decompress", d.name, msg)
}

// tarFrom extracts a tar stream.
func (x *extractor) tarFrom(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, tar.ErrInsecurePath) && h != nil:
			return &hostileEntry{h.Name}
		case err != nil:
			return err
		}
		kind := entryOther
		switch h.Typeflag {
		case tar.TypeDir:
			kind = entryDir
		case tar.TypeReg, tar.TypeGNUSparse: // Reader.Next reports old TypeRegA entries as TypeReg
			kind = entryFile
		case tar.TypeSymlink:
			kind = entrySymlink
		case tar.TypeLink:
			kind = entryHardlink
		case tar.TypeXGlobalHeader:
			continue
		}
		if testHookEntry != nil {
			testHookEntry(h.Name)
		}
		if err := x.entry(h.Name, kind, h.Linkname, tr); err != nil {
			return err
		}
	}
}

// testHookEntry, when set by a test, sees each entry before it is written.
var testHookEntry func(name string)

// zipFrom spools a zip into the scratch directory (archive/zip needs
// random access; the copy is still never held in memory) and extracts it.
func (x *extractor) zipFrom(r io.Reader, spool string) error {
	f, err := os.OpenFile(filepath.Join(spool, "copy.zip"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.CopyBuffer(struct{ io.Writer }{&checkedWriter{f, x}}, r, x.buf)
	if err != nil {
		return x.rootErr("copy.zip", err)
	}
	zr, err := zip.NewReader(f, n)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return err
	}
	for _, zf := range zr.File {
		m := zf.Mode()
		kind := entryOther
		switch {
		case m.IsDir() || strings.HasSuffix(zf.Name, "/"):
			kind = entryDir
		case m&fs.ModeSymlink != 0:
			kind = entrySymlink
		case m.IsRegular():
			kind = entryFile
		}
		if testHookEntry != nil {
			testHookEntry(zf.Name)
		}
		if err := x.zipEntry(zf, kind); err != nil {
			return err
		}
	}
	return nil
}

// zipEntry extracts one zip member.
func (x *extractor) zipEntry(zf *zip.File, kind int) error {
	if kind != entryFile && kind != entrySymlink {
		return x.entry(zf.Name, kind, "", nil)
	}
	rc, err := zf.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return fmt.Errorf("%s: %w", zf.Name, errNotArchive)
		}
		return fmt.Errorf("%s: %w", zf.Name, err)
	}
	defer rc.Close()
	if kind == entryFile {
		return x.entry(zf.Name, kind, "", ctxReader{x.ctx, rc})
	}
	b, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return fmt.Errorf("%s: %w", zf.Name, err)
	}
	return x.entry(zf.Name, kind, string(b), nil)
}

// drillArchive extracts copy c of a file policy into a new directory under
// the scratch directory, checks the expected paths and the manifest,
// removes the directory, and returns the verdicts with the extraction time
// as RTO evidence (the shape of a database drill: restore, then files and
// manifest instead of tables and rows).
func drillArchive(ctx context.Context, p *Policy, c Copy, src transport.Runner, o DrillOptions) (out []result.Result) {
	lang := o.Lang
	res := drillResult(p, DrillRestore, result.Unknown, lang, i18n.Sub{})
	fail := func(st result.Status, advice i18n.Sub, err error) []result.Result {
		res.Status = st
		setMsg(&res, lang, errMsg(err))
		setAdvice(&res, lang, advice)
		return []result.Result{res}
	}
	if c.Dir {
		return fail(result.Unknown, msg("backup.drill.not_archive_advice"), errorf("backup.drill.not_archive", c.Name))
	}
	dir := o.ScratchDir
	if dir == "" {
		dir = DefaultScratchDir()
	}
	dir, err := prepareScratch(dir)
	if err != nil {
		return fail(result.Unknown, msg("backup.drill.scratch_advice"), err)
	}
	if free, _, err := freeBytes(dir); err == nil && c.Size > 0 {
		need := c.Size // at least: an archive extracts to more than its size
		if strings.HasSuffix(strings.ToLower(c.Name), ".zip") {
			need *= 2 // spooled, then extracted
		}
		if free < need {
			return fail(result.Unknown, msg("backup.drill.space_advice"),
				errorf("backup.drill.no_space", dir, humanBytes(free), c.Name, humanBytes(c.Size)))
		}
	}
	scratch, err := os.MkdirTemp(dir, "hcops-drill-"+scratchSafeRE.ReplaceAllString(strings.ToLower(p.Name), "_")+"-")
	if err != nil {
		return fail(result.Unknown, msg("backup.drill.scratch_advice"), errorf("backup.drill.scratch_create", dir, err))
	}
	// Nothing half-restored is left behind: the directory goes, whatever
	// happened (an error, a full disk, Ctrl-C or the deadline).
	var root *os.Root
	defer func() {
		if root != nil {
			root.Close()
		}
		if err := os.RemoveAll(scratch); err != nil && len(out) > 0 {
			addMsg(&out[0], lang, msg("backup.drill.cleanup_failed", scratch, err))
			out[0].Status = result.Worst(out[0].Status, result.Warn)
		}
	}()
	files := filepath.Join(scratch, "files")
	if err := os.Mkdir(files, 0o700); err != nil {
		return fail(result.Unknown, msg("backup.drill.scratch_advice"), errorf("backup.drill.scratch_create", dir, err))
	}
	if root, err = os.OpenRoot(files); err != nil {
		return fail(result.Unknown, msg("backup.drill.scratch_advice"), errorf("backup.drill.scratch_create", dir, err))
	}
	x := &extractor{ctx: ctx, root: root, spec: p.Drill, buf: make([]byte, 1<<20), check: spaceGuard(dir)}
	x.st.expectSeen = make([]bool, len(p.Drill.Expect))

	start := time.Now()
	err = x.extractCopy(src, c, scratch)
	dur := time.Since(start)
	var hostile *hostileEntry
	var missing *toolMissing
	switch {
	case ctx.Err() != nil:
		var stop errDrillStopped
		if errors.As(context.Cause(ctx), &stop) {
			return fail(result.Unknown, msg("backup.drill.stopped_advice"), errorf("backup.drill.stopped_extract", elapsed(dur), stop))
		}
		return fail(result.Unknown, i18n.Sub{}, errorf("backup.drill.interrupted", elapsed(dur)))
	case errors.As(err, &hostile):
		return fail(result.Crit, msg("backup.drill.hostile_advice"), errorf("backup.drill.hostile", c.Name, hostile.name))
	case errors.Is(err, errNotArchive):
		return fail(result.Unknown, msg("backup.drill.not_archive_advice"), errorf("backup.drill.not_archive", c.Name))
	case errors.As(err, &missing):
		return fail(result.Unknown, i18n.Sub{}, errorf("backup.drill.no_decompressor", missing.tool, c.Name))
	case errors.Is(err, errDiskFull):
		return fail(result.Unknown, msg("backup.drill.space_advice"), errorf("backup.drill.disk_full", c.Name, dir, humanBytes(x.st.written)))
	}
	res.SetValue(dur.Seconds(), "s")
	res.Metrics = []result.Metric{{Name: "drill.duration_s", Value: dur.Seconds(), Unit: "s"}}
	if err != nil {
		return fail(result.Crit, msg("backup.drill.restore_failed_advice"), errorf("backup.drill.extract_failed", c.Name, elapsed(dur), err))
	}
	res.Status = result.OK
	setMsg(&res, lang, msg("backup.drill.extracted", c.Name, x.st.format, elapsed(dur)))
	out = []result.Result{res, x.filesResult(p, lang)}
	if p.Drill.Manifest != "" {
		out = append(out, x.manifestResult(p, lang))
	}
	return out
}

// filesResult judges what the archive held: files, bytes, expected paths.
func (x *extractor) filesResult(p *Policy, lang string) result.Result {
	st := x.st
	r := drillResult(p, DrillFiles, result.OK, lang, i18n.Sub{})
	r.SetValue(float64(st.files), "files")
	r.Metrics = []result.Metric{{Name: "drill.files", Value: float64(st.files)}, {Name: "drill.bytes", Value: float64(st.bytes), Unit: "B"}}
	var missing []string
	for i, e := range p.Drill.Expect {
		if !st.expectSeen[i] {
			missing = append(missing, e)
		}
	}
	switch {
	case len(missing) > 0:
		r.Status = result.Crit
		setMsg(&r, lang, msg("backup.drill.files_missing", list(missing), st.files))
		setAdvice(&r, lang, msg("backup.drill.files_missing_advice"))
	case st.files == 0:
		r.Status = result.Crit
		setMsg(&r, lang, msg("backup.drill.no_files"))
		setAdvice(&r, lang, msg("backup.drill.no_files_advice"))
	case len(p.Drill.Expect) > 0:
		setMsg(&r, lang, msg("backup.drill.files_ok", st.files, humanBytes(st.bytes), len(p.Drill.Expect)))
	default:
		setMsg(&r, lang, msg("backup.drill.files_count", st.files, humanBytes(st.bytes)))
	}
	var notes []i18n.Sub
	if st.outsideN > 0 {
		notes = append(notes, msg("backup.drill.skipped_links", st.outsideN, list(st.outside)))
	}
	if st.special > 0 {
		notes = append(notes, msg("backup.drill.skipped_special", st.special))
	}
	if len(notes) > 0 {
		addMsg(&r, lang, msg("backup.sep.clause"))
		addMsg(&r, lang, clauses(notes...))
	}
	return r
}

// manifestShown is how many failing files a manifest verdict names.
const manifestShown = 5

// manifestResult checks every file the manifest lists against its hash,
// reading the manifest line by line and each file as a stream (constant
// memory whatever the archive's size).
func (x *extractor) manifestResult(p *Policy, lang string) result.Result {
	d := p.Drill
	r := drillResult(p, DrillManifest, result.OK, lang, i18n.Sub{})
	if x.st.manifest == "" {
		r.Status = result.Crit
		setMsg(&r, lang, msg("backup.drill.manifest_missing", d.Manifest))
		setAdvice(&r, lang, msg("backup.drill.manifest_missing_advice"))
		return r
	}
	algo := strings.ToLower(d.ManifestAlgo)
	if algo == "" {
		algo = "sha256"
	}
	mf, err := x.root.Open(x.st.manifest)
	if err != nil {
		r.Status = result.Unknown
		setMsg(&r, lang, msg("backup.drill.manifest_read", x.st.manifest, err))
		return r
	}
	defer mf.Close()
	h, _ := newHash(algo)
	base := path.Dir(x.st.manifest)
	var listed, bad, badLines int
	var shown []i18n.Sub
	note := func(key string, args ...any) {
		bad++
		if len(shown) < manifestShown {
			shown = append(shown, msg(key, args...))
		}
	}
	sc := bufio.NewScanner(mf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if err := x.ctx.Err(); err != nil {
			break
		}
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, name, ok := parseManifestLine(line)
		if !ok {
			badLines++
			continue
		}
		listed++
		target := path.Join(base, name)
		if strings.HasPrefix(name, "/") {
			target = strings.TrimLeft(name, "/") // tar strips the leading / when packing
		}
		if target = path.Clean(target); !inside(target) {
			note("backup.drill.manifest_item_missing", name)
			continue
		}
		if target == x.st.manifest {
			// `sha256sum * > MANIFEST` hashes the manifest while the
			// shell is still writing it: that line proves nothing
			listed--
			continue
		}
		if len(want) != h.Size()*2 {
			note("backup.drill.manifest_item_algo", name, algo)
			continue
		}
		switch got, err := x.hashIn(h, target); {
		case errors.Is(err, fs.ErrNotExist):
			note("backup.drill.manifest_item_missing", name)
		case errors.Is(err, errNotRegular):
			note("backup.drill.manifest_item_notfile", name)
		case err != nil:
			note("backup.drill.manifest_item_unreadable", name)
		case got != want:
			note("backup.drill.manifest_item_diff", name)
		}
	}
	if err := sc.Err(); err != nil {
		r.Status = result.Unknown
		setMsg(&r, lang, msg("backup.drill.manifest_read", x.st.manifest, err))
		return r
	}
	r.SetValue(float64(listed), "files")
	switch {
	case listed == 0:
		r.Status = result.Crit
		setMsg(&r, lang, msg("backup.drill.manifest_empty", x.st.manifest))
		setAdvice(&r, lang, msg("backup.drill.manifest_missing_advice"))
		return r
	case bad > 0:
		if bad > len(shown) {
			shown = append(shown, msg("backup.drill.more", bad-len(shown)))
		}
		r.Status = result.Crit
		setMsg(&r, lang, msg("backup.drill.manifest_bad", x.st.manifest, listed, bad, list(shown)))
		setAdvice(&r, lang, msg("backup.drill.manifest_bad_advice"))
	default:
		setMsg(&r, lang, msg("backup.drill.manifest_ok", x.st.manifest, listed, algo))
	}
	if badLines > 0 {
		r.Status = result.Worst(r.Status, result.Warn)
		addMsg(&r, lang, msg("backup.drill.manifest_bad_lines", badLines))
	}
	return r
}

var errNotRegular = errors.New("not a regular file")

// hashIn hashes a regular file beneath the extraction root.
func (x *extractor) hashIn(h hash.Hash, name string) (string, error) {
	st, err := x.root.Lstat(name)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", errNotRegular
	}
	f, err := x.root.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h.Reset()
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{ctxReader{x.ctx, f}}, x.buf); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// parseManifestLine reads one checksum line: "HEX  name" or "HEX *name"
// (sha256sum, sm3sum, gmssl), or the BSD form "SHA256 (name) = HEX". The
// hex is returned in lower case.
func parseManifestLine(line string) (sum, name string, ok bool) {
	if open := strings.Index(line, " ("); open > 0 {
		if eq := strings.LastIndex(line, ") = "); eq > open {
			sum = strings.TrimSpace(line[eq+4:])
			if isHex(sum) {
				return strings.ToLower(sum), line[open+2 : eq], true
			}
		}
	}
	// sha256sum escapes names holding a newline or backslash with a
	// leading backslash on the line
	escaped := strings.HasPrefix(line, "\\")
	line = strings.TrimPrefix(line, "\\")
	sum, rest, found := strings.Cut(line, " ")
	if !found || !isHex(sum) || rest == "" {
		return "", "", false
	}
	if rest[0] == ' ' || rest[0] == '*' {
		rest = rest[1:]
	}
	if rest == "" {
		return "", "", false
	}
	if escaped {
		rest = strings.NewReplacer(`\\`, `\`, `\n`, "\n").Replace(rest)
	}
	return strings.ToLower(sum), rest, true
}

func isHex(s string) bool {
	if len(s) < 32 || len(s)%2 != 0 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}
