package github

import (
	"github.com/modelgate/modelgate/gate/gatetest"

	"github.com/modelgate/modelgate/gate"
)

const testSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

// sampleResult is gatetest.SampleResult.
func sampleResult() *gate.Result { return gatetest.SampleResult() }
