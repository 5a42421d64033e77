package sec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// patchParams bound the age of the last package update.
type patchParams struct {
	MaxAge time.Duration `param:"max_age"` // last package change at most this long ago (partial beyond, non-compliant beyond twice)
}

// Defaults sets 90 days.
func (p *patchParams) Defaults() { *p = patchParams{MaxAge: 90 * 24 * time.Hour} }

// CheckParams rejects an age below a day.
func (p *patchParams) CheckParams(spec *inspect.Spec) error {
	if p.MaxAge < 24*time.Hour {
		return inspect.BadParamMsg(spec, "max_age", "sec.param.at_least_1d", p.MaxAge.String())
	}
	return nil
}

// Patch is the check type "sec-patch": how long ago the package database
// last changed (rpm or dpkg), the running kernel beside it. It is a proxy:
// the evidence an assessor finally wants is a vulnerability scan report.
func Patch() inspect.Check {
	return kind[patchParams]{
		typ:   "sec-patch",
		rules: []string{"ip-patch-age"},
		body: func(*patchParams) (string, error) {
			return `echo "@@V NOW $(date +%s)"
for f in /var/lib/rpm/rpmdb.sqlite /var/lib/rpm/Packages /var/lib/rpm/Packages.db /usr/lib/sysimage/rpm/rpmdb.sqlite /usr/lib/sysimage/rpm/Packages.db /var/lib/dpkg/status; do
  [ -e "$f" ] && echo "@@V PKGDB $(date -u -r "$f" +%s 2>/dev/null || stat -c %Y "$f" 2>/dev/null) $f"
done
hc uname uname -r
`, nil
		},
		eval: func(c *ctx, p *patchParams) []result.Result { return []result.Result{c.patchAge(p)} },
	}
}

func (c *ctx) patchAge(p *patchParams) result.Result {
	f := c.rule("ip-patch-age")
	f.cmd("uname", "uname -r", nil)
	nowS, _ := val(c.s, "NOW")
	now, err := strconv.ParseInt(nowS, 10, 64)
	if err != nil {
		now = c.env.Now.Unix()
	}
	var newest int64
	db := ""
	for _, v := range c.s.Vals["PKGDB"] {
		ts, path, _ := strings.Cut(v, " ")
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			continue
		}
		f.text(fmt.Sprintf("%s: modified %s", path, time.Unix(n, 0).UTC().Format("2006-01-02 15:04Z")))
		if n > newest {
			newest, db = n, path
		}
	}
	if newest == 0 {
		return f.unknown("no-data", "sec.patch.no_db").done()
	}
	days := int((now - newest) / 86400)
	max := int(p.MaxAge / (24 * time.Hour))
	date := time.Unix(newest, 0).UTC().Format("2006-01-02")
	switch {
	case days > 2*max:
		f.bad(result.Crit, "sec.patch.old", date, days, max)
	case days > max:
		f.bad(result.Warn, "sec.patch.old", date, days, max)
	default:
		f.note("sec.patch.ok", date, days, max)
	}
	_ = db
	return f.adv(max).done()
}
