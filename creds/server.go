package creds

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The container credentials protocol: a client (every AWS SDK, the AWS CLI)
// sends GET to AWS_CONTAINER_CREDENTIALS_FULL_URI with the
// AWS_CONTAINER_AUTHORIZATION_TOKEN value as its Authorization header, and
// reads this JSON; an error is {"code": ..., "message": ...} with a 4xx or
// 5xx status.
type serverCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
}

type serverError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Server hands out one profile's session over the container credentials
// protocol on loopback, refreshing it ahead of expiry:
//
//   - it never hands out a session with MinRemaining or less left (the
//     SDKs refresh 15 minutes before Expiration);
//   - once the session has RefreshAhead or less left it is refreshed in
//     the background (requests keep getting the current one meanwhile);
//     every request, and a check every CheckEvery, can start that;
//   - one refresh runs at a time: parallel requests share it (and the
//     engine's lock has parallel processes share one STS call per hop);
//   - a refresh reuses the cached MFA session; when that has ended, Source
//     asks for a code where it can (the terminal, mfa_process) or fails,
//     and the client gets an error body the SDKs report.
//
// Security: every request needs the token (compared in constant time) and
// a Host header naming a loopback address or localhost (against DNS
// rebinding); a wrong one gets 403 and no detail. Only GET, no CORS
// headers, bounded headers and times. Nothing logs a key or the token.
//
//	srv := &creds.Server{Source: assume, Now: time.Now, Token: tok}
//	go srv.Run(ctx)
//	http.Serve(ln, srv)
type Server struct {
	// Source returns a session with more than min left (Engine.Assume with
	// Options.MinRemaining).
	Source func(ctx context.Context, min time.Duration) (*Session, error)
	Now    func() time.Time
	Token  string
	// Path is the one path served ("/" when empty).
	Path string
	// MinRemaining (default 15m), RefreshAhead (default 20m), CheckEvery
	// (default 30s) are the refresh schedule; RequestTimeout (default 90s)
	// bounds a request that must wait for a refresh.
	MinRemaining, RefreshAhead, CheckEvery, RequestTimeout time.Duration
	// Logf tells a person about refresh failures (stderr); nil: silent.
	Logf func(format string, args ...any)

	mu      sync.Mutex
	cur     *Session
	body    []byte        // cur as the response JSON, built once per session
	pending chan struct{} // closed when the refresh under way ends
	lastErr error
}

// Defaults of the schedule.
const (
	ServerMinRemaining = 15 * time.Minute
	ServerRefreshAhead = 20 * time.Minute
	serverCheckEvery   = 30 * time.Second
	serverRequestWait  = 90 * time.Second
)

func (s *Server) minRemaining() time.Duration { return orDuration(s.MinRemaining, ServerMinRemaining) }
func (s *Server) refreshAhead() time.Duration { return orDuration(s.RefreshAhead, ServerRefreshAhead) }

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// NewServerToken is a random token of 32 bytes, base64url.
func NewServerToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ListenLoopback listens on addr, which must name a loopback address
// (127.0.0.0/8, ::1) or localhost; anything else is refused with the
// reason: the server holds credentials.
func ListenLoopback(ctx context.Context, addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: want HOST:PORT (127.0.0.1:0 picks a free port): %w", addr, err)
	}
	if !loopbackHost(host) {
		return nil, fmt.Errorf("--addr %q: the credential server only listens on loopback (127.0.0.1, ::1 or localhost), so that no other machine can ask it for credentials", addr)
	}
	if host == "localhost" {
		host = "127.0.0.1" // not whatever localhost resolves to
	}
	return (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort(host, port))
}

// loopbackHost reports whether host is localhost or a loopback IP.
func loopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewHTTPServer is s behind an http.Server with bounded headers and times.
func (s *Server) NewHTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      orDuration(s.RequestTimeout, serverRequestWait) + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    8 << 10,
	}
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	host := r.Host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		host = hp
	}
	switch {
	case !loopbackHost(host), subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(s.Token)) != 1 || s.Token == "":
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case r.URL.Path != orPath(s.Path):
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), orDuration(s.RequestTimeout, serverRequestWait))
	defer cancel()
	body, err := s.response(ctx)
	if err != nil {
		writeServerJSON(w, http.StatusInternalServerError, serverError{Code: "SwitcherRefreshFailed", Message: "switcher: " + err.Error()})
		return
	}
	writeBody(w, http.StatusOK, body)
}

// response is the JSON of the session Session hands out, encoded once per
// session: a fetch costs a lock and a write.
func (s *Server) response(ctx context.Context) ([]byte, error) {
	sess, err := s.Session(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == sess && s.body != nil {
		return s.body, nil
	}
	out := serverCredentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, Token: sess.SessionToken, AccountID: sess.AccountID}
	if sess.Expires() {
		out.Expiration = sess.Expiration.UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if s.cur == sess {
		s.body = b
	}
	return b, nil
}

func orPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func writeServerJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"SwitcherError","message":"encoding"}`)
	}
	writeBody(w, status, b)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// usable reports whether sess may be handed out at now.
func (s *Server) usable(sess *Session, now time.Time) bool {
	return sess != nil && (!sess.Expires() || sess.TimeLeft(now) > s.minRemaining())
}

// Session is the session to hand out: the current one while it has more
// than MinRemaining left (starting a background refresh once it is within
// RefreshAhead), else the result of a refresh, shared with every request
// that waits for it.
func (s *Server) Session(ctx context.Context) (*Session, error) {
	s.mu.Lock()
	cur, now := s.cur, s.Now()
	if s.usable(cur, now) {
		if cur.Expires() && cur.TimeLeft(now) <= s.refreshAhead() {
			s.startRefreshLocked()
		}
		s.mu.Unlock()
		return cur, nil
	}
	done := s.startRefreshLocked()
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("no session in time: %w", ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usable(s.cur, s.Now()) {
		return s.cur, nil
	}
	if s.lastErr != nil {
		return nil, s.lastErr
	}
	return nil, errors.New("the refreshed session is too short to hand out")
}

// startRefreshLocked starts a refresh unless one is under way, and returns
// the channel closed when it ends. s.mu is held.
func (s *Server) startRefreshLocked() <-chan struct{} {
	if s.pending != nil {
		return s.pending
	}
	done := make(chan struct{})
	s.pending = done
	go s.refresh(done)
	return done
}

// refresh asks Source for a session with more than RefreshAhead left.
func (s *Server) refresh(done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), orDuration(s.RequestTimeout, serverRequestWait))
	defer cancel()
	sess, err := s.Source(ctx, s.refreshAhead())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = nil
	if err != nil {
		s.lastErr = err
		if s.Logf != nil {
			s.Logf("refreshing failed: %v", err)
		}
		return
	}
	s.cur, s.body, s.lastErr = sess, nil, nil
}

// Run refreshes ahead of expiry while nobody asks (every CheckEvery), until
// ctx ends. The first session is fetched at once.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(orDuration(s.CheckEvery, serverCheckEvery))
	defer t.Stop()
	for {
		s.mu.Lock()
		cur, now := s.cur, s.Now()
		if cur == nil && s.lastErr == nil || cur != nil && cur.Expires() && cur.TimeLeft(now) <= s.refreshAhead() {
			s.startRefreshLocked()
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prime fetches the first session, so a server starts only once it can
// hand one out.
func (s *Server) Prime(ctx context.Context) (*Session, error) {
	return s.Session(ctx)
}
