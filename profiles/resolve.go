package profiles

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// credential_source values botocore accepts (case-sensitive).
const (
	CredentialSourceEnvironment = "Environment"
	CredentialSourceEC2         = "Ec2InstanceMetadata"
	CredentialSourceECS         = "EcsContainer"
)

// Resolve turns a profile into a chain the way the AWS CLI does:
//   - role_arn + web_identity_token_file: AssumeRoleWithWebIdentity;
//   - role_arn + source_profile: the source profile's credentials, recursing
//     while the source is itself a role profile without static keys (a
//     source profile with static keys uses them, even when it sets role_arn;
//     a profile naming itself as source_profile uses its own keys);
//   - role_arn + credential_source: the environment, EC2 or ECS;
//   - no role_arn: static keys, else credential_process, else SSO.
//
// Errors: *UnknownProfileError, *CycleError, *ConfigError.
func (c *Config) Resolve(name string) (*Chain, error) {
	ch := &Chain{}
	var buf [4]*Profile
	roles, err := c.walk(ch, name, buf[:0])
	if err != nil {
		return nil, err
	}
	if len(roles) > 0 {
		ch.Hops = make([]Hop, len(roles))
		for i, p := range roles {
			ch.Hops[i] = newHop(p)
		}
	}
	c.fillChainSettings(ch)
	return ch, nil
}

// walk is the part of Resolve that follows source_profile: it sets
// ch.Target, ch.Names and ch.Source, and returns the role profiles (one per
// hop, in call order) appended to roles.
func (c *Config) walk(ch *Chain, name string, roles []*Profile) ([]*Profile, error) {
	p, ok := c.byName[name]
	if !ok {
		return nil, c.unknownProfile(name)
	}
	ch.Target, ch.Names = name, make([]string, 0, 4)
	start := len(roles) // roles[start:] is target first; reversed at the end
	for cur := p; cur != nil; {
		ch.Names = append(ch.Names, cur.Name)
		if e := c.broken[cur.Name]; e != nil {
			return nil, e
		}
		next, isRole, err := c.step(ch, cur, len(ch.Names) > 1)
		if err != nil {
			return nil, err
		}
		if isRole {
			roles = append(roles, cur)
		}
		cur = next
	}
	slices.Reverse(roles[start:])
	return roles, nil
}

// step reads one profile of a chain: either it ends the chain (ch.Source
// is set, next is nil) or it names the next profile; isRole says whether
// it is a hop.
func (c *Config) step(ch *Chain, cur *Profile, asSource bool) (next *Profile, isRole bool, err error) {
	if asSource {
		if src, ok, err := keysSource(cur); ok || err != nil {
			ch.Source = src
			return nil, false, err
		}
	}
	if !cur.IsRole() {
		ch.Source, err = c.nonRoleSource(cur, asSource)
		return nil, false, err
	}
	if wit, ok := cur.Get(KeyWebIdentityTokenFile); ok {
		ch.Source = Source{Kind: SourceWebIdentity, Profile: cur.Name, Setting: wit, Temporary: true}
		return nil, true, nil
	}
	sp, hasSP := cur.Get(KeySourceProfile)
	cs, hasCS := cur.Get(KeyCredentialSource)
	switch {
	case hasSP && hasCS:
		return nil, true, &ConfigError{Profile: cur.Name, Key: KeyCredentialSource, Pos: cs.Pos,
			Msg: fmt.Sprintf("sets both source_profile (%s) and credential_source (%s); the AWS CLI refuses that", sp.Pos, cs.Pos),
			Fix: "keep only one of the two"}
	case hasCS:
		ch.Source, err = credentialSource(cur, cs)
		return nil, true, err
	case !hasSP:
		rp, _ := cur.Get(KeyRoleARN)
		return nil, true, &ConfigError{Profile: cur.Name, Key: KeyRoleARN, Pos: rp.Pos,
			Msg: "role_arn is set but nothing says which credentials call AssumeRole",
			Fix: "add source_profile = PROFILE (or credential_source = Environment|Ec2InstanceMetadata|EcsContainer)"}
	case sp.Value == cur.Name && hasLongTermKeys(cur):
		ch.Source, _, err = keysSource(cur)
		return nil, true, err
	case sp.Value == cur.Name:
		return nil, true, &CycleError{Names: append(slices.Clone(ch.Names), cur.Name), Pos: sp.Pos}
	}
	next, ok := c.byName[sp.Value]
	if !ok {
		return nil, true, c.missingSource(cur, sp)
	}
	if slices.Contains(ch.Names, next.Name) {
		return nil, true, &CycleError{Names: append(slices.Clone(ch.Names), next.Name), Pos: sp.Pos}
	}
	return next, true, nil
}

// missingSource is the error of a source_profile naming no profile.
func (c *Config) missingSource(cur *Profile, sp Value) error {
	ue := c.unknownProfile(sp.Value)
	msg := fmt.Sprintf("source_profile %q names no profile in either file", sp.Value)
	if len(ue.Suggestions) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", ue.Suggestions[0])
	}
	return &ConfigError{Profile: cur.Name, Key: KeySourceProfile, Pos: sp.Pos, Msg: msg,
		Fix: fmt.Sprintf("fix the name, or add a [profile %s] section with credentials", sp.Value), Err: ue}
}

