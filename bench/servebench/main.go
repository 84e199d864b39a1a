// Command servebench measures `switcher serve` for bench/run: it starts the
// real binary on a profile, then
//
//   - runs -clients concurrent SDK-style clients (each its own keep-alive
//     connection, made by one untimed request first; the Authorization
//     header; the JSON decoded) of -requests requests each, all at once,
//     and reports p50, p99, max and errors;
//   - times one credential fetch from the server against one cache-hit
//     `switcher credential-process` process, alternately, -runs times, and
//     reports the medians and the median of the paired ratios.
//
// It prints Markdown table rows.
//
//	servebench -switcher bin/switcher -profile bench-target -- --endpoint-url URL --config C --credentials K
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("switcher", "switcher", "the switcher binary")
	profile := flag.String("profile", "", "profile to serve")
	clients := flag.Int("clients", 100, "concurrent clients")
	requests := flag.Int("requests", 100, "requests per client")
	runs := flag.Int("runs", 100, "alternating runs of fetch vs credential-process")
	flag.Parse()
	extra := flag.Args() // global flags for switcher (endpoint, files)
	if *profile == "" {
		fmt.Fprintln(os.Stderr, "servebench: -profile is required")
		os.Exit(2)
	}
	if err := run(*bin, *profile, extra, *clients, *requests, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "servebench:", err)
		os.Exit(1)
	}
}

func run(bin, profile string, extra []string, clients, requests, runs int) error {
	args := append(append([]string{}, extra...), "serve", profile, "--format", "json")
	cmd := exec.CommandContext(context.Background(), bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	var vars map[string]*string
	if err := json.NewDecoder(bufio.NewReader(out)).Decode(&vars); err != nil {
		return fmt.Errorf("reading serve's exports: %w", err)
	}
	uri, token := deref(vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"]), deref(vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
	if uri == "" || token == "" {
		return errors.New("serve printed no URI or token")
	}
	fmt.Println("| measure | value | target | met |")
	fmt.Println("| --- | ---: | --- | --- |")
	for _, n := range []int{clients, max(1, clients/10)} {
		report(uri, token, n, requests, n == clients)
	}
	return compare(bin, profile, extra, uri, token, runs)
}

// report runs n clients and prints their latencies; the target applies to
// the run of the -clients the goal names.
func report(uri, token string, n, requests int, goal bool) {
	start := time.Now()
	lat, errs := load(uri, token, n, requests)
	wall := time.Since(start)
	slices.Sort(lat)
	if len(lat) == 0 {
		lat = []time.Duration{0}
	}
	target, met := "-", "-"
	if goal {
		target, met = "< 5 ms, 0 errors", "yes"
		if errs > 0 || pct(lat, 99) > 5*time.Millisecond {
			met = "**no**"
		}
	}
	what := fmt.Sprintf("%d clients × %d requests", n, requests)
	fmt.Printf("| %s: p50 | %s | - | - |\n", what, ms(pct(lat, 50)))
	fmt.Printf("| %s: p99 | %s | %s | %s |\n", what, ms(pct(lat, 99)), target, met)
	fmt.Printf("| %s: max | %s | - | - |\n", what, ms(lat[len(lat)-1]))
	fmt.Printf("| %s: errors | %d | 0 | %s |\n", what, errs, map[bool]string{true: "yes", false: "**no**"}[errs == 0])
	fmt.Printf("| %s: throughput | %.0f requests/s | - | - |\n", what, float64(n*requests)/wall.Seconds())
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fetch is one SDK-style request: GET with the token, the JSON decoded.
func fetch(c *http.Client, uri, token string) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, uri, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var v struct{ AccessKeyId, Expiration string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || v.AccessKeyId == "" {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// load runs the concurrent clients and returns every latency and the
// number of errors.
func load(uri, token string, clients, requests int) ([]time.Duration, int) {
	var (
		mu   sync.Mutex
		all  = make([]time.Duration, 0, clients*requests)
		errs int
		wg   sync.WaitGroup
	)
	start := make(chan struct{})
	for range clients {
		wg.Go(func() {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
			mine := make([]time.Duration, 0, requests)
			bad := 0
			// One untimed request first: the connection is made, as a
			// long-lived SDK client has it (the connect cost is what
			// compare measures).
			if err := fetch(c, uri, token); err != nil {
				bad++
			}
			<-start
			for range requests {
				t := time.Now()
				if err := fetch(c, uri, token); err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all, errs = append(all, mine...), errs+bad
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return all, errs
}

// compare times one fetch (a fresh connection, as a new SDK client makes)
// against one cache-hit credential-process process, alternately.
func compare(bin, profile string, extra []string, uri, token string, runs int) error {
	cp := append(append([]string{}, extra...), "credential-process", profile)
	var fetches, procs, ratios []float64
	for i := range runs {
		one := func() (time.Duration, error) {
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
			t := time.Now()
			err := fetch(c, uri, token)
			return time.Since(t), err
		}
		proc := func() (time.Duration, error) {
			t := time.Now()
			err := exec.CommandContext(context.Background(), bin, cp...).Run()
			return time.Since(t), err
		}
		var f, p time.Duration
		var err error
		if i%2 == 0 {
			if f, err = one(); err == nil {
				p, err = proc()
			}
		} else {
			if p, err = proc(); err == nil {
				f, err = one()
			}
		}
		if err != nil {
			return err
		}
		fetches, procs = append(fetches, float64(f)), append(procs, float64(p))
		ratios = append(ratios, float64(f)/float64(p))
	}
	r := median(ratios)
	met := "yes"
	if r > 0.1 {
		met = "**no**"
	}
	fmt.Printf("| one fetch from serve (new connection): median | %s | - | - |\n", ms(time.Duration(median(fetches))))
	fmt.Printf("| one cache-hit credential-process process: median | %s | - | - |\n", ms(time.Duration(median(procs))))
	fmt.Printf("| fetch / process, median of paired ratios (%d runs) | %.3f× | ≤ 0.1× | %s |\n", runs, r, met)
	return nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
