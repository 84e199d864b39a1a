package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Console sign-in through the AWS federation endpoint: getSigninToken
// trades a role session for a sign-in token, and the login URL carries the
// token to the console.
const (
	DefaultFederationEndpoint = "https://signin.aws.amazon.com/federation"
	DefaultConsoleDestination = "https://console.aws.amazon.com/"
)

// ConsoleEndpoints are the federation endpoint and the console of the
// partition a region belongs to (aws, aws-cn, aws-us-gov).
func ConsoleEndpoints(region string) (federation, console string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"
	case strings.HasPrefix(region, "us-gov-"):
		return "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"
	}
	return DefaultFederationEndpoint, DefaultConsoleDestination
}

// ErrConsoleNeedsSession is returned for anything but a role session: long-
// term keys cannot sign in to the console, and neither can the
// GetSessionToken session switcher makes of them.
var ErrConsoleNeedsSession = errors.New("console sign-in needs a role session; long-term keys cannot sign in, nor a GetSessionToken session of them (pick a role profile)")

// SessionConsoleURL is ConsoleURL for a session, refusing one that is not
// a role session before anything is sent.
func SessionConsoleURL(ctx context.Context, client *http.Client, federationEndpoint string, s *Session, destination, issuer string) (string, error) {
	if s.RoleARN == "" && s.AssumedRoleARN == "" {
		return "", ErrConsoleNeedsSession
	}
	return ConsoleURL(ctx, client, federationEndpoint, s.Credentials, destination, issuer)
}

// ConsoleError is a refusal from the federation endpoint.
type ConsoleError struct {
	Endpoint string // without query: the request carried the session
	Status   int
	Message  string
}

func (e *ConsoleError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("federation endpoint %s refused getSigninToken (HTTP %d): %s", e.Endpoint, e.Status, msg)
}

// ConsoleURL asks federationEndpoint for a sign-in token for c and returns
// the login URL that opens destination (default: the console) signed in as
// c's identity. issuer names the tool for the console's sign-out page.
// The URL is a credential for 15 minutes: show it only to its owner.
func ConsoleURL(ctx context.Context, client *http.Client, federationEndpoint string, c Credentials, destination, issuer string) (string, error) {
	if !c.Temporary() {
		return "", ErrConsoleNeedsSession
	}
	if client == nil {
		client = http.DefaultClient
	}
	if federationEndpoint == "" {
		federationEndpoint = DefaultFederationEndpoint
	}
	if destination == "" {
		destination = DefaultConsoleDestination
	}
	base, err := url.Parse(federationEndpoint)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", fmt.Errorf("federation endpoint %q is not an absolute URL", federationEndpoint)
	}
	// The endpoint takes the session's secret: this request is the only
	// place it goes.
	session, err := json.Marshal(struct { //nolint:gosec // G117: see above
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}{c.AccessKeyID, c.SecretAccessKey, c.SessionToken})
	if err != nil {
		return "", fmt.Errorf("encoding the console session: %w", err)
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	tokenURL := *base
	tokenURL.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tokenURL.String(), nil)
	if err != nil {
		return "", fmt.Errorf("getSigninToken at %s: %w", federationEndpoint, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error prints the request URL, which holds the secret: keep
		// only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("getSigninToken at %s: %w", federationEndpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("getSigninToken at %s: reading the answer: %w", federationEndpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 200 || strings.HasPrefix(msg, "<") {
			msg = "" // an HTML page says nothing useful on one line
		}
		return "", &ConsoleError{Endpoint: federationEndpoint, Status: resp.StatusCode, Message: msg}
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("getSigninToken at %s: the answer has no SigninToken", federationEndpoint)
	}
	login := url.Values{"Action": {"login"}, "Destination": {destination}, "SigninToken": {out.SigninToken}}
	if issuer != "" {
		login.Set("Issuer", issuer)
	}
	loginURL := *base
	loginURL.RawQuery = login.Encode()
	return loginURL.String(), nil
}
