package iostreams

import (
	"regexp"
	"strings"
	"unicode"
)

// ansiRE matches terminal escape sequences: CSI (ESC [ ... final); OSC,
// DCS, SOS, PM and APC strings (ESC ] P X ^ _ ... BEL or ST); other ESC
// sequences (ESC, intermediates, final: ESC c resets the terminal, ESC ( 0
// switches to line drawing); and the 8-bit CSI (U+009B). They go whole, so
// no parameters are left behind as text; whatever the pattern misses loses
// its ESC below and is harmless text.
var ansiRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]`)

// Sanitize makes s safe to print: output from a remote host or a hostile
// inventory must not move the cursor, change the window title, hide text or
// make a line read differently from what it holds. It
//
//   - removes terminal escape sequences (CSI, OSC, two-byte ESC, 8-bit CSI);
//   - removes C0 controls except newline and tab — so carriage return (a
//     line overwriting itself), backspace and BEL — and DEL and the C1
//     controls U+0080–U+009F;
//   - removes Unicode format characters (category Cf), which print as
//     nothing: the bidi embeddings, overrides, isolates and marks
//     (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) that make
//     "x\u202Efdp.exe" print as "xexe.pdf" ("Trojan Source"), zero-width
//     space and joiners (U+200B–U+200D), word joiner, BOM (U+FEFF), soft
//     hyphen, tag characters (U+E0000–U+E007F) — and the Hangul fillers U+3164 and
//     U+FFA0, letters that print as blanks. Zero-width joiners go too:
//     Chinese text never needs them, and they let two different host names
//     look the same; an emoji sequence falls apart into its emoji;
//   - turns the line and paragraph separators U+2028 and U+2029 into "\n":
//     some terminals and viewers break the line there and others do not, and
//     callers that keep a cell on one line know "\n";
//   - replaces bytes that are not UTF-8 with U+FFFD (a lone 0x9B byte is CSI
//     to an 8-bit terminal).
//
// Everything else is kept as it is: newline and tab (a table cell turns
// them into spaces itself), Chinese, Japanese and Korean text, the
// ideographic space U+3000, combining marks, variation selectors (CJK
// ideographic variation sequences) and emoji.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	if strings.IndexByte(s, 0x1b) >= 0 || strings.Contains(s, "\u009b") {
		s = ansiRE.ReplaceAllString(s, "")
	}
	// strings.Map also turns each byte that is not UTF-8 into U+FFFD.
	return strings.Map(sanitizeRune, s)
}

// isPlain reports whether s is printable ASCII, newline and tab only: the
// common case, returned as it is without a copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

func sanitizeRune(r rune) rune {
	switch {
	case r == '\n' || r == '\t':
		return r
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return -1
	case r < 0x7f:
		return r
	case r >= noFormatFrom && r < noFormatTo && r != '\u3164':
		// CJK and most other text: no format character here (tested), so
		// skip the table look-up.
		return r
	case r == '\u2028' || r == '\u2029':
		return '\n'
	case r == '\u3164' || r == '\uffa0':
		return -1
	case unicode.Is(unicode.Cf, r):
		return -1
	}
	return r
}

// noFormatFrom and noFormatTo bound a range without format (Cf) characters
// or separators: U+2070 up to, not including, the BOM U+FEFF.
const noFormatFrom, noFormatTo = 0x2070, 0xfeff
