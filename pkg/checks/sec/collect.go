// Package sec holds the check types of the MLPS 2.0 level-3 host baseline
// (等保2.0 三级, GB/T 22239-2019 §8.1.4 安全计算环境), the checks of the
// built-in playbook mlps3-linux. Each check type covers one family of
// rules (password policy, lockout, sshd, audit …) and writes one result per
// rule of pkg/baseline, with Item set to the rule ID, the finding as a
// message code, the lines it read as evidence and the remediation for the
// host's OS family as advice.
//
// The collectors print the configuration files they read, comments and
// blank lines removed on the host, each line with its number ("@@F path"
// then "N:text"), and command outputs with every line prefixed by "|"
// ("@@C name rc"). A line of a file or of a command's output therefore
// never starts with "@@": nothing a user can put in a file or a process
// name can forge a marker. Password hashes never leave the host: the shadow
// collector prints only the account, the hash scheme and the aging fields.
package sec

import (
	"sort"
	"strconv"
	"strings"

	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
)

// shellLib are the helper functions every collector starts with:
//
//	hf PATH...         print each readable regular file (@@F), or say it is
//	                   unreadable (@@NOREAD) or absent (@@ABSENT; not for
//	                   unexpanded globs)
//	hc NAME CMD ARG... run CMD if it exists (@@C NAME RC, output prefixed
//	                   by "|"), else @@NOTOOL NAME
//
// A file in a directory the collector may not search (/etc/audit is 0750
// on RHEL) is unreadable, not absent. It also prints who runs the collector and the host's time, and the
// release files that tell the OS family.
const shellLib = `hf() {
  for p in "$@"; do
    if [ -f "$p" ]; then
      if [ -r "$p" ]; then echo "@@F $p"; grep -n -v -E '^[[:space:]]*(#|$)' "$p" 2>/dev/null | head -n 2000
      else echo "@@NOREAD $p"; fi
    elif [ ! -e "$p" ]; then
      case "$p" in
        *'*'*) ;;
        *) d=${p%/*}; if [ -d "$d" ] && [ ! -x "$d" ]; then echo "@@NOREAD $p"; else echo "@@ABSENT $p"; fi ;;
      esac
    fi
  done
}
hc() {
  n=$1; shift
  if command -v "$1" >/dev/null 2>&1; then
    o=$("$@" 2>&1); r=$?
    echo "@@C $n $r"
    [ -n "$o" ] && printf '%s\n' "$o" | head -n 2000 | sed 's/^/|/'
  else
    echo "@@NOTOOL $n"
  fi
}
echo "@@ID $(id -u 2>/dev/null)"
echo "@@TIME $(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)"
hf /etc/os-release /etc/os-version /etc/kylin-release /etc/UnionTech-release /etc/redhat-release /etc/SuSE-release 2>/dev/null | grep -v '^@@ABSENT'
`

// script returns the shell library followed by body.
func script(body string) string { return shellLib + body + "\nexit 0\n" }

// line is one line of a file as the collector printed it.
type line struct {
	N    int
	Text string
}

// cmdOut is one command's output.
type cmdOut struct {
	RC    int
	Lines []string
}

// snap is what a collector found on the host.
type snap struct {
	UID    int    // -1 when unknown
	Time   string // the host's UTC time when it was read
	Files  map[string][]line
	Order  []string // files in the order printed
	NoRead map[string]bool
	Absent map[string]bool
	Cmds   map[string]cmdOut
	NoTool map[string]bool
	Vals   map[string][]string // other "@@V key value" lines, by key
	OS     oschecks.OSFacts
}

