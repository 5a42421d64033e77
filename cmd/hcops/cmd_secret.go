package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/vault"
)

func init() {
	commandAdders = append(commandAdders, func(root *cobra.Command, app *App) {
		root.AddCommand(newSecretCmd(app))
		// {vault: NAME} references in the inventory, backup policies and the
		// config are read through this App's vault, opened on first use.
		vr := &vaultReader{app: app}
		inventory.VaultResolver = vr.get
	})
}

// vaultPath is the vault's file: --vault on the secret commands, else the
// vault setting (HCOPS_VAULT, config), else vault beside the history database.
func vaultPath(app *App, flag string) string {
	if flag != "" {
		return flag
	}
	if p := app.Setting("vault"); p != "" {
		return p
	}
	return filepath.Join(app.StateDir(), "vault")
}

// vaultKey says how to open the vault: HCOPS_VAULT_KEY_FILE, else the
// passphrase from HCOPS_VAULT_PASSPHRASE, else asked on the terminal.
func vaultKey(app *App, path string) vault.Key {
	if f := os.Getenv("HCOPS_VAULT_KEY_FILE"); f != "" {
		return vault.Key{File: f}
	}
	return vault.Key{Passphrase: func(confirm bool) ([]byte, error) {
		if p, ok := os.LookupEnv("HCOPS_VAULT_PASSPHRASE"); ok {
			return []byte(p), nil
		}
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return nil, errors.New(app.T("secret.no_tty", path))
		}
		defer tty.Close()
		prompt := app.T("secret.prompt_pass", path)
		if confirm {
			prompt = app.T("secret.prompt_newpass", path)
		}
		return readHidden(app, tty, tty, prompt, confirm)
	}}
}

// readHidden reads a line from the terminal in without echo, asking twice
// when confirm.
func readHidden(app *App, in *os.File, out io.Writer, prompt string, confirm bool) ([]byte, error) {
	fmt.Fprint(out, prompt)
	a, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(out)
	if err != nil {
		return nil, err
	}
	if !confirm {
		return a, nil
	}
	fmt.Fprint(out, app.T("secret.prompt_again"))
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(out)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	if !bytes.Equal(a, b) {
		clear(a)
		return nil, errors.New(app.T("secret.mismatch"))
	}
	return a, nil
}

// vaultErr turns the vault's errors into what the user can act on.
func vaultErr(app *App, path, name string, err error) error {
	var ce *vault.CorruptError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, vault.ErrWrongKey):
		return errors.New(app.T("secret.wrong_key", path))
	case errors.Is(err, vault.ErrNotFound):
		return errors.New(app.T("secret.not_found", path, name))
	case errors.Is(err, fs.ErrNotExist) && !errors.As(err, &ce):
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return errors.New(app.T("secret.no_vault", path))
		}
	}
	return err
}

// vaultReader opens the vault once per command for {vault: NAME}
// references (an inspection resolves them from many goroutines; a wrong
// passphrase is reported once, not asked again for every host).
type vaultReader struct {
	app  *App
	once sync.Once
	v    *vault.Vault
	err  error
}

func (r *vaultReader) get(name string) (string, error) {
	path := vaultPath(r.app, "")
	r.once.Do(func() {
		r.v, r.err = vault.Open(path, vaultKey(r.app, path))
		r.err = vaultErr(r.app, path, "", r.err)
	})
	if r.err != nil {
		return "", fmt.Errorf("secret {vault: %s}: %w", name, r.err)
	}
	v, err := r.v.Get(name)
	if err != nil {
		return "", fmt.Errorf("secret {vault: %s}: %w", name, vaultErr(r.app, path, name, err))
	}
	return v, nil
}

type secretOptions struct {
	vault string
}

