package creds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/switcher-cli/switcher/profiles"
)

// SourceError is a failure to get the first credentials of a chain.
type SourceError struct {
	Profile string // the source profile
	Kind    profiles.SourceKind
	Pos     profiles.Pos
	Err     error
}

func (e *SourceError) Error() string {
	s := fmt.Sprintf("profile %s: getting %s credentials: %v", e.Profile, e.Kind, e.Err)
	if p := e.Pos.String(); p != "" {
		s += " (" + p + ")"
	}
	return s
}

func (e *SourceError) Unwrap() error { return e.Err }

// sourceKeyID is the access key id of a chain's source when it is known
// without running anything (static keys, the environment); "" otherwise. It
// goes into cache keys so new keys never reuse an old session.
func (e *Engine) sourceKeyID(src profiles.Source) string {
	switch src.Kind {
	case profiles.SourceStatic:
		if p, ok := e.Config.Profile(src.Profile); ok {
			return p.Value(profiles.KeyAccessKeyID)
		}
	case profiles.SourceCredentialSource:
		if src.Setting.Value == profiles.CredentialSourceEnvironment {
			return envKeyID(e.getenv())
		}
	case profiles.SourceKeyring:
		if e.Keys != nil {
			return e.Keys.Version(src.Profile) // no keyring read
		}
	}
	return ""
}

func envKeyID(getenv func(string) string) string {
	if v := getenv("AWS_ACCESS_KEY_ID"); v != "" {
		return v
	}
	return getenv("AWS_ACCESS_KEY")
}

// sourceProvider returns the SDK provider for a chain's source. Web
// identity has none: its first step is AssumeRoleWithWebIdentity.
func (e *Engine) sourceProvider(src profiles.Source, res resolved) (aws.CredentialsProvider, error) {
	prof, _ := e.Config.Profile(src.Profile)
	val := func(key string) string {
		if prof == nil {
			return ""
		}
		return prof.Value(key)
	}
	switch src.Kind {
	case profiles.SourceStatic:
		id, secret := val(profiles.KeyAccessKeyID), val(profiles.KeySecretAccessKey)
		if id == "" || secret == "" {
			return nil, fmt.Errorf("aws_access_key_id and aws_secret_access_key must both be set")
		}
		return credentials.NewStaticCredentialsProvider(id, secret, val(profiles.KeySessionToken)), nil
	case profiles.SourceCredentialSource:
		return e.credentialSourceProvider(src.Setting.Value)
	case profiles.SourceCredentialProcess:
		cmd := val(profiles.KeyCredentialProcess)
		if cmd == "" {
			cmd = src.Setting.Value
		}
		return processcreds.NewProvider(commandLine(cmd)), nil
	case profiles.SourceSSO:
		return e.ssoProvider(prof)
	case profiles.SourceLogin:
		return e.loginProvider(src, res)
	case profiles.SourceWebIdentity:
		return nil, nil
	case profiles.SourceKeyring:
		return e.keyringProvider(src.Profile)
	}
	return nil, fmt.Errorf("unknown credential source")
}

// commandLine is a credential_process or mfa_process value as one command
// line: a value continued on indented lines (read with newlines, as the
// AWS CLI reads it) has its lines joined with blanks, as the AWS CLI's
// shlex split treats them, rather than run as separate shell commands.
func commandLine(v string) string {
	return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\n", " ")
}

// credentialSourceProvider is the provider of credential_source =
// Environment, Ec2InstanceMetadata or EcsContainer.
func (e *Engine) credentialSourceProvider(value string) (aws.CredentialsProvider, error) {
	getenv := e.getenv()
	switch value {
	case profiles.CredentialSourceEnvironment:
		id := envKeyID(getenv)
		secret := getenv("AWS_SECRET_ACCESS_KEY")
		if secret == "" {
			secret = getenv("AWS_SECRET_KEY")
		}
		if id == "" || secret == "" {
			return nil, fmt.Errorf("credential_source = Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
		}
		return credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN")), nil
	case profiles.CredentialSourceEC2:
		if strings.EqualFold(getenv("AWS_EC2_METADATA_DISABLED"), "true") {
			return nil, fmt.Errorf("credential_source = Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED is true")
		}
		io := imds.Options{Endpoint: getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")}
		if e.HTTPClient != nil {
			io.HTTPClient = e.HTTPClient
		}
		client := imds.New(io)
		return aws.NewCredentialsCache(ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = client })), nil
	case profiles.CredentialSourceECS:
		return e.containerProvider()
	}
	return nil, fmt.Errorf("credential_source %q is not one of Environment, Ec2InstanceMetadata, EcsContainer", value)
}

