package mlflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/internal/strictjson"
)

var _ gate.Registry = (*Client)(nil)

// Defaults of Config.
const (
	DefaultAlias       = "champion"
	DefaultPendingTag  = "modelgate.status=pending"
	DefaultArtifactDir = "modelgate"
	DefaultPageSize    = 1000
	DefaultMaxVersions = 200000
	DefaultMaxAttempts = 4
)

// maxResponseBytes caps one API answer (a page of 1,000 versions with tags
// is well under it).
const maxResponseBytes = 32 << 20

// Errors the client wraps, for callers that branch on them with errors.Is.
var (
	// ErrAuth: the server answered 401 or 403.
	ErrAuth = errors.New("MLflow refused the credentials")
	// ErrNotReady: the version's status is not READY (PENDING_REGISTRATION,
	// FAILED_REGISTRATION): it is never judged nor approved.
	ErrNotReady = errors.New("model version not READY")
	// ErrConfig: the Config cannot be used.
	ErrConfig = errors.New("invalid MLflow configuration")
)

// SigV4 signs requests for SageMaker-managed MLflow (service
// sagemaker-mlflow).
type SigV4 struct {
	Credentials aws.CredentialsProvider
	Region      string
}

// Config configures New. The caller reads the environment
// (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME,
// MLFLOW_TRACKING_PASSWORD); this package never does.
type Config struct {
	// URI is the tracking server, http:// or https://, with an optional
	// path prefix; no credentials in it. A SageMaker-managed MLflow ARN
	// (arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>
	// or mlflow-app/<id>), as the sagemaker-mlflow plugin takes it, means
	// https://<region>.experiments.sagemaker.aws with SigV4 and the ARN in
	// the routing header.
	URI string
	// Endpoint replaces that endpoint of an ARN URI (the plugin's
	// SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT).
	Endpoint string
	// Token is sent as "Authorization: Bearer". Username and Password as
	// basic auth, which wins when both are given (as MLflow clients do).
	Token              string
	Username, Password string
	// SigV4, when set, signs every request instead (no token nor password).
	SigV4 *SigV4

	// Model is the registered model every Resolve reads (the rules file's
	// registry.model); empty: the group Resolve is given.
	Model string

	// Alias is the alias approval moves to the candidate and latest-approved
	// resolves; default DefaultAlias.
	Alias string
	// PendingTag is what latest-pending means: the newest READY version
	// with this key=value tag; default DefaultPendingTag.
	PendingTag string
	// ArtifactDir is the run artifact folder whose <slot>.json files are the
	// version's reports (modelgate/bias.json, ...); default DefaultArtifactDir.
	ArtifactDir string

	PageSize    int // max_results of model-versions/search; default 1000
	MaxVersions int // versions Resolve reads at most; default 200,000
	// MaxAttempts bounds the attempts of one request (5xx, 429, network
	// errors); default 4. BaseDelay and MaxDelay shape the backoff
	// (default 200 ms and 5 s).
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
	// Transport is the base RoundTripper; default http.DefaultTransport.
	Transport http.RoundTripper
	// S3, when set, reads the artifacts of runs whose artifact root is
	// s3:// (SageMaker-managed MLflow, servers without --serve-artifacts):
	// the caller passes the S3 code it already has (the sagemaker adapter's
	// Fetch), bounded at gate.MaxReportBytes. Nil refuses such artifacts.
	S3 func(ctx context.Context, uri string) ([]byte, error)
}

// Client is the MLflow Model Registry adapter. It is safe for concurrent
// use.
type Client struct {
	base        string // scheme://host/prefix, no trailing slash
	http        *http.Client
	model       string
	alias       string
	pendingKey  string
	pendingVal  string
	artifactDir string
	pageSize    int
	maxVersions int
	secrets     []string
	s3          func(ctx context.Context, uri string) ([]byte, error)

	mu      sync.Mutex
	digests map[string]map[string]string // package ARN -> source URI -> sha256 of what Fetch read
	runOf   map[string]runRef            // package ARN -> its run, as Resolve read it
}

