package i18n

import (
	"encoding/json"
	"errors"
	"testing"
)

func init() {
	Register(map[string]Msg{
		"test.render.disk":  {"%s 已用 %d%%，剩余 %.1f GiB", "%s is %d%% full, %.1f GiB free"},
		"test.render.index": {"%[2]d 个文件在 %[1]s", "%[2]d files in %[1]s"},
		"test.render.outer": {"状态：%s（%s）", "state: %s (%s)"},
		"test.render.role":  {"主库", "primary"},
		"test.render.count": {"%d 项", "%d items"},
		"test.render.sep":   {"；", "; "},
	})
}

// roundTrip stores args as JSON and reads them back, as the history does.
func roundTrip(t *testing.T, args []any) []any {
	t.Helper()
	s, err := EncodeArgs(Neutral(args))
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeArgs(s)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestRender(t *testing.T) {
	for _, c := range []struct {
		name, code string
		args       []any
		zh, en     string
	}{
		{"verbs", "test.render.disk", []any{"/var", 91, 2.25}, "/var 已用 91%，剩余 2.2 GiB", "/var is 91% full, 2.2 GiB free"},
		{"indexed", "test.render.index", []any{"/tmp", 3}, "3 个文件在 /tmp", "3 files in /tmp"},
		{"nested", "test.render.outer", []any{S("test.render.role"), S("test.render.count", 2)}, "状态：主库（2 项）", "state: primary (2 items)"},
		{"list", "test.render.outer", []any{Strings([]string{"a", "b"}, ""), List{Items: []any{S("test.render.role"), "x"}, Sep: "test.render.sep"}},
			"状态：a、b（主库；x）", "state: a, b (primary; x)"},
		{"concat", ConcatCode, []any{S("test.render.count", 1), "; ", S("test.render.role")}, "1 项; 主库", "1 items; primary"},
		{"error arg", "test.render.outer", []any{errors.New("boom"), "y"}, "状态：boom（y）", "state: boom (y)"},
		{"unknown code", "no.such.key", []any{1, S("test.render.role")}, "no.such.key 1 主库", "no.such.key 1 primary"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := Neutral(c.args)
			for _, a := range [][]any{args, roundTrip(t, c.args)} {
				if got := Render(ZH, c.code, a); got != c.zh {
					t.Errorf("zh: got %q, want %q", got, c.zh)
				}
				if got := Render(EN, c.code, a); got != c.en {
					t.Errorf("en: got %q, want %q", got, c.en)
				}
			}
			if c.code != ConcatCode {
				if got := T(EN, c.code, args...); got != c.en {
					t.Errorf("T en: got %q, want %q", got, c.en)
				}
			}
		})
	}
}

// A %d verb must print an integer for a number that came back from JSON as a
// float64, and a %.1f a float for a number stored as an integer.
func TestRenderNumbersFromJSON(t *testing.T) {
	var args []any
	if err := json.Unmarshal([]byte(`["/data", 87, 3]`), &args); err != nil {
		t.Fatal(err)
	}
	if _, ok := args[1].(float64); !ok {
		t.Fatalf("encoding/json gave %T, the test assumes float64", args[1])
	}
	if got, want := Render(EN, "test.render.disk", args), "/data is 87% full, 3.0 GiB free"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	nested, err := DecodeArgs(`[{"code":"test.render.count","args":[4]},{"list":["p","q"]}]`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Render(ZH, "test.render.outer", nested), "状态：4 项（p、q）"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := Render(EN, "test.render.count", []any{2.5}), "%!d(float64=2.5) items"; got != want {
		t.Errorf("a fraction stays a float (visible, not silently cut): got %q, want %q", got, want)
	}
}

func TestSubJSON(t *testing.T) {
	b, err := json.Marshal([]any{S("a.b", 1, "x"), Strings([]string{"m"}, "")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[{"code":"a.b","args":[1,"x"]},{"list":["m"]}]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
