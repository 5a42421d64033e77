package audit

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Kinds of damage Verify reports.
const (
	DamageMalformed  = "malformed"  // a line that is not a record (cut, or edited out of JSON)
	DamageEdited     = "edited"     // a record's bytes do not match its hash
	DamageMissing    = "missing"    // a record is not where its number says (deleted)
	DamageReordered  = "reordered"  // records are out of order
	DamageBrokenLink = "broken"     // Prev is not the previous record's hash
	DamageTruncated  = "truncated"  // records cut from the end (the checkpoint is further)
	DamageCheckpoint = "checkpoint" // the checkpoint is missing, damaged, or disagrees
)

// VerifyError locates the first damage in a log: which record, on which
// line, and what is wrong. Seq is the number of the record that is wrong
// or missing; Line is the line of the file where it was expected.
type VerifyError struct {
	Path string
	Kind string // one of the Damage* constants
	Seq  int64  // the record concerned (the first missing one for truncated)
	Line int    // 1-based line of the file (0 when past the end)
	// Other is the second record of a reordering, or the last record of the
	// log for a truncation, or the record found instead of Seq.
	Other int64
}

func (e *VerifyError) Error() string {
	switch e.Kind {
	case DamageMalformed:
		return fmt.Sprintf("%s:%d: record %d is damaged: the line is not a complete record", e.Path, e.Line, e.Seq)
	case DamageEdited:
		return fmt.Sprintf("%s:%d: record %d was edited: its hash does not match its content", e.Path, e.Line, e.Seq)
	case DamageMissing:
		return fmt.Sprintf("%s:%d: record %d was deleted: line %d holds record %d", e.Path, e.Line, e.Seq, e.Line, e.Other)
	case DamageReordered:
		return fmt.Sprintf("%s:%d: records %d and %d were swapped or moved: line %d holds record %d", e.Path, e.Line, e.Seq, e.Other, e.Line, e.Other)
	case DamageBrokenLink:
		return fmt.Sprintf("%s:%d: record %d does not follow record %d: its previous-record hash differs (a record was replaced)", e.Path, e.Line, e.Seq, e.Seq-1)
	case DamageTruncated:
		return fmt.Sprintf("%s: records from %d on were cut from the end: the log ends at record %d, its checkpoint at %d", e.Path, e.Seq, e.Seq-1, e.Other)
	case DamageCheckpoint:
		if e.Other == 0 {
			return fmt.Sprintf("%s: the checkpoint %s is missing or damaged: records may have been cut from the end after record %d", e.Path, e.Path+CheckpointSuffix, e.Seq)
		}
		return fmt.Sprintf("%s:%d: record %d does not match the checkpoint: it or the chain before it was rewritten", e.Path, e.Line, e.Seq)
	}
	return fmt.Sprintf("%s:%d: record %d: %s", e.Path, e.Line, e.Seq, e.Kind)
}

// Head is the last record of a log: give it to someone who keeps it
// elsewhere, and VerifyHead later proves the log still holds it.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	Algo string `json:"algo"`
}

// entry is what Verify keeps of a line.
type entry struct {
	line     int
	seq      int64
	prev     string
	hash     string
	complete bool
	parsed   bool
	hashOK   bool
}

// Verify checks the whole chain of the log at path and its checkpoint. It
// returns the number of records that are intact before the first damage
// (all of them when err is nil). A damaged log gives a *VerifyError; other
// errors are reading errors. A missing or empty log is intact with 0
// records when it has no checkpoint.
func Verify(path string) (int, error) {
	_, n, err := verify(path)
	return n, err
}

// VerifyHead verifies the log like Verify and also that it still holds head,
// a record seen earlier (printed by hcops audit verify, kept by an
// assessor): this catches a chain rewritten together with its checkpoint.
func VerifyHead(path string, head Head) (int, error) {
	entries, n, err := verify(path)
	if err != nil {
		return n, err
	}
	if head.Seq <= 0 || head.Seq > int64(len(entries)) {
		return n, &VerifyError{Path: path, Kind: DamageTruncated, Seq: int64(len(entries)) + 1, Other: head.Seq}
	}
	if e := entries[head.Seq-1]; e.hash != head.Hash {
		return n, &VerifyError{Path: path, Kind: DamageEdited, Seq: head.Seq, Line: e.line}
	}
	return n, nil
}

