package checks

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
)

// A playbook's misspelt or wrong-typed parameter is reported in the
// language of the run: in Chinese with no English word of the decoder's
// own, in English as before; file:line and the names stay as written.
func TestParamErrorsInEitherLanguage(t *testing.T) {
	src := "name: site\nchecks:\n" +
		"  - name: load\n    type: load\n    params: {window: five}\n" +
		"  - name: web\n    type: http\n    params: {timout: 5s}\n" +
		"  - name: disk\n    type: disk\n    params: {mounts: {a: b}}\n"
	_, err := inspect.ParsePlaybook(All(), "pb/site.yaml", []byte(src), "site")
	var pes inspect.PlaybookErrors
	if !errors.As(err, &pes) || len(pes) != 3 {
		t.Fatalf("want three problems, got %v", err)
	}
	zh, en := pes.Text(i18n.ZH), pes.Text(i18n.EN)
	for _, want := range []string{
		"pb/site.yaml:5: 检查项 load 的参数 window：应为整数，实际为 \"five\"",
		"pb/site.yaml:8: 检查项 web 的参数 timout：未知参数（是否应为 timeout？）；可用参数：",
		"pb/site.yaml:11: 检查项 disk 的参数 mounts：应为字符串列表，实际为 一个映射",
	} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh lacks %q:\n%s", want, zh)
		}
	}
	if words := regexp.MustCompile(`\b(want|got|unknown|parameter|check|known|mean|mapping)\b`).FindAllString(zh, -1); len(words) > 0 {
		t.Errorf("English words %v in the Chinese text:\n%s", words, zh)
	}
	for _, want := range []string{
		"pb/site.yaml:5: check load: parameter window: want a whole number, got \"five\"",
		"pb/site.yaml:8: check web: parameter timout: unknown parameter (did you mean timeout?); known: ",
		"pb/site.yaml:11: check disk: parameter mounts: want a list of strings, got a mapping",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("en lacks %q:\n%s", want, en)
		}
	}
}

// zhEnglishRE finds the English words of parameter messages that must not
// be left in a Chinese text.
var zhEnglishRE = regexp.MustCompile(`\b(want|got|must|bad|empty|needs|required|between|least|unknown|give|missing|item|key|is|not|or|a)\b`)

// zhLeftovers is the Chinese text with what is data rather than wording
// taken out: the playbook's file name, the check and parameter names, and
// quoted values ("0640", "a b").
var lineRE = regexp.MustCompile(`^p\.yaml:[35]: `)

func zhLeftovers(zh, check, param string) string {
	zh = strings.Replace(zh, "检查项 "+check+" 的参数 "+param+"：", "", 1)
	return regexp.MustCompile(`"[^"]*"|p\.yaml:\d+: `).ReplaceAllString(zh, "")
}

// loadBad loads a playbook of one check c of type typ with the parameters
// params (a YAML flow mapping) and returns the one problem in zh and in en.
func loadBad(t *testing.T, typ, params string) (zh, en string) {
	t.Helper()
	src := "name: p\nchecks:\n  - name: c\n    type: " + typ + "\n    params: " + params + "\n"
	_, err := inspect.ParsePlaybook(All(), "p.yaml", []byte(src), "p")
	var pes inspect.PlaybookErrors
	if !errors.As(err, &pes) || len(pes) != 1 {
		t.Errorf("%s %s: want one problem, got %v", typ, params, err)
		return "", ""
	}
	return pes.Text(i18n.ZH), pes.Text(i18n.EN)
}

