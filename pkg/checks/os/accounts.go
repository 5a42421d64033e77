package os

import (
	"context"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// accountsCheck looks for dangerous local accounts (type "accounts"), two
// results:
//
//   - item "uid0": accounts other than root with user ID 0 in /etc/passwd:
//     a classic backdoor, CRIT. `allowed_uid0` lists accounts that are
//     meant to be there (default [root]).
//   - item "empty-password": accounts whose /etc/shadow password field is
//     empty, so anyone can log in as them (SEC5 weak passwords), CRIT.
//     /etc/shadow is readable by root only; without it this result is
//     UNKNOWN saying so.
//
// The collector filters on the target with the read builtin and prints
// only the account names it found: no password hash ever leaves the host.
type accountsCheck struct{}

// accountsParams are the parameters of accounts, decoded once when the
// playbook is loaded.
type accountsParams struct {
	AllowedUID0 []string `param:"allowed_uid0"` // accounts meant to have user ID 0
}

// Defaults allows root.
func (p *accountsParams) Defaults() { p.AllowedUID0 = []string{"root"} }

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (accountsCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[accountsParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (accountsCheck) Validate(spec *inspect.Spec) error { return osValidate[accountsParams](spec) }

const accountsScript = `if [ -r /etc/passwd ]; then
  echo "@@PASSWD"
  while IFS=: read -r u p uid rest; do [ "$uid" = 0 ] && echo "UID0 $u"; done < /etc/passwd
fi
if [ -r /etc/shadow ]; then
  echo "@@SHADOW"
  while IFS=: read -r u p rest; do [ -n "$u" ] && [ -z "$p" ] && echo "EMPTY $u"; done < /etc/shadow
else
  echo "@@NOSHADOW"
fi
exit 0`

// Script returns the collector.
func (accountsCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[accountsParams](spec); err != nil {
		return "", err
	}
	return accountsScript, nil
}

// Evaluate reports uid-0 accounts and empty passwords.
func (accountsCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("accounts")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	p, err := inspect.ParamsOf[accountsParams](env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	allowed := map[string]bool{}
	for _, a := range p.AllowedUID0 {
		allowed[a] = true
	}
	blocks := osSplit(env.Section.Stdout)
	pw, havePasswd := osFind(blocks, "PASSWD")
	if !havePasswd {
		r := osUnknownMsg(base, env, "unparsable", "os.acct.no_passwd")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	var extra []string
	for _, l := range osLines(pw.Body) {
		if name, ok := strings.CutPrefix(l, "UID0 "); ok && !allowed[name] {
			extra = append(extra, name)
		}
	}
	uid0 := base
	uid0.Item = "uid0"
	uid0.SetValue(float64(len(extra)), "")
	if len(extra) > 0 {
		uid0.Status = result.Crit
		uid0.Reason = "extra-uid0"
		inspect.SetMsg(&uid0, env, "os.acct.uid0", len(extra), osList(extra, 10))
		inspect.SetAdvice(&uid0, env, "os.acct.uid0_advice", extra[0])
	} else {
		uid0.Status = result.OK
		inspect.SetMsg(&uid0, env, "os.acct.uid0_ok")
	}

	empty := base
	empty.Item = "empty-password"
	if sh, ok := osFind(blocks, "SHADOW"); ok {
		var names []string
		for _, l := range osLines(sh.Body) {
			if name, ok := strings.CutPrefix(l, "EMPTY "); ok {
				names = append(names, name)
			}
		}
		empty.SetValue(float64(len(names)), "")
		if len(names) > 0 {
			empty.Status = result.Crit
			empty.Reason = "empty-password"
			inspect.SetMsg(&empty, env, "os.acct.empty", len(names), osList(names, 10))
			inspect.SetAdvice(&empty, env, "os.acct.empty_advice", names[0])
		} else {
			empty.Status = result.OK
			inspect.SetMsg(&empty, env, "os.acct.empty_ok")
		}
	} else {
		empty = osUnknownMsg(empty, env, "not-readable", "os.acct.no_shadow")
		inspect.SetAdvice(&empty, env, "os.acct.no_shadow_advice")
	}
	return []result.Result{uid0, empty}
}

// Accounts is the check type playbooks call "accounts".
func Accounts() inspect.Check { return osGuard{accountsCheck{}} }
