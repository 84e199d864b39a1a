package creds

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
)

// TestIAMQueryClient: the two rotation calls over IAM's Query protocol,
// signed with SigV4 for iam/us-east-1, their answers and IAM's errors
// (retried when the SDK's retryer retries them).
func TestIAMQueryClient(t *testing.T) {
	const created = `<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateAccessKeyResult><AccessKey>` +
		`<UserName>alice</UserName><AccessKeyId>AKIAFAKENEW000000001</AccessKeyId><Status>Active</Status>` +
		`<SecretAccessKey>new-secret</SecretAccessKey></AccessKey></CreateAccessKeyResult></CreateAccessKeyResponse>`
	errBody := func(code, msg string) string {
		return `<ErrorResponse><Error><Type>Sender</Type><Code>` + code + `</Code><Message>` + msg + `</Message></Error><RequestId>r</RequestId></ErrorResponse>`
	}
	type answer struct {
		status int
		body   string
	}
	tests := []struct {
		name     string
		answers  []answer // in turn; the last repeats
		call     func(IAMClient) (string, error)
		want     string
		wantCode string // the APIError's code
		calls    int
		action   string
	}{
		{
			name:    "create",
			answers: []answer{{200, created}},
			call: func(c IAMClient) (string, error) {
				k, err := c.CreateAccessKey(context.Background())
				return k.AccessKeyID + " " + k.SecretAccessKey + " " + k.UserName, err
			},
			want: "AKIAFAKENEW000000001 new-secret alice", calls: 1, action: "CreateAccessKey",
		},
		{
			name:    "delete",
			answers: []answer{{200, `<DeleteAccessKeyResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteAccessKeyResponse>`}},
			call: func(c IAMClient) (string, error) {
				return "", c.DeleteAccessKey(context.Background(), "AKIAFAKEOLD000000001")
			},
			calls: 1, action: "DeleteAccessKey",
		},
		{
			name:    "two keys already",
			answers: []answer{{409, errBody("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")}},
			call: func(c IAMClient) (string, error) {
				_, err := c.CreateAccessKey(context.Background())
				return "", err
			},
			wantCode: "LimitExceeded", calls: 1, action: "CreateAccessKey",
		},
		{
			name:    "denied",
			answers: []answer{{403, errBody("AccessDenied", "User is not authorized to perform: iam:CreateAccessKey")}},
			call: func(c IAMClient) (string, error) {
				_, err := c.CreateAccessKey(context.Background())
				return "", err
			},
			wantCode: "AccessDenied", calls: 1, action: "CreateAccessKey",
		},
		{
			name:    "throttled, then created",
			answers: []answer{{400, errBody("Throttling", "Rate exceeded")}, {200, created}},
			call: func(c IAMClient) (string, error) {
				k, err := c.CreateAccessKey(context.Background())
				return k.AccessKeyID, err
			},
			want: "AKIAFAKENEW000000001", calls: 2, action: "CreateAccessKey",
		},
		{
			name:    "server errors, retried three times",
			answers: []answer{{500, "oops"}},
			call: func(c IAMClient) (string, error) {
				_, err := c.CreateAccessKey(context.Background())
				return "", err
			},
			wantCode: "Internal Server Error", calls: retryMaxAttempts, action: "CreateAccessKey",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var calls int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				form, _ := url.ParseQuery(string(body))
				auth := r.Header.Get("Authorization")
				if r.Method != http.MethodPost || form.Get("Action") != tt.action || form.Get("Version") != "2010-05-08" ||
					!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIAFAKEOLD000000001/") || !strings.Contains(auth, "/us-east-1/iam/aws4_request") {
					t.Errorf("request %s %q, Authorization %q", r.Method, body, auth)
				}
				if tt.action == "DeleteAccessKey" && form.Get("AccessKeyId") != "AKIAFAKEOLD000000001" {
					t.Errorf("DeleteAccessKey of %q", form.Get("AccessKeyId"))
				}
				mu.Lock()
				a := tt.answers[min(calls, len(tt.answers)-1)]
				calls++
				mu.Unlock()
				w.WriteHeader(a.status)
				_, _ = io.WriteString(w, a.body)
			}))
			defer srv.Close()
			c := NewIAMClient(Credentials{AccessKeyID: "AKIAFAKEOLD000000001", SecretAccessKey: "old-secret"}, srv.URL, srv.Client(), time.Now)
			got, err := tt.call(c)
			if tt.wantCode != "" {
				var api smithy.APIError
				if !errors.As(err, &api) || api.ErrorCode() != tt.wantCode {
					t.Fatalf("error %v, want code %s", err, tt.wantCode)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if calls != tt.calls {
				t.Errorf("%d calls, want %d", calls, tt.calls)
			}
		})
	}
}
