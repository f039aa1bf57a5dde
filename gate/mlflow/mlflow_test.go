package mlflow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/mlflow"
	"github.com/modelgate/modelgate/gate/report"
)

const model = "churn"

var biasJSON = []byte(`{"version":"1.0","label":"y","facets":{}}`)

// seed stores the champion (version 1, run r1) and a pending candidate
// (version 2, run r2, with a bias report artifact).
func seed(t *testing.T) *gatetest.MLflowFake {
	t.Helper()
	f := gatetest.NewMLflow(t)
	f.AddRun(gatetest.MLflowRun{ID: "r1", Metrics: []gatetest.MLflowMetric{{Key: "auc", Value: 0.88, Step: 3, Timestamp: 10}},
		Artifacts: map[string][]byte{"eval/results.json": []byte(`{"score": 2}`)}})
	f.AddRun(gatetest.MLflowRun{ID: "r2",
		Metrics:   []gatetest.MLflowMetric{{Key: "auc", Value: 0.91, Step: 7, Timestamp: 20}, {Key: "accuracy", Value: 0.8, Step: 7, Timestamp: 20}},
		Artifacts: map[string][]byte{"modelgate/bias.json": biasJSON, "modelgate/notes.txt": []byte("x"), "eval/results.json": []byte(`{"score": 3}`)},
	})
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r1", Tags: map[string]string{"modelgate.status": "approved"}})
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r2", Description: "trained on 2026-01", Tags: map[string]string{"modelgate.status": "pending"}})
	f.SetAlias(model, "champion", 1)
	return f
}

