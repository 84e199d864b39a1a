package creds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithy "github.com/aws/smithy-go"
)

// The two IAM calls of key rotation go through this small client of IAM's
// Query protocol, signed by the SDK's SigV4 signer and retried by its
// standard retryer, rather than the SDK's service/iam package: linking
// that package costs every switcher process about 4 ms of package
// initialisation (its schemas; GODEBUG=inittrace=1), the credential_process
// hit included, for two calls that only `keys rotate` makes.

// AccessKey is a new IAM access key.
type AccessKey struct {
	AccessKeyID     string
	SecretAccessKey string
	UserName        string
}

// IAMClient is what rotation calls.
type IAMClient interface {
	// CreateAccessKey creates a key for the signing user.
	CreateAccessKey(ctx context.Context) (AccessKey, error)
	// DeleteAccessKey deletes one of the signing user's keys.
	DeleteAccessKey(ctx context.Context, accessKeyID string) error
}

// IAMError is an error IAM answered with. It is a smithy.APIError, so the
// SDK's retryer and switcher's explanations read it like the SDK's own.
type IAMError struct {
	Status  int
	Code    string
	Message string
	Fault   smithy.ErrorFault
}

func (e *IAMError) Error() string {
	return fmt.Sprintf("api error %s: %s", e.Code, e.Message)
}

// ErrorCode, ErrorMessage and ErrorFault make it a smithy.APIError.
func (e *IAMError) ErrorCode() string             { return e.Code }
func (e *IAMError) ErrorMessage() string          { return e.Message }
func (e *IAMError) ErrorFault() smithy.ErrorFault { return e.Fault }

// HTTPStatusCode lets the retryer retry 5xx and 429 answers.
func (e *IAMError) HTTPStatusCode() int { return e.Status }

// iamQuery is IAMClient over HTTPS.
type iamQuery struct {
	creds    Credentials
	endpoint string // base URL
	http     *http.Client
	signer   *v4.Signer
	retryer  *retry.Standard
	now      func() time.Time
}

// DefaultIAMEndpoint is IAM's global endpoint (signed for us-east-1).
const DefaultIAMEndpoint = "https://iam.amazonaws.com"

// NewIAMClient is an IAM client signed by c at the time now gives, at
// endpoint ("" for IAM's own), with the STS calls' timeouts and retries.
func NewIAMClient(c Credentials, endpoint string, httpClient *http.Client, now func() time.Time) IAMClient {
	if endpoint == "" {
		endpoint = DefaultIAMEndpoint
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &iamQuery{
		creds: c, endpoint: strings.TrimRight(endpoint, "/"), http: httpClient,
		signer: v4.NewSigner(),
		retryer: retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = retryMaxAttempts
			so.MaxBackoff = retryMaxBackoff
		}),
		now: now,
	}
}

func (q *iamQuery) CreateAccessKey(ctx context.Context) (AccessKey, error) {
	var out struct {
		Result struct {
			AccessKey struct {
				AccessKeyID     string `xml:"AccessKeyId"`
				SecretAccessKey string `xml:"SecretAccessKey"`
				UserName        string `xml:"UserName"`
			} `xml:"AccessKey"`
		} `xml:"CreateAccessKeyResult"`
	}
	if err := q.call(ctx, "CreateAccessKey", url.Values{}, &out); err != nil {
		return AccessKey{}, err
	}
	k := out.Result.AccessKey
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return AccessKey{}, errors.New("IAM returned no key")
	}
	return AccessKey{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, UserName: k.UserName}, nil
}

func (q *iamQuery) DeleteAccessKey(ctx context.Context, id string) error {
	return q.call(ctx, "DeleteAccessKey", url.Values{"AccessKeyId": {id}}, nil)
}

// call makes one Query API call, retrying what the SDK's retryer retries,
// and decodes the answer into out (nil: only its status matters).
func (q *iamQuery) call(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2010-05-08")
	body := params.Encode()
	for attempt := 1; ; attempt++ {
		err := q.once(ctx, body, out)
		if err == nil || attempt >= q.retryer.MaxAttempts() || !q.retryer.IsErrorRetryable(err) {
			return err
		}
		delay, derr := q.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func (q *iamQuery) once(ctx context.Context, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.endpoint+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	c := aws.Credentials{AccessKeyID: q.creds.AccessKeyID, SecretAccessKey: q.creds.SecretAccessKey, SessionToken: q.creds.SessionToken}
	if err := q.signer.SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", q.now()); err != nil {
		return err
	}
	resp, err := q.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return iamError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(out); err != nil {
		return fmt.Errorf("IAM's answer: %w", err)
	}
	return nil
}

// iamError reads IAM's <ErrorResponse><Error><Type/><Code/><Message/>.
func iamError(status int, data []byte) error {
	var er struct {
		Error struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
	}
	e := &IAMError{Status: status, Fault: smithy.FaultServer}
	if status/100 == 4 {
		e.Fault = smithy.FaultClient
	}
	if xml.Unmarshal(data, &er) == nil && er.Error.Code != "" {
		e.Code, e.Message = er.Error.Code, er.Error.Message
		return e
	}
	e.Code, e.Message = http.StatusText(status), fmt.Sprintf("HTTP %d", status)
	return e
}
