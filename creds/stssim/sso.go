package stssim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Sim also serves IAM Identity Center's two APIs, with their real
// REST-JSON shapes, so that the SDK's ssooidc and sso clients run against
// it: SSO OIDC (RegisterClient, StartDeviceAuthorization, CreateToken for
// the device code, authorization code with PKCE and refresh token grants,
// and the browser's /authorize page) and the portal (GetRoleCredentials,
// ListAccounts, ListAccountRoles). Point AWS_ENDPOINT_URL_SSO_OIDC and
// AWS_ENDPOINT_URL_SSO at it.

// SSO paths: the OIDC and portal operations, and the two pages a person
// (a test's fake browser) visits.
const (
	SSORegisterPath  = "/client/register"
	SSODevicePath    = "/device_authorization"
	SSOTokenPath     = "/token"
	SSOAuthorizePath = "/authorize"
	SSOVerifyPath    = "/device"
	SSORolesCredPath = "/federation/credentials"
	SSOAccountsPath  = "/assignment/accounts"
	SSORolesPath     = "/assignment/roles"
)

// SSOAccount is an account the SSO user can reach, with the permission
// sets (role names) it has there.
type SSOAccount struct {
	ID, Name, Email string
	Roles           []string
}

// SSO login outcomes a test can choose (SetSSOLogin).
const (
	SSOApprove = "approve" // the person approves at once (the default)
	SSODeny    = "deny"    // the person refuses
	SSOIgnore  = "ignore"  // the person never answers
)

type ssoState struct {
	user     string // the SSO user's name
	login    string // SSOApprove, SSODeny or SSOIgnore
	tokenTTL time.Duration
	accounts []SSOAccount
	clients  map[string]*ssoClient
	devices  map[string]*ssoDevice // by device code
	codes    map[string]*ssoCode   // authorization codes
	access   map[string]time.Time  // access token -> expiry
	refresh  map[string]string     // refresh token -> client id
}

type ssoClient struct {
	secret       string
	expires      time.Time
	redirectURIs []string
	grantTypes   []string
}

type ssoDevice struct {
	clientID, userCode string
	expires            time.Time
	approved, denied   bool
}

type ssoCode struct {
	clientID, redirectURI, challenge string
	expires                          time.Time
}

func (s *Sim) sso() *ssoState {
	if s.ssoSt == nil {
		s.ssoSt = &ssoState{user: "alice", login: SSOApprove, tokenTTL: 8 * time.Hour,
			clients: map[string]*ssoClient{}, devices: map[string]*ssoDevice{}, codes: map[string]*ssoCode{},
			access: map[string]time.Time{}, refresh: map[string]string{}}
	}
	return s.ssoSt
}

