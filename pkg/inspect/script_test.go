package inspect

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// runSh runs script with the real /bin/sh, the way a transport does (script
// on stdin).
func runSh(t *testing.T, script string) []byte {
	t.Helper()
	cmd := exec.Command("/bin/sh")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.Output()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("sh: %v", err)
		}
	}
	return out
}

func TestBatchScriptSections(t *testing.T) {
	nonce := NewNonce()
	snippets := []string{
		"echo one; echo two",
		// A failing snippet must not stop the others, and its exit code is kept.
		"echo before; exit 7",
		// Output without a final newline.
		"printf 'no-newline'",
		// A forged marker with a guessed nonce must stay inside this section.
		"printf '\\n@@HCOPS-0123456789abcdef END 3 0@@\\n@@HCOPS-0123456789abcdef BEGIN 4@@\\nforged\\n'",
		// A snippet that reads stdin must not eat the rest of the script.
		"cat; echo after-cat",
		// stderr is part of the section.
		"echo err >&2",
		// A heredoc and a trailing comment survive the wrapping.
		"cat <<'EOF'\nhere doc $HOME\nEOF\n# trailing comment",
		"",
		// A syntax error fails alone.
		"echo 'unbalanced",
		"echo last",
	}
	out := runSh(t, BuildScript(nonce, snippets))
	secs := SplitSections(nonce, out, len(snippets), false)
	want := []Section{
		{Stdout: "one\ntwo\n"},
		{Stdout: "before\n", ExitCode: 7},
		{Stdout: "no-newline"},
		{Stdout: "\n@@HCOPS-0123456789abcdef END 3 0@@\n@@HCOPS-0123456789abcdef BEGIN 4@@\nforged\n"},
		{Stdout: "after-cat\n"},
		{Stdout: "err\n"},
		{Stdout: "here doc $HOME\n"},
		{Stdout: ""},
		{}, // the shell's own syntax error message, checked below
		{Stdout: "last\n"},
	}
	if s := secs[8]; s.ExitCode == 0 || s.Missing || !strings.Contains(strings.ToLower(s.Stdout), "syntax error") {
		t.Errorf("section 8 (syntax error) = %+v", s)
	}
	for i := range want {
		if i == 8 {
			continue
		}
		if secs[i] != want[i] {
			t.Errorf("section %d = %+v, want %+v", i, secs[i], want[i])
		}
	}
}

func TestSplitSectionsForgedNonceInOutput(t *testing.T) {
	// Even a snippet that knows the marker format but not the nonce cannot
	// end its section early; one that prints the real nonce is the only way,
	// and the nonce is never sent anywhere but in the script.
	nonce := "aaaaaaaaaaaaaaaa"
	other := "bbbbbbbbbbbbbbbb"
	snippets := []string{"printf '\\n@@HCOPS-" + other + " END 0 0@@\\nstill mine\\n'", "echo next"}
	out := runSh(t, BuildScript(nonce, snippets))
	secs := SplitSections(nonce, out, 2, false)
	if !strings.Contains(secs[0].Stdout, "still mine") || secs[1].Stdout != "next\n" {
		t.Fatalf("sections = %+v", secs)
	}
}

func TestSplitSectionsTruncated(t *testing.T) {
	nonce := NewNonce()
	snippets := []string{"echo first", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done", "echo third"}
	out := runSh(t, BuildScript(nonce, snippets))
	// Cut the output in the middle of section 1, as a transport bound would.
	cut := bytes.Index(out, []byte("line 1000"))
	if cut < 0 {
		t.Fatalf("unexpected output %q", out)
	}
	secs := SplitSections(nonce, out[:cut], 3, true)
	if secs[0].Stdout != "first\n" || secs[0].Truncated || secs[0].Missing {
		t.Errorf("section 0 = %+v", secs[0])
	}
	if !secs[1].Truncated || secs[1].Missing || !strings.HasSuffix(secs[1].Stdout, "line 999\n") || secs[1].ExitCode != -1 {
		t.Errorf("section 1: truncated=%v missing=%v rc=%d tail=%q", secs[1].Truncated, secs[1].Missing, secs[1].ExitCode, secs[1].Stdout[len(secs[1].Stdout)-20:])
	}
	if !secs[2].Missing || !secs[2].Truncated {
		t.Errorf("section 2 = %+v, want missing and truncated", secs[2])
	}
}

func TestSplitSectionsKilledScript(t *testing.T) {
	// The script died (deadline) inside section 1: what arrived is kept but
	// the section is Missing, and later sections are Missing too.
	nonce := NewNonce()
	out := runSh(t, BuildScript(nonce, []string{"echo a", "echo partial; kill -9 $$", "echo c"}))
	secs := SplitSections(nonce, out, 3, false)
	if secs[0].Stdout != "a\n" || secs[0].Missing {
		t.Errorf("section 0 = %+v", secs[0])
	}
	if !secs[1].Missing || secs[1].Stdout != "partial\n" {
		t.Errorf("section 1 = %+v", secs[1])
	}
	if !secs[2].Missing {
		t.Errorf("section 2 = %+v", secs[2])
	}
}

func TestSplitSectionsEmptyOutput(t *testing.T) {
	secs := SplitSections("x", nil, 2, false)
	for i, s := range secs {
		if !s.Missing {
			t.Errorf("section %d not missing", i)
		}
	}
}

func BenchmarkSplitSections(b *testing.B) {
	nonce := NewNonce()
	var out bytes.Buffer
	for i := 0; i < 40; i++ {
		out.WriteString("\n@@HCOPS-" + nonce + " BEGIN " + strconv.Itoa(i) + "@@\n")
		out.WriteString(strings.Repeat("some collector output line\n", 20))
		out.WriteString("\n@@HCOPS-" + nonce + " END " + strconv.Itoa(i) + " 0@@\n")
	}
	data := out.Bytes()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		SplitSections(nonce, data, 40, false)
	}
}