// containerProvider is the ECS container credentials endpoint from the
// environment, as the SDK reads it.
func (e *Engine) containerProvider() (aws.CredentialsProvider, error) {
	getenv := e.getenv()
	url := getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if url == "" {
		rel := getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
		if rel == "" {
			return nil, fmt.Errorf("credential_source = EcsContainer but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
		}
		url = "http://169.254.170.2" + rel
	}
	if err := checkContainerURL(url); err != nil {
		return nil, err
	}
	token := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	tokenFile := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
	p := endpointcreds.New(url, func(o *endpointcreds.Options) {
		if e.HTTPClient != nil {
			o.HTTPClient = e.HTTPClient
		}
		o.AuthorizationToken = token
		if tokenFile != "" {
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return "", fmt.Errorf("reading AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
				}
				return strings.TrimSpace(string(b)), nil
			})
		}
	})
	return aws.NewCredentialsCache(p), nil
}

// ssoProvider reads the SSO settings (legacy sso_start_url in the profile,
// or an [sso-session NAME] section) and uses the SDK's cached-token
// provider: `aws sso login` must have run. The token is read from
// ~/.aws/sso/cache as the SDK finds it (its own home directory lookup).
func (e *Engine) ssoProvider(prof *profiles.Profile) (aws.CredentialsProvider, error) {
	if prof == nil {
		return nil, fmt.Errorf("sso profile not found")
	}
	account, role := prof.Value(profiles.KeySSOAccountID), prof.Value(profiles.KeySSORoleName)
	startURL, region := prof.Value(profiles.KeySSOStartURL), prof.Value(profiles.KeySSORegion)
	sessionName := prof.Value(profiles.KeySSOSession)
	if sessionName != "" {
		sec, ok := e.Config.SSOSession(sessionName)
		if !ok {
			return nil, fmt.Errorf("sso_session %q has no [sso-session %s] section", sessionName, sessionName)
		}
		if v := sec.Keys[profiles.KeySSOStartURL].Value; v != "" {
			startURL = v
		}
		if v := sec.Keys[profiles.KeySSORegion].Value; v != "" {
			region = v
		}
	}
	if account == "" || role == "" || startURL == "" || region == "" {
		return nil, fmt.Errorf("sso needs sso_account_id, sso_role_name, sso_start_url and sso_region")
	}
	var httpClient sso.HTTPClient
	if e.HTTPClient != nil {
		httpClient = e.HTTPClient
	}
	// Service endpoints as the SDK reads them (AWS_ENDPOINT_URL_<SERVICE>,
	// then AWS_ENDPOINT_URL); the STS endpoint settings do not apply.
	getenv := e.getenv()
	endpoint := func(service string) *string {
		for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
			if v := getenv(k); v != "" {
				return aws.String(v)
			}
		}
		return nil
	}
	ssoClient := sso.New(sso.Options{Region: region, HTTPClient: httpClient, BaseEndpoint: endpoint("SSO")})
	cacheDir, err := e.ssoCacheDir()
	if err != nil {
		return nil, err
	}
	if sessionName != "" {
		tokenPath := SSOCachePath(cacheDir, sessionName)
		oidc := ssooidc.New(ssooidc.Options{Region: region, HTTPClient: httpClient, BaseEndpoint: endpoint("SSO_OIDC")})
		return aws.NewCredentialsCache(ssocreds.New(ssoClient, account, role, startURL, func(o *ssocreds.Options) {
			o.SSOTokenProvider = ssocreds.NewSSOTokenProvider(oidc, tokenPath)
		})), nil
	}
	return aws.NewCredentialsCache(ssocreds.New(ssoClient, account, role, startURL, func(o *ssocreds.Options) {
		o.CachedTokenFilepath = SSOCachePath(cacheDir, startURL)
	})), nil
}

