package transport

import (
	"os"
	"strings"
)

// childEnvKeep are the variables a process hcops starts on this machine
// inherits: where programs are, the locale and time zone, who and where
// the user is. Nothing else: hcops' own environment holds the secrets of
// every asset (password: {env: ...}) and a check, a plugin or a restore
// client must see none of them.
var childEnvKeep = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR"}

// defaultPath is PATH when hcops itself runs without one (some cron daemons).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ChildEnv is the minimal environment for a child process: the variables of
// childEnvKeep and the locale (LC_*) from hcops' own environment, then
// extra ("NAME=value", e.g. PGPASSWORD for a restore client), which win.
func ChildEnv(extra ...string) []string {
	var env []string
	hasPath := false
	for _, kv := range os.Environ() {
		name, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		keep := strings.HasPrefix(name, "LC_")
		for _, k := range childEnvKeep {
			keep = keep || name == k
		}
		if keep {
			env = append(env, kv)
			hasPath = hasPath || name == "PATH"
		}
	}
	if !hasPath {
		env = append(env, "PATH="+defaultPath)
	}
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		for i := 0; i < len(env); i++ {
			if n, _, _ := strings.Cut(env[i], "="); n == name {
				env = append(env[:i], env[i+1:]...)
				i--
			}
		}
		env = append(env, kv)
	}
	return env
}
