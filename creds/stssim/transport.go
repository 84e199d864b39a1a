package stssim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Client returns an HTTP client whose requests go straight to the Sim,
// with no socket: `switcher demo` passes it as the STS client's HTTPClient
// with any BaseEndpoint (say https://sts.demo.invalid). The host in the URL
// is only signed, never resolved.
func (s *Sim) Client() *http.Client { return &http.Client{Transport: s.Transport()} }

// Transport is the http.RoundTripper behind Client.
func (s *Sim) Transport() http.RoundTripper { return inProcess{h: s} }

type inProcess struct{ h http.Handler }

// RoundTrip hands the request to the handler as a server would see it and
// returns what it wrote.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("stssim: reading request body: %w", err)
		}
		body = b
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	in := req.Clone(req.Context())
	in.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	if in.URL.Path == "" {
		in.URL.Path = "/"
	}
	in.Host = host
	in.RequestURI = in.URL.RequestURI()
	in.RemoteAddr = "stssim-in-process:0"
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	in.Header.Del("Host")

	w := &bufferedResponse{header: http.Header{}}
	t.h.ServeHTTP(w, in)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// bufferedResponse is an http.ResponseWriter that keeps everything.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
