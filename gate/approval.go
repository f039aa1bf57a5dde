package gate

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Audit metadata keys written into CustomerMetadataProperties.
const (
	MetaCommit      = "modelgate:commit"
	MetaPR          = "modelgate:pr"
	MetaRulesSHA    = "modelgate:rules-sha256"
	MetaResult      = "modelgate:result"
	MetaApprovedBy  = "modelgate:approved-by"
	MetaOverride    = "modelgate:override"
	MetaCheckRunURL = "modelgate:check-run"
	MetaVersion     = "modelgate:version"
)

// MaxApprovalDescription is the API limit of ApprovalDescription.
const MaxApprovalDescription = 1024

// ApprovalInput is everything the approval decision depends on.
type ApprovalInput struct {
	// Result is the re-check on the default branch; nil when it could not run.
	Result *Result
	// Evidence is what the pull request's check judged; nil when there is
	// no check to compare with (allowed only when RequireEvidence is false).
	Evidence        *Evidence
	RequireEvidence bool

	Commit   string // the merge commit
	PR       int    // 0 when unknown
	CheckURL string // the PR check run URL
	Actor    string // who merged
	// OnFail is "leave" (default) or "reject".
	OnFail string
	// Override allows overwriting a Rejected package or an approval by
	// someone else; it is written into the audit record.
	Override bool
}

// ApprovalAction is what approval does to the registry.
type ApprovalAction string

const (
	ActionApprove ApprovalAction = "approve" // write Approved
	ActionReject  ApprovalAction = "reject"  // write Rejected
	ActionLeave   ApprovalAction = "leave"   // write nothing
	ActionNoop    ApprovalAction = "noop"    // already Approved by this commit
)

// ApprovalPlan is the decision and the reasons for it.
type ApprovalPlan struct {
	Action   ApprovalAction
	Reasons  []string
	Decision *Decision // set for approve and reject
}

// PlanApproval decides, without side effects, whether the candidate may be
// approved. It approves only when every condition holds: the re-check
// passed with no error, the package is the one the pull request's check
// evaluated, every report's bytes are unchanged, and the package is still
// pending (or already approved by this same commit: a no-op). Anything else
// leaves the package as it is, or rejects it when OnFail is reject and the
// gate itself failed.
func PlanApproval(in ApprovalInput) ApprovalPlan {
	var refuse []string
	mismatch := false // the re-check did not read what the PR's check judged
	r := in.Result
	if r == nil || r.Candidate == nil {
		return ApprovalPlan{Action: ActionLeave, Reasons: []string{"the re-check did not complete; nothing is written"}}
	}
	cand := r.Candidate
	if in.Commit == "" {
		refuse = append(refuse, "no commit to record the approval against")
	}
	if in.Evidence == nil {
		if in.RequireEvidence {
			refuse = append(refuse, "no modelgate check run with evidence on the pull request; the merge was not gated")
		}
	} else {
		ev := in.Evidence
		if ev.Conclusion == Failure {
			refuse = append(refuse, "the pull request's modelgate check failed")
		}
		if ev.CandidateARN != cand.ARN {
			mismatch = true
			refuse = append(refuse, fmt.Sprintf("the pull request's check judged %s, but the candidate now is %s", ev.CandidateARN, cand.ARN))
		} else if diffs := compareReports(ev.Reports, EvidenceOf(r, "").Reports); len(diffs) > 0 {
			mismatch = true
			refuse = append(refuse, diffs...)
		}
		if ev.PolicySHA256 != r.PolicySHA256 {
			// A base policy at a moving ref (allow_moving_ref), or a base
			// file, changed between the check and the merge: the re-check
			// judged other rules than the pull request's check.
			mismatch = true
			refuse = append(refuse, fmt.Sprintf("the resolved policy changed since the pull request's check (policy sha256 %s, now %s): a base policy it extends (a moving ref?) is not what the check judged",
				orNone(short12(ev.PolicySHA256)), orNone(short12(r.PolicySHA256))))
		}
	}
	// A baseline that changed since the check (another version approved
	// meanwhile) may explain a failing re-check: never a reason to reject.
	baselineChanged := in.Evidence != nil && len(compareReports(in.Evidence.BaselineReports, EvidenceOf(r, "").BaselineReports)) > 0
	gateFailed := r.Conclusion == Failure
	if gateFailed {
		refuse = append(refuse, fmt.Sprintf("the re-check failed: %s", r.Title()))
	}
	for _, rec := range r.Reports {
		if rec.Error != "" {
			refuse = append(refuse, fmt.Sprintf("report %s could not be read: %s", rec.Slot, rec.Error))
		}
	}

	// The package's current state.
	by := cand.Metadata[MetaCommit]
	switch cand.Approval {
	case StatusPending:
	case StatusApproved:
		if by == in.Commit && in.Commit != "" && len(refuse) == 0 {
			return ApprovalPlan{Action: ActionNoop, Reasons: []string{"already approved by this commit"}}
		}
		if !in.Override {
			refuse = append(refuse, fmt.Sprintf("the package is already Approved (%s); set override to write it again", approvedBy(by)))
		}
	case StatusRejected:
		if !in.Override {
			refuse = append(refuse, "the package was Rejected; a rejection is never overwritten without override")
		}
	default:
		refuse = append(refuse, fmt.Sprintf("the package's approval status is %q, not PendingManualApproval", cand.Approval))
	}

	if len(refuse) == 0 {
		return ApprovalPlan{Action: ActionApprove, Reasons: []string{"passed: " + r.Title()}, Decision: decision(in, StatusApproved)}
	}
	// Reject only for a real gate failure on a pending package, on the data
	// the PR's check judged: never for an error, a swapped package or
	// changed reports (something else is going on), or a package a person
	// already decided on.
	if in.OnFail == "reject" && gateFailed && !mismatch && !baselineChanged && cand.Approval == StatusPending && onlyGateFailure(r) {
		return ApprovalPlan{Action: ActionReject, Reasons: refuse, Decision: decision(in, StatusRejected)}
	}
	return ApprovalPlan{Action: ActionLeave, Reasons: refuse}
}

