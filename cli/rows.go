package cli

import (
	"time"

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
	rows, cfg, err := f.indexedRows(f.LoadConfig)
	if err != nil {
		return nil, err
	}
	left := f.cachedLeft(rows, cfg)
	for i := range rows {
		rows[i].CachedLeftSeconds = int(left[rows[i].Name].Seconds())
	}
	return rows, nil
}

// indexedRows is the config's rows without cached times: from the index
// while both files are unchanged (cfg nil), else from the config load
// gives (and then written to the index beside the command).
func (f *Factory) indexedRows(load func() (*profiles.Config, error)) (rows []profiles.Row, cfg *profiles.Config, err error) {
	page, err := f.rowsPage(load, -1)
	return page.rows, page.cfg, err
}

// rowsPage is what rowsPage returns: with rest, rows are the first of
// total, and rest decodes them all.
type rowsPage struct {
	rows  []profiles.Row
	total int
	rest  func() ([]profiles.Row, error)
	cfg   *profiles.Config // when the config was loaded (the index missed)
}

// rowsPage is indexedRows that, from the index, decodes only the first
// first rows (all when first < 0) and leaves the rest to page.rest: the
// picker's first frame at 100,000 profiles costs a screenful of rows.
func (f *Factory) rowsPage(load func() (*profiles.Config, error), first int) (rowsPage, error) {
	cfgPath, credPath, err := f.paths()
	if err != nil {
		return rowsPage{}, err
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
			if page, err := decodePage(payload, first); err == nil {
				f.Debugf("list: rows from the index")
				return page, nil
			}
		}
	}
	cfg, err := load()
	if err != nil {
		return rowsPage{}, err
	}
	rows := cfg.Rows()
	if st != nil {
		payload := profiles.EncodeRows(rows)
		f.background(func() {
			if err := st.PutIndex(deps, payload); err != nil {
				f.Debugf("list: rows index not written: %v", err)
			}
		})
	}
	return rowsPage{rows: rows, total: len(rows), cfg: cfg}, nil
}

func decodePage(payload []byte, first int) (rowsPage, error) {
	d, err := profiles.NewRowsDecoder(payload)
	if err != nil {
		return rowsPage{}, err
	}
	if first < 0 || first >= d.Len() {
		rows, err := d.Decode(d.Len())
		return rowsPage{rows: rows, total: len(rows)}, err
	}
	rows, err := d.Decode(first)
	if err != nil {
		return rowsPage{}, err
	}
	return rowsPage{rows: rows, total: d.Len(), rest: func() ([]profiles.Row, error) { return d.Decode(d.Len()) }}, nil
}

// cachedLeft is the time left on the cached sessions of rows' profiles
// (no STS call, no lock), asking the engine only about the profiles the
// store has a live session for: O(cache entries), not O(profiles). cfg is
// the whole config when it was loaded; when nil (the rows came from the
// index) only those profiles and their chains are decoded, and only when
// there are some. The engine checks that an entry is the one for the
// profile's current chain.
func (f *Factory) cachedLeft(rows []profiles.Row, cfg *profiles.Config) map[string]time.Duration {
	live := f.liveProfiles()
	var names, chains []string
	for i := range rows {
		if live[rows[i].Name] && rows[i].Error == "" && rows[i].Source != profiles.SourceNone {
			names = append(names, rows[i].Name)
			chains = append(chains, rows[i].Chain...)
		}
	}
	if len(names) == 0 {
		return nil
	}
	if cfg == nil {
		var err error
		if cfg, err = f.loadConfigFor(chains); err != nil {
			f.Debugf("list: no cached times: %v", err)
			return nil
		}
	}
	e, err := f.Engine(cfg)
	if err != nil {
		f.Debugf("list: no cached times: %v", err)
		return nil
	}
	out := make(map[string]time.Duration, len(names))
	for _, n := range names {
		if left, ok := e.CachedTimeLeft(n); ok {
			out[n] = left
		}
	}
	return out
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
