// Package rules is the modelgate rules-file language (version 1): typed
// values that keep their line and column, Parse and validation that report
// every problem at once as file:line:col diagnostics, metric addresses, the
// JSON Schema, and the semantic diff of two rules files.
package rules
