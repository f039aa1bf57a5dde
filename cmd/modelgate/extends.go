package main

import "github.com/modelgate/modelgate/gate"

// policyHTTPS reads `url` bases for validate and diff: HTTPS only, the one
// retry policy within its deadline, the digest checked by the resolution.
// A test points it at a TLS test server through the same client.
var policyHTTPS gate.URLFiles = gate.HTTPSFiles{}
