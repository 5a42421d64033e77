// Package vault keeps hcops' secrets — SSH and database passwords, key
// passphrases, SMTP and robot tokens — in one file encrypted with SM4-GCM
// (GB/T 32907 block cipher in Galois/Counter mode, emmansun/gmsm), so that
// the inventory and the config refer to them as {vault: NAME} instead of
// holding them.
//
// # The file
//
// A small JSON document, mode 0600, replaced atomically on every change:
//
//	{"format":"hcops-vault","version":1,"cipher":"sm4-gcm",
//	 "kdf":{"name":"scrypt","salt":"…","n":131072,"r":8,"p":1},
//	 "check":"…","nonce":"…","data":"…"}
//
// data is the SM4-GCM sealing (128-bit key, 96-bit random nonce, new at
// every write) of a JSON map name → {value, updated}; the header (format,
// version, cipher, kdf) is the additional authenticated data, so changing a
// KDF parameter or the cipher name is detected like any other change.
// check is SM3-HMAC(key, "hcops-vault-check") cut to 8 bytes: it tells a
// wrong passphrase ("wrong passphrase or key file") from a damaged file
// (the passphrase fits, the data does not authenticate) without weakening
// anything — the GCM tag already lets anyone holding the file test a guess.
//
// # The key
//
// From a passphrase, through scrypt (golang.org/x/crypto/scrypt) with
// N=2^17, r=8, p=1 — 128 MiB of memory and about half a second per try on
// a server core, the OWASP recommendation for scrypt — and a random 16-byte
// salt kept in the file; the 16-byte SM4 key is the KDF's output. The
// parameters are read from the file, so a vault made with other ones still
// opens.
//
// Or from a key file (HCOPS_VAULT_KEY_FILE): at least 16 bytes of random
// data (`head -c 32 /dev/urandom > vault.key`), owned by the user and not
// readable by group or others; the key is SM3("hcops-vault-keyfile" ‖
// content) cut to 16 bytes. A vault sealed with a key file says so
// ("kdf":{"name":"keyfile"}) and is not opened with a passphrase, nor the
// reverse.
//
// Secrets never travel in process arguments: the CLI reads values and
// passphrases from the terminal or stdin, and the passphrase from
// HCOPS_VAULT_PASSPHRASE for cron (an environment is readable only by the
// same user and root, through /proc/PID/environ, unlike the arguments).
package vault

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
	"golang.org/x/crypto/scrypt"

	"github.com/cyhealth/hcops/pkg/atomicfile"
)

const (
	format     = "hcops-vault"
	version    = 1
	cipherName = "sm4-gcm"
	keyLen     = 16 // SM4
	fileMode   = fs.FileMode(0o600)
)

// KDF names.
const (
	KDFScrypt  = "scrypt"
	KDFKeyFile = "keyfile"
)

// KDF are the key-derivation parameters stored in the file.
type KDF struct {
	Name string `json:"name"`
	Salt []byte `json:"salt,omitempty"`
	N    int    `json:"n,omitempty"`
	R    int    `json:"r,omitempty"`
	P    int    `json:"p,omitempty"`
}

// DefaultScrypt are the parameters of a new passphrase vault (see the
// package doc). Tests lower them.
var DefaultScrypt = KDF{Name: KDFScrypt, N: 1 << 17, R: 8, P: 1}

// Errors a caller can act on.
var (
	// ErrWrongKey: the passphrase or key file is not the vault's.
	ErrWrongKey = errors.New("wrong passphrase or key file")
	// ErrNotFound: no secret of that name.
	ErrNotFound = errors.New("no such secret")
)

// CorruptError is a vault file that cannot be read or does not
// authenticate under the right key.
type CorruptError struct {
	Path   string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("vault %s is damaged: %s (restore it from a backup)", e.Path, e.Reason)
}

// Key says how to get the vault's key: a key file, or a passphrase asked
// only when needed (opening an existing passphrase vault, or creating one).
type Key struct {
	File string
	// Passphrase returns the passphrase; confirm is true when a new vault
	// is being created (ask twice on a terminal).
	Passphrase func(confirm bool) ([]byte, error)
}

