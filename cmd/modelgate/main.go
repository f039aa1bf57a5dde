// Command modelgate is a model-approval gate: it judges a model package in a
// model registry against a YAML rules file, posts the result as a GitHub
// check run, and records the approval decision in the registry.
//
//	modelgate check     evaluate the rules on the candidate (exit 0 pass, 1 fail)
//	modelgate validate  lint the rules file
//	modelgate approve   check and, when it passes, approve (local registry)
//	modelgate diff      what a rules change loosens or tightens
//	modelgate endpoint  endpoint check: the live (or proposed) endpoint
//	modelgate matrix    the strategy.matrix of the models a change touches
//	modelgate verify    check an approval attestation against the registry
//	modelgate schema    print the rules file's JSON Schema
//	modelgate version   print the version
//	modelgate action    the GitHub Action entry point (default under GITHUB_ACTIONS=true)
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
