package deliver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/result"
)

// hook is an httptest server standing in for a robot: it records the
// request and answers reply.
type hook struct {
	*httptest.Server
	mu    sync.Mutex
	query url.Values
	path  string
	ctype string
	sig   string
	body  []byte
}

func newHook(t *testing.T, status int, reply string) *hook {
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.query, h.path, h.ctype, h.body = r.URL.Query(), r.URL.Path, r.Header.Get("Content-Type"), b
		h.sig = r.Header.Get("X-Hcops-Signature")
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) json(t *testing.T) map[string]any {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var m map[string]any
	if err := json.Unmarshal(h.body, &m); err != nil {
		t.Fatalf("request body is not JSON: %v\n%s", err, h.body)
	}
	return m
}

// dig walks a decoded JSON value by keys and indices.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %T is not an object", k, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: %v is not a long enough array", k, v)
			}
			v = a[k]
		}
	}
	return v
}

var testSummary = Summary{
	Title:  "巡检报告 2026-11-29",
	Text:   "web-01: 磁盘 /data 使用率 96%",
	Status: "CRIT",
	Counts: result.Counts{OK: 120, Warn: 3, Crit: 1, Unknown: 0, Unreachable: 2},
	URL:    "https://ops.cyhealth.example/reports/daily-2026-11-29.html",
	Lang:   "zh",
}

func fixClock(t *testing.T) {
	old := now
	now = func() time.Time { return time.Unix(1795910400, 0) } // 2026-11-29 00:00 UTC
	t.Cleanup(func() { now = old })
}

