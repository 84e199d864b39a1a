package profiles

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Plan decides the STS calls a profile needs, before any call:
//
//   - MFA serial: the source profile's mfa_serial, else the first hop's.
//   - MFASession when the source is long-term static keys: GetSessionToken
//     with the code, then every hop signed by temporary credentials, so
//     chained and capped at one hour.
//   - MFADirect when a single hop asks for more than an hour, or when the
//     source is not long-term keys: the code goes on the AssumeRole of the
//     hop whose profile sets mfa_serial.
//
// A hop whose mfa_serial differs from the plan's carries its own code (an
// extra prompt, with a warning). Invalid values and capped durations are
// Findings; only resolve errors are returned as errors.
func (c *Config) Plan(name string, opt PlanOptions) (*Plan, error) {
	ch, err := c.Resolve(name)
	if err != nil {
		return nil, err
	}
	pl := &Plan{Chain: ch}
	requested, reqPos := requestedDurations(ch, opt)
	hops := make([]hopMFA, len(ch.Hops))
	for i, h := range ch.Hops {
		hops[i] = hopMFA{serial: h.MFASerial, seconds: requested[i]}
	}
	m := c.chooseMFA(ch.Source, hops)
	pl.MFA, pl.MFASerial = m.mode, m.serial
	switch {
	case len(ch.Hops) == 0 && opt.NoSession:
		// --no-session: the long-term keys as they are, no code asked.
		pl.MFA, pl.MFASerial = MFANone, Value{}
	case pl.MFA == MFASession:
		pl.Steps = append(pl.Steps, pl.mfaSessionStep())
	case len(ch.Hops) == 0 && ch.Source.LongTerm():
		// Long-term keys are never handed out: a session of them is.
		pl.Steps = append(pl.Steps, pl.mfaSessionStep())
	}
	for i := range ch.Hops {
		st := Step{Kind: StepAssumeRole, Hop: i, Profile: ch.Hops[i].Profile, RoleARN: ch.Hops[i].RoleARN.Value,
			RequestedSeconds: requested[i], DurationPos: reqPos[i],
			Policy: ch.Hops[i].SessionPolicy, PolicyARNs: ch.Hops[i].PolicyARNs}
		if i == len(ch.Hops)-1 {
			pl.flagPolicies(&st, opt)
		}
		pl.signHop(&st)
		pl.hopMFA(&st, m, hops)
		pl.hopDuration(&st)
		pl.Steps = append(pl.Steps, st)
	}
	if m.ignored {
		// Only a web identity hop names a serial: it cannot take a code.
		pl.finding(SeverityWarning, ch.Source.Profile, KeyMFASerial, pl.MFASerial.Pos,
			"mfa_serial is ignored: AssumeRoleWithWebIdentity takes no MFA code", "remove mfa_serial from this profile")
		pl.MFA, pl.MFASerial = MFANone, Value{}
	}
	pl.Findings = append(pl.Findings, c.chainValueFindings(ch.Names, ch.Source.Profile, func(yield func(*Profile) bool) {
		for _, h := range ch.Hops {
			if !yield(c.byName[h.Profile]) {
				return
			}
		}
	})...)
	c.sortFindings(pl.Findings)
	return pl, nil
}

// chainValueFindings checks the settings of every profile along a chain
// (names, target first) against STS's rules, as doctor checks each
// profile: the role settings of each hop, the source's mfa_serial, and
// every mfa_session_duration. Plan reports them, so that a profile that
// doctor finds an error along is one export refuses and list marks.
func (c *Config) chainValueFindings(names []string, source string, hops iter.Seq[*Profile]) []Finding {
	var out []Finding
	isHop := false
	for p := range hops {
		out = append(out, roleValueFindings(p)...)
		isHop = isHop || p.Name == source
	}
	if sp, ok := c.byName[source]; ok && !isHop {
		out = append(out, sourceValueFindings(sp)...)
	}
	for _, n := range names {
		if p, ok := c.byName[n]; ok {
			out = append(out, sessionDurationFindings(p)...)
		}
	}
	return out
}