// ssoCacheDir is the AWS CLI's SSO token cache of the engine's home
// (~/.aws/sso/cache), where switcher login and aws sso login write.
func (e *Engine) ssoCacheDir() (string, error) {
	home := e.getenv()("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for the SSO token cache: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".aws", "sso", "cache"), nil
}

// sourceCredentials runs the source provider once.
func (e *Engine) sourceCredentials(ctx context.Context, src profiles.Source, res resolved) (*Credentials, error) {
	p, err := e.sourceProvider(src, res)
	if err == nil && p == nil {
		return nil, nil
	}
	if err == nil {
		var c aws.Credentials
		c, err = p.Retrieve(ctx)
		if err == nil {
			out := fromAWS(c)
			return &out, nil
		}
	}
	if src.Kind == profiles.SourceSSO && ssoLoginNeeded(err) {
		return nil, e.ssoLoginError(src, err)
	}
	if src.Kind == profiles.SourceLogin && loginNeeded(err) {
		return nil, &SourceError{Profile: src.Profile, Kind: src.Kind, Pos: src.Setting.Pos,
			Err: fmt.Errorf("the aws login session %s has no valid cached token (%w); run `aws login --profile %s` and try again", src.Setting.Value, err, src.Profile)}
	}
	return nil, &SourceError{Profile: src.Profile, Kind: src.Kind, Pos: src.Setting.Pos, Err: err}
}

// loginProvider is the source of a login_session profile (`aws login`,
// AWS CLI 2.32+). While the session's cached access token (in
// $AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache, as the SDK's login
// provider finds it) is valid, its keys are used as they are. Once it has
// expired (it lasts minutes), the AWS CLI, which owns the login, refreshes
// it: `aws configure export-credentials --profile NAME --format process`.
// (The SDK's own login provider would refresh it in process, but linking
// its sign-in client costs every switcher process about 2 ms of package
// initialisation, the credential_process hit included.)
func (e *Engine) loginProvider(src profiles.Source, _ resolved) (aws.CredentialsProvider, error) {
	getenv := e.getenv()
	path, err := loginTokenPath(src.Setting.Value, getenv)
	if err != nil {
		return nil, err
	}
	cfgFile := ""
	if e.Config != nil {
		cfgFile = e.Config.ConfigFile
	}
	return aws.NewCredentialsCache(&loginSource{path: path, profile: src.Profile, configFile: cfgFile, now: e.now, environ: e.Environ}), nil
}

// loginTokenPath is where `aws login` caches session's token: the hex
// SHA-256 of the session (trimmed) in $AWS_LOGIN_CACHE_DIRECTORY, else
// ~/.aws/login/cache.
func loginTokenPath(session string, getenv func(string) string) (string, error) {
	dir := getenv("AWS_LOGIN_CACHE_DIRECTORY")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("no home directory for the aws login cache: %w", err)
			}
			home = h
		}
		dir = filepath.Join(home, ".aws", "login", "cache")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), nil
}

// loginSource reads an aws login token, or has the AWS CLI refresh it.
type loginSource struct {
	path, profile, configFile string
	now                       func() time.Time
	environ                   func() []string // nil: the process's
}

// loginToken is the part of the cached token switcher reads.
type loginToken struct {
	AccessToken *struct {
		AccessKeyID     string    `json:"accessKeyId"`
		SecretAccessKey string    `json:"secretAccessKey"`
		SessionToken    string    `json:"sessionToken"`
		ExpiresAt       time.Time `json:"expiresAt"`
	} `json:"accessToken"`
}

func (l *loginSource) Retrieve(ctx context.Context) (aws.Credentials, error) {
	data, err := os.ReadFile(l.path)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("reading the login token %s: %w", l.path, err)
	}
	var tok loginToken
	if err := json.Unmarshal(data, &tok); err != nil || tok.AccessToken == nil || tok.AccessToken.AccessKeyID == "" {
		return aws.Credentials{}, fmt.Errorf("the login token %s is not one aws login wrote", l.path)
	}
	if t := tok.AccessToken; l.now().Add(time.Minute).Before(t.ExpiresAt) {
		return aws.Credentials{AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken,
			CanExpire: true, Expires: t.ExpiresAt, Source: "aws login"}, nil
	}
	return l.refresh(ctx)
}

