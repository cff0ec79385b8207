package main

// Two facts of the Go libraries for the port's own tables and readers:
//
// `oracle podspec-fields`: how encoding/json writes the fields a corev1.PodSpec reaches, by JSON
// name, for the Go round trip of generator/merge.py, which describes most of a PodSpec only as
// "open" data and applies these rules by name (tests/conformance checks its tables against
// this output).
//
// `oracle yaml-to-json FILE...`: each file's documents as kubectl reads them
// (sigs.k8s.io/yaml, then the API server's JSON decoding), one JSON line per file, for
// the check of generator/load.py's reading of plain scalars.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

type fileDocs struct {
	File  string           `json:"file"`
	Docs  []map[string]any `json:"docs"`
	Error string           `json:"error,omitempty"`
}

func printYAMLAsJSON(files []string) {
	enc := json.NewEncoder(os.Stdout)
	for _, file := range files {
		out := fileDocs{File: file, Docs: []map[string]any{}}
		raw, err := os.ReadFile(file)
		if err != nil {
			out.Error = err.Error()
		}
		// kubectl's reading: each document to JSON (go-yaml v2), then JSON decoded with
		// integers kept as int64, as the API server decodes it
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for err == nil {
			var doc, text []byte
			if doc, err = reader.Read(); err != nil {
				if !errors.Is(err, io.EOF) {
					out.Error = err.Error()
				}
				break
			}
			if text, err = sigsyaml.YAMLToJSON(doc); err != nil {
				out.Error = err.Error()
				break
			}
			var obj map[string]any
			if err = utiljson.Unmarshal(text, &obj); err != nil {
				out.Error = err.Error()
				break
			}
			if len(obj) > 0 {
				out.Docs = append(out.Docs, obj)
			}
		}
		_ = enc.Encode(out)
	}
}

// A JSON name's occurrences in the PodSpec's struct types: the Go kind of each and whether it
// is omitempty ("string/omitempty", "slice/always", "ptr/omitempty", ...).
func podSpecFieldKinds() map[string]map[string]bool {
	kinds := map[string]map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, options, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" && f.Anonymous {
				walk(f.Type) // an inline struct (ProbeHandler in Probe)
				continue
			}
			if name == "" || name == "-" {
				continue
			}
			written := "always"
			if strings.Contains(options, "omitempty") {
				written = "omitempty"
			}
			if kinds[name] == nil {
				kinds[name] = map[string]bool{}
			}
			kinds[name][f.Type.Kind().String()+"/"+written] = true
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(corev1.PodSpec{}))
	return kinds
}

// The names whose every occurrence is of one of `kinds`, with `written`.
func namesOnly(all map[string]map[string]bool, written string, kinds ...string) []string {
	names := []string{}
	for name, found := range all {
		only := true
		for k := range found {
			kind, how, _ := strings.Cut(k, "/")
			if how != written || !contains(kinds, kind) {
				only = false
			}
		}
		if only {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// The names of which some occurrence is a slice written even when empty.
func alwaysSlices(all map[string]map[string]bool) []string {
	names := []string{}
	for name, found := range all {
		if found["slice/always"] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func contains(items []string, item string) bool {
	for _, x := range items {
		if x == item {
			return true
		}
	}
	return false
}

func printPodSpecFields() {
	all := podSpecFieldKinds()
	out := map[string][]string{
		"lists_kept":        alwaysSlices(all),
		"maps_omitempty":    namesOnly(all, "omitempty", "map", "slice"), // never a struct
		"strings_omitempty": namesOnly(all, "omitempty", "string"),
		"ints_omitempty":    namesOnly(all, "omitempty", "int32", "int64"),
		"bools_omitempty":   namesOnly(all, "omitempty", "bool"),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	_ = enc.Encode(out)
}
