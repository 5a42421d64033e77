package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cyhealth/hcops/pkg/transport"
)

// restoreTool is the client a dump is fed to, checked before the scratch
// database is created.
type restoreTool struct {
	engine string
	path   string // psql, or the MariaDB client
}

// psqlRestrictRE reads `psql --version`.
var psqlVersionRE = regexp.MustCompile(`\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?`)

// restrictSupported reports whether psql major.minor has \restrict, which
// the August 2025 releases added (CVE-2025-8714): 17.6, 16.10, 15.14,
// 14.19, 13.22 and every release from 18 on.
func restrictSupported(major, minor int) bool {
	need := map[int]int{17: 6, 16: 10, 15: 14, 14: 19, 13: 22}
	if major >= 18 {
		return true
	}
	m, ok := need[major]
	return ok && minor >= m
}

// findRestoreTool finds the client of engine on this machine and checks it
// can be locked against the dump: psql with \restrict, the MariaDB client
// with --sandbox. Its errors are catalogue errors.
func findRestoreTool(ctx context.Context, engine string) (restoreTool, error) {
	if engine == "postgresql" {
		path := pgTool("psql")
		out, err := toolOutput(ctx, path, "--version")
		if err != nil {
			return restoreTool{}, errorf("backup.drill.start_tool", "psql", err)
		}
		m := psqlVersionRE.FindStringSubmatch(out)
		if m == nil {
			return restoreTool{}, errorf("backup.drill.no_restrict", strings.TrimSpace(out))
		}
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if !restrictSupported(major, minor) {
			return restoreTool{}, errorf("backup.drill.no_restrict", strings.TrimSpace(out))
		}
		return restoreTool{engine: engine, path: path}, nil
	}
	path := ""
	for _, name := range []string{"mariadb", "mysql"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		return restoreTool{}, errorf("backup.drill.start_tool", "mariadb", exec.ErrNotFound)
	}
	help, err := toolOutput(ctx, path, "--no-defaults", "--help")
	if err != nil {
		return restoreTool{}, errorf("backup.drill.start_tool", filepath.Base(path), err)
	}
	if !strings.Contains(help, "--sandbox") {
		ver, _ := toolOutput(ctx, path, "--no-defaults", "--version")
		return restoreTool{}, errorf("backup.drill.no_sandbox", strings.TrimSpace(ver))
	}
	return restoreTool{engine: engine, path: path}, nil
}

// toolOutput runs a client for its version or help text.
func toolOutput(ctx context.Context, path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = transport.ChildEnv()
	out, err := cmd.Output()
	return string(out), err
}

