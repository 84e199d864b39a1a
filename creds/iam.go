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

// The two IAM calls of key rotation (and Organizations' ListAccounts, for
// sync) go through this small client, signed by the SDK's SigV4 signer and
// retried by its standard retryer, rather than the SDK's service/iam and
// service/organizations packages: linking such a package costs every
// switcher process milliseconds of package initialisation (its schemas;
// GODEBUG=inittrace=1), the credential_process hit included, for calls
// that only `keys rotate` and `sync --org` make.

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

// APIError is an error IAM or Organizations answered with. It is a
// smithy.APIError, so the SDK's retryer and switcher's explanations read
// it like the SDK's own.
type APIError struct {
	Status  int
	Code    string
	Message string
	Fault   smithy.ErrorFault
}

func (e *APIError) Error() string {
	return fmt.Sprintf("api error %s: %s", e.Code, e.Message)
}

// ErrorCode, ErrorMessage and ErrorFault make it a smithy.APIError.
func (e *APIError) ErrorCode() string             { return e.Code }
func (e *APIError) ErrorMessage() string          { return e.Message }
func (e *APIError) ErrorFault() smithy.ErrorFault { return e.Fault }

// HTTPStatusCode lets the retryer retry 5xx and 429 answers.
func (e *APIError) HTTPStatusCode() int { return e.Status }

// newAPIError is the error of an answer with status whose body gave no
// code.
func newAPIError(status int) *APIError {
	e := &APIError{Status: status, Fault: smithy.FaultServer, Code: http.StatusText(status), Message: fmt.Sprintf("HTTP %d", status)}
	if status/100 == 4 {
		e.Fault = smithy.FaultClient
	}
	return e
}

// signedClient posts SigV4-signed requests to one AWS service endpoint,
// retrying what the SDK's standard retryer retries.
type signedClient struct {
	creds    Credentials
	endpoint string // base URL
	service  string // signing name
	region   string // signing region
	http     *http.Client
	signer   *v4.Signer
	retryer  *retry.Standard
	now      func() time.Time
	// decodeErr reads the service's error answer.
	decodeErr func(status int, data []byte) error
}

func newSignedClient(c Credentials, endpoint, service, region string, httpClient *http.Client, now func() time.Time, decodeErr func(int, []byte) error) signedClient {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return signedClient{
		creds: c, endpoint: strings.TrimRight(endpoint, "/"), service: service, region: region, http: httpClient,
		signer: v4.NewSigner(),
		retryer: retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = retryMaxAttempts
			so.MaxBackoff = retryMaxBackoff
		}),
		now: now, decodeErr: decodeErr,
	}
}

// iamQuery is IAMClient over HTTPS.
type iamQuery struct{ signedClient }

// DefaultIAMEndpoint is IAM's global endpoint (signed for us-east-1).
const DefaultIAMEndpoint = "https://iam.amazonaws.com"

// NewIAMClient is an IAM client signed by c at the time now gives, at
// endpoint ("" for IAM's own), with the STS calls' timeouts and retries.
func NewIAMClient(c Credentials, endpoint string, httpClient *http.Client, now func() time.Time) IAMClient {
	if endpoint == "" {
		endpoint = DefaultIAMEndpoint
	}
	return &iamQuery{newSignedClient(c, endpoint, "iam", "us-east-1", httpClient, now, iamError)}
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

// call makes one Query API call and decodes the answer into out (nil:
// only its status matters).
func (q *iamQuery) call(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2010-05-08")
	data, err := q.post(ctx, []byte(params.Encode()), "application/x-www-form-urlencoded; charset=utf-8", "")
	if err != nil || out == nil {
		return err
	}
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(out); err != nil {
		return fmt.Errorf("IAM's answer: %w", err)
	}
	return nil
}

// post sends body (with an X-Amz-Target when target is set), retrying,
// and returns a 2xx answer's body.
func (q *signedClient) post(ctx context.Context, body []byte, contentType, target string) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		data, err := q.once(ctx, body, contentType, target)
		if err == nil || attempt >= q.retryer.MaxAttempts() || !q.retryer.IsErrorRetryable(err) {
			return data, err
		}
		delay, derr := q.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
	}
}

func (q *signedClient) once(ctx context.Context, body []byte, contentType, target string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256(body)
	c := aws.Credentials{AccessKeyID: q.creds.AccessKeyID, SecretAccessKey: q.creds.SecretAccessKey, SessionToken: q.creds.SessionToken}
	if err := q.signer.SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), q.service, q.region, q.now()); err != nil {
		return nil, err
	}
	resp, err := q.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, q.decodeErr(resp.StatusCode, data)
	}
	return data, nil
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
	e := newAPIError(status)
	if xml.Unmarshal(data, &er) == nil && er.Error.Code != "" {
		e.Code, e.Message = er.Error.Code, er.Error.Message
	}
	return e
}
