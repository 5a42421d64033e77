package sec

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// accountsParams say which accounts are expected.
type accountsParams struct {
	AllowedUID0     []string `param:"allowed_uid0"`            // accounts meant to have UID 0
	MaxDays         int      `param:"max_days"`                // per-account maximum password age ≤
	AllowedAccounts []string `param:"allowed_accounts"`        // the account register: login accounts expected here (empty: list them for review)
	AllowedSystem   []string `param:"allowed_system_accounts"` // system accounts allowed a login shell (e.g. postgres)
}

// Defaults sets the level-3 values.
func (p *accountsParams) Defaults() {
	*p = accountsParams{AllowedUID0: []string{"root"}, MaxDays: 90}
}

// Accounts is the check type "sec-accounts": empty passwords and UID 0
// (the linux-daily accounts check, wrapped: the same verdicts), duplicate
// UIDs, per-account password aging, hash schemes, default and surplus
// accounts and the permissions of the account files. /etc/shadow needs
// root; without it the rules that read it are NotChecked. The collector
// prints from /etc/shadow only the account name, the hash scheme ($6$ →
// "6") and the aging fields — never a hash.
func Accounts() inspect.Check {
	return kind[accountsParams]{
		typ: "sec-accounts",
		rules: []string{"ia-empty-password", "ia-uid0-unique", "ia-account-expiry", "ia-password-hash",
			"ac-file-permissions", "ac-default-accounts", "ac-surplus-accounts"},
		body: func(p *accountsParams) (string, error) {
			spec := &inspect.Spec{Name: "accounts", Type: "accounts"}
			acct, err := oschecks.Accounts().Script(spec, nil)
			if err != nil {
				return "", err
			}
			return "hf /etc/passwd /etc/login.defs\n" +
				"hc acct sh -c " + inspect.ShellQuote(acct) + "\n" +
				accountsCollector + pamCollector, nil
		},
		eval: func(c *ctx, p *accountsParams) []result.Result { return c.accounts(p) },
	}
}

const accountsCollector = `if [ -r /etc/shadow ]; then
  echo "@@V SHADOW readable"
  while IFS=: read -r u p lc mn mx wa in ex rest; do
    [ -n "$u" ] || continue
    case "$p" in
      '') s=EMPTY ;;
      '!'*|'*'*) s=LOCKED ;;
      '$'*) s=${p#?}; s=${s%%\$*} ;;
      *) s=DES ;;
    esac
    echo "@@V SH $u $s ${lc:--} ${mx:--} ${ex:--}"
  done < /etc/shadow
elif [ -e /etc/shadow ]; then
  echo "@@NOREAD /etc/shadow"
fi
for p in /etc/passwd /etc/group /etc/shadow /etc/gshadow; do
  [ -e "$p" ] && echo "@@V STAT $(stat -L -c '%a %U %G' "$p" 2>/dev/null) $p"
done
`

// account is one /etc/passwd line with its shadow facts.
type account struct {
	Name   string
	UID    int
	Shell  string
	Line   line
	Scheme string // from /etc/shadow: EMPTY, LOCKED, DES, 1, 5, 6, y …; "" unknown
	Max    string // maximum password age field
	Expire string // account expiry (days since 1970)
}

// loginShell says whether a shell lets the account log in.
func loginShell(sh string) bool {
	base := sh[strings.LastIndex(sh, "/")+1:]
	switch base {
	case "nologin", "false", "sync", "shutdown", "halt", "":
		return false
	}
	return true
}

func (s *snap) accountsList() []account {
	shadow := map[string][]string{}
	for _, v := range s.Vals["SH"] {
		f := strings.Fields(v)
		if len(f) == 5 {
			shadow[f[0]] = f[1:]
		}
	}
	var out []account
	for _, l := range s.Files["/etc/passwd"] {
		f := strings.Split(l.Text, ":")
		if len(f) < 7 || strings.HasPrefix(f[0], "+") || strings.HasPrefix(f[0], "-") {
			continue
		}
		uid, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		a := account{Name: f[0], UID: uid, Shell: f[6], Line: l}
		if sh, ok := shadow[a.Name]; ok {
			a.Scheme, a.Max, a.Expire = sh[0], sh[2], sh[3]
		}
		out = append(out, a)
	}
	return out
}

