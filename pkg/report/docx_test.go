package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// docxText opens a DOCX, checks every part is well-formed XML and returns
// word/document.xml and its text.
func docxText(t *testing.T, b []byte) (doc, text string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		var sb strings.Builder
		dec := xml.NewDecoder(bytes.NewReader(data))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed: %v", f.Name, err)
			}
			if c, ok := tok.(xml.CharData); ok {
				sb.Write(c)
			}
		}
		if f.Name == "word/document.xml" {
			doc, text = string(data), sb.String()
		}
	}
	for _, want := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml"} {
		if !names[want] {
			t.Errorf("docx lacks %s", want)
		}
	}
	return doc, text
}

// The DOCX carries the report's words, headings and tables, the aggregated
// exceptions with a header row repeated on each page, and the hostile
// strings as text.
func TestDailyDOCX(t *testing.T) {
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		d := buildTestDaily(t, lang)
		var buf bytes.Buffer
		if err := Render(&buf, FormatDOCX, d, ""); err != nil {
			t.Fatal(err)
		}
		doc, text := docxText(t, buf.Bytes())
		for _, want := range []string{d.Header.Title, d.CountLine, d.Groups[0].Check, i18n.T(lang, "report.h.app_findings"), hostileAsset} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: docx lacks %q", lang, want)
			}
		}
		if !strings.Contains(doc, `<w:pStyle w:val="Heading1"/>`) || !strings.Contains(doc, "<w:tblHeader/>") || !strings.Contains(doc, "<w:cantSplit/>") {
			t.Errorf("%s: docx without headings, repeated table headers or unsplittable rows", lang)
		}
		if strings.Contains(text, `\`) || strings.Contains(text, "**") {
			t.Errorf("%s: Markdown escapes or markers left in the docx text", lang)
		}
	}
}

func TestMonthlyDOCX(t *testing.T) {
	m := buildTestMonthly(t, i18n.ZH)
	var buf bytes.Buffer
	if err := Render(&buf, FormatDOCX, m, ""); err != nil {
		t.Fatal(err)
	}
	_, text := docxText(t, buf.Bytes())
	for _, want := range []string{m.Header.Title, "文档控制", "主要指标环比", m.Plan[0]} {
		if !strings.Contains(text, want) {
			t.Errorf("docx lacks %q", want)
		}
	}
}
