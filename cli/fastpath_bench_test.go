package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switcher-cli/switcher/creds"
)

// benchFiles writes a config of n profiles (the shape of bench/gen, kept
// small here) into dir with settled times, and returns the environment.
func benchFiles(b *testing.B, n int) map[string]string {
	b.Helper()
	home := b.TempDir()
	var cfg, cred strings.Builder
	for i := range n {
		switch i % 50 {
		case 0:
			fmt.Fprintf(&cfg, "[profile user-%d]\nregion = us-east-1\n\n", i)
			fmt.Fprintf(&cred, "[user-%d]\naws_access_key_id = AKIAFAKE%012d\naws_secret_access_key = fake\n\n", i, i)
		case 1:
			fmt.Fprintf(&cfg, "[profile hub-%d]\nrole_arn = arn:aws:iam::%012d:role/Hub\nsource_profile = user-%d\n\n", i, 200000000000+i, i-1)
		default:
			fmt.Fprintf(&cfg, "[profile p-%d]\nrole_arn = arn:aws:iam::%012d:role/Admin\nsource_profile = hub-%d\nregion = eu-west-1\n\n", i, 300000000000+i, i-i%50+1)
		}
	}
	old := time.Now().Add(-time.Hour)
	for name, data := range map[string]string{"config": cfg.String(), "credentials": cred.String()} {
		p := filepath.Join(home, ".aws", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			b.Fatal(err)
		}
	}
	return map[string]string{"HOME": home, "USER": "bench"}
}

func benchRun(b *testing.B, env map[string]string, now time.Time, args ...string) {
	b.Helper()
	var stderr bytes.Buffer
	d := testDeps(strings.NewReader(""), io.Discard, &stderr, func(k string) string { return env[k] }, func() time.Time { return now })
	if code, ok := serveFast(args, d); ok {
		if code != exitOK {
			b.Fatalf("fast path: exit %d", code)
		}
		return
	}
	if code := Run(context.Background(), args, d); code != exitOK {
		b.Fatalf("switcher %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
}

// BenchmarkServeFast is a credential-process cache hit in process: parse
// the arguments, stat both files, hash the key, read the entry, print.
func BenchmarkServeFast(b *testing.B) {
	env := benchFiles(b, 10000)
	now := time.Now().Add(time.Minute) // the files have settled
	f := newFactory(testDeps(strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] }, func() time.Time { return now }))
	opts := &CredentialProcessOptions{Profile: "p-9999"}
	st, deps, err := f.fastDeps(opts)
	if err != nil {
		b.Fatal(err)
	}
	c := creds.Credentials{AccessKeyID: "ASIAFAKE000000000001", SecretAccessKey: "fake", SessionToken: "fake-token", Expiration: now.Add(time.Hour)}
	if err := st.PutFastSession(deps, opts.Profile, c); err != nil {
		b.Fatal(err)
	}
	args := []string{"credential-process", "p-9999"}
	d := testDeps(strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] }, func() time.Time { return now })
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := serveFast(args, d); !ok {
			b.Fatal("fast path declined")
		}
	}
}

// BenchmarkLoadConfig is loadConfig at 10,000 profiles: parsing (cold, the
// index removed each time) and from the index (warm).
func BenchmarkLoadConfig(b *testing.B) {
	env := benchFiles(b, 10000)
	a := newFactory(testDeps(strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] }, func() time.Time { return time.Now().Add(time.Minute) }))
	dir, err := a.CacheDir()
	if err != nil {
		b.Fatal(err)
	}
	for _, warm := range []bool{false, true} {
		b.Run(map[bool]string{false: "cold", true: "warm"}[warm], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !warm {
					b.StopTimer()
					paths, _ := filepath.Glob(filepath.Join(dir, "*.idx"))
					for _, p := range paths {
						_ = os.Remove(p)
					}
					b.StartTimer()
				}
				cfg, err := a.LoadConfig()
				if err != nil {
					b.Fatal(err)
				}
				a.bg.Wait()
				if len(cfg.Profiles()) != 10000 {
					b.Fatalf("%d profiles", len(cfg.Profiles()))
				}
			}
		})
	}
}

// BenchmarkListJSON is `switcher list --json` at 10,000 profiles in
// process, with the config index warm.
func BenchmarkListJSON(b *testing.B) {
	env := benchFiles(b, 10000)
	now := time.Now().Add(time.Minute)      // the files have settled
	benchRun(b, env, now, "list", "--json") // writes the index
	b.ReportAllocs()
	for b.Loop() {
		benchRun(b, env, now, "list", "--json")
	}
}
