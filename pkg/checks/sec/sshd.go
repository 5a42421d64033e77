package sec

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// sshdParams are sshd's required values.
type sshdParams struct {
	MaxAuthTries  int           `param:"max_auth_tries"`  // MaxAuthTries ≤
	IdleTimeout   time.Duration `param:"idle_timeout"`    // ClientAliveInterval ≤ (and > 0)
	MaxAliveCount int           `param:"max_alive_count"` // ClientAliveCountMax 1..
	WeakCiphers   []string      `param:"weak_ciphers"`    // substrings of ciphers that fail
	WeakMACs      []string      `param:"weak_macs"`       // substrings of MACs that fail
	WeakKex       []string      `param:"weak_kex"`        // substrings of key exchanges that are partial
}

// Defaults sets the level-3 values (MLPS3-LINUX.md §1 b, c; §5 8.1.4.7–8).
func (p *sshdParams) Defaults() {
	*p = sshdParams{MaxAuthTries: 5, IdleTimeout: 600 * time.Second, MaxAliveCount: 3,
		WeakCiphers: []string{"cbc", "arcfour", "3des", "blowfish", "cast128", "rijndael"},
		WeakMACs:    []string{"md5", "sha1", "-96", "umac-64", "ripemd"},
		WeakKex:     []string{"sha1"},
	}
}

// CheckParams rejects values no policy can mean.
func (p *sshdParams) CheckParams(spec *inspect.Spec) error {
	switch {
	case p.MaxAuthTries < 1:
		return inspect.BadParamMsg(spec, "max_auth_tries", "sec.param.at_least_1", p.MaxAuthTries)
	case p.IdleTimeout < time.Second:
		return inspect.BadParamMsg(spec, "idle_timeout", "sec.param.at_least_1s", p.IdleTimeout.String())
	case p.MaxAliveCount < 1:
		return inspect.BadParamMsg(spec, "max_alive_count", "sec.param.at_least_1", p.MaxAliveCount)
	}
	return nil
}

// sshdCollector prints sshd_config with the files it includes (and those
// they include: EL9's 50-redhat.conf includes the crypto policy's
// opensshserver.config), sshd's
// PAM stack, TCP wrappers and firewalld zones, then `sshd -T` (the
// effective values; it needs root to load the host keys) and the version.
const sshdCollector = `hf /etc/ssh/sshd_config
for c in /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf; do
  [ -r "$c" ] || continue
  for i in $(sed -n 's/^[[:space:]]*[Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]][[:space:]]*//p' "$c" 2>/dev/null); do
    case "$i" in /*) ;; *) i=/etc/ssh/$i ;; esac
    hf $i
  done
done
hf /etc/ssh/sshd_config.d/*.conf /etc/pam.d/sshd /etc/hosts.allow /etc/hosts.deny /etc/firewalld/zones/*.xml
S=
for b in /usr/sbin/sshd /usr/local/sbin/sshd /sbin/sshd $(command -v sshd 2>/dev/null); do
  if [ -x "$b" ]; then S=$b; break; fi
done
if [ -n "$S" ]; then
  hc sshdT "$S" -T
  hc sshdV "$S" -V
  case "$(ldd "$S" 2>/dev/null)" in *libwrap*) echo "@@V LIBWRAP yes" ;; esac
else
  echo "@@NOTOOL sshdT"
fi
`

// Sshd is the check type "sec-sshd": the sshd settings of the baseline —
// empty passwords, authentication tries, idle timeout, two-factor
// authentication, root login, address restriction, MACs and ciphers. It
// reads `sshd -T` when it can (root), else the configuration files with
// sshd's rules: the first value of a keyword wins, Include is followed,
// Match blocks are left out, unset keywords take OpenSSH's defaults.
func Sshd() inspect.Check {
	return kind[sshdParams]{
		typ: "sec-sshd",
		rules: []string{"ia-ssh-empty-password", "ia-ssh-max-auth-tries", "ia-ssh-idle-timeout", "ia-multi-factor",
			"ac-root-ssh-login", "ip-ssh-access", "di-ssh-macs", "dc-ssh-ciphers"},
		body: func(*sshdParams) (string, error) { return sshdCollector, nil },
		eval: func(c *ctx, p *sshdParams) []result.Result { return c.sshd(p) },
	}
}

// sshdValue is one effective keyword: its value and where it came from
// (File "" and Default true for OpenSSH's default).
type sshdValue struct {
	Val     string
	File    string
	Line    line
	FromT   bool // from sshd -T
	Default bool
}

// sshdConf is the effective configuration.
type sshdConf struct {
	vals    map[string]sshdValue
	multi   map[string][]sshdValue // keywords that add up (AllowUsers, ListenAddress …)
	fromT   bool
	version [2]int // OpenSSH major, minor; 0,0 unknown
}