func (c *ctx) accounts(p *accountsParams) []result.Result {
	accts := c.s.accountsList()
	shadowRead := len(c.s.Vals["SHADOW"]) > 0
	out := c.wrapAccounts(p)

	// Duplicate UIDs join the uid0 verdict of the wrapped check.
	byUID := map[int][]string{}
	for _, a := range accts {
		byUID[a.UID] = append(byUID[a.UID], a.Name)
	}
	var dups []string
	for uid, names := range byUID {
		if len(names) > 1 && uid != 0 {
			dups = append(dups, fmt.Sprintf("%d (%s)", uid, strings.Join(names, ", ")))
		}
	}
	sort.Strings(dups)
	if r := &out[1]; len(dups) > 0 {
		r.Status = result.Crit
		inspect.AddMsg(r, c.env, "sec.acct.dup_uid", strings.Join(dups, "; "))
		if r.AdviceCode == "" {
			inspect.SetAdvice(r, c.env, "sec.ia-uid0-unique.advice")
		}
	}
	for i := range out {
		ev := []string{fmt.Sprintf("# read %s, uid %d", c.s.Time, c.s.UID)}
		for _, a := range accts {
			if i == 1 && (a.UID == 0 || len(byUID[a.UID]) > 1) {
				ev = append(ev, fmt.Sprintf("/etc/passwd:%d: %s", a.Line.N, a.Line.Text))
			}
			if i == 0 && a.Scheme == "EMPTY" {
				ev = append(ev, fmt.Sprintf("/etc/shadow: %s: password field empty", a.Name))
			}
		}
		if i == 0 && !shadowRead {
			ev = append(ev, fmt.Sprintf("/etc/shadow: (not readable by uid %d)", c.s.UID))
		}
		inspect.SetEvidence(&out[i], strings.Join(ev, "\n"), false)
	}

	out = append(out, c.accountExpiry(p, accts, shadowRead), c.passwordHash(accts, shadowRead),
		c.filePerms(), c.defaultAccounts(p, accts), c.surplusAccounts(p, accts))
	return out
}

// wrapAccounts runs the linux-daily accounts check on its own collector's
// output and relabels its two results as the baseline's rules.
func (c *ctx) wrapAccounts(p *accountsParams) []result.Result {
	mk := func(id string) result.Result { return result.Result{Type: c.typ, Item: id} }
	out := []result.Result{mk("ia-empty-password"), mk("ia-uid0-unique")}
	acct, ok := c.s.cmd("acct")
	if !ok {
		for i := range out {
			out[i].Status, out[i].Reason = result.Unknown, "no-output"
			inspect.SetMsg(&out[i], c.env, "sec.no_output")
		}
		return out
	}
	allowed := make([]any, len(p.AllowedUID0))
	for i, a := range p.AllowedUID0 {
		allowed[i] = a
	}
	env := *c.env
	env.Spec = &inspect.Spec{Name: "accounts", Type: "accounts", Params: map[string]any{"allowed_uid0": allowed}}
	env.Section = &inspect.Section{Stdout: strings.Join(acct.Lines, "\n") + "\n", ExitCode: acct.RC}
	for _, r := range oschecks.Accounts().Evaluate(context.Background(), &env) {
		i := -1
		switch r.Item {
		case "empty-password":
			i = 0
		case "uid0":
			i = 1
		}
		if i < 0 {
			continue
		}
		r.Type, r.Item = c.typ, out[i].Item
		if r.Status == result.Unknown && r.Reason == "not-readable" {
			inspect.SetAdvice(&r, c.env, "sec.advice.become")
			r.Reason = "not-root"
		} else if r.Status == result.Crit {
			inspect.SetAdvice(&r, c.env, adviceKey(out[i].Item, c.s.famKey()))
		}
		out[i] = r
	}
	return out
}

