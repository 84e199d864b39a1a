package creds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// BenchmarkServerParallel is one credential fetch over HTTP (keep-alive),
// from many clients at once: the server's share of `switcher serve`.
func BenchmarkServerParallel(b *testing.B) {
	clk := newClock()
	src := &fixedSource{clock: clk, life: time.Hour}
	s := &Server{Source: src.get, Now: clk.Now, Token: testToken}
	hs := httptest.NewServer(s)
	defer hs.Close()
	var once sync.Once
	b.ReportAllocs()
	b.SetParallelism(50)
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for pb.Next() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, hs.URL+"/", nil)
			req.Header.Set("Authorization", testToken)
			resp, err := c.Do(req)
			if err != nil {
				once.Do(func() { b.Error(err) })
				return
			}
			_, _ = resp.Body.Read(make([]byte, 512))
			resp.Body.Close()
		}
	})
}

// BenchmarkServeHTTP is the handler alone.
func BenchmarkServeHTTP(b *testing.B) {
	clk := newClock()
	src := &fixedSource{clock: clk, life: time.Hour}
	s := &Server{Source: src.get, Now: clk.Now, Token: testToken}
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9911/", nil)
	req.Header.Set("Authorization", testToken)
	b.ReportAllocs()
	for b.Loop() {
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}
