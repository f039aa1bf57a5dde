package gatetest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// PullRequest is a pull request the fake GitHub knows, for approve mode:
// GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls lists the pull
// requests whose head or merge commit is the commit.
type PullRequest struct {
	Number   int
	HeadSHA  string
	HeadRef  string
	BaseRef  string
	MergeSHA string
	Merged   bool
	// Fork puts the head in another repository.
	Fork bool
}

// AddPullRequest stores a pull request.
func (g *GitHub) AddPullRequest(pr PullRequest) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pulls = append(g.pulls, pr)
}

// pullTemplate is a real pull request object (from the octokit webhook
// examples) that the fake's answers are made from, so that they carry every
// field GitHub's description requires.
func pullTemplate() (map[string]any, error) {
	b, err := githubFiles.ReadFile("testdata/github/events/pull_request.closed-merged.json")
	if err != nil {
		return nil, err
	}
	var ev struct {
		PullRequest map[string]any `json:"pull_request"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, err
	}
	return ev.PullRequest, nil
}

// handlePulls serves the pull-request operations; ok is false for others.
func (g *GitHub) handlePulls(op string, params map[string]string, r *http.Request) (status int, body any, header http.Header, ok bool) {
	if op != "repos/list-pull-requests-associated-with-commit" {
		return 0, nil, nil, false
	}
	owner, repo := params["owner"], params["repo"]
	sha := params["commit_sha"]
	var out []any
	for _, pr := range g.pulls {
		if pr.HeadSHA != sha && pr.MergeSHA != sha {
			continue
		}
		m, err := pullTemplate()
		if err != nil {
			g.report("pull request template: %v", err)
			return http.StatusInternalServerError, map[string]string{"message": err.Error()}, nil, true
		}
		m["number"] = pr.Number
		m["id"] = 1000 + pr.Number
		m["url"] = g.APIURL + "/repos/" + owner + "/" + repo + "/pulls/" + strconv.Itoa(pr.Number)
		m["html_url"] = g.URL + "/" + owner + "/" + repo + "/pull/" + strconv.Itoa(pr.Number)
		m["state"] = "open"
		m["merged_at"], m["merge_commit_sha"], m["closed_at"] = nil, nil, nil
		if pr.Merged {
			m["state"] = "closed"
			m["merged_at"], m["closed_at"] = "2026-11-24T12:00:00Z", "2026-11-24T12:00:00Z"
			m["merge_commit_sha"] = pr.MergeSHA
		}
		head := m["head"].(map[string]any)
		head["sha"], head["ref"] = pr.HeadSHA, pr.HeadRef
		head["label"] = owner + ":" + pr.HeadRef
		hrepo := head["repo"].(map[string]any)
		hrepo["full_name"] = owner + "/" + repo
		if pr.Fork {
			hrepo["full_name"] = "someone-else/" + repo
			hrepo["fork"] = true
		}
		base := m["base"].(map[string]any)
		base["ref"] = pr.BaseRef
		base["label"] = owner + ":" + pr.BaseRef
		base["repo"].(map[string]any)["full_name"] = owner + "/" + repo
		out = append(out, m)
	}
	items, h := g.page(r, out)
	if items == nil {
		items = []any{}
	}
	return http.StatusOK, items, h, true
}

// AddFile stores a file of the repository at a commit, served by
// GET /repos/{owner}/{repo}/contents/{path}?ref=.
func (g *GitHub) AddFile(ref, path string, content []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.files == nil {
		g.files = map[string][]byte{}
	}
	g.files[ref+"\x00"+path] = content
}

func (g *GitHub) handleContents(op string, params map[string]string, r *http.Request) (status int, body any, ok bool) {
	if op != "repos/get-content" {
		return 0, nil, false
	}
	owner, repo, path := params["owner"], params["repo"], params["path"]
	ref := r.URL.Query().Get("ref")
	b, found := g.files[ref+"\x00"+path]
	if !found {
		return http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content"}, true
	}
	sum := sha1.Sum(b)
	sha := hex.EncodeToString(sum[:])
	u := g.APIURL + "/repos/" + owner + "/" + repo + "/contents/" + path + "?ref=" + ref
	html := g.URL + "/" + owner + "/" + repo + "/blob/" + ref + "/" + path
	git := g.APIURL + "/repos/" + owner + "/" + repo + "/git/blobs/" + sha
	name := path[strings.LastIndex(path, "/")+1:]
	return http.StatusOK, map[string]any{
		"type": "file", "encoding": "base64", "size": len(b), "name": name, "path": path,
		"content": base64.StdEncoding.EncodeToString(b), "sha": sha, "url": u, "git_url": git,
		"html_url": html, "download_url": g.URL + "/raw/" + owner + "/" + repo + "/" + ref + "/" + path,
		"_links": map[string]any{"self": u, "git": git, "html": html},
	}, true
}

// escapeContentsPath makes the {path} of a contents URL one segment for
// the router: GitHub takes a file path with slashes there
// (/repos/o/r/contents/.github/modelgate.yml), which a one-segment path
// template does not match.
func escapeContentsPath(u *url.URL) {
	const marker = "/contents/"
	i := strings.Index(u.Path, marker)
	if i < 0 || !strings.HasPrefix(u.Path[strings.Index(u.Path, "/repos/"):], "/repos/") {
		return
	}
	head, rest := u.Path[:i+len(marker)], u.Path[i+len(marker):]
	u.RawPath = head + strings.ReplaceAll(url.PathEscape(rest), "/", "%2F")
	u.Path = head + rest
}
