package sec

import (
	"path"
	"strconv"
	"strings"
)

// pamEntry is one module line of a PAM stack, with where it was read.
type pamEntry struct {
	File    string
	Line    line
	Type    string // auth, account, password, session
	Control string // required, requisite, [success=1 default=ignore] …
	Module  string // base name: pam_faillock.so
	Args    []string
}

// arg returns the value of name=value among the entry's arguments, or
// whether the bare flag name is present (value "").
func (e pamEntry) arg(name string) (string, bool) {
	for _, a := range e.Args {
		if a == name {
			return "", true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// pamCollector prints the PAM configuration and which modules the host
// has (a line naming a module the host lacks does nothing).
const pamCollector = `hf /etc/pam.d/*
for m in pam_faillock.so pam_tally2.so pam_tally.so pam_pwquality.so pam_cracklib.so pam_pwhistory.so pam_google_authenticator.so pam_oath.so pam_wheel.so; do
  for d in /lib/security /lib64/security /usr/lib/security /usr/lib64/security /lib/*-linux-gnu*/security /usr/lib/*-linux-gnu*/security; do
    if [ -e "$d/$m" ]; then echo "@@V MOD $m $d"; break; fi
  done
done
`

// hasModule says whether the host has the PAM module (from the collector's
// module search); unknown is true when the search said nothing at all
// (an odd layout), so callers do not conclude a module is missing.
func (s *snap) hasModule(m string) (has, unknown bool) {
	mods := s.Vals["MOD"]
	for _, v := range mods {
		if strings.HasPrefix(v, m+" ") {
			return true, false
		}
	}
	return false, len(mods) == 0
}

// pamFile is /etc/pam.d/<service>.
func pamFile(service string) string { return "/etc/pam.d/" + service }

// pamStack returns the entries of type typ ("" for all) of the service's
// stack, following include, substack and Debian's @include. found is false
// when the service's file was not read.
func (s *snap) pamStack(service, typ string) (entries []pamEntry, found bool) {
	if !s.has(pamFile(service)) {
		return nil, false
	}
	s.pamWalk(service, typ, 0, &entries)
	return entries, true
}

func (s *snap) pamWalk(service, typ string, depth int, out *[]pamEntry) {
	if depth > 10 {
		return
	}
	file := pamFile(service)
	for _, l := range s.Files[file] {
		f := fields(l.Text)
		if len(f) == 0 {
			continue
		}
		if f[0] == "@include" {
			if len(f) > 1 {
				s.pamWalk(path.Base(f[1]), typ, depth+1, out)
			}
			continue
		}
		t := strings.ToLower(strings.TrimPrefix(f[0], "-"))
		if typ != "" && t != typ {
			continue
		}
		rest := f[1:]
		if len(rest) == 0 {
			continue
		}
		control := rest[0]
		rest = rest[1:]
		if strings.HasPrefix(control, "[") {
			for !strings.HasSuffix(control, "]") && len(rest) > 0 {
				control += " " + rest[0]
				rest = rest[1:]
			}
		}
		if len(rest) == 0 {
			continue
		}
		if control == "include" || control == "substack" {
			s.pamWalk(path.Base(rest[0]), t, depth+1, out)
			continue
		}
		*out = append(*out, pamEntry{File: file, Line: l, Type: t, Control: control, Module: path.Base(rest[0]), Args: rest[1:]})
	}
}

// pamFind returns the entries of module m.
func pamFind(entries []pamEntry, m string) []pamEntry {
	var out []pamEntry
	for _, e := range entries {
		if e.Module == m {
			out = append(out, e)
		}
	}
	return out
}

// firstService returns the first of the services whose PAM file was read.
func (s *snap) firstService(services ...string) string {
	for _, sv := range services {
		if s.has(pamFile(sv)) {
			return sv
		}
	}
	return ""
}

// confInts reads "key = value" settings from conf files in order (a later
// file overrides an earlier one) and returns the integer ones, with where
// each was set.
func (s *snap) confInts(files []string, keys ...string) map[string]setting {
	out := map[string]setting{}
	for _, file := range files {
		for _, l := range s.Files[file] {
			k, v := splitKV(l.Text)
			for _, want := range keys {
				if k == want {
					if n, err := strconv.Atoi(v); err == nil {
						out[k] = setting{Val: n, File: file, Line: l}
					}
				}
			}
		}
	}
	return out
}

// setting is one integer option and where it was set ("" File: a default).
type setting struct {
	Val  int
	File string
	Line line
}

// argInts overrides settings with the name=N arguments of a PAM entry.
func argInts(m map[string]setting, e pamEntry, keys ...string) {
	for _, k := range keys {
		if v, ok := e.arg(k); ok {
			if n, err := strconv.Atoi(v); err == nil {
				m[k] = setting{Val: n, File: e.File, Line: e.Line}
			}
		}
	}
}
