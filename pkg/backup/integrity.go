package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm3"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// IntegrityScript returns the script that tests one copy where it lives.
// Every test streams the copy through a tool (gzip -t, zstd -t, tar -t,
// pg_restore --list, sha256sum, restic check) — nothing is held in memory,
// and hcops never transfers the copy. Each test prints its own marker line
// "@@T <name> <exit status>" after its output.
func IntegrityScript(p *Policy, c Copy) string {
	body := integrityBody(p, c)
	if p.Kind == KindRestic || c.Dir {
		return "f=" + quote(c.Path) + "\n" + body
	}
	return "f=" + quote(c.Path) + "\n" + body + checksumScript(p, c)
}

// integrityBody is the test of a copy whose path is already in $f: it
// depends on the copy only through its kind (directory or file) and the
// extension of its name, never on the path, so ListAndTest can run it on
// the newest copy the host finds.
func integrityBody(p *Policy, c Copy) string {
	var b strings.Builder
	// A test's listing output (tar -t, pg_restore --list) can be huge and is
	// discarded; only its errors are kept. No temporary file is written on
	// the host (its disk may be the full one).
	b.WriteString("t() { n=$1; shift; o=$(\"$@\" 2>&1 >/dev/null); rc=$?; printf '%s\\n' \"$o\" | tail -c 2000; echo \"@@T $n $rc\"; }\n")
	b.WriteString("has() { command -v \"$1\" >/dev/null 2>&1 || { echo \"@@T $2 127\"; return 1; }; }\n")
	if p.Kind == KindRestic {
		pw, _ := p.Password.Resolve()
		b.WriteString("RESTIC_PASSWORD=" + quote(pw) + "; export RESTIC_PASSWORD\n")
		b.WriteString("has restic restic-check && t restic-check restic --no-lock -r " + quote(p.Repository) + " check --read-data-subset=5%\n")
		return b.String()
	}
	if c.Dir {
		b.WriteString(`t dir-readable sh -c 'ls -A "$1" | head -1 | grep -q .' sh "$f"` + "\n")
		return b.String()
	}
	name := strings.ToLower(c.Name)
	if p.Encrypted {
		// Magic bytes, for the encryption check.
		b.WriteString("echo \"@@MAGIC $(head -c 512 \"$f\" 2>/dev/null | base64 | tr -d '\\n')\"\n")
	}
	// A compressed SQL dump: one pass decompresses it (testing the stream
	// and its checksum) and keeps its last bytes for the completion line.
	sqlDump := p.Kind == KindMysqldump || p.Kind == KindPgDump && strings.Contains(name, ".sql")
	if sqlDump && (strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".zst")) {
		tool := "gzip"
		if strings.HasSuffix(name, ".zst") {
			tool = "zstd"
		}
		b.WriteString("has " + tool + " " + tool + " && { echo @@TAILB " + tool + "; { " + tool + " -dc \"$f\" 2>/dev/null || echo @@STREAMFAIL; } | tail -c 300; echo; echo @@TAILE; }\n")
		return b.String()
	}
	switch {
	case strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz"):
		b.WriteString("has tar tar && t tar tar -tzf \"$f\"\n")
	case strings.HasSuffix(name, ".tar.zst") || strings.HasSuffix(name, ".tzst"):
		b.WriteString("has zstd zstd && t zstd zstd -t -q \"$f\" && t tar sh -c 'zstd -dc \"$1\" | tar -tf -' sh \"$f\"\n")
	case strings.HasSuffix(name, ".tar.bz2"):
		b.WriteString("has tar tar && t tar tar -tjf \"$f\"\n")
	case strings.HasSuffix(name, ".tar.xz"):
		b.WriteString("has tar tar && t tar tar -tJf \"$f\"\n")
	case strings.HasSuffix(name, ".tar"):
		b.WriteString("has tar tar && t tar tar -tf \"$f\"\n")
	case strings.HasSuffix(name, ".gz"):
		b.WriteString("has gzip gzip && t gzip gzip -t \"$f\"\n")
	case strings.HasSuffix(name, ".zst"):
		b.WriteString("has zstd zstd && t zstd zstd -t -q \"$f\"\n")
	case strings.HasSuffix(name, ".bz2"):
		b.WriteString("has bzip2 bzip2 && t bzip2 bzip2 -t \"$f\"\n")
	case strings.HasSuffix(name, ".xz"):
		b.WriteString("has xz xz && t xz xz -t \"$f\"\n")
	case strings.HasSuffix(name, ".zip"):
		b.WriteString("has unzip unzip && t zip unzip -tq \"$f\"\n")
	}
	// Dumps: a custom-format pg_dump is listed by pg_restore; a plain SQL
	// dump (compressed or not) must end with its tool's completion line.
	switch p.Kind {
	case KindPgDump:
		b.WriteString("if [ \"$(head -c 5 \"$f\")\" = PGDMP ]; then has pg_restore pg_restore && t pg_restore pg_restore --list \"$f\"; else echo \"@@TAIL $(" + catTail(name) + " | base64 | tr -d '\\n')\"; fi\n")
	case KindMysqldump:
		b.WriteString("echo \"@@TAIL $(" + catTail(name) + " | base64 | tr -d '\\n')\"\n")
	}
	return b.String()
}