// chainRegion is the first region set along a chain, target first.
func (c *Config) chainRegion(names []string) Value {
	for _, n := range names {
		if v, ok := c.byName[n].Get(KeyRegion); ok {
			return v
		}
	}
	return Value{}
}

// fillChainSettings walks the chain target → source for the settings that
// apply to the whole chain.
func (c *Config) fillChainSettings(ch *Chain) {
	ch.Region = c.chainRegion(ch.Names)
	for _, n := range ch.Names {
		p := c.byName[n]
		if ch.MFAProcess.Value == "" {
			ch.MFAProcess, _ = p.Get(KeyMFAProcess)
		}
		if ch.EndpointURL.Value == "" {
			ch.EndpointURL = c.stsEndpoint(p)
		}
	}
	if sp, ok := c.byName[ch.Source.Profile]; ok {
		ch.MFASessionDuration, _ = sp.Get(KeyMFASessionDuration)
	}
	for _, n := range ch.Names {
		if ch.MFASessionDuration.Value != "" {
			break
		}
		ch.MFASessionDuration, _ = c.byName[n].Get(KeyMFASessionDuration)
	}
}

// stsEndpoint is the profile's endpoint_url, else the sts endpoint_url of its
// services section.
func (c *Config) stsEndpoint(p *Profile) Value {
	if v, ok := p.Get(KeyEndpointURL); ok {
		return v
	}
	if svc, ok := p.Get(KeyServices); ok {
		if s, ok := c.services[svc.Value]; ok {
			if v, ok := s.Sub["sts"][KeyEndpointURL]; ok && v.Value != "" {
				return v
			}
		}
	}
	return Value{}
}

// hasLongTermKeys reports whether a profile holds keys of its own: in the
// keyring, or static keys in either file.
func hasLongTermKeys(p *Profile) bool { return p.Keyring != "" || hasStaticKeys(p) }

// keysSource is the source of a profile's own keys: the keyring when
// `switcher keys` put them there (it wins over keys in the files; doctor
// warns when both are set), else its static keys; ok is false when it has
// neither.
func keysSource(p *Profile) (src Source, ok bool, err error) {
	if p.Keyring != "" {
		return Source{Kind: SourceKeyring, Profile: p.Name, Setting: Value{Value: p.Keyring, Pos: p.Pos}}, true, nil
	}
	if hasStaticKeys(p) {
		src, err := staticSource(p)
		return src, true, err
	}
	return Source{}, false, nil
}

func hasStaticKeys(p *Profile) bool {
	_, id := p.Get(KeyAccessKeyID)
	_, secret := p.Get(KeySecretAccessKey)
	return id || secret
}

func staticSource(p *Profile) (Source, error) {
	id, okID := p.Get(KeyAccessKeyID)
	secret, okSecret := p.Get(KeySecretAccessKey)
	switch {
	case !okID:
		return Source{}, &ConfigError{Profile: p.Name, Key: KeyAccessKeyID, Pos: secret.Pos,
			Msg: "aws_secret_access_key is set without aws_access_key_id", Fix: "add aws_access_key_id to the same section"}
	case !okSecret:
		return Source{}, &ConfigError{Profile: p.Name, Key: KeySecretAccessKey, Pos: id.Pos,
			Msg: "aws_access_key_id is set without aws_secret_access_key", Fix: "add aws_secret_access_key to the same section"}
	}
	_, temp := p.Get(KeySessionToken)
	return Source{Kind: SourceStatic, Profile: p.Name, Setting: id, Temporary: temp}, nil
}

func credentialSource(p *Profile, cs Value) (Source, error) {
	switch cs.Value {
	case CredentialSourceEnvironment:
		return Source{Kind: SourceCredentialSource, Profile: p.Name, Setting: cs}, nil
	case CredentialSourceEC2, CredentialSourceECS:
		return Source{Kind: SourceCredentialSource, Profile: p.Name, Setting: cs, Temporary: true}, nil
	}
	return Source{}, &ConfigError{Profile: p.Name, Key: KeyCredentialSource, Pos: cs.Pos,
		Msg: fmt.Sprintf("credential_source %q is not one of Environment, Ec2InstanceMetadata, EcsContainer", cs.Value),
		Fix: "use Environment, Ec2InstanceMetadata or EcsContainer (spelled exactly so)"}
}