var opensshVersionRE = regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`)

// multiKeys are the keywords whose every occurrence counts.
var multiKeys = map[string]bool{"allowusers": true, "allowgroups": true, "denyusers": true, "denygroups": true, "listenaddress": true, "authenticationmethods": false}

func (s *snap) sshdConfig() sshdConf {
	cf := sshdConf{vals: map[string]sshdValue{}, multi: map[string][]sshdValue{}}
	for _, name := range []string{"sshdV", "sshdT"} {
		if c, ok := s.cmd(name); ok {
			for _, l := range c.Lines {
				if m := opensshVersionRE.FindStringSubmatch(l); m != nil && cf.version == [2]int{} {
					cf.version[0], _ = strconv.Atoi(m[1])
					cf.version[1], _ = strconv.Atoi(m[2])
				}
			}
		}
	}
	if c, ok := s.cmd("sshdT"); ok && c.RC == 0 && len(c.Lines) > 10 {
		cf.fromT = true
		for _, l := range c.Lines {
			k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
			k = strings.ToLower(k)
			sv := sshdValue{Val: strings.TrimSpace(v), FromT: true, Line: line{Text: l}}
			if multiKeys[k] {
				cf.multi[k] = append(cf.multi[k], sv)
			}
			if _, seen := cf.vals[k]; !seen {
				cf.vals[k] = sv
			}
		}
		return cf
	}
	s.sshdWalk("/etc/ssh/sshd_config", &cf, 0)
	return cf
}

// sshdWalk reads one configuration file; it returns false once a Match
// block starts in the main file (everything after belongs to it).
func (s *snap) sshdWalk(file string, cf *sshdConf, depth int) bool {
	if depth > 5 {
		return true
	}
	for _, l := range s.Files[file] {
		f := fields(l.Text)
		if len(f) == 0 {
			continue
		}
		k := strings.ToLower(f[0])
		if i := strings.Index(k, "="); i > 0 { // Keyword=value
			f = append([]string{k[:i], k[i+1:]}, f[1:]...)
			k = k[:i]
		}
		v := strings.TrimSpace(strings.Join(f[1:], " "))
		switch k {
		case "match":
			return depth > 0 // a Match in an included file ends only that file
		case "include":
			for _, pat := range f[1:] {
				if !strings.HasPrefix(pat, "/") {
					pat = "/etc/ssh/" + pat
				}
				var files []string
				for _, p := range s.Order {
					if ok, _ := path.Match(pat, p); ok {
						files = append(files, p)
					}
				}
				sort.Strings(files)
				for _, inc := range files {
					if !s.sshdWalk(inc, cf, depth+1) {
						return false
					}
				}
			}
			continue
		}
		sv := sshdValue{Val: v, File: file, Line: l}
		if multiKeys[k] {
			cf.multi[k] = append(cf.multi[k], sv)
		}
		if _, seen := cf.vals[k]; !seen {
			cf.vals[k] = sv
		}
	}
	return true
}

// get returns the effective value of keyword k, or def as OpenSSH's default.
func (cf sshdConf) get(k, def string) sshdValue {
	if v, ok := cf.vals[k]; ok {
		return v
	}
	return sshdValue{Val: def, Default: true}
}

// atLeast says whether the OpenSSH version is known and ≥ major.minor.
func (cf sshdConf) atLeast(major, minor int) bool {
	return cf.version[0] > major || cf.version[0] == major && cf.version[1] >= minor
}

// show adds the value's origin to the evidence.
func (f *finding) sshd(k string, v sshdValue) *finding {
	switch {
	case v.FromT:
		return f.text("$ sshd -T: " + v.Line.Text)
	case v.Default:
		return f.text(fmt.Sprintf("%s: (not set; OpenSSH default %s)", k, v.Val))
	}
	return f.line(v.File, v.Line)
}

func (c *ctx) sshd(p *sshdParams) []result.Result {
	ids := []string{"ia-ssh-empty-password", "ia-ssh-max-auth-tries", "ia-ssh-idle-timeout", "ia-multi-factor",
		"ac-root-ssh-login", "ip-ssh-access", "di-ssh-macs", "dc-ssh-ciphers"}
	const main = "/etc/ssh/sshd_config"
	_, tried := c.s.cmd("sshdT")
	if !c.s.has(main) && !tried {
		var out []result.Result
		for _, id := range ids {
			f := c.rule(id)
			if c.s.NoRead[main] {
				f.needRoot(main)
			} else {
				f.notApplicable("sec.sshd.absent").file(main, nil)
			}
			out = append(out, f.done())
		}
		return out
	}
	cf := c.s.sshdConfig()
	if !cf.fromT && !c.s.has(main) {
		var out []result.Result
		for _, id := range ids {
			out = append(out, c.rule(id).needRoot(main).done())
		}
		return out
	}
	src := func(f *finding) {
		if !cf.fromT {
			f.tail = append(f.tail, i18n.S("sec.sshd.from_files"))
		}
	}
	var out []result.Result

	// ia-ssh-empty-password
	f := c.rule("ia-ssh-empty-password")
	v := cf.get("permitemptypasswords", "no")
	f.sshd("PermitEmptyPasswords", v)
	if strings.ToLower(v.Val) != "no" {
		f.bad(result.Crit, "sec.sshd.value", "PermitEmptyPasswords", v.Val, "no")
	} else {
		f.note("sec.sshd.value_ok", "PermitEmptyPasswords", v.Val)
	}
	src(f)
	out = append(out, f.done())

	// ia-ssh-max-auth-tries
	f = c.rule("ia-ssh-max-auth-tries")
	v = cf.get("maxauthtries", "6")
	f.sshd("MaxAuthTries", v)
	if n, err := strconv.Atoi(v.Val); err != nil || n > p.MaxAuthTries || n < 1 {
		f.bad(result.Warn, "sec.sshd.value", "MaxAuthTries", v.Val, cmpText(true, p.MaxAuthTries))
	} else {
		f.note("sec.sshd.value_ok", "MaxAuthTries", v.Val)
	}
	src(f)
	out = append(out, f.adv(p.MaxAuthTries).done())

	// ia-ssh-idle-timeout
	f = c.rule("ia-ssh-idle-timeout")
	iv := cf.get("clientaliveinterval", "0")
	cm := cf.get("clientalivecountmax", "3")
	f.sshd("ClientAliveInterval", iv).sshd("ClientAliveCountMax", cm)
	limit := int(p.IdleTimeout / time.Second)
	interval, err1 := strconv.Atoi(iv.Val)
	count, err2 := strconv.Atoi(cm.Val)
	switch {
	case err1 != nil || interval <= 0:
		f.bad(result.Crit, "sec.sshd.no_idle", iv.Val)
	case interval > limit:
		f.bad(result.Warn, "sec.sshd.value", "ClientAliveInterval", iv.Val, fmt.Sprintf("1–%d", limit))
	}
	switch {
	case err2 != nil:
		f.bad(result.Warn, "sec.sshd.value", "ClientAliveCountMax", cm.Val, fmt.Sprintf("1–%d", p.MaxAliveCount))
	case count == 0 && (cf.atLeast(8, 2) || cf.version == [2]int{}):
		f.bad(result.Crit, "sec.sshd.countmax0")
	case count > p.MaxAliveCount:
		f.bad(result.Warn, "sec.sshd.value", "ClientAliveCountMax", cm.Val, fmt.Sprintf("1–%d", p.MaxAliveCount))
	}
	if f.status == result.OK {
		f.note("sec.sshd.idle_ok", interval, count)
	}
	src(f)
	out = append(out, f.adv(limit, p.MaxAliveCount).done())

	// ia-multi-factor
	f = c.rule("ia-multi-factor")
	am := cf.get("authenticationmethods", "any")
	f.sshd("AuthenticationMethods", am)
	otp := false
	if st, ok := c.s.pamStack("sshd", "auth"); ok {
		for _, e := range st {
			if e.Module == "pam_google_authenticator.so" || e.Module == "pam_oath.so" {
				otp = true
				f.line(e.File, e.Line)
			}
		}
	}
	twoStep := am.Val != "any" && am.Val != ""
	for _, list := range strings.Fields(am.Val) {
		if !strings.Contains(list, ",") {
			twoStep = false // one list with a single method lets that method alone in
		}
	}
	kbd := strings.Contains(am.Val, "keyboard-interactive")
	switch {
	case twoStep && (!kbd || otp || strings.Contains(am.Val, "publickey")):
		f.note("sec.mfa.ok", am.Val)
	case otp && cf.get("kbdinteractiveauthentication", cf.get("challengeresponseauthentication", "yes").Val).Val != "no":
		f.note("sec.mfa.otp")
	default:
		f.bad(result.Crit, "sec.mfa.none", am.Val)
	}
	src(f)
	out = append(out, f.done())

	// ac-root-ssh-login
	f = c.rule("ac-root-ssh-login")
	def := "prohibit-password"
	if cf.version != [2]int{} && !cf.atLeast(7, 0) {
		def = "yes"
	}
	v = cf.get("permitrootlogin", def)
	f.sshd("PermitRootLogin", v)
	switch strings.ToLower(v.Val) {
	case "no":
		f.note("sec.sshd.value_ok", "PermitRootLogin", v.Val)
	case "prohibit-password", "without-password", "forced-commands-only":
		f.bad(result.Warn, "sec.sshd.value", "PermitRootLogin", v.Val, "no")
	default:
		f.bad(result.Crit, "sec.sshd.value", "PermitRootLogin", v.Val, "no")
	}
	src(f)
	out = append(out, f.done())

	out = append(out, c.sshAccess(cf, src))

	// di-ssh-macs, dc-ssh-ciphers
	f = c.rule("di-ssh-macs")
	v = cf.get("macs", "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1")
	f.sshd("MACs", v)
	if weak := weakAlgs(v.Val, p.WeakMACs); len(weak) > 0 {
		f.bad(result.Crit, "sec.sshd.weak", "MACs", strings.Join(weak, ","))
	} else {
		f.note("sec.sshd.strong", "MACs", v.Val)
	}
	src(f)
	out = append(out, f.done())

	f = c.rule("dc-ssh-ciphers")
	v = cf.get("ciphers", "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com")
	kx := cf.get("kexalgorithms", "")
	f.sshd("Ciphers", v)
	if !kx.Default {
		f.sshd("KexAlgorithms", kx)
	}
	if weak := weakAlgs(v.Val, p.WeakCiphers); len(weak) > 0 {
		f.bad(result.Crit, "sec.sshd.weak", "Ciphers", strings.Join(weak, ","))
	}
	if weak := weakAlgs(kx.Val, p.WeakKex); len(weak) > 0 {
		f.bad(result.Warn, "sec.sshd.weak", "KexAlgorithms", strings.Join(weak, ","))
	}
	if f.status == result.OK {
		f.note("sec.sshd.strong", "Ciphers", v.Val)
	}
	src(f)
	out = append(out, f.done())
	return out
}

// weakAlgs returns the algorithms of a comma list that contain one of the
// weak substrings.
func weakAlgs(list string, weak []string) []string {
	var out []string
	for _, a := range strings.Split(list, ",") {
		a = strings.TrimSpace(a)
		for _, w := range weak {
			if w != "" && strings.Contains(strings.ToLower(a), strings.ToLower(w)) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// sshAccess is ip-ssh-access: management terminals restricted by address.
func (c *ctx) sshAccess(cf sshdConf, src func(*finding)) result.Result {
	f := c.rule("ip-ssh-access")
	ok := false
	for _, k := range []string{"allowusers", "allowgroups"} {
		for _, v := range cf.multi[k] {
			if strings.Contains(v.Val, "@") {
				f.sshd(k, v)
				ok = true
			}
		}
	}
	if ok {
		f.note("sec.access.allowusers")
		src(f)
		return f.done()
	}
	for _, v := range cf.multi["listenaddress"] {
		f.sshd("ListenAddress", v)
		a := v.Val
		if h, _, found := strings.Cut(strings.TrimPrefix(a, "["), "]"); found {
			a = h
		} else if i := strings.LastIndex(a, ":"); i > 0 && strings.Count(a, ":") == 1 {
			a = a[:i]
		}
		if a != "0.0.0.0" && a != "::" && a != "" {
			ok = true
		}
	}
	if ok {
		f.note("sec.access.listen")
		src(f)
		return f.done()
	}
	// TCP wrappers, where sshd links libwrap (EL 7 and older).
	wrapped := false
	for _, file := range []string{"/etc/hosts.allow", "/etc/hosts.deny"} {
		for _, l := range c.s.Files[file] {
			if strings.Contains(strings.ToLower(l.Text), "sshd") || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(l.Text)), "ALL") {
				f.line(file, l)
				wrapped = true
			}
		}
	}
	libwrap := len(c.s.Vals["LIBWRAP"]) > 0
	// firewalld zones that admit ssh from given sources.
	fw := false
	for _, z := range c.s.glob("/etc/firewalld/zones/", ".xml") {
		text := ""
		for _, l := range c.s.Files[z] {
			text += l.Text + "\n"
		}
		if strings.Contains(text, "<source ") && (strings.Contains(text, `name="ssh"`) || strings.Contains(text, `port="22"`)) {
			fw = true
			f.file(z, func(t string) bool { return strings.Contains(t, "source") || strings.Contains(t, "ssh") })
		}
	}
	switch {
	case wrapped && libwrap:
		f.note("sec.access.wrappers")
	case fw:
		f.note("sec.access.firewalld")
	case wrapped:
		f.bad(result.Crit, "sec.access.wrappers_dead")
	default:
		f.bad(result.Crit, "sec.access.none")
	}
	src(f)
	return f.done()
}
