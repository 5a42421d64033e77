package transport

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// TerminalPassphrase returns an SSHConfig.Passphrase that asks on tty (the
// user's terminal, e.g. /dev/tty) without echo, in lang. It returns nil
// when tty is not a terminal: cron has nobody to ask, so encrypted keys are
// skipped there (load them into ssh-agent instead). SSHDialer asks at most
// once per key file and never two prompts at a time.
func TerminalPassphrase(tty *os.File, lang string) func(keyFile string) ([]byte, error) {
	if tty == nil || !term.IsTerminal(int(tty.Fd())) {
		return nil
	}
	return func(keyFile string) ([]byte, error) {
		fmt.Fprint(tty, i18n.T(lang, "transport.passphrase_prompt", keyFile))
		pass, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		if len(pass) == 0 {
			return nil, errors.New("no passphrase given")
		}
		return pass, nil
	}
}
