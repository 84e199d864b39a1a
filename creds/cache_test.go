package creds

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cacheEntry is the kind of value the engine stores.
type cacheEntry struct {
	Credentials Credentials
	Chain       []string
}

func newTestCache(t *testing.T) *Cache {
	t.Helper()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	return &Cache{Dir: filepath.Join(t.TempDir(), "cache", "switcher"), Now: func() time.Time { return now }}
}

func TestKey(t *testing.T) {
	k := Key("prod", "arn:aws:iam::111111111111:role/admin")
	if len(k) != 64 || strings.Trim(k, "0123456789abcdef") != "" {
		t.Fatalf("Key = %q, want 64 hex characters", k)
	}
	if err := validKey(k); err != nil {
		t.Errorf("Key output rejected by validKey: %v", err)
	}
	if k != Key("prod", "arn:aws:iam::111111111111:role/admin") {
		t.Error("Key is not stable")
	}
	distinct := [][]string{{}, {""}, {"", ""}, {"ab", "c"}, {"a", "bc"}, {"abc"}, {"a/b"}, {"a", "b"}}
	seen := map[string][]string{}
	for _, parts := range distinct {
		key := Key(parts...)
		if prev, ok := seen[key]; ok {
			t.Errorf("Key(%q) == Key(%q)", parts, prev)
		}
		seen[key] = parts
	}
}