// nonRoleSource picks the credentials of a profile without a role:
// static keys, else credential_process, else SSO.
func (c *Config) nonRoleSource(p *Profile, asSource bool) (Source, error) {
	if src, ok, err := keysSource(p); ok || err != nil {
		return src, err
	}
	if v, ok := p.Get(KeyCredentialProcess); ok {
		return Source{Kind: SourceCredentialProcess, Profile: p.Name, Setting: v}, nil
	}
	if v, ok := p.Get(KeySSOSession); ok {
		if _, ok := c.sso[v.Value]; !ok {
			return Source{}, &ConfigError{Profile: p.Name, Key: KeySSOSession, Pos: v.Pos,
				Msg: fmt.Sprintf("sso_session %q names no [sso-session %s] section", v.Value, v.Value),
				Fix: fmt.Sprintf("add [sso-session %s] with sso_start_url and sso_region, or fix the name", v.Value)}
		}
		if err := needSSORole(p, v); err != nil {
			return Source{}, err
		}
		return Source{Kind: SourceSSO, Profile: p.Name, Setting: v, Temporary: true}, nil
	}
	if v, ok := p.Get(KeySSOStartURL); ok {
		if err := needSSORole(p, v); err != nil {
			return Source{}, err
		}
		return Source{Kind: SourceSSO, Profile: p.Name, Setting: v, Temporary: true}, nil
	}
	if v, ok := p.Get(KeyLoginSession); ok && v.Value != "" {
		// aws login (AWS CLI 2.32+): the session's token is cached under
		// ~/.aws/login/cache, as the SDK's login provider reads it.
		return Source{Kind: SourceLogin, Profile: p.Name, Setting: v, Temporary: true}, nil
	}
	msg := "has no credentials: no role_arn, static keys, keys in the keyring, credential_process, sso or login_session settings"
	if asSource {
		msg = "is used as a source_profile but " + msg
	}
	return Source{}, &ConfigError{Profile: p.Name, Pos: p.Pos, Msg: msg,
		Fix: fmt.Sprintf("store keys with `switcher keys add %s`, or add aws_access_key_id and aws_secret_access_key (credentials file), credential_process, sso_session, or log in with `aws login --profile %s`", p.Name, p.Name)}
}

func needSSORole(p *Profile, v Value) error {
	for _, k := range []string{KeySSOAccountID, KeySSORoleName} {
		if _, ok := p.Get(k); !ok {
			return &ConfigError{Profile: p.Name, Key: k, Pos: v.Pos,
				Msg: fmt.Sprintf("%s is set but %s is missing", v.Value, k), Fix: "add " + k + " to the profile"}
		}
	}
	return nil
}

// newHop reads a role profile's AssumeRole settings.
func newHop(p *Profile) Hop {
	h := Hop{Profile: p.Name}
	h.RoleARN, _ = p.Get(KeyRoleARN)
	h.ExternalID, _ = p.Get(KeyExternalID)
	h.SessionName, _ = p.Get(KeyRoleSessionName)
	h.MFASerial, _ = p.Get(KeyMFASerial)
	h.SourceIdentity, _ = p.Get(KeySourceIdentity)
	h.SessionTags, _ = p.Get(KeySessionTags)
	h.TransitiveTags, _ = p.Get(KeyTransitiveSessionTags)
	h.SessionPolicy, _ = p.Get(KeySessionPolicy)
	h.PolicyARNs, _ = p.Get(KeySessionPolicyARNs)
	h.Duration, h.DurationSeconds = hopDuration(p)
	return h
}

// hopDuration is a role profile's duration_seconds, as written and parsed.
// A value that is not a whole number is ignored (0), as the AWS CLI
// ignores it (Plan and Doctor report it).
func hopDuration(p *Profile) (Value, int) {
	d, ok := p.Get(KeyDurationSeconds)
	if !ok {
		return Value{}, 0
	}
	n, err := strconv.Atoi(d.Value)
	if err != nil {
		return d, 0
	}
	return d, n
}

// unknownProfile builds the error with close names as suggestions.
func (c *Config) unknownProfile(name string) *UnknownProfileError {
	names := make([]string, len(c.profiles))
	for i, p := range c.profiles {
		names[i] = p.Name
	}
	return &UnknownProfileError{Name: name, Suggestions: Suggest(name, names, 3)}
}

// Suggest returns up to n names close to name, best first: a
// case-insensitive match, then names with name as prefix or substring, then
// names within a small edit distance.
func Suggest(name string, names []string, n int) []string {
	type cand struct {
		name  string
		score int
	}
	lower := strings.ToLower(name)
	limit := max(1, (len(name)+1)/3)
	var cands []cand
	for _, n := range names {
		ln := strings.ToLower(n)
		switch {
		case ln == lower:
			cands = append(cands, cand{n, 0})
		case lower != "" && strings.HasPrefix(ln, lower):
			cands = append(cands, cand{n, 1})
		case len(lower) >= 3 && strings.Contains(ln, lower):
			cands = append(cands, cand{n, 2})
		default:
			if d := editDistance(lower, ln, limit); d <= limit {
				cands = append(cands, cand{n, 2 + d})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return a.score - b.score })
	out := make([]string, 0, n)
	for _, c := range cands {
		if len(out) == n {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// editDistance is the optimal-string-alignment distance of a and b (a
// swap of two neighbours costs 1, as in "prdo"), or limit+1 as soon as it
// must exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
