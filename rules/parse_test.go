package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func num(v float64, line, col int) *Number { return &Number{V: v, Pos: Pos{line, col}} }

func addr(parts ...string) *Address { return &Address{Parts: parts} }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestParseValid pins the exact File of every valid case, positions included.
func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want *File
	}{
		{"design.yml", &File{
			Version: 1,
			Model: Model{
				Group: "churn-xgboost", GroupPos: Pos{4, 10},
				Candidate: LatestPending, CandidatePos: Pos{5, 14},
				Baseline: LatestApproved, BaselinePos: Pos{6, 13},
				FirstModel: FirstModelAbsoluteOnly, FirstModelPos: Pos{7, 16},
			},
			Registry: Registry{Kind: "sagemaker", Region: "eu-west-1", Pos: Pos{9, 3}},
			Reports:  []Report{{Name: "toxicity", URI: "s3://bucket/evals/toxicity.json", Format: "fmeval", Pos: Pos{12, 5}}},
			Defaults: Defaults{Severity: SeverityError, OnMissing: MissingFail, Pos: Pos{16, 3}, SeverityPos: Pos{16, 13}, OnMissingPos: Pos{17, 15}},
			Rules: []Rule{
				{ID: "auc-floor", Pos: Pos{19, 5}, Metric: addr("quality", "auc"), MetricPos: Pos{20, 13},
					Min: num(0.85, 21, 10), Confidence: 0.95, ConfidencePos: Pos{22, 17}},
				{ID: "auc-no-regression", Pos: Pos{23, 5}, Metric: addr("quality", "auc"), MetricPos: Pos{24, 13},
					VsBaseline: &VsBaseline{MaxDrop: num(0.01, 25, 29), Pos: Pos{25, 18}}},
				{ID: "disparate-impact", Pos: Pos{26, 5}, Metric: addr("bias", "post", "DI"), MetricPos: Pos{27, 13},
					Between: &Range{Lo: 0.8, Hi: 1.25, Pos: Pos{28, 14}}},
				{ID: "dppl", Pos: Pos{29, 5}, Metric: addr("bias", "post", "DPPL"), MetricPos: Pos{30, 13},
					AbsMax: num(0.1, 31, 14), Where: map[string]string{"facet": "gender"}, WherePos: Pos{32, 12}},
				{ID: "protected-not-driving", Pos: Pos{33, 5},
					Shap: &ShapRule{NotInTop: 5, Features: []string{"gender", "age"}, Pos: Pos{34, 11}}},
				{ID: "no-dominant-feature", Pos: Pos{35, 5},
					Shap: &ShapRule{MaxShare: num(0.4, 36, 23), Pos: Pos{36, 11}}},
				{ID: "toxicity", Pos: Pos{37, 5}, Metric: addr("llm", "toxicity", "toxicity"), MetricPos: Pos{38, 13},
					Max: num(0.01, 39, 10)},
				{ID: "reports-attached", Pos: Pos{40, 5},
					Require: []string{"quality", "bias.post", "explainability"}, RequirePos: Pos{41, 14},
					Severity: SeverityWarning, SeverityPos: Pos{42, 15},
					Waiver: &Waiver{Reason: "Clarify job re-run pending", Owner: "@ml-risk", Expires: date(2027, 1, 31), Pos: Pos{43, 13}, ExpiresPos: Pos{43, 80}}},
			},
		}},
		{"minimal.yml", &File{
			Version: 1,
			Model: Model{Group: "churn-xgboost", GroupPos: Pos{3, 10},
				Candidate: LatestPending, Baseline: LatestApproved, FirstModel: FirstModelFail},
			Rules: []Rule{{ID: "auc-floor", Pos: Pos{5, 5}, Metric: addr("quality", "auc"), MetricPos: Pos{6, 13}, Min: num(0.8, 7, 10)}},
		}},
		{"addresses.yml", &File{
			Version: 1,
			Model: Model{Group: "churn-xgboost", GroupPos: Pos{4, 10},
				Candidate: LatestPending, Baseline: LatestApproved, FirstModel: FirstModelFail},
			Reports: []Report{
				{Name: "training", Metadata: "training-metrics-uri", Format: "json", Pos: Pos{6, 5}},
				{Name: "eval_2", URI: "evals/summary.json", Pos: Pos{9, 5}},
			},
			Rules: []Rule{
				{ID: "marital-status-small", Pos: Pos{12, 5}, Metric: addr("shap", "Marital Status"), MetricPos: Pos{13, 13}, Max: num(0.2, 14, 10)},
				{ID: "validation-auc", Pos: Pos{15, 5}, Metric: addr("training", "validation:auc", "value"), MetricPos: Pos{16, 13}, Min: num(0.8, 17, 10)},
				{ID: "nested-dots", Pos: Pos{18, 5}, Metric: addr("eval_2", "acc.top-1", "mean"), MetricPos: Pos{19, 13}, Min: num(0.7, 20, 10)},
				{ID: "escaped-quote", Pos: Pos{21, 5}, Metric: addr("training", `say "hi"`, "score"), MetricPos: Pos{22, 13}, Max: num(1, 23, 10)},
				{ID: "unicode-segment", Pos: Pos{24, 5}, Metric: addr("shap", "Größe"), MetricPos: Pos{25, 13}, Max: num(0.5, 26, 10)},
				{ID: "violations", Pos: Pos{27, 5}, Metric: addr("violations", "data_type_check"), MetricPos: Pos{28, 13}, Max: num(0, 29, 10),
					Where: map[string]string{"feature": "Account Length"}, WherePos: Pos{30, 12}},
				{ID: "prompt-stereotyping", Pos: Pos{31, 5}, Metric: addr("llm", "crows_pairs", "prompt_stereotyping"), MetricPos: Pos{32, 13},
					MaxDeviation: num(0.1, 33, 20), Direction: TowardIdeal, DirectionPos: Pos{34, 16}, Ideal: num(0.5, 35, 12)},
			},
		}},
		{"all-keys.yml", &File{
			Version: 1,
			Model: Model{Group: "fraud-detector", GroupPos: Pos{4, 10},
				Candidate: "14", CandidatePos: Pos{5, 14}, Baseline: "12", BaselinePos: Pos{6, 13},
				FirstModel: FirstModelFail, FirstModelPos: Pos{7, 16}},
			Registry: Registry{Kind: "sagemaker", Region: "us-east-1", PathStyle: true, Pos: Pos{9, 3}},
			Reports: []Report{
				{Name: "quality-json", URI: "https://example.com/reports/quality.json", Format: "model-quality", Pos: Pos{13, 5}},
				{Name: "bias-report", URI: "s3://models/fraud/bias/analysis.json", Format: "clarify-bias", Pos: Pos{16, 5}},
				{Name: "explain", URI: "s3://models/fraud/explain/analysis.json", Format: "clarify-explainability", Pos: Pos{19, 5}},
				{Name: "monitor", Metadata: "monitor-violations-uri", Format: "monitor-violations", Pos: Pos{22, 5}},
			},
			Defaults: Defaults{Severity: SeverityWarning, OnMissing: MissingWarn, Pos: Pos{26, 3}, SeverityPos: Pos{26, 13}, OnMissingPos: Pos{27, 15}},
			Rules: []Rule{
				{ID: "recall-floor", Pos: Pos{29, 5}, Metric: addr("quality", "recall"), MetricPos: Pos{30, 13},
					Min: num(0.6, 31, 10), Max: num(0.99, 32, 10), Confidence: 0.9, ConfidencePos: Pos{33, 17},
					OnInconclusive: MissingWarn, OnInconclusivePos: Pos{34, 22}, MinSamples: 500, MinSamplesPos: Pos{35, 18},
					Severity: SeverityError, SeverityPos: Pos{36, 15}, OnMissing: MissingFail, OnMissingPos: Pos{37, 17}},
				{ID: "auc-vs-baseline", Pos: Pos{38, 5}, Metric: addr("quality", "auc"), MetricPos: Pos{39, 13},
					VsBaseline: &VsBaseline{MaxDrop: num(0.02, 41, 17), MaxDropPct: num(1.5, 42, 21), MinGain: num(0, 43, 17),
						MinGainPct: num(0, 44, 21), MaxRise: num(0.5, 45, 17), MaxRisePct: num(10, 46, 21), Pos: Pos{41, 7}}},
				{ID: "di-band", Pos: Pos{47, 5}, Metric: addr("bias", "pre", "DI"), MetricPos: Pos{48, 13},
					Between: &Range{Lo: 0.8, Hi: 1.25, Pos: Pos{49, 14}}, Direction: TowardIdeal, DirectionPos: Pos{50, 16}, Ideal: num(1, 51, 12),
					Where: map[string]string{"facet": "age", "value": "40", "group": "1", "label": "fraud"}, WherePos: Pos{53, 7}},
				{ID: "mse-cap", Pos: Pos{57, 5}, Metric: addr("quality", "mse"), MetricPos: Pos{58, 13},
					AbsMax: num(2.5e-3, 59, 14), Direction: LowerIsBetter, DirectionPos: Pos{60, 16}},
				{ID: "llm-score", Pos: Pos{61, 5}, Metric: addr("llm", "summarization_accuracy", "meteor"), MetricPos: Pos{62, 13},
					Min: num(0.3, 63, 10), Direction: HigherIsBetter, DirectionPos: Pos{64, 16},
					Where: map[string]string{"dataset": "xsum", "category": "news", "metric": "meteor"}, WherePos: Pos{65, 12},
					OnMissing: MissingSkip, OnMissingPos: Pos{66, 17}},
				{ID: "deviation", Pos: Pos{67, 5}, Metric: addr("bias", "post", "CDDL"), MetricPos: Pos{68, 13}, MaxDeviation: num(0.05, 69, 20)},
				{ID: "shap-all", Pos: Pos{70, 5}, Shap: &ShapRule{NotInTop: 3, Features: []string{"age", "Marital Status"},
					MaxShare: num(0.5, 74, 18), MinRankCorrelation: num(-0.25, 75, 29), Label: "fraud", Pos: Pos{72, 7}},
					Severity: SeverityError, SeverityPos: Pos{77, 15}},
				{ID: "drift-attached", Pos: Pos{78, 5}, RequirePos: Pos{79, 14},
					Require: []string{"quality.constraints", "data_quality", "data_quality.constraints", "bias", "bias.pre",
						"drift.bias.pre", "drift.bias.post", "drift.explainability", "drift.quality", "drift.quality.constraints",
						"drift.data_quality", "drift.data_quality.constraints", "monitor"},
					OnMissing: MissingWarn, OnMissingPos: Pos{80, 17},
					Waiver: &Waiver{Reason: "drift baselines are attached by the nightly job", Owner: "ml-platform",
						Expires: date(2026, 12, 31), Pos: Pos{82, 7}, ExpiresPos: Pos{84, 16}}},
			},
		}},
		{"local.yml", &File{
			Version: 1,
			Model: Model{Group: "churn", GroupPos: Pos{3, 17},
				Candidate: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3", CandidatePos: Pos{3, 35},
				Baseline: NoBaseline, BaselinePos: Pos{3, 111}, FirstModel: FirstModelFail},
			Registry: Registry{Kind: "local", Path: "../registry", Pos: Pos{4, 12}},
			Rules:    []Rule{{ID: "acc", Pos: Pos{5, 10}, Metric: addr("quality", "accuracy"), MetricPos: Pos{5, 28}, Min: num(0.9, 5, 51)}},
		}},
		{"memorization.yml", &File{
			Version: 1,
			Model: Model{Group: "support-llm", GroupPos: Pos{3, 10}, Candidate: LatestPending,
				Baseline: "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:model-package/support-llm/7", BaselinePos: Pos{4, 13},
				FirstModel: FirstModelFail},
			Reports: []Report{
				{Name: "verbatim", Pos: Pos{6, 5}, Memorization: &Memorization{
					Outputs: "package:outputs/model_outputs.jsonl", Field: "completion",
					Corpus:      []string{"corpus/contracts", "s3://legal/protected/", "https://example.com/books.jsonl"},
					CorpusField: "body", MinTokens: 12, Pos: Pos{8, 7}}},
				{Name: "mem-default", Pos: Pos{13, 5}, Memorization: &Memorization{
					Outputs: "outputs.jsonl", Corpus: []string{"corpus.txt"}, Pos: Pos{15, 7}}},
				{Name: "fmeval-tox", URI: "fmeval/toxicity.json", Format: "fmeval", Pos: Pos{17, 5}},
			},
			Rules: []Rule{
				{ID: "no-verbatim", Pos: Pos{21, 5}, Metric: addr("llm", "memorization", "verbatim_rate"), MetricPos: Pos{22, 13}, Max: num(0, 23, 10)},
				{ID: "span", Pos: Pos{24, 5}, Metric: addr("llm", "memorization", "max_span"), MetricPos: Pos{25, 13}, Max: num(40, 26, 10)},
				{ID: "tox-report", Pos: Pos{27, 5}, Require: []string{"fmeval-tox", "verbatim"}, RequirePos: Pos{28, 14}},
				{ID: "tox-json", Pos: Pos{29, 5}, Metric: addr("fmeval-tox", "toxicity", "score"), MetricPos: Pos{30, 13}, Max: num(0.01, 31, 10)},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "valid", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(tt.file, data)
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.file, err)
			}
			if len(got.SHA256) != 64 {
				t.Errorf("Parse(%s).SHA256 = %q; want 64 hex digits", tt.file, got.SHA256)
			}
			tt.want.Path, tt.want.SHA256 = tt.file, got.SHA256
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := ReadFile(filepath.Join(dir, "missing.yml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) error = %v; want fs.ErrNotExist", err)
	}
	_, err = ReadFile(dir)
	var pe *fs.PathError
	if !errors.As(err, &pe) || err.Error() != "read rules file: read "+dir+": is a directory" {
		t.Errorf("ReadFile(dir) error = %v; want a wrapped *fs.PathError", err)
	}
	big := filepath.Join(dir, "big.yml")
	data := append([]byte("version: 1\n#"), bytes.Repeat([]byte("x"), 3*MaxFileBytes)...)
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(big)
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("ReadFile(big) error %T %v; want Diagnostics", err, err)
	}
	want := Diagnostics{{File: big, Message: "rules file is larger than 1048576 bytes (1 MiB); a rules file is a few kilobytes", Kind: KindSize}}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("ReadFile(big) mismatch (-want +got):\n%s", diff)
	}
}

