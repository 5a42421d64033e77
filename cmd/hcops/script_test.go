package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run the real hcops main (in-process re-exec) as
// the "hcops" command inside .txtar scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hcops": func() { os.Exit(run(os.Args[1:])) },
	})
}

// TestScripts runs the CLI end-to-end scripts in testdata/script/*.txtar.
// Each script gets its own $HOME, $XDG_DATA_HOME and history database, and
// LANG=en_US.UTF-8 unless it sets its own.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("..", "..", "testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".data"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("LANG", "en_US.UTF-8")
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}
