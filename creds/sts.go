package creds

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// STSClient is the part of *sts.Client the engine calls.
type STSClient interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error)
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// ClientOptions configure the STS client of one step.
type ClientOptions struct {
	Region   string // never empty
	Endpoint string // "" means the SDK's default endpoint for Region
	// Credentials sign the call; nil means an unsigned call
	// (AssumeRoleWithWebIdentity).
	Credentials *Credentials
	HTTPClient  *http.Client
}

// Timeouts for STS calls: a dead endpoint fails in seconds.
const (
	DefaultCallTimeout    = 10 * time.Second // one STS call, SDK retries included
	dialTimeout           = 5 * time.Second
	tlsHandshakeTimeout   = 5 * time.Second
	responseHeaderTimeout = 8 * time.Second
	retryMaxAttempts      = 3
	retryMaxBackoff       = time.Second
)

// NewHTTPClient is the HTTP client STS calls use by default: proxies from
// the environment (HTTPS_PROXY, NO_PROXY), bounded dial, TLS and response
// header waits.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       30 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}}
}

// NewSTSClient builds the SDK's own STS client for one step: the region,
// the endpoint when set, the HTTP client, static signing credentials and
// the SDK's standard retryer (throttling and 5xx are retried, with a short
// backoff cap so a failing call ends in seconds).
func NewSTSClient(o ClientOptions) *sts.Client {
	opts := sts.Options{
		Region: o.Region,
		Retryer: retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = retryMaxAttempts
			so.MaxBackoff = retryMaxBackoff
		}),
	}
	if o.HTTPClient != nil {
		opts.HTTPClient = o.HTTPClient
	}
	if o.Endpoint != "" {
		opts.BaseEndpoint = aws.String(o.Endpoint)
	}
	if o.Credentials != nil {
		c := o.Credentials
		opts.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	return sts.New(opts)
}

// fromSTS converts the SDK's credentials.
func fromSTS(c *ststypes.Credentials) Credentials {
	if c == nil {
		return Credentials{}
	}
	return Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration),
	}
}

func fromAWS(c aws.Credentials) Credentials {
	out := Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.CanExpire {
		out.Expiration = c.Expires
	}
	return out
}
