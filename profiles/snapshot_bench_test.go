package profiles

import (
	"fmt"
	"testing"
)

// BenchmarkLoadFromSnapshot is the warm counterpart of BenchmarkLoad: the
// config file's parse comes from a snapshot, the credentials file is parsed.
func BenchmarkLoadFromSnapshot(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		config, creds := genFiles(n)
		_, snap, err := LoadAndSnapshot("config", config, "credentials", creds)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := LoadFromSnapshot(snap, "credentials", creds)
				if err != nil {
					b.Fatal(err)
				}
				if len(c.Profiles()) != n {
					b.Fatalf("%d profiles, want %d", len(c.Profiles()), n)
				}
			}
			b.ReportMetric(float64(len(snap)), "snapshot-bytes")
		})
	}
}

// BenchmarkLoadAndSnapshot is the cold path: Load plus encoding the snapshot.
func BenchmarkLoadAndSnapshot(b *testing.B) {
	config, creds := genFiles(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := LoadAndSnapshot("config", config, "credentials", creds); err != nil {
			b.Fatal(err)
		}
	}
}