func (c *ctx) accountExpiry(p *accountsParams, accts []account, shadowRead bool) result.Result {
	f := c.rule("ia-account-expiry")
	if !shadowRead {
		return f.needRoot("/etc/shadow").done()
	}
	var bad []string
	n := 0
	for _, a := range accts {
		if !loginShell(a.Shell) || a.Scheme == "" || a.Scheme == "LOCKED" || a.Scheme == "EMPTY" {
			continue
		}
		n++
		mx, err := strconv.Atoi(a.Max)
		f.text(fmt.Sprintf("/etc/shadow: %s: max %s", a.Name, a.Max))
		if err != nil || mx > p.MaxDays || mx < 0 {
			bad = append(bad, a.Name+"="+a.Max)
		}
	}
	switch {
	case len(bad) > 0:
		f.bad(result.Crit, "sec.acct.max_days", len(bad), n, strings.Join(bad, ", "), p.MaxDays)
		f.adv(p.MaxDays, strings.SplitN(bad[0], "=", 2)[0])
	case n == 0:
		f.note("sec.acct.no_password_logins")
	default:
		f.note("sec.acct.max_days_ok", n, p.MaxDays)
	}
	return f.done()
}

func (c *ctx) passwordHash(accts []account, shadowRead bool) result.Result {
	f := c.rule("ia-password-hash")
	const defs = "/etc/login.defs"
	m, l, ok := c.s.kv(defs, "ENCRYPT_METHOD", false)
	switch {
	case ok:
		f.line(defs, l)
		switch strings.ToUpper(m) {
		case "SHA512", "YESCRYPT":
		case "MD5", "DES":
			f.bad(result.Crit, "sec.hash.method", m, defs)
		default:
			f.bad(result.Warn, "sec.hash.method", m, defs)
		}
	case c.s.has(defs):
		f.bad(result.Warn, "sec.setting.missing", "ENCRYPT_METHOD", defs, "SHA512")
	}
	// pam_unix's own option decides how a new password is hashed, whatever
	// login.defs says (CentOS 6 shipped "pam_unix.so md5").
	if sv := c.s.passwordService(); sv != "" {
		st, _ := c.s.pamStack(sv, "password")
		for _, e := range pamFind(st, "pam_unix.so") {
			for _, a := range e.Args {
				switch a {
				case "md5", "bigcrypt":
					f.line(e.File, e.Line)
					f.bad(result.Crit, "sec.hash.pam_unix", a, e.File)
				case "sha512", "yescrypt", "blowfish", "gost_yescrypt":
					f.line(e.File, e.Line)
				}
			}
		}
	}
	if !shadowRead {
		f.needRoot("/etc/shadow")
		return f.done()
	}
	var weak, medium []string
	for _, a := range accts {
		switch a.Scheme {
		case "1", "DES", "2", "md5":
			weak = append(weak, a.Name)
		case "5":
			medium = append(medium, a.Name)
		}
	}
	if len(weak) > 0 {
		f.bad(result.Crit, "sec.hash.weak", strings.Join(weak, ", "))
		f.text("/etc/shadow: MD5/DES hashes: " + strings.Join(weak, ", "))
	}
	if len(medium) > 0 {
		f.bad(result.Warn, "sec.hash.sha256", strings.Join(medium, ", "))
		f.text("/etc/shadow: SHA-256 hashes: " + strings.Join(medium, ", "))
	}
	if f.status == result.OK {
		f.note("sec.hash.ok", m)
	}
	return f.done()
}

