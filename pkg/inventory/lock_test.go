package inventory

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockExcludesASecondEditor(t *testing.T) {
	for _, path := range []string{filepath.Join(t.TempDir(), "inv.yaml"), t.TempDir()} {
		unlock, err := Lock(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = Lock(path, 200*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "is being edited by another hcops") {
			t.Errorf("second lock: %v", err)
		}
		if time.Since(start) < 200*time.Millisecond {
			t.Error("the second editor did not wait")
		}
		unlock()
		unlock2, err := Lock(path, time.Second)
		if err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		unlock2()
	}
}
