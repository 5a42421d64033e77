package testenv

import "testing"

func TestSHA512Crypt(t *testing.T) {
	tests := []struct{ pw, salt, want string }{
		// From `openssl passwd -6 -salt abc test`.
		{"test", "abc", "$6$abc$XdYVWINHFqAPqCkQNpBc64k/whmYeD3VETO0Hk79c4aGoQEvgiYKd/03lbc/XloI0fcMwRw.Rj.dZbn3LdPVz."},
		// From Drepper's SHA-crypt specification (rounds=5000 default).
		{"Hello world!", "saltstring", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
	}
	for _, tc := range tests {
		if got := SHA512Crypt(tc.pw, tc.salt); got != tc.want {
			t.Errorf("SHA512Crypt(%q, %q) = %q, want %q", tc.pw, tc.salt, got, tc.want)
		}
	}
}