// Every check type's own parameter messages (not only the decoder's) read
// in the run's language: under zh a Chinese sentence with no English word
// of the message, under en the English text exactly as before.
func TestCheckTypesOwnParamErrorsInEitherLanguage(t *testing.T) {
	cases := []struct {
		typ, params, param, en string
		allow                  []string // English words the zh text may hold: values the user types
	}{
		// os
		{typ: "load", params: "{window: 7}", param: "window", en: "want 1, 5 or 15 (minutes), got 7"},
		{typ: "cpu", params: "{sample: 10s}", param: "sample", en: "want between 0.1s and 5s, got 10s"},
		{typ: "memory", params: "{swap_warn: x}", param: "swap_warn/swap_crit", en: `threshold "x": bad end "x" (want a number)`},
		{typ: "kernel-log", params: "{lookback: 30m}", param: "lookback", en: "want at least 1h, got 30m0s"},
		{typ: "failed-logins", params: "{lookback: 30m}", param: "lookback", en: "want at least 1h, got 30m0s"},
		{typ: "systemd-unit", params: `{ignore: ["["]}`, param: "ignore", en: `bad pattern "[": syntax error in pattern`, allow: []string{"error", "in", "pattern", "syntax"}},
		{typ: "systemd-unit", params: `{units: ["-x"]}`, param: "units", en: `bad unit name "-x"`},
		{typ: "process", params: "{forbidden: []}", param: "processes", en: "required: list the processes that must run, e.g. [sshd, crond], or those that must not under forbidden", allow: []string{"forbidden", "sshd", "crond"}},
		{typ: "process", params: "{processes: [{name: a, min: x}]}", param: "processes", en: `item 1: min must be a whole number >= 0, got "x"`, allow: []string{"min"}},
		{typ: "process", params: "{processes: [{name: a, foo: 1}]}", param: "processes", en: `item 1: unknown key "foo" (want name, match, min, max)`, allow: []string{"name", "match", "min", "max"}},
		{typ: "process", params: "{processes: [[a]]}", param: "processes", en: "item 1: want a name or a mapping, got a list"},
		{typ: "process", params: `{processes: [{name: ""}]}`, param: "processes", en: "item 1: name is empty", allow: []string{"name"}},
		{typ: "process", params: "{processes: [{name: a, min: 3, max: 1}]}", param: "processes", en: "item 1 (a): max 1 is below min 3", allow: []string{"max", "min", "a"}},
		{typ: "disk", params: `{mount_thresholds: {"/": 5}}`, param: "mount_thresholds", en: "/: want {warn: ..., crit: ...}, got 5", allow: []string{"warn", "crit"}},
		{typ: "disk", params: `{mount_thresholds: {"/": {warn: 1, foo: 2}}}`, param: "mount_thresholds", en: `/: unknown key "foo" (want warn, crit)`, allow: []string{"warn", "crit"}},
		{typ: "disk", params: `{mount_thresholds: {"/": {warn: x}}}`, param: "mount_thresholds", en: `/: threshold "x": bad end "x" (want a number)`},
		{typ: "port-listen", params: `{expected: ["22/sctp"]}`, param: "expected", en: `"22/sctp": protocol must be tcp or udp`, allow: []string{"tcp", "udp"}},
		{typ: "port-listen", params: `{expected: ["x:22"]}`, param: "expected", en: `"x:22": "x" is not an IP address`},
		{typ: "port-listen", params: `{expected: ["99999"]}`, param: "expected", en: `"99999": want a port 1-65535`},
		{typ: "file", params: "{state: present}", param: "path", en: "missing: give the file to check"},
		{typ: "file", params: `{paths: [""]}`, param: "paths", en: "empty path"},
		{typ: "file", params: "{path: /a, state: gone}", param: "state", en: `want present or absent, got "gone"`, allow: []string{"present", "absent"}},
		{typ: "file", params: "{path: /a, type: pipe}", param: "type", en: `want any, file or directory, got "pipe"`, allow: []string{"any", "file", "directory"}},
		{typ: "file", params: "{path: /a, min_size: lots}", param: "min_size", en: "want a size like 1048576, 10K, 1.5M or 2G"},
		{typ: "file", params: "{path: /a, mode: 0640}", param: "mode", en: `write the mode in quotes, e.g. "0640" (unquoted, YAML reads 0640 as the number 416)`, allow: []string{"YAML"}},
		{typ: "file", params: `{path: /a, mode: "rwx"}`, param: "mode", en: `want octal permission bits like "0640", got "rwx"`},
		{typ: "log-pattern", params: "{pattern: e}", param: "path", en: "missing: give the log file (or unit: / journal: true)", allow: []string{"unit", "journal", "true"}},
		{typ: "log-pattern", params: "{path: /a, unit: x, pattern: e}", param: "path", en: "give either path or unit/journal, not both", allow: []string{"path", "unit", "journal"}},
		{typ: "log-pattern", params: "{path: /a}", param: "pattern", en: "missing: give the extended regular expression to count"},
		{typ: "log-pattern", params: `{path: /a, pattern: "("}`, param: "pattern", en: "bad regular expression: error parsing regexp: missing closing ): `(`", allow: []string{"error", "parsing", "regexp", "missing", "closing"}},
		{typ: "log-pattern", params: "{path: /a, pattern: e, max_bytes: lots}", param: "max_bytes", en: `want a size like 4M or 65536, got "lots"`},
		{typ: "log-pattern", params: "{path: /a, pattern: e, sample: 99}", param: "sample", en: "want 0 to 50 lines, got 99"},
		{typ: "log-pattern", params: "{path: /a, pattern: e, missing: maybe}", param: "missing", en: `want unknown, ok, warn or crit, got "maybe"`, allow: []string{"unknown", "ok", "warn", "crit"}},
		// probe
		{typ: "tcp-connect", params: "{port: 70000}", param: "port", en: "70000 is not a TCP port (1-65535)", allow: []string{"TCP"}},
		{typ: "dns", params: "{name: x, type: MX}", param: "type", en: `want A, AAAA, ip or CNAME, got "MX"`, allow: []string{"A", "AAAA", "ip", "CNAME"}},
		{typ: "dns", params: "{name: x, expect: [nope]}", param: "expect", en: `"nope" is not an IP address`, allow: []string{"IP"}},
		{typ: "dns", params: "{name: x, server: nope}", param: "server", en: `want an IP address with an optional port, got "nope:53"`, allow: []string{"IP"}},
		{typ: "http", params: `{url: "http://x", method: "GE T"}`, param: "method", en: `want an HTTP method like GET, HEAD or POST, got "GE T"`, allow: []string{"HTTP", "GET", "HEAD", "POST"}},
		{typ: "http", params: `{url: "ftp://x"}`, param: "url", en: "URL ftp://x: want http:// or https://", allow: []string{"URL", "ftp", "x", "http", "https"}},
		{typ: "http", params: `{url: "http://"}`, param: "url", en: "URL http:: no host", allow: []string{"URL", "http"}},
		{typ: "http", params: `{url: "http://x", proxy: maybe}`, param: "proxy", en: `want "env" (use HTTP_PROXY/HTTPS_PROXY) or nothing, got "maybe"`, allow: []string{"HTTP_PROXY", "HTTPS_PROXY"}},
		{typ: "http", params: `{url: "http://x", cert_file: /a}`, param: "cert_file", en: "give both cert_file and key_file for a client certificate", allow: []string{"cert_file", "key_file"}},
		{typ: "http", params: `{url: "http://x", status: [abc]}`, param: "status", en: `bad status "abc" (want codes like 200 or ranges like 200-299)`},
		{typ: "http", params: `{url: "http://x", json_value: x}`, param: "json_value", en: "needs json_path", allow: []string{"json_path"}},
		{typ: "http", params: `{url: "http://x", headers: [a]}`, param: "headers", en: "want a mapping of header names to values, got a list"},
		{typ: "http", params: `{url: "http://x", headers: {"a b": c}}`, param: "headers", en: `bad header name "a b"`},
		{typ: "http", params: `{url: "http://x", headers: {X: {vault: y}}}`, param: "headers", en: "X: a secret reference is {env: NAME} or {file: PATH}", allow: []string{"X", "env", "file"}},
		{typ: "http", params: `{url: "http://x", headers: {X: [1]}}`, param: "headers", en: "X: want a string or {env: NAME} / {file: PATH}, got a list", allow: []string{"X", "env", "file"}},
		{typ: "http", params: `{url: "http://x", headers: {X: "a\nb"}}`, param: "headers", en: "X: value must be one line", allow: []string{"X"}},
		{typ: "ping", params: "{count: 0}", param: "count", en: "want 1 to 1000 requests, got 0"},
		{typ: "ping", params: "{interval: 1ms}", param: "interval", en: "want at least 10ms between requests, got 1ms"},
		{typ: "ping", params: "{size: 1}", param: "size", en: "want 24 to 65000 bytes, got 1"},
		{typ: "ping", params: "{rtt_warn: x}", param: "rtt_warn", en: `threshold "x": bad end "x" (want a number)`},
		{typ: "tls-cert", params: "{port: 70000}", param: "port", en: "70000 is not a TCP port", allow: []string{"TCP"}},
		{typ: "tls-cert", params: `{files: [""]}`, param: "files", en: "empty path"},
		{typ: "tls-cert", params: `{endpoints: ["a:x"]}`, param: "endpoints", en: `bad endpoint "a:x" (want host:port)`},
		{typ: "tls-cert", params: "{untrusted: maybe}", param: "untrusted", en: `want crit or warn, got "maybe"`, allow: []string{"crit", "warn"}},
		{typ: "tls-cert", params: `{files: [/a.crt], missing: maybe}`, param: "missing", en: `want crit, warn or ok, got "maybe"`, allow: []string{"crit", "warn", "ok"}},
		// generic
		{typ: "command", params: "{unit: x}", param: "script", en: "missing: give the shell script to run (script, command or script_file)", allow: []string{"shell", "script", "command", "script_file"}},
		{typ: "command", params: "{script: x, script_file: /a}", param: "script_file", en: "give either script or script_file, not both", allow: []string{"script", "script_file"}},
		{typ: "command", params: "{script: " + strconv.Quote(strings.Repeat("x", 130<<10)) + "}", param: "script", en: "133120 bytes is too long (at most 122880); install it on the hosts as a file and run that"},
		{typ: "nagios-plugin", params: "{args: [x]}", param: "plugin", en: "missing: give the plugin path or name, e.g. check_disk", allow: []string{"check_disk"}},
		// net
		{typ: "snmp-interfaces", params: "{down: maybe}", param: "down", en: `want warn or crit, got "maybe"`, allow: []string{"warn", "crit"}},
		{typ: "snmp-interfaces", params: "{errors_warn: x}", param: "errors_warn", en: `threshold "x": bad end "x" (want a number)`},
		{typ: "snmp-health", params: `{cpu_warn: "9:1"}`, param: "cpu_warn", en: `threshold "9:1": start 9 is greater than end 1`},
		// mw
		{typ: "redis", params: "{port: 70000}", param: "port", en: "70000 is not a TCP port (1-65535)", allow: []string{"TCP"}},
		{typ: "redis", params: "{timeout: 10m}", param: "timeout", en: "want more than 0 and at most 5m, got 10m0s"},
		{typ: "redis", params: "{min_replicas: -1}", param: "min_replicas", en: "want 0 or more, got -1"},
		{typ: "redis", params: "{password: hunter2}", param: "password", en: "give a secret reference, {env: NAME}, {file: PATH} or {vault: NAME}, never the password itself", allow: []string{"env", "file", "vault"}},
		{typ: "redis", params: "{password: {env: [a]}}", param: "password", en: "env: want a name or path", allow: []string{"env"}},
		{typ: "redis", params: "{password: {foo: x}}", param: "password", en: `unknown key "foo" (want env, file or vault)`, allow: []string{"env", "file", "vault"}},
		{typ: "redis", params: "{password: {env: A, file: B}}", param: "password", en: "name exactly one of env, file, vault", allow: []string{"env", "file", "vault"}},
		{typ: "rabbitmq", params: "{max_messages: -1}", param: "max_messages", en: "want 0 or more, got -1"},
		{typ: "rabbitmq", params: `{url: "ftp://x"}`, param: "url", en: `want an http:// or https:// URL, got "ftp://x"`, allow: []string{"http", "https", "URL"}},
		{typ: "tomcat", params: "{threads_warn: 0}", param: "threads_warn", en: "want a percentage above 0, at most 100, got 0"},
		{typ: "nginx", params: "{port: 70000}", param: "port", en: "70000 is not a TCP port (1-65535)", allow: []string{"TCP"}},
		// win
		{typ: "win-eventlog", params: "{logs: []}", param: "logs", en: "name at least one event log"},
		{typ: "win-eventlog", params: "{lookback: 30m}", param: "lookback", en: "want between 1h and 90d, got 30m0s"},
		{typ: "win-eventlog", params: "{max_events: 0}", param: "max_events", en: "want 1 to 5000, got 0"},
		{typ: "win-eventlog", params: `{ignore: ["["]}`, param: "ignore", en: `bad pattern "[": syntax error in pattern`, allow: []string{"syntax", "error", "in", "pattern"}},
		{typ: "win-service", params: `{required: ["a*"]}`, param: "required", en: `want service names (no patterns), got "a*"`},
		{typ: "win-disk", params: `{drives: ["["]}`, param: "drives", en: `bad pattern "[": syntax error in pattern`, allow: []string{"syntax", "error", "in", "pattern"}},
		// sec
		{typ: "sec-password", params: "{min_len: 0}", param: "min_len", en: "must be at least 1, got 0"},
		{typ: "sec-password", params: "{min_class: 5}", param: "min_class", en: "must be 0 to 4, got 5"},
		{typ: "sec-password", params: "{max_days: 0}", param: "max_days", en: "must be at least 1, got 0"},
		{typ: "sec-sshd", params: "{max_auth_tries: 0}", param: "max_auth_tries", en: "must be at least 1, got 0"},
		{typ: "sec-sshd", params: "{idle_timeout: 500ms}", param: "idle_timeout", en: "must be at least 1s, got 500ms"},
		{typ: "sec-sshd", params: "{max_alive_count: 0}", param: "max_alive_count", en: "must be at least 1, got 0"},
		{typ: "sec-session", params: `{umask: "99"}`, param: "umask", en: `must be octal like 027, got "99"`},
		{typ: "sec-session", params: "{idle_timeout: 500ms}", param: "idle_timeout", en: "must be at least 1s, got 500ms"},
		{typ: "sec-logs", params: "{retention_days: 0}", param: "retention_days", en: "must be at least 1, got 0"},
		{typ: "sec-patch", params: "{max_age: 1h}", param: "max_age", en: "must be at least 1d, got 1h0m0s"},
		{typ: "sec-agent", params: "{agent_processes: []}", param: "agent_processes", en: "must name at least one process"},
		{typ: "sec-lockout", params: "{deny: 0}", param: "deny", en: "must be at least 1, got 0"},
		{typ: "sec-lockout", params: "{unlock_time: -1}", param: "unlock_time", en: "must not be negative, got -1"},
		// db
		{typ: "db-log", params: "{error_log: /a, slow_ms: -1}", param: "slow_ms", en: "want milliseconds, 0 or more, got -1"},
		{typ: "db-log", params: "{error_log: /a, slow_warn: x}", param: "slow_warn", en: `threshold "x": bad end "x" (want a number)`},
		{typ: "db-log", params: "{error_log: /a, slow_crit: x}", param: "slow_crit", en: `threshold "x": bad end "x" (want a number)`},
		{typ: "db-log", params: "{error_log: /a, max_bytes: lots}", param: "max_bytes", en: `want a size like 4M or 65536, got "lots"`},
	}
	covered := map[string]bool{}
	all := All()
	for _, tc := range cases {
		zh, en := loadBad(t, tc.typ, tc.params)
		if en == "" {
			continue
		}
		// The line is the parameter's, or the check's when it is absent.
		if want := "check c: parameter " + tc.param + ": " + tc.en; lineRE.ReplaceAllString(en, "") != want {
			t.Errorf("%s %s: en\n got %q\nwant %q", tc.typ, tc.params, en, want)
		}
		rest := zhLeftovers(zh, "c", tc.param)
		if rest == zh || !checktest.HasHan(rest) {
			t.Errorf("%s %s: zh is not a Chinese parameter message: %q", tc.typ, tc.params, zh)
		}
		for _, w := range zhEnglishRE.FindAllString(rest, -1) {
			if !slices.Contains(tc.allow, w) {
				t.Errorf("%s %s: English word %q in the Chinese text %q", tc.typ, tc.params, w, zh)
			}
		}
		if _, ok := all[tc.typ]; !ok {
			t.Errorf("no check type %s", tc.typ)
		}
		covered[pkgOf(all[tc.typ])] = true
	}
	// Each package with check types has its own messages tried here.
	for _, typ := range all.Types() {
		if p := pkgOf(all[typ]); !covered[p] && p != "hw" {
			t.Errorf("no parameter message of package %s (check type %s) is tried", p, typ)
		}
	}
}

