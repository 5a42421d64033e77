package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestExportHTML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	cast := filepath.Join(dir, "web-01.cast")
	castText := `{"version": 2, "width": 80, "height": 24, "timestamp": 1764400000}` + "\n" +
		`[0.1, "o", "\u001b[1mweb-01$\u001b[0m "]` + "\n" + `[0.9, "i", "uptime\r"]` + "\n" +
		`[1.0, "o", "</script><script>alert(1)</script> up 3 days\r\n"]` + "\n"
	os.WriteFile(cast, []byte(castText), 0o600)
	edited := filepath.Join(dir, "db-01.cast")
	os.WriteFile(edited, []byte(`{"version": 2, "width": 80, "height": 24}`+"\n"+`[0.1, "o", "a"]`+"\n"), 0o600)
	l, _ := Open(path, "")
	l.Append(Record{User: "zhang", From: "ops-1", Action: "exec", Targets: []string{"web-01", "web-02"},
		Command: `echo "<img src=x onerror=alert(1)>" && systemctl restart nginx`, Exit: map[string]int{"web-01": 0, "web-02": 1}, Outcome: "failed"})
	l.Append(Record{User: "zhang", Action: "ssh", Targets: []string{"web-01"}, Command: "interactive shell", Recording: cast, Outcome: "ok"})
	l.Append(Record{User: "li", Action: "ssh", Targets: []string{"db-01"}, Command: "interactive shell", Recording: edited, Outcome: "ok"})
	l.Close()
	os.WriteFile(edited, []byte(`{"version": 2, "width": 80, "height": 24}`+"\n"+`[0.1, "o", "b"]`+"\n"), 0o600)

	recs, _ := List(path, Filter{})
	n, verr := Verify(path)
	head, _ := LastHead(path)
	for _, lang := range []string{"en", "zh"} {
		var buf bytes.Buffer
		if err := ExportHTML(&buf, ExportOptions{Path: path, Records: recs, Total: 3, Intact: n, VerifyErr: verr, Head: head,
			Lang: lang, Generated: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		// Self-contained: no external reference.
		if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:|//)`).FindString(page); m != "" {
			t.Errorf("%s: external reference %s", lang, m)
		}
		// Everything escaped: no tag from a record or a recording survives.
		for _, bad := range []string{"<img src=x", "</script><script>alert(1)"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: unescaped %q", lang, bad)
			}
		}
		if strings.Count(page, "<script>") != 1 {
			t.Errorf("%s: %d script elements, want 1", lang, strings.Count(page, "<script>"))
		}
		want := map[string][]string{
			"en": {"Operations audit log", "intact: the chain of 3 records", "matches the hash in the log", "does NOT match the hash in the log", "0: web-01; 1: web-02", head.Hash},
			"zh": {"运维审计日志", "通过", "与日志中的哈希一致", "录像文件已被修改"},
		}[lang]
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: page lacks %q", lang, w)
			}
		}
		// The recording is embedded (as a JS string) for the player.
		if !strings.Contains(page, `up 3 days`) || !strings.Contains(page, `class="player" data-seq="2"`) {
			t.Errorf("%s: recording of record 2 not embedded", lang)
		}
		if lang == "en" {
			os.WriteFile(filepath.Join(t.TempDir(), "x.html"), buf.Bytes(), 0o600)
			if os.Getenv("HCOPS_AUDIT_EXPORT_OUT") != "" {
				os.WriteFile(os.Getenv("HCOPS_AUDIT_EXPORT_OUT"), buf.Bytes(), 0o600)
			}
		}
	}
}
