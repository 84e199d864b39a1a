package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkListJSONCold is `switcher list --json` at 10,000 profiles in
// process with no index: the config and the rows are parsed and planned,
// and both indexes written, on every run.
func BenchmarkListJSONCold(b *testing.B) {
	env := benchFiles(b, 10000)
	now := time.Now().Add(time.Minute) // the files have settled
	dir := filepath.Join(env["HOME"], ".cache", "switcher")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		paths, err := filepath.Glob(filepath.Join(dir, "*.idx"))
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range paths {
			if err := os.Remove(p); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		benchRun(b, env, now, "list", "--json")
	}
}

// BenchmarkListJSONNoCache is `switcher list --json --no-cache` at 10,000
// profiles in process: parse and summarize, no index, no cache.
func BenchmarkListJSONNoCache(b *testing.B) {
	env := benchFiles(b, 10000)
	now := time.Now().Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		benchRun(b, env, now, "list", "--json", "--no-cache")
	}
}