// restrictKey is the key of psql's \restrict: random, so no dump can
// contain the \unrestrict that would lift it.
func restrictKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// libpqQuote quotes a value of a libpq connection string.
func libpqQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// restore streams copy c from its host into the scratch database through
// the locked client: decompressed, a pg_dump custom archive turned into SQL
// by pg_restore on the way, and the dump's own database switches dropped
// (a convenience so that `pg_dump --create` and `mysqldump --databases`
// copies restore; the safety is the client's lock and the account). Nothing
// is written to disk.
func restore(pctx context.Context, tool restoreTool, c Copy, src transport.Runner, t DrillTarget, port int, tls, pw, scratch string) error {
	ctx, cancel := context.WithCancel(pctx)
	defer cancel()
	in, err := openCopy(ctx, src, c)
	if err != nil {
		return err
	}
	defer in.Close()
	var r io.Reader = bufio.NewReaderSize(in, 1<<20)
	if strings.HasSuffix(strings.ToLower(c.Name), ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return errorf("backup.drill.read_copy", c.Name, errorf("backup.drill.gunzip", err))
		}
		r = zr
	}
	br := bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(5)
	var sqlText io.Reader = readSide{br}
	var pgr *exec.Cmd
	var pgrErr bytes.Buffer
	var preamble string
	var client *exec.Cmd
	switch tool.engine {
	case "postgresql":
		if string(head) == "PGDMP" {
			// A custom-format archive becomes SQL text, so that it goes
			// through the same locked psql as a plain dump: pg_restore never
			// connects anywhere itself.
			pgr = exec.CommandContext(ctx, pgTool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-")
			pgr.Env = transport.ChildEnv()
			pgr.Stdin = readSide{br}
			pgr.Stderr = &pgrErr
			pgr.WaitDelay = 5 * time.Second
			out, err := pgr.StdoutPipe()
			if err != nil {
				return err
			}
			if err := pgr.Start(); err != nil {
				return errorf("backup.drill.start_tool", "pg_restore", err)
			}
			sqlText = out
		}
		if port == 0 {
			port = 5432
		}
		conn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=%s application_name=hcops-drill",
			libpqQuote(t.Host), port, libpqQuote(t.User), libpqQuote(scratch), libpqQuote(tls))
		client = exec.CommandContext(ctx, tool.path, "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "-d", conn, "-o", os.DevNull, "-f", "-")
		client.Env = transport.ChildEnv("PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=30")
		// Every backslash command after this line is refused, the dump's
		// included: no \! (shell), \o or \w (write a file), \i (read one),
		// \connect (another database), \setenv.
		preamble = `\restrict ` + restrictKey() + "\n"
	default:
		if port == 0 {
			port = 3306
		}
		args := []string{"--no-defaults", "--sandbox", "--local-infile=0", "--protocol=TCP",
			"-h", t.Host, "-P", strconv.Itoa(port), "-u", t.User, "--database=" + scratch, "--batch", "--connect-timeout=30"}
		switch tls {
		case "disable":
			args = append(args, "--skip-ssl")
		case "verify-full", "verify-ca":
			args = append(args, "--ssl", "--ssl-verify-server-cert")
		default:
			args = append(args, "--ssl")
		}
		client = exec.CommandContext(ctx, tool.path, args...)
		client.Env = transport.ChildEnv("MYSQL_PWD=" + pw)
	}
	client.WaitDelay = 5 * time.Second
	stdin, err := client.StdinPipe()
	if err != nil {
		return err
	}
	var toolErr bytes.Buffer
	client.Stderr = &toolErr
	client.Stdout = io.Discard
	if err := client.Start(); err != nil {
		cancel()
		if pgr != nil {
			pgr.Wait()
		}
		return errorf("backup.drill.start_tool", filepath.Base(tool.path), err)
	}
	tap := newLineTap(2048)
	// The lock goes first, past the filter (which drops the dump's own
	// \restrict lines).
	var feedErr error
	if preamble != "" {
		tap.add([]byte(preamble), 0)
		_, feedErr = io.WriteString(stdin, preamble)
	}
	if feedErr == nil {
		feedErr = filterSQL(sqlText, stdin, tap)
	}
	stdin.Close()
	waitErr := client.Wait()
	if waitErr != nil || feedErr != nil {
		cancel() // pg_restore may be blocked writing what nobody reads now
	}
	var pgrWait error
	if pgr != nil {
		pgrWait = pgr.Wait()
	}
	msg := clientError(toolErr.String())
	var re readError
	switch {
	case pctx.Err() != nil:
		return pctx.Err()
	case waitErr != nil && msg != "":
		return fmt.Errorf("%s: %s%s", filepath.Base(tool.path), msg, tap.quote(msg))
	case errors.As(feedErr, &re):
		return errorf("backup.drill.read_copy", c.Name, re.err)
	case pgrWait != nil:
		return fmt.Errorf("pg_restore: %v: %s", pgrWait, lastBytes(pgrErr.String(), 600))
	case waitErr != nil:
		return fmt.Errorf("%s: %v", filepath.Base(tool.path), waitErr)
	case feedErr != nil:
		return fmt.Errorf("%s: %v", filepath.Base(tool.path), feedErr)
	}
	return nil
}

// clientError keeps the error lines of a client's stderr, on one line: the
// MariaDB client frames the failed statement between dashes before its
// ERROR line, and psql adds LINE/caret lines (the statement is quoted from
// the dump instead, see lineTap).
func clientError(stderr string) string {
	var keep, all []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.Trim(l, "-") == "" {
			continue
		}
		all = append(all, l)
		if strings.HasPrefix(l, "ERROR") || strings.HasPrefix(l, "psql:") || strings.HasPrefix(l, "FATAL") || strings.Contains(l, "error:") {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		keep = all
	}
	return lastBytes(strings.Join(keep, "; "), 600)
}

