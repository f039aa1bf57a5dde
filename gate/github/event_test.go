package github_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/github"
)

func TestResolveEvent(t *testing.T) {
	t.Parallel()
	const head = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	const pushed = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
	tests := []struct {
		name, event, payload string
		edit                 func(map[string]any)
		want                 github.Event
	}{
		{
			name: "pull request opened", event: "pull_request", payload: "pull_request.opened",
			want: github.Event{Name: "pull_request", Action: "opened", Mode: github.ModeCheck, HeadSHA: head, PRNumber: 2,
				BaseBranch: "master", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "pull request #2 opened: check its head commit"},
		},
		{
			name: "pull request synchronize", event: "pull_request", payload: "pull_request.synchronize",
			want: github.Event{Name: "pull_request", Action: "synchronize", Mode: github.ModeCheck, HeadSHA: head, PRNumber: 2,
				BaseBranch: "master", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "pull request #2 synchronize: check its head commit"},
		},
		{
			name: "pull request closed and merged", event: "pull_request", payload: "pull_request.closed-merged",
			want: github.Event{Name: "pull_request", Action: "closed", Mode: github.ModeApprove, HeadSHA: head, PRNumber: 2,
				MergeSHA: "34c5c7793cb3b279e22454cb6750c80560547b3a", Merged: true,
				BaseBranch: "master", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "pull request #2 was merged into master: approve"},
		},
		{
			name: "pull request closed without merging", event: "pull_request", payload: "pull_request.closed",
			want: github.Event{Name: "pull_request", Action: "closed", Mode: github.ModeNone, HeadSHA: head, PRNumber: 2,
				BaseBranch: "master", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "pull request #2 was closed without merging: nothing to do"},
		},
		{
			name: "merged into another branch", event: "pull_request", payload: "pull_request.closed-merged",
			edit: func(m map[string]any) { m["pull_request"].(map[string]any)["base"].(map[string]any)["ref"] = "release" },
			want: github.Event{Name: "pull_request", Action: "closed", Mode: github.ModeNone, HeadSHA: head, PRNumber: 2,
				MergeSHA: "34c5c7793cb3b279e22454cb6750c80560547b3a", Merged: true,
				BaseBranch: "release", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: `pull request #2 was merged into "release", not the default branch "master": nothing to approve`},
		},
		{
			name: "fork pull request", event: "pull_request", payload: "pull_request.opened",
			edit: func(m map[string]any) {
				m["pull_request"].(map[string]any)["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
			},
			want: github.Event{Name: "pull_request", Action: "opened", Mode: github.ModeCheck, HeadSHA: head, PRNumber: 2, Fork: true,
				BaseBranch: "master", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "pull request #2 opened: check its head commit"},
		},
		{
			name: "push to the default branch", event: "push", payload: "push.default-branch",
			want: github.Event{Name: "push", Mode: github.ModeApprove, HeadSHA: pushed, Ref: "refs/heads/master",
				DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "push to the default branch master: approve"},
		},
		{
			name: "push to another branch", event: "push", payload: "push.other-branch",
			want: github.Event{Name: "push", Mode: github.ModeCheck, HeadSHA: pushed, Ref: "refs/heads/feature/retrain",
				DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "push to feature/retrain, not the default branch master: check only"},
		},
		{
			name: "push of a tag", event: "push", payload: "push.tag",
			want: github.Event{Name: "push", Mode: github.ModeCheck, HeadSHA: pushed, Ref: "refs/tags/simple-tag",
				DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "push to refs/tags/simple-tag, not a branch: check only"},
		},
		{
			name: "deleted branch", event: "push", payload: "push.default-branch",
			edit: func(m map[string]any) { m["deleted"] = true; m["after"] = strings.Repeat("0", 40) },
			want: github.Event{Name: "push", Mode: github.ModeNone, Ref: "refs/heads/master",
				DefaultBranch: "master", Actor: "Codertocat", Repo: "Codertocat/Hello-World",
				Reason: "push deleted refs/heads/master: nothing to do"},
		},
		{
			name: "workflow_dispatch", event: "workflow_dispatch", payload: "workflow_dispatch",
			want: github.Event{Name: "workflow_dispatch", Mode: github.ModeCheck, Ref: "refs/heads/main",
				DefaultBranch: "main", Actor: "octocat", Repo: "octo-org/octo-repo",
				Reason: "workflow_dispatch event: check"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payload := gatetest.GitHubEvent(t, tt.payload)
			if tt.edit != nil {
				var m map[string]any
				if err := json.Unmarshal(payload, &m); err != nil {
					t.Fatal(err)
				}
				tt.edit(m)
				payload, _ = json.Marshal(m)
			}
			got, err := github.ResolveEvent(tt.event, payload, "")
			if err != nil {
				t.Fatalf("ResolveEvent: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ResolveEvent(%q, %s) (-want +got):\n%s", tt.event, tt.payload, diff)
			}
		})
	}
}

func TestResolveEventDefaultBranchArgumentWins(t *testing.T) {
	t.Parallel()
	got, err := github.ResolveEvent("push", gatetest.GitHubEvent(t, "push.default-branch"), "main")
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != github.ModeCheck || got.DefaultBranch != "main" {
		t.Errorf("ResolveEvent(push to master, default main) = %s on %s; want check", got.Mode, got.DefaultBranch)
	}
}

func TestResolveEventRejectsHostilePayloads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, payload, want string
	}{
		{"not json", "pull_request", `{"pull_request":`, "parse pull_request event payload"},
		{"no pull_request", "pull_request", `{"action":"opened"}`, "no pull_request object"},
		{"sha with a newline", "pull_request", `{"action":"opened","pull_request":{"head":{"sha":"abc\n::set-output"}}}`, "is not a commit SHA"},
		{"short sha", "push", `{"ref":"refs/heads/main","after":"abc","repository":{"default_branch":"main"}}`, "is not a commit SHA"},
		{"push, no default branch", "push", `{"ref":"refs/heads/main","after":"` + strings.Repeat("a", 40) + `"}`, "default branch is unknown"},
		{"merged, no default branch", "pull_request", `{"action":"closed","pull_request":{"merged":true,"head":{"sha":"` + strings.Repeat("a", 40) + `"}}}`, "default branch is unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := github.ResolveEvent(tt.event, []byte(tt.payload), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ResolveEvent = %+v, %v; want an error containing %q", got, err, tt.want)
			}
			if err != nil && got.Mode == github.ModeApprove {
				t.Errorf("an error came with mode approve")
			}
		})
	}
}

// FuzzResolveEvent checks that no payload panics, and that an error never
// comes with approve mode.
func FuzzResolveEvent(f *testing.F) {
	for _, name := range []string{"pull_request.opened", "pull_request.closed-merged", "push.default-branch", "workflow_dispatch"} {
		f.Add(strings.SplitN(name, ".", 2)[0], string(gatetest.GitHubEvent(f, name)))
	}
	f.Fuzz(func(t *testing.T, event, payload string) {
		ev, err := github.ResolveEvent(event, []byte(payload), "")
		if err != nil && ev.Mode == github.ModeApprove {
			t.Fatalf("ResolveEvent(%q) = approve with error %v", event, err)
		}
		if ev.Mode == github.ModeApprove && (ev.DefaultBranch == "" || ev.HeadSHA == "") {
			t.Fatalf("approve without a default branch or commit: %+v", ev)
		}
	})
}
