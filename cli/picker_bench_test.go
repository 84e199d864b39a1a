package cli

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkPickerRows is the backend's part of the picker's first frame
// at 10,000 and 100,000 profiles with the rows index warm: the first
// screenful of rows (the model's part is ui's BenchmarkFirstFrame;
// bench/run times the whole process in a tmux pane). BenchmarkPickerRest
// is the rest, after the first frame.
func BenchmarkPickerRows(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("%d", n), func(b *testing.B) {
			env := benchFiles(b, n)
			now := time.Now().Add(time.Minute) // the files have settled
			getenv := func(k string) string { return env[k] }
			warm := newFactory(testDeps(strings.NewReader(""), io.Discard, io.Discard, getenv, func() time.Time { return now }))
			if _, err := warm.listRows(); err != nil {
				b.Fatal(err)
			}
			warm.bg.Wait()
			b.ReportAllocs()
			for b.Loop() {
				f := newFactory(testDeps(strings.NewReader(""), io.Discard, io.Discard, getenv, func() time.Time { return now }))
				be, err := f.uiBackend()
				if err != nil {
					b.Fatal(err)
				}
				page, err := be.Rows()
				if err != nil || page.Total != n || len(page.Rows) != firstScreenRows {
					b.Fatalf("%d of %d rows, %v", len(page.Rows), page.Total, err)
				}
			}
		})
	}
}

func BenchmarkPickerRest(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("%d", n), func(b *testing.B) {
			env := benchFiles(b, n)
			now := time.Now().Add(time.Minute)
			getenv := func(k string) string { return env[k] }
			warm := newFactory(testDeps(strings.NewReader(""), io.Discard, io.Discard, getenv, func() time.Time { return now }))
			if _, err := warm.listRows(); err != nil {
				b.Fatal(err)
			}
			warm.bg.Wait()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				f := newFactory(testDeps(strings.NewReader(""), io.Discard, io.Discard, getenv, func() time.Time { return now }))
				be, err := f.uiBackend()
				if err != nil {
					b.Fatal(err)
				}
				page, err := be.Rows()
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				rows, err := page.Rest()
				if err != nil || len(rows) != n {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
}
