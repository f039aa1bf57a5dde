package github

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/modelgate/modelgate/internal/strictjson"
)

// Mode is what the action does for an event.
type Mode string

// Modes (DESIGN §6).
const (
	// ModeCheck evaluates and posts a check run; it never writes the registry.
	ModeCheck Mode = "check"
	// ModeApprove evaluates the merged rules and may write the decision.
	ModeApprove Mode = "approve"
	// ModeNone does nothing (a pull request closed without merging, a
	// deleted branch).
	ModeNone Mode = "none"
)

// Event is what the action needs from a workflow run's event.
type Event struct {
	Name   string // GITHUB_EVENT_NAME
	Action string // pull_request action: opened, synchronize, closed, ...
	Mode   Mode
	// Reason says in one line why Mode was chosen.
	Reason string
	// HeadSHA is the commit to judge: pull_request.head.sha for pull
	// requests (GITHUB_SHA is a merge commit there), the pushed commit for
	// pushes. It is empty when the payload names no commit
	// (workflow_dispatch, schedule): use GITHUB_SHA then.
	HeadSHA string
	// MergeSHA is the merge commit of a merged pull request.
	MergeSHA string
	// Ref is the pushed or dispatched ref (refs/heads/main).
	Ref      string
	PRNumber int
	// Fork is true for a pull request whose head is in another repository
	// (or in a deleted one): its token is read-only and it never approves.
	Fork       bool
	BaseBranch string
	// BaseSHA is pull_request.base.sha: the base branch's commit the pull
	// request is compared with (for the rules-change guard).
	BaseSHA string
	// Before is a push's previous commit of the branch (push.before).
	Before        string
	DefaultBranch string
	Merged        bool
	// Actor is the login of the event's sender.
	Actor string
	// Repo is the repository's full name (owner/name) in the payload.
	Repo string
}

var shaRE = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

const zeroSHA = "0000000000000000000000000000000000000000"

type repoJSON struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
	Fork          bool   `json:"fork"`
}

type payloadJSON struct {
	Action     string    `json:"action"`
	Number     int       `json:"number"`
	Ref        string    `json:"ref"`
	After      string    `json:"after"`
	Before     string    `json:"before"`
	Deleted    bool      `json:"deleted"`
	Repository *repoJSON `json:"repository"`
	Sender     *struct {
		Login string `json:"login"`
	} `json:"sender"`
	PullRequest *struct {
		Number         int    `json:"number"`
		Merged         bool   `json:"merged"`
		MergeCommitSHA string `json:"merge_commit_sha"`
		Head           struct {
			SHA  string    `json:"sha"`
			Ref  string    `json:"ref"`
			Repo *repoJSON `json:"repo"`
		} `json:"head"`
		Base struct {
			Ref  string    `json:"ref"`
			SHA  string    `json:"sha"`
			Repo *repoJSON `json:"repo"`
		} `json:"base"`
	} `json:"pull_request"`
}

