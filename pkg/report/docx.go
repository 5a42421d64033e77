package report

// DOCX: the editable copy the client's office changes before signing
// (issue #13). No maintained pure-Go DOCX library builds here (the known
// ones are unpublished, unserved or paid), and a report needs little of
// WordprocessingML: headings, paragraphs with bold runs, tables with a
// repeated header row, lists and monospaced evidence. So the DOCX is made
// from the report's own Markdown (the same words, order and aggregation)
// by the small converter below, and opens in Word and WPS with the
// headings in the navigation pane. Charts are not in it: they are SVG, and
// nothing here rasterises SVG.

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatDOCX is the Word format.
const FormatDOCX = "docx"

func renderDOCX(w io.Writer, report any, templateDir string) error {
	var md bytes.Buffer
	if err := renderMD(&md, report, templateDir); err != nil {
		return err
	}
	lang, _ := langOf(report)
	body := mdToWordML(md.String())
	zw := zip.NewWriter(w)
	files := []struct{ name, data string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"word/_rels/document.xml.rels", docxDocRels},
		{"word/styles.xml", docxStyles(lang)},
		{"word/settings.xml", docxSettings},
		{"docProps/core.xml", docxCore(title(report))},
		{"word/document.xml", docxDocument(body)},
	}
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return fmt.Errorf("report: docx: %w", err)
		}
		if _, err := io.WriteString(fw, f.data); err != nil {
			return fmt.Errorf("report: docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report: docx: %w", err)
	}
	return nil
}

func title(report any) string {
	switch r := report.(type) {
	case *Daily:
		return r.Header.Title
	case *Monthly:
		return r.Header.Title
	case *DBReport:
		return r.Header.Title
	case *ApplianceReport:
		return r.Header.Title
	case *BaselineReport:
		return r.Header.Title
	}
	return ""
}

// mdToWordML converts the Markdown the report templates write (headings,
// paragraphs, pipe tables, lists, fenced blocks, **bold**, backslash
// escapes) to the body of a WordprocessingML document.
func mdToWordML(md string) string {
	var b strings.Builder
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case strings.HasPrefix(t, "```"):
			fence := t[:strings.IndexFunc(t+"x", func(r rune) bool { return r != '`' })]
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != fence; i++ {
				para(&b, "Code", []run{{text: lines[i]}})
			}
		case strings.HasPrefix(t, "|"):
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, splitRow(strings.TrimSpace(lines[i])))
			}
			i--
			table(&b, rows)
		case strings.HasPrefix(t, "# "):
			para(&b, "Title", inline(t[2:]))
		case strings.HasPrefix(t, "## "):
			para(&b, "Heading1", inline(t[3:]))
		case strings.HasPrefix(t, "### "):
			para(&b, "Heading2", inline(t[4:]))
		case strings.HasPrefix(t, "- "):
			para(&b, "ListParagraph", append([]run{{text: "• "}}, inline(t[2:])...))
		default:
			para(&b, "", inline(t))
		}
	}
	return b.String()
}

// run is a piece of text with one format.
type run struct {
	text string
	bold bool
}

// inline reads **bold** and backslash escapes.
func inline(s string) []run {
	var out []run
	var cur strings.Builder
	bold := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, run{text: cur.String(), bold: bold})
			cur.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			r, n := utf8.DecodeRuneInString(s[i+1:])
			cur.WriteRune(r)
			i += 1 + n
		case strings.HasPrefix(s[i:], "**"):
			flush()
			bold = !bold
			i += 2
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			cur.WriteRune(r)
			i += n
		}
	}
	flush()
	return out
}

// splitRow splits a pipe-table row on the pipes that are not escaped.
func splitRow(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cur.WriteByte(s[i])
			cur.WriteByte(s[i+1])
			i++
		case s[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, ":-") != "" || c == "" {
			return false
		}
	}
	return true
}

