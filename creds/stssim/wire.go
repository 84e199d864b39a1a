package stssim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// xmlns is the namespace every STS Query response carries.
const xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"

// apiVersion is the only Version STS speaks.
const apiVersion = "2011-06-15"

// Error codes STS returns, as the SDK reports them from
// smithy.APIError.ErrorCode().
const (
	CodeAccessDenied               = "AccessDenied"
	CodeValidationError            = "ValidationError"
	CodeMalformedPolicy            = "MalformedPolicyDocument"
	CodeExpiredToken               = "ExpiredToken"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeInvalidAction              = "InvalidAction"
	CodeThrottling                 = "Throttling"
	CodeInternalFailure            = "InternalFailure"
	CodeMalformedPolicyDocument    = "MalformedPolicyDocument"
)

// Messages real STS sends for the rules the simulator enforces. Tests and
// the engine may match on them; they are the texts AWS users search for.
const (
	MsgInvalidToken      = "The security token included in the request is invalid."
	MsgExpiredToken      = "The security token included in the request is expired"
	MsgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	MsgMissingAuth       = "Request is missing Authentication Token"
	MsgMFAInvalidCode    = "MultiFactorAuthentication failed with invalid MFA one time pass code."
	MsgMFAUnknownDevice  = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."
	MsgMFABothRequired   = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
	MsgChainingLimit     = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
	MsgMaxSession        = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
	MsgGSTWithSession    = "Cannot call GetSessionToken with session credentials"
	MsgGFTWithSession    = "Cannot call GetFederationToken with session credentials"
	MsgRateExceeded      = "Rate exceeded"
	MsgInternalFailure   = "An internal error has occurred. Please try again."
)

// apiError is an STS error response: an HTTP status, a code and a message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func accessDenied(format string, args ...any) *apiError {
	return newError(http.StatusForbidden, CodeAccessDenied, format, args...)
}

// notAuthorized is the message STS gives for every AssumeRole that policy
// evaluation refuses: trust, MFA and ExternalId conditions, unknown roles.
func notAuthorized(caller, action, resource string) *apiError {
	return accessDenied("User: %s is not authorized to perform: %s on resource: %s", caller, action, resource)
}

func validation(msg string) *apiError {
	return newError(http.StatusBadRequest, CodeValidationError, "%s", msg)
}

// violations collects the member constraint failures STS reports together as
// "N validation error(s) detected: ...; ...".
type violations []string

// add records one failure. value is shown quoted, or "null" when absent.
func (v *violations) add(value *string, member, constraint string) {
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, member, constraint))
}

func (v violations) err() *apiError {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: " + v[0])
	default:
		return validation(fmt.Sprintf("%d validation errors detected: %s", len(v), strings.Join(v, "; ")))
	}
}

type xmlError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Error     xmlErrorBody
	RequestID string `xml:"RequestId"`
}

type xmlErrorBody struct {
	Type    string
	Code    string
	Message xmlText
}

// xmlText is character data escaped as STS escapes it: only &, < and >, so
// the quotes in validation messages stay readable on the wire.
type xmlText struct {
	Inner string `xml:",innerxml"`
}

func newXMLText(s string) xmlText {
	// Characters XML 1.0 cannot carry (from an echoed parameter) become U+FFFD.
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFE && r != 0xFFFF) {
			return r
		}
		return '\uFFFD'
	}, s)
	return xmlText{Inner: strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)}
}

type xmlMetadata struct {
	RequestID string `xml:"RequestId"`
}

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type xmlAssumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string
}

type xmlAssumeRoleResponse struct {
	XMLName          xml.Name            `xml:"AssumeRoleResponse"`
	Xmlns            string              `xml:"xmlns,attr"`
	Result           xmlAssumeRoleResult `xml:"AssumeRoleResult"`
	ResponseMetadata xmlMetadata
}

type xmlAssumeRoleResult struct {
	Credentials      xmlCredentials
	AssumedRoleUser  xmlAssumedRoleUser
	PackedPolicySize *int `xml:",omitempty"`
	xmlTokenSize
	SourceIdentity string `xml:",omitempty"`
}

// xmlTokenSize reports the session token's size, as STS does since
// SessionTokenUtilization replaced PackedPolicySize.
type xmlTokenSize struct {
	SessionTokenSize        int
	SessionTokenUtilization int
}

// maxTokenSize is the largest session token STS issues, in bytes.
const maxTokenSize = 4096

func tokenSize(token string) xmlTokenSize {
	return xmlTokenSize{SessionTokenSize: len(token), SessionTokenUtilization: len(token) * 100 / maxTokenSize}
}

type xmlGetSessionTokenResponse struct {
	XMLName          xml.Name                 `xml:"GetSessionTokenResponse"`
	Xmlns            string                   `xml:"xmlns,attr"`
	Result           xmlGetSessionTokenResult `xml:"GetSessionTokenResult"`
	ResponseMetadata xmlMetadata
}

type xmlGetSessionTokenResult struct {
	Credentials xmlCredentials
	xmlTokenSize
}

type xmlGetCallerIdentityResponse struct {
	XMLName          xml.Name                   `xml:"GetCallerIdentityResponse"`
	Xmlns            string                     `xml:"xmlns,attr"`
	Result           xmlGetCallerIdentityResult `xml:"GetCallerIdentityResult"`
	ResponseMetadata xmlMetadata
}

type xmlGetCallerIdentityResult struct {
	Arn     string
	UserID  string `xml:"UserId"`
	Account string
}

type xmlGetFederationTokenResponse struct {
	XMLName          xml.Name                    `xml:"GetFederationTokenResponse"`
	Xmlns            string                      `xml:"xmlns,attr"`
	Result           xmlGetFederationTokenResult `xml:"GetFederationTokenResult"`
	ResponseMetadata xmlMetadata
}

type xmlGetFederationTokenResult struct {
	Credentials      xmlCredentials
	FederatedUser    xmlFederatedUser
	PackedPolicySize *int `xml:",omitempty"`
	xmlTokenSize
}

type xmlFederatedUser struct {
	FederatedUserID string `xml:"FederatedUserId"`
	Arn             string
}

// expirationFormat is how STS writes Expiration: UTC, seconds, a Z.
const expirationFormat = "2006-01-02T15:04:05Z"

func wireCredentials(c *session) xmlCredentials {
	return xmlCredentials{
		AccessKeyID:     c.keyID,
		SecretAccessKey: c.secret,
		SessionToken:    c.token,
		Expiration:      c.expiration.UTC().Format(expirationFormat),
	}
}

func writeXML(w http.ResponseWriter, status int, requestID string, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		// Every value written here is one of the fixed structs above;
		// marshalling them cannot fail short of a programming error.
		http.Error(w, "stssim: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	writeXML(w, e.Status, requestID, xmlError{
		Xmlns:     xmlns,
		Error:     xmlErrorBody{Type: typ, Code: e.Code, Message: newXMLText(e.Message)},
		RequestID: requestID,
	})
}
