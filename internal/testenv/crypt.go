package testenv

import (
	"crypto/sha512"
	"strings"
)

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// SHA512Crypt returns the glibc "$6$" hash of password with salt (at most
// 16 characters, 5000 rounds), as found in /etc/shadow. Test servers use it
// to give an account a known password without touching the real
// /etc/shadow.
func SHA512Crypt(password, salt string) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	pw, sl := []byte(password), []byte(salt)

	alt := sha512.New()
	alt.Write(pw)
	alt.Write(sl)
	alt.Write(pw)
	altSum := alt.Sum(nil)

	a := sha512.New()
	a.Write(pw)
	a.Write(sl)
	i := len(pw)
	for ; i > 64; i -= 64 {
		a.Write(altSum)
	}
	a.Write(altSum[:i])
	for i = len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			a.Write(altSum)
		} else {
			a.Write(pw)
		}
	}
	c := a.Sum(nil)

	dp := sha512.New()
	for range pw {
		dp.Write(pw)
	}
	p := repeatTo(dp.Sum(nil), len(pw))
	ds := sha512.New()
	for j := 0; j < 16+int(c[0]); j++ {
		ds.Write(sl)
	}
	s := repeatTo(ds.Sum(nil), len(sl))

	for r := 0; r < 5000; r++ {
		h := sha512.New()
		if r&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if r%3 != 0 {
			h.Write(s)
		}
		if r%7 != 0 {
			h.Write(p)
		}
		if r&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(nil)
	}

	var b strings.Builder
	b.WriteString("$6$" + salt + "$")
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for ; n > 0; n-- {
			b.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	order := [][3]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
		{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13},
		{56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41},
	}
	for _, o := range order {
		enc(c[o[0]], c[o[1]], c[o[2]], 4)
	}
	enc(0, 0, c[63], 2)
	return b.String()
}

// repeatTo returns digest repeated to n bytes.
func repeatTo(digest []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		k := min(n-len(out), len(digest))
		out = append(out, digest[:k]...)
	}
	return out
}
