package action

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// failingWrites is a registry whose writes fail.
type failingWrites struct{ gate.Registry }

func (failingWrites) SetApproval(context.Context, *gate.Package, gate.Decision) error {
	return errors.New("registry unavailable")
}

// approve prints the decision only once the write holds: a failed write
// says nothing was approved and exits 3.
func TestCLIApprovePrintsTheDecisionAfterTheWrite(t *testing.T) {
	t.Parallel()
	rulesPath, reg := copyRegistry(t)
	for _, fail := range []bool{true, false} {
		var out, errb bytes.Buffer
		c := CLI{Options: Options{Rules: rulesPath, Candidate: "12"}, Format: "json", FailOn: "error", Command: "approve",
			Stdout: &out, Stderr: &errb, Version: "dev",
			Evaluate: func(ctx context.Context, o Options) (*gate.Result, gate.Registry, error) {
				res, r, err := runGate(ctx, o)
				if fail {
					r = failingWrites{r}
				}
				return res, r, err
			}}
		code := Approve(context.Background(), c, gate.ApprovalInput{Commit: "c1"})
		st, _ := readPkg(t, reg, "12")
		if fail {
			if code != gate.ExitRuntime || st.ModelApprovalStatus != gate.StatusPending || strings.Contains(errb.String(), "Approved fraud-xgboost") ||
				!strings.Contains(errb.String(), "registry unavailable") {
				t.Errorf("failed write: exit %d, v12 %s, stderr:\n%s", code, st.ModelApprovalStatus, &errb)
			}
			continue
		}
		if code != gate.ExitPass || st.ModelApprovalStatus != gate.StatusApproved || !strings.Contains(errb.String(), "Approved fraud-xgboost v12") {
			t.Errorf("write: exit %d, v12 %s, stderr:\n%s", code, st.ModelApprovalStatus, &errb)
		}
	}
}
