package gate

// ItemsPrefix starts the address of a per-item result (one sample of an
// lm-evaluation-harness samples file): ItemsPrefix + "llm.<task>.<metric>".
// No rule addresses items directly (the prefix is not a metric address);
// paired vs_baseline comparisons match them between candidate and baseline.
const ItemsPrefix = "items:"
