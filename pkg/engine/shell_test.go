package engine

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/transport"
)

// slowReader hands out its lines one at a time, as a person types.
type slowReader struct{ lines []string }

func (s *slowReader) Read(b []byte) (int, error) {
	if len(s.lines) == 0 {
		return 0, io.EOF
	}
	time.Sleep(200 * time.Millisecond)
	n := copy(b, s.lines[0])
	s.lines = s.lines[1:]
	return n, nil
}

// A shell on a real sshd: typed input runs, the session's output and input
// are recorded as asciicast v2 and replay to the same text, and the session
// is audited with its recording and exit code.
func TestShellRecorded(t *testing.T) {
	testenv.LookPath(t, "sshd")
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	f, err := connect.New(connect.Options{Identity: sshd.ClientKeyPath, KnownHosts: sshd.KnownHostsPath})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log := &memAudit{}
	e := &Engine{Connect: f, Audit: log}
	a := &inventory.Asset{Name: "web-01", Kind: "host", Address: "127.0.0.1"}
	a.Connection.Port, a.Connection.User = sshd.Port, sshd.User
	var screen bytes.Buffer
	in := &slowReader{lines: []string{"echo hello-$((6*7))\n", "exit 3\n"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := e.Shell(ctx, ShellRequest{Asset: a, Terminal: transport.Terminal{Cols: 100, Rows: 30}, In: in, Out: &screen, RecordDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 3 || !strings.Contains(screen.String(), "hello-42") {
		t.Errorf("exit %d, screen %q", run.ExitCode, screen.String())
	}
	out, typed, err := ReadCast(run.Recording)
	if err != nil {
		t.Fatal(err)
	}
	if out != screen.String() || typed != "echo hello-$((6*7))\nexit 3\n" {
		t.Errorf("replay differs:\noutput %q\ninput %q", out, typed)
	}
	if filepath.Ext(run.Recording) != ".cast" || len(log.recs) != 1 || log.recs[0].Action != "ssh" || log.recs[0].Recording != run.Recording || log.recs[0].Exit["web-01"] != 3 {
		t.Errorf("audit %+v", log.recs)
	}
}
