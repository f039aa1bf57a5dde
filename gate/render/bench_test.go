package render

import "testing"

// BenchmarkRenderMarkdown renders a summary that fits.
func BenchmarkMarkdown(b *testing.B) {
	r := sampleResult()
	for b.Loop() {
		Markdown(r)
	}
}

// BenchmarkRenderMarkdownCut renders 2,000 long failing rows, cut to the
// 65,535-character limit by a binary search over the row count.
func BenchmarkRenderMarkdownCut(b *testing.B) {
	r := manyFailures(2000)
	for b.Loop() {
		Markdown(r)
	}
}
