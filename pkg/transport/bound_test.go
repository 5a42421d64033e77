package transport

import (
	"bytes"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// runRemoteWrapper runs remoteWrapper with /bin/sh here, as sshd would,
// and sends it input. Stdin then stays open until the command is over, as
// the client keeps it, or is closed at once when cut is set (session closed,
// connection lost). It runs in a process group of its own: the lifeline
// kills that group.
func runRemoteWrapper(t *testing.T, input string, cut bool) (stdout string, code int) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", remoteWrapper, "hcops", "HCOPS_END_0123abcd")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte(input))
	if cut {
		stdin.Close()
	}
	err = cmd.Wait()
	stdin.Close()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		code = ee.ExitCode()
	case errors.As(err, &ee):
		code = -1 // killed by the lifeline: stdin ended
	default:
		t.Fatal(err)
	}
	return out.String(), code
}

// TestRemoteWrapperCutOff: a script whose transfer was cut off (session
// closed or connection lost before the end marker) runs no line at all;
// a whole one runs with stdin at end-of-file.
func TestRemoteWrapperCutOff(t *testing.T) {
	const script = "echo one\ncat\necho two\n"
	out, code := runRemoteWrapper(t, script+"HCOPS_END_0123abcd\n", false)
	if out != "one\ntwo\n" || code != 0 {
		t.Fatalf("whole script printed %q, exit %d; want both lines, exit 0", out, code)
	}
	for _, input := range []string{
		"",
		"echo one\n",
		"echo one\necho tw",
		script + "HCOPS_END_01",
		script + "HCOPS_END_0123abcdX\n",
	} {
		out, code := runRemoteWrapper(t, input, true)
		if out != "" || code != 125 {
			t.Errorf("cut off after %q: printed %q, exit %d; want nothing run, exit 125", input, out, code)
		}
	}
}
