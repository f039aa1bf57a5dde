package mlflow

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// flaky fails the first n round trips with a network error.
type flaky struct {
	n    int32
	next http.RoundTripper
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if atomic.AddInt32(&f.n, -1) >= 0 {
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(r)
}

func newTest(t *testing.T, h http.HandlerFunc, tr http.RoundTripper) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Config{URI: srv.URL, Token: "tok-SECRET", BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNetworkErrorsRetried(t *testing.T) {
	t.Parallel()
	var bodies []string
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		w.Write([]byte(`{}`))
	}, &flaky{n: 2, next: http.DefaultTransport})
	if err := c.setTag(context.Background(), "m", 1, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"key":"k"`) {
		t.Errorf("bodies = %q", bodies)
	}
	c = newTest(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }, &flaky{n: 100, next: http.DefaultTransport})
	err := c.setTag(context.Background(), "m", 1, "k", "v")
	if err == nil || !strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("after every attempt failed: %v", err)
	}
}

func TestHostileAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		body string
		want string
	}{
		"duplicate key":   {`{"model_version":{"name":"m","version":"1","name":"evil","status":"READY"}}`, "duplicate"},
		"not json":        {`<html>proxy</html>`, "not the JSON the API describes"},
		"version type":    {`{"model_version":{"name":"m","version":1,"status":"READY"}}`, "not the JSON"},
		"odd version":     {`{"model_version":{"name":"m","version":"01","status":"READY"}}`, "not a version number"},
		"other model":     {`{"model_version":{"name":"n","version":"1","status":"READY"}}`, "identity mismatch"},
		"other version":   {`{"model_version":{"name":"m","version":"2","status":"READY"}}`, "identity mismatch"},
		"no version":      {`{}`, "no model_version"},
		"trailing data":   {`{"model_version":{"name":"m","version":"1","status":"READY"}} {}`, "not the JSON"},
		"timestamp float": {`{"model_version":{"name":"m","version":"1","status":"READY","creation_timestamp":1.5}}`, "not a whole number"},
	} {
		c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/2.0/mlflow/registered-models/alias" {
				w.WriteHeader(400)
				w.Write([]byte(`{"error_code":"INVALID_PARAMETER_VALUE","message":"no alias"}`))
				return
			}
			w.Write([]byte(tc.body))
		}, nil)
		_, err := c.Resolve(ctx, "m", mustSel("1"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v; want %q", name, err, tc.want)
		}
	}
	// An answer larger than the cap is refused, not read to the end.
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"model_versions":[`))
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for i := 0; i < 40; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}, nil)
	if _, err := c.Resolve(ctx, "m", mustSel("latest-pending")); !errors.Is(err, gate.ErrTooLarge) {
		t.Errorf("a 40 MiB answer: %v", err)
	}
	// A redirect is never followed (it could carry the token elsewhere).
	var hops int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { atomic.AddInt32(&hops, 1) }))
	defer target.Close()
	c = newTest(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target.URL, http.StatusFound) }, nil)
	if _, err := c.Resolve(ctx, "m", mustSel("1")); err == nil || atomic.LoadInt32(&hops) != 0 {
		t.Errorf("redirect: error %v, %d hops to the other server", err, hops)
	}
}

func TestSearchPagesThatAreShortOrEndless(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	version := `{"name":"m","version":"%d","status":"READY","tags":[{"key":"modelgate.status","value":"pending"}]}`
	serve := func(page func(tok string) string) *Client {
		return newTest(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/api/2.0/mlflow/model-versions/search":
				w.Write([]byte(page(r.URL.Query().Get("page_token"))))
			case "/api/2.0/mlflow/model-versions/get":
				w.Write([]byte(`{"model_version":` + strings.Replace(version, "%d", r.URL.Query().Get("version"), 1) + `}`))
			case "/api/2.0/mlflow/registered-models/alias":
				w.WriteHeader(400)
				w.Write([]byte(`{"error_code":"INVALID_PARAMETER_VALUE"}`))
			default:
				t.Errorf("unexpected %s", r.URL.Path)
			}
		}, nil)
	}
	// An empty first page with a token (filtered by permission) is followed.
	c := serve(func(tok string) string {
		switch tok {
		case "":
			return `{"next_page_token":"p2"}`
		case "p2":
			return `{"model_versions":[` + strings.Replace(version, "%d", "4", 1) + `]}`
		}
		return `{}`
	})
	if p, err := c.Resolve(ctx, "m", mustSel("latest-pending")); err != nil || p.Version != 4 {
		t.Errorf("short pages: %v, %v", p, err)
	}
	// A repeated token, and tokens that never end, are refused.
	c = serve(func(string) string { return `{"next_page_token":"same"}` })
	if _, err := c.Resolve(ctx, "m", mustSel("latest-pending")); err == nil || !strings.Contains(err.Error(), "repeats a page token or never ends") {
		t.Errorf("repeated token: %v", err)
	}
	var n int32
	c = serve(func(string) string {
		return `{"next_page_token":"t` + strings.Repeat("x", int(atomic.AddInt32(&n, 1))%50) + string(rune('a'+atomic.LoadInt32(&n)%26)) + `"}`
	})
	c.maxVersions, c.pageSize = 1000, 1000
	if _, err := c.Resolve(ctx, "m", mustSel("latest-pending")); err == nil {
		t.Errorf("endless pages: no error after %d pages", n)
	} else if got := atomic.LoadInt32(&n); got > int32(maxPages(1000, 1000))+2 {
		t.Errorf("%d pages read; the bound is %d", got, maxPages(1000, 1000))
	}
}

// mustSel parses a selector as the rules file would spell it.
func mustSel(s string) gate.Selector {
	sel, err := gate.ParseSelector(s)
	if err != nil {
		panic(err)
	}
	return sel
}