// roleValueFindings checks a role profile's settings: role_arn, session
// name, external id, mfa_serial, source identity, tags and duration_seconds.
func roleValueFindings(p *Profile) []Finding {
	dur, seconds := hopDuration(p)
	out := valueFindings(p.Name, p.Setting, dur, seconds)
	if seconds != 0 {
		if err := ValidateDuration(seconds); err != nil {
			out = append(out, Finding{Severity: SeverityError, Profile: p.Name, Key: KeyDurationSeconds, Pos: dur.Pos, Message: err.Error(),
				Fix: "use 900 to 43200 seconds (and no more than the role's maximum session duration)"})
		}
	}
	return out
}

// sourceValueFindings checks what a source profile (no role) says to STS:
// its mfa_serial.
func sourceValueFindings(p *Profile) []Finding {
	v, ok := p.Get(KeyMFASerial)
	if !ok {
		return nil
	}
	if err := ValidateMFASerial(v.Value); err != nil {
		return []Finding{{Severity: SeverityError, Profile: p.Name, Key: KeyMFASerial, Pos: v.Pos, Message: err.Error(),
			Fix: "use the device ARN from the IAM console (arn:aws:iam::ACCOUNT_ID:mfa/NAME)"}}
	}
	return nil
}

// sessionDurationFindings checks a profile's mfa_session_duration.
func sessionDurationFindings(p *Profile) []Finding {
	v, ok := p.Get(KeyMFASessionDuration)
	if !ok {
		return nil
	}
	f := Finding{Severity: SeverityError, Profile: p.Name, Key: KeyMFASessionDuration, Pos: v.Pos}
	n, err := strconv.Atoi(v.Value)
	switch {
	case err != nil:
		f.Message, f.Fix = fmt.Sprintf("mfa_session_duration %q is not a whole number of seconds", v.Value), "write seconds, e.g. mfa_session_duration = 43200"
	case ValidateMFASessionDuration(n) != nil:
		f.Message, f.Fix = ValidateMFASessionDuration(n).Error(), "use 900 to 129600 seconds"
	default:
		return nil
	}
	return []Finding{f}
}

// flagPolicies puts --session-policy and --session-policy-arns on the
// final hop, checked as the config's values are.
func (pl *Plan) flagPolicies(st *Step, opt PlanOptions) {
	if opt.SessionPolicy != "" {
		st.Policy = Value{Value: opt.SessionPolicy, Pos: FlagSessionPolicy}
		if !strings.HasPrefix(opt.SessionPolicy, PolicyFile) {
			if _, err := CompactPolicy("--session-policy", opt.SessionPolicy); err != nil {
				pl.finding(SeverityError, st.Profile, KeySessionPolicy, FlagSessionPolicy, err.Error(), "give one JSON policy document, or file://PATH")
			}
		}
	}
	if opt.SessionPolicyARNs != "" {
		st.PolicyARNs = Value{Value: opt.SessionPolicyARNs, Pos: FlagSessionPolicyARNs}
		if _, err := ParsePolicyARNs("--session-policy-arns", opt.SessionPolicyARNs); err != nil {
			pl.finding(SeverityError, st.Profile, KeySessionPolicyARNs, FlagSessionPolicyARNs, err.Error(), "give at most 10 policy ARNs, comma-separated")
		}
	}
}

// requestedDurations is what each hop asks for (duration_seconds, or
// --duration for the last) and where that was said.
func requestedDurations(ch *Chain, opt PlanOptions) ([]int, []Pos) {
	requested := make([]int, len(ch.Hops))
	reqPos := make([]Pos, len(ch.Hops))
	for i, h := range ch.Hops {
		requested[i], reqPos[i] = h.DurationSeconds, h.Duration.Pos
	}
	if n := len(ch.Hops); n > 0 && opt.DurationSeconds > 0 {
		requested[n-1], reqPos[n-1] = opt.DurationSeconds, FlagDuration
	}
	return requested, reqPos
}

// mfaSessionStep is GetSessionToken with the code on the source's keys,
// for mfa_session_duration (checked) or the default.
func (pl *Plan) mfaSessionStep() Step {
	src := pl.Chain.Source
	st := Step{Kind: StepGetSessionToken, Hop: -1, Profile: src.Profile,
		SignedBy: sourceWords(src), MFASerial: pl.MFASerial.Value, GrantedSeconds: DefaultMFASessionDuration}
	v := pl.Chain.MFASessionDuration
	if v.Value == "" {
		return st
	}
	st.DurationPos = v.Pos
	// An invalid value is a finding of chainValueFindings.
	if n, err := strconv.Atoi(v.Value); err == nil && ValidateMFASessionDuration(n) == nil {
		st.RequestedSeconds, st.GrantedSeconds = n, n
	}
	return st
}