func (c *ctx) filePerms() result.Result {
	f := c.rule("ac-file-permissions")
	limits := map[string]int{"/etc/passwd": 0o644, "/etc/group": 0o644, "/etc/shadow": 0o640, "/etc/gshadow": 0o640}
	seen := 0
	for _, v := range c.s.Vals["STAT"] {
		fl := strings.Fields(v)
		if len(fl) != 4 {
			continue
		}
		mode, err := strconv.ParseInt(fl[0], 8, 32)
		limit, known := limits[fl[3]]
		if err != nil || !known {
			continue
		}
		seen++
		f.text(fmt.Sprintf("$ stat %s: %s %s:%s", fl[3], fl[0], fl[1], fl[2]))
		if int(mode)&^limit != 0 {
			f.bad(result.Crit, "sec.perm.mode", fl[3], fl[0], fmt.Sprintf("%o", limit))
		}
		grpOK := fl[2] == "root" || fl[2] == "0" || (limit == 0o640 && fl[2] == "shadow")
		if fl[1] != "root" && fl[1] != "0" || !grpOK {
			f.bad(result.Crit, "sec.perm.owner", fl[3], fl[1]+":"+fl[2])
		}
	}
	if seen == 0 {
		return f.unknown("no-tool", "sec.perm.no_stat").done()
	}
	if f.status == result.OK {
		f.note("sec.perm.ok", seen)
	}
	return f.done()
}

// uidMin is the first UID of ordinary users: login.defs UID_MIN, else 1000.
func (c *ctx) uidMin() int {
	if v, _, ok := c.s.kv("/etc/login.defs", "UID_MIN", false); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return 1000
}

func (c *ctx) defaultAccounts(p *accountsParams, accts []account) result.Result {
	f := c.rule("ac-default-accounts")
	min := c.uidMin()
	var open, lockedShell []string
	for _, a := range accts {
		if a.UID == 0 || a.UID >= min || !loginShell(a.Shell) || contains(p.AllowedSystem, a.Name) {
			continue
		}
		f.line("/etc/passwd", a.Line)
		if a.Scheme == "LOCKED" {
			lockedShell = append(lockedShell, a.Name)
		} else {
			open = append(open, a.Name)
		}
	}
	if len(open) > 0 {
		f.bad(result.Crit, "sec.acct.default_open", strings.Join(open, ", "), min)
		f.adv(open[0])
	}
	if len(lockedShell) > 0 {
		f.bad(result.Warn, "sec.acct.default_shell", strings.Join(lockedShell, ", "))
		f.adv(lockedShell[0])
	}
	if f.status == result.OK {
		f.note("sec.acct.default_ok", min)
	}
	return f.done()
}

func (c *ctx) surplusAccounts(p *accountsParams, accts []account) result.Result {
	f := c.rule("ac-surplus-accounts")
	min := c.uidMin()
	today := -1
	if ts, err := time.Parse(time.RFC3339, c.s.Time); err == nil {
		today = int(ts.Unix() / 86400)
	}
	var logins, unexpected, expired []string
	for _, a := range accts {
		if a.UID < min || !loginShell(a.Shell) || a.Name == "nobody" || a.UID == 65534 {
			continue
		}
		f.line("/etc/passwd", a.Line)
		logins = append(logins, a.Name)
		if exp, err := strconv.Atoi(a.Expire); err == nil && today >= 0 && exp < today && a.Scheme != "LOCKED" {
			expired = append(expired, a.Name)
			f.text(fmt.Sprintf("/etc/shadow: %s: expired on day %d (today %d)", a.Name, exp, today))
		}
		if len(p.AllowedAccounts) > 0 && !contains(p.AllowedAccounts, a.Name) {
			unexpected = append(unexpected, a.Name)
		}
	}
	if len(expired) > 0 {
		f.bad(result.Warn, "sec.acct.expired", strings.Join(expired, ", "))
		f.adv(expired[0])
	}
	switch {
	case len(unexpected) > 0:
		f.bad(result.Crit, "sec.acct.unexpected", strings.Join(unexpected, ", "))
		f.adv(unexpected[0])
	case len(expired) > 0:
	case len(p.AllowedAccounts) > 0:
		f.note("sec.acct.register_ok", len(logins))
	case len(logins) == 0:
		f.note("sec.acct.no_logins")
	default:
		f.note("sec.acct.review", strings.Join(logins, ", "))
	}
	return f.done()
}
