package creds

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
)

// simSession assumes a role in a fresh simulator and returns the server
// and the role session.
func simSession(t *testing.T) (*httptest.Server, Credentials) {
	t.Helper()
	sim := stssim.New()
	user := stssim.User{Name: "alice", AccessKeyID: "AKIAFAKEALICE0000001", SecretAccessKey: "fake-alice-secret"}
	if err := sim.AddUser(user); err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::" + sim.Account() + ":role/admin"
	if err := sim.AddRole(stssim.Role{ARN: role, Trust: []string{sim.Account()}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client := NewSTSClient(ClientOptions{
		Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client(),
		Credentials: &Credentials{AccessKeyID: user.AccessKeyID, SecretAccessKey: user.SecretAccessKey},
	})
	out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String(role), RoleSessionName: aws.String("alice"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, Credentials{
		AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(out.Credentials.SessionToken), Expiration: aws.ToTime(out.Credentials.Expiration),
	}
}

func TestConsoleURLSignsIn(t *testing.T) {
	srv, c := simSession(t)
	dest := srv.URL + stssim.ConsolePath
	got, err := ConsoleURL(context.Background(), srv.Client(), srv.URL+stssim.FederationPath, c, dest, "switcher")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{"Action": "login", "Destination": dest, "Issuer": "switcher"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Get("SigninToken") == "" || strings.Contains(got, c.SecretAccessKey) || strings.Contains(got, c.SessionToken) {
		t.Errorf("login URL: want a sign-in token and no session secret: %s", got)
	}
	// A browser following the URL lands on the console, signed in.
	jar, _ := cookiejar.New(nil)
	browser := srv.Client()
	browser.Jar = jar
	resp, err := browser.Get(got)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "signed in as arn:aws:sts::") {
		t.Errorf("console: %d %s", resp.StatusCode, body)
	}
}

func TestConsoleURLErrors(t *testing.T) {
	srv, c := simSession(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	forged := c
	forged.SessionToken = "not-the-token"
	tests := []struct {
		name     string
		endpoint string
		creds    Credentials
		is       error
		status   int
		contains string
	}{
		{"long-term keys", srv.URL + stssim.FederationPath, Credentials{AccessKeyID: "AKIAFAKE", SecretAccessKey: "fake-secret"}, ErrConsoleNeedsSession, 0, "role session"},
		{"refused session", srv.URL + stssim.FederationPath, forged, nil, http.StatusForbidden, "the session credentials are invalid"},
		{"unreachable endpoint", closed.URL + stssim.FederationPath, c, nil, 0, "getSigninToken at " + closed.URL},
		{"relative endpoint", "/federation", c, nil, 0, "not an absolute URL"},
		{"not the federation endpoint", srv.URL + "/nope", c, nil, http.StatusBadRequest, "refused getSigninToken (HTTP 400)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := ConsoleURL(ctx, srv.Client(), tt.endpoint, tt.creds, "", "")
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			var ce *ConsoleError
			if tt.status != 0 && (!errors.As(err, &ce) || ce.Status != tt.status) {
				t.Errorf("err = %#v, want a ConsoleError with status %d", err, tt.status)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("err = %q, want it to contain %q", err, tt.contains)
			}
			for _, secret := range []string{c.SecretAccessKey, c.SessionToken, "fake-secret"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), url.QueryEscape(secret)) {
					t.Errorf("the error shows a secret: %q", err)
				}
			}
		})
	}
}

func TestConsoleEndpoints(t *testing.T) {
	tests := []struct{ region, federation, console string }{
		{"", DefaultFederationEndpoint, DefaultConsoleDestination},
		{"eu-west-1", DefaultFederationEndpoint, DefaultConsoleDestination},
		{"cn-north-1", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"},
		{"us-gov-west-1", "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			f, c := ConsoleEndpoints(tt.region)
			if diff := cmp.Diff([2]string{tt.federation, tt.console}, [2]string{f, c}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