// signHop says which credentials sign the hop's call and whether they are
// temporary (chained).
func (pl *Plan) signHop(st *Step) {
	ch, src, i := pl.Chain, pl.Chain.Source, st.Hop
	switch {
	case i == 0 && src.Kind == SourceWebIdentity:
		st.Kind = StepAssumeRoleWithWebIdentity
		st.SignedBy = sourceWords(src)
	case i == 0 && pl.MFA == MFASession:
		st.SignedBy = fmt.Sprintf("MFA session of %s (GetSessionToken with the keys at %s)", src.Profile, src.Setting.Pos)
		st.Chained = true
	case i == 0:
		st.SignedBy = sourceWords(src)
		st.Chained = src.Temporary
	default:
		prev := ch.Hops[i-1]
		st.SignedBy = fmt.Sprintf("role session of %s (hop %d, role_arn at %s)", prev.Profile, i, prev.RoleARN.Pos)
		st.Chained = true
	}
}

// hopMFA sets the serial whose code the hop's call carries, and warns
// when a hop needs a second code.
func (pl *Plan) hopMFA(st *Step, m mfaChoice, hops []hopMFA) {
	h := pl.Chain.Hops[st.Hop]
	st.MFASerial = m.stepSerial(pl.Chain.Source, hops, st.Hop)
	if st.MFASerial != "" && pl.MFASerial.Value != "" && st.MFASerial != pl.MFASerial.Value {
		pl.finding(SeverityWarning, h.Profile, KeyMFASerial, h.MFASerial.Pos,
			fmt.Sprintf("mfa_serial %s differs from %s (%s), so this hop needs a second MFA code", h.MFASerial.Value, pl.MFASerial.Value, pl.MFASerial.Pos),
			"use the same mfa_serial along the chain if one device can satisfy every role's trust policy")
	}
}

// hopDuration decides what the hop's call asks for and what STS grants:
// checked against STS's range, and capped at 1 hour when chained.
func (pl *Plan) hopDuration(st *Step) {
	ch, src, h := pl.Chain, pl.Chain.Source, pl.Chain.Hops[st.Hop]
	want := st.RequestedSeconds
	if want == 0 {
		want = DefaultRoleDuration
	}
	st.GrantedSeconds = want
	if st.RequestedSeconds != 0 && st.DurationPos == FlagDuration {
		// --duration; a duration_seconds is a finding of chainValueFindings.
		if err := ValidateDuration(st.RequestedSeconds); err != nil {
			pl.finding(SeverityError, h.Profile, KeyDurationSeconds, st.DurationPos, durationSource(st.DurationPos)+err.Error(),
				"use 900 to 43200 seconds (and no more than the role's maximum session duration)")
		}
	}
	switch {
	case st.Chained && want > ChainedMaxDuration:
		st.GrantedSeconds, st.Capped = ChainedMaxDuration, true
		pl.finding(SeverityWarning, h.Profile, KeyDurationSeconds, st.DurationPos,
			fmt.Sprintf("%s asks for %s but this AssumeRole is signed by %s, so AWS caps role chaining at 1h; switcher asks for 1h",
				h.Profile, Seconds(want), st.SignedBy),
			chainFix(pl, ch, st.DurationPos))
	case !st.Chained && st.Hop == 0 && want > ChainedMaxDuration && maybeTemporary(src):
		what := "the environment holds"
		if src.Kind == SourceCredentialProcess {
			what = "credential_process returns"
		}
		pl.finding(SeverityWarning, h.Profile, KeyDurationSeconds, st.DurationPos,
			fmt.Sprintf("%s asks for %s; if %s temporary credentials, AWS caps the session at 1h", h.Profile, Seconds(want), what),
			"keep duration_seconds at 3600 or less unless the source credentials are long-term keys")
	}
}

// maybeTemporary: a source whose credentials may or may not be temporary,
// which only the run can tell.
func maybeTemporary(src Source) bool {
	return src.Kind == SourceCredentialProcess || src.Kind == SourceCredentialSource && src.Setting.Value == CredentialSourceEnvironment
}

