// Package audit keeps the record of every remote action hcops takes — who,
// from which machine, when, on which targets, what command or file, with
// what outcome — in an append-only, hash-chained log: each record carries
// the hash of the previous record and its own (SM3 by default, SHA-256
// selectable), so an edited, deleted, reordered or truncated record is
// detected by Verify and located.
//
// The log is one file of JSON lines. Appends take an exclusive lock on the
// file, so several hcops processes can write to one log.
package audit

import (
	"time"
)

// Record is one audited action. Field names are part of the log's format:
// keep them.
type Record struct {
	Seq      int64     `json:"seq"`       // 1, 2, … in the file
	Time     time.Time `json:"time"`      // when the action started
	User     string    `json:"user"`      // OS user running hcops
	From     string    `json:"from"`      // host name hcops ran on
	Action   string    `json:"action"`    // exec, cp, ssh, inspect, drill, ticket, …
	Targets  []string  `json:"targets"`   // asset names
	Command  string    `json:"command"`   // the command, or a description of the action
	File     string    `json:"file"`      // a copied file or a script, when there is one
	FileHash string    `json:"file_hash"` // its SM3/SHA-256, hex
	// Exit codes per target (-1: not reached / no exit status).
	Exit       map[string]int `json:"exit,omitempty"`
	DurationMS int64          `json:"duration_ms"`
	Recording  string         `json:"recording,omitempty"` // path of an asciicast recording
	// RecordingHash is the hash (Algo) of the recording file, filled in by
	// Log.Append when Recording is set: the recording lives outside the log,
	// and this seals it into the chain.
	RecordingHash string `json:"recording_hash,omitempty"`
	Outcome       string `json:"outcome"` // ok, failed, refused, interrupted
	Note          string `json:"note,omitempty"`

	Algo string `json:"algo"` // sm3 or sha256
	Prev string `json:"prev"` // hash of the previous record ("" for the first)
	Hash string `json:"hash"` // hash of this record (with Prev, without Hash)
}

// Appender is what code that acts on hosts needs of the log.
type Appender interface {
	Append(r Record) (Record, error)
}
