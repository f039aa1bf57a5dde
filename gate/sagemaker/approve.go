package sagemaker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/modelgate/modelgate/gate"
)

// Limits of UpdateModelPackage
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html).
const (
	MaxApprovalDescription = 1024                  // characters of ApprovalDescription
	MaxMetadataEntries     = 50                    // entries of CustomerMetadataProperties
	MaxMetadataKey         = 128                   // characters of a key
	MaxMetadataValue       = gate.MaxMetadataValue // characters of a value
)

// ErrInvalidMetadata is wrapped by CheckMetadata and SetApproval for
// CustomerMetadataProperties the API would refuse.
var ErrInvalidMetadata = errors.New("invalid customer metadata")

// CheckMetadata checks CustomerMetadataProperties against the API's limits:
// 1 to 50 entries, keys of 1 to 128 and values of 1 to 256 characters, every
// character a letter, a space separator, a number or one of _.:/=+-@. The
// error wraps ErrInvalidMetadata and lists every bad entry.
func CheckMetadata(m map[string]string) error {
	if n := len(m); n < 1 || n > MaxMetadataEntries {
		return fmt.Errorf("%w: %d entries; want 1 to %d", ErrInvalidMetadata, n, MaxMetadataEntries)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	check := func(what, s string, max int) string {
		if !utf8.ValidString(s) {
			return what + " is not valid UTF-8"
		}
		if n := utf8.RuneCountInString(s); n < 1 || n > max {
			return fmt.Sprintf("%s has %d characters; want 1 to %d", what, n, max)
		}
		for i, r := range s {
			if !gate.MetadataRune(r) {
				return fmt.Sprintf("%s has %q at byte %d; allowed are letters, numbers, spaces and _.:/=+-@", what, r, i)
			}
		}
		return ""
	}
	for _, k := range keys {
		if p := check("key", k, MaxMetadataKey); p != "" {
			problems = append(problems, fmt.Sprintf("%q: %s", k, p))
		}
		if p := check("value", m[k], MaxMetadataValue); p != "" {
			problems = append(problems, fmt.Sprintf("%q: %s", k, p))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidMetadata, strings.Join(problems, "; "))
	}
	return nil
}

// clientToken derives UpdateModelPackage's ClientToken from the request, so
// a retried decision (by the SDK or by a rerun of the job) carries the same
// token and a different decision a different one: a UUID-shaped string of 36
// characters from the SHA-256 of the ARN, status, description and metadata.
func clientToken(arn, status, description string, md map[string]string) string {
	h := sha256.New()
	for _, s := range []string{arn, status, description} {
		fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s=%d:%s\n", len(k), k, len(md[k]), md[k])
	}
	x := hex.EncodeToString(h.Sum(nil))
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// SetApproval writes d into the registry with UpdateModelPackage:
// ModelApprovalStatus, ApprovalDescription cut to 1,024 characters, and
// d.Metadata as CustomerMetadataProperties, which must pass CheckMetadata
// (nothing is sent otherwise). Just before writing it describes pkg.ARN
// again and sends nothing, wrapping gate.ErrConflict, when the answer is not
// the package that was judged (gate.Changed: another identity, approval
// status, reports or LastModifiedTime); a package that already holds d is
// left as it is. The ClientToken is derived from the decision, so a retry
// of the same decision is idempotent. The API has no compare-and-swap: the
// window between the describe and the update is one round trip.
func (c *Client) SetApproval(ctx context.Context, pkg *gate.Package, d gate.Decision) error {
	if _, _, err := updateInput(pkg, d); err != nil {
		return err
	}
	_, err := c.SetApprovalOnRead(ctx, pkg, func(*gate.Package) (*gate.Decision, error) { return &d, nil })
	return err
}

// SetApprovalOnRead is SetApproval with the decision made on its read
// (gate.RereadingRegistry): it describes pkg.ARN, passes the answer to
// decide, and writes the decision decide returns (nil: nothing) under
// SetApproval's checks and refusals. The approval protocol's re-read and
// the read just before the write are then one DescribeModelPackage, and the
// window before the update stays one round trip.
func (c *Client) SetApprovalOnRead(ctx context.Context, pkg *gate.Package, decide func(cur *gate.Package) (*gate.Decision, error)) (bool, error) {
	if pkg == nil || pkg.ARN == "" {
		return false, errors.New("set approval: no model package ARN")
	}
	cur, err := c.describe(ctx, pkg.ARN)
	if err != nil {
		return false, fmt.Errorf("set approval of %s: read it again: %w", pkg.ARN, err)
	}
	dp, err := decide(cur)
	if err != nil || dp == nil {
		return false, err
	}
	d := *dp
	in, desc, err := updateInput(pkg, d)
	if err != nil {
		return false, err
	}
	sent := d
	sent.Description = desc
	if gate.HoldsDecision(cur, sent) {
		pkg.Approval, pkg.ApprovalDescription, pkg.Revision = cur.Approval, cur.ApprovalDescription, cur.Revision
		return true, nil // already written: idempotent
	}
	if why := gate.Changed(pkg, cur); why != "" {
		return false, fmt.Errorf("set approval of %s: %w: %s", pkg.ARN, gate.ErrConflict, why)
	}
	in.ClientToken = aws.String(clientToken(pkg.ARN, d.Status, desc, d.Metadata))
	if _, err := c.sm.UpdateModelPackage(ctx, in); err != nil {
		return false, fmt.Errorf("update model package %s: %w", pkg.ARN, err)
	}
	pkg.Approval, pkg.ApprovalDescription, pkg.Revision = d.Status, desc, ""
	return true, nil
}

// updateInput checks d and makes the UpdateModelPackage input that writes
// it (without its ClientToken), and the description as it is sent.
func updateInput(pkg *gate.Package, d gate.Decision) (*sm.UpdateModelPackageInput, string, error) {
	if pkg == nil || pkg.ARN == "" {
		return nil, "", errors.New("set approval: no model package ARN")
	}
	switch d.Status {
	case gate.StatusApproved, gate.StatusRejected:
	default:
		return nil, "", fmt.Errorf("set approval of %s: status %q; want %s or %s", pkg.ARN, d.Status, gate.StatusApproved, gate.StatusRejected)
	}
	in := &sm.UpdateModelPackageInput{
		ModelPackageArn:     aws.String(pkg.ARN),
		ModelApprovalStatus: types.ModelApprovalStatus(d.Status),
	}
	desc := gate.TruncateRunes(strings.ToValidUTF8(d.Description, "\uFFFD"), MaxApprovalDescription)
	if desc != "" {
		in.ApprovalDescription = aws.String(desc)
	}
	if len(d.Metadata) > 0 {
		if err := CheckMetadata(d.Metadata); err != nil {
			return nil, "", fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
		}
		in.CustomerMetadataProperties = d.Metadata
	}
	return in, desc, nil
}
