// Package baseline is the catalogue of the MLPS 2.0 level-3 (等保2.0 三级)
// host baseline: the rules the mlps3-linux playbook checks, each tied to its
// clause of GB/T 22239-2019 §8.1.4 (安全计算环境) and its test unit of
// GB/T 28448-2019, in the order of the assessor's checklist.
//
// It is data only. The checks (pkg/checks/sec) write one result per rule
// with Item set to the rule's ID; the baseline report reads those results
// back with this catalogue and the i18n keys baseline.rule.<id>.title (测评项),
// baseline.rule.<id>.req (测评要求), baseline.clause.<section> and
// baseline.verdict.<verdict>. Nothing here parses a message or evidence.
package baseline

import "github.com/cyhealth/hcops/pkg/result"

// Verdict is what an assessor writes in the checklist for one item.
type Verdict string

// The verdicts.
const (
	Pass          Verdict = "pass"        // 符合
	Partial       Verdict = "partial"     // 部分符合
	Fail          Verdict = "fail"        // 不符合
	NotApplicable Verdict = "na"          // 不适用
	NotChecked    Verdict = "not-checked" // 未检查: could not be read (no root, unreachable)
)

// Playbook is the name of the built-in playbook whose results are the
// baseline.
const Playbook = "mlps3-linux"

// Rule is one checklist item.
type Rule struct {
	ID       string // stable, e.g. "ia-empty-password"; the result's Item
	Clause   string // "8.1.4.1 a)"
	TestUnit string // "L3-CES1-01"
	Section  string // "8.1.4.1" (身份鉴别), for grouping
}

// rules is the checklist, in order. Clause and test-unit numbers follow
// ../shared/mission/MLPS3-LINUX.md (GB/T 22239-2019 §8.1.4, GB/T 28448-2019
// L3-CES1-xx). Items an operating system cannot show (8.1.4.4 d input
// validation, 8.1.4.9 backups, 8.1.4.11 personal data) are not host rules.
var rules = []Rule{
	// 8.1.4.1 身份鉴别
	{"ia-empty-password", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-uid0-unique", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-password-complexity", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-password-expiry", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-account-expiry", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-password-reuse", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-password-hash", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-ssh-empty-password", "8.1.4.1 a)", "L3-CES1-01", "8.1.4.1"},
	{"ia-lockout-faillock", "8.1.4.1 b)", "L3-CES1-02", "8.1.4.1"},
	{"ia-lockout-tally2", "8.1.4.1 b)", "L3-CES1-02", "8.1.4.1"},
	{"ia-ssh-max-auth-tries", "8.1.4.1 b)", "L3-CES1-02", "8.1.4.1"},
	{"ia-shell-timeout", "8.1.4.1 b)", "L3-CES1-02", "8.1.4.1"},
	{"ia-ssh-idle-timeout", "8.1.4.1 b)", "L3-CES1-02", "8.1.4.1"},
	{"ia-remote-ssh-only", "8.1.4.1 c)", "L3-CES1-03", "8.1.4.1"},
	{"ia-multi-factor", "8.1.4.1 d)", "L3-CES1-04", "8.1.4.1"},
	// 8.1.4.2 访问控制
	{"ac-file-permissions", "8.1.4.2 a)", "L3-CES1-05", "8.1.4.2"},
	{"ac-umask", "8.1.4.2 a)", "L3-CES1-05", "8.1.4.2"},
	{"ac-default-accounts", "8.1.4.2 b)", "L3-CES1-06", "8.1.4.2"},
	{"ac-root-ssh-login", "8.1.4.2 b)", "L3-CES1-06", "8.1.4.2"},
	{"ac-surplus-accounts", "8.1.4.2 c)", "L3-CES1-07", "8.1.4.2"},
	{"ac-su-wheel", "8.1.4.2 d)", "L3-CES1-08", "8.1.4.2"},
	{"ac-sudoers", "8.1.4.2 d)", "L3-CES1-08", "8.1.4.2"},
	{"ac-mac", "8.1.4.2 g)", "L3-CES1-11", "8.1.4.2"},
	// 8.1.4.3 安全审计
	{"au-auditd", "8.1.4.3 a)", "L3-CES1-12", "8.1.4.3"},
	{"au-audit-rules", "8.1.4.3 a)", "L3-CES1-12", "8.1.4.3"},
	{"au-syslog", "8.1.4.3 a)", "L3-CES1-12", "8.1.4.3"},
	{"au-log-retention", "8.1.4.3 c)", "L3-CES1-14", "8.1.4.3"},
	{"au-log-forward", "8.1.4.3 c)", "L3-CES1-14", "8.1.4.3"},
	{"au-audit-protect", "8.1.4.3 d)", "L3-CES1-15", "8.1.4.3"},
	// 8.1.4.4 入侵防范
	{"ip-minimal-install", "8.1.4.4 a)", "L3-CES1-17", "8.1.4.4"},
	{"ip-services", "8.1.4.4 b)", "L3-CES1-18", "8.1.4.4"},
	{"ip-listening-ports", "8.1.4.4 b)", "L3-CES1-18", "8.1.4.4"},
	{"ip-ssh-access", "8.1.4.4 c)", "L3-CES1-19", "8.1.4.4"},
	{"ip-patch-age", "8.1.4.4 e)", "L3-CES1-21", "8.1.4.4"},
	{"ip-intrusion-detection", "8.1.4.4 f)", "L3-CES1-22", "8.1.4.4"},
	// 8.1.4.5 恶意代码防范
	{"mc-malware-protection", "8.1.4.5 a)", "L3-CES1-23", "8.1.4.5"},
	// 8.1.4.6 可信验证
	{"tv-trusted-verification", "8.1.4.6 a)", "L3-CES1-24", "8.1.4.6"},
	// 8.1.4.7 数据完整性
	{"di-ssh-macs", "8.1.4.7 a)", "L3-CES1-25", "8.1.4.7"},
	// 8.1.4.8 数据保密性
	{"dc-ssh-ciphers", "8.1.4.8 a)", "L3-CES1-27", "8.1.4.8"},
	// 8.1.4.10 剩余信息保护
	{"ri-history-size", "8.1.4.10 b)", "L3-CES1-33", "8.1.4.10"},
	{"ri-core-dumps", "8.1.4.10 b)", "L3-CES1-33", "8.1.4.10"},
}

var byID = func() map[string]Rule {
	m := make(map[string]Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}()

// Rules returns the rules in checklist order (a copy: callers may sort it).
func Rules() []Rule { return append([]Rule(nil), rules...) }

// Lookup returns the rule with the ID.
func Lookup(id string) (Rule, bool) {
	r, ok := byID[id]
	return r, ok
}

// Sections lists the sections the rules belong to, in checklist order.
func Sections() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rules {
		if !seen[r.Section] {
			seen[r.Section] = true
			out = append(out, r.Section)
		}
	}
	return out
}

// VerdictOf is the checklist verdict of a baseline result: OK → Pass,
// WARN → Partial, CRIT → Fail; a result whose Reason is
// result.ReasonNotApplicable → NotApplicable; UNKNOWN and UNREACHABLE →
// NotChecked (the host could not be read, which is no finding either way).
func VerdictOf(r result.Result) Verdict {
	if r.Reason == result.ReasonNotApplicable && r.Status == result.OK {
		return NotApplicable
	}
	switch r.Status {
	case result.OK:
		return Pass
	case result.Warn:
		return Partial
	case result.Crit:
		return Fail
	}
	return NotChecked
}