// checksumScript checks the copy against a sha256 manifest beside it.
func checksumScript(p *Policy, c Copy) string {
	var b strings.Builder
	if p.Checksum != nil && strings.ToLower(p.Checksum.Algo) != "sm3" {
		dir := path.Dir(c.Path)
		b.WriteString("m=$(ls -1 " + quote(dir) + "/" + globQuote(p.Checksum.Manifest) + " 2>/dev/null | tail -n 1)\n")
		b.WriteString("if [ -z \"$m\" ]; then echo \"@@T manifest-missing 1\"; else\n")
		b.WriteString("  line=$(grep -F " + quote(c.Name) + " \"$m\" | grep -E " + quote("[ *]"+regexpQuote(c.Name)+"$") + " | tail -n 1)\n")
		b.WriteString("  if [ -z \"$line\" ]; then echo \"@@T manifest-entry 1\"; else has sha256sum sha256 && t sha256 sh -c 'cd \"$1\" && printf \"%s\\n\" \"$2\" | sha256sum -c -' sh " + quote(dir) + " \"$line\"; fi\nfi\n")
	}
	return b.String()
}

func catTail(name string) string {
	switch {
	case strings.HasSuffix(name, ".gz"):
		return "gzip -dc \"$f\" 2>/dev/null | tail -c 300"
	case strings.HasSuffix(name, ".zst"):
		return "zstd -dc \"$f\" 2>/dev/null | tail -c 300"
	}
	return "tail -c 300 \"$f\""
}

// globQuote quotes a manifest pattern but keeps * and ? active.
func globQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '*' || r == '?' {
			b.WriteRune(r)
			continue
		}
		b.WriteString(quote(string(r)))
	}
	return b.String()
}

