package cli

import (
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// The rows `switcher list` prints depend on nothing but the two files (the
// time left on cached sessions aside), so listRows keeps them in the cache
// as an index (creds.DepsListRows) while both files are unchanged, and a
// warm `list` neither parses nor plans: it decodes the rows, then asks the
// engine only about the few profiles the cache has a live session for,
// with only their chains decoded.

// listRows is the config's rows with the time left on cached sessions.
func (f *Factory) listRows() ([]profiles.Row, error) {
	cfgPath, credPath, err := f.paths()
	if err != nil {
		return nil, err
	}
	st := f.indexStore()
	var deps creds.Deps
	if st != nil {
		if deps, err = st.Deps(creds.DepsListRows, nil, cfgPath, credPath, f.keyIndexPath()); err != nil {
			st = nil
		}
	}
	if st != nil {
		if payload, ok := st.Index(deps); ok {
			if rows, err := profiles.DecodeRows(payload); err == nil {
				f.Debugf("list: rows from the index")
				f.addCachedLeftFromIndex(rows)
				return rows, nil
			}
		}
	}
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	rows := cfg.Rows()
	if st != nil {
		payload := profiles.EncodeRows(rows) // before addCachedLeft changes rows
		f.background(func() {
			if err := st.PutIndex(deps, payload); err != nil {
				f.Debugf("list: rows index not written: %v", err)
			}
		})
	}
	f.addCachedLeft(rows, cfg)
	return rows, nil
}

// addCachedLeftFromIndex is addCachedLeft for rows that came from the
// index: the config is decoded only for the profiles with a live session
// and their chains, and only when there are some.
func (f *Factory) addCachedLeftFromIndex(rows []profiles.Row) {
	live := f.liveProfiles()
	var names []string
	for i := range rows {
		if live[rows[i].Name] && rows[i].Error == "" && rows[i].Source != profiles.SourceNone {
			names = append(names, rows[i].Chain...)
		}
	}
	if len(names) == 0 {
		return
	}
	cfg, err := f.loadConfigFor(names)
	if err != nil {
		f.Debugf("list: no cached times: %v", err)
		return
	}
	f.addCachedLeft(rows, cfg)
}

// liveProfiles are the profiles the cache holds an unexpired session for.
func (f *Factory) liveProfiles() map[string]bool {
	if f.Flags.NoCache {
		return nil
	}
	st, err := f.Store()
	if err != nil {
		f.Debugf("list: no cached times: %v", err)
		return nil
	}
	return st.LiveProfiles()
}

// addCachedLeft fills the time left on cached sessions (no STS call, no
// lock), asking the engine only about the profiles the store has a live
// session for: O(cache entries), not O(profiles). The engine checks that
// the entry is the one for the profile's current chain.
func (f *Factory) addCachedLeft(rows []profiles.Row, cfg *profiles.Config) {
	live := f.liveProfiles()
	if len(live) == 0 {
		return
	}
	e, err := f.Engine(cfg)
	if err != nil {
		f.Debugf("list: no cached times: %v", err)
		return
	}
	for i := range rows {
		r := &rows[i]
		if !live[r.Name] || r.Error != "" || r.Source == profiles.SourceNone {
			continue
		}
		if left, ok := e.CachedTimeLeft(r.Name); ok {
			r.CachedLeftSeconds = int(left.Seconds())
		}
	}
}
