package transport

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTerminalPassphraseNoTTY: without a terminal there is no prompt, so
// encrypted keys are skipped rather than hanging a cron job.
func TestTerminalPassphraseNoTTY(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "not-a-tty"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if TerminalPassphrase(f, "en") != nil {
		t.Error("a prompt on a regular file")
	}
	if TerminalPassphrase(nil, "en") != nil {
		t.Error("a prompt without a terminal")
	}
}
