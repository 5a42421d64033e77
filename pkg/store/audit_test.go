package store

import (
	"context"
	"fmt"
	"testing"
)

func TestAuditLines(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	line := func(seq int64) AuditLine {
		return AuditLine{Seq: seq, Line: []byte(fmt.Sprintf(`{"seq":%d,"command":"uptime; echo '审计'"}`, seq))}
	}
	if err := db.AddAuditLines(ctx, "runner-dmz", []AuditLine{line(1), line(2)}); err != nil {
		t.Fatal(err)
	}
	// A runner copying again what it copied before (it died before it
	// knew): nothing doubles.
	if err := db.AddAuditLines(ctx, "runner-dmz", []AuditLine{line(2), line(3)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddAuditLines(ctx, "runner-private", []AuditLine{line(1)}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.AuditHead(ctx, "runner-dmz"); err != nil || n != 3 {
		t.Errorf("head of runner-dmz %d, %v; want 3", n, err)
	}
	if n, err := db.AuditHead(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("head of an unknown runner %d, %v; want 0", n, err)
	}
	var got []string
	if err := db.EachAuditLine(ctx, "", func(r string, l AuditLine) error {
		got = append(got, fmt.Sprintf("%s/%d/%s", r, l.Seq, l.Line))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`runner-dmz/1/{"seq":1,"command":"uptime; echo '审计'"}`,
		`runner-dmz/2/{"seq":2,"command":"uptime; echo '审计'"}`,
		`runner-dmz/3/{"seq":3,"command":"uptime; echo '审计'"}`,
		`runner-private/1/{"seq":1,"command":"uptime; echo '审计'"}`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit lines:\n%v\nwant\n%v", got, want)
	}
}
