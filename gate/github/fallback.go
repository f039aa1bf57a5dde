package github

import (
	"errors"
	"slices"
	"strconv"

	"github.com/sethvargo/go-githubactions"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/rules"
)

// Annotate is the read-only fallback: when no check run can be posted (a
// fork pull request's token answers 403), it writes one workflow command
// (::error file=...,line=...::) per finding that did not pass, on its
// rule's line of the rules file at path, through go-githubactions (which
// escapes every field and message). Like the check run, it writes at most
// MaxAnnotations, the most severe first, and returns how many it left out.
func Annotate(act *githubactions.Action, res *gate.Result, path string) (omitted int) {
	var bad []gate.Finding
	for _, f := range res.Findings {
		if f.Verdict != gate.Pass {
			bad = append(bad, f)
		}
	}
	slices.SortStableFunc(bad, func(a, b gate.Finding) int {
		return levelRank(AnnotationLevel(a)) - levelRank(AnnotationLevel(b))
	})
	if len(bad) > MaxAnnotations {
		omitted = len(bad) - MaxAnnotations
		bad = bad[:MaxAnnotations]
	}
	for _, f := range bad {
		fields := map[string]string{"file": path, "line": strconv.Itoa(max(f.RulePos.Line, 1)), "title": render.Line("modelgate: "+f.Rule, 200)}
		if f.RulePos.Col > 0 {
			fields["col"] = strconv.Itoa(f.RulePos.Col)
		}
		w := act.WithFieldsMap(fields)
		msg := AnnotationMessage(f)
		switch AnnotationLevel(f) {
		case levelFailure:
			w.Errorf("%s", msg)
		case levelWarning:
			w.Warningf("%s", msg)
		default:
			w.Noticef("%s", msg)
		}
	}
	return omitted
}

// AnnotateDiagnostics writes one workflow command per problem of the rules
// file at path, when err carries them.
func AnnotateDiagnostics(act *githubactions.Action, err error, path string) {
	var ds rules.Diagnostics
	if !errors.As(err, &ds) {
		return
	}
	for i, d := range ds {
		if i == MaxAnnotations {
			break
		}
		fields := map[string]string{"file": path, "line": strconv.Itoa(max(d.Pos.Line, 1)), "title": "modelgate: rules file"}
		if d.Pos.Col > 0 {
			fields["col"] = strconv.Itoa(d.Pos.Col)
		}
		act.WithFieldsMap(fields).Errorf("%s", render.Line(d.Message, 2000))
	}
}
