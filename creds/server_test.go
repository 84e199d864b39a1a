package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/google/go-cmp/cmp"
)

const testToken = "test-token-of-at-least-32-bytes-xxxxxxxx"

// fixedSource hands out sessions that expire after life, counting calls.
type fixedSource struct {
	clock *clock
	life  time.Duration
	calls atomic.Int32
	err   error
	gate  chan struct{} // when set, a call waits for it
}

func (f *fixedSource) get(ctx context.Context, min time.Duration) (*Session, error) {
	n := f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return &Session{Profile: "prod", AccountID: "123456789012", Credentials: Credentials{
		AccessKeyID: fmt.Sprintf("ASIAFAKESERVER%06d", n), SecretAccessKey: "s", SessionToken: "t",
		Expiration: f.clock.Now().Add(f.life)}}, nil
}

func get(t *testing.T, h http.Handler, host, token, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://"+host+path, nil)
	req.Host = host
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServerRefusals(t *testing.T) {
	clk := newClock()
	src := &fixedSource{clock: clk, life: time.Hour}
	s := &Server{Source: src.get, Now: clk.Now, Token: testToken}
	tests := []struct {
		name, host, token, method, path string
		status                          int
	}{
		{"good", "127.0.0.1:9911", testToken, "GET", "/", http.StatusOK},
		{"localhost", "localhost:9911", testToken, "GET", "/", http.StatusOK},
		{"ipv6 loopback", "[::1]:9911", testToken, "GET", "/", http.StatusOK},
		{"no token", "127.0.0.1:9911", "", "GET", "/", http.StatusForbidden},
		{"wrong token", "127.0.0.1:9911", "Bearer " + testToken, "GET", "/", http.StatusForbidden},
		{"a token one byte short", "127.0.0.1:9911", testToken[:len(testToken)-1], "GET", "/", http.StatusForbidden},
		{"DNS rebinding: another host name", "attacker.example:9911", testToken, "GET", "/", http.StatusForbidden},
		{"a LAN address", "192.168.1.5:9911", testToken, "GET", "/", http.StatusForbidden},
		{"POST", "127.0.0.1:9911", testToken, "POST", "/", http.StatusMethodNotAllowed},
		{"another path", "127.0.0.1:9911", testToken, "GET", "/etc/passwd", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, s, tt.host, tt.token, tt.method, tt.path)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			body := rec.Body.String()
			if tt.status == http.StatusForbidden && strings.TrimSpace(body) != "forbidden" {
				t.Errorf("403 body %q: want no detail", body)
			}
			if tt.status != http.StatusOK && strings.Contains(body, "ASIA") {
				t.Errorf("a refused request got credentials: %q", body)
			}
			for k := range rec.Header() {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("CORS header %s", k)
				}
			}
		})
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("Source called %d times, want 1 (the first session is reused)", n)
	}
}

func TestListenLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		ln, err := ListenLoopback(context.Background(), addr)
		if err != nil {
			if addr == "[::1]:0" && strings.Contains(err.Error(), "cannot assign") {
				continue // no IPv6 here
			}
			t.Errorf("ListenLoopback(%s) = %v", addr, err)
			continue
		}
		ln.Close()
	}
	for _, addr := range []string{"0.0.0.0:9911", ":9911", "10.0.0.1:9911", "example.com:9911", "[::]:9911", "127.0.0.1"} {
		if ln, err := ListenLoopback(context.Background(), addr); err == nil {
			ln.Close()
			t.Errorf("ListenLoopback(%s) listened", addr)
		} else if !strings.Contains(err.Error(), "--addr") {
			t.Errorf("ListenLoopback(%s) = %v, want the reason", addr, err)
		}
	}
}

func TestServerToken(t *testing.T) {
	a, err := NewServerToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewServerToken()
	if len(a) < 43 || a == b {
		t.Errorf("tokens %q and %q: want 32 random bytes each", a, b)
	}
}

// TestServerSharesRefreshes: parallel requests while the session is being
// fetched share one refresh.
func TestServerSharesRefreshes(t *testing.T) {
	clk := newClock()
	src := &fixedSource{clock: clk, life: time.Hour, gate: make(chan struct{})}
	s := &Server{Source: src.get, Now: clk.Now, Token: testToken}
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for range 50 {
		wg.Go(func() { codes <- get(t, s, "127.0.0.1", testToken, "GET", "/").Code })
	}
	time.Sleep(50 * time.Millisecond) // let them queue behind the one refresh
	close(src.gate)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("status %d", c)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("%d refreshes for 50 parallel requests, want 1", n)
	}
}

