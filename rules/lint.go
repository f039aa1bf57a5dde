package rules

import (
	"fmt"
	"time"
)

// Lint reports the problems of a parsed file that depend on the time: a
// waiver that expired before now. They are not Parse errors, so that
// `modelgate check` still loads the file and fails the waived rule with a
// clear reason on the pull request; `modelgate validate` adds them.
func Lint(f *File, now time.Time) Diagnostics {
	var ds Diagnostics
	for i := range f.Rules {
		r := &f.Rules[i]
		if r.Waiver == nil || r.Waiver.Expires.IsZero() || r.Waiver.Active(now) {
			continue
		}
		p := r.Waiver.ExpiresPos
		if !p.IsValid() {
			p = r.Waiver.Pos
		}
		ds = append(ds, Diagnostic{
			File:    f.Path,
			Pos:     p,
			Message: fmt.Sprintf("waiver of rule `%s` expired on %s", r.ID, r.Waiver.Expires.Format(time.DateOnly)),
			Kind:    KindWaiver,
		})
	}
	return ds
}
