package stssim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// How the console federation endpoint behaves (as signin.aws.amazon.com
// documents it): a sign-in token is valid for 15 minutes and once; the
// console session lasts SessionDuration (900..43200 s, only for role
// sessions), default 1 hour, or the federated user's credential lifetime.
const (
	signinTokenLifetime    = 15 * time.Minute
	defaultConsoleDuration = time.Hour
	consoleCookie          = "stssim-console"
)

type signin struct {
	arn     string
	expires time.Time // of the sign-in token, then of the console session
	console time.Duration
}

// federationSession is the JSON that getSigninToken takes in Session.
type federationSession struct {
	SessionID    string `json:"sessionId"`
	SessionKey   string `json:"sessionKey"`
	SessionToken string `json:"sessionToken"`
}

func federationError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}

// serveFederation answers Action=getSigninToken and Action=login.
func (s *Sim) serveFederation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		federationError(w, http.StatusBadRequest, "malformed request")
		return
	}
	switch r.Form.Get("Action") {
	case "getSigninToken":
		s.getSigninToken(w, r.Form)
	case "login":
		s.login(w, r, r.Form)
	default:
		federationError(w, http.StatusBadRequest, "unsupported Action; want getSigninToken or login")
	}
}

func (s *Sim) getSigninToken(w http.ResponseWriter, form url.Values) {
	var fs federationSession
	if err := json.Unmarshal([]byte(form.Get("Session")), &fs); err != nil || fs.SessionID == "" {
		federationError(w, http.StatusBadRequest, "Session must be JSON with sessionId, sessionKey and sessionToken")
		return
	}
	var console time.Duration
	if form.Has("SessionDuration") {
		n, err := strconv.Atoi(form.Get("SessionDuration"))
		if err != nil || n < minDuration || n > maxRoleDuration {
			federationError(w, http.StatusBadRequest, "SessionDuration must be 900 to 43200 seconds")
			return
		}
		console = time.Duration(n) * time.Second
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c, ok := s.keys[fs.SessionID]
	if !ok || !c.temporary ||
		subtle.ConstantTimeCompare([]byte(c.secret), []byte(fs.SessionKey)) != 1 ||
		subtle.ConstantTimeCompare([]byte(c.token), []byte(fs.SessionToken)) != 1 {
		federationError(w, http.StatusForbidden, "the session credentials are invalid")
		return
	}
	if !now.Before(c.expiration) {
		federationError(w, http.StatusForbidden, "the session credentials are expired")
		return
	}
	switch c.kind {
	case KindAssumedRole:
		if console == 0 {
			console = defaultConsoleDuration
		}
	case KindFederatedUser:
		if console != 0 {
			federationError(w, http.StatusBadRequest, "SessionDuration is not allowed with GetFederationToken credentials")
			return
		}
		console = c.expiration.Sub(now)
	default:
		federationError(w, http.StatusForbidden, "only AssumeRole and GetFederationToken credentials can sign in to the console")
		return
	}
	token := randomSecret() + randomID(24)
	s.tokens[token] = signin{arn: c.arn, expires: now.Add(signinTokenLifetime), console: console}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct{ SigninToken string }{token})
}

func (s *Sim) login(w http.ResponseWriter, r *http.Request, form url.Values) {
	dest, err := url.Parse(form.Get("Destination"))
	if err != nil || !allowedDestination(dest, r.Host) {
		federationError(w, http.StatusBadRequest, "Destination must be an absolute http(s) URL on this host or an AWS console host")
		return
	}
	s.mu.Lock()
	now := s.now()
	token := form.Get("SigninToken")
	in, ok := s.tokens[token]
	delete(s.tokens, token)
	var cookie string
	if ok && now.Before(in.expires) {
		cookie = randomID(32)
		s.consoles[cookie] = signin{arn: in.arn, expires: now.Add(in.console)}
	}
	s.mu.Unlock()
	if cookie == "" {
		federationError(w, http.StatusForbidden, "the sign-in token is invalid or expired")
		return
	}
	// Secure only where the console is reached over https: tests serve
	// plain http, and a browser drops a Secure cookie there.
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // G124: Secure follows the scheme, see above
		Name: consoleCookie, Value: cookie, Path: "/",
		HttpOnly: true, Secure: dest.Scheme == "https", SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, dest.String(), http.StatusFound) //nolint:gosec // G710: allowedDestination admits only this host and AWS console hosts
}

// allowedDestination admits what the real endpoint would send a browser
// to (the AWS console) and this simulator's own host (its ConsolePath).
func allowedDestination(dest *url.URL, host string) bool {
	if dest.Scheme != "https" && dest.Scheme != "http" || dest.Host == "" || dest.User != nil {
		return false
	}
	if dest.Host == host {
		return true
	}
	h := dest.Hostname()
	return dest.Scheme == "https" && (h == "console.aws.amazon.com" || strings.HasSuffix(h, ".console.aws.amazon.com"))
}

// serveConsole is a stand-in console home page: 200 naming the signed-in
// identity, 401 without a live console session.
func (s *Sim) serveConsole(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(consoleCookie)
	if err != nil {
		federationError(w, http.StatusUnauthorized, "not signed in")
		return
	}
	s.mu.Lock()
	in, ok := s.consoles[ck.Value]
	now := s.now()
	s.mu.Unlock()
	if !ok || !now.Before(in.expires) {
		federationError(w, http.StatusUnauthorized, "not signed in")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "AWS console (stssim): signed in as %s\n", in.arn)
}