// textWidth is a column's wish in character cells (CJK counts two).
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		if r > 0x2e80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// table writes a pipe table: the first row a header repeated on every
// page, no row split across pages, column widths after their content.
func table(b *strings.Builder, rows [][]string) {
	var head []string
	var body [][]string
	for i, r := range rows {
		switch {
		case i == 0:
			head = r
		case i == 1 && isRule(r):
		default:
			body = append(body, r)
		}
	}
	emptyHead := true
	for _, c := range head {
		if c != "" {
			emptyHead = false
		}
	}
	n := len(head)
	// Each column gets what it needs not to break a word, a status or a
	// short label (need), then a share of the rest after how much text it
	// holds (want), so the message column gets the room.
	want, need := make([]int, n), make([]int, n)
	for _, r := range append([][]string{head}, body...) {
		for j := 0; j < n && j < len(r); j++ {
			c := plainText(r[j])
			want[j] += min(textWidth(c), 200) // the column's share of the text
			need[j] = max(need[j], min(textWidth(c), 8), min(longestToken(c), 16))
		}
	}
	const tableW = 9638        // twips: A4 less 2 cm margins
	const unit, pad = 125, 200 // twips per half-width character at 9 pt, with room for fallback fonts; cell margins
	rest, extra := tableW, 0
	for j := range need {
		need[j] = need[j]*unit + pad
		rest -= need[j]
		extra += want[j]
	}
	widths := make([]int, n)
	for j := range widths {
		widths[j] = need[j]
		if rest > 0 && extra > 0 {
			widths[j] += rest * want[j] / extra
		} else if rest < 0 {
			widths[j] = need[j] * tableW / (tableW - rest)
		}
	}
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="ReportTable"/><w:tblW w:w="5000" w:type="pct"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for j := range widths {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, widths[j])
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		b.WriteString(`<w:tr><w:trPr><w:cantSplit/>`)
		if header {
			b.WriteString(`<w:tblHeader/>`)
		}
		b.WriteString(`</w:trPr>`)
		for j := 0; j < n; j++ {
			c := ""
			if j < len(cells) {
				c = cells[j]
			}
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, widths[j])
			if header {
				b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="DFE6F0"/>`)
			}
			b.WriteString(`</w:tcPr>`)
			rs := inline(c)
			if header {
				for k := range rs {
					rs[k].bold = true
				}
			}
			para(b, "TableText", rs)
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	if !emptyHead {
		row(head, true)
	}
	for _, r := range body {
		row(r, false)
	}
	b.WriteString(`</w:tbl>`)
	para(b, "", nil) // Word needs a paragraph between two tables
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// plainText is a cell's text without Markdown markup.
func plainText(s string) string {
	var b strings.Builder
	for _, r := range inline(s) {
		b.WriteString(r.text)
	}
	return b.String()
}

// longestToken is the width of the longest run of characters that must
// not break: a host name, a number with its unit, a path.
func longestToken(s string) int {
	best := 0
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '、' || r == '，' || r == ',' || r > 0x2e80 }) {
		best = max(best, textWidth(f))
	}
	return best
}

func para(b *strings.Builder, style string, rs []run) {
	b.WriteString(`<w:p>`)
	if style != "" {
		fmt.Fprintf(b, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, style)
	}
	for _, r := range rs {
		b.WriteString(`<w:r>`)
		if r.bold {
			b.WriteString(`<w:rPr><w:b/></w:rPr>`)
		}
		// A hyphen inside a name (host-0001, kdump-2) does not break
		// the line: Word's non-breaking hyphen, which copies as a hyphen.
		parts := strings.Split(r.text, "-")
		for k, p := range parts {
			if k > 0 {
				prev, next := parts[k-1], p
				if prev != "" && next != "" && isAlnum(prev[len(prev)-1]) && isAlnum(next[0]) {
					b.WriteString(`<w:noBreakHyphen/>`)
				} else {
					b.WriteString(`<w:t xml:space="preserve">-</w:t>`)
				}
			}
			if p != "" {
				fmt.Fprintf(b, `<w:t xml:space="preserve">%s</w:t>`, xmlText(p))
			}
		}
		b.WriteString(`</w:r>`)
	}
	b.WriteString(`</w:p>`)
}

// xmlText escapes text for an XML element and drops the characters XML
// cannot carry (control characters from hosts).
func xmlText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune(r)
		}
	}
	return b.String()
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`

const docxDocRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/></Relationships>`

const docxSettings = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/></w:settings>`

func docxCore(title string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` + xmlText(title) + `</dc:title><dc:creator>hcops</dc:creator></cp:coreProperties>`
}

func docxDocument(body string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body +
		`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr></w:body></w:document>`
}

// docxStyles: 宋体 body text and 黑体 headings for Chinese (the usual
// fonts of public-sector documents), Calibri for Latin text.
func docxStyles(lang string) string {
	east, head := "SimSun", "SimHei"
	if lang != "zh" {
		east, head = "SimSun", "SimSun"
	}
	font := func(ea string) string {
		return fmt.Sprintf(`<w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="%s" w:cs="Calibri"/>`, ea)
	}
	h := func(id, name string, size, level int, extra string) string {
		return fmt.Sprintf(`<w:style w:type="paragraph" w:styleId="%s"><w:name w:val="%s"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/>%s<w:outlineLvl w:val="%d"/></w:pPr><w:rPr>%s<w:b/><w:sz w:val="%d"/></w:rPr></w:style>`,
			id, name, extra, level, font(head), size)
	}
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr>` + font(east) + `<w:sz w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
		`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
		h("Title", "Title", 36, 0, `<w:jc w:val="center"/>`) + h("Heading1", "heading 1", 28, 0, "") + h("Heading2", "heading 2", 24, 1, "") +
		`<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="420"/></w:pPr></w:style>` +
		`<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="18"/></w:rPr></w:style>` +
		`<w:style w:type="paragraph" w:styleId="Code"><w:name w:val="Code"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:shd w:val="clear" w:color="auto" w:fill="F6F6F6"/></w:pPr><w:rPr><w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" w:eastAsia="` + east + `"/><w:sz w:val="16"/></w:rPr></w:style>` +
		`<w:style w:type="table" w:styleId="ReportTable"><w:name w:val="Report Table"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:color="888888"/><w:left w:val="single" w:sz="4" w:color="888888"/><w:bottom w:val="single" w:sz="4" w:color="888888"/><w:right w:val="single" w:sz="4" w:color="888888"/><w:insideH w:val="single" w:sz="4" w:color="888888"/><w:insideV w:val="single" w:sz="4" w:color="888888"/></w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`</w:styles>`
}
