package stssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// response is a successful action's XML document.
type response interface{ setRequestID(id string) }

func (r *xmlAssumeRoleResponse) setRequestID(id string)         { r.ResponseMetadata.RequestID = id }
func (r *xmlGetSessionTokenResponse) setRequestID(id string)    { r.ResponseMetadata.RequestID = id }
func (r *xmlGetCallerIdentityResponse) setRequestID(id string)  { r.ResponseMetadata.RequestID = id }
func (r *xmlGetFederationTokenResponse) setRequestID(id string) { r.ResponseMetadata.RequestID = id }

// Duration limits STS enforces.
const (
	minDuration          = 900
	maxRoleDuration      = 43200
	maxUserTokenDuration = 129600
	defaultRoleDuration  = 3600
	defaultUserDuration  = 43200
	chainedLimit         = 3600
)

var (
	sessionNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]*$`) })
	externalIDRe  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@:/-]*$`) })
	serialRe      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=/:,.@-]*$`) })
	digitsRe      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d*$`) })
	tagKeyRe      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`) })
	tagValueRe    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`) })
)

// The patterns STS names in its validation messages.
const (
	patternName      = `[\w+=,.@-]*`
	patternExternal  = `[\w+=,.@:/-]*`
	patternSerial    = `[\w+=/:,.@-]*`
	patternTokenCode = `[\d]*`
)