func TestCachePutGet(t *testing.T) {
	c := newTestCache(t)
	want := cacheEntry{
		Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: fakeToken,
			Expiration: time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC)},
		Chain: []string{"base", "prod"},
	}
	var got cacheEntry
	if ok, err := c.Get("k", &got); ok || err != nil {
		t.Fatalf("Get on an empty cache = %v, %v; want false, nil", ok, err)
	}
	if err := c.Put("k", want); err != nil {
		t.Fatal(err)
	}
	ok, err := c.Get("k", &got)
	if !ok || err != nil {
		t.Fatalf("Get = %v, %v; want true, nil", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := c.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Get("k", &got); ok || err != nil {
		t.Fatalf("Get after Delete = %v, %v; want false, nil", ok, err)
	}
	if err := c.Delete("k"); err != nil {
		t.Errorf("Delete of a missing entry: %v", err)
	}
	if err := c.Put("k", want); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("k", got); err == nil {
		t.Error("Get into a non-pointer succeeded")
	}
	if ok, err := c.Get("k", &got); !ok || err != nil {
		t.Errorf("entry lost after a Get into a non-pointer: %v, %v", ok, err)
	}
}

func TestCacheModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes on windows")
	}
	t.Run("created 0700 and 0600", func(t *testing.T) {
		c := newTestCache(t)
		if err := c.Put("k", 1); err != nil {
			t.Fatal(err)
		}
		assertMode(t, c.Dir, 0o700)
		assertMode(t, filepath.Join(c.Dir, "k.json"), 0o600)
		unlock, err := c.Lock(context.Background(), "k")
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		assertMode(t, filepath.Join(c.Dir, "k.lock"), 0o600)
	})
	t.Run("looser directory tightened", func(t *testing.T) {
		c := newTestCache(t)
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(c.Dir, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := c.Put("k", 1); err != nil {
			t.Fatal(err)
		}
		assertMode(t, c.Dir, 0o700)
	})
	t.Run("not a directory", func(t *testing.T) {
		c := newTestCache(t)
		if err := os.MkdirAll(filepath.Dir(c.Dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.Dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := c.Put("k", 1); err == nil {
			t.Fatal("Put into a file instead of a directory succeeded")
		}
	})
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

func TestCacheGetCorruptRemoves(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "empty", content: ""},
		{name: "truncated", content: `{"Credentials":{"AccessKeyId":"AK`},
		{name: "garbage", content: "\x00\xff not json"},
		{name: "wrong shape", content: `{"Chain":"not a list"}`},
		{name: "bad time", content: `{"Credentials":{"Expiration":"yesterday"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCache(t)
			if err := c.Put("k", 0); err != nil { // creates the directory
				t.Fatal(err)
			}
			path := filepath.Join(c.Dir, "k.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var got cacheEntry
			ok, err := c.Get("k", &got)
			if ok || err != nil {
				t.Fatalf("Get = %v, %v; want false, nil", ok, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt entry not removed: stat = %v", err)
			}
		})
	}
}

func TestCacheInvalidKey(t *testing.T) {
	c := newTestCache(t)
	for _, key := range []string{"", "../escape", "a/b", `a\b`, ".hidden", "sp ace", strings.Repeat("k", 129), "nul\x00"} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			var v int
			checks := map[string]error{
				"Put":    c.Put(key, 1),
				"Delete": c.Delete(key),
			}
			_, checks["Get"] = c.Get(key, &v)
			_, checks["Lock"] = c.Lock(context.Background(), key)
			for op, err := range checks {
				if !errors.Is(err, ErrInvalidCacheKey) {
					t.Errorf("%s(%q) = %v, want ErrInvalidCacheKey", op, key, err)
				}
			}
		})
	}
}

func TestCacheConcurrentPutGet(t *testing.T) {
	c := newTestCache(t)
	const writers, rounds = 4, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				v := cacheEntry{Chain: []string{strconv.Itoa(w), strconv.Itoa(i), strings.Repeat("x", 4096)}}
				if err := c.Put("shared", v); err != nil {
					errs <- err
				}
				var got cacheEntry
				ok, err := c.Get("shared", &got)
				switch {
				case err != nil:
					errs <- fmt.Errorf("get during concurrent puts: %w", err)
				case !ok:
					errs <- errors.New("entry missing during concurrent puts")
				case len(got.Chain) != 3 || len(got.Chain[2]) != 4096:
					errs <- fmt.Errorf("torn read: %d parts", len(got.Chain))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if diff := cmp.Diff([]string{"shared.json"}, dirNames(t, c.Dir)); diff != "" {
		t.Errorf("leftover files (-want +got):\n%s", diff)
	}
}

// increment adds one to the counter entry under the lock; without the
// lock concurrent increments would be lost.
func increment(ctx context.Context, c *Cache) error {
	unlock, err := c.Lock(ctx, "counter")
	if err != nil {
		return err
	}
	defer unlock()
	var n int
	if _, err := c.Get("counter", &n); err != nil {
		return err
	}
	return c.Put("counter", n+1)
}

func readCounter(t *testing.T, c *Cache) int {
	t.Helper()
	var n int
	if _, err := c.Get("counter", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCacheLockExcludesGoroutines(t *testing.T) {
	c := newTestCache(t)
	const workers, rounds = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Go(func() {
			for range rounds {
				if err := increment(context.Background(), c); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := readCounter(t, c); got != workers*rounds {
		t.Errorf("counter = %d, want %d: an increment ran outside the lock", got, workers*rounds)
	}
}

// The helper process for the cross-process tests: the test binary run
// again with SWITCHER_LOCK_HELPER set to "count N" or "hold".
func TestCacheLockHelperProcess(t *testing.T) {
	mode := os.Getenv("SWITCHER_LOCK_HELPER")
	if mode == "" {
		t.Skip("helper process for the cross-process lock tests")
	}
	c := &Cache{Dir: os.Getenv("SWITCHER_LOCK_DIR")}
	ctx := context.Background()
	switch verb, arg, _ := strings.Cut(mode, " "); verb {
	case "count":
		n, _ := strconv.Atoi(arg)
		for range n {
			if err := increment(ctx, c); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}
	case "hold":
		unlock, err := c.Lock(ctx, "counter")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent says so
		unlock()
	}
	os.Exit(0)
}

func helperProcess(t *testing.T, dir, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCacheLockHelperProcess$")
	cmd.Env = append(os.Environ(), "SWITCHER_LOCK_HELPER="+mode, "SWITCHER_LOCK_DIR="+dir)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestCacheLockExcludesProcesses(t *testing.T) {
	c := newTestCache(t)
	const procs, rounds = 3, 20
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helperProcess(t, c.Dir, "count "+strconv.Itoa(rounds))
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for range rounds { // and this process too
		if err := increment(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	if got, want := readCounter(t, c), (procs+1)*rounds; got != want {
		t.Errorf("counter = %d, want %d: an increment ran outside the lock", got, want)
	}
}

func TestCacheLockHeldByAnotherProcess(t *testing.T) {
	c := newTestCache(t)
	if err := c.Put("counter", 0); err != nil { // creates the directory
		t.Fatal(err)
	}
	cmd := helperProcess(t, c.Dir, "hold")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if unlock, err := c.Lock(ctx, "counter"); !errors.Is(err, context.DeadlineExceeded) {
		if unlock != nil {
			unlock()
		}
		t.Fatalf("Lock while another process holds it = %v, want DeadlineExceeded", err)
	}

	_ = stdin.Close() // the helper releases and exits
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	unlock, err := c.Lock(context.Background(), "counter")
	if err != nil {
		t.Fatalf("Lock after the other process released: %v", err)
	}
	unlock()
	unlock() // a second call is harmless
}

func TestCacheLockCancelled(t *testing.T) {
	c := newTestCache(t)
	unlock, err := c.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		u, err := c.Lock(ctx, "k")
		if u != nil {
			u()
		}
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("waiting Lock after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("waiting Lock ignored the cancelled context")
	}
}

func TestCacheClean(t *testing.T) {
	entries := map[string]string{
		"fresh":   `{"expired":false}`,
		"old":     `{"expired":true}`,
		"corrupt": `{"expi`,
	}
	isExpired := func(raw []byte) bool { return strings.Contains(string(raw), `"expired":true`) }
	tests := []struct {
		name        string
		all         bool
		expired     func([]byte) bool
		wantRemoved int
		want        []string
	}{
		{
			name: "expired", expired: isExpired, wantRemoved: 2,
			want: []string{"fresh.json", "fresh.lock", "held.lock", "notes.txt", tempPrefix + "young"},
		},
		{
			name: "nil expired drops only corrupt", wantRemoved: 1,
			want: []string{"fresh.json", "fresh.lock", "held.lock", "notes.txt", "old.json", "old.lock", tempPrefix + "young"},
		},
		{
			name: "all", all: true, wantRemoved: 3,
			want: []string{"held.lock", "notes.txt", tempPrefix + "young"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCache(t)
			for key, raw := range entries {
				if err := c.Put(key, 0); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(c.Dir, key+".json"), []byte(raw), 0o600); err != nil {
					t.Fatal(err)
				}
				unlock, err := c.Lock(context.Background(), key)
				if err != nil {
					t.Fatal(err)
				}
				unlock()
			}
			unlockHeld, err := c.Lock(context.Background(), "held")
			if err != nil {
				t.Fatal(err)
			}
			defer unlockHeld()
			for name, age := range map[string]time.Duration{"notes.txt": time.Hour, tempPrefix + "stale": time.Hour, tempPrefix + "young": time.Minute} {
				path := filepath.Join(c.Dir, name)
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				mtime := c.Now().Add(-age)
				if err := os.Chtimes(path, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}

			removed, err := c.Clean(tt.all, tt.expired)
			if err != nil {
				t.Fatal(err)
			}
			if removed != tt.wantRemoved {
				t.Errorf("removed = %d, want %d", removed, tt.wantRemoved)
			}
			sort.Strings(tt.want)
			if diff := cmp.Diff(tt.want, dirNames(t, c.Dir)); diff != "" {
				t.Errorf("files after Clean (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCacheLockSurvivesCleanOfItsFile(t *testing.T) {
	// Clean may remove an unheld lock file; the next Lock must still
	// exclude the holder of a lock taken through the new file.
	c := newTestCache(t)
	unlock1, err := c.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	unlock1()
	if _, err := c.Clean(true, nil); err != nil {
		t.Fatal(err)
	}
	unlock2, err := c.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock2()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if u, err := c.Lock(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			u()
		}
		t.Fatalf("second Lock = %v, want DeadlineExceeded", err)
	}
}

// BenchmarkCacheGetHit is the cache's share of `credential-process` on a hit.
func BenchmarkCacheGetHit(b *testing.B) {
	c := &Cache{Dir: filepath.Join(b.TempDir(), "switcher")}
	key := Key("prod", "arn:aws:iam::111111111111:role/admin")
	in := cacheEntry{Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: strings.Repeat("T", 800)}}
	if err := c.Put(key, in); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var got cacheEntry
		if ok, err := c.Get(key, &got); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkCacheLockUnlock is the cost of an uncontended per-chain lock.
func BenchmarkCacheLockUnlock(b *testing.B) {
	c := &Cache{Dir: filepath.Join(b.TempDir(), "switcher")}
	for b.Loop() {
		unlock, err := c.Lock(context.Background(), "k")
		if err != nil {
			b.Fatal(err)
		}
		unlock()
	}
}
