package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestLockLeavesNoFile: the lock file is gone when the edit ends, so an
// inventory directory (in git) holds no .hcops.lock or .inv.yaml.lock.
func TestLockLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ path, lock string }{
		{filepath.Join(dir, "inv.yaml"), filepath.Join(dir, ".inv.yaml.lock")},
		{dir, filepath.Join(dir, ".hcops.lock")},
	} {
		unlock, err := Lock(tc.path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(tc.lock); err != nil {
			t.Errorf("while locked: %v", err)
		}
		unlock()
		if _, err := os.Stat(tc.lock); !os.IsNotExist(err) {
			t.Errorf("%s left after unlock (%v)", tc.lock, err)
		}
	}
}

// TestLockExclusiveWithRemoval: removing the lock file on unlock must not
// let two editors in at once (a waiter holding the removed file retries).
func TestLockExclusiveWithRemoval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.yaml")
	var mu sync.Mutex
	inside, worst := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				unlock, err := Lock(path, 20*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				worst = max(worst, inside)
				mu.Unlock()
				time.Sleep(100 * time.Microsecond)
				mu.Lock()
				inside--
				mu.Unlock()
				unlock()
			}
		}()
	}
	wg.Wait()
	if worst != 1 {
		t.Errorf("%d editors held the lock at once", worst)
	}
}