func client(t *testing.T, f *gatetest.MLflowFake, mod ...func(*mlflow.Config)) *mlflow.Client {
	t.Helper()
	cfg := mlflow.Config{URI: f.URL, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := mlflow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResolve(t *testing.T) {
	t.Parallel()
	f := seed(t)
	f.Int64AsString(true) // int64 as JSON strings: legal, and must be read
	c := client(t, f)
	ctx := context.Background()
	cand, err := c.Resolve(ctx, model, mustSel("latest-pending"))
	if err != nil {
		t.Fatal(err)
	}
	if cand.ARN != "models:/churn/2" || cand.Version != 2 || cand.Approval != gate.StatusPending || cand.Status != "READY" {
		t.Errorf("candidate = %+v", cand)
	}
	var slots []string
	for _, s := range cand.Sources {
		slots = append(slots, s.Slot+"="+s.URI)
	}
	if got := strings.Join(slots, " "); got != "bias=runs:/r2/modelgate/bias.json quality=mlflow-metrics:runs/r2" {
		t.Errorf("sources = %s", got)
	}
	base, err := c.Resolve(ctx, model, mustSel("latest-approved"))
	if err != nil {
		t.Fatal(err)
	}
	if base.Version != 1 || base.Approval != gate.StatusApproved {
		t.Errorf("baseline = %+v", base)
	}
	for sel, want := range map[string]int{"@champion": 1, "2": 2, "tag:modelgate.status=pending": 2, "tag:modelgate.status=approved": 1} {
		p, err := resolveSel(ctx, c, model, sel)
		if err != nil || p.Version != want {
			t.Errorf("Resolve(%s) = %v, %v; want version %d", sel, p, err, want)
		}
	}
	for sel, want := range map[string]error{"@nosuch": gate.ErrNoPackage, "9": gate.ErrNoPackage, "tag:a=b": gate.ErrNoPackage, "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/2": gate.ErrSelector, "@bad alias": gate.ErrSelector} {
		if _, err := resolveSel(ctx, c, model, sel); !errors.Is(err, want) {
			t.Errorf("Resolve(%s) error = %v; want %v", sel, err, want)
		}
	}

	// The metrics are a model-quality document the existing reader reads.
	src, _ := cand.Source(gate.SlotQuality)
	data, err := c.Fetch(ctx, cand, src)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"mlflow_metrics":{"accuracy":{"value":0.8,"step":7,"timestamp":20},"auc":{"value":0.91,"step":7,"timestamp":20}}}`
	if string(data) != want {
		t.Errorf("metrics document = %s\nwant %s", data, want)
	}
	parsed, err := report.Read(src, data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, in := range parsed.Instances {
		got[in.Address] = in.Value
	}
	if got["quality.auc"] != 0.91 || got["quality.accuracy"] != 0.8 || len(got) != 2 {
		t.Errorf("instances = %v", got)
	}
	bias, _ := cand.Source(gate.SlotBias)
	if data, err := c.Fetch(ctx, cand, bias); err != nil || string(data) != string(biasJSON) {
		t.Errorf("Fetch bias = %q, %v", data, err)
	}
	// A report of the rules file: a path relative to the run's artifacts.
	if data, err := c.Fetch(ctx, cand, gate.Source{Slot: "eval", URI: "eval/results.json"}); err != nil || string(data) != `{"score": 3}` {
		t.Errorf("Fetch eval = %q, %v", data, err)
	}
}

func TestNotReadyIsNeverACandidate(t *testing.T) {
	t.Parallel()
	f := seed(t)
	f.AddRun(gatetest.MLflowRun{ID: "r3"})
	pending := map[string]string{"modelgate.status": "pending"}
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r3", Status: "PENDING_REGISTRATION", Tags: pending})
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r3", Status: "FAILED_REGISTRATION", StatusMessage: "copy failed\n::error::x", Tags: pending})
	c := client(t, f)
	ctx := context.Background()
	p, err := c.Resolve(ctx, model, mustSel("latest-pending"))
	if err != nil || p.Version != 2 {
		t.Fatalf("latest-pending = %v, %v; want version 2 (3 and 4 are not READY)", p, err)
	}
	for _, sel := range []string{"3", "4"} {
		_, err := resolveSel(ctx, c, model, sel)
		if !errors.Is(err, mlflow.ErrNotReady) || errors.Is(err, gate.ErrNoPackage) {
			t.Errorf("Resolve(%s) error = %v; want ErrNotReady", sel, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Resolve(%s) error has a newline: %q", sel, err)
		}
	}
	// A champion alias on a version that is not READY is an error, not "no baseline".
	f.SetAlias(model, "champion", 4)
	if _, err := c.Resolve(ctx, model, mustSel("latest-approved")); !errors.Is(err, mlflow.ErrNotReady) {
		t.Errorf("latest-approved on a FAILED_REGISTRATION version: %v", err)
	}
}

func TestPagingOverManyVersions(t *testing.T) {
	t.Parallel()
	f := gatetest.NewMLflow(t)
	f.AddRun(gatetest.MLflowRun{ID: "r"})
	for v := 1; v <= 1500; v++ {
		tags := map[string]string{}
		if v == 1234 || v == 7 {
			tags["modelgate.status"] = "pending"
		}
		f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r", Tags: tags})
	}
	f.SetPageCap(300) // the backend answers fewer than asked
	c := client(t, f)
	p, err := c.Resolve(context.Background(), model, mustSel("latest-pending"))
	if err != nil || p.Version != 1234 {
		t.Fatalf("latest-pending = %v, %v; want version 1234", p, err)
	}
	calls := f.Calls("/mlflow/model-versions/search")
	if len(calls) != 5 {
		t.Errorf("%d search pages; want 5 (1,500 versions, 300 a page)", len(calls))
	}
	for i, call := range calls {
		if (call.Query.Get("page_token") == "") != (i == 0) || call.Query.Get("max_results") != "1000" {
			t.Errorf("page %d query = %v", i, call.Query)
		}
	}
	// More versions than allowed: an error, never a guess from a part.
	c = client(t, f, func(cfg *mlflow.Config) { cfg.MaxVersions = 1000 })
	if _, err := c.Resolve(context.Background(), model, mustSel("latest-pending")); err == nil || !strings.Contains(err.Error(), "more than 1000 versions") {
		t.Errorf("over MaxVersions: %v", err)
	}
}

func decision(status string) gate.Decision {
	return gate.Decision{Status: status, Description: "Approved by modelgate: 3/3 rules passed. commit abc123, PR #7",
		Metadata: map[string]string{gate.MetaCommit: "abc123", gate.MetaPR: "7", gate.MetaRulesSHA: "ff00", gate.MetaResult: "success 3/3 rules passed", gate.MetaApprovedBy: "alice"}}
}

func TestApprove(t *testing.T) {
	t.Parallel()
	f := seed(t)
	c := client(t, f)
	ctx := context.Background()
	cand, err := c.Resolve(ctx, model, mustSel("latest-pending"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cand.Sources {
		if _, err := c.Fetch(ctx, cand, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetApproval(ctx, cand, decision(gate.StatusApproved)); err != nil {
		t.Fatal(err)
	}
	if got := f.Alias(model, "champion"); got != 2 {
		t.Errorf("@champion = %d; want 2", got)
	}
	v, _ := f.Version(model, 2)
	for k, want := range map[string]string{"modelgate.commit": "abc123", "modelgate.pr": "7", "modelgate.rules_sha256": "ff00",
		"modelgate.result": "success 3/3 rules passed", "modelgate.approved_by": "alice", "modelgate.status": "approved"} {
		if v.Tags[k] != want {
			t.Errorf("tag %s = %q; want %q", k, v.Tags[k], want)
		}
	}
	if v.Description != "trained on 2026-01\n\nApproved by modelgate: 3/3 rules passed. commit abc123, PR #7" {
		t.Errorf("description = %q", v.Description)
	}
	// The alias moves last but one: tags first, then alias, then status.
	var order []string
	for _, w := range f.Writes() {
		key, _ := w.Body["key"].(string)
		order = append(order, strings.TrimPrefix(w.Path, "/mlflow/")+":"+key)
	}
	if n := len(order); n < 3 || order[n-2] != "registered-models/alias:" || order[n-1] != "model-versions/set-tag:modelgate.status" {
		t.Errorf("write order = %v", order)
	}
	// The same decision again writes nothing (idempotent).
	n := len(f.Writes())
	cand2, err := c.Resolve(ctx, model, mustSel("2"))
	if err != nil {
		t.Fatal(err)
	}
	if cand2.Approval != gate.StatusApproved || cand2.Metadata[gate.MetaCommit] != "abc123" {
		t.Errorf("after approval: %+v", cand2)
	}
	if err := c.SetApproval(ctx, cand2, decision(gate.StatusApproved)); err != nil || len(f.Writes()) != n {
		t.Errorf("second approval: %v, %d new writes", err, len(f.Writes())-n)
	}
	if p, err := c.Resolve(ctx, model, mustSel("latest-approved")); err != nil || p.Version != 2 {
		t.Errorf("latest-approved after approval = %v, %v", p, err)
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	f := seed(t)
	c := client(t, f)
	ctx := context.Background()
	cand, err := c.Resolve(ctx, model, mustSel("latest-pending"))
	if err != nil {
		t.Fatal(err)
	}
	d := decision(gate.StatusRejected)
	if err := c.SetApproval(ctx, cand, d); err != nil {
		t.Fatal(err)
	}
	v, _ := f.Version(model, 2)
	if v.Tags["modelgate.status"] != "rejected" || v.Tags["modelgate.commit"] != "abc123" || f.Alias(model, "champion") != 1 {
		t.Errorf("after reject: tags %v, @champion %d", v.Tags, f.Alias(model, "champion"))
	}
	if _, err := c.Resolve(ctx, model, mustSel("latest-pending")); !errors.Is(err, gate.ErrNoPackage) {
		t.Errorf("a rejected version is still latest-pending: %v", err)
	}
}

func TestAliasMovedBetweenCheckAndMergeIsRefused(t *testing.T) {
	t.Parallel()
	for name, move := range map[string]func(f *gatetest.MLflowFake){
		"promoted another": func(f *gatetest.MLflowFake) { f.SetAlias(model, "champion", 3) },
		"deleted":          func(f *gatetest.MLflowFake) { f.SetAlias(model, "champion", 0) },
		"set by hand":      func(f *gatetest.MLflowFake) { f.SetAlias(model, "champion", 2) },
	} {
		t.Run(name, func(t *testing.T) {
			f := seed(t)
			f.AddRun(gatetest.MLflowRun{ID: "r3"})
			f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r3"})
			c := client(t, f)
			ctx := context.Background()
			cand, err := c.Resolve(ctx, model, mustSel("latest-pending"))
			if err != nil {
				t.Fatal(err)
			}
			move(f)
			before := f.Alias(model, "champion")
			err = c.SetApproval(ctx, cand, decision(gate.StatusApproved))
			if !errors.Is(err, gate.ErrConflict) {
				t.Fatalf("SetApproval after the alias moved: %v; want ErrConflict", err)
			}
			if w := f.Writes(); len(w) != 0 {
				t.Errorf("%d writes after a conflict: %+v", len(w), w)
			}
			if f.Alias(model, "champion") != before {
				t.Errorf("the alias was overwritten")
			}
		})
	}
}

func TestChangedReportIsRefused(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(f *gatetest.MLflowFake){
		"artifact bytes": func(f *gatetest.MLflowFake) {
			f.SetArtifact("r2", "modelgate/bias.json", []byte(`{"version":"1.0","label":"z","facets":{}}`))
		},
		"metric value": func(f *gatetest.MLflowFake) {
			f.SetMetric("r2", gatetest.MLflowMetric{Key: "auc", Value: 0.99, Step: 8})
		},
		"named report":  func(f *gatetest.MLflowFake) { f.SetArtifact("r2", "eval/results.json", []byte(`{"score": 9}`)) },
		"artifact gone": func(f *gatetest.MLflowFake) { f.SetArtifact("r2", "eval/results.json", nil) },
		"tag edited": func(f *gatetest.MLflowFake) {
			f.Update(model, 2, func(v *gatetest.MLflowVersion) { v.Tags["note"] = "edited" })
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := seed(t)
			c := client(t, f)
			ctx := context.Background()
			cand, err := c.Resolve(ctx, model, mustSel("latest-pending"))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range append(cand.Sources, gate.Source{Slot: "eval", URI: "eval/results.json"}) {
				if _, err := c.Fetch(ctx, cand, s); err != nil {
					t.Fatal(err)
				}
			}
			change(f)
			err = c.SetApproval(ctx, cand, decision(gate.StatusApproved))
			if name == "artifact gone" {
				if err == nil || !errors.Is(err, gate.ErrBadContent) {
					t.Fatalf("SetApproval after a report vanished: %v", err)
				}
			} else if !errors.Is(err, gate.ErrConflict) {
				t.Fatalf("SetApproval after a change: %v; want ErrConflict", err)
			}
			if w := f.Writes(); len(w) != 0 {
				t.Errorf("%d writes after a refusal", len(w))
			}
			if f.Alias(model, "champion") != 1 {
				t.Errorf("the alias moved")
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("5xx", func(t *testing.T) {
		f := seed(t)
		f.Fail("/model-versions/get", 502, 2, "")
		f.Fail("/mlflow-artifacts/artifacts/1/r2/artifacts/modelgate/bias.json", 503, 1, "")
		c := client(t, f)
		p, err := c.Resolve(ctx, model, mustSel("2"))
		if err != nil || p.Version != 2 {
			t.Fatalf("Resolve with two 502s: %v, %v", p, err)
		}
		if n := len(f.Calls("/mlflow/model-versions/get")); n != 3 {
			t.Errorf("%d model-versions/get calls; want 3", n)
		}
		bias, _ := p.Source(gate.SlotBias)
		if data, err := c.Fetch(ctx, p, bias); err != nil || string(data) != string(biasJSON) {
			t.Errorf("Fetch with a 503: %q, %v", data, err)
		}
	})
	t.Run("429 Retry-After", func(t *testing.T) {
		f := seed(t)
		f.Fail("/registered-models/alias", 429, 1, "1")
		c := client(t, f)
		start := time.Now()
		if _, err := c.Resolve(ctx, model, mustSel("@champion")); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("retried after %v; Retry-After said 1 s", d)
		}
	})
	t.Run("POST body replayed", func(t *testing.T) {
		f := seed(t)
		c := client(t, f)
		cand, err := c.Resolve(ctx, model, mustSel("2"))
		if err != nil {
			t.Fatal(err)
		}
		f.Fail("/registered-models/alias", 500, 1, "")
		if err := c.SetApproval(ctx, cand, decision(gate.StatusApproved)); err != nil || f.Alias(model, "champion") != 2 {
			t.Fatalf("SetApproval with a 500 on the alias: %v, @champion=%d", err, f.Alias(model, "champion"))
		}
	})
	t.Run("bounded", func(t *testing.T) {
		f := seed(t)
		f.Fail("", 502, 100, "")
		c := client(t, f)
		_, err := c.Resolve(ctx, model, mustSel("2"))
		var ae *mlflow.APIError
		if !errors.As(err, &ae) || ae.Status != 502 {
			t.Fatalf("error = %v; want the 502", err)
		}
		if n := len(f.Calls("")); n != mlflow.DefaultMaxAttempts {
			t.Errorf("%d attempts; want %d", n, mlflow.DefaultMaxAttempts)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		f := seed(t)
		f.Fail("", 429, 100, "30")
		c := client(t, f)
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Resolve(ctx, model, mustSel("2"))
		if err == nil || time.Since(start) > 2*time.Second {
			t.Errorf("error %v after %v; want the 429 before the deadline", err, time.Since(start))
		}
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const token = "dapi-SECRET-0123456789abcdef"
	t.Run("bearer", func(t *testing.T) {
		f := seed(t)
		f.RequireAuth("Bearer " + token)
		if _, err := client(t, f, func(c *mlflow.Config) { c.Token = token }).Resolve(ctx, model, mustSel("2")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("basic", func(t *testing.T) {
		f := seed(t)
		f.RequireAuth("Basic Ym9iOnBhc3M=") // bob:pass
		if _, err := client(t, f, func(c *mlflow.Config) { c.Username, c.Password = "bob", "pass" }).Resolve(ctx, model, mustSel("2")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("401 is clear, not retried, and hides the token", func(t *testing.T) {
		f := seed(t)
		f.RequireAuth("Bearer the-right-one")
		c := client(t, f, func(c *mlflow.Config) { c.Token = token })
		_, err := c.Resolve(ctx, model, mustSel("2"))
		if !errors.Is(err, mlflow.ErrAuth) || !strings.Contains(err.Error(), "MLflow refused the credentials (HTTP 401") {
			t.Fatalf("error = %v", err)
		}
		if strings.Contains(err.Error(), token) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), token) {
			t.Errorf("the token is in the error: %v", err)
		}
		if !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("the server's echo of the header was not redacted: %v", err)
		}
		if n := len(f.Calls("")); n != 1 {
			t.Errorf("%d attempts on a 401; want 1", n)
		}
	})
	t.Run("403", func(t *testing.T) {
		f := seed(t)
		f.Fail("", 403, 1, "")
		_, err := client(t, f).Resolve(ctx, model, mustSel("2"))
		if !errors.Is(err, mlflow.ErrAuth) || !strings.Contains(err.Error(), "HTTP 403") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("sigv4", func(t *testing.T) {
		f := seed(t)
		rec := &recorder{next: http.DefaultTransport}
		creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "tok"}, nil
		})
		c := client(t, f, func(c *mlflow.Config) {
			c.SigV4 = &mlflow.SigV4{Credentials: creds, Region: "us-east-1"}
			c.Transport = rec
		})
		cand, err := c.Resolve(ctx, model, mustSel("2"))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetApproval(ctx, cand, decision(gate.StatusApproved)); err != nil {
			t.Fatal(err)
		}
		for _, h := range rec.all() {
			if !strings.HasPrefix(h.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
				!strings.Contains(h.Get("Authorization"), "/us-east-1/sagemaker-mlflow/aws4_request") ||
				h.Get("X-Amz-Security-Token") != "tok" || len(h.Get("X-Amz-Content-Sha256")) != 64 && h.Get("X-Amz-Date") == "" {
				t.Errorf("request not signed for sagemaker-mlflow: %v", h)
			}
		}
		if len(rec.all()) < 5 {
			t.Errorf("only %d requests recorded", len(rec.all()))
		}
	})
}

func TestSageMakerMLflowARN(t *testing.T) {
	t.Parallel()
	f := seed(t)
	rec := &recorder{next: http.DefaultTransport}
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
	})
	const arn = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team"
	c := client(t, f, func(c *mlflow.Config) {
		c.URI, c.Endpoint, c.Transport = arn, f.URL, rec
		c.SigV4 = &mlflow.SigV4{Credentials: creds}
	})
	if _, err := c.Resolve(context.Background(), model, mustSel("2")); err != nil {
		t.Fatal(err)
	}
	for _, h := range rec.all() {
		if h.Get("X-Mlflow-Sm-Tracking-Server-Arn") != arn || !strings.Contains(h.Get("Authorization"), "/eu-west-1/sagemaker-mlflow/aws4_request") ||
			!strings.Contains(h.Get("Authorization"), "x-mlflow-sm-tracking-server-arn") {
			t.Errorf("request headers %v", h)
		}
	}
	for name, cfg := range map[string]mlflow.Config{
		"no sigv4":     {URI: arn},
		"other region": {URI: arn, SigV4: &mlflow.SigV4{Credentials: creds, Region: "us-east-1"}},
		"not mlflow":   {URI: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/2", SigV4: &mlflow.SigV4{Credentials: creds}},
	} {
		if _, err := mlflow.New(cfg); !errors.Is(err, mlflow.ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	hs   []http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hs = append(r.hs, req.Header.Clone())
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) all() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.hs...)
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, nil })
	for name, cfg := range map[string]mlflow.Config{
		"userinfo":        {URI: "https://bob:hunter2@mlflow.example.com"},
		"file store":      {URI: "file:///tmp/mlruns"},
		"databricks":      {URI: "databricks"},
		"token over http": {URI: "http://mlflow.example.com", Token: "hunter2"},
		"sigv4 and token": {URI: "https://x.example.com", Token: "hunter2", SigV4: &mlflow.SigV4{Credentials: creds, Region: "us-east-1"}},
		"sigv4 no region": {URI: "https://x.example.com", SigV4: &mlflow.SigV4{Credentials: creds}},
		"bad alias":       {URI: "https://x.example.com", Alias: "a b"},
		"bad pending tag": {URI: "https://x.example.com", PendingTag: "pending"},
	} {
		_, err := mlflow.New(cfg)
		if !errors.Is(err, mlflow.ErrConfig) {
			t.Errorf("%s: error = %v; want ErrConfig", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the secret is in the error: %v", name, err)
		}
	}
	if _, err := mlflow.New(mlflow.Config{URI: "http://127.0.0.1:5000/prefix/", Token: "t"}); err != nil {
		t.Errorf("a token to a loopback http server: %v", err)
	}
}

func TestFetchRefusesOtherPlaces(t *testing.T) {
	t.Parallel()
	f := seed(t)
	f.AddRun(gatetest.MLflowRun{ID: "r9", ArtifactURI: "s3://bucket/prefix/r9/artifacts", Artifacts: map[string][]byte{"modelgate/bias.json": biasJSON}})
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r9"})
	c := client(t, f)
	ctx := context.Background()
	cand, err := c.Resolve(ctx, model, mustSel("2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{"runs:/r1/modelgate/bias.json", "mlflow-metrics:runs/r1", "../r1/artifacts/x.json", "eval/../../x", "/etc/passwd",
		"https://evil.example.com/x.json", "s3://bucket/x.json", "eval\\x.json", "eval//x.json", "nosuch.json", "a\n::error::x"} {
		_, err := c.Fetch(ctx, cand, gate.Source{Slot: "x", URI: uri})
		if !errors.Is(err, gate.ErrBadContent) {
			t.Errorf("Fetch(%q) error = %v; want ErrBadContent", uri, err)
		}
	}
	s3v, err := c.Resolve(ctx, model, mustSel("3"))
	if err != nil {
		t.Fatal(err)
	}
	bias, _ := s3v.Source(gate.SlotBias)
	if _, err := c.Fetch(ctx, s3v, bias); !errors.Is(err, gate.ErrBadContent) || !strings.Contains(err.Error(), "--serve-artifacts") {
		t.Errorf("Fetch from an s3 artifact root: %v", err)
	}
}

func TestS3ArtifactRoot(t *testing.T) {
	t.Parallel()
	f := gatetest.NewMLflow(t)
	f.AddRun(gatetest.MLflowRun{ID: "r9", ArtifactURI: "s3://bucket/mlflow/9/r9/artifacts", Artifacts: map[string][]byte{"modelgate/bias.json": biasJSON}})
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r9"})
	var asked []string
	c := client(t, f, func(c *mlflow.Config) {
		c.S3 = func(_ context.Context, uri string) ([]byte, error) {
			asked = append(asked, uri)
			if uri == "s3://bucket/mlflow/9/r9/artifacts/modelgate/bias.json" {
				return biasJSON, nil
			}
			return nil, fmt.Errorf("%w: no such key", gate.ErrBadContent)
		}
	})
	ctx := context.Background()
	p, err := c.Resolve(ctx, model, mustSel("1"))
	if err != nil {
		t.Fatal(err)
	}
	bias, ok := p.Source(gate.SlotBias)
	if !ok {
		t.Fatalf("sources %v", p.Sources)
	}
	if data, err := c.Fetch(ctx, p, bias); err != nil || string(data) != string(biasJSON) {
		t.Errorf("Fetch = %q, %v", data, err)
	}
	if _, err := c.Fetch(ctx, p, gate.Source{Slot: "x", URI: "../../other-bucket-key"}); !errors.Is(err, gate.ErrBadContent) {
		t.Errorf("a path out of the run: %v", err)
	}
	if len(asked) != 1 {
		t.Errorf("S3 asked for %v", asked)
	}
}

func TestDeletedRun(t *testing.T) {
	t.Parallel()
	f := seed(t)
	f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "gone"})
	_, err := client(t, f).Resolve(context.Background(), model, mustSel("3"))
	if !errors.Is(err, gate.ErrBadPackage) || !strings.Contains(err.Error(), "run gone does not exist") {
		t.Errorf("a version whose run was deleted: %v", err)
	}
}
