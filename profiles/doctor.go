package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Doctor lints both files: every finding has a position and, when there is
// one, a fix. Findings come sorted by file (config first) and line; each
// problem is reported once even when many chains go through it.
func (c *Config) Doctor() []Finding {
	d := doctor{c: c, seen: make(map[string]bool)}
	for _, n := range c.notes {
		d.add(n)
	}
	usedAsSource := make(map[string]bool)
	for _, p := range c.profiles {
		if sp, ok := p.Get(KeySourceProfile); ok && sp.Value != p.Name && p.IsRole() {
			usedAsSource[sp.Value] = true
		}
	}
	for _, p := range c.profiles {
		d.profile(p, usedAsSource[p.Name])
	}
	out := d.out
	c.sortFindings(out)
	return out
}

type doctor struct {
	c    *Config
	out  []Finding
	seen map[string]bool
}

func (d *doctor) add(f Finding) {
	k := fmt.Sprintf("%d\x00%s\x00%s\x00%s", f.Severity, f.Pos, f.Key, f.Message)
	if d.seen[k] {
		return
	}
	d.seen[k] = true
	d.out = append(d.out, f)
}

func (d *doctor) warn(p *Profile, key string, pos Pos, msg, fix string) {
	d.add(Finding{Severity: SeverityWarning, Profile: p.Name, Key: key, Pos: pos, Message: msg, Fix: fix})
}

func (d *doctor) fail(p *Profile, key string, pos Pos, msg, fix string) {
	d.add(Finding{Severity: SeverityError, Profile: p.Name, Key: key, Pos: pos, Message: msg, Fix: fix})
}

// HasCredentialSettings reports whether a profile says anything about
// credentials; profiles holding only region/output are fine on their own
// (the credentials come from the environment or another tool).
func (p *Profile) HasCredentialSettings() bool {
	if p.Keyring != "" {
		return true
	}
	for _, k := range []string{KeyRoleARN, KeySourceProfile, KeyCredentialSource, KeyAccessKeyID, KeySecretAccessKey,
		KeySessionToken, KeyCredentialProcess, KeyWebIdentityTokenFile, KeySSOSession, KeySSOStartURL, KeyLoginSession} {
		if _, ok := p.Get(k); ok {
			return true
		}
	}
	return false
}

func (d *doctor) profile(p *Profile, usedAsSource bool) {
	c := d.c
	if !p.HasCredentialSettings() {
		// Fine on its own; as a source the dependent profile reports it.
		d.values(p)
		return
	}
	if _, err := c.Resolve(p.Name); err != nil {
		d.resolveError(p, err)
	} else if p.IsRole() {
		if pl, err := c.Plan(p.Name, PlanOptions{}); err == nil {
			// Findings about other hops repeat word for word from their
			// own plans (add drops them) unless this chain changes them,
			// e.g. a hop capped only when reached through an MFA session.
			for _, f := range pl.Findings {
				d.add(f)
			}
		}
	}
	d.values(p)
	d.shadowed(p)
	d.ignored(p, usedAsSource)
}

// ignored warns about settings the AWS CLI and switcher pass over: a
// source's role_arn, what web_identity_token_file overrides, role settings
// without a role, other credentials beside static keys.
func (d *doctor) ignored(p *Profile, usedAsSource bool) {
	role, isRole := p.Get(KeyRoleARN)
	if isRole && usedAsSource && hasLongTermKeys(p) {
		d.warn(p, KeyRoleARN, role.Pos,
			fmt.Sprintf("%s is used as a source_profile and has keys of its own: as a source its keys are used and its role_arn is ignored (as the AWS CLI does)", p.Name),
			"split it into a keys profile and a role profile")
	}
	if id, ok := p.Get(KeyAccessKeyID); ok && p.Keyring != "" {
		d.warn(p, KeyAccessKeyID, id.Pos,
			fmt.Sprintf("%s has keys in the keyring (%s) and in %s: switcher uses the keyring's, while the AWS CLI and SDKs use the file's", p.Name, p.Keyring, id.Pos),
			fmt.Sprintf("if the file's keys are the current ones, `switcher keys import %s` moves them into the keyring; else delete aws_access_key_id and aws_secret_access_key from [%s]", p.Name, p.Name))
	}
	if wit, ok := p.Get(KeyWebIdentityTokenFile); ok && isRole {
		d.warnEach(p, []string{KeySourceProfile, KeyCredentialSource}, func(k string) (string, string) {
			return fmt.Sprintf("%s is ignored: web_identity_token_file (%s) decides how this role is assumed", k, wit.Pos), "remove " + k + " or web_identity_token_file"
		})
	}
	if !isRole {
		d.warnEach(p, []string{KeySourceProfile, KeyCredentialSource, KeyExternalID, KeyRoleSessionName, KeyDurationSeconds}, func(k string) (string, string) {
			return fmt.Sprintf("%s has no effect without role_arn", k), "add role_arn, or remove " + k
		})
	}
	if hasStaticKeys(p) && !isRole {
		d.warnEach(p, []string{KeyCredentialProcess, KeySSOSession, KeySSOStartURL}, func(k string) (string, string) {
			return fmt.Sprintf("%s is ignored: the profile also has static keys, which switcher uses first (the AWS CLI may pick differently)", k),
				"keep one kind of credentials per profile"
		})
	}
}

