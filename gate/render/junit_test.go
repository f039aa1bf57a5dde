package render

import (
	"bytes"
	"encoding/xml"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// junitXSD validates doc against the vendored Ant JUnit XSD with xmllint
// (Debian libxml2-utils; .ci/run installs it). Without xmllint the test
// skips, except in CI, where it fails.
func junitXSD(t *testing.T, doc []byte) error {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		msg := "xmllint is not on PATH (apt-get install libxml2-utils)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true, so the JUnit output must be validated")
		}
		t.Skip(msg)
	}
	p := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(p, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--schema", "testdata/JUnit.xsd", p).CombinedOutput()
	if err != nil {
		return &xsdError{string(out)}
	}
	return nil
}

type xsdError struct{ out string }

func (e *xsdError) Error() string { return e.out }

func junitFixedClock(t *testing.T) {
	t.Helper()
	old := junitNow
	junitNow = func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.FixedZone("x", 3600)) }
	t.Cleanup(func() { junitNow = old })
}

type junitDoc struct {
	Suites []struct {
		Name      string `xml:"name,attr"`
		Timestamp string `xml:"timestamp,attr"`
		Tests     int    `xml:"tests,attr"`
		Failures  int    `xml:"failures,attr"`
		Errors    int    `xml:"errors,attr"`
		Skipped   int    `xml:"skipped,attr"`
		Props     []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Type    string `xml:"type,attr"`
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error   *struct{} `xml:"error"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
		SystemOut string `xml:"system-out"`
	} `xml:"testsuite"`
}

func TestJUnitFraudExample(t *testing.T) {
	junitFixedClock(t)
	r := sarifFraudResult(t, "")
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := junitXSD(t, buf.Bytes()); err != nil {
		t.Fatalf("JUnit of the fraud example does not validate against the Ant JUnit XSD: %v\n%s", err, buf.Bytes())
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites; want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "modelgate fraud-xgboost v13" || s.Timestamp != "2026-11-24T11:00:00" {
		t.Errorf("suite %q at %q", s.Name, s.Timestamp)
	}
	// The README's numbers: 18 findings, 4 fail and 1 inconclusive blocking, 1 warn.
	if s.Tests != len(r.Findings) || s.Tests != 18 || s.Failures != 5 || s.Errors != 0 || s.Skipped != 0 {
		t.Errorf("tests %d failures %d errors %d skipped %d; want 18, 5, 0, 0", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	failed := map[string]string{}
	for _, c := range s.Cases {
		if c.Failure != nil {
			failed[c.Classname] = c.Failure.Type
			if !strings.Contains(c.Failure.Message, "(blocking)") || c.Failure.Text == "" {
				t.Errorf("failure of %s: %+v", c.Name, c.Failure)
			}
		}
	}
	for rule, verdict := range map[string]string{"accuracy-floor": "fail", "auc-floor": "inconclusive", "f1-no-regression": "fail", "false-positive-rate": "fail", "gender-not-driving": "fail"} {
		if failed["modelgate."+rule] != verdict {
			t.Errorf("case modelgate.%s failure type %q; want %q", rule, failed["modelgate."+rule], verdict)
		}
	}
	if !strings.Contains(s.SystemOut, "warning: conditional-disparity") || !strings.HasPrefix(s.SystemOut, "FAILURE: 5 of 14 rules failed") {
		t.Errorf("system-out %q lacks the title or the warning", s.SystemOut)
	}
	var conclusion string
	for _, p := range s.Props {
		if p.Name == "conclusion" {
			conclusion = p.Value
		}
	}
	if conclusion != "failure" {
		t.Errorf("conclusion property %q", conclusion)
	}

	// The passing candidate: no failure, one warning.
	buf.Reset()
	if err := JUnit(&buf, sarifFraudResult(t, "12")); err != nil {
		t.Fatal(err)
	}
	if err := junitXSD(t, buf.Bytes()); err != nil {
		t.Fatalf("JUnit of candidate 12: %v", err)
	}
	doc = junitDoc{}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Suites[0]; s.Failures != 0 || s.Errors != 0 || !strings.Contains(s.SystemOut, "warning:") {
		t.Errorf("candidate 12: failures %d errors %d, system-out %q", s.Failures, s.Errors, s.SystemOut)
	}
}

func TestJUnitHostileFindings(t *testing.T) {
	junitFixedClock(t)
	nan := math.NaN()
	r := &gate.Result{Schema: 1, Group: "g<&>\"'", Conclusion: gate.Failure, Notes: []string{"note\x00with NUL ]]> and </system-out>"}, Findings: []gate.Finding{
		{Rule: "r1", Verdict: gate.Error, Blocking: true, Reason: "bad\x1b[31m <b>&amp; ]]>\n::error::x", Value: nan, StdDev: nan, Baseline: nan, Delta: nan},
		{Rule: "r2", Verdict: gate.Waived, Reason: "\ufffe\uffff", Value: nan, StdDev: nan, Baseline: nan, Delta: nan},
		{Rule: "r3  spaced\tname", Verdict: gate.Missing, Blocking: true, Value: nan, StdDev: nan, Baseline: nan, Delta: nan},
	}}
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := junitXSD(t, buf.Bytes()); err != nil {
		t.Fatalf("hostile findings: %v\n%s", err, buf.Bytes())
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	s := doc.Suites[0]
	if s.Tests != 3 || s.Errors != 1 || s.Failures != 1 || s.Skipped != 1 {
		t.Errorf("tests %d errors %d failures %d skipped %d; want 3, 1, 1, 1", s.Tests, s.Errors, s.Failures, s.Skipped)
	}
	if s.Cases[0].Error == nil || s.Cases[1].Skipped == nil || s.Cases[2].Failure == nil || s.Cases[2].Failure.Type != "missing" {
		t.Errorf("cases %+v", s.Cases)
	}
	if !strings.Contains(s.SystemOut, "</system-out>") {
		t.Errorf("system-out lost the note's text: %q", s.SystemOut)
	}
}

// TestJUnitXSDRejects proves the XSD validation bites.
func TestJUnitXSDRejects(t *testing.T) {
	bad := []byte(`<?xml version="1.0"?><testsuites><testsuite package="p" id="0" name="n" timestamp="2026-11-24T12:00:00" tests="1" failures="0" errors="0" time="0"><properties/><testcase name="x" classname="c" time="0"/><system-out/><system-err/></testsuite></testsuites>`)
	if err := junitXSD(t, bad); err == nil || !strings.Contains(err.Error(), "hostname") {
		t.Errorf("the XSD accepted a suite without hostname: %v", err)
	}
}
