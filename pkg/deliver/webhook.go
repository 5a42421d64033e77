package deliver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
)

// Summary is what a webhook receives: a short account of a report or run.
// It is also the data of a webhook's message template (config
// webhooks.NAME.template, Go text/template), e.g.
//
//	{{.Title}}: {{.Counts.Crit}} critical, {{.Counts.Warn}} warnings — {{.URL}}
type Summary struct {
	Title  string        `json:"title"`
	Text   string        `json:"text"`
	Status string        `json:"status"` // worst status: OK, WARN, UNKNOWN, CRIT, UNREACHABLE
	Counts result.Counts `json:"counts"`
	URL    string        `json:"url,omitempty"` // where the full report is, if anywhere
	// Lang is the language of the default message ("zh" or "en").
	Lang string `json:"-"`
}

// Webhook types (config webhooks.NAME.type).
const (
	TypeWeCom    = "wecom"
	TypeDingTalk = "dingtalk"
	TypeFeishu   = "feishu"
	TypeGeneric  = "generic"
)

// maxReply bounds how much of a webhook's reply is read.
const maxReply = 64 << 10

// now is the clock used for signatures (tests fix it).
var now = time.Now

// Webhook posts s to one webhook.
//
//   - wecom: WeCom (企业微信) group robot, msgtype markdown;
//   - dingtalk: DingTalk (钉钉) custom robot, msgtype markdown; with secret,
//     the URL gets timestamp (ms) and sign = base64(HMAC-SHA256(secret,
//     timestamp+"\n"+secret)) as DingTalk documents;
//   - feishu: Feishu/Lark (飞书) custom robot, msg_type post; with secret, the
//     body carries timestamp (s) and sign = base64(HMAC-SHA256 keyed with
//     timestamp+"\n"+secret over nothing);
//   - generic: the Summary as JSON, plus "message", the rendered text; with
//     secret, header X-Hcops-Signature: sha256=HEX(HMAC-SHA256(secret, body))
//     lets the receiver (an SMS or voice gateway) check the sender.
//
// The message text comes from cfg.Template or a default. A robot's reply
// with errcode/code != 0 is a failure carrying its errmsg. Errors name the
// webhook by its URL with tokens and keys redacted.
func Webhook(ctx context.Context, cfg config.Webhook, s Summary) error {
	fail := func(err error) error { return fmt.Errorf("webhook %s (%s): %w", RedactURL(cfg.URL), cfg.Type, err) }
	// Terminal control sequences have no place in a chat message either.
	s.Title, s.Text, s.Status = iostreams.Sanitize(s.Title), iostreams.Sanitize(s.Text), iostreams.Sanitize(s.Status)
	if t := strings.ToLower(cfg.Type); t == TypeWeCom || t == TypeDingTalk {
		s.Title, s.Text, s.Status = mdInert(s.Title), mdInert(s.Text), mdInert(s.Status)
	}
	text, err := messageText(cfg, s)
	if err != nil {
		return fail(err)
	}
	return Send(ctx, cfg, Post{Title: s.Title, Text: text, URL: s.URL, Generic: struct {
		Summary
		Message string `json:"message"`
	}{s, text}})
}

// Post is one message for a webhook, already written: Webhook builds one
// from a Summary, alerts from an alert.
type Post struct {
	Title string
	// Text is the message: markdown for WeCom and DingTalk, plain text for
	// Feishu (one line per paragraph). The caller makes text from hosts
	// inert (see Inert).
	Text string
	URL  string // a link Feishu shows below the text ("" for none)
	// Mobiles are @-mentioned (DingTalk: at.atMobiles, and "@mobile" is
	// appended to the text as DingTalk requires).
	Mobiles []string
	// Generic is the JSON body a generic webhook receives; nil sends
	// {"title": Title, "message": Text}.
	Generic any
}

// Request is a webhook call ready to send: the URL (signed for DingTalk),
// headers and body.
type Request struct {
	URL    string
	Header http.Header
	Body   []byte
}

// Inert makes text from hosts and the inventory inert in a robot's
// markdown (see mdInert), for callers building a Post themselves.
func Inert(typ, s string) string {
	s = iostreams.Sanitize(s)
	if t := strings.ToLower(typ); t == TypeWeCom || t == TypeDingTalk {
		s = mdInert(s)
	}
	return s
}

