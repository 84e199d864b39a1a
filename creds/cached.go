package creds

import (
	"context"
	"fmt"
)

// provider gets one thing of value T: a profile's session (the whole
// chain), or an MFA session (GetSessionToken).
type provider[T any] interface {
	Retrieve(ctx context.Context) (T, error)
}

// cachedProvider is the session cache, as a decorator with the method of
// what it wraps (as aws-vault's CachedSessionProvider wraps its STS
// provider): it answers from the entry while it is fresh; otherwise it
// takes the entry's lock, looks again (another process may have filled the
// entry while it waited: twenty parallel credential-process calls cost one
// STS call), and only then asks inner, storing what inner returns.
type cachedProvider[T any] struct {
	inner provider[T]
	store *Store
	key   string
	what  string           // "session of prod", for --debug and errors
	load  func() (T, bool) // the entry, when it is fresh enough
	save  func(v T) error  // store a new value
	force bool             // a forced refresh: never answer from the entry
	onHit func()           // called when the cache answers
	debug func(string, ...any)
}

func (c *cachedProvider[T]) Retrieve(ctx context.Context) (T, error) {
	var zero T
	if v, ok := c.lookup("cache hit"); ok {
		return v, nil
	}
	unlock, err := c.store.Lock(ctx, c.key)
	if err != nil {
		return zero, fmt.Errorf("locking the cached %s: %w", c.what, err)
	}
	defer unlock()
	if v, ok := c.lookup("cache hit after waiting for the lock"); ok {
		return v, nil
	}
	c.debug("cache miss: %s", c.what)
	v, err := c.inner.Retrieve(ctx)
	if err != nil {
		return zero, err
	}
	if err := c.save(v); err != nil {
		c.debug("cache: storing the %s failed: %v", c.what, err)
	}
	return v, nil
}

func (c *cachedProvider[T]) lookup(how string) (T, bool) {
	var zero T
	if c.force {
		return zero, false
	}
	v, ok := c.load()
	if !ok {
		return zero, false
	}
	c.debug("%s: %s", how, c.what)
	if c.onHit != nil {
		c.onHit()
	}
	return v, true
}

// sessions is the profile's chain behind the role-session cache.
func (r *run) sessions() provider[*Session] {
	var p provider[*Session] = chain{r}
	if r.e.Store == nil || r.keys.role == "" {
		return p
	}
	return &cachedProvider[*Session]{
		inner: p, store: r.e.Store, key: r.keys.role, what: "session of " + r.profile,
		load:  r.cachedRole,
		save:  func(s *Session) error { return r.e.Store.putRoleSession(r.keys.role, s) },
		force: r.opt.ForceRefresh, onHit: r.reportCached, debug: r.e.debugf,
	}
}

// mfaSessions is GetSessionToken behind the MFA-session cache; cached
// reports afterwards whether the cache answered.
func (r *run) mfaSessions(inner provider[*mfaSessionEntry]) (p provider[*mfaSessionEntry], cached *bool) {
	hit := false
	if r.e.Store == nil || r.keys.mfa == "" {
		return inner, &hit
	}
	source := r.plan.Chain.Source.Profile
	return &cachedProvider[*mfaSessionEntry]{
		inner: inner, store: r.e.Store, key: r.keys.mfa, what: "mfa session of " + source,
		load: r.cachedMFA,
		save: func(m *mfaSessionEntry) error {
			return r.e.Store.putMFASession(r.keys.mfa, m.Profile, m.Serial, m.Credentials)
		},
		onHit: func() { hit = true }, debug: r.e.debugf,
	}, &hit
}
