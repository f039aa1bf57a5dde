package strictjson

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, wantErr string
		dup               bool
	}{
		{"plain", `{"a":1,"b":[1,{"c":2}]}`, "", false},
		{"same key in sibling objects", `[{"a":1},{"a":2}]`, "", false},
		{"top-level duplicate", `{"ModelApprovalStatus":"Rejected","ModelApprovalStatus":"Approved"}`, `duplicate key "ModelApprovalStatus" at $.ModelApprovalStatus`, true},
		{"nested duplicate", `{"ModelMetrics":{"ModelQuality":{},"ModelQuality":{}}}`, `at $.ModelMetrics.ModelQuality`, true},
		{"duplicate in array element", `{"x":[{"k":1},{"k":1,"k":2}]}`, `at $.x[1].k`, true},
		{"odd key quoted in path", `{"a b":{"c":1,"c":2}}`, `at $["a b"].c`, true},
		{"case-folded duplicate", `{"ModelApprovalStatus":"Rejected","modelApprovalStatus":"Approved"}`, `differs from "ModelApprovalStatus" only in letter case`, true},
		{"trailing data", `{"a":1} {"a":2}`, "data after the top-level value", false},
		{"truncated", `{"a":`, "invalid JSON", false},
		{"empty", ``, "unexpected end of input", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := Check([]byte(c.in))
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v; want nil", c.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Check(%s) = %v; want error containing %q", c.in, err, c.wantErr)
			}
			if got := errors.Is(err, ErrDuplicateKey); got != c.dup {
				t.Fatalf("errors.Is(%v, ErrDuplicateKey) = %v; want %v", err, got, c.dup)
			}
		})
	}
}

func TestUnmarshalRefusesDuplicateBeforeDecoding(t *testing.T) {
	t.Parallel()
	var v struct{ Status string }
	err := Unmarshal([]byte(`{"Status":"Rejected","Status":"Approved"}`), &v)
	if !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("Unmarshal = %v; want ErrDuplicateKey", err)
	}
	if v.Status != "" {
		t.Fatalf("Unmarshal wrote %q into the value before refusing", v.Status)
	}
	if err := Unmarshal([]byte(`{"Status":"Approved"}`), &v); err != nil || v.Status != "Approved" {
		t.Fatalf("Unmarshal(valid) = %v, %q; want nil, Approved", err, v.Status)
	}
}

func TestReadAllCap(t *testing.T) {
	t.Parallel()
	var v map[string]int
	if err := ReadAll(strings.NewReader(`{"a":1}`), 7, &v); err != nil || v["a"] != 1 {
		t.Fatalf("ReadAll at the cap = %v, %v; want nil, a=1", err, v)
	}
	if err := ReadAll(strings.NewReader(`{"a":12}`), 7, &v); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadAll one byte over the cap = %v; want ErrTooLarge", err)
	}
}

func TestCheckDepth(t *testing.T) {
	t.Parallel()
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if err := Check([]byte(ok)); err != nil {
		t.Fatalf("Check(%d levels) = %v; want nil", MaxDepth, err)
	}
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if err := Check([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("Check(%d levels) = %v; want a nesting error", MaxDepth+1, err)
	}
	// A megabyte of open brackets is refused at the cap, not walked level
	// by level with ever longer paths (that took minutes).
	huge := []byte(strings.Repeat(`{"a":`, 1<<18))
	if err := Check(huge); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("Check(1 MiB of nesting) = %v; want a nesting error", err)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,2,{"c":null}]}}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check(data)
		if err == nil {
			// Whatever Check accepts, encoding/json must accept too.
			var v any
			if uerr := Unmarshal(data, &v); uerr != nil {
				t.Fatalf("Check accepted %q but Unmarshal failed: %v", data, uerr)
			}
		}
	})
}