// parse reads a collector's output.
func parse(out string) *snap {
	s := &snap{UID: -1, Files: map[string][]line{}, NoRead: map[string]bool{}, Absent: map[string]bool{},
		Cmds: map[string]cmdOut{}, NoTool: map[string]bool{}, Vals: map[string][]string{}}
	var curFile, curCmd string
	skip := false // a file printed twice (a glob and an Include both name it)
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.HasPrefix(l, "@@") {
			curFile, curCmd, skip = "", "", false
			tag, arg, _ := strings.Cut(l[2:], " ")
			switch tag {
			case "ID":
				if n, err := strconv.Atoi(strings.TrimSpace(arg)); err == nil {
					s.UID = n
				}
			case "TIME":
				s.Time = strings.TrimSpace(arg)
			case "F":
				curFile = arg
				if _, seen := s.Files[arg]; seen {
					skip = true
				} else {
					s.Order = append(s.Order, arg)
					s.Files[arg] = nil
				}
			case "NOREAD":
				s.NoRead[arg] = true
			case "ABSENT":
				s.Absent[arg] = true
			case "C":
				name, rc, _ := strings.Cut(arg, " ")
				n, err := strconv.Atoi(strings.TrimSpace(rc))
				if err != nil {
					n = -1
				}
				curCmd = name
				s.Cmds[name] = cmdOut{RC: n}
			case "NOTOOL":
				s.NoTool[arg] = true
			case "V":
				k, v, _ := strings.Cut(arg, " ")
				s.Vals[k] = append(s.Vals[k], v)
			}
			continue
		}
		switch {
		case skip:
		case curFile != "":
			num, text, ok := strings.Cut(l, ":")
			n, err := strconv.Atoi(num)
			if !ok || err != nil {
				continue
			}
			s.Files[curFile] = append(s.Files[curFile], line{N: n, Text: text})
		case curCmd != "":
			if t, ok := strings.CutPrefix(l, "|"); ok {
				c := s.Cmds[curCmd]
				c.Lines = append(c.Lines, t)
				s.Cmds[curCmd] = c
			}
		}
	}
	rel := map[string]string{}
	for _, p := range oschecks.ReleaseFiles() {
		if ls, ok := s.Files[p]; ok {
			var b strings.Builder
			for _, l := range ls {
				b.WriteString(l.Text + "\n")
			}
			rel[p] = b.String()
		}
	}
	s.OS = oschecks.DetectOS(rel)
	return s
}

// has says whether the file was read.
func (s *snap) has(path string) bool { _, ok := s.Files[path]; return ok }

// glob returns the files read whose path starts with prefix and ends with
// suffix, sorted (the order the shell expanded them in).
func (s *snap) glob(prefix, suffix string) []string {
	var out []string
	for _, p := range s.Order {
		if strings.HasPrefix(p, prefix) && strings.HasSuffix(p, suffix) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// root says whether the collector ran as root.
func (s *snap) root() bool { return s.UID == 0 }

// cmd returns a command's output and whether it ran.
func (s *snap) cmd(name string) (cmdOut, bool) { c, ok := s.Cmds[name]; return c, ok }

// famKey is the advice variant for the host: "el7" (CentOS/RHEL 6–7, with
// pam_tally2 and authconfig), "rhel" (EL8+, openEuler, Kylin V10, UOS
// server, with authselect and faillock), "debian" (Debian, Ubuntu, UOS and
// Kylin desktop), "suse", or "" when unknown.
func (s *snap) famKey() string {
	f := s.OS.Family
	if f == "rhel" {
		switch s.OS.ID {
		case "centos", "rhel", "ol", "scientific":
			if v := s.OS.Version; strings.HasPrefix(v, "7") || strings.HasPrefix(v, "6") {
				return "el7"
			}
		}
	}
	return f
}

// kv returns the value of the first line "KEY value" or "KEY=value" in the
// file (keys compared case-insensitively when fold), with its line.
func (s *snap) kv(path, key string, fold bool) (string, line, bool) {
	for _, l := range s.Files[path] {
		k, v := splitKV(l.Text)
		if k == key || fold && strings.EqualFold(k, key) {
			return v, l, true
		}
	}
	return "", line{}, false
}

// splitKV cuts "KEY value", "KEY=value" or "KEY = value".
func splitKV(t string) (string, string) {
	t = strings.TrimSpace(t)
	i := strings.IndexAny(t, " \t=")
	if i < 0 {
		return t, ""
	}
	k := t[:i]
	v := strings.TrimSpace(t[i:])
	v = strings.TrimSpace(strings.TrimPrefix(v, "="))
	v = strings.Trim(v, `"'`)
	return k, v
}

// fields splits a line into words, dropping a trailing comment.
func fields(t string) []string {
	if i := strings.Index(t, "#"); i >= 0 {
		t = t[:i]
	}
	return strings.Fields(t)
}
