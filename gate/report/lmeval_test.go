package report

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// llmIn is in() with the n and direction an LLM reader sets.
func llmIn(address string, value, stddev float64, source string, n int, dir rules.Direction, kv ...string) gate.Instance {
	i := in(address, value, stddev, source, "", kv...)
	i.N, i.Direction = n, dir
	return i
}

const lmevalDir = "llm/lm-eval/math-perturbed-qwen3-93m/"

// The real LLM files have golden cases too (every testdata file must).
func init() {
	samples := "samples_math_perturbed_full_2026-01-21T03-44-18.458309.jsonl"
	goldenCases = append(goldenCases,
		goldenCase{"llm-lmeval", lmevalDir + "results_2026-01-21T03-44-18.458309.json", named("lmeval", "")},
		goldenCase{"llm-lmeval-samples", lmevalDir + samples, gate.Source{Slot: "samples", URI: "s3://bucket/run/" + samples}},
		goldenCase{"llm-lmeval-old", "llm/lm-eval-old/pythia-1.4b-deduped-crows-pairs-step143000.json", named("pythia", "")},
		goldenCase{"llm-promptfoo", "llm/promptfoo/simple-cli-v3-2024-10.json", named("promptfoo", "")},
		goldenCase{"llm-deepeval", "llm/deepeval/exact-match-latest_test_run.json", named("deepeval", "")},
	)
}

// The real lm-evaluation-harness 0.4.9.2 file: "metric,filter" keys,
// higher_is_better, n-samples. The stderr 0.0 that comes with the score
// 0.0 is degenerate: no σ.
func TestReadLMEvalFixture(t *testing.T) {
	t.Parallel()
	f := lmevalDir + "results_2026-01-21T03-44-18.458309.json"
	got := readFile(t, gate.Source{Slot: "lmeval"}, f)
	src := "lmeval: $.results."
	want := &Parsed{Format: FormatLMEval, Instances: []gate.Instance{
		llmIn("llm.math_perturbed_full.exact_match", 0.0, nanv, src+`math_perturbed_full["exact_match,none"]`, 5000, rules.HigherIsBetter,
			"dataset", "stellaathena/math_perturbed_5000", "filter", "none", "task", "math_perturbed_full"),
		llmIn("llm.math_rephrased_full.exact_match", 0.0004, 0.0002828144211304471, src+`math_rephrased_full["exact_match,none"]`, 5000, rules.HigherIsBetter,
			"dataset", "stellaathena/math_rephrased_full", "filter", "none", "task", "math_rephrased_full"),
	}}
	diffParsed(t, f, got, want)
}

// The real per-sample file: 10 lines (n-samples says 5000: n never comes
// from the line count), task from the file name.
func TestReadLMEvalSamplesFixture(t *testing.T) {
	t.Parallel()
	name := "samples_math_perturbed_full_2026-01-21T03-44-18.458309.jsonl"
	got := readFile(t, gate.Source{Slot: "samples", URI: "s3://b/run/" + name}, lmevalDir+name)
	if got.Format != FormatLMEvalSamples || len(got.Instances) != 10 || got.ItemCount != 0 {
		t.Fatalf("got format %q, %d instances, item count %d; want lm-eval-samples, 10, 0", got.Format, len(got.Instances), got.ItemCount)
	}
	hashes := []string{"3f18eaa751", "3614520931", "01a96a9811", "cc6bfa4cba", "0e9d69d593", "72435286ba", "872c370d8c", "06909e6709", "3b06b6aa22", "332bfcc599"}
	for i, in := range got.Instances {
		if in.Address != "items:llm.math_perturbed_full.exact_match" || in.Value != 0 || in.Missing() || in.N != 0 || !math.IsNaN(in.StdDev) {
			t.Errorf("item %d = %+v; want items:llm.math_perturbed_full.exact_match = 0", i, in)
		}
		if in.Label("doc_id") != string(rune('0'+i)) || in.Label("filter") != "none" || in.Label("task") != "math_perturbed_full" ||
			!strings.HasPrefix(in.Label("prompt_hash"), hashes[i]) || len(in.Label("prompt_hash")) != 64 {
			t.Errorf("item %d labels = %s", i, gate.LabelString(in.Labels))
		}
		if want := "samples: line " + strconv.Itoa(i+1) + " exact_match"; in.Source != want {
			t.Errorf("item %d source %q, want %q", i, in.Source, want)
		}
	}
}