// AddSSOAccount makes an account and its roles reachable through SSO.
func (s *Sim) AddSSOAccount(a SSOAccount) error {
	if !accountRe().MatchString(a.ID) {
		return fmt.Errorf("%w: SSO account id %q is not 12 digits", ErrInvalidSeed, a.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sso()
	st.accounts = append(st.accounts, a)
	return nil
}

// SetSSOLogin decides how the person answers the next logins.
func (s *Sim) SetSSOLogin(outcome string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso().login = outcome
}

// SetSSOTokenLifetime sets how long access tokens last (default 8h).
func (s *Sim) SetSSOTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sso().tokenTTL = d
}

// serveSSO answers an SSO path; false when path is not one.
func (s *Sim) serveSSO(w http.ResponseWriter, r *http.Request) bool {
	handlers := map[string]func(http.ResponseWriter, *http.Request){
		SSORegisterPath: s.ssoRegister, SSODevicePath: s.ssoDevice, SSOTokenPath: s.ssoToken,
		SSOAuthorizePath: s.ssoAuthorize, SSOVerifyPath: s.ssoVerify,
		SSORolesCredPath: s.ssoRoleCredentials, SSOAccountsPath: s.ssoAccounts, SSORolesPath: s.ssoRoles,
	}
	h, ok := handlers[r.URL.Path]
	if !ok {
		return false
	}
	s.mu.Lock()
	s.calls["sso:"+strings.TrimPrefix(r.URL.Path, "/")]++
	s.mu.Unlock()
	h(w, r)
	return true
}

// ssoError writes an SSO error as the REST-JSON protocol carries it: the
// type in X-Amzn-ErrorType, OAuth's error and error_description (OIDC)
// or message (portal) in the body.
func ssoError(w http.ResponseWriter, status int, typ, oauth, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	body := map[string]string{"message": msg}
	if oauth != "" {
		body = map[string]string{"error": oauth, "error_description": msg}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON(r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	return err == nil && json.Unmarshal(body, v) == nil
}

func (s *Sim) ssoRegister(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientName   string   `json:"clientName"`
		ClientType   string   `json:"clientType"`
		GrantTypes   []string `json:"grantTypes"`
		RedirectUris []string `json:"redirectUris"`
		IssuerURL    string   `json:"issuerUrl"`
	}
	if r.Method != http.MethodPost || !readJSON(r, &in) || in.ClientName == "" || in.ClientType != "public" {
		ssoError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "clientName and clientType public are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, secret := "sim-client-"+randomID(12), randomSecret()
	exp := s.now().Add(90 * 24 * time.Hour)
	s.sso().clients[id] = &ssoClient{secret: secret, expires: exp, redirectURIs: in.RedirectUris, grantTypes: in.GrantTypes}
	writeJSON(w, map[string]any{"clientId": id, "clientSecret": secret, "clientIdIssuedAt": s.now().Unix(),
		"clientSecretExpiresAt": exp.Unix()})
}

// client checks a client id and secret. s.mu is held.
func (s *Sim) client(id, secret string) (*ssoClient, bool) {
	c, ok := s.sso().clients[id]
	return c, ok && c.secret == secret && s.now().Before(c.expires)
}

func (s *Sim) ssoDevice(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		StartURL     string `json:"startUrl"`
	}
	if !readJSON(r, &in) || in.StartURL == "" {
		ssoError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "startUrl is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.client(in.ClientID, in.ClientSecret); !ok {
		ssoError(w, http.StatusUnauthorized, "InvalidClientException", "invalid_client", "Invalid client")
		return
	}
	code, user := randomID(24), randomID(4)+"-"+randomID(4)
	s.sso().devices[code] = &ssoDevice{clientID: in.ClientID, userCode: user, expires: s.now().Add(10 * time.Minute)}
	base := "http://" + r.Host
	writeJSON(w, map[string]any{"deviceCode": code, "userCode": user, "verificationUri": base + SSOVerifyPath,
		"verificationUriComplete": base + SSOVerifyPath + "?user_code=" + url.QueryEscape(user), "expiresIn": 600, "interval": 1})
}

// ssoVerify is the page a person opens to approve a device code.
func (s *Sim) ssoVerify(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user_code")
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sso()
	for _, d := range st.devices {
		if d.userCode != user {
			continue
		}
		switch st.login {
		case SSOApprove:
			d.approved = true
			_, _ = io.WriteString(w, "approved: return to your terminal\n")
		case SSODeny:
			d.denied = true
			_, _ = io.WriteString(w, "denied\n")
		default:
			_, _ = io.WriteString(w, "waiting\n")
		}
		return
	}
	http.Error(w, "unknown code", http.StatusNotFound)
}

// ssoAuthorize is the browser's authorization page of the authorization
// code flow: it redirects to the loopback redirect_uri with a code (or
// error=access_denied), or keeps the person waiting.
func (s *Sim) ssoAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.sso().clients[q.Get("client_id")]
	redirect := q.Get("redirect_uri")
	switch {
	case !ok || !slices.Contains(c.redirectURIs, redirect) && !loopbackVariant(c.redirectURIs, redirect):
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "response_type code with an S256 code_challenge is required", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := url.Values{"state": {q.Get("state")}}
	switch s.sso().login {
	case SSODeny:
		v.Set("error", "access_denied")
	case SSOIgnore:
		_, _ = io.WriteString(w, "waiting for you to sign in\n")
		return
	default:
		code := randomID(32)
		s.sso().codes[code] = &ssoCode{clientID: q.Get("client_id"), redirectURI: redirect, challenge: q.Get("code_challenge"), expires: s.now().Add(5 * time.Minute)}
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound) //nolint:gosec // the client's registered loopback redirect_uri, checked above
}

// loopbackVariant: a registered loopback redirect URI matches on any port
// (RFC 8252 §7.3).
func loopbackVariant(registered []string, got string) bool {
	g, err := url.Parse(got)
	if err != nil || g.Hostname() != "127.0.0.1" {
		return false
	}
	for _, r := range registered {
		if u, err := url.Parse(r); err == nil && u.Hostname() == "127.0.0.1" && u.Path == g.Path {
			return true
		}
	}
	return false
}

func (s *Sim) ssoToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		GrantType    string `json:"grantType"`
		DeviceCode   string `json:"deviceCode"`
		Code         string `json:"code"`
		RedirectURI  string `json:"redirectUri"`
		CodeVerifier string `json:"codeVerifier"`
		RefreshToken string `json:"refreshToken"`
	}
	if !readJSON(r, &in) {
		ssoError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "malformed body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.client(in.ClientID, in.ClientSecret); !ok {
		ssoError(w, http.StatusUnauthorized, "InvalidClientException", "invalid_client", "Invalid client")
		return
	}
	var status int
	var typ, oauth, msg string
	switch in.GrantType {
	case "urn:ietf:params:oauth:grant-type:device_code":
		status, typ, oauth, msg = s.deviceGrant(in.ClientID, in.DeviceCode)
	case "authorization_code":
		status, typ, oauth, msg = s.codeGrant(in.ClientID, in.Code, in.RedirectURI, in.CodeVerifier)
	case "refresh_token":
		if s.sso().refresh[in.RefreshToken] != in.ClientID {
			status, typ, oauth, msg = http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided"
		}
	default:
		status, typ, oauth, msg = http.StatusBadRequest, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type"
	}
	if status != 0 {
		ssoError(w, status, typ, oauth, msg)
		return
	}
	st := s.sso()
	access, refresh := "sim-access-"+randomID(32), "sim-refresh-"+randomID(32)
	st.access[access] = s.now().Add(st.tokenTTL)
	st.refresh[refresh] = in.ClientID
	delete(st.refresh, in.RefreshToken) // refresh tokens rotate
	writeJSON(w, map[string]any{"accessToken": access, "tokenType": "Bearer", "expiresIn": int(st.tokenTTL / time.Second), "refreshToken": refresh})
}

