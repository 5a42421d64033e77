package audit

// # Format and design
//
// The log is a file of JSON lines, one Record per line, written by Append
// only. A line is the record as encoding/json writes it (fields in the order
// of Record, no spaces) with its hash in the last member:
//
//	{"seq":7,"time":"…",…,"algo":"sm3","prev":"<hash of record 6>","hash":"<hex>"}
//
// The hash of a record is SM3 (or SHA-256, as its "algo" says) over the
// canonical encoding of the record: exactly the line's bytes with the hash
// member emptied (`…,"prev":"…","hash":""}`). It therefore covers Prev, so
// each record seals the one before it, and it covers every byte of the
// line, so any edit — even one a JSON parser would not notice — breaks it.
// Fields added to Record must go before Algo, Prev and Hash.
//
// Verify walks the file and reports the first record that is wrong:
//
//   - edited: its hash is not the hash of its bytes;
//   - deleted: line i does not hold record i (seq numbers are 1, 2, … and
//     covered by the hash), or its Prev is not the hash of the line before;
//   - reordered: the same, with the missing record found further on;
//   - truncated: see the checkpoint below.
//
// A chain alone cannot show that records were cut from its end: what is left
// is a valid, shorter chain. So every Append also rewrites a small side file,
// the checkpoint PATH.head, holding the seq and hash of the last record
// (written atomically, after the record is synced). Verify requires that the
// log reach the checkpoint's seq with the checkpoint's hash; records after it
// are accepted when they chain on (a crash between the two writes leaves the
// checkpoint one record behind, and the next Append moves it). A non-empty
// log without a checkpoint is reported as possibly truncated, and Append
// refuses to write after a truncated or edited tail rather than paper over
// it with a new checkpoint.
//
// Limits: the checkpoint sits beside the log with the same permissions, so
// it stops accidents and someone who edits the log by hand, not an
// administrator who rewrites the whole chain and the checkpoint together.
// Against that, keep the head elsewhere: `hcops audit verify` prints the last
// seq and hash (hand it to the assessor, send it to syslog), and
// VerifyHead checks later that the log still holds that record.
//
// Appends take an exclusive flock(2) on the log, read the last record, write
// the new line with one write(2) on an O_APPEND descriptor, fsync, then move
// the checkpoint, all under the lock: several hcops processes (and
// goroutines) can share one log. The log and its checkpoint are created
// 0600; an existing log readable by others is narrowed to 0600.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/cyhealth/hcops/pkg/atomicfile"
)

// Hash algorithms of a record.
const (
	AlgoSM3    = "sm3"
	AlgoSHA256 = "sha256"
)

// DefaultAlgo is the hash of new records when Open is given "".
const DefaultAlgo = AlgoSM3

// fileMode is the log's and the checkpoint's mode: the log names hosts,
// users and commands of a health network.
const fileMode fs.FileMode = 0o600

// CheckpointSuffix is appended to the log's path to name its checkpoint.
const CheckpointSuffix = ".head"

// Log is an open audit log. It is safe for concurrent use, and several
// processes may append to the same file.
type Log struct {
	path string
	algo string
	mu   sync.Mutex
	f    *os.File
}

var _ Appender = (*Log)(nil)

// Open opens (creating it and its directory if needed) the log at path.
// New records are hashed with algo: "sm3" (also ""), or "sha256".
func Open(path string, algo string) (*Log, error) {
	algo = strings.ToLower(algo)
	if algo == "" {
		algo = DefaultAlgo
	}
	if newHash(algo) == nil {
		return nil, fmt.Errorf("audit log %s: unknown hash algorithm %q (want sm3 or sha256)", path, algo)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("audit log %s: not a regular file", path)
	}
	// Never wider than 0640: a log someone made world-readable is narrowed.
	if st.Mode().Perm()&0o137 != 0 {
		if err := f.Chmod(fileMode); err != nil {
			f.Close()
			return nil, fmt.Errorf("audit log: %w", err)
		}
	}
	return &Log{path: path, algo: algo, f: f}, nil
}

// Path is the log's file.
func (l *Log) Path() string { return l.path }

// Algo is the hash algorithm of the records this Log appends.
func (l *Log) Algo() string { return l.algo }

