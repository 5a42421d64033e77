package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryKey: the README's config file example parses as a
// config (no key that does not exist) and names every key Config has, at
// every level — a key added to Config without documenting it fails here.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "### The config file")
	if !ok {
		t.Fatal("README has no '### The config file' section")
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in the config file section")
	}
	c, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's example is not a valid config: %v", err)
	}
	var missing []string
	var walk func(prefix string, typ reflect.Type, v reflect.Value)
	walk = func(prefix string, typ reflect.Type, v reflect.Value) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "-" || tag == "" {
				continue
			}
			key := prefix + tag
			if !strings.Contains(block, tag+":") {
				missing = append(missing, key)
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(SecretRef{}) {
				walk(key+".", f.Type, v.Field(i))
			}
		}
	}
	walk("", reflect.TypeOf(Config{}), reflect.ValueOf(*c))
	for _, sub := range []reflect.Type{reflect.TypeOf(Webhook{}), reflect.TypeOf(Job{})} {
		walk(strings.ToLower(sub.Name())+".", sub, reflect.Value{})
	}
	if len(missing) > 0 {
		t.Errorf("README's config example lacks: %s", strings.Join(missing, ", "))
	}
	if len(c.Jobs) == 0 || len(c.Webhooks) == 0 || c.Mail.Host == "" || c.Site.Name == "" || c.Report.OutDir == "" {
		t.Errorf("sections not read from the example: %+v", c)
	}
}