func TestWebhookWeCom(t *testing.T) {
	h := newHook(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	cfg := config.Webhook{Type: "wecom", URL: h.URL + "/cgi-bin/webhook/send?key=693a91f6-7xxx"}
	if err := Webhook(context.Background(), cfg, testSummary); err != nil {
		t.Fatal(err)
	}
	m := h.json(t)
	if dig(t, m, "msgtype") != "markdown" || h.query.Get("key") != "693a91f6-7xxx" || !strings.HasPrefix(h.ctype, "application/json") {
		t.Fatalf("payload %v query %v type %q", m, h.query, h.ctype)
	}
	content, _ := dig(t, m, "markdown", "content").(string)
	for _, want := range []string{"### 巡检报告 2026-11-29", "总体状态：CRIT", "正常 120 · 警告 3 · 严重 1 · 未知 0 · 无法连接 2",
		"web-01: 磁盘 /data 使用率 96%", "[查看完整报告](https://ops.cyhealth.example/reports/daily-2026-11-29.html)"} {
		if !strings.Contains(content, want) {
			t.Errorf("content lacks %q:\n%s", want, content)
		}
	}
}

func TestWebhookDingTalkSigned(t *testing.T) {
	fixClock(t)
	t.Setenv("HCOPS_TEST_DT_SECRET", "SECtest-dingtalk-0001")
	h := newHook(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	cfg := config.Webhook{Type: "dingtalk", URL: h.URL + "/robot/send?access_token=abc123",
		Secret: config.SecretRef{Env: "HCOPS_TEST_DT_SECRET"}}
	s := testSummary
	s.Lang = "en"
	if err := Webhook(context.Background(), cfg, s); err != nil {
		t.Fatal(err)
	}
	// Expected signature computed independently (Python hmac/base64) from
	// DingTalk's documented recipe.
	if h.query.Get("access_token") != "abc123" || h.query.Get("timestamp") != "1795910400000" ||
		h.query.Get("sign") != "5O2FVRY18acVCi2Gfnrk8yxn69HpMqOcs2vg1FUs2cw=" {
		t.Errorf("query = %v", h.query)
	}
	m := h.json(t)
	if dig(t, m, "msgtype") != "markdown" || dig(t, m, "markdown", "title") != "巡检报告 2026-11-29" {
		t.Errorf("payload %v", m)
	}
	if text, _ := dig(t, m, "markdown", "text").(string); !strings.Contains(text, "OK 120 · WARN 3 · CRIT 1 · UNKNOWN 0 · UNREACHABLE 2") ||
		!strings.Contains(text, "Overall status: CRIT") {
		t.Errorf("text = %q", text)
	}
}

func TestWebhookFeishuSigned(t *testing.T) {
	fixClock(t)
	t.Setenv("HCOPS_TEST_FS_SECRET", "feishu-secret-0001")
	h := newHook(t, 200, `{"code":0,"msg":"success","data":{}}`)
	cfg := config.Webhook{Type: "feishu", URL: h.URL + "/open-apis/bot/v2/hook/0f3a-token",
		Secret: config.SecretRef{Env: "HCOPS_TEST_FS_SECRET"}}
	if err := Webhook(context.Background(), cfg, testSummary); err != nil {
		t.Fatal(err)
	}
	m := h.json(t)
	if dig(t, m, "timestamp") != "1795910400" || dig(t, m, "sign") != "8YdJLAq/mhKNItjl69CJKAyuqXEslgkmCAunh/LyM2c=" {
		t.Errorf("timestamp/sign = %v / %v", m["timestamp"], m["sign"])
	}
	if dig(t, m, "msg_type") != "post" || dig(t, m, "content", "post", "zh_cn", "title") != "巡检报告 2026-11-29" {
		t.Errorf("payload %v", m)
	}
	rows := dig(t, m, "content", "post", "zh_cn", "content").([]any)
	last := dig(t, rows[len(rows)-1], 0).(map[string]any)
	if last["tag"] != "a" || last["href"] != testSummary.URL {
		t.Errorf("last row %v, want the report link", last)
	}
	if first := dig(t, rows[0], 0, "text"); first != "总体状态：CRIT" {
		t.Errorf("first row %v", first)
	}
}

func TestWebhookGenericAndTemplate(t *testing.T) {
	h := newHook(t, 204, "")
	cfg := config.Webhook{Type: "generic", URL: h.URL + "/alerts",
		Template: `{{.Title}}: {{.Counts.Crit}} critical, {{.Counts.Warn}} warnings — {{.URL}}`}
	if err := Webhook(context.Background(), cfg, testSummary); err != nil {
		t.Fatal(err)
	}
	m := h.json(t)
	if dig(t, m, "message") != "巡检报告 2026-11-29: 1 critical, 3 warnings — "+testSummary.URL {
		t.Errorf("message = %q", m["message"])
	}
	if dig(t, m, "title") != testSummary.Title || dig(t, m, "status") != "CRIT" ||
		dig(t, m, "counts", "unreachable") != 2.0 || dig(t, m, "url") != testSummary.URL {
		t.Errorf("payload %v", m)
	}
	if _, ok := m["Lang"]; ok {
		t.Error("Lang leaks into the JSON")
	}
	if h.sig != "" {
		t.Errorf("signature %q without a secret", h.sig)
	}

	// With a secret the body is signed; the receiver recomputes it (here by
	// hand, as a gateway would) over the bytes it got.
	t.Setenv("HCOPS_TEST_GEN_SECRET", "gateway-shared-secret")
	cfg.Secret = config.SecretRef{Env: "HCOPS_TEST_GEN_SECRET"}
	if err := Webhook(context.Background(), cfg, testSummary); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte("gateway-shared-secret"))
	mac.Write(h.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); h.sig != want {
		t.Errorf("X-Hcops-Signature = %q, want %q", h.sig, want)
	}
}

func TestWebhookHostileText(t *testing.T) {
	h := newHook(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	s := testSummary
	s.Title = "web-01 <font color=\"info\">ok</font>"
	s.Text = "disk full ![x](http://evil.example/t.png) [click](http://evil.example) \x1b[31mred\x1b[0m"
	for _, typ := range []string{"wecom", "dingtalk"} {
		if err := Webhook(context.Background(), config.Webhook{Type: typ, URL: h.URL + "/send"}, s); err != nil {
			t.Fatal(err)
		}
		body := string(h.body)
		for _, bad := range []string{"<font", "](http://evil", "![", "\\u001b", "\x1b", "31m"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %q survives in %s", typ, bad, body)
			}
		}
		if !strings.Contains(body, "［click］(http://evil.example)") || !strings.Contains(body, "＜font") {
			t.Errorf("%s: text lost instead of neutralised: %s", typ, body)
		}
	}
}

func TestWebhookFailures(t *testing.T) {
	t.Run("errcode reply", func(t *testing.T) {
		h := newHook(t, 200, `{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`)
		cfg := config.Webhook{Type: "dingtalk", URL: h.URL + "/robot/send?access_token=topsecret-token"}
		err := Webhook(context.Background(), cfg, testSummary)
		wantErr(t, err, "webhook", "access_token=REDACTED", "errcode 310000", "sign not match")
		if strings.Contains(err.Error(), "topsecret-token") {
			t.Errorf("token in error: %v", err)
		}
	})
	t.Run("feishu code reply", func(t *testing.T) {
		h := newHook(t, 200, `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`)
		cfg := config.Webhook{Type: "feishu", URL: h.URL + "/open-apis/bot/v2/hook/hooktoken-42"}
		err := Webhook(context.Background(), cfg, testSummary)
		wantErr(t, err, "/hook/REDACTED", "code 19021", "sign match fail")
		if strings.Contains(err.Error(), "hooktoken-42") {
			t.Errorf("token in error: %v", err)
		}
	})
	t.Run("http 500", func(t *testing.T) {
		h := newHook(t, 500, "internal \x1b[31merror\x1b[0m")
		err := Webhook(context.Background(), config.Webhook{Type: "wecom", URL: h.URL + "/send?key=k-secret"}, testSummary)
		wantErr(t, err, "HTTP 500", "internal error", "key=REDACTED")
		if strings.Contains(err.Error(), "k-secret") || strings.Contains(err.Error(), "\x1b") {
			t.Errorf("error leaks the key or control codes: %q", err)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		err := Webhook(context.Background(), config.Webhook{Type: "wecom", URL: "http://" + addr + "/send?key=k-secret"}, testSummary)
		wantErr(t, err, "webhook http://"+addr, "refused")
		if strings.Contains(err.Error(), "k-secret") {
			t.Errorf("key in error: %v", err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		wantErr(t, Webhook(context.Background(), config.Webhook{Type: "slack", URL: "https://x.example/"}, testSummary), `unknown type "slack"`)
		wantErr(t, Webhook(context.Background(), config.Webhook{Type: "wecom", URL: "ftp://x.example/"}, testSummary), "absolute http or https URL")
		wantErr(t, Webhook(context.Background(), config.Webhook{Type: "generic", URL: "https://x.example/", Template: "{{.Nope}}"}, testSummary), "template")
		wantErr(t, Webhook(context.Background(), config.Webhook{Type: "dingtalk", URL: "https://x.example/",
			Secret: config.SecretRef{Env: "HCOPS_TEST_UNSET_SECRET_VAR"}}, testSummary), "signing secret", "HCOPS_TEST_UNSET_SECRET_VAR")
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://oapi.dingtalk.com/robot/send?access_token=abc":    "https://oapi.dingtalk.com/robot/send?access_token=REDACTED",
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=REDACTED",
		"https://open.feishu.cn/open-apis/bot/v2/hook/abc-def":     "https://open.feishu.cn/open-apis/bot/v2/hook/REDACTED",
		"https://user:pw@gw.example/sms?to=138&Token=zz":           "https://REDACTED@gw.example/sms?Token=REDACTED&to=138",
		"http://gw.example/plain":                                  "http://gw.example/plain",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTruncateBytesKeepsRunes(t *testing.T) {
	s := strings.Repeat("巡", 2000) // 6000 bytes
	got := truncateBytes(s, 4000)
	if len(got) > 4000 || !strings.HasPrefix(s, got) || len(got)%3 != 0 {
		t.Errorf("truncated to %d bytes, not on a rune boundary", len(got))
	}
}
