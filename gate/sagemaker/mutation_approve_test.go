package sagemaker

import (
	"errors"
	"fmt"
	"testing"
)

// CustomerMetadataProperties may hold 1 to 50 entries (the API limit):
// exactly 50 is sent, 51 is refused before anything is sent.
func TestCheckMetadataEntryLimit(t *testing.T) {
	t.Parallel()
	md := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("modelgate:k%d", i)] = "v"
		}
		return m
	}
	if err := CheckMetadata(md(50)); err != nil {
		t.Errorf("CheckMetadata(50 entries) = %v; want nil", err)
	}
	for _, n := range []int{0, 51} {
		if err := CheckMetadata(md(n)); !errors.Is(err, ErrInvalidMetadata) {
			t.Errorf("CheckMetadata(%d entries) = %v; want ErrInvalidMetadata", n, err)
		}
	}
}
