package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// junitNow is the suite timestamp's clock (tests fix it).
var junitNow = time.Now

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Name       string          `xml:"name,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties junitProperties `xml:"properties"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitMessage `xml:"skipped"`
	Error     *junitProblem `xml:"error"`
	Failure   *junitProblem `xml:"failure"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes r as JUnit XML (the Apache Ant format that GitLab, Jenkins
// and Azure DevOps read): one test suite for the run, one test case per
// finding. A blocking finding is a failure (an error when its verdict is
// error), a waived or skipped one is skipped, and every other finding
// passes; the non-blocking findings that need attention (warnings) are
// listed in the suite's system-out, as JUnit has no warning state.
func JUnit(w io.Writer, r *gate.Result) error {
	what := r.Group
	if r.Candidate != nil && r.Candidate.Version > 0 {
		what = r.Candidate.Group + " v" + strconv.Itoa(r.Candidate.Version)
	}
	if what == "" {
		what = "model"
	}
	host, err := os.Hostname()
	if err != nil || strings.TrimSpace(host) == "" {
		host = "localhost"
	}
	s := junitSuite{
		Package:   "modelgate",
		Name:      sarifOneLine("modelgate " + what),
		Timestamp: junitNow().UTC().Format("2006-01-02T15:04:05"),
		Hostname:  sarifOneLine(host),
		Time:      "0",
		SystemErr: "",
	}
	props := [][2]string{{"conclusion", string(r.Conclusion)}, {"title", r.Title()}, {"rules_file", r.RulesFile}, {"rules_sha256", r.RulesSHA256}}
	if r.Candidate != nil {
		props = append(props, [2]string{"candidate", r.Candidate.ARN})
	}
	if r.Baseline != nil {
		props = append(props, [2]string{"baseline", r.Baseline.ARN})
	}
	for _, p := range props {
		s.Properties.Property = append(s.Properties.Property, junitProperty{Name: p[0], Value: sarifOneLine(p[1])})
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s: %s\n", strings.ToUpper(string(r.Conclusion)), sarifOneLine(r.Title()))
	for _, n := range r.Notes {
		fmt.Fprintf(&out, "note: %s\n", sarifOneLine(n))
	}
	for _, f := range r.Findings {
		c := junitCase{Name: junitName(f), Classname: sarifOneLine("modelgate." + f.Rule), Time: "0"}
		msg := sarifMessage(f)
		switch {
		case f.Blocking && f.Verdict == gate.Error:
			c.Error = &junitProblem{Message: msg, Type: string(f.Verdict), Text: msg}
			s.Errors++
		case f.Blocking:
			c.Failure = &junitProblem{Message: msg, Type: string(f.Verdict), Text: msg}
			s.Failures++
		case f.Verdict == gate.Waived || f.Verdict == gate.Skipped:
			c.Skipped = &junitMessage{Message: msg}
			s.Skipped++
		case f.Verdict != gate.Pass:
			fmt.Fprintf(&out, "warning: %s\n", msg)
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	s.SystemOut = out.String()
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// junitName names a test case by its rule and metric instance, so that
// each finding of a rule is its own case.
func junitName(f gate.Finding) string {
	name := f.Rule
	if f.Metric != "" {
		name += " " + f.Metric
	}
	if ls := gate.LabelString(f.Labels); ls != "" {
		name += " [" + ls + "]"
	}
	return sarifOneLine(name)
}
