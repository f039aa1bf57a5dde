package action

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
)

// fakeSurface is an in-memory Surface: the flows need nothing else of
// GitHub. A call it was not set up for fails the test.
type fakeSurface struct {
	t         *testing.T
	publish   func(in mgh.PublishInput) (*mgh.PublishOutcome, error)
	published []mgh.PublishInput
}

func (f *fakeSurface) Start(context.Context, string, string, string) (*mgh.Started, error) {
	return &mgh.Started{ID: 1}, nil
}

func (f *fakeSurface) Publish(_ context.Context, in mgh.PublishInput) (*mgh.PublishOutcome, error) {
	f.published = append(f.published, in)
	return f.publish(in)
}

func (f *fakeSurface) FindCheck(context.Context, string, string) (*mgh.PostedCheck, error) {
	f.t.Error("unexpected FindCheck")
	return nil, errors.New("unexpected")
}

func (f *fakeSurface) MergedPulls(context.Context, string, string) ([]mgh.PullRequest, error) {
	f.t.Error("unexpected MergedPulls")
	return nil, errors.New("unexpected")
}

func (f *fakeSurface) FileAt(context.Context, string, string, int) ([]byte, error) {
	return nil, mgh.ErrFileNotFound
}

// Check mode over the in-memory surface: a read-only token falls back to
// annotations and keeps the gate's exit code; any other failure to post
// is exit 3, with the annotations still written.
func TestCheckModeOverAFakeSurface(t *testing.T) {
	t.Parallel()
	forbidden := &mgh.ForbiddenError{Op: "create check run", Message: "Resource not accessible by integration"}
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantSays string
	}{
		{"posted", nil, gate.ExitFail, "posted check run"},
		{"read-only token", forbidden, gate.ExitFail, "check run not posted (403"},
		{"GitHub down", errors.New("create check run: 502"), gate.ExitRuntime, "create check run: 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newActionEnv(t, nil, "pull_request", "pull_request.opened", nil)
			e.vars["INPUT_GITHUB_TOKEN"] = "t"
			fs := &fakeSurface{t: t, publish: func(mgh.PublishInput) (*mgh.PublishOutcome, error) {
				if tt.err != nil {
					return nil, tt.err
				}
				return &mgh.PublishOutcome{HTMLURL: "https://example/run/1"}, nil
			}}
			var calls []Options
			code := Run(context.Background(), Env{Getenv: e.getenv, Stdout: &e.stdout, Stderr: &e.stderr,
				Evaluate: resultFrom(t, "failing", &calls), Version: "dev", Now: func() time.Time { return time.Unix(0, 0) },
				NewSurface: func(string, string, string, string, time.Duration) (Surface, error) { return fs, nil }})
			says := e.stdout.String() + e.stderr.String()
			if code != tt.wantCode || !strings.Contains(says, tt.wantSays) {
				t.Errorf("exit %d; want %d saying %q:\n%s", code, tt.wantCode, tt.wantSays, says)
			}
			if len(fs.published) != 1 || fs.published[0].HeadSHA != prHead || fs.published[0].Result == nil {
				t.Errorf("published %+v; want one result on the PR head", fs.published)
			}
			annotated := bytes.Contains(e.stdout.Bytes(), []byte("::error col=5,file=.github/modelgate.yml,line=16"))
			if annotated != (tt.err != nil) {
				t.Errorf("annotations written = %v; want %v", annotated, tt.err != nil)
			}
		})
	}
}

type recordingPublisher struct {
	got []Publication
	err error
}

func (p *recordingPublisher) Name() string { return "test publisher" }
func (p *recordingPublisher) PublishResult(_ context.Context, pub Publication) error {
	p.got = append(p.got, pub)
	return p.err
}

// A further publisher (a PR comment, say) gets the result and the check
// run's URL; its failure is said and changes no exit code.
func TestCheckModePublishers(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		e := newActionEnv(t, nil, "pull_request", "pull_request.opened", nil)
		e.vars["INPUT_GITHUB_TOKEN"] = "t"
		fs := &fakeSurface{t: t, publish: func(mgh.PublishInput) (*mgh.PublishOutcome, error) {
			return &mgh.PublishOutcome{HTMLURL: "https://example/run/1"}, nil
		}}
		pub := &recordingPublisher{}
		if fail {
			pub.err = errors.New("comments are off")
		}
		var calls []Options
		code := Run(context.Background(), Env{Getenv: e.getenv, Stdout: &e.stdout, Stderr: &e.stderr,
			Evaluate: resultFrom(t, "failing", &calls), Version: "dev", Publishers: []Publisher{pub},
			NewSurface: func(string, string, string, string, time.Duration) (Surface, error) { return fs, nil }})
		if code != gate.ExitFail || len(pub.got) != 1 || pub.got[0].CheckRunURL != "https://example/run/1" ||
			pub.got[0].Event.PRNumber != 2 || !strings.Contains(pub.got[0].Markdown, "1 of 3 rules failed") {
			t.Errorf("fail=%v: exit %d, published %+v", fail, code, pub.got)
		}
		if fail != strings.Contains(e.stderr.String(), "test publisher: comments are off") {
			t.Errorf("fail=%v: stderr %q", fail, &e.stderr)
		}
	}
}
