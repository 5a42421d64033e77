package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/transport"
)

// BenchmarkFleet200x30 compares, over one real sshd on loopback, listing
// 200 policies of 30 copies each (metadata only) with verifying them fully
// (listing, judging, and stream-testing the newest copy of each with gzip
// and the dump-completion check, at most 4 integrity tests at a time). The
// goal: verify costs at most 2x list.
//
//	go test ./pkg/backup -run '^$' -bench Fleet200x30 -benchtime 3x
func BenchmarkFleet200x30(b *testing.B) {
	sshd := testenv.StartSSHD(b, testenv.SSHDOptions{})
	root := b.TempDir()
	var policies []*Policy
	for i := 0; i < 200; i++ {
		dir := filepath.Join(root, fmt.Sprintf("p%03d", i))
		os.MkdirAll(dir, 0o755)
		for d := 0; d < 30; d++ {
			at := time.Now().Add(-time.Duration(d) * 24 * time.Hour)
			f := filepath.Join(dir, fmt.Sprintf("db-%s.sql.gz", at.Format("20060102")))
			writeGzip(b, f, 20_000)
			os.Chtimes(f, at, at)
		}
		policies = append(policies, &Policy{Name: fmt.Sprintf("p%03d", i), Kind: KindMysqldump, Asset: "backup-host",
			Path: dir + "/db-*.sql.gz", Schedule: "daily", Retention: Retention{KeepLast: 30}})
	}
	d, err := transport.NewSSHDialer(transport.SSHConfig{KnownHostsFiles: []string{sshd.KnownHostsPath}, Identities: []string{sshd.ClientKeyPath}, ConnectTimeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	r, err := d.Dial(context.Background(), transport.SSHTarget{Name: "backup-host", Address: "127.0.0.1", Port: sshd.Port, User: sshd.User})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()

	each := func(b *testing.B, work func(p *Policy)) {
		ch := make(chan *Policy)
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := range ch {
					work(p)
				}
			}()
		}
		for _, p := range policies {
			ch <- p
		}
		close(ch)
		wg.Wait()
	}
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			each(b, func(p *Policy) {
				if c, err := List(context.Background(), r, p); err != nil || len(c) != 30 {
					b.Errorf("%s: %v %d", p.Name, err, len(c))
				}
			})
		}
	})
	b.Run("verify", func(b *testing.B) {
		// As hcops backup verify does it: at most 4 integrity tests at once.
		slots := make(chan struct{}, 4)
		for b.Loop() {
			each(b, func(p *Policy) {
				rs := Verify(context.Background(), r, p, VerifyOptions{Now: time.Now(), Lang: "en", Integrity: true, Slots: slots})
				if len(rs) != 5 {
					b.Errorf("%s: %d results", p.Name, len(rs))
				}
				for _, res := range rs {
					if res.Status != 0 {
						b.Errorf("%s %s: %s", p.Name, res.Item, res.Message)
					}
				}
			})
		}
	})
}