// checkString adds the length and pattern violations of an optional member.
func checkString(v *violations, p paramSet, member, param string, minLen, maxLen int, re *regexp.Regexp, pattern string, secret bool) {
	if !p.Has(param) {
		return
	}
	val := p.Get(param)
	shown := &val
	if secret {
		masked := strings.Repeat("*", len(val))
		shown = &masked
	}
	n := utf8.RuneCountInString(val)
	if n < minLen {
		v.add(shown, member, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	}
	if n > maxLen {
		v.add(shown, member, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	if re != nil && !re.MatchString(val) {
		v.add(shown, member, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// checkDuration parses DurationSeconds, adding violations outside [lo, hi];
// def when absent.
func checkDuration(v *violations, p paramSet, lo, hi, def int) int {
	return checkInt(v, p, "durationSeconds", "DurationSeconds", lo, hi, def)
}

// checkMinTokenSize parses MinimumSessionTokenSize (0 when absent).
func checkMinTokenSize(v *violations, p paramSet) int {
	return checkInt(v, p, "minimumSessionTokenSize", "MinimumSessionTokenSize", 0, maxTokenSize, 0)
}

// checkInt parses an integer member, adding violations outside [lo, hi];
// def when absent.
func checkInt(v *violations, p paramSet, member, param string, lo, hi, def int) int {
	if !p.Has(param) {
		return def
	}
	raw := p.Get(param)
	n, err := strconv.Atoi(raw)
	if err != nil {
		v.add(&raw, member, "Member must be an integer")
		return def
	}
	if n < lo {
		v.add(&raw, member, fmt.Sprintf("Member must have value greater than or equal to %d", lo))
	}
	if n > hi {
		v.add(&raw, member, fmt.Sprintf("Member must have value less than or equal to %d", hi))
	}
	return n
}

func required(v *violations, p paramSet, member, param string) {
	if !p.Has(param) {
		v.add(nil, member, "Member must not be null")
	}
}

// listMembers reads a Query list (Name.member.1, Name.member.2, ...).
func listMembers(p paramSet, name string) []string {
	var out []string
	for i := 1; ; i++ {
		k := fmt.Sprintf("%s.member.%d", name, i)
		if !p.Has(k) {
			return out
		}
		out = append(out, p.Get(k))
	}
}

func readTags(v *violations, p paramSet) []Tag {
	var tags []Tag
	for i := 1; ; i++ {
		prefix := fmt.Sprintf("Tags.member.%d.", i)
		if !p.Has(prefix+"Key") && !p.Has(prefix+"Value") {
			break
		}
		t := Tag{Key: p.Get(prefix + "Key"), Value: p.Get(prefix + "Value")}
		if !p.Has(prefix + "Key") {
			v.add(nil, fmt.Sprintf("tags.%d.member.key", i), "Member must not be null")
		} else if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !tagKeyRe().MatchString(t.Key) {
			v.add(&t.Key, fmt.Sprintf("tags.%d.member.key", i), `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+ and have length between 1 and 128`)
		}
		if n := utf8.RuneCountInString(t.Value); n > 256 || !tagValueRe().MatchString(t.Value) {
			v.add(&t.Value, fmt.Sprintf("tags.%d.member.value", i), `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]* and have length less than or equal to 256`)
		}
		tags = append(tags, t)
	}
	if len(tags) > 50 {
		v.add(nil, "tags", "Member must have length less than or equal to 50")
	}
	return tags
}

// packedSize is a plausible PackedPolicySize: the percentage of the packed
// allowance that the session policy and tags use.
func packedSize(policy string, tags []Tag) int {
	n := len(policy) / 20
	for _, t := range tags {
		n += (len(t.Key) + len(t.Value) + 4) / 4
	}
	return max(n, 1)
}

// trusts reports whether the role's trust list admits the caller.
func (r *roleRec) trusts(c *session) bool {
	for _, p := range r.Trust {
		switch {
		case p == "*", p == c.arn:
			return true
		case p == c.account, p == "arn:aws:iam::"+c.account+":root":
			return true
		case c.role != nil && p == c.role.ARN:
			return true
		}
	}
	return false
}

// assumeRoleInput is an AssumeRole request that passed the syntax checks.
type assumeRoleInput struct {
	roleARN, name string
	duration      int
	minToken      int
	tags          []Tag
	transitive    []string
	policy        *sessionPolicy // the inline session policy, parsed; nil none
	policyARNs    []string
}

// readAssumeRole checks the parameters of AssumeRole as STS does, before
// looking at the caller or the role.
func readAssumeRole(p paramSet) (assumeRoleInput, *apiError) {
	var v violations
	required(&v, p, "roleArn", "RoleArn")
	required(&v, p, "roleSessionName", "RoleSessionName")
	checkString(&v, p, "roleArn", "RoleArn", 20, 2048, nil, "", false)
	checkString(&v, p, "roleSessionName", "RoleSessionName", 2, 64, sessionNameRe(), patternName, false)
	in := assumeRoleInput{duration: checkDuration(&v, p, minDuration, maxRoleDuration, defaultRoleDuration)}
	checkString(&v, p, "externalId", "ExternalId", 2, 1224, externalIDRe(), patternExternal, false)
	checkString(&v, p, "serialNumber", "SerialNumber", 9, 256, serialRe(), patternSerial, false)
	checkString(&v, p, "tokenCode", "TokenCode", 6, 6, digitsRe(), patternTokenCode, true)
	checkString(&v, p, "sourceIdentity", "SourceIdentity", 2, 64, sessionNameRe(), patternName, false)
	checkString(&v, p, "policy", "Policy", 1, 2048, nil, "", false)
	in.minToken = checkMinTokenSize(&v, p)
	in.tags = readTags(&v, p)
	in.transitive = listMembers(p, "TransitiveTagKeys")
	in.policyARNs = readPolicyARNs(&v, p)
	if aerr := v.err(); aerr != nil {
		return in, aerr
	}
	if p.Has("Policy") {
		pol, aerr := parseSessionPolicy(p.Get("Policy"))
		if aerr != nil {
			return in, aerr
		}
		in.policy = pol
	}
	in.roleARN, in.name = p.Get("RoleArn"), p.Get("RoleSessionName")
	return in, nil
}

// readPolicyARNs reads PolicyArns.member.N.arn: at most 10, each 20-2048
// characters.
func readPolicyARNs(v *violations, p paramSet) []string {
	var out []string
	for i := 1; ; i++ {
		k := fmt.Sprintf("PolicyArns.member.%d.arn", i)
		if !p.Has(k) {
			break
		}
		a := p.Get(k)
		if n := len(a); n < 20 || n > 2048 {
			v.add(&a, fmt.Sprintf("policyArns.%d.member.arn", i), "Member must have length between 20 and 2048")
		}
		out = append(out, a)
	}
	if len(out) > 10 {
		v.add(nil, "policyArns", "Member must have length less than or equal to 10")
	}
	return out
}

// sessionPolicy is an inline session policy, as far as the Sim evaluates
// one: which sts:AssumeRole resources its Allow statements cover.
type sessionPolicy struct {
	doc        string   // as sent
	assumeRole []string // resource patterns (* wildcards) sts:AssumeRole is allowed on
}

// parseSessionPolicy reads a Policy parameter as STS checks it: a JSON
// policy document (MalformedPolicyDocument otherwise).
func parseSessionPolicy(doc string) (*sessionPolicy, *apiError) {
	var d struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil || len(d.Statement) == 0 {
		return nil, newError(http.StatusBadRequest, CodeMalformedPolicy, "The policy is not in the valid JSON format.")
	}
	type statement struct {
		Effect   string
		Action   json.RawMessage
		Resource json.RawMessage
	}
	var stmts []statement
	if err := json.Unmarshal(d.Statement, &stmts); err != nil {
		var one statement
		if err := json.Unmarshal(d.Statement, &one); err != nil {
			return nil, newError(http.StatusBadRequest, CodeMalformedPolicy, "Syntax errors in policy.")
		}
		stmts = []statement{one}
	}
	pol := &sessionPolicy{doc: doc}
	for _, st := range stmts {
		if st.Effect != "Allow" {
			continue
		}
		if slices.ContainsFunc(stringOrList(st.Action), func(a string) bool { return wildcardMatch(strings.ToLower(a), "sts:assumerole") }) {
			pol.assumeRole = append(pol.assumeRole, stringOrList(st.Resource)...)
		}
	}
	return pol, nil
}

func stringOrList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// wildcardMatch matches s against a pattern whose * matches any run.
func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// allowsAssumeRole reports whether the caller's session policy (if any)
// lets it call sts:AssumeRole on role. Managed session policies are not
// evaluated (the Sim does not know their documents).
func (c *session) allowsAssumeRole(role string) bool {
	if c.policy == nil {
		return true
	}
	return slices.ContainsFunc(c.policy.assumeRole, func(r string) bool { return wildcardMatch(r, role) })
}

// admit checks that the caller may assume the role as asked: trust, MFA,
// external id, the role's maximum and the chaining cap. s.mu is held.
func (s *Sim) admit(caller *session, p paramSet, in assumeRoleInput) (*roleRec, bool, *apiError) {
	mfa := caller.mfa
	if p.Has("SerialNumber") || p.Has("TokenCode") {
		if aerr := s.checkMFA(caller, p.Get("SerialNumber"), p.Get("TokenCode")); aerr != nil {
			return nil, false, aerr
		}
		mfa = true
	}
	role, ok := s.roles[in.roleARN]
	switch {
	case !caller.allowsAssumeRole(in.roleARN):
		return nil, false, accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s because no session policy allows the sts:AssumeRole action", caller.arn, in.roleARN)
	case !ok, caller.kind == KindFederatedUser, !role.trusts(caller):
		return nil, false, notAuthorized(caller.arn, "sts:AssumeRole", in.roleARN)
	case role.RequireMFA && !mfa:
		return nil, false, notAuthorized(caller.arn, "sts:AssumeRole", in.roleARN)
	case role.ExternalID != "" && p.Get("ExternalId") != role.ExternalID:
		return nil, false, notAuthorized(caller.arn, "sts:AssumeRole", in.roleARN)
	}
	if time.Duration(in.duration)*time.Second > role.MaxSessionDuration {
		return nil, false, validation(MsgMaxSession)
	}
	if caller.temporary && in.duration > chainedLimit {
		return nil, false, validation(MsgChainingLimit)
	}
	return role, mfa, nil
}

// sourceIdentityFor is the new session's source identity: the caller's,
// which cannot change once set.
func sourceIdentityFor(caller *session, p paramSet) (string, *apiError) {
	id := caller.sourceIdentity
	if !p.Has("SourceIdentity") {
		return id, nil
	}
	if id != "" && p.Get("SourceIdentity") != id {
		return "", accessDenied("Source identity cannot be changed once set: %s", id)
	}
	return p.Get("SourceIdentity"), nil
}

// sessionTags are the new session's tags and transitive keys: the
// request's, plus the caller's transitive ones, which carry over and
// cannot be overridden.
func sessionTags(caller *session, tags []Tag, transitive []string) ([]Tag, []string, *apiError) {
	allTags := append([]Tag(nil), tags...)
	allTransitive := append([]string(nil), transitive...)
	for _, key := range caller.transitive {
		if slices.ContainsFunc(tags, func(t Tag) bool { return strings.EqualFold(t.Key, key) }) {
			return nil, nil, accessDenied("Cannot override transitive tag key %q set by the calling session", key)
		}
		for _, t := range caller.tags {
			if t.Key == key {
				allTags = append(allTags, t)
			}
		}
		allTransitive = append(allTransitive, key)
	}
	for _, key := range transitive {
		if !slices.ContainsFunc(tags, func(t Tag) bool { return t.Key == key }) {
			return nil, nil, validation("The specified transitive tag key must be included in the requested tags.")
		}
	}
	return allTags, allTransitive, nil
}

func (s *Sim) assumeRole(caller *session, p paramSet) (response, *apiError) {
	in, aerr := readAssumeRole(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	role, mfa, aerr := s.admit(caller, p, in)
	if aerr != nil {
		return nil, aerr
	}
	sourceIdentity, aerr := sourceIdentityFor(caller, p)
	if aerr != nil {
		return nil, aerr
	}
	allTags, allTransitive, aerr := sessionTags(caller, in.tags, in.transitive)
	if aerr != nil {
		return nil, aerr
	}
	sess := &session{
		keyID:          "ASIA" + randomID(16),
		secret:         randomSecret(),
		token:          randomToken(in.minToken),
		kind:           KindAssumedRole,
		arn:            "arn:aws:sts::" + role.acct + ":assumed-role/" + role.name + "/" + in.name,
		userID:         role.id + ":" + in.name,
		account:        role.acct,
		role:           role,
		temporary:      true,
		expiration:     s.now().Add(time.Duration(in.duration) * time.Second).Truncate(time.Second),
		mfa:            mfa,
		sourceIdentity: sourceIdentity,
		tags:           allTags,
		transitive:     allTransitive,
		issuedBy:       "AssumeRole",
		policy:         in.policy,
		policyARNs:     in.policyARNs,
	}
	s.keys[sess.keyID] = sess

	out := &xmlAssumeRoleResponse{Xmlns: xmlns}
	out.Result.Credentials = wireCredentials(sess)
	out.Result.AssumedRoleUser = xmlAssumedRoleUser{AssumedRoleID: sess.userID, Arn: sess.arn}
	if p.Has("Policy") || len(in.tags) > 0 {
		n := packedSize(p.Get("Policy"), in.tags)
		out.Result.PackedPolicySize = &n
	}
	out.Result.xmlTokenSize = tokenSize(sess.token)
	out.Result.SourceIdentity = sourceIdentity
	return out, nil
}

func (s *Sim) getSessionToken(caller *session, p paramSet) (response, *apiError) {
	var v violations
	duration := checkDuration(&v, p, minDuration, maxUserTokenDuration, defaultUserDuration)
	checkString(&v, p, "serialNumber", "SerialNumber", 9, 256, serialRe(), patternSerial, false)
	checkString(&v, p, "tokenCode", "TokenCode", 6, 6, digitsRe(), patternTokenCode, true)
	minToken := checkMinTokenSize(&v, p)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if caller.temporary {
		return nil, accessDenied(MsgGSTWithSession)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	mfa := false
	if p.Has("SerialNumber") || p.Has("TokenCode") {
		if aerr := s.checkMFA(caller, p.Get("SerialNumber"), p.Get("TokenCode")); aerr != nil {
			return nil, aerr
		}
		mfa = true
	}
	sess := &session{
		keyID:      "ASIA" + randomID(16),
		secret:     randomSecret(),
		token:      randomToken(minToken),
		kind:       caller.kind,
		arn:        caller.arn,
		userID:     caller.userID,
		account:    caller.account,
		user:       caller.user,
		temporary:  true,
		expiration: s.now().Add(time.Duration(duration) * time.Second).Truncate(time.Second),
		mfa:        mfa,
		issuedBy:   "GetSessionToken",
	}
	s.keys[sess.keyID] = sess
	out := &xmlGetSessionTokenResponse{Xmlns: xmlns}
	out.Result.Credentials = wireCredentials(sess)
	out.Result.xmlTokenSize = tokenSize(sess.token)
	return out, nil
}

func (s *Sim) getCallerIdentity(caller *session, _ paramSet) (response, *apiError) {
	out := &xmlGetCallerIdentityResponse{Xmlns: xmlns}
	out.Result = xmlGetCallerIdentityResult{Arn: caller.arn, UserID: caller.userID, Account: caller.account}
	return out, nil
}

func (s *Sim) getFederationToken(caller *session, p paramSet) (response, *apiError) {
	var v violations
	required(&v, p, "name", "Name")
	checkString(&v, p, "name", "Name", 2, 32, sessionNameRe(), patternName, false)
	duration := checkDuration(&v, p, minDuration, maxUserTokenDuration, defaultUserDuration)
	checkString(&v, p, "policy", "Policy", 1, 2048, nil, "", false)
	minToken := checkMinTokenSize(&v, p)
	tags := readTags(&v, p)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if caller.temporary {
		return nil, accessDenied(MsgGFTWithSession)
	}
	name := p.Get("Name")

	s.mu.Lock()
	defer s.mu.Unlock()
	sess := &session{
		keyID:      "ASIA" + randomID(16),
		secret:     randomSecret(),
		token:      randomToken(minToken),
		kind:       KindFederatedUser,
		arn:        "arn:aws:sts::" + caller.account + ":federated-user/" + name,
		userID:     caller.account + ":" + name,
		account:    caller.account,
		temporary:  true,
		expiration: s.now().Add(time.Duration(duration) * time.Second).Truncate(time.Second),
		tags:       tags,
		issuedBy:   "GetFederationToken",
	}
	s.keys[sess.keyID] = sess
	out := &xmlGetFederationTokenResponse{Xmlns: xmlns}
	out.Result.Credentials = wireCredentials(sess)
	out.Result.FederatedUser = xmlFederatedUser{FederatedUserID: sess.userID, Arn: sess.arn}
	out.Result.xmlTokenSize = tokenSize(sess.token)
	if p.Has("Policy") || len(tags) > 0 {
		n := packedSize(p.Get("Policy"), tags)
		out.Result.PackedPolicySize = &n
	}
	return out, nil
}
