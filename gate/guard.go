package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// RulesChangeMode is the rules_change input: what a loosening change of
// the rules file does to a pull request's check.
type RulesChangeMode string

const (
	RulesChangeAllow RulesChangeMode = "allow" // say so, nothing more
	RulesChangeWarn  RulesChangeMode = "warn"  // a warning finding
	RulesChangeFail  RulesChangeMode = "fail"  // a blocking finding
)

// ErrGuardUnavailable is wrapped by the error of a rules-change guard that
// could not read the base rules file (after the retries): the check cannot
// be judged, which is a runtime error, never a "loosening".
var ErrGuardUnavailable = errors.New("the rules-change guard could not run")

// RulesChange is the decision of the rules-change guard of a pull request.
type RulesChange struct {
	// Path is the rules file's path in the repository; BaseRef the commit
	// it was compared with.
	Path, BaseRef string
	// Unchanged: the base file has the same bytes.
	Unchanged bool
	// New: the file does not exist on the base (every rule is new).
	New bool
	// BaseBroken is the base file's parse error: it cannot be compared,
	// and the change counts as loosening (the old checks cannot be shown
	// to hold).
	BaseBroken error
	Changes    []rules.Change
	// Loosens is true when the change may pass a candidate the base rules
	// fail.
	Loosens bool
	// Was is the result under the base rules on the same metrics, when
	// it could be computed.
	Was *Result
	// Mode is what Apply did with a loosening change.
	Mode RulesChangeMode
}

// SameRules reports whether base has the bytes of the rules file res was
// judged with.
func SameRules(res *Result, base []byte) bool {
	sum := sha256.Sum256(base)
	return hex.EncodeToString(sum[:]) == res.RulesSHA256
}

// JudgeRulesChange compares the base branch's rules file (base: its bytes;
// nil when the file does not exist there) with the head rules that res was
// judged with. head is read only when the bytes differ (nil otherwise).
func JudgeRulesChange(res *Result, head *rules.File, path, baseRef string, base []byte, now time.Time) RulesChange {
	rc := RulesChange{Path: path, BaseRef: baseRef}
	if base == nil {
		rc.New = true
		return rc
	}
	if SameRules(res, base) {
		rc.Unchanged = true
		return rc
	}
	bf, err := rules.Parse(path+"@"+short12(baseRef), base)
	if err != nil {
		rc.BaseBroken, rc.Loosens = err, true
		return rc
	}
	rc.Changes = rules.Diff(bf, head)
	rc.Loosens = rules.Loosens(rc.Changes)
	if was, ok := res.Rejudge(bf, now); ok {
		rc.Was = was
	}
	return rc
}

// Apply adds the guard's finding to res when the change loosens the gate:
// a warning (warn) or a blocking failure (fail); allow adds nothing.
func (rc *RulesChange) Apply(res *Result, mode RulesChangeMode) {
	rc.Mode = mode
	if !rc.Loosens || mode == RulesChangeAllow {
		return
	}
	nan := math.NaN()
	f := Finding{Rule: "rules-change", Severity: rules.SeverityWarning, Metric: "rules file",
		Threshold: "rules_change: " + string(mode), Reason: "this pull request loosens the rules file; a reviewer must accept it",
		Value: nan, StdDev: nan, Baseline: nan, Delta: nan, Verdict: Warn}
	if mode == RulesChangeFail {
		f.Severity, f.Verdict, f.Blocking = rules.SeverityError, Fail, true
	}
	res.AddFinding(f)
}
