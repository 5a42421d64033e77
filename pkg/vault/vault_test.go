package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func init() {
	// Cheap parameters for tests; the defaults are checked separately.
	DefaultScrypt = KDF{Name: KDFScrypt, N: 1 << 10, R: 8, P: 1}
}

func pass(s string) Key {
	return Key{Passphrase: func(bool) ([]byte, error) { return []byte(s), nil }}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "vault")
	secret := "Pa55 w0rd with 中文 and\nnewline"
	if err := Update(path, pass("correct horse"), func(v *Vault) error {
		if err := v.Set("db/pacs", secret); err != nil {
			return err
		}
		return v.Set("smtp", "tok")
	}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	for _, s := range []string{"Pa55", "db/pacs", "smtp", "tok"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the file shows %q in clear", s)
		}
	}
	if !bytes.Contains(raw, []byte(`"cipher": "sm4-gcm"`)) || !bytes.Contains(raw, []byte(`"name": "scrypt"`)) {
		t.Errorf("header: %s", raw)
	}
	v, err := Open(path, pass("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Get("db/pacs"); err != nil || got != secret {
		t.Fatalf("Get = %q, %v", got, err)
	}
	names := v.List()
	if len(names) != 2 || names[0].Name != "db/pacs" || names[1].Name != "smtp" || names[0].Updated.IsZero() {
		t.Fatalf("List = %+v", names)
	}
	if err := Update(path, pass("correct horse"), func(v *Vault) error { return v.Remove("smtp") }); err != nil {
		t.Fatal(err)
	}
	v, _ = Open(path, pass("correct horse"))
	if _, err := v.Get("smtp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removed secret: %v", err)
	}
	if err := v.Remove("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault")
	if err := Update(path, pass("right"), func(v *Vault) error { return v.Set("a", "b") }); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, pass("wrong"))
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// and nothing is written by a failed update
	before, _ := os.ReadFile(path)
	if err := Update(path, pass("wrong"), func(v *Vault) error { return v.Set("x", "y") }); !errors.Is(err, ErrWrongKey) {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a failed update changed the file")
	}
}

func TestCorrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault")
	if err := Update(path, pass("pw"), func(v *Vault) error { return v.Set("a", "b") }); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)

	flip := func(field string) []byte {
		var d fileDoc
		json.Unmarshal(good, &d)
		switch field {
		case "data":
			d.Data[len(d.Data)/2] ^= 1
		case "nonce":
			d.Nonce[0] ^= 1
		case "kdf":
			d.KDF.R = 9 // a different key: reads as a wrong key
		case "cipher":
			d.Cipher = "aes-gcm"
		}
		out, _ := json.Marshal(d)
		return out
	}
	cases := []struct {
		name string
		data []byte
		want func(error) bool
	}{
		{"ciphertext byte flipped", flip("data"), isCorrupt},
		{"nonce changed", flip("nonce"), isCorrupt},
		{"kdf parameter changed", flip("kdf"), func(err error) bool { return errors.Is(err, ErrWrongKey) }},
		{"cipher renamed", flip("cipher"), isCorrupt},
		{"truncated", good[:len(good)/2], isCorrupt},
		{"not json", []byte("hello"), isCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(path, c.data, 0o600)
			_, err := Open(path, pass("pw"))
			if !c.want(err) {
				t.Fatalf("Open: %v", err)
			}
		})
	}
}

// TestHeaderAuthenticated: data sealed with the right key but not under
// the file's header (format, version, cipher, kdf) does not open.
func TestHeaderAuthenticated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault")
	Update(path, pass("pw"), func(v *Vault) error { return v.Set("a", "b") })
	v, err := Open(path, pass("pw"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var d fileDoc
	json.Unmarshal(data, &d)
	aead, _ := newAEAD(v.key)
	d.Data = aead.Seal(nil, d.Nonce, []byte(`{}`), []byte("not the header"))
	out, _ := json.Marshal(d)
	os.WriteFile(path, out, 0o600)
	if _, err := Open(path, pass("pw")); !isCorrupt(err) {
		t.Fatalf("data sealed under another header: %v", err)
	}
}

func isCorrupt(err error) bool {
	var ce *CorruptError
	return errors.As(err, &ce)
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "vault.key")
	os.WriteFile(key, bytes.Repeat([]byte{0xA5, 0x3C, 0x11, 0x7E}, 8), 0o600)
	path := filepath.Join(dir, "vault")
	if err := Update(path, Key{File: key}, func(v *Vault) error { return v.Set("robot", "tok-123") }); err != nil {
		t.Fatal(err)
	}
	v, err := Open(path, Key{File: key})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Get("robot"); got != "tok-123" {
		t.Fatalf("Get = %q", got)
	}
	// a passphrase does not open a key-file vault, nor the reverse
	if _, err := Open(path, pass("x")); err == nil || !strings.Contains(err.Error(), "HCOPS_VAULT_KEY_FILE") {
		t.Fatalf("passphrase on a key-file vault: %v", err)
	}
	pwVault := filepath.Join(dir, "pw-vault")
	Update(pwVault, pass("x"), func(v *Vault) error { return v.Set("a", "b") })
	if _, err := Open(pwVault, Key{File: key}); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("key file on a passphrase vault: %v", err)
	}
	// another key file
	other := filepath.Join(dir, "other.key")
	os.WriteFile(other, bytes.Repeat([]byte{1, 2, 3, 4}, 8), 0o600)
	if _, err := Open(path, Key{File: other}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("other key file: %v", err)
	}
	// a key file others can read, or too short
	os.Chmod(key, 0o644)
	if _, err := Open(path, Key{File: key}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("abc"), 0o600)
	if _, err := Open(path, Key{File: short}); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Fatalf("short key file: %v", err)
	}
}

func TestMissingVault(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "none"), pass("x"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}

func TestNewVaultAsksToConfirm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault")
	var confirms []bool
	k := Key{Passphrase: func(confirm bool) ([]byte, error) { confirms = append(confirms, confirm); return []byte("p"), nil }}
	Update(path, k, func(v *Vault) error { return v.Set("a", "b") })
	Update(path, k, func(v *Vault) error { return v.Set("c", "d") })
	if len(confirms) != 2 || !confirms[0] || confirms[1] {
		t.Fatalf("confirm asked: %v", confirms)
	}
}

func TestConcurrentUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Update(path, pass("p"), func(v *Vault) error { return v.Set("s"+string(rune('a'+i)), "v") }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	v, err := Open(path, pass("p"))
	if err != nil || len(v.List()) != 8 {
		t.Fatalf("%v %v", v.List(), err)
	}
}

func TestNames(t *testing.T) {
	for name, ok := range map[string]bool{"db/pacs": true, "smtp.pw": true, "a": true, "": false, "-x": false, "a b": false, "x=y": false, strings.Repeat("a", 129): false} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v", name, !ok)
		}
	}
}

func TestDefaultParameters(t *testing.T) {
	// the documented ones (init lowered DefaultScrypt for speed)
	const doc = "N=2^17, r=8, p=1"
	src, _ := os.ReadFile("vault.go")
	if !bytes.Contains(src, []byte(doc)) || !bytes.Contains(src, []byte("N: 1 << 17, R: 8, P: 1")) {
		t.Fatal("the scrypt parameters and their documentation differ")
	}
}
