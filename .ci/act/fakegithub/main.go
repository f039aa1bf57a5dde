// Command fakegithub serves gatetest's OpenAPI-validated fake of the GitHub
// Checks API for the act end-to-end run (.ci/act-e2e.sh). It writes the
// API URL (GITHUB_API_URL form, under /api/v3) to -url-file, and on SIGTERM
// or SIGINT writes the stored check runs and every validation problem to
// -state as JSON, then exits.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/modelgate/modelgate/gate/gatetest"
)

type state struct {
	APIURL    string              `json:"api_url"`
	URL       string              `json:"url"`
	CheckRuns []gatetest.CheckRun `json:"check_runs"`
	Requests  []string            `json:"requests"`
	Problems  []string            `json:"problems"`
}

func main() {
	urlFile := flag.String("url-file", "", "write the API URL here once serving")
	stateFile := flag.String("state", "", "write the final state here on exit")
	var files []string
	flag.Func("file", "serve a repository file: REF:PATH=LOCAL (repeatable)", func(v string) error {
		files = append(files, v)
		return nil
	})
	flag.Parse()
	if *urlFile == "" || *stateFile == "" {
		log.Fatal("usage: fakegithub -url-file FILE -state FILE")
	}
	var mu sync.Mutex
	var problems []string
	g, err := gatetest.NewGitHubServer(func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		log.Print("fakegithub: ", msg)
		mu.Lock()
		problems = append(problems, msg)
		mu.Unlock()
	})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	for _, f := range files {
		spec, local, ok := strings.Cut(f, "=")
		ref, path, ok2 := strings.Cut(spec, ":")
		if !ok || !ok2 {
			log.Fatalf("-file %q: want REF:PATH=LOCAL", f)
		}
		b, err := os.ReadFile(local)
		if err != nil {
			log.Fatal(err)
		}
		g.AddFile(ref, path, b)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.WriteFile(*urlFile, []byte(g.APIURL+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("fakegithub: serving %s", g.APIURL)
	<-ctx.Done()
	mu.Lock()
	s := state{APIURL: g.APIURL, URL: g.URL, CheckRuns: g.CheckRuns(), Requests: g.Operations(), Problems: problems}
	mu.Unlock()
	if s.Problems == nil {
		s.Problems = []string{}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*stateFile, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
