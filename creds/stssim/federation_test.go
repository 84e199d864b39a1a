package stssim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/switcher-cli/switcher/creds/stssim"
)

// getSigninToken calls the federation endpoint the way a console command
// does and returns the status and the token (empty on failure).
func getSigninToken(t *testing.T, f *fixture, c aws.Credentials, extra url.Values) (int, string) {
	t.Helper()
	session, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	for k, v := range extra {
		q[k] = v
	}
	resp := get(t, http.DefaultClient, f.srv.URL+stssim.FederationPath+"?"+q.Encode())
	defer resp.Body.Close()
	var out struct{ SigninToken string }
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("decoding getSigninToken: %v", err)
		}
	}
	return resp.StatusCode, out.SigninToken
}

func loginURL(f *fixture, token string) string {
	q := url.Values{
		"Action":      {"login"},
		"Issuer":      {"switcher"},
		"Destination": {f.srv.URL + stssim.ConsolePath},
		"SigninToken": {token},
	}
	return f.srv.URL + stssim.FederationPath + "?" + q.Encode()
}

// get is a GET with the test's context.
func get(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// browser follows redirects and keeps cookies, like a browser.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func TestConsoleFederation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	role := f.assume(t, devCreds, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("console")})

	status, token := getSigninToken(t, f, role, nil)
	if status != http.StatusOK || token == "" {
		t.Fatalf("getSigninToken = %d %q, want 200 and a token", status, token)
	}
	resp := get(t, browser(t), loginURL(f, token))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "assumed-role/A/console") {
		t.Errorf("login then console = %d %q, want 200 naming the role session", resp.StatusCode, body)
	}

	t.Run("login answers a redirect to the destination", func(t *testing.T) {
		_, token := getSigninToken(t, f, role, url.Values{"SessionDuration": {"43200"}})
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp := get(t, noFollow, loginURL(f, token))
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != f.srv.URL+stssim.ConsolePath {
			t.Errorf("login = %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	gst, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := f.client(t, devCreds).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("Bob")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		creds aws.Credentials
		extra url.Values
		want  int
	}{
		{"federated user", toCreds(fed.Credentials), nil, http.StatusOK},
		{"long-term keys", devCreds, nil, http.StatusForbidden},
		{"GetSessionToken credentials", toCreds(gst.Credentials), nil, http.StatusForbidden},
		{"wrong secret", aws.Credentials{AccessKeyID: role.AccessKeyID, SecretAccessKey: "wrong", SessionToken: role.SessionToken}, nil, http.StatusForbidden},
		{"unknown key", aws.Credentials{AccessKeyID: "ASIAFAKEUNKNOWN00000", SecretAccessKey: "x", SessionToken: "y"}, nil, http.StatusForbidden},
		{"SessionDuration out of range", role, url.Values{"SessionDuration": {"60"}}, http.StatusBadRequest},
		{"SessionDuration with federated credentials", toCreds(fed.Credentials), url.Values{"SessionDuration": {"3600"}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _ := getSigninToken(t, f, tt.creds, tt.extra); status != tt.want {
				t.Errorf("getSigninToken status = %d, want %d", status, tt.want)
			}
		})
	}

	t.Run("destinations", func(t *testing.T) {
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, tt := range []struct {
			dest string
			want int
		}{
			{"https://console.aws.amazon.com/ec2/home", http.StatusFound},
			{"https://us-east-1.console.aws.amazon.com/", http.StatusFound},
			{"https://evil.example.com/", http.StatusBadRequest},
			{"https://console.aws.amazon.com.evil.example/", http.StatusBadRequest},
			{"http://console.aws.amazon.com/", http.StatusBadRequest},
			{"/console", http.StatusBadRequest},
		} {
			_, token := getSigninToken(t, f, role, nil)
			q := url.Values{"Action": {"login"}, "Destination": {tt.dest}, "SigninToken": {token}}
			resp := get(t, noFollow, f.srv.URL+stssim.FederationPath+"?"+q.Encode())
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("login to %s = %d, want %d", tt.dest, resp.StatusCode, tt.want)
			}
		}
	})

	t.Run("a sign-in token works once", func(t *testing.T) {
		_, token := getSigninToken(t, f, role, nil)
		for i, want := range []int{http.StatusOK, http.StatusForbidden} {
			resp := get(t, browser(t), loginURL(f, token))
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("login #%d = %d, want %d", i+1, resp.StatusCode, want)
			}
		}
	})

	t.Run("a sign-in token lasts 15 minutes", func(t *testing.T) {
		_, token := getSigninToken(t, f, role, nil)
		f.clock.Advance(16 * time.Minute)
		resp := get(t, browser(t), loginURL(f, token))
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("login with a stale token = %d, want 403", resp.StatusCode)
		}
	})

	t.Run("expired credentials get no token", func(t *testing.T) {
		f.clock.Advance(2 * time.Hour)
		if status, _ := getSigninToken(t, f, role, nil); status != http.StatusForbidden {
			t.Errorf("getSigninToken with expired credentials = %d, want 403", status)
		}
	})

	t.Run("console without signing in", func(t *testing.T) {
		resp := get(t, http.DefaultClient, f.srv.URL+stssim.ConsolePath)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("console = %d, want 401", resp.StatusCode)
		}
	})
}
