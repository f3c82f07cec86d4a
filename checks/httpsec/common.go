package httpsec

import (
	"context"
	"net/http"
	"time"

	"github.com/launchgate/launchgate/internal/httpx"
)

// maxBody bounds how much of a response the checks read: they judge statuses and headers, and
// only need to know whether a body is empty.
const maxBody = 64 << 10

// response is what a probe keeps of an HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
	// url is the URL of the final response (after any redirects the client followed).
	url string
}

// send makes one request bounded by ctx, reads a bounded body, and puts a transport failure
// into words; timeout is the configured timeout that bounds ctx, for those words.
func send(ctx context.Context, client *http.Client, req *http.Request, timeout time.Duration) (*response, *httpx.Failure) {
	tctx, trace := httpx.WithTrace(ctx)
	resp, err := client.Do(req.WithContext(tctx))
	if err != nil {
		f := httpx.Explain(err, req.URL.Host, timeout, trace)
		return nil, &f
	}
	defer resp.Body.Close()
	body, _, err := httpx.ReadBody(resp.Body, maxBody)
	if err != nil {
		f := httpx.Explain(err, req.URL.Host, timeout, trace)
		return nil, &f
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body, url: resp.Request.URL.String()}, nil
}
