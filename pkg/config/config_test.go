package config

import (
	"strings"
	"testing"
)

// TestParseErrors: a bad config file is named with the line (and column)
// of the problem, so the user goes straight to it.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		// yaml.v3 itself says "line 3": the start of the mail: block.
		{"indent", "lang: en\nmail:\n  host: smtp.example.org\n to: [ops@example.org]\n",
			"cfg.yaml:4:2: YAML syntax error: did not find expected key"},
		{"tab", "lang: en\n\tforks: 10\n", "cfg.yaml:2:1: YAML syntax error: found a tab character that violates indentation"},
		{"unknown key", "lang: en\nsite:\n  nmae: x\n", `cfg.yaml:3: unknown key "nmae"`},
	} {
		_, err := Parse("cfg.yaml", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseEmptyAndValid(t *testing.T) {
	// A file of comments only (a template) is an empty config, not "EOF".
	c, err := Parse("cfg.yaml", []byte("# nothing yet\n"))
	if err != nil || c.File != "cfg.yaml" {
		t.Fatalf("empty: %+v %v", c, err)
	}
	c, err = Parse("cfg.yaml", []byte("lang: zh\nforks: 20\nmail: {host: smtp.example.org, to: [a@example.org]}\n"))
	if err != nil || c.Lang != "zh" || c.Forks != 20 || c.Mail.Host != "smtp.example.org" {
		t.Fatalf("valid: %+v %v", c, err)
	}
}
