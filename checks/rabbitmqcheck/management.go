package rabbitmqcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

const (
	// maxListing bounds a queue listing: with only the columns the check asks for, a queue takes
	// about 200 bytes, so 8 MiB holds some 40,000 queues.
	maxListing = 8 << 20
	// maxHealth bounds a health check's answer, a short JSON object.
	maxHealth = 64 << 10
)

// queueColumns are the fields the check reads; asking for them alone keeps the listing small.
const queueColumns = "name,messages_ready,messages_unacknowledged,consumers," +
	"message_stats.publish_details.rate,message_stats.deliver_get_details.rate"

// management is the RabbitMQ management HTTP API of the broker.
type management struct {
	base       *url.URL // without user information
	user, pass string
	name       string
	red        *redact.Redactor
}

// parseManagementURL reads management_url. Without user information in it, the API is asked
// with the AMQP URL's user and password: the same broker's users.
func parseManagementURL(raw string, amqpURL *target) (*management, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s must be an absolute http:// or https:// URL, e.g. http://host:15672", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		return nil, fmt.Errorf("management URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password", redact.Unparsed(raw))
	}
	m := &management{red: &redact.Redactor{}}
	switch {
	case u.User != nil:
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	case amqpURL != nil:
		m.user, m.pass = amqpURL.uri.Username, amqpURL.uri.Password
	}
	m.red.Add(m.pass)
	u.User = nil
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	m.base = u
	m.name = u.String()
	return m, nil
}

// mgmtQueue is one queue of a listing.
type mgmtQueue struct {
	Name         string `json:"name"`
	Ready        int64  `json:"messages_ready"`
	Unacked      int64  `json:"messages_unacknowledged"`
	Consumers    int    `json:"consumers"`
	MessageStats *struct {
		Publish    rate `json:"publish_details"`
		DeliverGet rate `json:"deliver_get_details"`
	} `json:"message_stats"`
}

type rate struct {
	Rate float64 `json:"rate"`
}

// apiError is a management API call that did not succeed, already put into words.
type apiError struct{ result kind.Result }

func (e *apiError) Error() string { return e.result.Summary }

// get asks the API for path and decodes its JSON answer into v, reading at most limit bytes.
// It returns the status code, so that callers can judge the ones that carry an answer (503
// from a failing health check).
func (m *management) get(ctx context.Context, env *kind.Env, path string, limit int64, v any, accept ...int) (int, error) {
	// path is already escaped: the vhost "/" must reach the API as the one segment %2F.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.base.String()+path, nil)
	if err != nil {
		return 0, &apiError{kind.Errorf("fix management_url", "cannot build a request for %s: %v", m.name, err)}
	}
	req.SetBasicAuth(m.user, m.pass)
	req.Header.Set("User-Agent", env.UserAgent())
	client := probe.NewClient(env, probe.ClientOptions{})
	defer client.CloseIdleConnections()
	budget := probe.Remaining(ctx, 0)
	tctx, trace := probe.WithTrace(ctx)
	resp, err := client.Do(req.WithContext(tctx))
	if err != nil {
		f := probe.Explain(err, m.base.Host, budget, trace)
		return 0, &apiError{kind.Errorf(f.Remedy+" (management_url)", "management API %s: %s", m.name, m.red.String(f.Summary))}
	}
	defer resp.Body.Close()
	body, truncated, err := probe.ReadBody(resp.Body, limit)
	if err != nil {
		f := probe.Explain(err, m.base.Host, budget, trace)
		return 0, &apiError{kind.Errorf(f.Remedy, "management API %s: reading %s: %s", m.name, path, m.red.String(f.Summary))}
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return 0, &apiError{kind.Errorf("check the user and password in management_url (or in url, which it falls back to); the user needs the monitoring tag",
			"management API %s refused the credentials of user %q", m.name, m.user)}
	case resp.StatusCode != http.StatusOK && !slices.Contains(accept, resp.StatusCode):
		return 0, &apiError{kind.Errorf("check management_url and that the management plugin answers there",
			"management API %s answered %s to GET %s", m.name, resp.Status, path)}
	case truncated:
		return 0, &apiError{kind.Errorf("name the queues rather than matching them with a pattern, or check fewer vhosts at once",
			"management API %s: the answer to GET %s is larger than %d MiB", m.name, path, limit>>20)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return 0, &apiError{kind.Errorf("check that management_url points at the RabbitMQ management API",
			"management API %s: GET %s did not answer JSON: %v", m.name, path, err)}
	}
	return resp.StatusCode, nil
}

// queues lists the vhost's queues with the columns the check reads.
func (m *management) queues(ctx context.Context, env *kind.Env, vhost string) (map[string]mgmtQueue, error) {
	var list []mgmtQueue
	path := "/api/queues/" + url.PathEscape(vhost) + "?columns=" + url.QueryEscape(queueColumns)
	status, err := m.get(ctx, env, path, maxListing, &list, http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNotFound {
		return nil, &apiError{kind.Errorf("fix vhost (or the url's vhost), or create the vhost",
			"management API %s: vhost %s does not exist", m.name, vhost)}
	}
	out := make(map[string]mgmtQueue, len(list))
	for _, q := range list {
		out[q.Name] = q
	}
	return out, nil
}

// alarm is one resource alarm in effect.
type alarm struct {
	Node     string `json:"node"`
	Resource string `json:"resource"`
}

// alarms reads the cluster's and the node's resource alarms. While one is in effect RabbitMQ
// blocks every publishing connection. (/api/aliveness-test is not asked: newer releases made it
// a no-op.)
func (m *management) alarms(ctx context.Context, env *kind.Env) ([]string, error) {
	var found []string
	for _, path := range []string{"/api/health/checks/alarms", "/api/health/checks/local-alarms"} {
		var answer struct {
			Status string  `json:"status"`
			Reason string  `json:"reason"`
			Alarms []alarm `json:"alarms"`
		}
		status, err := m.get(ctx, env, path, maxHealth, &answer, http.StatusServiceUnavailable)
		if err != nil {
			return nil, err
		}
		if status == http.StatusOK {
			continue
		}
		if len(answer.Alarms) == 0 {
			found = append(found, answer.Reason)
		}
		for _, a := range answer.Alarms {
			found = append(found, fmt.Sprintf("%s alarm on %s", a.Resource, a.Node))
		}
	}
	sort.Strings(found)
	return kind.Unique(found), nil
}
