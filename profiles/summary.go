package profiles

import "slices"

// Summary is what `switcher list` shows of a profile: what Plan(name,
// PlanOptions{}) says of its chain, region and MFA, without the steps, the
// words saying who signs each call, and the findings.
type Summary struct {
	Names     []string // the chain: target first, source last
	Source    SourceKind
	Region    string // the first region set along the chain
	MFA       MFAMode
	MFASerial string // the serial of the first MFA code, when MFA != MFANone
	// Problem is the first error finding of Plan: a value along the chain
	// that STS would reject (a *ConfigError); nil when there is none.
	Problem error
}

// Summarize is Plan(name, PlanOptions{}) reduced to a Summary, for a
// caller that asks it of every profile; its errors are Plan's (Resolve's).
func (c *Config) Summarize(name string) (Summary, error) {
	var ch Chain
	var buf [4]*Profile
	roles, err := c.walk(&ch, name, buf[:0])
	if err != nil {
		return Summary{}, err
	}
	var hb [4]hopMFA
	hops := hb[:0]
	for _, p := range roles {
		serial, _ := p.Get(KeyMFASerial)
		_, seconds := hopDuration(p)
		hops = append(hops, hopMFA{serial: serial, seconds: seconds})
	}
	m := c.chooseMFA(ch.Source, hops)
	s := Summary{Names: ch.Names, Source: ch.Source.Kind, Region: c.chainRegion(ch.Names).Value, MFA: m.mode, MFASerial: m.serial.Value}
	if m.ignored {
		s.MFA, s.MFASerial = MFANone, ""
	}
	var errs []Finding
	for _, f := range c.chainValueFindings(ch.Names, ch.Source.Profile, slices.Values(roles)) {
		if f.Severity == SeverityError {
			errs = append(errs, f)
		}
	}
	if len(errs) > 0 {
		c.sortFindings(errs)
		s.Problem = errs[0].Err()
	}
	return s, nil
}