// BuildWebhook builds the request posting p to the webhook cfg at time at
// (the signatures' timestamp):
//
//   - wecom: WeCom (企业微信) group robot, msgtype markdown;
//   - dingtalk: DingTalk (钉钉) custom robot, msgtype markdown; with secret,
//     the URL gets timestamp (ms) and sign = base64(HMAC-SHA256(secret,
//     timestamp+"\n"+secret)) as DingTalk documents;
//   - feishu: Feishu/Lark (飞书) custom robot, msg_type post; with secret, the
//     body carries timestamp (s) and sign = base64(HMAC-SHA256 keyed with
//     timestamp+"\n"+secret over nothing);
//   - generic: p.Generic as JSON; with secret, header X-Hcops-Signature:
//     sha256=HEX(HMAC-SHA256(secret, body)) lets the receiver (an SMS or
//     voice gateway) check the sender.
func BuildWebhook(cfg config.Webhook, p Post, at time.Time) (*Request, error) {
	if cfg.URL == "" {
		return nil, errors.New("no url configured")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url must be an absolute http or https URL")
	}
	secret, err := cfg.Secret.Resolve()
	if err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	title, text := iostreams.Sanitize(p.Title), p.Text
	var body any
	switch strings.ToLower(cfg.Type) {
	case TypeWeCom:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": truncateBytes(text, 4000)}}
	case TypeDingTalk:
		m := map[string]any{"msgtype": "markdown", "markdown": map[string]any{"title": title, "text": text}}
		if len(p.Mobiles) > 0 {
			var at strings.Builder
			for _, mob := range p.Mobiles {
				at.WriteString(" @" + mob)
			}
			m["markdown"] = map[string]any{"title": title, "text": text + "\n\n" + strings.TrimSpace(at.String())}
			m["at"] = map[string]any{"atMobiles": p.Mobiles, "isAtAll": false}
		}
		body = m
		if secret != "" {
			ts := strconv.FormatInt(at.UnixMilli(), 10)
			q := u.Query()
			q.Set("timestamp", ts)
			q.Set("sign", DingTalkSign(ts, secret))
			u.RawQuery = q.Encode()
		}
	case TypeFeishu:
		var lines [][]map[string]string
		for _, l := range strings.Split(text, "\n") {
			lines = append(lines, []map[string]string{{"tag": "text", "text": l}})
		}
		if p.URL != "" {
			lines = append(lines, []map[string]string{{"tag": "a", "text": p.URL, "href": p.URL}})
		}
		m := map[string]any{
			"msg_type": "post",
			"content":  map[string]any{"post": map[string]any{"zh_cn": map[string]any{"title": title, "content": lines}}},
		}
		if secret != "" {
			ts := strconv.FormatInt(at.Unix(), 10)
			m["timestamp"] = ts
			m["sign"] = FeishuSign(ts, secret)
		}
		body = m
	case TypeGeneric, "":
		body = p.Generic
		if body == nil {
			body = map[string]any{"title": title, "message": text}
		}
	default:
		return nil, fmt.Errorf("unknown type %q (want wecom, dingtalk, feishu or generic)", cfg.Type)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", "hcops")
	if typ := strings.ToLower(cfg.Type); (typ == TypeGeneric || typ == "") && secret != "" {
		h.Set("X-Hcops-Signature", "sha256="+GenericSign(payload, secret))
	}
	return &Request{URL: u.String(), Header: h, Body: payload}, nil
}

// Send posts p to the webhook cfg. A robot's reply with errcode/code != 0
// is a failure carrying its errmsg. Errors name the webhook by its URL
// with tokens and keys redacted.
func Send(ctx context.Context, cfg config.Webhook, p Post) error {
	fail := func(err error) error { return fmt.Errorf("webhook %s (%s): %w", RedactURL(cfg.URL), cfg.Type, err) }
	r, err := BuildWebhook(cfg, p, now())
	if err != nil {
		return fail(err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return fail(errors.New("bad request"))
	}
	req.Header = r.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// *url.Error repeats the full URL, token included: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if resp.StatusCode/100 != 2 {
		return fail(fmt.Errorf("HTTP %s: %s", resp.Status, shortReply(reply)))
	}
	if err := checkReply(reply); err != nil {
		return fail(err)
	}
	return nil
}

// checkReply reads a robot's JSON answer. WeCom and DingTalk answer
// {"errcode":0,"errmsg":"ok"}, Feishu {"code":0,"msg":"success"} (older
// versions {"StatusCode":0,...}). Non-JSON replies to a 2xx are accepted:
// generic webhooks owe us nothing more than the status code.
func checkReply(reply []byte) error {
	var r struct {
		ErrCode    *int   `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"`
		StatusMsg  string `json:"StatusMessage"`
	}
	if json.Unmarshal(reply, &r) != nil {
		return nil
	}
	switch {
	case r.ErrCode != nil && *r.ErrCode != 0:
		return fmt.Errorf("robot refused the message: errcode %d: %s", *r.ErrCode, iostreams.Sanitize(r.ErrMsg))
	case r.Code != nil && *r.Code != 0:
		return fmt.Errorf("robot refused the message: code %d: %s", *r.Code, iostreams.Sanitize(r.Msg))
	case r.StatusCode != nil && *r.StatusCode != 0:
		return fmt.Errorf("robot refused the message: code %d: %s", *r.StatusCode, iostreams.Sanitize(r.StatusMsg))
	}
	return nil
}

// shortReply is a reply cut to one readable line for an error message.
func shortReply(b []byte) string {
	s := strings.TrimSpace(iostreams.Sanitize(string(b)))
	if len(s) > 200 {
		s = truncateBytes(s, 200) + "…"
	}
	if s == "" {
		return "(empty reply)"
	}
	return s
}

// DingTalkSign is DingTalk's robot signature: base64 of HMAC-SHA256 keyed
// with the secret over timestamp + "\n" + secret (timestamp in ms).
func DingTalkSign(timestamp, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// FeishuSign is Feishu's robot signature: base64 of HMAC-SHA256 keyed with
// timestamp + "\n" + secret over an empty message (timestamp in seconds).
func FeishuSign(timestamp, secret string) string {
	h := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// GenericSign is the signature of a generic webhook body: hex of
// HMAC-SHA256 keyed with the secret over the exact body bytes.
func GenericSign(body []byte, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// messageText renders cfg.Template, or the default message, over s.
func messageText(cfg config.Webhook, s Summary) (string, error) {
	src := cfg.Template
	if src == "" {
		return defaultText(cfg.Type, s), nil
	}
	// Errors read "template: webhook:1:2: ..." already.
	t, err := template.New("webhook").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, s); err != nil {
		return "", err
	}
	return b.String(), nil
}

// defaultText is a few lines: title, worst status, counts, text, link.
// Markdown for the robots that render it; plain text otherwise.
func defaultText(typ string, s Summary) string {
	lang := s.Lang
	md := typ == TypeWeCom || typ == TypeDingTalk
	var b strings.Builder
	title := iostreams.Sanitize(s.Title)
	if md {
		fmt.Fprintf(&b, "### %s\n", title)
	} else if typ != TypeFeishu { // Feishu shows the title itself
		fmt.Fprintf(&b, "%s\n", title)
	}
	if s.Status != "" {
		fmt.Fprintf(&b, "%s\n", i18n.T(lang, "deliver.webhook.status", s.Status))
	}
	c := s.Counts
	fmt.Fprintf(&b, "%s\n", i18n.T(lang, "deliver.webhook.counts", c.OK, c.Warn, c.Crit, c.Unknown, c.Unreachable))
	if t := strings.TrimSpace(iostreams.Sanitize(s.Text)); t != "" {
		fmt.Fprintf(&b, "%s\n", t)
	}
	if s.URL != "" && typ != TypeFeishu {
		if md {
			fmt.Fprintf(&b, "[%s](%s)\n", i18n.T(lang, "deliver.webhook.link"), s.URL)
		} else {
			fmt.Fprintf(&b, "%s %s\n", i18n.T(lang, "deliver.webhook.link"), s.URL)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// mdInert makes text from hosts and the inventory inert in a robot's
// markdown: links, images (![..](..)) and WeCom's <font> tags need ASCII
// brackets, which become their full-width forms — readable, common in
// Chinese text, and never markup. Backslash escapes are not used: not every
// robot's renderer honours them.
var mdInert = strings.NewReplacer("[", "［", "]", "］", "<", "＜", ">", "＞").Replace

// truncateBytes cuts s to at most n bytes without splitting a UTF-8 rune
// (WeCom rejects markdown content over 4096 bytes).
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// secretParams are query parameters whose values are credentials.
var secretParams = []string{"access_token", "key", "token", "sign", "secret", "signature", "apikey", "api_key"}

// RedactURL returns u fit for errors and logs: credential query values, the
// user info and the last path element of Feishu hook URLs (the hook token)
// are replaced by "REDACTED".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	q := u.Query()
	changed := false
	for k := range q {
		for _, s := range secretParams {
			if strings.EqualFold(k, s) {
				q.Set(k, "REDACTED")
				changed = true
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	if i := strings.Index(u.Path, "/hook/"); i >= 0 {
		u.Path = u.Path[:i] + "/hook/REDACTED"
		u.RawPath = ""
	}
	return u.String()
}
