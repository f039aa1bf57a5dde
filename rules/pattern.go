package rules

import (
	"regexp"
	"sync"
)

// pattern is a regular expression compiled on its first use. The name
// patterns of the APIs (`{0,62}`, `{1,255}`) expand into large programs:
// compiled at package initialisation they cost every command, `modelgate
// version` included, about 26,000 allocations and 2 MB at start-up. Its
// methods are the regexp ones the package uses; TestPatternsCompile
// compiles every one, so a bad pattern still fails a test, not a user.
type pattern struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

// patterns are every pattern of the package, for TestPatternsCompile.
var patterns []*pattern

func lazyPattern(src string) *pattern {
	p := &pattern{src: src}
	patterns = append(patterns, p)
	return p
}

func (p *pattern) get() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.src) })
	return p.re
}

func (p *pattern) MatchString(s string) bool { return p.get().MatchString(s) }

func (p *pattern) FindStringSubmatch(s string) []string { return p.get().FindStringSubmatch(s) }
