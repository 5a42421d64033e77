package inventory

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// This file decodes YAML nodes strictly: every key must be a known field and
// every scalar must fit its field, and each mistake becomes a Problem with
// the file, line and column where it was written. yaml.v3's own KnownFields
// stops at the first error and gives no column; people fixing a 300-asset
// file want the whole list at once.

type fieldInfo struct {
	name  string
	typ   reflect.Type
	index []int // path to the field, through inline structs
}

var fieldCache sync.Map // reflect.Type -> map[string]fieldInfo

// yamlFields returns the YAML keys a struct type accepts (inline structs
// flattened).
func yamlFields(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				v.index = append([]int{i}, v.index...)
				m[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = fieldInfo{name: name, typ: f.Type, index: []int{i}}
	}
	fieldCache.Store(t, m)
	return m
}

var (
	secretRefType = reflect.TypeOf(SecretRef{})
	anyType       = reflect.TypeOf((*any)(nil)).Elem()
)

func posOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Column: n.Column}
}

// decodeInto decodes n into *out, strictly: every problem is added to probs
// with its position and what can be decoded is.
func decodeInto(file string, n *yaml.Node, out any, probs *[]Problem) int {
	d := &nodeDecoder{file: file, probs: probs, budget: maxNodes, start: len(*probs)}
	return d.decode(n, reflect.ValueOf(out).Elem())
}

// maxNodes bounds the nodes one definition may expand to through aliases:
// a "billion laughs" file (aliases of aliases) must fail, not eat memory.
const maxNodes = 100000

// nodeDecoder is a strict, positioned replacement for yaml.v3's Node.Decode
// over the types of this package, done in one walk: unknown keys, repeated
// keys and values of the wrong type are problems, never silently dropped.
type nodeDecoder struct {
	file   string
	probs  *[]Problem
	budget int
	start  int // len(*probs) when the decoder started
}

// maxProblems bounds the problems one definition reports (an alias
// repeating one mistake would otherwise repeat it thousands of times).
const maxProblems = 50

func (d *nodeDecoder) decode(n *yaml.Node, v reflect.Value) int {
	file, probs := d.file, d.probs
	if n == nil || len(*probs)-d.start >= maxProblems {
		return 0
	}
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			*probs = append(*probs, problem(posOf(file, n), "inventory.problem.too_big"))
		}
		return 1
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		return 0
	}
	before := len(*probs)
	add := func(p Problem) { *probs = append(*probs, p) }
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return d.decode(n, v.Elem())
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if t == secretRefType {
				add(problem(posOf(file, n), "inventory.problem.secret_inline").hint("inventory.hint.secret_ref"))
			} else {
				add(problem(posOf(file, n), "inventory.problem.want_mapping", describe(n)))
			}
			break
		}
		fields := yamlFields(t)
		// YAML merge keys (<<: *anchor) first, so the mapping's own keys win.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0) {
				src := n.Content[i+1]
				if src.Kind == yaml.AliasNode && src.Alias != nil {
					src = src.Alias
				}
				if src.Kind == yaml.SequenceNode {
					for j := len(src.Content) - 1; j >= 0; j-- {
						d.decode(src.Content[j], v)
					}
				} else {
					d.decode(src, v)
				}
			}
		}
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0) {
				continue
			}
			if line, dup := seen[k.Value]; dup {
				add(problem(posOf(file, k), "inventory.problem.dup_key", k.Value, line))
				continue
			}
			seen[k.Value] = k.Line
			fi, ok := fields[k.Value]
			if !ok {
				p := problem(posOf(file, k), "inventory.problem.unknown_key", k.Value)
				if s := closest(k.Value, fields); s != "" {
					p = p.hint("inventory.hint.did_you_mean", s)
				} else {
					p = p.hint("inventory.hint.known_keys", strings.Join(sortedKeys(fields), ", "))
				}
				add(p)
				continue
			}
			d.decode(val, v.FieldByIndex(fi.index))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			add(problem(posOf(file, n), "inventory.problem.want_mapping", describe(n)))
			break
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(t, len(n.Content)/2))
		}
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if line, dup := seen[k.Value]; dup {
				add(problem(posOf(file, k), "inventory.problem.dup_key", k.Value, line))
				continue
			}
			seen[k.Value] = k.Line
			elem := reflect.New(t.Elem()).Elem()
			if t.Elem() == anyType {
				var x any
				if err := val.Decode(&x); err != nil {
					*probs = append(*probs, yamlErrProblems(file, err)...)
					continue
				}
				if x != nil {
					elem.Set(reflect.ValueOf(x))
				}
			} else {
				d.decode(val, elem)
			}
			v.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), elem)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			add(problem(posOf(file, n), "inventory.problem.want_list", describe(n)))
			break
		}
		sl := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, sl.Index(i))
		}
		v.Set(sl)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			add(problem(posOf(file, n), "inventory.problem.want_text", describe(n)))
			break
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if n.Kind != yaml.ScalarNode {
			add(problem(posOf(file, n), "inventory.problem.want_number", describe(n)))
			break
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			add(problem(posOf(file, n), "inventory.problem.want_number", n.Value))
			break
		}
		v.SetInt(i)
	case reflect.Float64, reflect.Float32:
		if n.Kind != yaml.ScalarNode {
			add(problem(posOf(file, n), "inventory.problem.want_number", describe(n)))
			break
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			add(problem(posOf(file, n), "inventory.problem.want_number", n.Value))
			break
		}
		v.SetFloat(f)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			add(problem(posOf(file, n), "inventory.problem.want_bool", describe(n)))
			break
		}
		v.SetBool(b)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			*probs = append(*probs, yamlErrProblems(file, err)...)
		} else if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	}
	return len(*probs) - before
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe shows a node briefly for a message: its value, or its shape.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "{...}"
	case yaml.SequenceNode:
		return "[...]"
	}
	v := n.Value
	if len([]rune(v)) > 40 {
		v = string([]rune(v)[:40]) + "..."
	}
	return v
}

func sortedKeys(m map[string]fieldInfo) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// closest suggests the known key nearest to a misspelt one.
func closest(key string, fields map[string]fieldInfo) string {
	best, bestD := "", 3
	for _, k := range sortedKeys(fields) {
		if d := EditDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, in characters
// (runes): the "did you mean" of keys, flags, check types and parameters.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

var yamlLineRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

// yamlErrProblems turns a yaml.v3 error (syntax or type) into problems.
func yamlErrProblems(file string, err error) []Problem {
	var lines []string
	if te, ok := err.(*yaml.TypeError); ok {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	var out []Problem
	for _, l := range lines {
		l = strings.TrimPrefix(strings.TrimSpace(l), "yaml: ")
		pos := Pos{File: file}
		msg := l
		if m := yamlLineRE.FindStringSubmatch(l); m != nil {
			pos.Line, _ = strconv.Atoi(m[1])
			if m[2] != "" {
				pos.Column, _ = strconv.Atoi(m[2])
			}
			msg = m[3]
		}
		out = append(out, problem(pos, "inventory.problem.yaml", msg))
	}
	return out
}

// lookup finds the value node at a dotted key path in a mapping node.
func lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

// lookupKey is like lookup but returns the key node of the last element
// (for messages about the key itself).
func lookupKey(n *yaml.Node, path ...string) *yaml.Node {
	if len(path) == 0 {
		return nil
	}
	parent := lookup(n, path[:len(path)-1]...)
	if parent == nil || parent.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i].Value == path[len(path)-1] {
			return parent.Content[i]
		}
	}
	return nil
}