// mfaChoice is how a plan uses MFA.
type mfaChoice struct {
	mode   MFAMode
	serial Value // the serial of the first code
	// directOnFirst: in direct mode with no hop naming a serial (the
	// serial is the source profile's), the first hop carries the code.
	directOnFirst bool
	// ignored: direct mode, but no AssumeRole can carry the code (only a
	// web identity hop names a serial): the plan has no MFA after all.
	ignored bool
}

// hopMFA is what the MFA decision needs of a hop.
type hopMFA struct {
	serial  Value
	seconds int // asked for; 0 for the default
}

// chooseMFA decides how a chain from src through hops (in call order) uses
// MFA (see Plan):
//
//   - MFA serial: the source profile's mfa_serial, else the first hop's.
//   - MFASession when the source is long-term static keys, unless a single
//     hop asks for more than an hour.
//   - MFADirect otherwise.
func (c *Config) chooseMFA(src Source, hops []hopMFA) mfaChoice {
	var m mfaChoice
	if sp, ok := c.byName[src.Profile]; ok {
		m.serial, _ = sp.Get(KeyMFASerial)
	}
	hopSerial := false
	for _, h := range hops {
		if h.serial.Value != "" {
			if m.serial.Value == "" {
				m.serial = h.serial
			}
			hopSerial = true
		}
	}
	longTerm := src.LongTerm()
	switch {
	case m.serial.Value == "":
		m.mode = MFANone
	case longTerm && !(len(hops) == 1 && hops[0].seconds > ChainedMaxDuration):
		m.mode = MFASession
	default:
		m.mode = MFADirect
	}
	m.directOnFirst = m.mode == MFADirect && !hopSerial
	if m.mode == MFADirect {
		m.ignored = true
		for i := range hops {
			if m.stepSerial(src, hops, i) != "" {
				m.ignored = false
				break
			}
		}
	}
	return m
}

// stepSerial is the serial whose code the AssumeRole of hop i carries, or
// "": in direct mode the hops that name a serial (or the first hop, when
// none does), in session mode a hop naming a different serial than the
// session's; never a web identity call.
func (m mfaChoice) stepSerial(src Source, hops []hopMFA, i int) string {
	h := hops[i].serial.Value
	switch {
	case i == 0 && src.Kind == SourceWebIdentity:
	case m.mode == MFADirect && (h != "" || m.directOnFirst && i == 0):
		if h != "" {
			return h
		}
		return m.serial.Value
	case m.mode == MFASession && h != "" && h != m.serial.Value:
		return h
	}
	return ""
}

// sortFindings orders findings by file (config first) and line, stably.
func severityRank(s Severity) int {
	if s == SeverityError {
		return 0
	}
	return 1
}

func (c *Config) sortFindings(fs []Finding) {
	rank := func(p Pos) int {
		switch p.File {
		case c.ConfigFile:
			return 0
		case c.CredentialsFile:
			return 1
		case "":
			return 3
		}
		return 2
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if r := rank(a.Pos) - rank(b.Pos); r != 0 {
			return r
		}
		if a.Pos.File != b.Pos.File {
			return strings.Compare(a.Pos.File, b.Pos.File)
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return severityRank(a.Severity) - severityRank(b.Severity) // errors first on a line
	})
}

func durationSource(p Pos) string {
	if p == FlagDuration {
		return "--duration: "
	}
	return ""
}

func chainFix(pl *Plan, ch *Chain, from Pos) string {
	set := "set duration_seconds = 3600 or less"
	if from == FlagDuration {
		set = "ask for --duration 1h or less"
	}
	if len(ch.Hops) == 1 && pl.MFA == MFASession {
		return set
	}
	if len(ch.Hops) == 1 {
		return set + ", or sign the call with long-term keys"
	}
	return set + ": a role assumed with temporary credentials (an MFA session or another role) lasts at most 1 hour"
}

