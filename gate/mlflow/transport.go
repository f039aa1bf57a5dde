package mlflow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/modelgate/modelgate/internal/retry"
)

// SigV4Service is the signing name of SageMaker-managed MLflow.
const SigV4Service = "sagemaker-mlflow"

// authTransport adds the credentials to every attempt (a SigV4 signature
// covers the time, so each retry is signed again).
type authTransport struct {
	next     http.RoundTripper
	token    string
	user     string
	password string
	creds    aws.CredentialsProvider
	region   string
	signer   *v4.Signer
	now      func() time.Time
	// header, when set, is sent with headerValue on every request (the
	// SageMaker MLflow routing header; it is signed).
	header, headerValue string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if t.header != "" {
		req.Header.Set(t.header, t.headerValue)
	}
	switch {
	case t.creds != nil:
		if err := t.sign(req); err != nil {
			return nil, err
		}
	case t.token != "":
		req.Header.Set("Authorization", "Bearer "+t.token)
	case t.user != "" || t.password != "":
		req.SetBasicAuth(t.user, t.password)
	}
	return t.next.RoundTrip(req)
}

// sign signs req with SigV4 for service sagemaker-mlflow. The payload hash
// is computed from the body (GetBody gives a fresh copy).
func (t *authTransport) sign(req *http.Request) error {
	creds, err := t.creds.Retrieve(req.Context())
	if err != nil {
		// The provider's error may name a profile or a file, never a secret.
		return &authError{msg: "the AWS credentials for SigV4 could not be loaded: " + err.Error()}
	}
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return err
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	sum := sha256.Sum256(body)
	return t.signer.SignHTTP(req.Context(), creds, req, hex.EncodeToString(sum[:]), SigV4Service, t.region, t.now())
}

// newRetry is the one retry policy (internal/retry) around the auth
// transport: each attempt is a fresh request through at, so its
// credentials are applied again (a SigV4 signature covers the time), and
// an authError (no credentials, found before sending) is permanent. The
// backoff starts at cfg.BaseDelay (200 ms) and doubles up to cfg.MaxDelay
// (5 s), jittered; a Retry-After is waited for up to retry.DefaultMaxWait;
// no wait outlives the context's deadline.
func newRetry(at http.RoundTripper, cfg Config) *retry.Transport {
	return &retry.Transport{
		Base:       at,
		Attempts:   orInt(cfg.MaxAttempts, DefaultMaxAttempts),
		Backoff:    orDur(cfg.BaseDelay, 200*time.Millisecond),
		MaxBackoff: orDur(cfg.MaxDelay, 5*time.Second),
	}
}

// authError is a credential problem found before the request was sent.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

// Permanent tells the retry policy that sending again cannot cure it.
func (e *authError) Permanent() bool { return true }