// refresh has the AWS CLI refresh the login and print the credentials.
func (l *loginSource) refresh(ctx context.Context) (aws.Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", "configure", "export-credentials", "--profile", l.profile, "--format", "process")
	if l.configFile != "" && l.environ != nil {
		if env := l.environ(); len(env) > 0 {
			cmd.Env = append(env, "AWS_CONFIG_FILE="+l.configFile) // the file switcher read
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return aws.Credentials{}, fmt.Errorf("the cached login token has expired and `aws configure export-credentials --profile %s` could not refresh it: %w: %s (please reauthenticate)", l.profile, err, msg)
	}
	var v struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken"`
		Expiration      string `json:"Expiration"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.AccessKeyID == "" {
		return aws.Credentials{}, fmt.Errorf("aws configure export-credentials printed no credentials")
	}
	c := aws.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken, Source: "aws login"}
	if t, err := time.Parse(time.RFC3339, v.Expiration); err == nil {
		c.CanExpire, c.Expires = true, t
	}
	return c, nil
}

// loginNeeded reports whether the login provider failed for want of a
// (fresh) `aws login`.
func loginNeeded(err error) bool {
	msg := err.Error()
	return errors.Is(err, fs.ErrNotExist) || strings.Contains(msg, "reauthenticate") || strings.Contains(msg, "login token")
}

// ErrSSOLogin is matched (errors.Is) by every *SSOLoginError.
var ErrSSOLogin = errors.New("sso login needed")

// SSOLoginError is an SSO source without a usable login: no cached token,
// or one that expired and cannot be refreshed.
type SSOLoginError struct {
	Profile  string
	Session  string // the sso_session; "" for a profile with its own sso_start_url
	StartURL string
	Pos      profiles.Pos
	Err      error
}

func (e *SSOLoginError) Error() string {
	who := "sso_start_url " + e.StartURL
	if e.Session != "" {
		who = fmt.Sprintf("sso_session %s (%s)", e.Session, e.StartURL)
	}
	s := fmt.Sprintf("profile %s: no valid SSO login for %s: the cached token is missing or expired; run `%s` (or `%s`) and try again",
		e.Profile, who, e.LoginCommand(), e.AWSLoginCommand())
	if p := e.Pos.String(); p != "" {
		s += " (" + p + ")"
	}
	return s
}

// LoginCommand is the switcher command that logs in.
func (e *SSOLoginError) LoginCommand() string {
	if e.Session != "" {
		return "switcher login --sso-session " + e.Session
	}
	return "switcher login " + e.Profile
}

// AWSLoginCommand is the AWS CLI's.
func (e *SSOLoginError) AWSLoginCommand() string {
	if e.Session != "" {
		return "aws sso login --sso-session " + e.Session
	}
	return "aws sso login --profile " + e.Profile
}

func (e *SSOLoginError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrSSOLogin) true.
func (e *SSOLoginError) Is(target error) bool { return target == ErrSSOLogin }

// ssoLoginNeeded reports whether the SDK's SSO provider failed for want of
// a login: the cached token is missing, unreadable or expired.
func ssoLoginNeeded(err error) bool {
	var inv *ssocreds.InvalidTokenError
	if errors.As(err, &inv) || errors.Is(err, fs.ErrNotExist) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "cached SSO token") || strings.Contains(msg, "SSO token")
}

func (e *Engine) ssoLoginError(src profiles.Source, err error) error {
	le := &SSOLoginError{Profile: src.Profile, Pos: src.Setting.Pos, Err: err}
	if p, ok := e.Config.Profile(src.Profile); ok {
		le.Session, le.StartURL = p.Value(profiles.KeySSOSession), p.Value(profiles.KeySSOStartURL)
		if sec, ok := e.Config.SSOSession(le.Session); ok && le.Session != "" {
			le.StartURL = sec.Keys[profiles.KeySSOStartURL].Value
		}
	}
	return le
}

// checkContainerURL allows what the SDK's own resolver allows: https, or
// http to a loopback address or the ECS/EKS credential endpoints, so an
// authorization token is never sent in clear to another host.
func checkContainerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("container credentials URL %q is not a URL", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme != "http" {
		return fmt.Errorf("container credentials URL %q must be http or https", raw)
	}
	host := u.Hostname()
	switch host {
	case "localhost", "169.254.170.2", "169.254.170.23", "fd00:ec2::23":
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("container credentials URL %q: plain http is only allowed to loopback or the ECS/EKS endpoints", raw)
}
