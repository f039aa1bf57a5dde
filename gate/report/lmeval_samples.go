package report

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// samplesName is lm-evaluation-harness's per-sample file name:
// samples_<task>_<datetime.isoformat() with ':' as '-'>.jsonl.
var samplesName = regexp.MustCompile(`^samples_(.+)_(\d{4}-\d{2}-\d{2}T[0-9.\-]+)\.jsonl$`)

// maxSampleValues caps the per-sample values of one file (the largest
// harness tasks have some 100,000 samples), so that a hostile 64 MiB file
// of tiny lines cannot cost gigabytes of instances.
var maxSampleValues = 1_000_000

// multiLine reports whether data has a second non-empty line.
func multiLine(data []byte) bool {
	i := bytes.IndexByte(bytes.TrimSpace(data), '\n')
	return i >= 0
}

// isSamplesData reports whether data starts like a line of an
// lm-evaluation-harness samples file (the harness writes doc_id first).
func isSamplesData(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	data = bytes.TrimLeft(data, " \t\r\n")
	if !bytes.HasPrefix(data, []byte("{")) {
		return false
	}
	data = bytes.TrimLeft(data[1:], " \t\r\n")
	return bytes.HasPrefix(data, []byte(`"doc_id"`))
}

// ReadLMEvalSamples reads an lm-evaluation-harness samples_<task>_*.jsonl
// file when src forces that format or data looks like one; ok is false
// otherwise (Read then goes on). Each line gives one item per metric it
// lists: an instance at gate.ItemsPrefix + llm.<task>.<metric>, labelled
// task, filter, doc_id and prompt_hash, that paired comparisons match with
// the baseline's. The task comes from the file name (the lines do not name
// it). The sample count is never the line count: the results file's
// n-samples is n.
func ReadLMEvalSamples(src gate.Source, data []byte) (p *Parsed, err error, ok bool) {
	base := path.Base(strings.ReplaceAll(src.URI, "\\", "/"))
	m := samplesName.FindStringSubmatch(base)
	switch {
	case src.Format == FormatLMEvalSamples:
	case src.Format != "" || !isSamplesData(data):
		return nil, nil, false
	case m == nil && !multiLine(data):
		// One object that starts with doc_id, in a file not named like a
		// samples file: any JSON, read as such.
		return nil, nil, false
	}
	fail := func(where, format string, args ...any) (*Parsed, error, bool) {
		return nil, &Error{Report: src.Slot, URI: src.URI, Path: where, Msg: fmt.Sprintf(format, args...)}, true
	}
	if m == nil {
		return fail("", "lm-evaluation-harness samples: cannot tell the task, which only the file name gives: %q is not samples_<task>_<timestamp>.jsonl", base)
	}
	task := m[1]
	r := &reader{slot: src.Slot}
	seen := map[string]int{}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		doc, err := parseJSON(line)
		if err != nil {
			return fail(fmt.Sprintf("line %d", lineNo), "not valid JSON: %v", err)
		}
		if err := r.lmevalSample(doc, task, lineNo, seen); err != nil {
			return fail(fmt.Sprintf("line %d", lineNo), "%v", err)
		}
		if len(r.out) > maxSampleValues {
			return fail(fmt.Sprintf("line %d", lineNo), "more than %d per-sample values; split the evaluation or attach fewer samples", maxSampleValues)
		}
	}
	if len(r.out) == 0 {
		return fail("", "lm-evaluation-harness samples file has no samples")
	}
	return &Parsed{Format: FormatLMEvalSamples, Instances: r.out}, nil, true
}

// sampleKeys are the keys of a sample line that are not metrics.
var sampleKeys = map[string]bool{"doc_id": true, "doc": true, "target": true, "arguments": true, "resps": true,
	"filtered_resps": true, "filter": true, "metrics": true, "doc_hash": true, "prompt_hash": true, "target_hash": true}

func (r *reader) lmevalSample(doc *node, task string, lineNo int, seen map[string]int) error {
	if doc.kind != kObject {
		return fmt.Errorf("want a sample object, found %s", doc.kind)
	}
	idn := doc.get("doc_id")
	if idn == nil || (idn.kind != kNumber && idn.kind != kString) {
		return fmt.Errorf("sample has no doc_id (found keys %s)", keysOf(doc))
	}
	id := idn.str
	filter, _ := doc.getString("filter")
	ms := doc.get("metrics")
	if ms == nil {
		// Harness versions before the metrics list: every other key with
		// a number or boolean is a metric.
		ms = &node{kind: kArray, kids: &kids{}}
		for i, k := range doc.keys() {
			if v := doc.vals()[i]; !sampleKeys[k] && (v.kind == kNumber || v.kind == kBool || v.kind == kBare) {
				ms.kids.vals = append(ms.kids.vals, &node{kind: kString, str: k})
			}
		}
		if len(ms.vals()) == 0 {
			return fmt.Errorf("sample %s has no metrics list and no metric values (found keys %s)", id, keysOf(doc))
		}
	}
	if ms.kind != kArray {
		return fmt.Errorf("sample %s: metrics is %s, not a list of metric names", id, ms.kind)
	}
	hash, _ := doc.getString("prompt_hash")
	kv := []string{"task", task, "doc_id", id}
	if filter != "" {
		kv = append(kv, "filter", filter)
	}
	if hash != "" {
		kv = append(kv, "prompt_hash", hash)
	}
	ls := labels(kv...)
	for _, mn := range ms.vals() {
		if mn.kind != kString || mn.str == "" {
			return fmt.Errorf("sample %s: metrics lists %s, not a metric name", id, mn.kind)
		}
		key := mn.str + "\x00" + filter + "\x00" + id
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("doc_id %s has %s for filter %q twice (lines %d and %d)", id, mn.str, filter, prev, lineNo)
		}
		seen[key] = lineNo
		vn := doc.get(mn.str)
		var v float64
		note := ""
		switch {
		case vn != nil && vn.kind == kBool:
			if vn.b {
				v = 1
			}
		default:
			var scalar bool
			v, note, scalar = metricValue(vn)
			if !scalar {
				note = fmt.Sprintf("per-sample %s is %s (an input of a corpus-level metric), not a score", mn.str, vn.kind)
			}
		}
		r.add(gate.Instance{
			Address: gate.ItemsPrefix + rules.FormatAddress(rules.FamilyLLM, task, mn.str),
			Labels:  ls,
			Value:   v,
			StdDev:  nan(),
			Source:  r.slot + ": line " + strconv.Itoa(lineNo) + " " + mn.str,
			Note:    note,
		})
	}
	return nil
}
