package memorize_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/gate/memorize"
)

func ExampleIndex_Scan() {
	poem := "Thou still unravish'd bride of quietness, thou foster-child of silence and slow time"
	corpus := []memorize.Doc{{
		Name: "protected/ode.txt",
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(poem)), nil },
	}}
	ix, err := memorize.BuildIndex(context.Background(), corpus, memorize.Options{MinTokens: 8})
	if err != nil {
		panic(err)
	}
	outputs := `{"model_input": "Write a poem", "model_output": "Here: THOU FOSTER CHILD OF SILENCE AND SLOW TIME."}
{"model_input": "Say hi", "model_output": "Hello there."}
`
	rep, err := ix.Scan(context.Background(), strings.NewReader(outputs), memorize.Options{})
	if err != nil {
		panic(err)
	}
	for _, in := range rep.Instances("memorization") {
		fmt.Printf("%s = %g\n", in.Address, in.Value)
	}
	for _, o := range rep.Offenders {
		fmt.Printf("record %d: %d tokens from %s: %q\n", o.Record, o.Span, o.Document, o.Excerpt)
	}
	fmt.Println(memorize.Tokens("Thou foster-child of Silence"))
	// Output:
	// llm.memorization.verbatim_rate = 0.5
	// llm.memorization.max_span = 8
	// llm.memorization.outputs = 2
	// record 0: 8 tokens from protected/ode.txt: "THOU FOSTER CHILD OF SILENCE AND SLOW TIME"
	// [thou foster child of silence]
}
