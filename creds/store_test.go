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

// storeNow is the test stores' clock.
var storeNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	return &Store{Dir: filepath.Join(t.TempDir(), "cache", "switcher"), Now: func() time.Time { return storeNow }}
}

// testSession is a session expiring an hour after storeNow.
func testSession(profile string) *Session {
	return &Session{Profile: profile, Region: "eu-west-1", RoleARN: "arn:aws:iam::111111111111:role/admin",
		Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: fakeToken,
			Expiration: storeNow.Add(time.Hour)}}
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

func TestStoreEntriesRoundTrip(t *testing.T) {
	st := newTestStore(t)
	want := testSession("prod")
	if _, ok := st.roleSession("k"); ok {
		t.Fatal("roleSession on an empty store: hit")
	}
	if err := st.putRoleSession("k", want); err != nil {
		t.Fatal(err)
	}
	got, ok := st.roleSession("k")
	if !ok {
		t.Fatal("roleSession after put: miss")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// One key, one kind: an MFA session is not read as a role session.
	if err := st.putMFASession("m", "dev", devSerial, want.Credentials); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.roleSession("m"); ok {
		t.Error("an MFA session entry was read as a role session")
	}
	m, ok := st.mfaSession("m")
	if !ok || m.Profile != "dev" || m.Serial != devSerial || !m.Expiration.Equal(want.Expiration) {
		t.Errorf("mfaSession = %+v, %t", m, ok)
	}
	if err := st.deleteEntry("k"); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.roleSession("k"); ok {
		t.Error("hit after delete")
	}
	if err := st.deleteEntry("k"); err != nil {
		t.Errorf("delete of a missing entry: %v", err)
	}
}

func TestStoreModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes on windows")
	}
	t.Run("created 0700 and 0600", func(t *testing.T) {
		st := newTestStore(t)
		if err := st.putRoleSession("k", testSession("p")); err != nil {
			t.Fatal(err)
		}
		assertMode(t, st.Dir, 0o700)
		assertMode(t, filepath.Join(st.Dir, "k.json"), 0o600)
		unlock, err := st.Lock(context.Background(), "k")
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		assertMode(t, filepath.Join(st.Dir, "k.lock"), 0o600)
	})
	t.Run("looser directory of ours tightened", func(t *testing.T) {
		st := newTestStore(t)
		if err := os.MkdirAll(st.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(st.Dir, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := st.putRoleSession("k", testSession("p")); err != nil {
			t.Fatal(err)
		}
		assertMode(t, st.Dir, 0o700)
	})
	t.Run("not a directory", func(t *testing.T) {
		st := newTestStore(t)
		if err := os.MkdirAll(filepath.Dir(st.Dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(st.Dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := st.putRoleSession("k", testSession("p")); !errors.Is(err, ErrCacheDirUnsafe) {
			t.Fatalf("put into a file instead of a directory = %v, want ErrCacheDirUnsafe", err)
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

// TestStoreSymlinkedCacheDir: a cache directory that is a symlink is an
// error naming it, and nothing is written through it.
func TestStoreSymlinkedCacheDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on windows")
	}
	base := t.TempDir()
	elsewhere := filepath.Join(base, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "switcher")
	if err := os.Symlink(elsewhere, dir); err != nil {
		t.Fatal(err)
	}
	st := &Store{Dir: dir, Now: func() time.Time { return storeNow }}
	err := st.putRoleSession("k", testSession("p"))
	if !errors.Is(err, ErrCacheDirUnsafe) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("put through a symlinked cache dir = %v; want ErrCacheDirUnsafe naming %s", err, dir)
	}
	if _, err := st.Lock(context.Background(), "k"); !errors.Is(err, ErrCacheDirUnsafe) {
		t.Errorf("Lock through a symlinked cache dir = %v, want ErrCacheDirUnsafe", err)
	}
	if _, err := st.Clean(true); !errors.Is(err, ErrCacheDirUnsafe) {
		t.Errorf("Clean of a symlinked cache dir = %v, want ErrCacheDirUnsafe", err)
	}
	if names := dirNames(t, elsewhere); len(names) != 0 {
		t.Errorf("files written through the link: %v", names)
	}
}

// TestStoreForeignCacheDir: a directory owned by another user is refused
// and not chmod-ed. Needs root to make one; skipped otherwise.
func TestStoreForeignCacheDir(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to create a directory owned by another user")
	}
	dir := filepath.Join(t.TempDir(), "switcher")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	st := &Store{Dir: dir, Now: func() time.Time { return storeNow }}
	err := st.putRoleSession("k", testSession("p"))
	if !errors.Is(err, ErrCacheDirUnsafe) || !strings.Contains(err.Error(), "owned by uid 4242") {
		t.Fatalf("put into another user's directory = %v; want ErrCacheDirUnsafe naming the owner", err)
	}
	assertMode(t, dir, 0o777) // not chmod-ed
}

// TestStoreUntrustedEntries: an entry that is a symlink (even to a valid
// session planted elsewhere), not a regular file, owned by someone else or
// open to others is a miss, and the next write replaces it.
func TestStoreUntrustedEntries(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks and modes: unix")
	}
	plant := func(t *testing.T, st *Store, path string) {
		t.Helper()
		// A well-formed session, as an attacker would plant it.
		good := &Store{Dir: filepath.Join(t.TempDir(), "src"), Now: st.Now}
		if err := good.putRoleSession("k", testSession("prod")); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(good.Dir, "k.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, st *Store, entry string)
		root  bool
	}{
		{name: "symlink to a planted 0666 file", setup: func(t *testing.T, st *Store, entry string) {
			planted := filepath.Join(t.TempDir(), "planted.json")
			plant(t, st, planted)
			if err := os.Chmod(planted, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(planted, entry); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "symlink to a 0600 file of ours", setup: func(t *testing.T, st *Store, entry string) {
			planted := filepath.Join(t.TempDir(), "planted.json")
			plant(t, st, planted)
			if err := os.Symlink(planted, entry); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "mode 0666", setup: func(t *testing.T, st *Store, entry string) {
			plant(t, st, entry)
			if err := os.Chmod(entry, 0o666); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "mode 0640", setup: func(t *testing.T, st *Store, entry string) {
			plant(t, st, entry)
			if err := os.Chmod(entry, 0o640); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a fifo", setup: func(t *testing.T, st *Store, entry string) {
			if err := mkfifo(entry); err != nil {
				t.Skip(err)
			}
		}},
		{name: "owned by another user", root: true, setup: func(t *testing.T, st *Store, entry string) {
			plant(t, st, entry)
			if err := os.Chown(entry, 4242, 4242); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("needs root to create a file owned by another user")
			}
			st := newTestStore(t)
			var debug strings.Builder
			st.Debugf = func(format string, args ...any) { fmt.Fprintf(&debug, format+"\n", args...) }
			if _, err := st.dir(); err != nil {
				t.Fatal(err)
			}
			entry := filepath.Join(st.Dir, "k.json")
			tt.setup(t, st, entry)
			if s, ok := st.roleSession("k"); ok {
				t.Fatalf("untrusted entry served: %v", s)
			}
			if !strings.Contains(debug.String(), "not trusting "+entry) {
				t.Errorf("--debug does not say why: %q", debug.String())
			}
			// The next write replaces it (the link itself, not its target).
			if err := st.putRoleSession("k", testSession("prod")); err != nil {
				t.Fatal(err)
			}
			if _, ok := st.roleSession("k"); !ok {
				t.Error("entry written over an untrusted one is not served")
			}
			assertMode(t, entry, 0o600)
		})
	}
}

func TestStoreCorruptEntryRemoved(t *testing.T) {
	tests := []struct {
		name    string
		content string
		removed bool
	}{
		{name: "empty", content: "", removed: true},
		{name: "truncated", content: `{"Kind":"role-session","AccessKeyId":"AK`, removed: true},
		{name: "garbage", content: "\x00\xff not json", removed: true},
		{name: "an older format", content: `{"AccessKeyId":"ASIAEXAMPLE","Expiration":"2026-11-22T13:00:00Z"}`, removed: true},
		{name: "another kind", content: `{"Kind":"mfa-session","Expiration":"2026-11-22T13:00:00Z"}`, removed: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newTestStore(t)
			if _, err := st.dir(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(st.Dir, "k.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, ok := st.roleSession("k"); ok {
				t.Fatal("corrupt entry read as a session")
			}
			_, err := os.Stat(path)
			if removed := errors.Is(err, os.ErrNotExist); removed != tt.removed {
				t.Errorf("removed = %t, want %t", removed, tt.removed)
			}
		})
	}
}

func TestStoreInvalidKey(t *testing.T) {
	st := newTestStore(t)
	for _, key := range []string{"", "../escape", "a/b", `a\b`, ".hidden", "sp ace", strings.Repeat("k", 129), "nul\x00"} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			checks := map[string]error{
				"put":    st.putRoleSession(key, testSession("p")),
				"delete": st.deleteEntry(key),
			}
			_, checks["Lock"] = st.Lock(context.Background(), key)
			for op, err := range checks {
				if !errors.Is(err, ErrInvalidCacheKey) {
					t.Errorf("%s(%q) = %v, want ErrInvalidCacheKey", op, key, err)
				}
			}
			if _, ok := st.roleSession(key); ok {
				t.Errorf("roleSession(%q) hit", key)
			}
		})
	}
}

func TestStoreConcurrentPutGet(t *testing.T) {
	st := newTestStore(t)
	const writers, rounds = 4, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				s := testSession(strconv.Itoa(w) + "-" + strconv.Itoa(i))
				s.SessionToken = strings.Repeat("x", 4096)
				if err := st.putRoleSession("shared", s); err != nil {
					errs <- err
				}
				got, ok := st.roleSession("shared")
				switch {
				case !ok:
					errs <- errors.New("entry missing during concurrent puts")
				case len(got.SessionToken) != 4096:
					errs <- fmt.Errorf("torn read: token of %d bytes", len(got.SessionToken))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if diff := cmp.Diff([]string{"shared.json"}, dirNames(t, st.Dir)); diff != "" {
		t.Errorf("leftover files (-want +got):\n%s", diff)
	}
}

// increment adds one to a counter kept in a role session's key id, under
// the lock; without the lock concurrent increments would be lost.
func increment(ctx context.Context, st *Store) error {
	unlock, err := st.Lock(ctx, "counter")
	if err != nil {
		return err
	}
	defer unlock()
	n := 0
	if s, ok := st.roleSession("counter"); ok {
		n, _ = strconv.Atoi(s.AccessKeyID)
	}
	s := testSession("counter")
	s.AccessKeyID = strconv.Itoa(n + 1)
	return st.putRoleSession("counter", s)
}

func readCounter(t *testing.T, st *Store) int {
	t.Helper()
	s, ok := st.roleSession("counter")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStoreLockExcludesGoroutines(t *testing.T) {
	st := newTestStore(t)
	const workers, rounds = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Go(func() {
			for range rounds {
				if err := increment(context.Background(), st); err != nil {
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
	if got := readCounter(t, st); got != workers*rounds {
		t.Errorf("counter = %d, want %d: an increment ran outside the lock", got, workers*rounds)
	}
}

// The helper process for the cross-process tests: the test binary run
// again with SWITCHER_LOCK_HELPER set to "count N" or "hold".
func TestStoreLockHelperProcess(t *testing.T) {
	mode := os.Getenv("SWITCHER_LOCK_HELPER")
	if mode == "" {
		t.Skip("helper process for the cross-process lock tests")
	}
	st := &Store{Dir: os.Getenv("SWITCHER_LOCK_DIR"), Now: func() time.Time { return storeNow }}
	ctx := context.Background()
	switch verb, arg, _ := strings.Cut(mode, " "); verb {
	case "count":
		n, _ := strconv.Atoi(arg)
		for range n {
			if err := increment(ctx, st); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}
	case "hold":
		unlock, err := st.Lock(ctx, "counter")
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
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestStoreLockHelperProcess$")
	cmd.Env = append(os.Environ(), "SWITCHER_LOCK_HELPER="+mode, "SWITCHER_LOCK_DIR="+dir)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestStoreLockExcludesProcesses(t *testing.T) {
	st := newTestStore(t)
	const procs, rounds = 3, 20
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helperProcess(t, st.Dir, "count "+strconv.Itoa(rounds))
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for range rounds { // and this process too
		if err := increment(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	if got, want := readCounter(t, st), (procs+1)*rounds; got != want {
		t.Errorf("counter = %d, want %d: an increment ran outside the lock", got, want)
	}
}

func TestStoreLockHeldByAnotherProcess(t *testing.T) {
	st := newTestStore(t)
	if _, err := st.dir(); err != nil {
		t.Fatal(err)
	}
	cmd := helperProcess(t, st.Dir, "hold")
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
	if unlock, err := st.Lock(ctx, "counter"); !errors.Is(err, context.DeadlineExceeded) {
		if unlock != nil {
			unlock()
		}
		t.Fatalf("Lock while another process holds it = %v, want DeadlineExceeded", err)
	}

	_ = stdin.Close() // the helper releases and exits
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	unlock, err := st.Lock(context.Background(), "counter")
	if err != nil {
		t.Fatalf("Lock after the other process released: %v", err)
	}
	unlock()
	unlock() // a second call is harmless
}

func TestStoreLockCancelled(t *testing.T) {
	st := newTestStore(t)
	unlock, err := st.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		u, err := st.Lock(ctx, "k")
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

func TestStoreClean(t *testing.T) {
	past, future := storeNow.Add(-time.Minute).Format(time.RFC3339), storeNow.Add(time.Hour).Format(time.RFC3339)
	entries := map[string]string{
		"fresh":     `{"Kind":"role-session","Profile":"p","Expiration":"` + future + `"}`,
		"old":       `{"Kind":"role-session","Profile":"p","Expiration":"` + past + `"}`,
		"oldmfa":    `{"Kind":"mfa-session","Profile":"dev","Expiration":"` + past + `"}`,
		"noexpiry":  `{"Kind":"used-mfa-code"}`,
		"corrupt":   `{"expi`,
		"oldformat": `{"AccessKeyId":"ASIAEXAMPLE","Expiration":"` + future + `"}`,
	}
	tests := []struct {
		name        string
		all         bool
		wantEntries int
		wantTemps   []string
		want        []string
	}{
		{
			name: "expired", wantEntries: 4, wantTemps: []string{tempPrefix + "k.json-123"},
			want: []string{"config-x.idx", "fresh.json", "fresh.lock", "held.lock", "noexpiry.json", "noexpiry.lock", "notes.txt", tempPrefix + "k.json-456"},
		},
		{
			name: "all", all: true, wantEntries: 6, wantTemps: []string{tempPrefix + "k.json-123", tempPrefix + "k.json-456"},
			want: []string{"held.lock", "notes.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newTestStore(t)
			if _, err := st.dir(); err != nil {
				t.Fatal(err)
			}
			for key, raw := range entries {
				if err := os.WriteFile(filepath.Join(st.Dir, key+".json"), []byte(raw), 0o600); err != nil {
					t.Fatal(err)
				}
				unlock, err := st.Lock(context.Background(), key)
				if err != nil {
					t.Fatal(err)
				}
				unlock()
			}
			unlockHeld, err := st.Lock(context.Background(), "held")
			if err != nil {
				t.Fatal(err)
			}
			defer unlockHeld()
			for name, age := range map[string]time.Duration{"notes.txt": time.Hour, "config-x.idx": time.Hour,
				tempPrefix + "k.json-123": time.Hour, tempPrefix + "k.json-456": time.Minute} {
				path := filepath.Join(st.Dir, name)
				if err := os.WriteFile(path, []byte("secret"), 0o600); err != nil {
					t.Fatal(err)
				}
				mtime := storeNow.Add(-age)
				if err := os.Chtimes(path, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}

			rep, err := st.Clean(tt.all)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Entries != tt.wantEntries {
				t.Errorf("entries removed = %d, want %d", rep.Entries, tt.wantEntries)
			}
			var temps []string
			for _, tmp := range rep.Temps {
				temps = append(temps, filepath.Base(tmp.Path))
				if tmp.Size != int64(len("secret")) {
					t.Errorf("%s: size %d, want %d", tmp.Path, tmp.Size, len("secret"))
				}
			}
			sort.Strings(temps)
			if diff := cmp.Diff(tt.wantTemps, temps); diff != "" {
				t.Errorf("temporary files removed (-want +got):\n%s", diff)
			}
			sort.Strings(tt.want)
			if diff := cmp.Diff(tt.want, dirNames(t, st.Dir)); diff != "" {
				t.Errorf("files after Clean (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStoreCleanRemovesUntrusted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks and modes: unix")
	}
	st := newTestStore(t)
	if _, err := st.dir(); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(t.TempDir(), "planted")
	if err := os.WriteFile(planted, []byte(`{"Kind":"role-session"}`), 0o666); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(st.Dir, Key("link")+".json")
	if err := os.Symlink(planted, link); err != nil {
		t.Fatal(err)
	}
	rep, err := st.Clean(false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{link}, rep.Untrusted); diff != "" {
		t.Errorf("untrusted files removed (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(planted); err != nil {
		t.Errorf("the link's target was touched: %v", err)
	}
}

func TestStoreLockSurvivesCleanOfItsFile(t *testing.T) {
	// Clean may remove an unheld lock file; the next Lock must still
	// exclude the holder of a lock taken through the new file.
	st := newTestStore(t)
	unlock1, err := st.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	unlock1()
	if _, err := st.Clean(true); err != nil {
		t.Fatal(err)
	}
	unlock2, err := st.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock2()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if u, err := st.Lock(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			u()
		}
		t.Fatalf("second Lock = %v, want DeadlineExceeded", err)
	}
}

func TestStoreLiveProfiles(t *testing.T) {
	st := newTestStore(t)
	live := testSession("prod")
	gone := testSession("old")
	gone.Expiration = storeNow.Add(-time.Minute)
	for key, s := range map[string]*Session{"a": live, "b": gone} {
		if err := st.putRoleSession(key, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.putMFASession("m", "dev", devSerial, live.Credentials); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"prod": true}, st.LiveProfiles()); diff != "" {
		t.Errorf("LiveProfiles (-want +got):\n%s", diff)
	}
}

func TestStoreFastSessions(t *testing.T) {
	st := newTestStore(t)
	st.Build = []string{"version=test"}
	now := storeNow
	st.Now = func() time.Time { return now }
	cfg := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(cfg, []byte("[profile prod]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	settle := time.Now().Add(time.Minute) // the file's times are real
	now = settle
	d, err := st.Deps(DepsCredentialProcess, []string{"profile=prod"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := testSession("prod").Credentials
	c.Expiration = settle.Add(time.Hour)
	if err := st.PutFastSession(d, "prod", c); err != nil {
		t.Fatal(err)
	}
	if got, ok := st.FastSession(d, "prod", 15*time.Minute); !ok || got.AccessKeyID != c.AccessKeyID {
		t.Fatalf("FastSession = %v, %t; want the session", got, ok)
	}
	if _, ok := st.FastSession(d, "other", 15*time.Minute); ok {
		t.Error("served for another profile")
	}
	now = settle.Add(50 * time.Minute)
	if _, ok := st.FastSession(d, "prod", 15*time.Minute); ok {
		t.Error("served with 10 minutes left, under the 15 asked")
	}
	now = settle
	other, err := st.Deps(DepsCredentialProcess, []string{"profile=prod", "flag-region=us-east-1"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.FastSession(other, "prod", 15*time.Minute); ok {
		t.Error("served under other flags")
	}
	st2 := &Store{Dir: st.Dir, Now: st.Now, Build: []string{"version=another"}}
	if d2, err := st2.Deps(DepsCredentialProcess, []string{"profile=prod"}, cfg); err != nil {
		t.Fatal(err)
	} else if _, ok := st2.FastSession(d2, "prod", 15*time.Minute); ok {
		t.Error("served to another build")
	}
	if err := st.ForgetFastSessions("prod"); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.FastSession(d, "prod", 15*time.Minute); ok {
		t.Error("served after ForgetFastSessions")
	}
	// A file changed between the Deps and the put is not recorded.
	if err := os.WriteFile(cfg, []byte("[profile prod]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFastSession(d, "prod", c); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("put after a change = %v, want ErrNotRecorded", err)
	}
	// Nor is a file that changed less than RacyWindow ago.
	now = time.Now()
	fresh, err := st.Deps(DepsCredentialProcess, []string{"profile=prod"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutFastSession(fresh, "prod", c); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("put of an unsettled file = %v, want ErrNotRecorded", err)
	}
}

func TestStoreIndex(t *testing.T) {
	st := newTestStore(t)
	cfg := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(cfg, []byte("[profile prod]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return time.Now().Add(time.Minute) }
	d, err := st.Deps(DepsConfigIndex, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Index(d); ok {
		t.Fatal("index before any write")
	}
	if err := st.PutIndex(d, []byte("payload")); err != nil {
		t.Fatal(err)
	}
	got, ok := st.Index(d)
	if !ok || string(got) != "payload" {
		t.Fatalf("Index = %q, %t", got, ok)
	}
	path, _ := st.indexPath(d)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 1 // a flipped bit: the CRC fails
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Index(d); ok {
		t.Error("a damaged index was used")
	}
	if err := os.WriteFile(cfg, []byte("[profile prod]\nregion = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := st.Deps(DepsConfigIndex, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutIndex(d, []byte("payload")); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("PutIndex after the file changed = %v, want ErrNotRecorded", err)
	}
	if _, ok := st.Index(changed); ok {
		t.Error("index used for a changed file")
	}
}

// BenchmarkStoreLockUnlock is the cost of an uncontended per-chain lock.
func BenchmarkStoreLockUnlock(b *testing.B) {
	st := &Store{Dir: filepath.Join(b.TempDir(), "switcher"), Now: time.Now}
	for b.Loop() {
		unlock, err := st.Lock(context.Background(), "k")
		if err != nil {
			b.Fatal(err)
		}
		unlock()
	}
}