// sourceWords says in words which credentials a chain starts from.
func sourceWords(src Source) string {
	pos := src.Setting.Pos.String()
	switch src.Kind {
	case SourceStatic:
		if src.Temporary {
			return fmt.Sprintf("temporary keys of %s (%s)", src.Profile, pos)
		}
		return fmt.Sprintf("static keys of %s (%s)", src.Profile, pos)
	case SourceCredentialSource:
		what := map[string]string{
			CredentialSourceEnvironment: "credentials from the environment",
			CredentialSourceEC2:         "the EC2 instance role",
			CredentialSourceECS:         "the ECS task role",
		}[src.Setting.Value]
		return fmt.Sprintf("%s (credential_source of %s, %s)", what, src.Profile, pos)
	case SourceCredentialProcess:
		return fmt.Sprintf("credential_process of %s (%s)", src.Profile, pos)
	case SourceSSO:
		return fmt.Sprintf("SSO role credentials of %s (%s)", src.Profile, pos)
	case SourceLogin:
		return fmt.Sprintf("the aws login session of %s (%s)", src.Profile, pos)
	case SourceWebIdentity:
		return fmt.Sprintf("web identity token of %s (%s)", src.Profile, pos)
	case SourceKeyring:
		return fmt.Sprintf("long-term keys of %s in the keyring (%s)", src.Profile, src.Setting.Value)
	}
	return "unknown credentials"
}

func (pl *Plan) finding(sev Severity, profile, key string, pos Pos, msg, fix string) {
	pl.Findings = append(pl.Findings, Finding{Severity: sev, Profile: profile, Key: key, Pos: pos, Message: msg, Fix: fix})
}

// hopCheck is one setting of a hop, the check STS's rules make of it and
// the fix to offer.
type hopCheck struct {
	key   string
	check func(string) error
	fix   string
}

// hopChecks is the table, built once: list and the picker check every
// role profile's values, so the table must not be rebuilt per profile.
var hopChecks = sync.OnceValue(func() []hopCheck {
	return []hopCheck{
		{KeyRoleARN, ValidateRoleARN, "write the role ARN as arn:aws:iam::ACCOUNT_ID:role/NAME"},
		{KeyRoleSessionName, ValidateSessionName, "use 2-64 letters, digits or _+=,.@-"},
		{KeyExternalID, ValidateExternalID, "use 2-1224 letters, digits or _+=,.@:/-"},
		{KeyMFASerial, ValidateMFASerial, "use the device ARN from the IAM console (arn:aws:iam::ACCOUNT_ID:mfa/NAME)"},
		{KeySourceIdentity, ValidateSourceIdentity, "use 2-64 letters, digits or _+=,.@- not starting with aws:"},
		{KeySessionTags,
			func(v string) error { _, err := ParseSessionTags(v); return err }, "write session_tags = key=value,key2=value2 (at most 50)"},
		{KeyTransitiveSessionTags,
			func(v string) error { _, err := ParseTransitiveTags(v); return err }, "write transitive_session_tags = key,key2"},
		{KeySessionPolicy, func(v string) error {
			if strings.HasPrefix(v, PolicyFile) {
				return nil // read, and checked, when used
			}
			_, err := CompactPolicy(KeySessionPolicy, v)
			return err
		}, "write the policy as one line of JSON, or session_policy = file://PATH"},
		{KeySessionPolicyARNs,
			func(v string) error { _, err := ParsePolicyARNs(KeySessionPolicyARNs, v); return err },
			"write session_policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess,... (at most 10)"},
	}
})

// valueFindings checks the values get gives with hopChecks, and a
// duration_seconds that is not a number: what list rows, plans and doctor
// all report for a role profile's values.
func valueFindings(profile string, get func(key string) Value, dur Value, seconds int) []Finding {
	var out []Finding
	if dur.Value != "" && seconds == 0 {
		out = append(out, Finding{Severity: SeverityWarning, Profile: profile, Key: KeyDurationSeconds, Pos: dur.Pos,
			Message: fmt.Sprintf("duration_seconds %q is not a whole number of seconds: it is ignored (as the AWS CLI ignores it) and STS's default of 1h applies", dur.Value),
			Fix:     "write seconds, e.g. duration_seconds = 3600"})
	}
	for _, c := range hopChecks() {
		v := get(c.key)
		if v.Value == "" {
			continue
		}
		if err := c.check(v.Value); err != nil {
			out = append(out, Finding{Severity: SeverityError, Profile: profile, Key: c.key, Pos: v.Pos, Message: err.Error(), Fix: c.fix})
		}
	}
	return out
}

// Seconds formats a duration in seconds for people: "3600s (1h)".
func Seconds(n int) string {
	if n == 0 {
		return "the default"
	}
	var parts []string
	if h := n / 3600; h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m := n % 3600 / 60; m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if s := n % 60; s > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	return fmt.Sprintf("%ds (%s)", n, strings.Join(parts, ""))
}