type runRef struct{ id, artifactURI string }

// New builds a client from cfg.
func New(cfg Config) (*Client, error) {
	var arnHeader, arnValue string
	if strings.HasPrefix(cfg.URI, "arn:") {
		m := smArnRE.FindStringSubmatch(cfg.URI)
		if m == nil {
			return nil, fmt.Errorf("%w: %q is not a SageMaker MLflow ARN (arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>)", ErrConfig, cfg.URI)
		}
		if cfg.SigV4 == nil {
			return nil, fmt.Errorf("%w: SageMaker-managed MLflow needs AWS credentials (SigV4)", ErrConfig)
		}
		if cfg.SigV4.Region == "" {
			s := *cfg.SigV4
			s.Region = m[1]
			cfg.SigV4 = &s
		} else if cfg.SigV4.Region != m[1] {
			return nil, fmt.Errorf("%w: the ARN is in %s, SigV4 signs for %s", ErrConfig, m[1], cfg.SigV4.Region)
		}
		arnHeader, arnValue = "x-mlflow-sm-tracking-server-arn", cfg.URI
		if m[2] == "mlflow-app" {
			arnHeader = "x-sm-mlflow-app-arn"
		}
		cfg.URI = or(cfg.Endpoint, "https://"+m[1]+".experiments.sagemaker.aws")
	}
	u, err := url.Parse(cfg.URI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: the tracking URI must be http:// or https://<host>[/prefix]", ErrConfig)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: the tracking URI must not carry credentials; give a token or a username and password", ErrConfig)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: the tracking URI must not have a query or fragment", ErrConfig)
	}
	hasSecret := cfg.Token != "" || cfg.Username != "" || cfg.Password != ""
	if cfg.SigV4 != nil {
		if hasSecret {
			return nil, fmt.Errorf("%w: give SigV4 or a token/password, not both", ErrConfig)
		}
		if cfg.SigV4.Credentials == nil || cfg.SigV4.Region == "" {
			return nil, fmt.Errorf("%w: SigV4 needs AWS credentials and a region", ErrConfig)
		}
	}
	if (hasSecret || cfg.SigV4 != nil) && u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: credentials are never sent over plain http to %s; use https", ErrConfig, u.Host)
	}
	c := &Client{
		base:        strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		model:       cfg.Model,
		alias:       or(cfg.Alias, DefaultAlias),
		artifactDir: strings.Trim(or(cfg.ArtifactDir, DefaultArtifactDir), "/"),
		pageSize:    orInt(cfg.PageSize, DefaultPageSize),
		maxVersions: orInt(cfg.MaxVersions, DefaultMaxVersions),
		digests:     map[string]map[string]string{},
		runOf:       map[string]runRef{},
		s3:          cfg.S3,
	}
	if _, ok := aliasName(c.alias); !ok {
		return nil, fmt.Errorf("%w: alias %q is not an MLflow alias name", ErrConfig, c.alias)
	}
	k, v, ok := strings.Cut(or(cfg.PendingTag, DefaultPendingTag), "=")
	if !ok || k == "" || v == "" {
		return nil, fmt.Errorf("%w: the pending tag must be key=value", ErrConfig)
	}
	c.pendingKey, c.pendingVal = k, v
	for _, s := range []string{cfg.Token, cfg.Password} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	next := cfg.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	at := &authTransport{next: next, token: cfg.Token, user: cfg.Username, password: cfg.Password, now: time.Now, header: arnHeader, headerValue: arnValue}
	if cfg.SigV4 != nil {
		at.token, at.user, at.password = "", "", ""
		at.creds, at.region, at.signer = cfg.SigV4.Credentials, cfg.SigV4.Region, v4.NewSigner()
	}
	c.http = &http.Client{
		Transport: newRetry(at, cfg),
		// A redirect could carry the credentials elsewhere: never follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// smArnRE is a SageMaker-managed MLflow ARN (partition aws); submatch 1 is
// the region, 2 the resource type.
var smArnRE = regexp.MustCompile(`^arn:aws:sagemaker:([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:(mlflow-tracking-server|mlflow-app)/[A-Za-z0-9](?:[A-Za-z0-9-]{0,254})$`)

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func orDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// APIError is an answer of the server that is not a success.
type APIError struct {
	Method, Path string
	Status       int
	Code         string // error_code, e.g. RESOURCE_DOES_NOT_EXIST
	Message      string // the server's message: one line, at most 300 characters, secrets removed
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("MLflow %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + strconv.Quote(e.Message)
	}
	return s
}

// authFailure is a 401 or 403: never retried, and saying what to check.
type authFailure struct{ api *APIError }

func (e *authFailure) Error() string {
	return fmt.Sprintf("%s (HTTP %d on %s %s): check MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, "+
		"or (SageMaker-managed MLflow) AWS credentials allowed sagemaker-mlflow:*; the server said %s",
		ErrAuth, e.api.Status, e.api.Method, e.api.Path, strconv.Quote(e.api.Message))
}
func (e *authFailure) Unwrap() []error { return []error{ErrAuth, e.api} }

// scrub removes the client's secrets from text the server sent.
func (c *Client) scrub(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return gate.TruncateRunes(s, 300)
}

// call sends one API request: GET with query parameters, or POST/PATCH with
// a JSON body, to /api/2.0<path>, and decodes the answer into out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	target := c.base + "/api/2.0" + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("MLflow %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, target, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, target, nil)
	}
	if err != nil {
		return fmt.Errorf("MLflow %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	data, status, err := c.do(req, maxResponseBytes)
	if err != nil {
		return fmt.Errorf("MLflow %s %s: %w", method, path, err)
	}
	if status != http.StatusOK {
		return c.apiError(method, path, status, data)
	}
	if out == nil {
		return nil
	}
	if err := strictjson.Unmarshal(data, out); err != nil {
		return fmt.Errorf("MLflow %s %s: the answer is not the JSON the API describes: %w", method, path, err)
	}
	return nil
}

// do sends req and reads at most max bytes of the answer.
func (c *Client) do(req *http.Request, max int64) ([]byte, int, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			return nil, 0, fmt.Errorf("%w: %s", ErrAuth, ae.msg)
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	data, err := gate.ReadCapped(req.Context(), resp.Body, max)
	if err != nil {
		return nil, resp.StatusCode, err
	}
	return data, resp.StatusCode, nil
}

func (c *Client) apiError(method, path string, status int, data []byte) error {
	e := &APIError{Method: method, Path: path, Status: status}
	var body struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.Code, e.Message = c.scrub(body.ErrorCode), c.scrub(body.Message)
	} else {
		e.Message = c.scrub(string(data[:min(len(data), 300)]))
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return &authFailure{api: e}
	}
	return e
}

// isCode reports whether err is an API error with this code (and status,
// when status > 0).
func isCode(err error, status int, code string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code && (status == 0 || e.Status == status)
}

// int64s is an int64 that the server sends as a JSON number or a string.
type int64s int64

func (n *int64s) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("int64 field %s is not a whole number", clip(string(b)))
	}
	*n = int64s(v)
	return nil
}

// float64s is a double: a JSON number, or "NaN", "Infinity", "-Infinity"
// as proto3 JSON spells them.
type float64s float64

func (f *float64s) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = float64s(math.NaN())
		return nil
	case `"Infinity"`:
		*f = float64s(math.Inf(1))
		return nil
	case `"-Infinity"`:
		*f = float64s(math.Inf(-1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("double field %s is not a number", clip(string(b)))
	}
	*f = float64s(v)
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}
