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
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return now }}
	if code, ok := a.serveFast(args); ok {
		if code != exitOK {
			b.Fatalf("fast path: exit %d", code)
		}
		return
	}
	root := a.rootCmd()
	root.SetArgs(args)
	var stderr bytes.Buffer
	root.SetOut(&stderr)
	root.SetErr(&stderr)
	if code := a.report(root.ExecuteContext(context.Background())); code != exitOK {
		b.Fatalf("switcher %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
}

// BenchmarkServeFast is a credential-process cache hit in process: parse
// the arguments, stat both files, hash the key, read the entry, print.
func BenchmarkServeFast(b *testing.B) {
	env := benchFiles(b, 10000)
	now := time.Now()
	st, err := (&app{getenv: func(k string) string { return env[k] }}).fastKey(fastRequest{profile: "p-9999"})
	if err != nil {
		b.Fatal(err)
	}
	cache, err := (&app{getenv: func(k string) string { return env[k] }}).fastCache()
	if err != nil {
		b.Fatal(err)
	}
	e := fastEntry{Format: fastPathFormat, Profile: "p-9999"}
	e.AccessKeyID, e.SecretAccessKey, e.SessionToken = "ASIAFAKE000000000001", "fake", "fake-token"
	e.Expiration = now.Add(time.Hour)
	if err := cache.Put(st.key, e); err != nil {
		b.Fatal(err)
	}
	args := []string{"credential-process", "p-9999"}
	b.ReportAllocs()
	for b.Loop() {
		a := &app{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return env[k] }, now: func() time.Time { return now }}
		if _, ok := a.serveFast(args); !ok {
			b.Fatal("fast path declined")
		}
	}
}

// BenchmarkLoadConfig is loadConfig at 10,000 profiles: parsing (cold, the
// index removed each time) and from the index (warm).
func BenchmarkLoadConfig(b *testing.B) {
	env := benchFiles(b, 10000)
	a := &app{stderr: io.Discard, getenv: func(k string) string { return env[k] }, now: func() time.Time { return time.Now().Add(time.Minute) }}
	dir, err := a.cacheDir()
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
				cfg, err := a.loadConfig()
				if err != nil {
					b.Fatal(err)
				}
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