func regexpQuote(s string) string {
	special := `\.+*?()|[]{}^$`
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(special, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Integrity runs the integrity tests of copy c on r and returns one result,
// its message and advice in lang.
func Integrity(ctx context.Context, r transport.Runner, p *Policy, c Copy, lang string) result.Result {
	res := p.base(AspectIntegrity)
	out, err := r.Run(ctx, IntegrityScript(p, c))
	if err != nil {
		res.Status = result.Unknown
		setMsg(&res, lang, msg("backup.int.not_tested", c.Name, err))
		return res
	}
	res = judgeIntegrity(p, c, string(out.Stdout), res, lang)
	// SM3 manifests are checked here, streaming the file, for copies on this
	// machine (no common SM3 tool exists on the hosts).
	if p.Checksum != nil && strings.ToLower(p.Checksum.Algo) == "sm3" && res.Status != result.Crit {
		if _, local := r.(*transport.Local); local {
			st, m := verifyManifestLocal(c, p.Checksum, "sm3")
			res.Status = result.Worst(res.Status, st)
			addMsg(&res, lang, msg("backup.sep.clause"))
			addMsg(&res, lang, m)
		} else {
			res.Status = result.Worst(res.Status, result.Unknown)
			addMsg(&res, lang, msg("backup.sep.clause"))
			addMsg(&res, lang, msg("backup.int.sm3_remote"))
		}
	}
	return res
}

// integrityCodes are the messages an integrity verdict starts with; the
// copy's name is the first argument of each.
var integrityCodes = []string{"backup.int.not_tested", "backup.int.failed", "backup.int.no_tool", "backup.int.no_test", "backup.int.passed"}

// TestedCopy returns the name of the copy an integrity result r is about,
// read from its meaning (the first argument of its message, also when
// notes were appended). A result stored before results had codes gives
// the first word of its text, which names the copy in either language
// ("x.dump passed: …", "x.dump 校验通过：…").
func TestedCopy(r *result.Result) string {
	code, args := r.Code, r.Args
	if code == i18n.ConcatCode && len(args) > 0 {
		if s, ok := args[0].(i18n.Sub); ok {
			code, args = s.Key, s.Args
		}
	}
	if slices.Contains(integrityCodes, code) && len(args) > 0 {
		if name, ok := args[0].(string); ok {
			return name
		}
	}
	if r.Code != "" {
		return ""
	}
	name, _, _ := strings.Cut(r.Message, " ")
	return strings.TrimSuffix(strings.TrimSuffix(name, ":"), "：")
}

// judgeIntegrity reads the markers the script printed.
func judgeIntegrity(p *Policy, c Copy, out string, res result.Result, lang string) result.Result {
	res.Status = result.OK
	var passed, missing []string
	var failed []i18n.Sub
	var magic []byte
	var tail string
	var buf []string
	streamFailed := false
	if i := strings.Index(out, "@@TAILB "); i >= 0 {
		tool, rest, _ := strings.Cut(out[i+len("@@TAILB "):], "\n")
		if j := strings.LastIndex(rest, "\n@@TAILE"); j >= 0 {
			tail = rest[:j]
			out = out[:i] + rest[j+len("\n@@TAILE"):]
			if strings.Contains(tail, "@@STREAMFAIL") {
				streamFailed = true
				failed = append(failed, msg("backup.int.stream_failed", tool))
			} else {
				passed = append(passed, tool)
			}
		}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "@@MAGIC "):
			magic, _ = base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "@@MAGIC "))
		case strings.HasPrefix(line, "@@TAIL "):
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "@@TAIL "))
			tail = string(b)
		case strings.HasPrefix(line, "@@T "):
			f := strings.Fields(line)
			if len(f) < 3 {
				continue
			}
			rc, _ := strconv.Atoi(f[2])
			switch {
			case rc == 0:
				passed = append(passed, f[1])
			case rc == 127:
				missing = append(missing, f[1])
			case f[1] == "manifest-missing" && p.Checksum != nil:
				failed = append(failed, msg("backup.int.manifest_missing", p.Checksum.Manifest, path.Dir(c.Path)))
			case f[1] == "manifest-entry" && p.Checksum != nil:
				failed = append(failed, msg("backup.int.manifest_no_entry", c.Name, p.Checksum.Manifest))
			default:
				failed = append(failed, msg("backup.int.tool_failed", f[1], rc, lastLines(buf, 3)))
			}
			buf = buf[:0]
		default:
			if strings.TrimSpace(line) != "" {
				buf = append(buf, line)
			}
		}
	}
	switch {
	case streamFailed:
		// the completion line is meaningless in a broken stream
	case p.Kind == KindPgDump:
		if tail != "" && !strings.Contains(tail, "PostgreSQL database dump complete") {
			failed = append(failed, msg("backup.int.pg_incomplete"))
		} else if tail != "" {
			passed = append(passed, "dump-complete")
		}
	case p.Kind == KindMysqldump:
		if !strings.Contains(tail, "-- Dump completed") {
			failed = append(failed, msg("backup.int.my_incomplete"))
		} else {
			passed = append(passed, "dump-complete")
		}
	}
	if p.Encrypted && p.Kind != KindRestic {
		if kind := plainFormat(magic); kind != "" {
			var shown any = kind
			if kind == "SQL text" {
				shown = msg("backup.int.sql_text")
			}
			failed = append(failed, msg("backup.int.plain", c.Name, shown))
		} else {
			passed = append(passed, "encrypted")
		}
	}
	switch {
	case len(failed) > 0:
		res.Status = result.Crit
		setMsg(&res, lang, msg("backup.int.failed", c.Name, clauses(failed...)))
		setAdvice(&res, lang, msg("backup.int.failed_advice"))
	case len(passed) == 0 && len(missing) > 0:
		res.Status = result.Unknown
		setMsg(&res, lang, msg("backup.int.no_tool", c.Name, list(missing)))
		setAdvice(&res, lang, msg("backup.int.no_tool_advice"))
	case len(passed) == 0:
		res.Status = result.OK
		setMsg(&res, lang, msg("backup.int.no_test", c.Name))
	default:
		setMsg(&res, lang, msg("backup.int.passed", c.Name, list(passed)))
		if len(missing) > 0 {
			res.Status = result.Warn
			addMsg(&res, lang, msg("backup.int.partly", list(missing)))
			setAdvice(&res, lang, msg("backup.int.no_tool_advice"))
		}
	}
	return res
}

