package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter selects records. Zero fields select everything; set fields must
// all match.
type Filter struct {
	User    string    // the OS user, exactly
	Host    string    // a target, or the machine hcops ran on, exactly
	Command string    // a substring of the command or of the file (case-insensitive)
	Action  string    // exec, cp, ssh, …, exactly
	Outcome string    // ok, failed, refused, interrupted, exactly
	Since   time.Time // records at or after
	Until   time.Time // records before
	Limit   int       // at most this many, the newest (0: all)
}

// Match reports whether r is selected by f (Limit aside).
func (f Filter) Match(r *Record) bool {
	if f.User != "" && r.User != f.User {
		return false
	}
	if f.Host != "" && r.From != f.Host && !slices.Contains(r.Targets, f.Host) {
		return false
	}
	if f.Command != "" {
		sub := strings.ToLower(f.Command)
		if !strings.Contains(strings.ToLower(r.Command), sub) && !strings.Contains(strings.ToLower(r.File), sub) {
			return false
		}
	}
	if f.Action != "" && r.Action != f.Action {
		return false
	}
	if f.Outcome != "" && r.Outcome != f.Outcome {
		return false
	}
	if !f.Since.IsZero() && r.Time.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !r.Time.Before(f.Until) {
		return false
	}
	return true
}

// List returns the records of the log at path that f selects, oldest
// first (the newest f.Limit when Limit > 0). It reads what can be read:
// lines that are not records are skipped — Verify is what judges the log.
// A missing log has no records.
func List(path string, f Filter) ([]Record, error) {
	var out []Record
	err := scanLines(path, func(no int, line []byte, complete bool) error {
		var r Record
		if json.Unmarshal(line, &r) != nil {
			return nil
		}
		if f.Match(&r) {
			out = append(out, r)
		}
		return nil
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, err
}

// Lines calls fn with every complete record line of the log at path
// numbered above after, in file order: what a shared history has not yet
// copied of this runner's log.
func Lines(path string, after int64, fn func(seq int64, line []byte) error) error {
	return scanLines(path, func(no int, line []byte, complete bool) error {
		seq, ok := lineSeq(line)
		if !complete || !ok || seq <= after {
			return nil
		}
		return fn(seq, line)
	})
}

// lineSeq reads a record line's number: from its start, where the log
// writes it ({"seq":N,...}), without decoding the whole line; else by
// decoding it.
func lineSeq(line []byte) (int64, bool) {
	if rest, ok := bytes.CutPrefix(line, []byte(`{"seq":`)); ok {
		if i := bytes.IndexByte(rest, ','); i > 0 {
			if n, err := strconv.ParseInt(string(rest[:i]), 10, 64); err == nil {
				return n, n > 0
			}
		}
	}
	var r struct {
		Seq int64 `json:"seq"`
	}
	if json.Unmarshal(line, &r) != nil {
		return 0, false
	}
	return r.Seq, r.Seq > 0
}

// Search is List: a name for the CLI's search command, which combines the
// filters.
func Search(path string, f Filter) ([]Record, error) { return List(path, f) }

// Get returns the record numbered seq.
func Get(path string, seq int64) (Record, error) {
	var found *Record
	err := scanLines(path, func(no int, line []byte, complete bool) error {
		if found != nil {
			return nil
		}
		var r Record
		if json.Unmarshal(line, &r) == nil && r.Seq == seq {
			found = &r
		}
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	if found == nil {
		return Record{}, &NotFoundError{Path: path, Seq: seq}
	}
	return *found, nil
}

// NotFoundError is Get's error for a record the log does not hold.
type NotFoundError struct {
	Path string
	Seq  int64
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("audit log %s has no record %d", e.Path, e.Seq)
}
