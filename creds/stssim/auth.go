package stssim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// paramSet is a request's Query-protocol parameters.
type paramSet = url.Values

// queryParams merges the query string and, for a form POST, the body.
func queryParams(r *http.Request, body []byte) (paramSet, *apiError) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "MalformedQueryString", "The query string is malformed")
	}
	if r.Method != http.MethodPost || len(body) == 0 {
		return params, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, newError(http.StatusBadRequest, "MalformedQueryString", "Content-Type must be application/x-www-form-urlencoded")
		}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, newError(http.StatusBadRequest, "MalformedQueryString", "The request body is malformed")
	}
	for k, v := range form {
		params[k] = append(params[k], v...)
	}
	return params, nil
}

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
)

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	keyID, date, region, service string
	signedHeaders                []string
	signature                    string
}

func parseAuthorization(h string) (authorization, *apiError) {
	var a authorization
	rest, ok := strings.CutPrefix(h, sigAlgorithm+" ")
	if !ok {
		return a, newError(http.StatusBadRequest, CodeIncompleteSignature, "Unsupported AWS 'algorithm': '%s'", strings.SplitN(h, " ", 2)[0])
	}
	var cred, signed string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			a.signature = v
		}
	}
	if cred == "" || signed == "" || a.signature == "" {
		return a, newError(http.StatusBadRequest, CodeIncompleteSignature, "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return a, newError(http.StatusBadRequest, CodeIncompleteSignature, "Credential should be scoped to a valid region.")
	}
	a.keyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	return a, nil
}

// authenticate verifies the request's SigV4 signature for STS and returns
// the credentials that signed it.
func (s *Sim) authenticate(r *http.Request, body []byte) (*session, *apiError) {
	return s.authenticateFor(r, body, "sts")
}

// authenticateFor verifies a SigV4 signature scoped to service.
func (s *Sim) authenticateFor(r *http.Request, body []byte, service string) (*session, *apiError) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, newError(http.StatusForbidden, CodeMissingAuthenticationToken, MsgMissingAuth)
	}
	a, aerr := parseAuthorization(header)
	if aerr != nil {
		return nil, aerr
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signingTime, err := time.Parse(amzDateFmt, amzDate)
	if err != nil {
		return nil, newError(http.StatusBadRequest, CodeIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}

	s.mu.Lock()
	c, known := s.keys[a.keyID]
	var snapshot session
	if known {
		snapshot = *c
	}
	now := s.now()
	s.mu.Unlock()

	if !known {
		return nil, newError(http.StatusForbidden, CodeInvalidClientTokenID, MsgInvalidToken)
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(snapshot.token)) != 1 {
		return nil, newError(http.StatusForbidden, CodeInvalidClientTokenID, MsgInvalidToken)
	}
	if snapshot.temporary && !now.Before(snapshot.expiration) {
		return nil, newError(http.StatusBadRequest, CodeExpiredToken, MsgExpiredToken)
	}
	if a.service != service {
		return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'. ", service)
	}
	if a.date != signingTime.Format("20060102") {
		return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, signingTime.Format("20060102"), amzDate)
	}
	if !s.signatureMatches(r, body, a, signingTime, snapshot) {
		return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, MsgSignatureMismatch)
	}
	if s.maxSkew > 0 {
		if d := now.Sub(signingTime); d > s.maxSkew || d < -s.maxSkew {
			return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, "Signature expired: %s is now earlier than %s (%s - %s.)",
				amzDate, now.Add(-s.maxSkew).UTC().Format(amzDateFmt), now.UTC().Format(amzDateFmt), s.maxSkew)
		}
	}
	return c, nil
}

// signatureMatches re-signs a copy of the request holding only the headers
// the client signed, with the SDK's own signer, and compares.
func (s *Sim) signatureMatches(r *http.Request, body []byte, a authorization, signingTime time.Time, c session) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	req := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: http.Header{}}
	for _, h := range a.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			req.ContentLength = int64(len(body))
		default:
			if vs := r.Header.Values(h); len(vs) > 0 {
				req.Header[textproto.CanonicalMIMEHeaderKey(h)] = vs
			}
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: c.keyID, SecretAccessKey: c.secret, SessionToken: c.token}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, req, hex.EncodeToString(sum[:]), a.service, a.region, signingTime); err != nil {
		return false
	}
	want, err := parseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return false
	}
	return strings.Join(want.signedHeaders, ";") == strings.Join(a.signedHeaders, ";") &&
		subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) == 1
}
