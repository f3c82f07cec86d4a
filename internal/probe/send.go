package probe

import (
	"context"
	"net/http"
	"time"
)

// MaxSmallBody bounds how much of a response Send reads: its callers judge statuses and
// headers, and at most need to know whether a body is empty or holds a short JSON document.
const MaxSmallBody = 64 << 10

// Response is what a probe keeps of an HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// URL is the URL of the final response (after any redirects the client followed).
	URL string
}

// Send makes one request bounded by ctx, reads at most MaxSmallBody of the body, and puts a
// transport failure into words; timeout is the configured timeout that bounds ctx, for those
// words.
func Send(ctx context.Context, client *http.Client, req *http.Request, timeout time.Duration) (*Response, *Failure) {
	tctx, trace := WithTrace(ctx)
	resp, err := client.Do(req.WithContext(tctx))
	if err != nil {
		f := Explain(err, req.URL.Host, timeout, trace)
		return nil, &f
	}
	defer resp.Body.Close()
	body, _, err := ReadBody(resp.Body, MaxSmallBody)
	if err != nil {
		f := Explain(err, req.URL.Host, timeout, trace)
		return nil, &f
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: resp.Request.URL.String()}, nil
}