type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Cipher  string `json:"cipher"`
	KDF     KDF    `json:"kdf"`
}

type fileDoc struct {
	header
	Check []byte `json:"check"`
	Nonce []byte `json:"nonce"`
	Data  []byte `json:"data"`
}

type entry struct {
	Value   string    `json:"value"`
	Updated time.Time `json:"updated"`
}

// Vault is an opened vault: its secrets in memory until Save.
type Vault struct {
	path    string
	hdr     header
	key     []byte
	secrets map[string]entry
}

// Info is what List shows of a secret: never its value.
type Info struct {
	Name    string    `json:"name"`
	Updated time.Time `json:"updated"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/@-]{0,127}$`)

// ValidName reports whether name may name a secret: letters, digits and
// . _ / @ -, starting with a letter or digit, at most 128 characters.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Open reads and decrypts the vault at path. A missing file is an error
// that matches fs.ErrNotExist (Update creates the vault).
func Open(path string, k Key) (*Vault, error) {
	return open(path, k, false)
}

func open(path string, k Key, orCreate bool) (*Vault, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if orCreate {
			return create(path, k)
		}
		return nil, fmt.Errorf("no vault at %s (hcops secret set NAME creates it): %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	var doc fileDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, &CorruptError{Path: path, Reason: "not a vault file"}
	}
	if doc.Format != format || doc.Cipher != cipherName {
		return nil, &CorruptError{Path: path, Reason: fmt.Sprintf("not an %s file with %s", format, cipherName)}
	}
	if doc.Version != version {
		return nil, fmt.Errorf("vault %s has version %d; this hcops reads version %d", path, doc.Version, version)
	}
	key, err := deriveKey(path, doc.KDF, k, false)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(checkValue(key), doc.Check) {
		return nil, fmt.Errorf("vault %s: %w", path, ErrWrongKey)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	aad, _ := json.Marshal(doc.header)
	plain, err := aead.Open(nil, doc.Nonce, doc.Data, aad)
	if err != nil {
		return nil, &CorruptError{Path: path, Reason: "the encrypted data does not authenticate"}
	}
	secrets := map[string]entry{}
	if err := json.Unmarshal(plain, &secrets); err != nil {
		return nil, &CorruptError{Path: path, Reason: "the decrypted data is not a secret list"}
	}
	return &Vault{path: path, hdr: doc.header, key: key, secrets: secrets}, nil
}

func create(path string, k Key) (*Vault, error) {
	hdr := header{Format: format, Version: version, Cipher: cipherName}
	if k.File != "" {
		hdr.KDF = KDF{Name: KDFKeyFile}
	} else {
		hdr.KDF = DefaultScrypt
		hdr.KDF.Salt = make([]byte, 16)
		if _, err := rand.Read(hdr.KDF.Salt); err != nil {
			return nil, err
		}
	}
	key, err := deriveKey(path, hdr.KDF, k, true)
	if err != nil {
		return nil, err
	}
	return &Vault{path: path, hdr: hdr, key: key, secrets: map[string]entry{}}, nil
}

func deriveKey(path string, kdf KDF, k Key, creating bool) ([]byte, error) {
	switch kdf.Name {
	case KDFKeyFile:
		if k.File == "" {
			return nil, fmt.Errorf("vault %s is sealed with a key file: set HCOPS_VAULT_KEY_FILE", path)
		}
		return keyFromFile(k.File)
	case KDFScrypt:
		if k.File != "" {
			return nil, fmt.Errorf("vault %s is sealed with a passphrase, not a key file: unset HCOPS_VAULT_KEY_FILE", path)
		}
		if k.Passphrase == nil {
			return nil, fmt.Errorf("vault %s needs its passphrase: set HCOPS_VAULT_PASSPHRASE or run on a terminal", path)
		}
		if kdf.N < 2 || kdf.R < 1 || kdf.P < 1 || len(kdf.Salt) < 8 || kdf.N > 1<<22 || kdf.R*kdf.P >= 1<<30 {
			return nil, &CorruptError{Path: path, Reason: "bad scrypt parameters"}
		}
		pw, err := k.Passphrase(creating)
		if err != nil {
			return nil, err
		}
		defer clear(pw)
		if len(pw) == 0 {
			return nil, errors.New("vault: empty passphrase")
		}
		return scrypt.Key(pw, kdf.Salt, kdf.N, kdf.R, kdf.P, keyLen)
	}
	return nil, &CorruptError{Path: path, Reason: fmt.Sprintf("unknown key derivation %q", kdf.Name)}
}

// keyFromFile reads a key file; it must be the user's alone.
func keyFromFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("vault key file %s is readable by others (mode %04o): chmod 600 it", path, st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return nil, fmt.Errorf("vault key file %s belongs to another user", path)
	}
	data := make([]byte, 4096)
	n, err := f.Read(data)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("vault key file %s: %w", path, err)
	}
	data = bytes.TrimSpace(data[:n])
	defer clear(data)
	if len(data) < 16 {
		return nil, fmt.Errorf("vault key file %s is too short: at least 16 bytes of random data (head -c 32 /dev/urandom)", path)
	}
	h := sm3.New()
	h.Write([]byte("hcops-vault-keyfile"))
	h.Write(data)
	return h.Sum(nil)[:keyLen], nil
}

