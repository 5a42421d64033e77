package iostreams

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		// Kept as they are.
		{"empty", "", ""},
		{"plain ASCII", "web-01 /data 95% used", "web-01 /data 95% used"},
		{"newline and tab kept", "a\tb\nc", "a\tb\nc"},
		{"Chinese", "磁盘使用率 95%，超过阈值", "磁盘使用率 95%，超过阈值"},
		{"ideographic space and fullwidth", "朝阳区　卫生健康委员会（ＨＩＳ）", "朝阳区　卫生健康委员会（ＨＩＳ）"},
		{"Japanese and Korean", "ディスク 디스크 가득", "ディスク 디스크 가득"},
		{"CJK ideographic variation sequence", "葛\U000E0100", "葛\U000E0100"},
		{"combining marks", "Zürich e\u0301", "Zürich e\u0301"},
		{"emoji with variation selector", "⚠\ufe0f 告警", "⚠\ufe0f 告警"},
		{"replacement character", "bad \ufffd byte", "bad \ufffd byte"},
		{"Latin-1 letters", "café naïve ±5 °C", "café naïve ±5 °C"},
		{"no-break space", "10\u00a0GB", "10\u00a0GB"},

		// ANSI escape sequences go whole.
		{"CSI colour", "\x1b[31mCRIT\x1b[0m ok", "CRIT ok"},
		{"CSI cursor up and erase line", "ok\x1b[1A\x1b[2Kfake line", "okfake line"},
		{"CSI with intermediate", "a\x1b[1 qb", "ab"},
		{"OSC title ended by BEL", "\x1b]0;pwned\x07host", "host"},
		{"OSC hyperlink ended by ST", "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"two-byte ESC", "a\x1bDb\x1b7c\x1b=d", "abcd"},
		{"ESC M reverse index", "x\x1bMy", "xy"},
		{"8-bit CSI as U+009B", "a\u009b31mb", "ab"},
		{"unterminated OSC loses its ESC", "\x1b]0;title", "0;title"},
		{"charset switch", "\x1b(0lqk\x1b(B", "lqk"},
		{"DCS string", "a\x1bP$q\"p\x1b\\b", "ab"},
		{"APC string", "a\x1b_payload\x07b", "ab"},
		{"terminal reset", "\x1bcclear", "clear"},
		{"ESC ESC cannot rebuild a sequence", "\x1b\x1b[31m[31m", "[31m"},

		// C0, DEL and C1 controls.
		{"carriage return cannot overwrite", "status: CRIT\rstatus: OK  ", "status: CRITstatus: OK  "},
		{"CRLF becomes LF", "line 1\r\nline 2\r\n", "line 1\nline 2\n"},
		{"backspace BEL NUL", "ab\bc\x07d\x00e", "abcde"},
		{"vertical tab and form feed", "a\vb\fc", "abc"},
		{"DEL", "a\x7fb", "ab"},
		{"C1 NEL and OSC", "a\u0085b\u009dc", "abc"},
		{"raw 8-bit CSI byte is not UTF-8", "a\x9b31mb", "a\ufffd31mb"},
		{"invalid UTF-8 replaced", "a\xffb\xc3", "a\ufffdb\ufffd"},

		// Bidi controls.
		{"RLO file name", "report\u202efdp.exe", "reportfdp.exe"},
		{"LRE RLE PDF LRO", "\u202aa\u202bb\u202cc\u202dd", "abcd"},
		{"isolates LRI RLI FSI PDI", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"LRM RLM ALM", "a\u200eb\u200fc\u061cd", "abcd"},
		{"Trojan Source comment", "access = \"user\u202e \u2066// admin\u2069 \u2066\"", "access = \"user // admin \""},
		{"bidi in Chinese", "巡检\u202e完成", "巡检完成"},

		// Other invisible format characters.
		{"zero-width space", "ad\u200bmin", "admin"},
		{"zero-width non-joiner and joiner", "web\u200c-\u200d01", "web-01"},
		{"word joiner and invisible operators", "a\u2060b\u2062c", "abc"},
		{"BOM", "\ufeffhostname", "hostname"},
		{"soft hyphen", "pass\u00adword", "password"},
		{"tag characters", "ok\U000E0001\U000E0069\U000E0067\U000E007F", "ok"},
		{"interlinear annotation", "a\ufff9b\ufffac\ufffb", "abc"},
		{"Hangul fillers", "\u3164\uffa0admin", "admin"},
		{"Hangul syllables kept", "한글", "한글"},

		// Line and paragraph separators become newlines.
		{"line separator", "ok\u2028CRIT: fake", "ok\nCRIT: fake"},
		{"paragraph separator", "a\u2029b", "a\nb"},

		// Everything at once.
		{"mixed", "\x1b[1m磁盘\u202e\x1b[0m 满\r\n\u200b/data", "磁盘 满\n/data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			if got != tc.want {
				t.Errorf("Sanitize(%+q) = %+q, want %+q", tc.in, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result %+q is not UTF-8", got)
			}
			if again := Sanitize(got); again != got {
				t.Errorf("not idempotent: %+q then %+q", got, again)
			}
		})
	}
}

// TestSanitizeLeavesNothingDangerous runs every code point below U+3000 and
// the specials block through Sanitize: no control, escape or bidi character
// may come out, and every other character must.
func TestSanitizeLeavesNothingDangerous(t *testing.T) {
	dangerous := func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
			r == 0x200e || r == 0x200f || r == 0x061c || (r >= 0x200b && r <= 0x200d) ||
			r == 0xfeff || r == 0x2028 || r == 0x2029
	}
	var in strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		in.WriteRune(r)
	}
	for r := rune(0xfe00); r < 0x10000; r++ {
		if utf8.ValidRune(r) {
			in.WriteRune(r)
		}
	}
	for _, r := range Sanitize(in.String()) {
		if dangerous(r) {
			t.Errorf("U+%04X came through", r)
		}
	}
}

// TestNoFormatRange: the range sanitizeRune lets through without a look-up
// holds no format character, whatever Unicode version Go ships.
func TestNoFormatRange(t *testing.T) {
	for r := rune(noFormatFrom); r < noFormatTo; r++ {
		if unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Cc) {
			t.Errorf("U+%04X is a format, separator or control character", r)
		}
	}
}

func BenchmarkSanitize(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"ascii", "his-db-01 disk:/data CRIT /data 95% used (threshold 90%)"},
		{"chinese", "朝阳区卫生健康委员会 健康云 磁盘 /data 使用率 95%，超过阈值 90%"},
		{"escapes", "\x1b[31mCRIT\x1b[0m \u202e/data\u202c 95%\r\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				Sanitize(bc.s)
			}
		})
	}
}