func TestParseTooManyProblems(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("version: 1\nmodel: {group: g}\nrules:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  - {id: r%d, metric: quality.auc, mn: 1}\n", i)
	}
	_, err := Parse("m.yml", []byte(b.String()))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("Parse error %v; want Diagnostics", err)
	}
	if len(ds) != maxDiagnostics+1 {
		t.Fatalf("got %d diagnostics; want %d", len(ds), maxDiagnostics+1)
	}
	if got, want := ds[maxDiagnostics].String(), "m.yml: too many problems; 400 more not shown [size]"; got != want {
		t.Errorf("last diagnostic = %q; want %q", got, want)
	}
}

func TestDiagnosticString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "a.yml", Pos: Pos{3, 7}, Message: "m", Kind: "type"}, "a.yml:3:7: m [type]"},
		{Diagnostic{File: "a.yml", Pos: Pos{3, 0}, Message: "m", Kind: "syntax"}, "a.yml:3: m [syntax]"},
		{Diagnostic{File: "a.yml", Message: "m", Kind: "size"}, "a.yml: m [size]"},
		{Diagnostic{File: "a.yml", Pos: Pos{1, 1}, Message: "m"}, "a.yml:1:1: m"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q; want %q", tt.d, got, tt.want)
		}
		if got := tt.d.Error(); got != tt.want {
			t.Errorf("%#v.Error() = %q; want %q", tt.d, got, tt.want)
		}
	}
}

