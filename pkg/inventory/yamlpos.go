package inventory

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 reports a syntax error at the line where the enclosing block or
// flow collection starts (its "context mark"), not where the parser
// stopped: a bad indent on line 5 of an assets list reads "line 1", a
// missing ']' on line 4 "line 3", and there is never a column. The parser's
// own position (the "problem mark") is not exported, so SyntaxErrorPos
// finds it from the outside: the error appears first when the text is cut
// after the line that holds it, and within that line after the character
// that causes it.

// SyntaxErrorPos returns the line and column (1-based, in characters) at
// which the YAML parser fails on data with err; col is 0 when the column
// cannot be told (the text is cut off inside a flow collection or a quoted
// string, where any shorter text fails the same way), and line is 0 when
// err is not a syntax error of data. Only the first document is read, as
// the loaders do.
func SyntaxErrorPos(data []byte, err error) (line, col int) {
	var te *yaml.TypeError
	if err == nil || errors.As(err, &te) {
		return 0, 0
	}
	want := syntaxMsg(err)
	fails := func(text []byte) bool {
		e := decodeFirst(text)
		return e != nil && syntaxMsg(e) == want
	}
	if !fails(data) {
		return 0, 0
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	// The reported line is the context mark: the problem is at or after it.
	lo := 1
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		lo = max(1, atoi(m[1])-1)
	}
	prefix := func(k int) []byte { return bytes.Join(lines[:k], nil) }
	k := lo + sort.Search(len(lines)-lo+1, func(i int) bool { return fails(prefix(lo + i)) })
	if k > len(lines) {
		return 0, 0
	}
	head := prefix(k - 1)
	text := []rune(strings.TrimRight(string(lines[k-1]), "\r\n"))
	cut := func(c int) []byte { return append(bytes.Clone(head), string(text[:c])...) }
	c := 1 + sort.Search(len(text), func(i int) bool { return fails(cut(i + 1)) })
	if c > len(text) || decodeFirst(cut(c-1)) != nil {
		return k, 0
	}
	return k, c
}

func decodeFirst(data []byte) error {
	var n yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&n)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// syntaxMsg is a yaml.v3 error without its "yaml: line N: " prefix.
func syntaxMsg(err error) string {
	s := strings.TrimPrefix(strings.TrimSpace(err.Error()), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(s); m != nil {
		return m[3]
	}
	return s
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// yamlSyntaxProblems is yamlErrProblems for an error decoding data: a
// syntax error is placed where the parser stopped (SyntaxErrorPos).
func yamlSyntaxProblems(file string, data []byte, err error) []Problem {
	ps := yamlErrProblems(file, err)
	if len(ps) != 1 {
		return ps
	}
	if line, col := SyntaxErrorPos(data, err); line > 0 {
		ps[0] = problem(Pos{File: file, Line: line, Column: col}, "inventory.problem.yaml", syntaxMsg(err))
	}
	return ps
}