// orNone is s, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func approvedBy(commit string) string {
	if commit == "" {
		return "not by modelgate"
	}
	return "by commit " + commit
}

// onlyGateFailure reports whether the re-check's failure is the model's
// (failing rules), not an error that could be the gate's own.
func onlyGateFailure(r *Result) bool {
	if r.Counts.Error > 0 {
		return false
	}
	for _, rec := range r.Reports {
		if rec.Error != "" {
			return false
		}
	}
	return true
}

// compareReports lists the differences between the reports a check judged
// and the reports read now.
func compareReports(then, now []ReportRecord) []string {
	var out []string
	m := map[string]string{}
	for _, r := range now {
		m[r.Slot] = r.SHA256
	}
	seen := map[string]bool{}
	for _, r := range then {
		seen[r.Slot] = true
		got, ok := m[r.Slot]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("report %s was judged by the pull request's check but is not read now", r.Slot))
		case got != r.SHA256:
			out = append(out, fmt.Sprintf("report %s changed since the pull request's check (sha256 %s, now %s)", r.Slot, short12(r.SHA256), short12(got)))
		}
	}
	for _, r := range now {
		if !seen[r.Slot] {
			out = append(out, fmt.Sprintf("report %s is read now but was not judged by the pull request's check", r.Slot))
		}
	}
	return out
}

func short12(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func decision(in ApprovalInput, status string) *Decision {
	r := in.Result
	c := r.Counts
	verb := "Approved"
	if status == StatusRejected {
		verb = "Rejected"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s by modelgate: %s. commit %s", verb, r.Title(), in.Commit)
	if in.PR > 0 {
		fmt.Fprintf(&b, ", PR #%d", in.PR)
	}
	if in.Actor != "" {
		fmt.Fprintf(&b, ", merged by %s", in.Actor)
	}
	if in.CheckURL != "" {
		fmt.Fprintf(&b, ", check %s", in.CheckURL)
	}
	fmt.Fprintf(&b, ", rules sha256 %s", r.RulesSHA256)
	if r.PolicySHA256 != "" {
		fmt.Fprintf(&b, ", policy sha256 %s (%d files)", r.PolicySHA256, len(r.Policies))
	}
	fmt.Fprintf(&b, "; %d rules: %d pass, %d fail, %d missing, %d warn, %d waived, %d error",
		c.Rules, c.Pass, c.Fail, c.Missing, c.Warn, c.Waived, c.Error)
	if in.Override {
		fmt.Fprintf(&b, "; OVERRIDE of status %s", r.Candidate.Approval)
	}
	md := map[string]string{
		MetaCommit:    in.Commit,
		MetaRulesSHA:  r.RulesSHA256,
		MetaPolicySHA: r.PolicySHA256,
		MetaResult:    fmt.Sprintf("%s %d/%d rules passed", r.Conclusion, c.Rules-c.FailedRules, c.Rules),
	}
	if in.PR > 0 {
		md[MetaPR] = strconv.Itoa(in.PR)
	}
	if in.Actor != "" {
		md[MetaApprovedBy] = in.Actor
	}
	if in.CheckURL != "" {
		md[MetaCheckRunURL] = in.CheckURL
	}
	if r.Version != "" {
		md[MetaVersion] = r.Version
	}
	if in.Override {
		md[MetaOverride] = "overrode " + r.Candidate.Approval
	}
	for k, v := range md {
		if v == "" {
			delete(md, k)
			continue
		}
		md[k] = SafeMetadataValue(v)
	}
	return &Decision{Status: status, Description: TruncateRunes(b.String(), MaxApprovalDescription), Metadata: md}
}

// TruncateRunes cuts s to at most n characters at a character boundary.
func TruncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// MaxMetadataValue is the API's limit on a CustomerMetadataProperties value.
const MaxMetadataValue = 256

// MetadataRune reports whether the API's pattern for metadata keys and
// values, [\p{L}\p{Z}\p{N}_.:/=+\-@], allows r.
func MetadataRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)
}

