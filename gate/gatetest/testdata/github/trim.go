//go:build ignore

// trim.go cuts GitHub's OpenAPI description (from @octokit/openapi) down to
// the operations modelgate calls plus every $ref they reach, and strips
// prose (description, summary, examples) so that the committed copy stays
// small. Run it through regen.sh, which pins the package version.
//
//	go run trim.go -in api.github.com.json -out openapi.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"
)

// operations lists the method and path of every operation the fake serves.
// Add a line here and re-run regen.sh to serve one more.
var operations = []struct{ method, path string }{
	{"post", "/repos/{owner}/{repo}/check-runs"},
	{"get", "/repos/{owner}/{repo}/check-runs/{check_run_id}"},
	{"patch", "/repos/{owner}/{repo}/check-runs/{check_run_id}"},
	{"get", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations"},
	{"get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"},
	{"get", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"},
	{"get", "/repos/{owner}/{repo}/pulls/{pull_number}"},
	{"get", "/repos/{owner}/{repo}/contents/{path}"},
	{"get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"},
	{"get", "/repos/{owner}/{repo}/compare/{basehead}"},
}

// prose keys are dropped wherever they are not the name of a schema property.
var prose = map[string]bool{
	"description": true, "summary": true, "example": true, "examples": true,
	"externalDocs": true, "x-github": true, "x-github-breaking-changes": true,
	"x-github-releases": true, "x-displayName": true, "tags": true,
}

func main() {
	in := flag.String("in", "", "api.github.com.json from @octokit/openapi")
	out := flag.String("out", "openapi.json", "output file")
	flag.Parse()
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		log.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	components := doc["components"].(map[string]any)

	outPaths := map[string]any{}
	for _, op := range operations {
		item, ok := paths[op.path].(map[string]any)
		if !ok {
			log.Fatalf("path %s not in the description", op.path)
		}
		o, ok := item[op.method]
		if !ok {
			log.Fatalf("%s %s not in the description", op.method, op.path)
		}
		dst, _ := outPaths[op.path].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			outPaths[op.path] = dst
		}
		dst[op.method] = o
		if p, ok := item["parameters"]; ok {
			dst["parameters"] = p
		}
	}

	// Walk the reachable $refs to a fixed point.
	outComp := map[string]map[string]any{}
	var queue []string
	seen := map[string]bool{}
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok && !seen[r] {
				seen[r] = true
				queue = append(queue, r)
			}
			for k, x := range v {
				if k == "examples" {
					continue // components/examples are not kept
				}
				collect(x)
			}
		case []any:
			for _, x := range v {
				collect(x)
			}
		}
	}
	collect(outPaths)
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		parts := strings.Split(strings.TrimPrefix(r, "#/components/"), "/")
		if len(parts) != 2 {
			log.Fatalf("unexpected $ref %s", r)
		}
		sect, _ := components[parts[0]].(map[string]any)
		v, ok := sect[parts[1]]
		if !ok {
			log.Fatalf("dangling $ref %s", r)
		}
		if outComp[parts[0]] == nil {
			outComp[parts[0]] = map[string]any{}
		}
		outComp[parts[0]][parts[1]] = v
		collect(v)
	}

	res := map[string]any{
		"openapi":    doc["openapi"],
		"info":       map[string]any{"title": "GitHub v3 REST API (trimmed for modelgate tests)", "version": doc["info"].(map[string]any)["version"]},
		"servers":    doc["servers"],
		"paths":      strip(outPaths, false),
		"components": strip(outComp, false),
	}
	ob, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(ob, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	var names []string
	for k, v := range outComp {
		names = append(names, fmt.Sprintf("%s=%d", k, len(v)))
	}
	sort.Strings(names)
	fmt.Printf("%s: %d operations, components %s, %d bytes\n", *out, len(operations), strings.Join(names, " "), len(ob)+1)
}

// strip removes prose keys. inProps is true for the map of a schema's
// "properties", whose keys are property names and are all kept.
func strip(v any, inProps bool) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			if !inProps && prose[k] {
				continue
			}
			m[k] = strip(x, !inProps && k == "properties")
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = strip(x, false)
		}
		return s
	}
	return v
}
