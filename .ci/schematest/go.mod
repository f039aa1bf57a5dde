// Module schematest validates modelgate's in-toto attestations with the
// in-toto attestation framework's Go bindings. It is its own module so that
// protobuf stays out of the product module's graph; .ci/run runs its tests.
module github.com/modelgate/modelgate/ci/schematest

go 1.26.8

require (
	github.com/in-toto/attestation v1.2.0
	github.com/modelgate/modelgate v0.0.0
	google.golang.org/protobuf v1.36.11
)

require (
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/modelgate/modelgate => ../..