// SafeMetadataValue makes s a valid metadata value, quoted-printable style:
// every byte of a character the API forbids (a comma, a quote, a bracket, a
// control character, ...) and the escape character '=' itself become "=XX"
// (two upper-case hex digits of the UTF-8 byte), so "a,b=c" becomes
// "a=2Cb=3Dc", "dependabot[bot]" becomes "dependabot=5Bbot=5D", and the
// original is recoverable. Invalid UTF-8 bytes are escaped the same way. The
// result is cut to MaxMetadataValue characters without splitting an escape
// or a character. An empty s stays empty (leave the key out).
func SafeMetadataValue(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		unit := s[i : i+size]
		if r == '=' || (r == utf8.RuneError && size <= 1) || !MetadataRune(r) {
			var u strings.Builder
			for _, c := range []byte(unit) {
				u.WriteByte('=')
				u.WriteByte(hexdig[c>>4])
				u.WriteByte(hexdig[c&15])
			}
			unit = u.String()
		}
		un := utf8.RuneCountInString(unit)
		if n+un > MaxMetadataValue {
			break
		}
		b.WriteString(unit)
		n += un
		i += size
	}
	return b.String()
}

// ApprovalOutcome is what Approve did.
type ApprovalOutcome struct {
	Plan ApprovalPlan
	// Written is true when the decision is in the registry.
	Written bool
}

// Approve is the approval protocol, the one path by which the CLI and the
// action write a decision: plan on the re-check (PlanApproval); when the
// plan writes, read the package again and plan on its current state (a
// status set by hand during the re-check wins); call announce, which must
// record that a decision is about to be written (the action posts its
// decision check run in progress) and whose error stops everything; then
// write the decision, which carries the audit record (ApprovalDescription
// and the modelgate:* metadata). An error means nothing was written, except
// that nothing can be said of a failed SetApproval beyond its error. The
// decision is written exactly to the package that was judged: the fresh
// read must name the same ARN and version. On a RereadingRegistry
// (SageMaker) the fresh read is the adapter's read before the write, after
// announce (approveOnRead): one read instead of two.
func Approve(ctx context.Context, reg Registry, in ApprovalInput, announce func(context.Context, ApprovalPlan) error) (ApprovalOutcome, error) {
	plan := PlanApproval(in)
	if plan.Decision == nil {
		return ApprovalOutcome{Plan: plan}, nil
	}
	if rr, ok := reg.(RereadingRegistry); ok {
		return approveOnRead(ctx, rr, in, plan, announce)
	}
	cand := in.Result.Candidate
	fresh, err := reg.Resolve(ctx, cand.Group, ARNSelector(cand.ARN))
	if err != nil {
		return ApprovalOutcome{Plan: plan}, fmt.Errorf("read %s again before writing: %w", cand.ARN, err)
	}
	if fresh.ARN != cand.ARN || fresh.Version != cand.Version {
		return ApprovalOutcome{Plan: plan}, fmt.Errorf("read %s again before writing: the registry answered with %s v%d", cand.ARN, fresh.ARN, fresh.Version)
	}
	now := *in.Result
	now.Candidate = fresh
	in.Result = &now
	if plan = PlanApproval(in); plan.Decision == nil {
		return ApprovalOutcome{Plan: plan}, nil
	}
	if announce != nil {
		if err := announce(ctx, plan); err != nil {
			return ApprovalOutcome{Plan: plan}, err
		}
	}
	// The judged package, not the fresh one: the adapter compares it with
	// what it reads under its lock, so any change since the re-check read
	// the package (a swapped ModelMetrics included) is gate.ErrConflict and
	// nothing is written.
	if err := reg.SetApproval(ctx, cand, *plan.Decision); err != nil {
		return ApprovalOutcome{Plan: plan}, fmt.Errorf("write %s for %s: %w", plan.Decision.Status, fresh.ARN, err)
	}
	return ApprovalOutcome{Plan: plan, Written: true}, nil
}

// Exit is the exit code of an approval: 0 when the package is (now)
// approved, 1 otherwise.
func (p ApprovalPlan) Exit() int {
	if p.Action == ActionApprove || p.Action == ActionNoop {
		return ExitPass
	}
	return ExitFail
}
