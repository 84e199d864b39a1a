// Package profiles owns the AWS shared config and credentials files: it parses
// both (as the AWS CLI reads them), remembers the file and line of every
// setting, resolves a profile into a chain of a credential source and role
// hops, plans the STS calls that chain needs, and lints the files.
//
// It does no I/O: callers hand it the bytes of each file.
//
// Load reads both files with its own one-pass parser (parse.go), which
// also records the line of every setting. gopkg.in/ini.v1, with AWS-CLI-like
// options, stays as the reference reading in the tests: FuzzLoad and
// TestParseMatchesINI check that both read every input the same way.
//
//	cfg, err := profiles.Load(configPath, configBytes, credsPath, credsBytes)
//	plan, err := cfg.Plan("prod", profiles.PlanOptions{})
package profiles

import "strconv"

// Pos is where a setting or section came from.
type Pos struct {
	File string // path as given to Load
	Line int    // 1-based
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0: // a whole file, or a flag (FlagDuration)
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// FlagDuration is the position of a duration given with --duration, and
// FlagSessionPolicy(ARNs) of --session-policy(-arns).
var (
	FlagDuration          = Pos{File: "--duration"}            //nolint:gochecknoglobals // a constant Pos
	FlagSessionPolicy     = Pos{File: "--session-policy"}      //nolint:gochecknoglobals // a constant Pos
	FlagSessionPolicyARNs = Pos{File: "--session-policy-arns"} //nolint:gochecknoglobals // a constant Pos
)

// Value is one setting with its provenance.
type Value struct {
	Value string
	Pos   Pos
}

// Setting keys switcher understands. Keys are case-insensitive; they are
// stored lower-cased.
const (
	KeyRoleARN               = "role_arn"
	KeySourceProfile         = "source_profile"
	KeyCredentialSource      = "credential_source"
	KeyMFASerial             = "mfa_serial"
	KeyExternalID            = "external_id"
	KeyRoleSessionName       = "role_session_name"
	KeyDurationSeconds       = "duration_seconds"
	KeyRegion                = "region"
	KeyAccessKeyID           = "aws_access_key_id"
	KeySecretAccessKey       = "aws_secret_access_key"
	KeySessionToken          = "aws_session_token"
	KeyCredentialProcess     = "credential_process"
	KeyWebIdentityTokenFile  = "web_identity_token_file"
	KeySSOSession            = "sso_session"
	KeySSOStartURL           = "sso_start_url"
	KeyLoginSession          = "login_session"
	KeySSORegion             = "sso_region"
	KeySSOAccountID          = "sso_account_id"
	KeySSORoleName           = "sso_role_name"
	KeyEndpointURL           = "endpoint_url"
	KeyServices              = "services"
	KeyMFAProcess            = "mfa_process"             // switcher: command printing an MFA code
	KeySessionTags           = "session_tags"            // switcher: "k=v,k2=v2"
	KeyTransitiveSessionTags = "transitive_session_tags" // switcher: "k,k2"
	KeySourceIdentity        = "source_identity"         // switcher
	KeyMFASessionDuration    = "mfa_session_duration"    // switcher: seconds, GetSessionToken
	KeySessionPolicy         = "session_policy"          // switcher: inline JSON or file://PATH, AssumeRole's Policy
	KeySessionPolicyARNs     = "session_policy_arns"     // switcher: "arn,arn", AssumeRole's PolicyArns
)

// Profile is one named profile after both files are merged the way the AWS
// CLI merges them (a key in the credentials file wins over the same key in
// the config file).
type Profile struct {
	Name string
	// Pos is the section header: the config file's when the profile is
	// there, else the credentials file's.
	Pos            Pos
	InConfig       bool
	InCredentials  bool
	CredentialsPos Pos // header in the credentials file, when InCredentials
	// Keyring is the keyring backend holding this profile's long-term
	// keys (AddKeyring); "" when they are not in a keyring.
	Keyring string
	// Keys holds lower-cased key → value.
	Keys map[string]Value
	// Sub holds nested settings such as
	//   s3 =
	//     max_concurrent_requests = 10
	// keyed by the parent key, then the nested key (nil when none).
	Sub map[string]map[string]Value
}

// Get returns a setting and whether it is set (non-empty).
func (p *Profile) Get(key string) (Value, bool) {
	v, ok := p.Keys[key]
	return v, ok && v.Value != ""
}

// Setting is a setting as written, with its position (zero when absent).
func (p *Profile) Setting(key string) Value { return p.Keys[key] }

// Value returns a setting's value, or "".
func (p *Profile) Value(key string) string { return p.Keys[key].Value }

// IsRole reports whether the profile assumes a role.
func (p *Profile) IsRole() bool { _, ok := p.Get(KeyRoleARN); return ok }

// Section is a non-profile section: [sso-session NAME] or [services NAME].
type Section struct {
	Name string
	Pos  Pos
	Keys map[string]Value
	// Sub holds nested settings such as
	//   sts =
	//     endpoint_url = http://localhost:4566
	// keyed by the parent key ("sts"), then the nested key.
	Sub map[string]map[string]Value
}

// SourceKind says where the first credentials of a chain come from.
type SourceKind int

const (
	SourceStatic            SourceKind = iota + 1 // aws_access_key_id/aws_secret_access_key (maybe aws_session_token)
	SourceCredentialSource                        // credential_source = Environment | Ec2InstanceMetadata | EcsContainer
	SourceCredentialProcess                       // credential_process = CMD
	SourceSSO                                     // sso_* settings, cached token
	SourceWebIdentity                             // web_identity_token_file + role_arn (AssumeRoleWithWebIdentity)
	SourceKeyring                                 // long-term keys in the OS keyring (switcher keys add)
	SourceLogin                                   // login_session (aws login, AWS CLI 2.32+): a cached token
)

func (k SourceKind) String() string {
	switch k {
	case SourceStatic:
		return "static keys"
	case SourceCredentialSource:
		return "credential_source"
	case SourceCredentialProcess:
		return "credential_process"
	case SourceSSO:
		return "sso"
	case SourceWebIdentity:
		return "web identity"
	case SourceKeyring:
		return "keyring"
	case SourceLogin:
		return "login session"
	}
	return "unknown"
}

// Source is the start of a chain.
type Source struct {
	Kind    SourceKind
	Profile string // the profile holding the source settings
	// Setting is the key that chose the source (aws_access_key_id,
	// credential_source, credential_process, sso_start_url/sso_session,
	// web_identity_token_file) with its value and position. For static keys
	// the value is the key id; callers must not print it whole.
	Setting Value
	// Temporary is true when the source's credentials are known to be
	// temporary (a session token, SSO, web identity, instance or container
	// roles). AssumeRole signed by temporary credentials is capped at 1 hour.
	// Environment and credential_process are only known at run time.
	Temporary bool
}

// LongTerm reports whether the source is an IAM user's long-term access
// keys (static keys without a session token, or keys in the keyring):
// those can call GetSessionToken, and are never handed out as a session.
func (s Source) LongTerm() bool {
	return s.Kind == SourceKeyring || s.Kind == SourceStatic && !s.Temporary
}

// Words says in words which credentials a chain starts from, with where
// they are set: "static keys of dev (credentials:3)", "keyring
// (secret-service) of alice".
func (s Source) Words() string { return sourceWords(s) }

// Hop is one AssumeRole call: the role of Profile.
type Hop struct {
	Profile         string
	RoleARN         Value
	ExternalID      Value
	SessionName     Value // role_session_name; empty means the caller picks a default
	Duration        Value // duration_seconds as written
	DurationSeconds int   // parsed; 0 when unset
	MFASerial       Value
	SourceIdentity  Value
	SessionTags     Value
	TransitiveTags  Value
	SessionPolicy   Value // session_policy: inline JSON or file://PATH
	PolicyARNs      Value // session_policy_arns
}

// Chain is a profile resolved into a source and role hops, in call order.
type Chain struct {
	Target string // the profile asked for
	Source Source
	Hops   []Hop
	// Names lists the profiles involved, target first, source last.
	Names []string
	// Region is the first region set along the chain, target first.
	Region Value
	// MFAProcess is the first mfa_process set along the chain, target first.
	MFAProcess Value
	// MFASessionDuration is mfa_session_duration from the source profile or
	// the first along the chain; 0 when unset.
	MFASessionDuration Value
	// EndpointURL is the first endpoint_url found for STS along the chain
	// (profile endpoint_url, or its services section's sts endpoint_url).
	EndpointURL Value
}

// StepKind is the STS API a plan step calls.
type StepKind int

const (
	StepGetSessionToken StepKind = iota + 1
	StepAssumeRole
	StepAssumeRoleWithWebIdentity
)

func (k StepKind) String() string {
	switch k {
	case StepGetSessionToken:
		return "GetSessionToken"
	case StepAssumeRole:
		return "AssumeRole"
	case StepAssumeRoleWithWebIdentity:
		return "AssumeRoleWithWebIdentity"
	}
	return "unknown"
}

// MFAMode says how a plan uses MFA.
type MFAMode int

const (
	MFANone    MFAMode = iota // no mfa_serial along the chain
	MFASession                // GetSessionToken with the code on the source, then every hop signed by that session
	MFADirect                 // the code is sent on AssumeRole itself
)

func (m MFAMode) String() string {
	switch m {
	case MFASession:
		return "session"
	case MFADirect:
		return "direct"
	}
	return "none"
}

// Step is one planned STS call.
type Step struct {
	Kind    StepKind
	Hop     int    // index into Chain.Hops; -1 for GetSessionToken
	Profile string // profile whose settings drive the call
	RoleARN string
	// SignedBy says in words which credentials sign the call, e.g.
	// "static keys of dev (credentials:3)", "MFA session of dev",
	// "role session of ops".
	SignedBy string
	// Chained is true when the signing credentials are temporary, so AWS
	// caps the session at 1 hour.
	Chained bool
	// MFASerial is set when this call carries the MFA code.
	MFASerial string
	// RequestedSeconds is what the config (or --duration) asks; 0 means the
	// STS default. GrantedSeconds is what STS will give (capped when chained).
	RequestedSeconds int
	GrantedSeconds   int
	Capped           bool
	DurationPos      Pos
	// Policy and PolicyARNs scope the session down (AssumeRole's Policy
	// and PolicyArns): the hop's session_policy and session_policy_arns,
	// or for the final hop --session-policy and --session-policy-arns.
	Policy     Value
	PolicyARNs Value
}

// PlanOptions changes a plan the way command-line flags do.
type PlanOptions struct {
	// DurationSeconds overrides the final hop's duration (--duration); 0 keeps the config.
	DurationSeconds int
	// NoSession hands out a profile's long-term keys as they are
	// (--no-session), instead of a GetSessionToken session of them.
	NoSession bool
	// SessionPolicy and SessionPolicyARNs scope down the final hop's
	// session (--session-policy, --session-policy-arns); "" keeps the
	// config's.
	SessionPolicy     string
	SessionPolicyARNs string
}

// Plan is the list of STS calls a profile needs, decided before any call.
type Plan struct {
	Chain     *Chain
	MFA       MFAMode
	MFASerial Value // the serial the first MFA code is for, when MFA != MFANone
	Steps     []Step
	Findings  []Finding // warnings (and errors) about this plan
}

// Severity of a finding.
type Severity int

const (
	SeverityWarning Severity = iota + 1
	SeverityError
)

func (s Severity) String() string {
	if s == SeverityError {
		return "error"
	}
	return "warning"
}

// Finding is one problem found in the files, with where it is and what to
// change.
type Finding struct {
	Severity Severity
	Profile  string
	Key      string
	Pos      Pos
	Message  string
	Fix      string
}

// Err is the finding as a *ConfigError.
func (f Finding) Err() error {
	return &ConfigError{Profile: f.Profile, Key: f.Key, Pos: f.Pos, Msg: f.Message, Fix: f.Fix}
}

// Standard durations, in seconds.
const (
	DefaultRoleDuration       = 3600
	ChainedMaxDuration        = 3600
	MinRoleDuration           = 900
	MaxRoleDuration           = 43200
	DefaultMFASessionDuration = 43200
	MinMFASessionDuration     = 900
	MaxMFASessionDuration     = 129600
)