func lastBytes(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// readError is a failure to read the copy (as opposed to the client
// refusing what it was given).
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// readSide marks errors of the copy's reader as readError.
type readSide struct{ r io.Reader }

func (s readSide) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// lineTap keeps the start of the last lines fed to the client, with their
// line numbers in the dump, so that a client's "at line N" (of what it was
// fed: the drill's own first line and the dropped lines shift it) can show
// the dump's line and statement.
type lineTap struct {
	n     int // lines fed
	lines []tapLine
}

type tapLine struct {
	orig int // line in the dump; 0 for the drill's own
	text string
}

func newLineTap(keep int) *lineTap { return &lineTap{lines: make([]tapLine, keep)} }

func (t *lineTap) add(line []byte, orig int) {
	t.n++
	if len(line) > 160 {
		line = line[:160]
	}
	t.lines[(t.n-1)%len(t.lines)] = tapLine{orig, strings.TrimRight(string(line), "\r\n")}
}

// at returns fed line n (1-based) when it is still kept.
func (t *lineTap) at(n int) (tapLine, bool) {
	if n < 1 || n > t.n || t.n-n >= len(t.lines) {
		return tapLine{}, false
	}
	return t.lines[(n-1)%len(t.lines)], true
}

// clientLineRE finds the line a client names in its error: psql's
// "psql:<stdin>:12: ERROR", MariaDB's "ERROR 1044 (42000) at line 12".
var clientLineRE = regexp.MustCompile(`(?:psql:<stdin>:(\d+):|at line (\d+))`)

// quote returns " (line N: <statement>)" for the last line a client error
// names, sanitised, or "".
func (t *lineTap) quote(msg string) string {
	m := clientLineRE.FindAllStringSubmatch(msg, -1)
	if len(m) == 0 {
		return ""
	}
	last := m[len(m)-1]
	n, _ := strconv.Atoi(last[1] + last[2])
	l, ok := t.at(n)
	if !ok || l.orig == 0 {
		return ""
	}
	line := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, l.text)
	return fmt.Sprintf(" [line %d: %s]", l.orig, strings.TrimSpace(line))
}

// switchDBRE matches, at the start of a line outside COPY data, the
// database switches pg_dump and mysqldump write themselves (pg_dump
// --create: CREATE DATABASE, \connect; mysqldump --databases: CREATE
// DATABASE, USE; newer pg_dump: its own \restrict/\unrestrict, which would
// clash with the drill's). Keywords are matched as the dump tools write
// them, in capitals, so data such as "Use caution" is never touched. This
// is a convenience that lets such copies restore into the scratch
// database; it is not what keeps a restore there.
var switchDBRE = regexp.MustCompile(`^(?:\\(?:connect|c|restrict|unrestrict)\s|(?:CREATE|ALTER|DROP) DATABASE\s|COMMENT ON DATABASE\s|USE\s|/\*!\d+ (?:CREATE|DROP) DATABASE\s)`)

// ownerRE matches the ownership and privilege statements of a plain
// pg_dump (one line each): the drill account owns the scratch database and
// what is restored into it, as pg_restore --no-owner --no-privileges does
// for custom archives.
var ownerRE = regexp.MustCompile(`^(?:ALTER [A-Z ]+ .+ OWNER TO .+;|(?:GRANT|REVOKE) .+;|ALTER DEFAULT PRIVILEGES .+;)\s*$`)

// copyStartRE starts a COPY ... FROM stdin data block of a plain pg_dump;
// its rows run to a line "\.", and are passed through untouched.
var copyStartRE = regexp.MustCompile(`(?i)^COPY\s.*\sFROM\s+stdin\b.*;\s*$`)

// filterSQL copies SQL text line by line into w, dropping the dump's own
// database switches (switchDBRE) outside COPY data, and noting each line in
// tap. Lines can be megabytes long (extended INSERTs); only their start is
// inspected and kept.
func filterSQL(r io.Reader, w io.Writer, tap *lineTap) error {
	br := bufio.NewReaderSize(r, 1<<20)
	bw := bufio.NewWriterSize(w, 1<<20)
	atLineStart, inCopy, drop := true, false, false
	orig := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if atLineStart {
				orig++
				switch {
				case inCopy:
					inCopy = !bytes.Equal(bytes.TrimRight(chunk, "\r\n"), []byte(`\.`))
				case switchDBRE.Match(chunk), chunk[len(chunk)-1] == '\n' && ownerRE.Match(chunk):
					drop = true
				case copyStartRE.Match(bytes.TrimRight(chunk, "\r\n")):
					inCopy = true
				}
				if !drop {
					tap.add(chunk, orig)
				}
			}
			if !drop {
				if _, werr := bw.Write(chunk); werr != nil {
					return werr
				}
			}
			atLineStart = chunk[len(chunk)-1] == '\n'
			if atLineStart {
				drop = false
			}
		}
		switch {
		case err == nil, err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return bw.Flush()
		default:
			return err
		}
	}
}

// pgTool finds a PostgreSQL client tool: on PATH, else the newest
// /usr/lib/postgresql/N/bin.
func pgTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) > 0 {
		return m[len(m)-1]
	}
	return name
}
