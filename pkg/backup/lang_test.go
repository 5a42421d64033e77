package backup

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Verdicts carry meaning (issue #11): a result written in one language
// renders in the other from its code and args alone, after the round trip
// through JSON the store makes, exactly as a run in that language writes it.

// stored returns r as the history gives it back: code and args through
// i18n.EncodeArgs/DecodeArgs.
func stored(t *testing.T, r result.Result) result.Result {
	t.Helper()
	for _, f := range []*[]any{&r.Args, &r.AdviceArgs} {
		s, err := i18n.EncodeArgs(*f)
		if err != nil {
			t.Fatalf("%s/%s: encode args: %v", r.Check, r.Item, err)
		}
		if *f, err = i18n.DecodeArgs(s); err != nil {
			t.Fatalf("%s/%s: decode args: %v", r.Check, r.Item, err)
		}
	}
	return r
}

// sameMeaning checks that each result of en (written in English) and zh
// (the same verdicts written in Chinese) has a code, and that the stored
// English result renders the Chinese text and the other way round.
func sameMeaning(t *testing.T, en, zh []result.Result) {
	t.Helper()
	if len(en) != len(zh) || len(en) == 0 {
		t.Fatalf("%d English results, %d Chinese", len(en), len(zh))
	}
	for i := range en {
		e, z := stored(t, en[i]), stored(t, zh[i])
		what := e.Check + "/" + e.Item
		if e.Code == "" || z.Code == "" {
			t.Errorf("%s: no message code: %q", what, e.Message)
		}
		if e.Advice != "" && e.AdviceCode == "" {
			t.Errorf("%s: advice without code: %q", what, e.Advice)
		}
		for _, c := range []struct{ lang, got, want string }{
			{i18n.ZH, e.MessageIn(i18n.ZH), z.Message},
			{i18n.EN, z.MessageIn(i18n.EN), e.Message},
			{i18n.EN, e.MessageIn(i18n.EN), e.Message},
			{i18n.ZH, e.AdviceIn(i18n.ZH), z.Advice},
			{i18n.EN, z.AdviceIn(i18n.EN), e.Advice},
		} {
			if c.got != c.want {
				t.Errorf("%s rendered in %s:\n got %q\nwant %q", what, c.lang, c.got, c.want)
			}
		}
		if strings.Contains(e.MessageIn(i18n.ZH)+e.AdviceIn(i18n.ZH), "%!") {
			t.Errorf("%s: bad format: %q", what, e.MessageIn(i18n.ZH))
		}
	}
}

// inZH is r, stored, rendered in Chinese.
func inZH(t *testing.T, r result.Result) string {
	t.Helper()
	s := stored(t, r)
	return s.MessageIn(i18n.ZH)
}

func copyAt(name string, at time.Time, size int64) Copy {
	return Copy{Name: name, Path: "/backup/" + name, Time: at, Size: size}
}

// The metadata verdicts with every nested part: ages, a list of holes, a
// shrink, future-dated copies with the "… (n in all)" tail.
func TestJudgeMeaningBothLanguages(t *testing.T) {
	p := &Policy{Name: "his-db", Kind: KindMysqldump, Of: "his-db-01", Path: "/backup/his-*.sql.gz", Schedule: "daily", RPO: "26h",
		Retention: Retention{KeepLast: 7}}
	var copies []Copy
	for i := 14; i >= 2; i-- {
		if i == 3 || i == 5 || i == 9 {
			continue // holes
		}
		copies = append(copies, copyAt(fmt.Sprintf("his-%02d.sql.gz", i), now.Add(-time.Duration(i)*24*time.Hour), 1<<20))
	}
	copies[len(copies)-1].Size = 1000 // shrank
	for i := 1; i <= 5; i++ {
		copies = append(copies, copyAt(fmt.Sprintf("his-future-%d.sql.gz", i), now.Add(time.Duration(i)*48*time.Hour), 1<<20))
	}
	en, zh := Judge(p, copies, now, i18n.EN), Judge(p, copies, now, i18n.ZH)
	sameMeaning(t, en, zh)
	fr := stored(t, find(en, AspectFreshness))
	if got := fr.MessageIn(i18n.ZH); !strings.Contains(got, "2天") || !strings.Contains(got, "、") || !strings.Contains(got, "等，共 5 项") {
		t.Errorf("freshness in Chinese from an English run: %q", got)
	}
	if fr.Status != result.Crit || fr.AdviceCode == "" {
		t.Errorf("freshness: %s, advice code %q", fr.Status, fr.AdviceCode)
	}
	if got := inZH(t, find(en, AspectSequence)); !strings.Contains(got, "；") {
		t.Errorf("holes joined in Chinese: %q", got)
	}
	// No copy at all: where the copies were looked for is translated too.
	en, zh = Judge(p, nil, now, i18n.EN), Judge(p, nil, now, i18n.ZH)
	sameMeaning(t, en, zh)
	local := *p
	local.Of = ""
	en, zh = Judge(&local, nil, now, i18n.EN), Judge(&local, nil, now, i18n.ZH)
	sameMeaning(t, en, zh)
	if got := inZH(t, en[0]); !strings.Contains(got, "本机") {
		t.Errorf("no copies on this machine, in Chinese: %q", got)
	}
}

func TestAnomaliesMeaningBothLanguages(t *testing.T) {
	p := policy("/backup")
	as := []Anomaly{
		{Kind: AnomalyName, Name: "his-\x1b[2J.sql.gz"},
		{Kind: AnomalyType, Name: "his-pipe.sql.gz", Type: "fifo"},
		{Kind: AnomalyType, Name: "his-odd.sql.gz", Type: "weird thing"},
		{Kind: AnomalyError, Name: "find: permission denied"},
	}
	en, _ := judgeAnomalies(p, as, i18n.EN)
	zh, _ := judgeAnomalies(p, as, i18n.ZH)
	sameMeaning(t, []result.Result{en}, []result.Result{zh})
	if got := inZH(t, en); !strings.Contains(got, "命名管道") || !strings.Contains(got, "weird thing") {
		t.Errorf("file types in Chinese: %q", got)
	}
}

func TestIntegrityMeaningBothLanguages(t *testing.T) {
	p := policy("/backup")
	p.Kind = KindPgDump
	p.Encrypted = true
	c := copyAt("his-01.sql.gz", now, 1<<20)
	for name, out := range map[string]string{
		"failed":  "@@MAGIC H4sI\n@@T gzip 1\ngzip: unexpected end of file\n@@TAIL LS0gdHJ1bmNhdGVk\n",
		"partly":  "@@MAGIC AAAA\n@@T gzip 0\n@@T pg_restore 127\n@@TAIL LS0gUG9zdGdyZVNRTCBkYXRhYmFzZSBkdW1wIGNvbXBsZXRl\n",
		"no tool": "@@MAGIC AAAA\n@@T gzip 127\n",
	} {
		en := judgeIntegrity(p, c, out, p.base(AspectIntegrity), i18n.EN)
		zh := judgeIntegrity(p, c, out, p.base(AspectIntegrity), i18n.ZH)
		t.Run(name, func(t *testing.T) { sameMeaning(t, []result.Result{en}, []result.Result{zh}) })
	}
}

// A listing that failed: the catalogue error nested in fmt.Errorf context
// and the transport's advice for the reason are both meaning.
func TestListingFailedMeaningBothLanguages(t *testing.T) {
	p := policy("/backup")
	err := errorf("backup.list.run_failed", p.Name, "his-db-01", fmt.Errorf("dial: %w", errors.New("i/o timeout")))
	wrapped := fmt.Errorf("his-db-01: %w", err)
	for _, e := range []error{err, wrapped, errors.New("plain failure")} {
		en := ListingFailed(p, e, result.ReasonTimeout, i18n.EN)
		zh := ListingFailed(p, e, result.ReasonTimeout, i18n.ZH)
		sameMeaning(t, []result.Result{en}, []result.Result{zh})
		if en.AdviceCode != transport.AdviceCode(result.ReasonTimeout) {
			t.Errorf("advice code %q", en.AdviceCode)
		}
	}
	zh := inZH(t, ListingFailed(p, wrapped, "", i18n.EN))
	if !strings.HasPrefix(zh, "his-db-01: ") || zh == wrapped.Error() || !strings.Contains(zh, "dial: i/o timeout") {
		t.Errorf("wrapped catalogue error in Chinese: %q", zh)
	}
}

// Drill messages with a measured time, a reference name and a cleanup
// note render in the other language (the times are the same args).
func TestDrillPartsMeaningBothLanguages(t *testing.T) {
	p := policy("/backup")
	var notes cleanupNotes
	notes.note(msg("backup.drill.leftovers_removed", 2, list([]string{"hcops_drill_a", "hcops_drill_b"})))
	notes.fail(msg("backup.drill.drop_failed", "hcops_drill_c", errors.New("permission denied")))
	mk := func(lang string) []result.Result {
		rows := drillResult(p, DrillRows, result.Crit, lang, msg("backup.drill.rows_drift", "orders", 90.0, refName(RefLastDrill), 100.0, -10.0, 5.0))
		restored := drillResult(p, DrillRestore, result.OK, lang, msg("backup.drill.restored", "his-01.dump", "hcops_drill_x", elapsed(83*time.Second)))
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errDrillStopped{"backup.drill.timed_out", []any{"4h0m0s"}})
		stop := drillResult(p, DrillRestore, result.Unknown, lang, stopped(ctx, 1500*time.Millisecond))
		return notes.append(p, lang, []result.Result{rows, restored, stop})
	}
	en, zh := mk(i18n.EN), mk(i18n.ZH)
	sameMeaning(t, en, zh)
	for i, want := range []string{"上次演练", "1分23秒", "1.5秒", "hcops_drill_a、hcops_drill_b"} {
		if got := inZH(t, en[i]); !strings.Contains(got, want) {
			t.Errorf("result %d in Chinese: %q lacks %q", i, got, want)
		}
	}
	if got := en[1].Message; !regexp.MustCompile(`in 1m23s \(RTO evidence\)$`).MatchString(got) {
		t.Errorf("restore in English: %q", got)
	}
}

// The copy an integrity verdict is about is read from its meaning, in
// either language, also when a note was appended; results stored before
// codes fall back to the first word of their text.
func TestTestedCopy(t *testing.T) {
	p := policy("/backup")
	p.Kind = KindPgDump
	c := copyAt("his 01.dump", now, 1<<20) // a space in the name: the text could not tell
	for _, out := range []string{"@@T gzip 0\n@@T pg_restore 127\n", "@@T gzip 1\nbad\n", "@@T gzip 127\n", ""} {
		for _, lang := range []string{i18n.EN, i18n.ZH} {
			r := stored(t, judgeIntegrity(p, c, out, p.base(AspectIntegrity), lang))
			if got := TestedCopy(&r); got != c.Name {
				t.Errorf("%s %q: TestedCopy = %q (message %q)", lang, out, got, r.Message)
			}
		}
	}
	old := result.Result{Item: AspectIntegrity, Message: "his-02.dump 校验通过：gzip"}
	if got := TestedCopy(&old); got != "his-02.dump" {
		t.Errorf("stored without code: %q", got)
	}
}