// TestServerReportsRefreshFailure: when no session can be had (the MFA
// session ended and nobody can type a code), the client gets an error body
// it reports, and a person is told on stderr.
func TestServerReportsRefreshFailure(t *testing.T) {
	clk := newClock()
	src := &fixedSource{clock: clk, life: time.Hour, err: &NoMFAPromptError{Profile: "prod", Serial: "arn:aws:iam::123456789012:mfa/dev"}}
	var logs []string
	var mu sync.Mutex
	s := &Server{Source: src.get, Now: clk.Now, Token: testToken, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(f, a...))
	}}
	rec := get(t, s, "127.0.0.1", testToken, "GET", "/")
	var body serverError
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
	}
	if body.Code == "" || !strings.Contains(body.Message, "needs an mfa code") || !strings.Contains(body.Message, "switcher export prod --mfa-code") {
		t.Errorf("error body %+v", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) != 1 || !strings.Contains(logs[0], "needs an mfa code") {
		t.Errorf("stderr lines %q", logs)
	}
}

// TestServerRefreshAcrossExpiry: the real engine over the simulator, whose
// clock the test moves through several expiries of a one-hour chained
// session, while a client polls. The client never gets a session with 15
// minutes or less left, and STS sees one call per hop per refresh; the MFA
// session lives on, so no code is asked after the first.
func TestServerRefreshAcrossExpiry(t *testing.T) {
	se := newSimEnv(t)
	p := &simPrompter{sim: se.sim}
	eng := se.engine(p, nil, false)
	s := &Server{Now: se.clock.Now, Token: testToken, Source: func(ctx context.Context, min time.Duration) (*Session, error) {
		return eng.Assume(ctx, "admin-prod", Options{MinRemaining: min})
	}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	fetch := func() serverCredentials {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, hs.URL+"/", nil)
		req.Header.Set("Authorization", testToken)
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		var c serverCredentials
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	keys := map[string]bool{}
	for step := range 3 * 60 / 2 { // three hours, a poll every 2 minutes of the simulator's clock
		c := fetch()
		exp, err := time.Parse(time.RFC3339, c.Expiration)
		if err != nil {
			t.Fatal(err)
		}
		if left := exp.Sub(se.clock.Now()); left <= ServerMinRemaining {
			t.Fatalf("step %d: handed out a session with %s left", step, left)
		}
		if _, ok := se.sim.Session(c.AccessKeyID); !ok {
			t.Fatalf("step %d: a key the simulator did not issue", step)
		}
		keys[c.AccessKeyID] = true
		se.clock.Advance(2 * time.Minute)
		// A background refresh the poll started may still be running: let
		// it end before the clock moves on, as real minutes would.
		waitRefresh(t, s)
	}
	// admin-prod: GetSessionToken, then AssumeRole admin and prod per refresh.
	refreshes := len(keys)
	if refreshes < 4 {
		t.Fatalf("%d sessions in three hours of one-hour sessions", refreshes)
	}
	want := map[string]int{"GetSessionToken": 1, "AssumeRole": 2 * refreshes}
	got := map[string]int{"GetSessionToken": se.sim.Calls("GetSessionToken"), "AssumeRole": se.sim.Calls("AssumeRole")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("STS calls for %d refreshes (-want +got):\n%s", refreshes, diff)
	}
	if p.Count() != 1 {
		t.Errorf("%d MFA prompts, want 1: the MFA session outlives the role sessions", p.Count())
	}
}

func waitRefresh(t *testing.T, s *Server) {
	t.Helper()
	s.mu.Lock()
	done := s.pending
	s.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a refresh did not end")
		}
	}
}

// TestServerWithTheSDKsProvider: the SDK's own container provider reads
// the server.
func TestServerWithTheSDKsProvider(t *testing.T) {
	clk := newClock()
	src := &fixedSource{clock: clk, life: time.Hour}
	s := &Server{Source: src.get, Now: clk.Now, Token: testToken}
	hs := httptest.NewServer(s)
	defer hs.Close()
	p := endpointcreds.New(hs.URL+"/", func(o *endpointcreds.Options) { o.AuthorizationToken = testToken })
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIAFAKESERVER") || c.SessionToken != "t" || !c.CanExpire || c.AccountID != "123456789012" {
		t.Errorf("the SDK read %+v", c)
	}
	bad := endpointcreds.New(hs.URL+"/", func(o *endpointcreds.Options) { o.AuthorizationToken = "wrong" })
	if _, err := bad.Retrieve(context.Background()); err == nil {
		t.Error("a wrong token got credentials")
	}
	failing := &Server{Source: (&fixedSource{clock: clk, err: errors.New("sts is down")}).get, Now: clk.Now, Token: testToken}
	fs := httptest.NewServer(failing)
	defer fs.Close()
	_, err = endpointcreds.New(fs.URL+"/", func(o *endpointcreds.Options) { o.AuthorizationToken = testToken }).Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "sts is down") {
		t.Errorf("the SDK reports %v, want the server's reason", err)
	}
}
