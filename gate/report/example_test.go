package report_test

import (
	"fmt"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/report"
)

func ExampleRead() {
	analysis := []byte(`{"version": "1.0", "post_training_bias_metrics": {"label": "Target", "facets": {"Gender": [
	  {"value_or_threshold": "0", "metrics": [
	    {"name": "DI", "description": "Disparate Impact (DI)", "value": 0.79},
	    {"name": "CDDPL", "description": "...", "value": null, "error": "Group variable is empty or not provided"}]}]}}}`)
	p, err := report.Read(gate.Source{Slot: gate.SlotBiasPost, URI: "s3://bucket/analysis.json"}, analysis)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Format)
	for _, in := range p.Instances {
		fmt.Printf("%s {%s} = %v", in.Address, gate.LabelString(in.Labels), in.Value)
		if in.Missing() {
			fmt.Printf(" (missing: %s)", in.Note)
		}
		fmt.Println()
	}

	_, err = report.Read(gate.Source{Slot: gate.SlotQuality, URI: "s3://bucket/analysis.json"}, analysis)
	fmt.Println(err)
	// Output:
	// clarify-bias
	// bias.post.DI {facet=Gender value=0} = 0.79
	// bias.post.CDDPL {facet=Gender value=0} = NaN (missing: Group variable is empty or not provided)
	// report quality (s3://bucket/analysis.json): $: this is a Clarify bias analysis.json, not a model-quality statistics file (looked for binary_classification_metrics, multiclass_classification_metrics, regression_metrics or another top-level *_metrics object; found top-level keys [version, post_training_bias_metrics])
}
