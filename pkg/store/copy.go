package store

// Moving a history from one store to another (an SQLite file to the shared
// PostgreSQL database, or back), verified by counts and checksums.
//
// The tables are discovered from the schema (sqlite_master or
// information_schema), never listed here, so a table added by a migration
// is copied without anyone remembering to. They are copied in foreign-key
// order with their ids, rows streamed from the source in primary-key order
// and inserted many per statement, all inside ONE write transaction on the
// destination: a copy stopped at any point (Ctrl-C, a lost connection, a
// killed process) commits nothing, and the destination stays the empty
// history it was. Before that transaction commits, every table is read
// back from it and its row count and checksum compared with the source's;
// a difference rolls the copy back. The source is only read, inside one
// read transaction, so runs written to it meanwhile are not half-copied.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// CopyReport says what Copy (or Verify) found, table by table.
type CopyReport struct {
	Source      string       `json:"source"`
	Destination string       `json:"destination"`
	Tables      []TableCheck `json:"tables"`
	Rows        int64        `json:"rows"`          // rows copied, every table
	Repaired    int64        `json:"repaired_text"` // text values stored with bytes replaced (RepairText)
	OK          bool         `json:"ok"`            // every table has the same rows and checksum on both sides
	Seconds     float64      `json:"seconds"`       // time the copy and verification took
}

// TableCheck is one table of a CopyReport. A checksum is the hex SHA-256 of
// the table's rows in primary-key order, each value encoded by its kind
// (integer, float bits, text, bytes, NULL), so an SQLite file and a
// PostgreSQL database holding the same rows have the same checksum.
type TableCheck struct {
	Table      string `json:"table"`
	Copied     bool   `json:"copied"` // false for a table the schema fills itself (statuses)
	SourceRows int64  `json:"source_rows"`
	DestRows   int64  `json:"destination_rows"`
	SourceSum  string `json:"source_checksum"`
	DestSum    string `json:"destination_checksum"`
	OK         bool   `json:"ok"`
	Repaired   int64  `json:"repaired_text"` // text values stored with bytes replaced (RepairText)
}

// NotEmptyError is Copy's refusal of a destination that already holds
// history: copying into it would mix two histories or collide on ids.
type NotEmptyError struct {
	Location string
	Runs     int64  // runs in the destination
	Table    string // first table found with rows
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("destination %s already holds history (%d runs; table %s has rows): copy only into an empty history", e.Location, e.Runs, e.Table)
}

// MismatchError is returned, with the report, when a table read back from
// the destination differs from the source.
type MismatchError struct {
	Tables []string
}

func (e *MismatchError) Error() string {
	return "copy verification failed for " + strings.Join(e.Tables, ", ")
}

// copyBookkeeping are tables not copied: the schema version (per engine)
// and the status names a migration fills (verified, not copied).
var (
	copySkipped  = []string{"hcops_schema"}
	copyVerified = []string{"statuses"}
)

// copyProgressEvery is how many rows pass between two progress calls.
const copyProgressEvery = 10000

// Copy copies every table of src into dst, keeping ids, and verifies each
// table by row count and checksum before committing (see the top of this
// file). dst must hold no history (NotEmptyError); both must be at the same
// schema version, which Open ensures. progress, if not nil, is called as
// rows are copied with the table and the rows copied so far. On a
// verification failure the copy is rolled back and the report is returned
// with a *MismatchError.
func Copy(ctx context.Context, dst, src *DB, progress func(table string, rows int64)) (*CopyReport, error) {
	return CopyWith(ctx, dst, src, CopyOptions{Progress: progress})
}

// CopyOptions are Copy's settings.
type CopyOptions struct {
	// Progress, if not nil, is called as rows are copied with the table
	// and the rows copied so far.
	Progress func(table string, rows int64)
	// RepairText stores text PostgreSQL cannot hold (bytes that are not
	// UTF-8, such as a GBK host's raw output in an SQLite history, or a
	// NUL byte) with those bytes replaced by U+FFFD, counted in the
	// report, instead of refusing the copy with a *BadTextError. The
	// source checksum is then that of the rows as written.
	RepairText bool
}

// BadTextError is Copy's refusal of a text value PostgreSQL cannot store:
// not valid UTF-8, or holding a NUL byte.
type BadTextError struct {
	Table, Column string
	Key           []any // the row's primary key
	Rows          int64 // rows of the table copied before it
}

