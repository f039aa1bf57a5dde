package gatetest

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// The fake's caps of the changed-file lists, as GitHub's: the pull request
// files endpoint lists at most 3000 files, a comparison at most 300 (on its
// first page).
const (
	MaxPullFiles    = 3000
	MaxCompareFiles = 300
)

// ChangedFile is a file a pull request or a comparison changed: its name,
// and the name it had before when Status is "renamed".
type ChangedFile struct {
	Name, Previous string
	// Status is added, removed, modified (the default), renamed, ...
	Status string
}

// fileChanges are the changed files the fake serves.
type fileChanges struct {
	pulls    map[int][]ChangedFile
	compares map[string][]ChangedFile // "base...head"
	// status is the comparison's status by "base...head" (ahead when not
	// set): diverged after a force push, behind, identical.
	status map[string]string
}

// SetPullFiles sets the files pull request number changes, served by
// GET /repos/{owner}/{repo}/pulls/{pull_number}/files (paged: per_page,
// page and a Link header to the next page; PageSize caps a page).
func (g *GitHub) SetPullFiles(number int, files []ChangedFile) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changes.pulls == nil {
		g.changes.pulls = map[int][]ChangedFile{}
	}
	g.changes.pulls[number] = files
}

// SetCompare sets the files changed from base to head, served by
// GET /repos/{owner}/{repo}/compare/{base}...{head}. A comparison not set
// is a 404, as GitHub answers for a commit it does not know.
func (g *GitHub) SetCompare(base, head string, files []ChangedFile) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changes.compares == nil {
		g.changes.compares = map[string][]ChangedFile{}
	}
	g.changes.compares[base+"..."+head] = files
}

// SetCompareStatus sets the status GitHub gives the comparison base...head
// (ahead, the default; behind, diverged or identical).
func (g *GitHub) SetCompareStatus(base, head, status string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changes.status == nil {
		g.changes.status = map[string]string{}
	}
	g.changes.status[base+"..."+head] = status
}

// handleChangedFiles serves the changed-file operations; ok is false for
// others.
func (g *GitHub) handleChangedFiles(op string, params map[string]string, r *http.Request) (status int, body any, header http.Header, ok bool) {
	owner, repo := params["owner"], params["repo"]
	switch op {
	case "pulls/list-files":
		n, err := strconv.Atoi(params["pull_number"])
		files, found := g.changes.pulls[n]
		if err != nil || !found {
			return http.StatusNotFound, notFound("https://docs.github.com/rest/pulls/pulls#list-pull-requests-files"), nil, true
		}
		files = files[:min(len(files), MaxPullFiles)]
		all := make([]any, len(files))
		for i, f := range files {
			all[i] = g.diffEntry(owner, repo, "0123456789abcdef0123456789abcdef01234567", f)
		}
		items, h := g.page(r, all)
		return http.StatusOK, items, h, true

	case "repos/compare-commits-with-basehead":
		bh := params["basehead"]
		files, found := g.changes.compares[bh]
		base, head, _ := strings.Cut(bh, "...")
		if !found {
			return http.StatusNotFound, notFound("https://docs.github.com/rest/commits/commits#compare-two-commits"), nil, true
		}
		// With paging, GitHub lists the files on the first page only.
		if pg, _ := strconv.Atoi(r.URL.Query().Get("page")); pg > 1 {
			files = nil
		}
		files = files[:min(len(files), MaxCompareFiles)]
		entries := make([]any, len(files))
		for i, f := range files {
			entries[i] = g.diffEntry(owner, repo, head, f)
		}
		status := g.changes.status[bh]
		if status == "" {
			status = "ahead"
		}
		web := g.URL + "/" + owner + "/" + repo + "/compare/" + bh
		return http.StatusOK, map[string]any{
			"url":               g.APIURL + "/repos/" + owner + "/" + repo + "/compare/" + bh,
			"html_url":          web,
			"permalink_url":     web,
			"diff_url":          web + ".diff",
			"patch_url":         web + ".patch",
			"base_commit":       g.commitJSON(owner, repo, base),
			"merge_base_commit": g.commitJSON(owner, repo, base),
			"status":            status,
			"ahead_by":          1,
			"behind_by":         0,
			"total_commits":     1,
			"commits":           []any{g.commitJSON(owner, repo, head)},
			"files":             entries,
		}, nil, true
	}
	return 0, nil, nil, false
}

func notFound(doc string) map[string]string {
	return map[string]string{"message": "Not Found", "documentation_url": doc}
}

// diffEntry is a changed file in the shape of GitHub's "diff-entry" schema.
func (g *GitHub) diffEntry(owner, repo, ref string, f ChangedFile) map[string]any {
	status := f.Status
	if status == "" {
		status = "modified"
	}
	sum := sha1.Sum([]byte(f.Name))
	m := map[string]any{
		"sha":          hex.EncodeToString(sum[:]),
		"filename":     f.Name,
		"status":       status,
		"additions":    1,
		"deletions":    1,
		"changes":      2,
		"blob_url":     g.URL + "/" + owner + "/" + repo + "/blob/" + ref + "/" + f.Name,
		"raw_url":      g.URL + "/" + owner + "/" + repo + "/raw/" + ref + "/" + f.Name,
		"contents_url": g.APIURL + "/repos/" + owner + "/" + repo + "/contents/" + f.Name + "?ref=" + ref,
	}
	if f.Previous != "" {
		m["previous_filename"] = f.Previous
	}
	return m
}

// commitJSON is a commit in the shape of GitHub's "commit" schema.
func (g *GitHub) commitJSON(owner, repo, sha string) map[string]any {
	api := g.APIURL + "/repos/" + owner + "/" + repo
	who := map[string]any{"name": "Monalisa Octocat", "email": "octocat@github.com", "date": "2026-11-24T12:00:00Z"}
	return map[string]any{
		"url":          api + "/commits/" + sha,
		"sha":          sha,
		"node_id":      "C_" + sha,
		"html_url":     g.URL + "/" + owner + "/" + repo + "/commit/" + sha,
		"comments_url": api + "/commits/" + sha + "/comments",
		"commit": map[string]any{
			"url": api + "/git/commits/" + sha, "author": who, "committer": who, "message": "merge", "comment_count": 0,
			"tree": map[string]any{"sha": sha, "url": api + "/git/trees/" + sha},
		},
		"author":    nil,
		"committer": nil,
		"parents":   []any{},
	}
}