// LastHead returns the last record's seq and hash (zero for an empty log).
func LastHead(path string) (Head, error) {
	var h Head
	err := scanLines(path, func(no int, line []byte, complete bool) error {
		var r Record
		if json.Unmarshal(line, &r) == nil {
			h = Head{Seq: r.Seq, Hash: r.Hash, Algo: r.Algo}
		}
		return nil
	})
	return h, err
}

// lineEntry reads one line of a log for Verify.
func lineEntry(no int, line []byte, complete bool) entry {
	e := entry{line: no, complete: complete}
	var r Record
	if json.Unmarshal(line, &r) == nil && r.Seq > 0 {
		e.parsed = true
		e.seq, e.prev, e.hash = r.Seq, r.Prev, r.Hash
		if canon, h, ok := canonical(line); ok && h == r.Hash {
			e.hashOK = sumHex(r.Algo, canon) == r.Hash
		}
	}
	return e
}

// VerifyLines checks the chain of a log's lines kept elsewhere (a runner's
// log copied into a shared history; name says which, for messages): each
// record's hash, numbering and link. There is no checkpoint to compare.
func VerifyLines(name string, lines [][]byte) (int, error) {
	entries := make([]entry, len(lines))
	for i, l := range lines {
		entries[i] = lineEntry(i+1, l, true)
	}
	_, n, err := checkChain(name, entries)
	return n, err
}

func verify(path string) ([]entry, int, error) {
	var entries []entry
	err := scanLines(path, func(no int, line []byte, complete bool) error {
		entries = append(entries, lineEntry(no, line, complete))
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if entries, n, err := checkChain(path, entries); err != nil {
		return entries, n, err
	}
	return checkCheckpoint(path, entries)
}

// checkChain checks every entry's hash, number and link to the one before.
func checkChain(path string, entries []entry) ([]entry, int, error) {
	// where maps a seq to its index, to tell a swap from a deletion.
	where := make(map[int64]int, len(entries))
	for i, e := range entries {
		if e.parsed {
			if _, dup := where[e.seq]; !dup {
				where[e.seq] = i
			}
		}
	}
	for i, e := range entries {
		want := int64(i + 1)
		bad := func(kind string, other int64) ([]entry, int, error) {
			return entries, i, &VerifyError{Path: path, Kind: kind, Seq: want, Line: e.line, Other: other}
		}
		switch {
		case !e.complete || !e.parsed:
			return bad(DamageMalformed, 0)
		case !e.hashOK:
			// Named by its place: an edited seq is an edit too.
			return bad(DamageEdited, 0)
		case e.seq != want:
			if j, ok := where[want]; ok && j > i {
				return bad(DamageReordered, e.seq)
			}
			return bad(DamageMissing, e.seq)
		case i == 0 && e.prev != "":
			return bad(DamageMissing, e.seq)
		case i > 0 && e.prev != entries[i-1].hash:
			return bad(DamageBrokenLink, 0)
		}
	}
	return entries, len(entries), nil
}

// checkCheckpoint compares the log's checkpoint file with its entries.
func checkCheckpoint(path string, entries []entry) ([]entry, int, error) {
	n := len(entries)
	cp, err := readCheckpoint(path)
	if err != nil {
		var ve error = &VerifyError{Path: path, Kind: DamageCheckpoint, Seq: int64(n)}
		return entries, n, errors.Join(ve, err)
	}
	switch {
	case cp == nil && n == 0:
	case cp == nil:
		return entries, n, &VerifyError{Path: path, Kind: DamageCheckpoint, Seq: int64(n)}
	case cp.Seq > int64(n):
		return entries, n, &VerifyError{Path: path, Kind: DamageTruncated, Seq: int64(n) + 1, Other: cp.Seq}
	case entries[cp.Seq-1].hash != cp.Hash:
		e := entries[cp.Seq-1]
		return entries, int(cp.Seq) - 1, &VerifyError{Path: path, Kind: DamageCheckpoint, Seq: cp.Seq, Line: e.line, Other: cp.Seq}
	}
	return entries, n, nil
}