// Close releases the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Append adds r to the log and returns it as written: Seq, Algo, Prev and
// Hash are filled in, Time when it is zero, User and From (the OS user and
// host name) when empty. The record is on disk when Append returns.
func (l *Log) Append(r Record) (Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return Record{}, fmt.Errorf("audit log %s: closed", l.path)
	}
	fd := int(l.f.Fd())
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EINTR) {
			return Record{}, fmt.Errorf("audit log %s: lock: %w", l.path, err)
		}
	}
	defer syscall.Flock(fd, syscall.LOCK_UN)

	last, err := lastRecord(l.f)
	if err != nil {
		return Record{}, fmt.Errorf("audit log %s: %w", l.path, err)
	}
	if err := checkTail(l.path, last); err != nil {
		return Record{}, err
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.Round(0) // no monotonic reading
	if r.User == "" {
		r.User = currentUser()
	}
	if r.From == "" {
		r.From, _ = os.Hostname()
	}
	r.Seq, r.Prev, r.Algo, r.Hash = 1, "", l.algo, ""
	if r.Recording != "" && r.RecordingHash == "" {
		// A recording that cannot be read is logged without a hash: the
		// action happened, and the export shows the recording unsealed.
		r.RecordingHash, _ = FileHash(r.Recording, r.Algo)
	}
	if last != nil {
		r.Seq, r.Prev = last.Seq+1, last.Hash
	}
	line, sum, err := encode(r)
	if err != nil {
		return Record{}, fmt.Errorf("audit log %s: %w", l.path, err)
	}
	r.Hash = sum
	if _, err := l.f.Write(line); err != nil {
		return Record{}, fmt.Errorf("audit log %s: write: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return Record{}, fmt.Errorf("audit log %s: sync: %w", l.path, err)
	}
	if err := writeCheckpoint(l.path, checkpoint{Seq: r.Seq, Hash: r.Hash, Algo: r.Algo}); err != nil {
		return Record{}, fmt.Errorf("audit log %s: record %d written, checkpoint not: %w", l.path, r.Seq, err)
	}
	return r, nil
}

// checkTail refuses to append after a tail that no longer matches the
// checkpoint: a new checkpoint would hide the truncation or edit.
func checkTail(path string, last *Record) error {
	cp, err := readCheckpoint(path)
	if err != nil {
		return err
	}
	switch {
	case cp == nil && last == nil:
		return nil
	case cp == nil:
		return fmt.Errorf("audit log %s has records but no checkpoint %s: it may have been truncated; run hcops audit verify", path, path+CheckpointSuffix)
	case last == nil || last.Seq < cp.Seq:
		n := int64(0)
		if last != nil {
			n = last.Seq
		}
		return fmt.Errorf("audit log %s ends at record %d but its checkpoint says %d: it was truncated; run hcops audit verify", path, n, cp.Seq)
	case last.Seq == cp.Seq && last.Hash != cp.Hash:
		return fmt.Errorf("audit log %s: record %d does not match its checkpoint: it was edited; run hcops audit verify", path, last.Seq)
	}
	return nil
}

// FileHash is the hash of the file at path with algo (sm3 or sha256), hex.
func FileHash(path, algo string) (string, error) {
	h := newHash(algo)
	if h == nil {
		return "", fmt.Errorf("unknown hash algorithm %q", algo)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// hashSuffix is how encode ends every line before the hash is put in.
const hashSuffix = `,"hash":""}`

// lineHashRE finds the hash member at the end of a line.
var lineHashRE = regexp.MustCompile(`,"hash":"([0-9a-f]*)"}$`)

// encode returns the line for r (Hash ignored) with its newline, and the
// hash.
func encode(r Record) ([]byte, string, error) {
	r.Hash = ""
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(r); err != nil {
		return nil, "", err
	}
	canon := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.HasSuffix(canon, []byte(hashSuffix)) {
		return nil, "", errors.New("record encoding does not end with its hash (Hash must be Record's last field)")
	}
	sum := sumHex(r.Algo, canon)
	line := make([]byte, 0, len(canon)+len(sum)+1)
	line = append(line, canon[:len(canon)-2]...) // up to `"hash":"`
	line = append(line, sum...)
	line = append(line, `"}`...)
	line = append(line, '\n')
	return line, sum, nil
}

// canonical returns the bytes a stored line's hash covers, and the hash the
// line carries.
func canonical(line []byte) ([]byte, string, bool) {
	m := lineHashRE.FindSubmatchIndex(line)
	if m == nil {
		return nil, "", false
	}
	c := make([]byte, 0, m[0]+len(hashSuffix))
	c = append(c, line[:m[0]]...)
	c = append(c, hashSuffix...)
	return c, string(line[m[2]:m[3]]), true
}

func newHash(algo string) hash.Hash {
	switch algo {
	case AlgoSM3:
		return sm3.New()
	case AlgoSHA256:
		return sha256.New()
	}
	return nil
}

func sumHex(algo string, data []byte) string {
	h := newHash(algo)
	if h == nil {
		return ""
	}
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// lastRecord reads the last line of f. An empty file gives nil; a file
// that does not end with a newline, or whose last line is not a record, is
// an error (a torn or edited tail: hcops audit verify says which).
func lastRecord(f *os.File) (*Record, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, nil
	}
	chunk := int64(64 << 10)
	for {
		off := max(size-chunk, 0)
		buf := make([]byte, size-off)
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if buf[len(buf)-1] != '\n' {
			return nil, errors.New("the last record is incomplete (no newline): run hcops audit verify")
		}
		body := buf[:len(buf)-1]
		i := bytes.LastIndexByte(body, '\n')
		if i < 0 && off > 0 {
			chunk *= 4
			continue
		}
		var r Record
		if err := json.Unmarshal(body[i+1:], &r); err != nil || r.Seq <= 0 || r.Hash == "" {
			return nil, errors.New("the last record is damaged: run hcops audit verify")
		}
		return &r, nil
	}
}

// checkpoint is the content of PATH.head.
type checkpoint struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	Algo string `json:"algo"`
}

func readCheckpoint(path string) (*checkpoint, error) {
	data, err := os.ReadFile(path + CheckpointSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	var cp checkpoint
	if err := json.Unmarshal(data, &cp); err != nil || cp.Seq <= 0 {
		return nil, fmt.Errorf("audit checkpoint %s is damaged", path+CheckpointSuffix)
	}
	return &cp, nil
}

func writeCheckpoint(path string, cp checkpoint) error {
	data, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	return atomicfile.Write(path+CheckpointSuffix, append(data, '\n'), fileMode)
}

// scanLines calls fn for every line of the file at path (without its
// newline; a last line without one is passed with complete false). A
// missing file has no lines.
func scanLines(path string, fn func(no int, line []byte, complete bool) error) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for no := 1; ; no++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			complete := line[len(line)-1] == '\n'
			if complete {
				line = line[:len(line)-1]
			}
			if ferr := fn(no, line, complete); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit log %s: %w", path, err)
		}
	}
}