// warnEach warns, with what says, about each of keys the profile sets.
func (d *doctor) warnEach(p *Profile, keys []string, what func(key string) (msg, fix string)) {
	for _, k := range keys {
		if v, ok := p.Get(k); ok {
			msg, fix := what(k)
			d.warn(p, k, v.Pos, msg, fix)
		}
	}
}

func (d *doctor) resolveError(p *Profile, err error) {
	var (
		ce  *CycleError
		cfg *ConfigError
	)
	switch {
	case errors.As(err, &ce):
		last := ce.Names[len(ce.Names)-1]
		loop := ce.Names[slices.Index(ce.Names, last):]
		members := slices.Clone(loop[:len(loop)-1])
		slices.Sort(members)
		key := "cycle\x00" + strings.Join(members, "\x00")
		if d.seen[key] {
			return
		}
		d.seen[key] = true
		d.add(Finding{Severity: SeverityError, Profile: loop[len(loop)-2], Key: KeySourceProfile, Pos: ce.Pos,
			Message: "source_profile cycle: " + strings.Join(loop, " -> "),
			Fix:     "make one profile of the loop take its credentials from keys, credential_source or another profile"})
	case errors.As(err, &cfg):
		d.add(Finding{Severity: SeverityError, Profile: cfg.Profile, Key: cfg.Key, Pos: cfg.Pos, Message: cfg.Msg, Fix: cfg.Fix})
	default:
		d.fail(p, "", p.Pos, err.Error(), "")
	}
}

// values checks the profile's own settings against STS's rules.
func (d *doctor) values(p *Profile) {
	var fs []Finding
	if p.IsRole() {
		fs = roleValueFindings(p)
	} else {
		fs = sourceValueFindings(p)
	}
	for _, f := range fs {
		d.add(f)
	}
	for _, f := range sessionDurationFindings(p) {
		d.add(f)
	}
	if v, ok := p.Get(KeyServices); ok {
		if _, ok := d.c.services[v.Value]; !ok {
			d.warn(p, KeyServices, v.Pos, fmt.Sprintf("services %q names no [services %s] section", v.Value, v.Value),
				fmt.Sprintf("add [services %s] or fix the name", v.Value))
		}
	}
}

// shadowed reports a role profile whose name also has keys in the
// credentials file.
func (d *doctor) shadowed(p *Profile) {
	if !p.InConfig || !p.InCredentials || p.Value(KeySourceProfile) == p.Name {
		return
	}
	role, ok := p.Get(KeyRoleARN)
	if !ok {
		return
	}
	if role.Pos.File == d.c.CredentialsFile && d.c.CredentialsFile != d.c.ConfigFile {
		return
	}
	for _, k := range []string{KeyAccessKeyID, KeySecretAccessKey, KeySessionToken} {
		v, ok := p.Get(k)
		if !ok || v.Pos.File != d.c.CredentialsFile {
			continue
		}
		d.warn(p, "", p.CredentialsPos,
			fmt.Sprintf("[%s] in the credentials file shadows role profile %s (%s): the AWS CLI assumes the role, but tools that read only the credentials file use these keys instead", p.Name, p.Name, p.Pos),
			fmt.Sprintf("remove or rename [%s] in the credentials file (switcher write %s --as OTHER_NAME)", p.Name, p.Name))
		return
	}
}
