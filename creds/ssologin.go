package creds

import (
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // the AWS CLI names its SSO cache files by the SHA-1 of the session; not for security
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

// SSOLogin logs in to IAM Identity Center through the SDK's ssooidc
// client: it registers a public client, then runs the authorization code
// flow with PKCE on a loopback redirect (the browser comes back to
// 127.0.0.1), or, with DeviceCode, the device authorization flow for a
// machine with no browser. The token is cached where and how the AWS CLI
// caches it (~/.aws/sso/cache/<SHA-1 of the session name, or of the start
// URL for a profile with its own sso_start_url>.json, 0600), so `aws` and
// switcher share one login, with the refresh token and client that let
// both refresh it without the browser.
type SSOLogin struct {
	Session  string // the [sso-session NAME]; "" for a profile's own sso_start_url
	StartURL string
	Region   string
	Scopes   []string // sso_registration_scopes; default sso:account:access
	// Endpoint is the SSO OIDC endpoint ("" for IAM Identity Center's in
	// Region); HTTPClient its client (nil: NewHTTPClient()).
	Endpoint   string
	HTTPClient *http.Client
	Now        func() time.Time
	CacheDir   string // the AWS CLI's SSO cache, ~/.aws/sso/cache
	DeviceCode bool
	// Open opens url in the browser; Show tells the person the URL (and
	// the code to check or type), always, so that they can open it by
	// hand when no browser opens.
	Open func(ctx context.Context, url string) error
	Show func(url, code string)
	// Timeout bounds the wait for the person (default 5 minutes).
	Timeout time.Duration
}

// SSOToken is a cached IAM Identity Center access token, in the AWS CLI's
// JSON (the SDK's ssocreds reads the same fields).
type SSOToken struct {
	StartURL              string `json:"startUrl"`
	Region                string `json:"region"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"` // RFC 3339, UTC
	ClientID              string `json:"clientId,omitempty"`
	ClientSecret          string `json:"clientSecret,omitempty"`
	RegistrationExpiresAt string `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string `json:"refreshToken,omitempty"`
}

// Expires is when the access token expires (zero when unreadable).
func (t SSOToken) Expires() time.Time {
	e, _ := time.Parse(time.RFC3339, t.ExpiresAt)
	return e
}

// ErrSSOLoginDenied: the person refused the login in the browser.
var ErrSSOLoginDenied = errors.New("the sign-in was refused")

// SSOCachePath is where the AWS CLI caches the token of key (an
// sso-session name, or a start URL).
func SSOCachePath(cacheDir, key string) string {
	sum := sha1.Sum([]byte(key)) //nolint:gosec // the AWS CLI's file name
	return filepath.Join(cacheDir, hex.EncodeToString(sum[:])+".json")
}

func (l SSOLogin) cacheKey() string {
	if l.Session != "" {
		return l.Session
	}
	return l.StartURL
}

// Path is the token's cache file.
func (l SSOLogin) Path() string { return SSOCachePath(l.CacheDir, l.cacheKey()) }

func (l SSOLogin) scopes() []string {
	if len(l.Scopes) == 0 {
		return []string{"sso:account:access"}
	}
	return l.Scopes
}

func (l SSOLogin) client() *ssooidc.Client {
	opts := ssooidc.Options{Region: l.Region, HTTPClient: l.HTTPClient}
	if l.HTTPClient == nil {
		opts.HTTPClient = NewHTTPClient()
	}
	if l.Endpoint != "" {
		opts.BaseEndpoint = aws.String(l.Endpoint)
	}
	return ssooidc.New(opts)
}

// oidcBase is the OIDC endpoint the browser's /authorize page is under.
func (l SSOLogin) oidcBase() string {
	if l.Endpoint != "" {
		return strings.TrimRight(l.Endpoint, "/")
	}
	return "https://oidc." + l.Region + ".amazonaws.com"
}

// Cached is the cached token, when there is one that has not expired.
func (l SSOLogin) Cached() (SSOToken, bool) {
	tok, err := readSSOToken(l.Path())
	return tok, err == nil && tok.AccessToken != "" && l.Now().Add(time.Minute).Before(tok.Expires())
}

func readSSOToken(path string) (SSOToken, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return SSOToken{}, err
	}
	var tok SSOToken
	err = json.Unmarshal(data, &tok)
	return tok, err
}

// Refresh renews the cached token with its refresh token, without the
// browser; ok is false when there is nothing to refresh with.
func (l SSOLogin) Refresh(ctx context.Context) (tok SSOToken, ok bool, err error) {
	old, err := readSSOToken(l.Path())
	if err != nil || old.RefreshToken == "" || old.ClientID == "" || old.ClientSecret == "" {
		return SSOToken{}, false, nil
	}
	if exp, err := time.Parse(time.RFC3339, old.RegistrationExpiresAt); err == nil && !l.Now().Before(exp) {
		return SSOToken{}, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := l.client().CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(old.ClientID), ClientSecret: aws.String(old.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(old.RefreshToken),
	})
	if err != nil {
		return SSOToken{}, false, fmt.Errorf("refreshing the SSO token: %w", explainOIDC(err))
	}
	tok = l.token(out, old.ClientID, old.ClientSecret, old.RegistrationExpiresAt, old.RefreshToken)
	return tok, true, l.store(tok)
}

// Run logs in (the browser or the device flow) and caches the token.
func (l SSOLogin) Run(ctx context.Context) (SSOToken, error) {
	if l.StartURL == "" || l.Region == "" {
		return SSOToken{}, errors.New("an SSO login needs sso_start_url and sso_region")
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		tok SSOToken
		err error
	)
	if l.DeviceCode {
		tok, err = l.device(ctx)
	} else {
		tok, err = l.browser(ctx)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return SSOToken{}, fmt.Errorf("the SSO login was not completed within %s", timeout)
		}
		return SSOToken{}, err
	}
	return tok, l.store(tok)
}

// register registers a public OIDC client for the grants.
func (l SSOLogin) register(ctx context.Context, grants, redirects []string) (*ssooidc.RegisterClientOutput, error) {
	in := &ssooidc.RegisterClientInput{ClientName: aws.String("switcher"), ClientType: aws.String("public"), Scopes: l.scopes()}
	if len(grants) > 0 {
		in.GrantTypes, in.RedirectUris, in.IssuerUrl = grants, redirects, aws.String(l.StartURL)
	}
	out, err := l.client().RegisterClient(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("registering with IAM Identity Center in %s: %w", l.Region, explainOIDC(err))
	}
	return out, nil
}

// browser is the authorization code flow with PKCE.
func (l SSOLogin) browser(ctx context.Context) (SSOToken, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return SSOToken{}, fmt.Errorf("listening for the browser's answer: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://%s/oauth/callback", ln.Addr())
	reg, err := l.register(ctx, []string{"authorization_code", "refresh_token"}, []string{redirect})
	if err != nil {
		return SSOToken{}, err
	}
	verifier, state := randomURLSafe(64), randomURLSafe(24)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
		"state": {state}, "code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"scopes": {strings.Join(l.scopes(), " ")},
	}
	authorize := l.oidcBase() + "/authorize?" + q.Encode()
	code, err := l.awaitCode(ctx, ln, state, authorize)
	if err != nil {
		return SSOToken{}, err
	}
	out, err := l.client().CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("authorization_code"),
		Code: aws.String(code), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
	})
	if err != nil {
		return SSOToken{}, fmt.Errorf("getting the SSO token: %w", explainOIDC(err))
	}
	return l.token(out, aws.ToString(reg.ClientId), aws.ToString(reg.ClientSecret), time.Unix(reg.ClientSecretExpiresAt, 0).UTC().Format(time.RFC3339), ""), nil
}

// awaitCode serves the loopback redirect until the browser brings the
// authorization code (or an error) back.
func (l SSOLogin) awaitCode(ctx context.Context, ln net.Listener, state, authorize string) (string, error) {
	type answer struct {
		code string
		err  error
	}
	got := make(chan answer, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var a answer
		switch {
		case q.Get("state") != state:
			http.Error(w, "this is not the sign-in switcher started", http.StatusBadRequest)
			return
		case q.Get("error") == "access_denied":
			a.err = ErrSSOLoginDenied
		case q.Get("error") != "":
			a.err = fmt.Errorf("the sign-in failed: %s %s", q.Get("error"), q.Get("error_description"))
		default:
			a.code = q.Get("code")
		}
		msg := "Signed in: you can close this tab and return to the terminal.\n"
		if a.err != nil {
			msg = "The sign-in did not complete: see the terminal.\n" // nothing of the query is echoed
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, msg)
		select {
		case got <- a:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if l.Show != nil {
		l.Show(authorize, "")
	}
	if l.Open != nil {
		_ = l.Open(ctx, authorize) // Show has given the URL for opening by hand
	}
	select {
	case a := <-got:
		return a.code, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// device is the device authorization flow.
func (l SSOLogin) device(ctx context.Context) (SSOToken, error) {
	reg, err := l.register(ctx, nil, nil)
	if err != nil {
		return SSOToken{}, err
	}
	c := l.client()
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(l.StartURL),
	})
	if err != nil {
		return SSOToken{}, fmt.Errorf("starting the device login at %s: %w", l.StartURL, explainOIDC(err))
	}
	verify := aws.ToString(auth.VerificationUriComplete)
	if verify == "" {
		verify = aws.ToString(auth.VerificationUri)
	}
	if l.Show != nil {
		l.Show(verify, aws.ToString(auth.UserCode))
	}
	if l.Open != nil {
		_ = l.Open(ctx, verify)
	}
	interval := time.Duration(max(auth.Interval, 1)) * time.Second
	for {
		out, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: auth.DeviceCode,
		})
		var pending *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		switch {
		case err == nil:
			return l.token(out, aws.ToString(reg.ClientId), aws.ToString(reg.ClientSecret), time.Unix(reg.ClientSecretExpiresAt, 0).UTC().Format(time.RFC3339), ""), nil
		case errors.As(err, &slow):
			interval += 5 * time.Second
		case !errors.As(err, &pending):
			if ctx.Err() != nil {
				return SSOToken{}, ctx.Err()
			}
			return SSOToken{}, fmt.Errorf("getting the SSO token: %w", explainOIDC(err))
		}
		select {
		case <-ctx.Done():
			return SSOToken{}, ctx.Err()
		case <-time.After(interval):
		}
	}
}

func (l SSOLogin) token(out *ssooidc.CreateTokenOutput, clientID, secret, regExpires, oldRefresh string) SSOToken {
	tok := SSOToken{
		StartURL: l.StartURL, Region: l.Region, AccessToken: aws.ToString(out.AccessToken),
		ExpiresAt:    l.Now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Format(time.RFC3339),
		RefreshToken: aws.ToString(out.RefreshToken),
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = oldRefresh
	}
	if l.Session != "" { // the SDK refreshes sso-session tokens only
		tok.ClientID, tok.ClientSecret, tok.RegistrationExpiresAt = clientID, secret, regExpires
	} else {
		tok.RefreshToken = ""
	}
	return tok
}

// store writes the token as the AWS CLI does: 0600, atomically, in a 0700
// directory (an existing one is left as it is: it is the AWS CLI's too).
func (l SSOLogin) store(tok SSOToken) error {
	data, err := json.MarshalIndent(tok, "", "  ") //nolint:gosec // the token cache file is where the token belongs (0600)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(l.CacheDir, 0o700); err != nil {
		return fmt.Errorf("the SSO cache %s: %w", l.CacheDir, err)
	}
	if err := WriteFileAtomic(l.Path(), data, 0o600); err != nil {
		return fmt.Errorf("caching the SSO token: %w", err)
	}
	return nil
}

func randomURLSafe(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// explainOIDC keeps an OIDC error's type and description, never a token.
func explainOIDC(err error) error {
	var denied *oidctypes.AccessDeniedException
	var expired *oidctypes.ExpiredTokenException
	switch {
	case errors.As(err, &denied):
		return ErrSSOLoginDenied
	case errors.As(err, &expired):
		return errors.New("the login expired before it was completed: run it again")
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return fmt.Errorf("IAM Identity Center does not answer: %w", err)
	}
	return err
}