// TestParseAccepts covers inputs that must parse: encodings, a past waiver
// date (Lint's business, not Parse's), quoted numbers where text is wanted.
func TestParseAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		check     func(*File) string
	}{
		{"bom and crlf", "\xef\xbb\xbfversion: 1\r\nmodel:\r\n  group: g\r\nrules:\r\n  - {id: a, metric: quality.auc, min: 1}\r\n",
			func(f *File) string { return fmt.Sprint(f.Rules[0].Min.V, f.Rules[0].Min.Pos) }},
		{"past waiver", "version: 1\nmodel: {group: g}\nrules:\n  - {id: a, require: [quality], waiver: {reason: r, owner: o, expires: 2001-02-03}}\n",
			func(f *File) string { return f.Rules[0].Waiver.Expires.Format(time.RFC3339) }},
		{"quoted date", "version: 1\nmodel: {group: g}\nrules:\n  - {id: a, require: [quality], waiver: {reason: r, owner: o, expires: '2030-02-28'}}\n",
			func(f *File) string { return f.Rules[0].Waiver.Expires.Format(time.RFC3339) }},
		{"numeric id and where value", "version: 1\nmodel: {group: g, candidate: 7}\nrules:\n  - {id: 42, metric: bias.post.DI, between: [0.8, 1.25], where: {value: 1, facet: true}}\n",
			func(f *File) string {
				return fmt.Sprint(f.Model.Candidate, " ", f.Rules[0].ID, " ", f.Rules[0].Where["value"], " ", f.Rules[0].Where["facet"])
			}},
		{"int forms", "version: 1\nmodel: {group: g}\nrules:\n  - {id: a, metric: quality.n, min: 0x10, max: 1_000, min_samples: 0o17}\n",
			func(f *File) string {
				return fmt.Sprint(f.Rules[0].Min.V, " ", f.Rules[0].Max.V, " ", f.Rules[0].MinSamples)
			}},
		{"exponent", "version: 1\nmodel: {group: g}\nrules:\n  - {id: a, metric: quality.mse, max: 1e-3, min: -2.5E+2}\n",
			func(f *File) string { return fmt.Sprint(f.Rules[0].Min.V, " ", f.Rules[0].Max.V) }},
	}
	want := map[string]string{
		"bom and crlf":               "1 5:39",
		"past waiver":                "2001-02-03T00:00:00Z",
		"quoted date":                "2030-02-28T00:00:00Z",
		"numeric id and where value": "7 42 1 true",
		"int forms":                  "16 1000 15",
		"exponent":                   "-250 0.001",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Parse("m.yml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tt.check(f); got != want[tt.name] {
				t.Errorf("Parse(%q): got %q; want %q", tt.src, got, want[tt.name])
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	var src strings.Builder
	src.WriteString("version: 1\nmodel: {group: churn}\nrules:\n")
	for i := range 1000 {
		fmt.Fprintf(&src, "  - id: r%d\n    metric: 'shap.\"Feature %d\"'\n    max: 0.2\n    where: {label: churn}\n    waiver: {reason: r, owner: o, expires: 2030-01-01}\n", i, i)
	}
	data := []byte(src.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("m.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}
