// Package gate is modelgate's domain: metric instances read from a model
// package's reports, the pure Evaluate that judges a rules file against a
// candidate and its baseline, the Result that decides its own exit code, and
// the small Registry interface the registry adapters implement.
//
// Adapters live in sub-packages (gate/localreg, gate/sagemaker, gate/github);
// report formats in gate/report. Imports point one way:
// cmd -> gate/* -> gate -> rules.
package gate