// plainFormat names the format of an unencrypted file from its first bytes,
// or "" when it looks encrypted (or unknown).
func plainFormat(b []byte) string {
	s := string(b)
	switch {
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return "gzip"
	case strings.HasPrefix(s, "\x28\xb5\x2f\xfd"):
		return "zstd"
	case strings.HasPrefix(s, "PGDMP"):
		return "pg_dump"
	case strings.HasPrefix(s, "BZh"):
		return "bzip2"
	case strings.HasPrefix(s, "\xfd7zXZ"):
		return "xz"
	case strings.HasPrefix(s, "PK\x03\x04"):
		return "zip"
	case len(b) >= 262 && string(b[257:262]) == "ustar":
		return "tar"
	case strings.HasPrefix(s, "--") || strings.HasPrefix(s, "/*") || strings.HasPrefix(strings.ToUpper(s), "CREATE") || strings.HasPrefix(strings.ToUpper(s), "SET "):
		return "SQL text"
	}
	return ""
}

func lastLines(lines []string, n int) string {
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// HashFile streams a file through sha256 or SM3 (GB/T 32905) in constant
// memory and returns the hex digest.
func HashFile(file, algo string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h, err := newHash(algo)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(h, f, buf); err != nil {
		return "", fmt.Errorf("read %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// newHash returns the hash of a manifest: sha256 ("" too) or sm3.
func newHash(algo string) (hash.Hash, error) {
	switch strings.ToLower(algo) {
	case "", "sha256":
		return sha256.New(), nil
	case "sm3":
		return sm3.New(), nil
	}
	return nil, fmt.Errorf("unknown hash %q (sha256, sm3)", algo)
}

// verifyManifestLocal checks a copy on this machine against the manifest
// beside it ("<hex>  <name>" lines, as sha256sum and gmssl write them).
func verifyManifestLocal(c Copy, ck *Checksum, algo string) (result.Status, i18n.Sub) {
	dir := path.Dir(c.Path)
	matches, _ := filepath.Glob(filepath.Join(dir, ck.Manifest))
	if len(matches) == 0 {
		return result.Crit, msg("backup.int.manifest_missing", ck.Manifest, dir)
	}
	data, err := os.ReadFile(matches[len(matches)-1])
	if err != nil {
		return result.Unknown, errMsg(err)
	}
	want := ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.TrimPrefix(f[len(f)-1], "*") == c.Name {
			want = strings.ToLower(f[0])
		}
	}
	if want == "" {
		return result.Crit, msg("backup.int.manifest_no_entry", c.Name, path.Base(matches[len(matches)-1]))
	}
	got, err := HashFile(c.Path, algo)
	if err != nil {
		return result.Unknown, errMsg(err)
	}
	if got != want {
		return result.Crit, msg("backup.int.checksum_mismatch", algo, want[:min(12, len(want))], got[:12])
	}
	return result.OK, msg("backup.int.checksum_ok", algo)
}

// ListAndTest lists p's copies and, in the same remote session, runs the
// integrity test of the newest copy the host finds, so a verification costs
// one session per policy instead of two. tested is nil when the test could
// not be combined — the policy is not a file listing, its copies need a
// checksum manifest, or the copy the host tested is not the one List would
// call newest — and the caller then runs Integrity on its own.
func ListAndTest(ctx context.Context, r transport.Runner, p *Policy, lang string) (copies []Copy, tested *result.Result, err error) {
	l, tested, err := listAndTest(ctx, r, p, lang)
	return l.Copies, tested, err
}

// listAndTest is ListAndTest with the listing's anomalies; tested, when not
// nil, is the test of the last of l.Copies.
func listAndTest(ctx context.Context, r transport.Runner, p *Policy, lang string) (l Listing, tested *result.Result, err error) {
	if !combinable(p) {
		l, err = ListAll(ctx, r, p)
		return l, nil, err
	}
	setup, find, err := fileListing(p)
	if err != nil {
		return Listing{}, nil, err
	}
	// The test is written for a stand-in name with the pattern's own
	// extension; it is used only if the newest copy's test is the same.
	rep := Copy{Name: standIn(path.Base(p.Path))}
	body := integrityBody(p, rep)
	// The listing's NUL-separated records cannot be held in a shell
	// variable, so the host picks the copy to test on its own
	// (newestScript); when its pick is not List's newest, the test is
	// not used.
	script := setup + "\n" + find + "\n" + newestScript +
		"[ -n \"$f\" ] || exit 0\necho \"@@TESTED $f\"\n" + body
	out, err := r.Run(ctx, script)
	if err != nil {
		return Listing{}, nil, errorf("backup.list.run_failed", p.Name, r.Target(), err)
	}
	text := string(out.Stdout)
	rest := ""
	// The marker starts the output or follows a record's NUL: a file name
	// cannot hold a NUL, so no name can forge it.
	if strings.HasPrefix(text, "@@TESTED ") {
		text, rest = "", text[len("@@TESTED "):]
	} else if i := strings.Index(text, "\x00@@TESTED "); i >= 0 {
		text, rest = text[:i+1], text[i+1+len("@@TESTED "):]
	}
	if l, err = parseStat(text); err != nil {
		return Listing{}, nil, errorf("backup.list.parse", p.Name, r.Target(), err)
	}
	if len(l.Copies) == 0 || rest == "" {
		return l, nil, nil
	}
	newest := l.Copies[len(l.Copies)-1]
	testedPath, testOut, _ := strings.Cut(rest, "\n")
	if testedPath != newest.Path || newest.Dir || integrityBody(p, newest) != body {
		return l, nil, nil
	}
	res := judgeIntegrity(p, newest, testOut, p.base(AspectIntegrity), lang)
	return l, &res, nil
}

// combinable reports whether p's verification can list and test in one
// session: copies found by a path glob, tested without a manifest.
func combinable(p *Policy) bool {
	switch p.Kind {
	case KindRestic, KindZFS, KindLVM, KindCommand:
		return false
	}
	return p.CheckIntegrity() && p.Checksum == nil
}

// standIn turns a glob into a name it matches, for choosing a test by
// extension: his-*.sql.gz → his-x.sql.gz.
func standIn(glob string) string {
	var b strings.Builder
	inClass := false
	for _, r := range glob {
		switch {
		case inClass:
			if r == ']' {
				inClass = false
				b.WriteByte('x')
			}
		case r == '[':
			inClass = true
		case r == '*' || r == '?':
			b.WriteByte('x')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// newestScript sets f to the path of the copy with the newest mtime among
// the entries of $d matching $p, the last of equals in find's order as
// List's stable sort does, with the shell's own test -nt. It passes over
// what List refuses — names with a control character, entries that are
// neither a file nor a directory — so a FIFO is never opened and every path
// it prints is one line. With many copies find runs the picker more than
// once; the newest of the picks wins.
const newestScript = `c=$(LC_ALL=C find "$d" -mindepth 1 -maxdepth 1 -name "$p" -exec sh -c '
b=
for x in "$@"; do
  case ${x##*/} in *[[:cntrl:]]*) continue ;; esac
  [ -f "$x" ] || [ -d "$x" ] || continue
  if [ -z "$b" ] || ! [ "$b" -nt "$x" ]; then b=$x; fi
done
[ -z "$b" ] || printf "%s\n" "$b"' sh {} + 2>/dev/null)
f=; o=$IFS; IFS='
'; set -f
for x in $c; do
  if [ -z "$f" ] || ! [ "$f" -nt "$x" ]; then f=$x; fi
done
set +f; IFS=$o
`