// deviceGrant checks a device code. s.mu is held.
func (s *Sim) deviceGrant(clientID, code string) (int, string, string, string) {
	d, ok := s.sso().devices[code]
	switch {
	case !ok || d.clientID != clientID:
		return http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid device code provided"
	case s.now().After(d.expires):
		return http.StatusBadRequest, "ExpiredTokenException", "expired_token", "Device code has expired"
	case d.denied:
		return http.StatusBadRequest, "AccessDeniedException", "access_denied", "Access denied by the user"
	case !d.approved:
		return http.StatusBadRequest, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending"
	}
	delete(s.sso().devices, code)
	return 0, "", "", ""
}

// codeGrant checks an authorization code and its PKCE verifier. s.mu is
// held.
func (s *Sim) codeGrant(clientID, code, redirect, verifier string) (int, string, string, string) {
	c, ok := s.sso().codes[code]
	if !ok || c.clientID != clientID || c.redirectURI != redirect || s.now().After(c.expires) {
		return http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid authorization code provided"
	}
	sum := sha256.Sum256([]byte(verifier))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
		return http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Code verifier does not match the code challenge"
	}
	delete(s.sso().codes, code)
	return 0, "", "", ""
}

// bearer checks the portal's x-amz-sso_bearer_token. s.mu is held.
func (s *Sim) bearer(r *http.Request) bool {
	exp, ok := s.sso().access[r.Header.Get("X-Amz-Sso_bearer_token")]
	return ok && s.now().Before(exp)
}

func (s *Sim) ssoRoleCredentials(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bearer(r) {
		ssoError(w, http.StatusUnauthorized, "UnauthorizedException", "", "Session token not found or invalid")
		return
	}
	acct, role := q.Get("account_id"), q.Get("role_name")
	i := slices.IndexFunc(s.sso().accounts, func(a SSOAccount) bool { return a.ID == acct && slices.Contains(a.Roles, role) })
	if i < 0 {
		ssoError(w, http.StatusForbidden, "ForbiddenException", "", "No access")
		return
	}
	sess := &session{
		keyID: "ASIA" + randomID(16), secret: randomSecret(), token: randomToken(0),
		kind: KindAssumedRole, account: acct, temporary: true, issuedBy: "GetRoleCredentials",
		arn:        "arn:aws:sts::" + acct + ":assumed-role/AWSReservedSSO_" + role + "_0123456789abcdef/" + s.sso().user,
		userID:     "AROA" + randomID(17) + ":" + s.sso().user,
		expiration: s.now().Add(time.Hour).Truncate(time.Second),
	}
	s.keys[sess.keyID] = sess
	writeJSON(w, map[string]any{"roleCredentials": map[string]any{"accessKeyId": sess.keyID, "secretAccessKey": sess.secret,
		"sessionToken": sess.token, "expiration": sess.expiration.UnixMilli()}})
}

// page is one page of n items from next (a decimal offset).
func page(total int, q url.Values) (from, to int, next string) {
	from, _ = strconv.Atoi(q.Get("next_token"))
	n, err := strconv.Atoi(q.Get("max_result"))
	if err != nil || n <= 0 || n > 100 {
		n = 20
	}
	from = max(0, min(from, total))
	to = min(total, from+n)
	if to < total {
		next = strconv.Itoa(to)
	}
	return from, to, next
}

func (s *Sim) ssoAccounts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bearer(r) {
		ssoError(w, http.StatusUnauthorized, "UnauthorizedException", "", "Session token not found or invalid")
		return
	}
	accts := s.sso().accounts
	from, to, next := page(len(accts), r.URL.Query())
	list := make([]map[string]string, 0, to-from)
	for _, a := range accts[from:to] {
		list = append(list, map[string]string{"accountId": a.ID, "accountName": a.Name, "emailAddress": a.Email})
	}
	out := map[string]any{"accountList": list}
	if next != "" {
		out["nextToken"] = next
	}
	writeJSON(w, out)
}

func (s *Sim) ssoRoles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bearer(r) {
		ssoError(w, http.StatusUnauthorized, "UnauthorizedException", "", "Session token not found or invalid")
		return
	}
	acct := r.URL.Query().Get("account_id")
	var roles []string
	for _, a := range s.sso().accounts {
		if a.ID == acct {
			roles = a.Roles
		}
	}
	from, to, next := page(len(roles), r.URL.Query())
	list := make([]map[string]string, 0, to-from)
	for _, role := range roles[from:to] {
		list = append(list, map[string]string{"roleName": role, "accountId": acct})
	}
	out := map[string]any{"roleList": list}
	if next != "" {
		out["nextToken"] = next
	}
	writeJSON(w, out)
}