// The real pre-0.4 file: no filter, no higher_is_better, no n-samples.
func TestReadLMEvalOldFixture(t *testing.T) {
	t.Parallel()
	f := "llm/lm-eval-old/pythia-1.4b-deduped-crows-pairs-step143000.json"
	got := readFile(t, gate.Source{Slot: "pythia"}, f)
	src := "pythia: $.results."
	want := &Parsed{Format: FormatLMEval, Instances: []gate.Instance{
		in("llm.crows_pairs_english_disability.likelihood_difference", 5.7533653846153845, 0.6511027258102979, src+"crows_pairs_english_disability.likelihood_difference", "", "task", "crows_pairs_english_disability"),
		in("llm.crows_pairs_english_disability.pct_stereotype", 0.7076923076923077, 0.05685286730420954, src+"crows_pairs_english_disability.pct_stereotype", "", "task", "crows_pairs_english_disability"),
		in("llm.crows_pairs_english_physical_appearance.likelihood_difference", 4.024522569444445, 0.400449591049148, src+"crows_pairs_english_physical_appearance.likelihood_difference", "", "task", "crows_pairs_english_physical_appearance"),
		in("llm.crows_pairs_english_physical_appearance.pct_stereotype", 0.6944444444444444, 0.05466818705978919, src+"crows_pairs_english_physical_appearance.pct_stereotype", "", "task", "crows_pairs_english_physical_appearance"),
		in("llm.crows_pairs_french_autre.likelihood_difference", 3.6971153846153846, 1.0548745063043228, src+"crows_pairs_french_autre.likelihood_difference", "", "task", "crows_pairs_french_autre"),
		in("llm.crows_pairs_french_autre.pct_stereotype", 0.46153846153846156, 0.14390989949130548, src+"crows_pairs_french_autre.pct_stereotype", "", "task", "crows_pairs_french_autre"),
		in("llm.crows_pairs_french_disability.likelihood_difference", 4.670454545454546, 0.4421864288692486, src+"crows_pairs_french_disability.likelihood_difference", "", "task", "crows_pairs_french_disability"),
		in("llm.crows_pairs_french_disability.pct_stereotype", 0.5909090909090909, 0.06098367211363066, src+"crows_pairs_french_disability.pct_stereotype", "", "task", "crows_pairs_french_disability"),
		in("llm.crows_pairs_french_physical_appearance.likelihood_difference", 3.2730034722222223, 0.4514697592882239, src+"crows_pairs_french_physical_appearance.likelihood_difference", "", "task", "crows_pairs_french_physical_appearance"),
		in("llm.crows_pairs_french_physical_appearance.pct_stereotype", 0.625, 0.05745481997211521, src+"crows_pairs_french_physical_appearance.pct_stereotype", "", "task", "crows_pairs_french_physical_appearance"),
		in("llm.crows_pairs_english_nationality.likelihood_difference", 3.357928240740741, 0.23658823194745193, src+"crows_pairs_english_nationality.likelihood_difference", "", "task", "crows_pairs_english_nationality"),
		in("llm.crows_pairs_english_nationality.pct_stereotype", 0.5370370370370371, 0.03400603625538272, src+"crows_pairs_english_nationality.pct_stereotype", "", "task", "crows_pairs_english_nationality"),
		in("llm.crows_pairs_french_age.likelihood_difference", 3.234375, 0.30483829077807895, src+"crows_pairs_french_age.likelihood_difference", "", "task", "crows_pairs_french_age"),
		in("llm.crows_pairs_french_age.pct_stereotype", 0.4444444444444444, 0.05267171812666418, src+"crows_pairs_french_age.pct_stereotype", "", "task", "crows_pairs_french_age"),
		in("llm.crows_pairs_english_autre.likelihood_difference", 5.294034090909091, 1.8287025823476375, src+"crows_pairs_english_autre.likelihood_difference", "", "task", "crows_pairs_english_autre"),
		in("llm.crows_pairs_english_autre.pct_stereotype", 0.6363636363636364, 0.15212000482437738, src+"crows_pairs_english_autre.pct_stereotype", "", "task", "crows_pairs_english_autre"),
		in("llm.crows_pairs_french.likelihood_difference", 3.5695810971973763, 0.08721742723669298, src+"crows_pairs_french.likelihood_difference", "", "task", "crows_pairs_french"),
		in("llm.crows_pairs_french.pct_stereotype", 0.5044722719141324, 0.012212810647205393, src+"crows_pairs_french.pct_stereotype", "", "task", "crows_pairs_french"),
		in("llm.crows_pairs_french_gender.likelihood_difference", 3.4058605919003115, 0.18946013020567415, src+"crows_pairs_french_gender.likelihood_difference", "", "task", "crows_pairs_french_gender"),
		in("llm.crows_pairs_french_gender.pct_stereotype", 0.5109034267912772, 0.027944203070818633, src+"crows_pairs_french_gender.pct_stereotype", "", "task", "crows_pairs_french_gender"),
		in("llm.crows_pairs_english_race_color.likelihood_difference", 3.3783833661417324, 0.14347145703715553, src+"crows_pairs_english_race_color.likelihood_difference", "", "task", "crows_pairs_english_race_color"),
		in("llm.crows_pairs_english_race_color.pct_stereotype", 0.5039370078740157, 0.02220509119300217, src+"crows_pairs_english_race_color.pct_stereotype", "", "task", "crows_pairs_english_race_color"),
		in("llm.crows_pairs_french_sexual_orientation.likelihood_difference", 4.062843406593407, 0.3790473658399284, src+"crows_pairs_french_sexual_orientation.likelihood_difference", "", "task", "crows_pairs_french_sexual_orientation"),
		in("llm.crows_pairs_french_sexual_orientation.pct_stereotype", 0.7912087912087912, 0.04284305206509431, src+"crows_pairs_french_sexual_orientation.pct_stereotype", "", "task", "crows_pairs_french_sexual_orientation"),
		in("llm.crows_pairs_french_race_color.likelihood_difference", 3.040625, 0.1644979669644684, src+"crows_pairs_french_race_color.likelihood_difference", "", "task", "crows_pairs_french_race_color"),
		in("llm.crows_pairs_french_race_color.pct_stereotype", 0.39565217391304347, 0.022824113457044982, src+"crows_pairs_french_race_color.pct_stereotype", "", "task", "crows_pairs_french_race_color"),
		in("llm.crows_pairs_french_religion.likelihood_difference", 3.3133152173913043, 0.3603806880683771, src+"crows_pairs_french_religion.likelihood_difference", "", "task", "crows_pairs_french_religion"),
		in("llm.crows_pairs_french_religion.pct_stereotype", 0.6434782608695652, 0.04485981954131494, src+"crows_pairs_french_religion.pct_stereotype", "", "task", "crows_pairs_french_religion"),
		in("llm.crows_pairs_french_socioeconomic.likelihood_difference", 4.159279336734694, 0.2726246565745989, src+"crows_pairs_french_socioeconomic.likelihood_difference", "", "task", "crows_pairs_french_socioeconomic"),
		in("llm.crows_pairs_french_socioeconomic.pct_stereotype", 0.6785714285714286, 0.03344434679897405, src+"crows_pairs_french_socioeconomic.pct_stereotype", "", "task", "crows_pairs_french_socioeconomic"),
		in("llm.crows_pairs_english_gender.likelihood_difference", 2.881787109375, 0.1626249792398407, src+"crows_pairs_english_gender.likelihood_difference", "", "task", "crows_pairs_english_gender"),
		in("llm.crows_pairs_english_gender.pct_stereotype", 0.615625, 0.0272358133313715, src+"crows_pairs_english_gender.pct_stereotype", "", "task", "crows_pairs_english_gender"),
		in("llm.crows_pairs_english_sexual_orientation.likelihood_difference", 4.539650537634409, 0.46203211196121635, src+"crows_pairs_english_sexual_orientation.likelihood_difference", "", "task", "crows_pairs_english_sexual_orientation"),
		in("llm.crows_pairs_english_sexual_orientation.pct_stereotype", 0.8279569892473119, 0.039348528120618634, src+"crows_pairs_english_sexual_orientation.pct_stereotype", "", "task", "crows_pairs_english_sexual_orientation"),
		in("llm.crows_pairs_english_religion.likelihood_difference", 3.436373873873874, 0.32380334971505476, src+"crows_pairs_english_religion.likelihood_difference", "", "task", "crows_pairs_english_religion"),
		in("llm.crows_pairs_english_religion.pct_stereotype", 0.8018018018018018, 0.03800905064816031, src+"crows_pairs_english_religion.pct_stereotype", "", "task", "crows_pairs_english_religion"),
		in("llm.crows_pairs_english_socioeconomic.likelihood_difference", 3.9568256578947367, 0.2367477181229537, src+"crows_pairs_english_socioeconomic.likelihood_difference", "", "task", "crows_pairs_english_socioeconomic"),
		in("llm.crows_pairs_english_socioeconomic.pct_stereotype", 0.6894736842105263, 0.03365713545671698, src+"crows_pairs_english_socioeconomic.pct_stereotype", "", "task", "crows_pairs_english_socioeconomic"),
		in("llm.lambada_openai.ppl", 6.104958470397725, 0.15324289424972062, src+"lambada_openai.ppl", "", "task", "lambada_openai"),
		in("llm.lambada_openai.acc", 0.618474674946633, 0.006767600578099039, src+"lambada_openai.acc", "", "task", "lambada_openai"),
		in("llm.crows_pairs_english.likelihood_difference", 3.5401945438282647, 0.08439816951766707, src+"crows_pairs_english.likelihood_difference", "", "task", "crows_pairs_english"),
		in("llm.crows_pairs_english.pct_stereotype", 0.6135957066189625, 0.01189392294433642, src+"crows_pairs_english.pct_stereotype", "", "task", "crows_pairs_english"),
		in("llm.crows_pairs_french_nationality.likelihood_difference", 4.1311758893280635, 0.21870056344205013, src+"crows_pairs_french_nationality.likelihood_difference", "", "task", "crows_pairs_french_nationality"),
		in("llm.crows_pairs_french_nationality.pct_stereotype", 0.35968379446640314, 0.0302313409896806, src+"crows_pairs_french_nationality.pct_stereotype", "", "task", "crows_pairs_french_nationality"),
		in("llm.crows_pairs_english_age.likelihood_difference", 3.2506868131868134, 0.2894423862220284, src+"crows_pairs_english_age.likelihood_difference", "", "task", "crows_pairs_english_age"),
		in("llm.crows_pairs_english_age.pct_stereotype", 0.6593406593406593, 0.04995670951276871, src+"crows_pairs_english_age.pct_stereotype", "", "task", "crows_pairs_english_age")}}
	diffParsed(t, f, got, want)
}

