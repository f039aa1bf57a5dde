package gate

import (
	"errors"

	"github.com/modelgate/modelgate/rules"
)

// InputError marks an error as the caller's to fix: bad flags, inputs, a
// rules file that cannot be read, a path outside the workspace. Its exit
// code is ExitUsage.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ExitCodeOf maps an error of a run to its exit code: an *InputError,
// rules.Diagnostics or a bad package description or selector
// (IsInputError) is ExitUsage (2), anything else (registry, network,
// GitHub after the retries) ExitRuntime (3); nil is ExitPass.
func ExitCodeOf(err error) int {
	if err == nil {
		return ExitPass
	}
	var ie *InputError
	var ds rules.Diagnostics
	if errors.As(err, &ie) || errors.As(err, &ds) || IsInputError(err) {
		return ExitUsage
	}
	return ExitRuntime
}