// ResolveEvent reads the event payload of a workflow run (the file at
// GITHUB_EVENT_PATH) and decides the mode:
//
//   - pull_request (and pull_request_target) opened, synchronize, reopened
//     or any other open action: check, on pull_request.head.sha;
//   - pull_request closed with merged: true into the default branch: approve;
//     closed without merging: none;
//   - push to the default branch: approve; push to another branch or a tag:
//     check, never approve; a deleted ref: none;
//   - workflow_dispatch and any other event: check.
//
// defaultBranch, when not empty, wins over the payload's
// repository.default_branch. The payload is untrusted: a malformed payload
// or a commit that is not a hex SHA is an error, never a guess.
func ResolveEvent(eventName string, payload []byte, defaultBranch string) (Event, error) {
	ev := Event{Name: eventName}
	var p payloadJSON
	if len(payload) > 0 {
		if err := strictjson.Unmarshal(payload, &p); err != nil {
			return ev, fmt.Errorf("parse %s event payload: %w", eventName, err)
		}
	}
	ev.Action = p.Action
	if p.Sender != nil {
		ev.Actor = p.Sender.Login
	}
	if p.Repository != nil {
		ev.Repo = p.Repository.FullName
		ev.DefaultBranch = p.Repository.DefaultBranch
	}
	if defaultBranch != "" {
		ev.DefaultBranch = defaultBranch
	}

	switch eventName {
	case "pull_request", "pull_request_target":
		pr := p.PullRequest
		if pr == nil {
			return ev, fmt.Errorf("parse %s event payload: no pull_request object", eventName)
		}
		if !shaRE.MatchString(pr.Head.SHA) {
			return ev, fmt.Errorf("parse %s event payload: pull_request.head.sha %q is not a commit SHA", eventName, pr.Head.SHA)
		}
		ev.HeadSHA = pr.Head.SHA
		ev.PRNumber = pr.Number
		if ev.PRNumber == 0 {
			ev.PRNumber = p.Number
		}
		ev.BaseBranch = pr.Base.Ref
		if shaRE.MatchString(pr.Base.SHA) {
			ev.BaseSHA = pr.Base.SHA
		}
		ev.Merged = pr.Merged
		if pr.Merged && shaRE.MatchString(pr.MergeCommitSHA) {
			ev.MergeSHA = pr.MergeCommitSHA
		}
		ev.Fork = pr.Head.Repo == nil || pr.Base.Repo == nil ||
			!strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName)
		switch {
		case p.Action != "closed":
			ev.Mode = ModeCheck
			ev.Reason = fmt.Sprintf("pull request #%d %s: check its head commit", ev.PRNumber, orWord(p.Action, "event"))
		case !pr.Merged:
			ev.Mode = ModeNone
			ev.Reason = fmt.Sprintf("pull request #%d was closed without merging: nothing to do", ev.PRNumber)
		case ev.DefaultBranch == "":
			return ev, fmt.Errorf("parse %s event payload: merged pull request #%d but the default branch is unknown", eventName, ev.PRNumber)
		case ev.BaseBranch != ev.DefaultBranch:
			ev.Mode = ModeNone
			ev.Reason = fmt.Sprintf("pull request #%d was merged into %q, not the default branch %q: nothing to approve", ev.PRNumber, ev.BaseBranch, ev.DefaultBranch)
		default:
			ev.Mode = ModeApprove
			ev.Reason = fmt.Sprintf("pull request #%d was merged into %s: approve", ev.PRNumber, ev.DefaultBranch)
		}
		return ev, nil

	case "push":
		ev.Ref = p.Ref
		if p.Deleted || p.After == zeroSHA {
			ev.Mode = ModeNone
			ev.Reason = fmt.Sprintf("push deleted %s: nothing to do", p.Ref)
			return ev, nil
		}
		if !shaRE.MatchString(p.After) {
			return ev, fmt.Errorf("parse push event payload: after %q is not a commit SHA", p.After)
		}
		ev.HeadSHA = p.After
		if shaRE.MatchString(p.Before) && p.Before != zeroSHA {
			ev.Before = p.Before
		}
		branch, isBranch := strings.CutPrefix(p.Ref, "refs/heads/")
		switch {
		case !isBranch:
			ev.Mode = ModeCheck
			ev.Reason = fmt.Sprintf("push to %s, not a branch: check only", p.Ref)
		case ev.DefaultBranch == "":
			return ev, errors.New("parse push event payload: the default branch is unknown (repository.default_branch)")
		case branch == ev.DefaultBranch:
			ev.Mode = ModeApprove
			ev.Reason = fmt.Sprintf("push to the default branch %s: approve", branch)
		default:
			ev.Mode = ModeCheck
			ev.Reason = fmt.Sprintf("push to %s, not the default branch %s: check only", branch, ev.DefaultBranch)
		}
		return ev, nil

	default:
		ev.Ref = p.Ref
		ev.Mode = ModeCheck
		ev.Reason = fmt.Sprintf("%s event: check", orWord(eventName, "unnamed"))
		return ev, nil
	}
}

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
}