func checkValue(key []byte) []byte {
	m := hmac.New(sm3.New, key)
	m.Write([]byte("hcops-vault-check"))
	return m.Sum(nil)[:8]
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Path is the vault's file.
func (v *Vault) Path() string { return v.path }

// Get returns the secret called name.
func (v *Vault) Get(name string) (string, error) {
	e, ok := v.secrets[name]
	if !ok {
		return "", fmt.Errorf("vault %s: %q: %w", v.path, name, ErrNotFound)
	}
	return e.Value, nil
}

// Set stores value under name (Save writes it).
func (v *Vault) Set(name, value string) error {
	if !ValidName(name) {
		return fmt.Errorf("bad secret name %q: letters, digits and . _ / @ - (at most 128)", name)
	}
	v.secrets[name] = entry{Value: value, Updated: time.Now().UTC().Truncate(time.Second)}
	return nil
}

// Remove deletes the secret called name (Save writes it).
func (v *Vault) Remove(name string) error {
	if _, ok := v.secrets[name]; !ok {
		return fmt.Errorf("vault %s: %q: %w", v.path, name, ErrNotFound)
	}
	delete(v.secrets, name)
	return nil
}

// List returns the names of the secrets, sorted, with when each was set.
func (v *Vault) List() []Info {
	out := make([]Info, 0, len(v.secrets))
	for n, e := range v.secrets {
		out = append(out, Info{Name: n, Updated: e.Updated})
	}
	slices.SortFunc(out, func(a, b Info) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// Save encrypts the vault with a new nonce and replaces the file
// atomically (mode 0600).
func (v *Vault) Save() error {
	plain, err := json.Marshal(v.secrets)
	if err != nil {
		return err
	}
	defer clear(plain)
	aead, err := newAEAD(v.key)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	aad, _ := json.Marshal(v.hdr)
	doc := fileDoc{header: v.hdr, Check: checkValue(v.key), Nonce: nonce, Data: aead.Seal(nil, nonce, plain, aad)}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(v.path, append(out, '\n'), fileMode)
}

// Update opens the vault under an exclusive lock (PATH.lock), creating it
// when missing, lets fn change it and saves it: two `hcops secret set` at
// once both land.
func Update(path string, k Key, fn func(v *Vault) error) error {
	unlock, err := lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	v, err := open(path, k, true)
	if err != nil {
		return err
	}
	if err := fn(v); err != nil {
		return err
	}
	return v.Save()
}

func lock(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("vault: lock: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