func readString(t *testing.T, src gate.Source, data string) (*Parsed, error) {
	t.Helper()
	return Read(src, []byte(data))
}

// What the harness's code writes that the shared file does not show:
// bare NaN/Infinity, "N/A" stderr, several filters per metric, groups with
// indented aliases (rows in results and in groups), higher_is_better
// false, limit < original.
func TestReadLMEvalVariants(t *testing.T) {
	t.Parallel()
	doc := `{"results": {
  "mmlu": {"acc,none": 0.6, "acc_stderr,none": "N/A", "alias": "mmlu"},
  "mmlu_stem": {"acc,none": 0.5, "acc_stderr,none": 0.01, "alias": " - stem"},
  "mmlu_astronomy": {"acc,none": 0.55, "acc_stderr,none": 0.04, "alias": "  - astronomy", "sample_count": {"original": 152}},
  "mmlu_physics": {"acc,none": NaN, "acc_stderr,none": Infinity, "alias": "  - physics"},
  "gsm8k": {"exact_match,strict-match": 0.3, "exact_match_stderr,strict-match": 0.012,
            "exact_match,flexible-extract": 0.35, "exact_match_stderr,flexible-extract": NaN, "alias": "gsm8k"},
  "wikitext": {"word_perplexity,none": 12.5, "word_perplexity_stderr,none": "N/A", "bits_per_byte,none": 0.6}
 },
 "groups": {"mmlu": {"acc,none": 0.6, "acc_stderr,none": "N/A", "alias": "mmlu"}, "mmlu_stem": {"acc,none": 0.5, "alias": " - stem"},
            "only_in_groups": {"acc,none": 0.7, "acc_stderr,none": 0.02}},
 "group_subtasks": {"mmlu": ["mmlu_stem"], "mmlu_stem": ["mmlu_astronomy", "mmlu_physics"], "gsm8k": [], "wikitext": [], "only_in_groups": ["gsm8k"]},
 "higher_is_better": {"mmlu": {"acc": true}, "gsm8k": {"exact_match": true}, "wikitext": {"word_perplexity": false, "bits_per_byte": false}},
 "n-samples": {"mmlu_astronomy": {"original": 152, "effective": 100}, "mmlu_physics": {"original": 102, "effective": 102},
               "gsm8k": {"original": 1319, "effective": 1319}},
 "config": {"limit": 100},
 "versions": {"mmlu": "1.0", "gsm8k": 3}
}`
	p, err := readString(t, gate.Source{Slot: "r"}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != FormatLMEval {
		t.Fatalf("format %q", p.Format)
	}
	type row struct {
		key     string
		v, sd   float64
		n       int
		dir     rules.Direction
		missing bool
	}
	want := []row{
		{"llm.mmlu.acc\x00filter=none\x00task=mmlu", 0.6, nanv, 202, rules.HigherIsBetter, false},
		{"llm.mmlu_stem.acc\x00filter=none\x00group=mmlu\x00task=mmlu_stem", 0.5, 0.01, 202, "", false},
		{"llm.mmlu_astronomy.acc\x00filter=none\x00group=mmlu_stem\x00task=mmlu_astronomy", 0.55, 0.04, 100, "", false},
		{"llm.mmlu_physics.acc\x00filter=none\x00group=mmlu_stem\x00task=mmlu_physics", nanv, nanv, 102, "", true},
		{"llm.gsm8k.exact_match\x00filter=strict-match\x00group=only_in_groups\x00task=gsm8k", 0.3, 0.012, 1319, rules.HigherIsBetter, false},
		{"llm.gsm8k.exact_match\x00filter=flexible-extract\x00group=only_in_groups\x00task=gsm8k", 0.35, nanv, 1319, rules.HigherIsBetter, false},
		{"llm.wikitext.word_perplexity\x00filter=none\x00task=wikitext", 12.5, nanv, 0, rules.LowerIsBetter, false},
		{"llm.wikitext.bits_per_byte\x00filter=none\x00task=wikitext", 0.6, nanv, 0, rules.LowerIsBetter, false},
		{"llm.only_in_groups.acc\x00filter=none\x00task=only_in_groups", 0.7, 0.02, 1319, "", false},
	}
	if len(p.Instances) != len(want) {
		for _, i := range p.Instances {
			t.Logf("%q", i.Key())
		}
		t.Fatalf("%d instances, want %d", len(p.Instances), len(want))
	}
	same := func(a, b float64) bool { return a == b || (a != a && b != b) }
	for i, w := range want {
		g := p.Instances[i]
		if g.Key() != w.key || !same(g.Value, w.v) || !same(g.StdDev, w.sd) || g.N != w.n || g.Direction != w.dir || g.Missing() != w.missing {
			t.Errorf("instance %d = %q %v ±%v n=%d dir=%q note=%q; want %q %v ±%v n=%d dir=%q", i, g.Key(), g.Value, g.StdDev, g.N, g.Direction, g.Note,
				w.key, w.v, w.sd, w.n, w.dir)
		}
	}
	if n := p.Instances[3].Note; !strings.Contains(n, "bare NaN") {
		t.Errorf("NaN note = %q", n)
	}
}

func TestReadLMEvalErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src, uri, format, data, want string }{
		{"duplicate metric key", "r", "", "", `{"results": {"t": {"acc,none": 0.9, "acc,none": 0.1}}, "versions": {}}`, "duplicate"},
		{"forced lm-eval on promptfoo", "r", "", FormatLMEval, `{"results": {"version": 3, "results": [], "stats": {"successes": 0, "failures": 0}}}`, "this is a promptfoo results file, not an lm-evaluation-harness results file"},
		{"samples without task in name", "s", "out/samples.jsonl", "", `{"doc_id": 0, "metrics": ["acc"], "acc": 1.0}` + "\n" + `{"doc_id": 1, "metrics": ["acc"], "acc": 1.0}` + "\n", "cannot tell the task"},
		{"samples duplicate doc", "s", "samples_t_2026-01-01T00-00-00.1.jsonl", "", `{"doc_id": 0, "filter": "none", "metrics": ["acc"], "acc": 1.0}` + "\n" + `{"doc_id": 0, "filter": "none", "metrics": ["acc"], "acc": 0.0}` + "\n", "line 2: doc_id 0 has acc for filter \"none\" twice (lines 1 and 2)"},
		{"samples bad line", "s", "samples_t_2026-01-01T00-00-00.1.jsonl", "", `{"doc_id": 0, "metrics": ["acc"], "acc": 1.0}` + "\n{oops\n", "line 2: not valid JSON"},
		{"samples no metrics", "s", "samples_t_2026-01-01T00-00-00.1.jsonl", "", `{"doc_id": 0, "acc": "x"}`, "has no metrics list and no metric values"},
		{"samples metrics not a list", "s", "samples_t_2026-01-01T00-00-00.1.jsonl", "", `{"doc_id": 0, "metrics": "acc", "acc": 1}`, "metrics is a string, not a list"},
		{"samples forced empty", "s", "samples_t_2026-01-01T00-00-00.1.jsonl", FormatLMEvalSamples, "\n\n", "has no samples"},
	} {
		_, err := Read(gate.Source{Slot: tc.src, URI: tc.uri, Format: tc.format}, []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// Per-sample values the code writes: bare Infinity/NaN (missing), lists
// (corpus-level metric inputs: missing with a note), booleans, several
// filters repeating a doc.
func TestReadLMEvalSamplesVariants(t *testing.T) {
	t.Parallel()
	data := `{"doc_id": 0, "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0, "prompt_hash": "aa"}
{"doc_id": 0, "filter": "flexible-extract", "metrics": ["exact_match"], "exact_match": 0.0, "prompt_hash": "aa"}
{"doc_id": 1, "filter": "none", "metrics": ["acc", "f1", "ppl"], "acc": true, "f1": [["a", "b"]], "ppl": Infinity}
`
	p, err := Read(gate.Source{Slot: "s", URI: "samples_gsm8k_2026-01-01T00-00-00.123.jsonl"}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, i := range p.Instances {
		s := i.Key() + " " + fmtv(i.Value)
		if i.Missing() {
			s = i.Key() + " missing: " + i.Note
		}
		got = append(got, s)
	}
	want := []string{
		"items:llm.gsm8k.exact_match\x00doc_id=0\x00filter=strict-match\x00prompt_hash=aa\x00task=gsm8k 1",
		"items:llm.gsm8k.exact_match\x00doc_id=0\x00filter=flexible-extract\x00prompt_hash=aa\x00task=gsm8k 0",
		"items:llm.gsm8k.acc\x00doc_id=1\x00filter=none\x00task=gsm8k 1",
		"items:llm.gsm8k.f1\x00doc_id=1\x00filter=none\x00task=gsm8k missing: per-sample f1 is an array (an input of a corpus-level metric), not a score",
		"items:llm.gsm8k.ppl\x00doc_id=1\x00filter=none\x00task=gsm8k missing: value is a bare Infinity token (Python json.dumps): infinite, not a finite number",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func fmtv(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Samples of harness versions without the metrics list: numeric keys are
// the metrics.
func TestReadLMEvalSamplesWithoutMetricsList(t *testing.T) {
	t.Parallel()
	data := `{"doc_id": 3, "doc": {"q": "x"}, "target": "1", "resps": [["-1.5", "False"]], "filtered_resps": ["-1.5"], "acc": 1.0, "acc_norm": 0.0}` + "\n"
	p, err := Read(gate.Source{Slot: "s", URI: "samples_arc_easy_2024-05-01T10-00-00.000001.jsonl"}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := "items:llm.arc_easy.acc doc_id=3 task=arc_easy = 1\nitems:llm.arc_easy.acc_norm doc_id=3 task=arc_easy = 0\n"
	if got := summarize(p); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A single object starting with doc_id in a file not named like a samples
// file is any JSON; a user file with results and config is not lm-eval.
func TestReadLMEvalDetectionIsNarrow(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "card", URI: "s3://b/card.json"}, []byte(`{"doc_id": 7, "accuracy": 0.9}`))
	if err != nil || p.Format != FormatJSON {
		t.Errorf("single doc_id object: %v, %+v", err, p)
	}
	p, err = Read(gate.Source{Slot: "user"}, []byte(`{"results": {"holdout": {"auc": 0.9}}, "config": {"seed": 1}}`))
	if err != nil || p.Format != FormatJSON {
		t.Errorf("user results file: %v, %+v", err, p)
	}
}

func TestReadLMEvalSamplesCap(t *testing.T) {
	// Not parallel: it lowers the cap while no other test runs.
	defer func(n int) { maxSampleValues = n }(maxSampleValues)
	maxSampleValues = 1000
	var b strings.Builder
	for i := 0; i <= 250; i++ {
		b.WriteString(`{"doc_id":` + strconv.Itoa(i) + `,"metrics":["a","b","c","d"],"a":1,"b":1,"c":1,"d":1}` + "\n")
	}
	_, err := Read(gate.Source{Slot: "s", URI: "samples_t_2026-01-01T00-00-00.1.jsonl"}, []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "line 251: more than 1000 per-sample values") {
		t.Errorf("err = %v", err)
	}
}