// Every check type, those without messages of their own included, refuses
// an unknown parameter in a Chinese sentence under zh.
func TestEveryCheckTypeParamErrorInChinese(t *testing.T) {
	data := regexp.MustCompile(`可用参数：.*|是否应为 [^？]*？`)
	for _, typ := range All().Types() {
		zh, en := loadBad(t, typ, "{zz_bogus: 1}")
		if !strings.HasPrefix(en, "p.yaml:5: check c: parameter zz_bogus: unknown parameter") {
			t.Errorf("%s: en %q", typ, en)
		}
		rest := data.ReplaceAllString(zhLeftovers(zh, "c", "zz_bogus"), "")
		if !strings.Contains(rest, "未知参数") || zhEnglishRE.MatchString(rest) {
			t.Errorf("%s: zh %q", typ, zh)
		}
	}
}

// pkgOf is the last element of the package that implements check c.
func pkgOf(c inspect.Check) string {
	rt := reflect.TypeOf(c)
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	return path.Base(rt.PkgPath())
}

// Every message key the check packages use (parameter errors through
// BadParamMsg and coded errors through i18n.NewError included) is in the
// catalogue in both languages, with as many arguments in each.
func TestCheckMessagesInCatalogueBothLanguages(t *testing.T) {
	files, err := filepath.Glob("*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	all := i18n.Keys()
	params := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range checktest.MsgKeyRE.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a stem of keys built at run time
			}
			if strings.Contains(m[0], "BadParamMsg(") {
				params++
			}
			msg, ok := all[m[1]]
			switch {
			case !ok:
				t.Errorf("%s: message key %q is not in the catalogue", f, m[1])
			case msg.ZH == "" || msg.EN == "":
				t.Errorf("%s: message %q lacks a language", f, m[1])
			case strings.Count(msg.ZH, "%") != strings.Count(msg.EN, "%"):
				t.Errorf("message %q: zh and en take a different number of arguments", m[1])
			}
		}
	}
	if params < 100 {
		t.Fatalf("found only %d BadParamMsg uses: is the pattern stale?", params)
	}
	// Free-form English is left only where it quotes an operating-system
	// error as it is (command's script_file cannot be read).
	left := regexp.MustCompile(`inspect\.BadParam\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		if n := len(left.FindAll(src, -1)); n > 0 && !(f == "generic/command.go" && n == 1) {
			t.Errorf("%s: %d free-form English parameter errors (inspect.BadParam); use BadParamMsg", f, n)
		}
	}
}