func (e *BadTextError) Error() string {
	return fmt.Sprintf("table %s, row %v, column %s: text that is not valid UTF-8 or holds a NUL byte, which PostgreSQL cannot store", e.Table, e.Key, e.Column)
}

// CopyWith is Copy with options.
func CopyWith(ctx context.Context, dst, src *DB, o CopyOptions) (*CopyReport, error) {
	progress := o.Progress
	if dst.dialect == src.dialect && sameLocation(dst.path, src.path) {
		return nil, fmt.Errorf("source and destination are the same history (%s)", src.path)
	}
	start := time.Now()
	tables, err := src.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("history %s: reading the schema: %w", src.path, err)
	}
	dstTables, err := dst.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("history %s: reading the schema: %w", dst.path, err)
	}
	if err := sameSchema(tables, dstTables, dst.path); err != nil {
		return nil, err
	}
	var rep *CopyReport
	err = dst.write(withoutWriteTimeout(ctx), func(tx *sql.Tx) error {
		rep = &CopyReport{Source: src.path, Destination: dst.path}
		if err := dst.checkEmpty(ctx, tx, tables); err != nil {
			return err
		}
		stx, err := src.beginRead(ctx)
		if err != nil {
			return fmt.Errorf("history %s: %w", src.path, err)
		}
		defer stx.Rollback()
		for i := range tables {
			t := &tables[i]
			tc := TableCheck{Table: t.name, Copied: t.copy}
			var n int64
			var sum string
			if t.copy {
				var fix textCheck
				if dst.dialect == dialectPostgres {
					fix = textCheck{repair: o.RepairText, count: &tc.Repaired}
				}
				n, sum, err = copyRows(ctx, tx, stx, src.dialect, t, fix, progress)
				rep.Rows += n
				rep.Repaired += tc.Repaired
			} else {
				n, sum, err = tableSum(ctx, stx, src.dialect, t)
			}
			if err != nil {
				return err
			}
			tc.SourceRows, tc.SourceSum = n, sum
			rep.Tables = append(rep.Tables, tc)
		}
		if dst.dialect == dialectPostgres {
			if err := resetIdentities(ctx, tx); err != nil {
				return fmt.Errorf("history %s: moving the id sequences past the copied ids: %w", dst.path, err)
			}
		}
		mismatch, err := verifyInto(ctx, tx, dst.dialect, dstTables, rep)
		if err != nil {
			return fmt.Errorf("history %s: reading the copy back: %w", dst.path, err)
		}
		if len(mismatch) > 0 {
			return &MismatchError{Tables: mismatch}
		}
		return nil
	})
	if rep != nil {
		rep.Seconds = time.Since(start).Seconds()
	}
	var me *MismatchError
	if errors.As(err, &me) {
		return rep, err
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func sameLocation(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// Verify compares every table of a and b by row count and checksum, as
// Copy does before committing: the same history in two stores gives a
// report with OK set. It writes nothing.
func Verify(ctx context.Context, a, b *DB) (*CopyReport, error) {
	start := time.Now()
	at, err := a.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("history %s: reading the schema: %w", a.path, err)
	}
	bt, err := b.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("history %s: reading the schema: %w", b.path, err)
	}
	if err := sameSchema(at, bt, b.path); err != nil {
		return nil, err
	}
	atx, err := a.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer atx.Rollback()
	btx, err := b.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer btx.Rollback()
	rep := &CopyReport{Source: a.path, Destination: b.path}
	for i := range at {
		n, sum, err := tableSum(ctx, atx, a.dialect, &at[i])
		if err != nil {
			return nil, err
		}
		rep.Tables = append(rep.Tables, TableCheck{Table: at[i].name, Copied: at[i].copy, SourceRows: n, SourceSum: sum})
	}
	if _, err := verifyInto(ctx, btx, b.dialect, bt, rep); err != nil {
		return nil, err
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// verifyInto reads each table of rep back through q and fills in the
// destination side; it returns the tables that differ and sets rep.OK.
func verifyInto(ctx context.Context, q queryer, d dialect, tables []copyTable, rep *CopyReport) ([]string, error) {
	byName := map[string]*copyTable{}
	for i := range tables {
		byName[tables[i].name] = &tables[i]
	}
	var bad []string
	for i := range rep.Tables {
		tc := &rep.Tables[i]
		n, sum, err := tableSum(ctx, q, d, byName[tc.Table])
		if err != nil {
			return nil, err
		}
		tc.DestRows, tc.DestSum = n, sum
		tc.OK = tc.DestRows == tc.SourceRows && tc.DestSum == tc.SourceSum
		if !tc.OK {
			bad = append(bad, tc.Table)
		}
	}
	rep.OK = len(bad) == 0
	return bad, nil
}

// copyTable is one table as Copy sees it.
type copyTable struct {
	name string
	cols []string // in the source's order; both sides read them in this order
	pk   []string // primary key columns, or every column when there is none
	text map[string]bool
	deps []string // tables its foreign keys point to
	copy bool     // false: verified only
}

// quoteIdent quotes a table or column name for both engines.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// copyTables discovers the tables of the history with their columns, keys
// and foreign keys, in an order where every table comes after the tables
// it refers to.
func (db *DB) copyTables(ctx context.Context) ([]copyTable, error) {
	var names []string
	var err error
	if db.dialect == dialectPostgres {
		names, err = queryStrings(ctx, db.sql, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	} else {
		names, err = queryStrings(ctx, db.sql, `SELECT name FROM sqlite_master
			WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	}
	if err != nil {
		return nil, err
	}
	var tables []copyTable
	for _, name := range names {
		if slices.Contains(copySkipped, name) {
			continue
		}
		t := copyTable{name: name, copy: !slices.Contains(copyVerified, name), text: map[string]bool{}}
		if err := db.describe(ctx, &t); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		tables = append(tables, t)
	}
	return fkOrder(tables)
}

func (db *DB) describe(ctx context.Context, t *copyTable) error {
	var rows *sql.Rows
	var err error
	if db.dialect == dialectPostgres {
		rows, err = db.sql.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, t.name)
	} else {
		rows, err = db.sql.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, t.name)
	}
	if err != nil {
		return err
	}
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			rows.Close()
			return err
		}
		t.cols = append(t.cols, c)
		typ = strings.ToLower(typ)
		t.text[c] = strings.Contains(typ, "text") || strings.Contains(typ, "char")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(t.cols) == 0 {
		return errors.New("no columns")
	}
	if db.dialect == dialectPostgres {
		t.pk, err = queryStrings(ctx, db.sql, `SELECT kcu.column_name
			FROM information_schema.table_constraints tc
			JOIN information_schema.key_column_usage kcu
			  ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
			WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND tc.table_name = ?
			ORDER BY kcu.ordinal_position`, t.name)
		if err == nil {
			t.deps, err = queryStrings(ctx, db.sql, `SELECT DISTINCT ccu.table_name
				FROM information_schema.table_constraints tc
				JOIN information_schema.constraint_column_usage ccu
				  ON ccu.constraint_schema = tc.constraint_schema AND ccu.constraint_name = tc.constraint_name
				WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = ?
				ORDER BY 1`, t.name)
		}
	} else {
		t.pk, err = queryStrings(ctx, db.sql, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, t.name)
		if err == nil {
			t.deps, err = queryStrings(ctx, db.sql, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?) ORDER BY 1`, t.name)
		}
	}
	if err != nil {
		return err
	}
	if len(t.pk) == 0 {
		t.pk = t.cols
	}
	return nil
}

func queryStrings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// fkOrder sorts tables so that each comes after those it refers to; among
// tables free to go, by name.
func fkOrder(tables []copyTable) ([]copyTable, error) {
	known := map[string]bool{}
	for _, t := range tables {
		known[t.name] = true
	}
	done := map[string]bool{}
	var out []copyTable
	for len(out) < len(tables) {
		progressed := false
		for _, t := range tables {
			if done[t.name] {
				continue
			}
			ready := true
			for _, d := range t.deps {
				if d != t.name && known[d] && !done[d] {
					ready = false
					break
				}
			}
			if ready {
				out = append(out, t)
				done[t.name] = true
				progressed = true
				break // restart: keep the name order among ready tables
			}
		}
		if !progressed {
			var left []string
			for _, t := range tables {
				if !done[t.name] {
					left = append(left, t.name)
				}
			}
			return nil, fmt.Errorf("tables %s refer to each other in a cycle", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// sameSchema checks that the destination has every table and column of
// the source, and nothing the source lacks, and gives the destination's
// tables the source's column and key order, so both sides are read and
// hashed alike.
func sameSchema(src, dst []copyTable, dstLoc string) error {
	byName := map[string]*copyTable{}
	for i := range dst {
		byName[dst[i].name] = &dst[i]
	}
	for _, s := range src {
		d := byName[s.name]
		if d == nil {
			return fmt.Errorf("history %s has no table %s: are both at the same schema version?", dstLoc, s.name)
		}
		if !sameSet(s.cols, d.cols) {
			return fmt.Errorf("history %s: table %s has columns %s, the source %s", dstLoc, s.name, strings.Join(d.cols, ","), strings.Join(s.cols, ","))
		}
		if !sameSet(s.pk, d.pk) {
			return fmt.Errorf("history %s: table %s has the key %s, the source %s", dstLoc, s.name, strings.Join(d.pk, ","), strings.Join(s.pk, ","))
		}
		d.cols, d.pk = s.cols, s.pk
		delete(byName, s.name)
	}
	for name := range byName {
		return fmt.Errorf("history %s has a table %s the source lacks: are both at the same schema version?", dstLoc, name)
	}
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// checkEmpty refuses a destination where any copied table has rows.
func (db *DB) checkEmpty(ctx context.Context, tx *sql.Tx, tables []copyTable) error {
	// runs first: the table a person thinks of as "the history".
	order := slices.Clone(tables)
	slices.SortStableFunc(order, func(a, b copyTable) int {
		if a.name == "runs" {
			return -1
		}
		if b.name == "runs" {
			return 1
		}
		return 0
	})
	for _, t := range order {
		if !t.copy {
			continue
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(t.name)+` LIMIT 1`).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		e := &NotEmptyError{Location: db.path, Table: t.name}
		_ = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs`).Scan(&e.Runs)
		return e
	}
	return nil
}

// beginRead starts a read transaction that sees one state of the history
// throughout, while other processes keep writing to it.
func (db *DB) beginRead(ctx context.Context) (*sql.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == dialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.sql.BeginTx(ctx, opts)
}

// selectSQL reads every column of t in primary-key order; text keys are
// compared byte-wise on both engines.
func selectSQL(d dialect, t *copyTable) string {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quoteIdent(c)
	}
	order := make([]string, len(t.pk))
	for i, c := range t.pk {
		order[i] = quoteIdent(c)
		if d == dialectPostgres && t.text[c] {
			order[i] += ` COLLATE "C"`
		}
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + quoteIdent(t.name) + ` ORDER BY ` + strings.Join(order, ", ")
}

// rowHasher is the checksum of a table's rows.
type rowHasher struct {
	h   hash.Hash
	buf []byte
}

func newRowHasher() *rowHasher { return &rowHasher{h: sha256.New()} }

// add hashes one row: each value with a tag for its kind, so NULL, empty text
// and 0 differ and the same row hashes the same from either engine.
func (rh *rowHasher) add(vals []any) error {
	b := append(rh.buf[:0], 'R')
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, 'N')
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 'I'), uint64(x))
		case int32:
			b = binary.BigEndian.AppendUint64(append(b, 'I'), uint64(int64(x)))
		case int:
			b = binary.BigEndian.AppendUint64(append(b, 'I'), uint64(int64(x)))
		case bool:
			n := uint64(0)
			if x {
				n = 1
			}
			b = binary.BigEndian.AppendUint64(append(b, 'I'), n)
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, 'F'), math.Float64bits(x))
		case float32:
			b = binary.BigEndian.AppendUint64(append(b, 'F'), math.Float64bits(float64(x)))
		case string:
			b = binary.AppendUvarint(append(b, 'T'), uint64(len(x)))
			b = append(b, x...)
		case []byte:
			b = binary.AppendUvarint(append(b, 'B'), uint64(len(x)))
			b = append(b, x...)
		default:
			return fmt.Errorf("unexpected value of type %T", v)
		}
	}
	rh.buf = b
	rh.h.Write(b)
	return nil
}

func (rh *rowHasher) sum() string { return hex.EncodeToString(rh.h.Sum(nil)) }

// tableSum counts and hashes the rows of t as read through q.
func tableSum(ctx context.Context, q queryer, d dialect, t *copyTable) (int64, string, error) {
	rows, err := q.QueryContext(ctx, selectSQL(d, t))
	if err != nil {
		return 0, "", fmt.Errorf("table %s: %w", t.name, err)
	}
	defer rows.Close()
	vals, ptrs := scanTargets(len(t.cols))
	rh := newRowHasher()
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", fmt.Errorf("table %s: %w", t.name, err)
		}
		if err := rh.add(vals); err != nil {
			return 0, "", fmt.Errorf("table %s, row %d: %w", t.name, n+1, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, "", fmt.Errorf("table %s: %w", t.name, err)
	}
	return n, rh.sum(), nil
}

func scanTargets(n int) ([]any, []any) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, ptrs
}

// copyRows streams t from the source transaction into the destination
// transaction, hashing the source rows on the way.
func copyRows(ctx context.Context, dtx *sql.Tx, stx *sql.Tx, sd dialect, t *copyTable, fix textCheck, progress func(string, int64)) (int64, string, error) {
	rows, err := stx.QueryContext(ctx, selectSQL(sd, t))
	if err != nil {
		return 0, "", fmt.Errorf("table %s: reading the source: %w", t.name, err)
	}
	defer rows.Close()
	cols := make([]string, len(t.cols))
	marks := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i], marks[i] = quoteIdent(c), "?"
	}
	bi := newBatchInsert(ctx, dtx, `INSERT INTO `+quoteIdent(t.name)+` (`+strings.Join(cols, ", ")+`) VALUES `,
		`(`+strings.Join(marks, ", ")+`)`, len(cols))
	defer bi.close()
	vals, ptrs := scanTargets(len(t.cols))
	rh := newRowHasher()
	var n int64
	var first []any // key of the first row of the pending statement, for messages
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, "", fmt.Errorf("table %s: reading the source: %w", t.name, err)
		}
		if err := fix.check(t, vals, n); err != nil {
			return n, "", err
		}
		if err := rh.add(vals); err != nil {
			return n, "", fmt.Errorf("table %s, row %d: %w", t.name, n+1, err)
		}
		if bi.count == 0 {
			first = keyOf(t, vals)
		}
		if err := bi.add(vals...); err != nil {
			return n, "", fmt.Errorf("table %s: writing the %d rows from key %v: %w", t.name, rowsPerStatement, first, err)
		}
		n++
		if progress != nil && n%copyProgressEvery == 0 {
			progress(t.name, n)
		}
	}
	if err := rows.Err(); err != nil {
		return n, "", fmt.Errorf("table %s: reading the source: %w", t.name, err)
	}
	if err := bi.flush(); err != nil {
		return n, "", fmt.Errorf("table %s: writing the last rows from key %v: %w", t.name, first, err)
	}
	if progress != nil {
		progress(t.name, n)
	}
	return n, rh.sum(), nil
}

// textCheck finds, in rows bound for PostgreSQL, text it cannot store,
// and refuses it or repairs it. The zero value (nil count) checks nothing.
type textCheck struct {
	repair bool
	count  *int64
}

func (c textCheck) check(t *copyTable, vals []any, n int64) error {
	if c.count == nil {
		return nil
	}
	for i, v := range vals {
		s, ok := v.(string)
		if !ok || pgStorable(s) {
			continue
		}
		if !c.repair {
			return &BadTextError{Table: t.name, Column: t.cols[i], Key: keyOf(t, vals), Rows: n}
		}
		vals[i] = pgText(s)
		*c.count++
	}
	return nil
}

// keyOf is the primary key of a row, for messages.
func keyOf(t *copyTable, vals []any) []any {
	var k []any
	for _, c := range t.pk {
		i := slices.Index(t.cols, c)
		if i >= 0 {
			v := vals[i]
			if s, ok := v.(string); ok && len(s) > 64 {
				v = s[:64] + "…"
			}
			k = append(k, v)
		}
	}
	return k
}

// resetIdentities moves every identity column's sequence past the largest
// id copied, so the next run, result or ticket gets a new id.
func resetIdentities(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	type ident struct{ table, col string }
	var ids []ident
	for rows.Next() {
		var i ident
		if err := rows.Scan(&i.table, &i.col); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, i := range ids {
		// setval of NULL (an empty table) does nothing: the sequence
		// still starts at 1.
		q := `SELECT setval(pg_get_serial_sequence(?, ?), m) FROM (SELECT max(` + quoteIdent(i.col) + `) AS m FROM ` +
			quoteIdent(i.table) + `) s WHERE m IS NOT NULL`
		r, err := tx.QueryContext(ctx, q, quoteIdent(i.table), i.col)
		if err != nil {
			return fmt.Errorf("table %s: %w", i.table, err)
		}
		r.Close()
		if err := r.Err(); err != nil {
			return fmt.Errorf("table %s: %w", i.table, err)
		}
	}
	return nil
}
