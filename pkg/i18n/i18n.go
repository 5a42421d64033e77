// Package i18n is hcops' one catalogue of user-facing strings, in Chinese
// (zh-CN) and English. Each area of hcops keeps its messages in its own file
// here (msgs_<area>.go) and registers them from init; T looks them up.
//
// Keys are short dotted English identifiers ("inventory.validate.ok"). A
// message is a fmt format; arguments are passed to T.
package i18n

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// Languages.
const (
	ZH = "zh"
	EN = "en"
)

// Msg is one message in both languages.
type Msg struct {
	ZH, EN string
}

var (
	mu       sync.RWMutex
	messages = map[string]Msg{}
)

// Register adds messages to the catalogue; a duplicate key is a programming
// error and panics.
func Register(m map[string]Msg) {
	mu.Lock()
	defer mu.Unlock()
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic("i18n: duplicate message key " + k)
		}
		messages[k] = v
	}
}

// T returns the message key in lang, formatted with args. An unknown key is
// returned as is, so a missing translation is visible rather than blank.
//
// Typed arguments (Sub, List) are rendered in lang, as Render does, so a
// check can pass the same arguments to T and store them for later renders.
func T(lang, key string, args ...any) string {
	if needsRender(args) || key == ConcatCode {
		return Render(lang, key, args)
	}
	mu.RLock()
	m, ok := messages[key]
	mu.RUnlock()
	if !ok {
		if len(args) > 0 {
			return key + " " + fmt.Sprint(args...)
		}
		return key
	}
	f := m.EN
	if lang == ZH && m.ZH != "" {
		f = m.ZH
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// needsRender reports whether args hold a typed value or a number that may
// need fitting to its verb (see Render).
func needsRender(args []any) bool {
	for _, a := range args {
		switch a.(type) {
		case Sub, *Sub, List, map[string]any, float64, float32:
			return true
		}
	}
	return false
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := messages[key]
	return ok
}

// Keys returns every registered key (for tests that check completeness).
func Keys() map[string]Msg {
	mu.RLock()
	defer mu.RUnlock()
	out := make(map[string]Msg, len(messages))
	for k, v := range messages {
		out[k] = v
	}
	return out
}

// Normalize turns "zh_CN.UTF-8", "zh-CN", "zh", "en_US" into ZH or EN, and
// anything else into "".
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return ""
	case strings.HasPrefix(s, "zh"):
		return ZH
	case strings.HasPrefix(s, "en"), s == "c", s == "posix", strings.HasPrefix(s, "c."):
		return EN
	}
	return ""
}

// FromEnv picks the language from LC_ALL, LC_MESSAGES and LANG, in that
// order, defaulting to English.
func FromEnv() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := Normalize(os.Getenv(v)); l != "" {
			return l
		}
	}
	return EN
}
