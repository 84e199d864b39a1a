package stssim_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
)

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	role := f.assume(t, devCreds, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("auth")})
	invalidToken := apiErr{Code: "InvalidClientTokenId", Status: 403, Message: stssim.MsgInvalidToken}
	mismatch := apiErr{Code: "SignatureDoesNotMatch", Status: 403, Message: stssim.MsgSignatureMismatch}

	tests := []struct {
		name  string
		creds aws.Credentials
		want  apiErr
	}{
		{"unknown access key", aws.Credentials{AccessKeyID: "AKIAFAKEUNKNOWN00000", SecretAccessKey: devSecret}, invalidToken},
		{"wrong secret", aws.Credentials{AccessKeyID: devKey, SecretAccessKey: opsSecret}, mismatch},
		{"session key with a wrong secret", aws.Credentials{AccessKeyID: role.AccessKeyID, SecretAccessKey: devSecret, SessionToken: role.SessionToken}, mismatch},
		{"session key without its token", aws.Credentials{AccessKeyID: role.AccessKeyID, SecretAccessKey: role.SecretAccessKey}, invalidToken},
		{"session key with another token", aws.Credentials{AccessKeyID: role.AccessKeyID, SecretAccessKey: role.SecretAccessKey, SessionToken: "IQoJb3JpZ2luX2VjEfake"}, invalidToken},
		{"long-term key with a token", aws.Credentials{AccessKeyID: devKey, SecretAccessKey: devSecret, SessionToken: role.SessionToken}, invalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.client(t, tt.creds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if diff := cmp.Diff(tt.want, asAPIErr(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("missing Authorization header", func(t *testing.T) {
		c := sts.New(sts.Options{BaseEndpoint: aws.String(f.srv.URL), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
		_, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		want := apiErr{Code: "MissingAuthenticationToken", Status: 403, Message: stssim.MsgMissingAuth}
		if diff := cmp.Diff(want, asAPIErr(t, err)); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
}

func TestWithAccount(t *testing.T) {
	f := newFixture(t, stssim.WithAccount("999999999999"))
	if err := f.sim.AddUser(stssim.User{Name: "elsewhere", AccessKeyID: "AKIAFAKEELSEWHERE000", SecretAccessKey: devSecret}); err != nil {
		t.Fatal(err)
	}
	out, err := f.client(t, aws.Credentials{AccessKeyID: "AKIAFAKEELSEWHERE000", SecretAccessKey: devSecret}).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{f.sim.Account(), aws.ToString(out.Account), aws.ToString(out.Arn)}
	want := []string{"999999999999", "999999999999", "arn:aws:iam::999999999999:user/elsewhere"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("account (-want +got):\n%s", diff)
	}
}

func TestExpiredSession(t *testing.T) {
	f := newFixture(t)
	role := f.assume(t, devCreds, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("soon"), DurationSeconds: aws.Int32(900)})
	ctx := context.Background()

	f.clock.Advance(15*time.Minute - time.Second)
	if _, err := f.client(t, role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	_, err := f.client(t, role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	want := apiErr{Code: "ExpiredToken", Status: 400, Message: stssim.MsgExpiredToken}
	if diff := cmp.Diff(want, asAPIErr(t, err)); diff != "" {
		t.Errorf("at expiry (-want +got):\n%s", diff)
	}
	// Long-term keys do not expire.
	if _, err := f.client(t, devCreds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("user keys after the clock moved: %v", err)
	}
}

func TestClockSkew(t *testing.T) {
	// The SDK signs with the real clock; a Sim whose clock is an hour off
	// refuses the signature when told to check skew, as AWS does.
	f := newFixture(t, stssim.WithMaxClockSkew(15*time.Minute))
	f.clock.Set(time.Now().Add(time.Hour))
	_, err := f.client(t, devCreds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	got := asAPIErr(t, err)
	if got.Code != "SignatureDoesNotMatch" || !strings.HasPrefix(got.Message, "Signature expired: ") {
		t.Errorf("error = %+v, want SignatureDoesNotMatch Signature expired", got)
	}

	f.clock.Set(time.Now())
	if _, err := f.client(t, devCreds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("within the skew: %v", err)
	}
}

// signedRequest builds a request signed outside the SDK client, as another
// tool (or the AWS CLI) would.
func signedRequest(t *testing.T, method, url, body string, c aws.Credentials, tamper func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), "sts", "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(req)
	}
	return req
}

func TestRawRequests(t *testing.T) {
	f := newFixture(t)
	const gci = "Action=GetCallerIdentity&Version=2011-06-15"
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantInBody string
	}{
		{
			name:       "GET with the query string signed",
			req:        signedRequest(t, http.MethodGet, f.srv.URL+"/?"+gci, "", devCreds, nil),
			wantStatus: 200,
			wantInBody: "<Arn>" + devARN + "</Arn>",
		},
		{
			name:       "POST form signed in another region",
			req:        signedRequest(t, http.MethodPost, f.srv.URL+"/", gci, devCreds, nil),
			wantStatus: 200,
			wantInBody: "<Account>" + acct + "</Account>",
		},
		{
			name: "body changed after signing",
			req: signedRequest(t, http.MethodPost, f.srv.URL+"/", gci, devCreds, func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader("Action=GetSessionToken&Version=2011-06-15"))
				r.ContentLength = int64(len("Action=GetSessionToken&Version=2011-06-15"))
			}),
			wantStatus: 403,
			wantInBody: "<Code>SignatureDoesNotMatch</Code>",
		},
		{
			name: "signed header changed after signing",
			req: signedRequest(t, http.MethodGet, f.srv.URL+"/?"+gci, "", devCreds, func(r *http.Request) {
				r.Header.Set("X-Amz-Date", time.Now().Add(time.Minute).UTC().Format("20060102T150405Z"))
			}),
			wantStatus: 403,
			wantInBody: "<Code>SignatureDoesNotMatch</Code>",
		},
		{
			name: "query changed after signing",
			req: signedRequest(t, http.MethodGet, f.srv.URL+"/?"+gci, "", devCreds, func(r *http.Request) {
				r.URL.RawQuery += "&Extra=1"
			}),
			wantStatus: 403,
			wantInBody: "<Code>SignatureDoesNotMatch</Code>",
		},
		{
			name: "not SigV4",
			req: signedRequest(t, http.MethodGet, f.srv.URL+"/?"+gci, "", devCreds, func(r *http.Request) {
				r.Header.Set("Authorization", "AWS "+devKey+":c2lnbmF0dXJl")
			}),
			wantStatus: 400,
			wantInBody: "<Code>IncompleteSignature</Code>",
		},
		{
			name:       "unknown action",
			req:        signedRequest(t, http.MethodGet, f.srv.URL+"/?Action=DecodeAuthorizationMessage&Version=2011-06-15", "", devCreds, nil),
			wantStatus: 400,
			wantInBody: "<Code>InvalidAction</Code>",
		},
		{
			name:       "wrong version",
			req:        signedRequest(t, http.MethodGet, f.srv.URL+"/?Action=GetCallerIdentity&Version=2010-01-01", "", devCreds, nil),
			wantStatus: 400,
			wantInBody: "<Code>InvalidAction</Code>",
		},
		{
			name: "a body that is not a form",
			req: signedRequest(t, http.MethodPost, f.srv.URL+"/", gci, devCreds, func(r *http.Request) {
				r.Header.Set("Content-Type", "application/json")
			}),
			wantStatus: 400,
			wantInBody: "<Code>MalformedQueryString</Code>",
		},
		{
			name:       "PUT is not STS",
			req:        signedRequest(t, http.MethodPut, f.srv.URL+"/?"+gci, "", devCreds, nil),
			wantStatus: 405,
		},
		{
			name:       "federation without an action",
			req:        signedRequest(t, http.MethodGet, f.srv.URL+stssim.FederationPath, "", devCreds, nil),
			wantStatus: 400,
			wantInBody: "getSigninToken or login",
		},
		{
			name:       "login to a relative destination",
			req:        signedRequest(t, http.MethodGet, f.srv.URL+stssim.FederationPath+"?Action=login&SigninToken=x&Destination=/home", "", devCreds, nil),
			wantStatus: 400,
			wantInBody: "Destination",
		},
		{
			name:       "missing RoleSessionName",
			req:        signedRequest(t, http.MethodPost, f.srv.URL+"/", "Action=AssumeRole&Version=2011-06-15&RoleArn="+roleA, devCreds, nil),
			wantStatus: 400,
			wantInBody: "<Message>1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null</Message>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := f.srv.Client().Do(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantInBody) {
				t.Errorf("got %d %s\nwant %d and a body containing %s", resp.StatusCode, body, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}