func newSecretCmd(app *App) *cobra.Command {
	opts := &secretOptions{}
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Keep passwords and tokens in the SM4-encrypted vault",
		Long: `The vault holds SSH and database passwords, key passphrases, SMTP and robot
tokens in one file encrypted with SM4-GCM (national standard GB/T 32907).
Its key comes from a passphrase through scrypt (N=2^17, r=8, p=1, random
salt) or, with HCOPS_VAULT_KEY_FILE, from a key file of at least 16 random
bytes that only its owner may read. The inventory, backup policies and the
config name a secret as {vault: NAME}, beside {env: VAR} and {file: PATH}.

The vault is --vault FILE, else the vault setting (HCOPS_VAULT, config key
vault), else "vault" beside the history database; it is written atomically,
mode 0600. A value is never taken from the command line (ps shows
arguments to everyone): "secret set" reads it from the terminal without
echo, or from stdin. The passphrase is asked on the terminal; jobs without
one set HCOPS_VAULT_PASSPHRASE (readable by the same user and root through
/proc, not by others) or, better, HCOPS_VAULT_KEY_FILE.

Changes (set, rm) are recorded in the audit log, by name only.`,
		Example: `  hcops secret set his-db
  printf %s "$PW" | hcops secret set legacy/sw-core
  hcops secret list
  HCOPS_VAULT_KEY_FILE=/etc/hcops/vault.key hcops secret get smtp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&opts.vault, "vault", "", "the vault file (env HCOPS_VAULT; default vault beside the history database)")
	exit := `

EXIT STATUS
  0  done
  3  bad name, no such secret, no vault, wrong passphrase or key file, or a
     damaged vault file`

	set := &cobra.Command{
		Use:   "set NAME",
		Short: "Store a secret (value from the terminal or stdin, never argv)",
		Long: `Store the secret NAME, replacing any value it had. The value is read from
the terminal without echo (twice), or from stdin when it is not a terminal
(one trailing newline is removed). The vault is created when missing: a new
passphrase vault asks for its passphrase twice. NAME: letters, digits and
. _ / @ -, starting with a letter or digit.` + exit,
		Example: `  hcops secret set his-db
  printf %s "$PW" | hcops secret set his-db
  hcops secret set smtp < /run/secrets/smtp`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSecretSet(app, opts, args[0]) },
	}
	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Print a secret's value on stdout",
		Long:  `Print the value of the secret NAME on stdout, followed by a newline.` + exit,
		Example: `  hcops secret get his-db
  PGPASSWORD=$(hcops secret get his-db) psql …`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSecretGet(app, opts, args[0]) },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the secrets' names (never their values)",
		Long: `List the names of the secrets in the vault and when each was last set.

OUTPUT
  table  NAME, UPDATED
  json   an array of {name, updated}
  yaml   the same as json` + exit,
		Example: `  hcops secret list
  hcops secret list -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runSecretList(app, opts) },
	}
	rm := &cobra.Command{
		Use:     "rm NAME",
		Short:   "Remove a secret",
		Long:    `Remove the secret NAME from the vault.` + exit,
		Example: `  hcops secret rm legacy/sw-core`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return runSecretRm(app, opts, args[0]) },
	}
	cmd.AddCommand(set, get, list, rm)
	return cmd
}

// maxSecret bounds a value read from stdin.
const maxSecret = 1 << 20

func readSecretValue(app *App, name string) ([]byte, error) {
	if f, ok := app.IO.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return readHidden(app, f, app.IO.ErrOut, app.T("secret.prompt_value", name), true)
	}
	data, err := io.ReadAll(io.LimitReader(app.IO.In, maxSecret+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecret {
		return nil, fmt.Errorf("the value of %s is larger than %d bytes", name, maxSecret)
	}
	if bytes.HasSuffix(data, []byte("\r\n")) {
		data = data[:len(data)-2]
	} else if bytes.HasSuffix(data, []byte("\n")) {
		data = data[:len(data)-1]
	}
	return data, nil
}

func runSecretSet(app *App, opts *secretOptions, name string) error {
	if !vault.ValidName(name) {
		return flagErrorf("%s", app.T("secret.bad_name", name))
	}
	path := vaultPath(app, opts.vault)
	value, err := readSecretValue(app, name)
	if err != nil {
		return err
	}
	defer clear(value)
	if len(value) == 0 {
		return errors.New(app.T("secret.empty_value", name))
	}
	err = vault.Update(path, vaultKey(app, path), func(v *vault.Vault) error { return v.Set(name, string(value)) })
	if err != nil {
		return vaultErr(app, path, name, err)
	}
	auditSecret(app, "set "+name, path)
	app.Infof("%s", app.T("secret.set", name, path))
	return nil
}

func runSecretGet(app *App, opts *secretOptions, name string) error {
	path := vaultPath(app, opts.vault)
	v, err := vault.Open(path, vaultKey(app, path))
	if err != nil {
		return vaultErr(app, path, name, err)
	}
	s, err := v.Get(name)
	if err != nil {
		return vaultErr(app, path, name, err)
	}
	_, err = fmt.Fprintln(app.IO.Out, s)
	return err
}

func runSecretList(app *App, opts *secretOptions) error {
	if err := app.checkOutput("table", "json", "yaml"); err != nil {
		return err
	}
	path := vaultPath(app, opts.vault)
	v, err := vault.Open(path, vaultKey(app, path))
	if err != nil {
		return vaultErr(app, path, "", err)
	}
	infos := v.List()
	if app.Output != "table" {
		return historyPrintData(app, infos)
	}
	if len(infos) == 0 {
		app.Infof("%s", app.T("secret.none", path))
		return nil
	}
	t := app.IO.NewTable(app.T("secret.header.name"), app.T("secret.header.updated"))
	for _, i := range infos {
		t.Row(i.Name, i.Updated.Local().Format(time.DateTime))
	}
	return t.Render()
}

func runSecretRm(app *App, opts *secretOptions, name string) error {
	path := vaultPath(app, opts.vault)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return errors.New(app.T("secret.no_vault", path))
	}
	err := vault.Update(path, vaultKey(app, path), func(v *vault.Vault) error { return v.Remove(name) })
	if err != nil {
		return vaultErr(app, path, name, err)
	}
	auditSecret(app, "rm "+name, path)
	app.Infof("%s", app.T("secret.removed", path, name))
	return nil
}

// auditSecret records a change to the vault (the name, never the value).
// The change is made: a log that cannot be written is a warning.
func auditSecret(app *App, what, path string) {
	l, err := audit.Open(auditLogPath(app), auditHash(app))
	if err == nil {
		_, err = l.Append(audit.Record{Action: "secret", Command: "secret " + what, File: path, Outcome: "ok"})
		l.Close()
	}
	if err != nil {
		app.Warnf("%s", strings.TrimSpace(err.Error()))
	}
}
