package creds

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/switcher-cli/switcher/creds/stssim"
)

// ssoSim is the simulator with one SSO account, served over HTTP.
func ssoSim(t *testing.T) (*stssim.Sim, *httptest.Server) {
	t.Helper()
	sim := stssim.New()
	if err := sim.AddSSOAccount(stssim.SSOAccount{ID: "111111111111", Name: "Dev", Roles: []string{"Admin"}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// fakeBrowser opens a URL the way a person's browser would: it follows
// the sign-in page's redirect back to switcher's loopback listener.
func fakeBrowser(t *testing.T) func(context.Context, string) error {
	return func(ctx context.Context, u string) error {
		go func() {
			resp, err := http.Get(u) //nolint:noctx // a browser outlives the call
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
}

// TestSSOLogin: the browser (PKCE on a loopback redirect) and device code
// logins against the simulator's SSO OIDC, with the real ssooidc client;
// the token lands where the AWS CLI keeps it, and the SDK's own SSO
// provider reads it (and refreshes it) to get role credentials.
func TestSSOLogin(t *testing.T) {
	for _, device := range []bool{false, true} {
		name := map[bool]string{false: "browser", true: "device code"}[device]
		t.Run(name, func(t *testing.T) {
			_, srv := ssoSim(t)
			home := t.TempDir()
			t.Setenv("HOME", home) // where the SDK looks
			cache := filepath.Join(home, ".aws", "sso", "cache")
			var shown []string
			l := SSOLogin{Session: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1",
				Endpoint: srv.URL, HTTPClient: srv.Client(), Now: time.Now, CacheDir: cache, DeviceCode: device,
				Open: fakeBrowser(t), Show: func(u, code string) { shown = append(shown, u+" "+code) }, Timeout: 10 * time.Second}
			tok, err := l.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(shown) != 1 || !strings.Contains(shown[0], srv.URL) {
				t.Errorf("shown %q, want the URL once", shown)
			}
			if want, err := ssocreds.StandardCachedTokenFilepath("corp"); err != nil || l.Path() != want {
				t.Errorf("token at %s, the SDK looks at %s", l.Path(), want)
			}
			fi, err := os.Stat(l.Path())
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("token file %v, %v; want 0600", fi, err)
			}
			if tok.RefreshToken == "" || tok.ClientID == "" {
				t.Errorf("token %+v has no refresh token and client", tok)
			}
			// The SDK's SSO provider, reading the file switcher wrote.
			oidc := ssooidc.New(ssooidc.Options{Region: "eu-west-1", HTTPClient: srv.Client(), BaseEndpoint: aws.String(srv.URL)})
			portal := sso.New(sso.Options{Region: "eu-west-1", HTTPClient: srv.Client(), BaseEndpoint: aws.String(srv.URL)})
			p := ssocreds.New(portal, "111111111111", "Admin", l.StartURL, func(o *ssocreds.Options) {
				o.SSOTokenProvider = ssocreds.NewSSOTokenProvider(oidc, l.Path())
			})
			c, err := p.Retrieve(context.Background())
			if err != nil || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
				t.Fatalf("the SDK's SSO provider: %+v, %v", c, err)
			}
			// Refresh with the refresh token: a new access token, no browser.
			shown = nil
			again, ok, err := l.Refresh(context.Background())
			if err != nil || !ok || again.AccessToken == tok.AccessToken || len(shown) != 0 {
				t.Errorf("refresh: ok %v, err %v, same token %v, shown %q", ok, err, again.AccessToken == tok.AccessToken, shown)
			}
			if _, err := p.Retrieve(context.Background()); err != nil {
				t.Errorf("the SDK after the refresh: %v", err)
			}
		})
	}
}

// TestSSOLoginFailures: a refused or unanswered sign-in, and an endpoint
// that does not answer, end with an error within the timeout and leave
// no token.
func TestSSOLoginFailures(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	tests := []struct {
		name    string
		outcome string
		device  bool
		dead    string // an endpoint instead of the simulator
		want    string
	}{
		{name: "refused in the browser", outcome: stssim.SSODeny, want: "refused"},
		{name: "refused, device code", outcome: stssim.SSODeny, device: true, want: "refused"},
		{name: "never answered", outcome: stssim.SSOIgnore, want: "not completed within"},
		{name: "never answered, device code", outcome: stssim.SSOIgnore, device: true, want: "not completed within"},
		{name: "connection refused", dead: "http://127.0.0.1:1", want: "does not answer"},
		{name: "an endpoint that never answers", dead: "http://" + silent.Addr().String(), want: "not completed within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := ssoSim(t)
			if tt.outcome != "" {
				sim.SetSSOLogin(tt.outcome)
			}
			endpoint, client := srv.URL, srv.Client()
			if tt.dead != "" {
				endpoint, client = tt.dead, NewHTTPClient()
			}
			l := SSOLogin{Session: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1",
				Endpoint: endpoint, HTTPClient: client, Now: time.Now, CacheDir: t.TempDir(), DeviceCode: tt.device,
				Open: fakeBrowser(t), Timeout: 2 * time.Second}
			start := time.Now()
			_, err := l.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run: %v, want %q", err, tt.want)
			}
			if tt.outcome == stssim.SSODeny && !errors.Is(err, ErrSSOLoginDenied) {
				t.Errorf("error %v is not ErrSSOLoginDenied", err)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("took %s; the timeout is 2s", d)
			}
			if _, err := os.Stat(l.Path()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a token file exists after a failed login: %v", err)
			}
		})
	}
}
