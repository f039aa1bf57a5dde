package memorize

import (
	"bufio"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only punctuation", " ,.;!? -- \n\t", nil},
		{"ascii case and punctuation", "Hello, World! It's 2024.", []string{"hello", "world", "it", "s", "2024"}},
		{"whitespace collapsed", "a\n\n\tb   c\r\nd", []string{"a", "b", "c", "d"}},
		{"symbols dropped", "$100 + 5% = €5 🙂 a_b", []string{"100", "5", "5", "a", "b"}},
		{"accents kept and composed", "Café cafe\u0301 CAFÉ cafe", []string{"café", "café", "café", "cafe"}},
		{"greek case and final sigma", "ΟΔΟΣ οδος Οδός", []string{"οδοσ", "οδοσ", "οδόσ"}},
		{"kelvin sign folds to k", "\u212Aelvin KELVIN", []string{"kelvin", "kelvin"}},
		{"german sharp s simple fold only", "Straße STRASSE", []string{"straße", "strasse"}},
		{"cyrillic", "Москва, МОСКВА!", []string{"москва", "москва"}},
		{"han one token per character", "我爱北京。", []string{"我", "爱", "北", "京"}},
		{"kana with combining dakuten", "か\u3099き", []string{"が", "き"}},
		{"han next to latin", "AI模型v2", []string{"ai", "模", "型", "v2"}},
		{"full width forms", "ＡＢＣ　１２３", []string{"abc", "123"}},
		{"ligature", "ﬁne", []string{"fine"}},
		{"invalid utf8 separates", "ab\xffcd", []string{"ab", "cd"}},
		{"long run cut", long, []string{long[:maxTokenBytes], long[maxTokenBytes:]}},
		{"arabic and hebrew", "السلام עליכם", []string{"السلام", "עליכם"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Tokens(tt.in)); diff != "" {
				t.Errorf("Tokens(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestSplitTokensStreaming checks that the bufio split function gives the
// same tokens whatever the read sizes, so a streamed corpus document and an
// in-memory output tokenise alike.
func TestSplitTokensStreaming(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"Hello, World! It's 2024.",
		"Café cafe\u0301 ΟΔΟΣ 我爱北京 か\u3099き ＡＢＣ ab\xffcd",
		strings.Repeat("é", 300) + " tail",
		"trailing word",
		"\u0301leading mark",
	}
	for _, in := range inputs {
		sc := bufio.NewScanner(iotest.OneByteReader(strings.NewReader(in)))
		sc.Buffer(make([]byte, 16), 4096)
		sc.Split(splitTokens)
		var got []string
		for sc.Scan() {
			got = append(got, string(normalise(nil, sc.Bytes())))
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("scan %q: %v", in, err)
		}
		if diff := cmp.Diff(Tokens(in), got); diff != "" {
			t.Errorf("streamed tokens of %q differ from Tokens (-want +got):\n%s", in, diff)
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"Hello, World!", "Café cafe\u0301", "我爱北京", "ab\xffcd", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sc := bufio.NewScanner(iotest.HalfReader(strings.NewReader(in)))
		sc.Split(splitTokens)
		var got []string
		for sc.Scan() {
			if len(sc.Bytes()) == 0 || len(sc.Bytes()) >= maxTokenBytes+4 {
				t.Fatalf("raw token %q has length %d", sc.Bytes(), len(sc.Bytes()))
			}
			got = append(got, string(normalise(nil, sc.Bytes())))
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(Tokens(in), got); diff != "" {
			t.Errorf("streamed tokens differ (-want +got):\n%s", diff)
		}
	})
}
