// Reference runner for tests/goruntime/test_template.py: Go's own text/template and
// html/template over a batch of cases (JSON on stdin, JSON on stdout). Standard library only.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	htmltemplate "html/template"
	"os"
	"reflect"
	"sort"
	"text/template"
)

type testCase struct {
	Text string         `json:"text"`
	HTML bool           `json:"html"`
	Data map[string]any `json:"data"`
	// MissingKey is the Option("missingkey=...") value; Funcs adds callerFuncs (text only).
	MissingKey string `json:"missingkey"`
	Funcs      bool   `json:"funcs"`
}

// callerFuncs are what the Python tests give `funcs`: a plain function and one that errs.
var callerFuncs = template.FuncMap{
	"join": func(a, b string) string { return a + "-" + b },
	"fail": func(s string) (string, error) { return "", errors.New("failed on " + s) },
}

type result struct {
	Parse  string `json:"parse"`
	Exec   string `json:"exec"`
	Output string `json:"output"`
}

// data builds the Go value the Python data model stands for: a struct whose fields are the
// top-level keys (string, int or bool), objects and nulls being map[string]string.
func data(in map[string]any) any {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mapType := reflect.TypeOf(map[string]string(nil))
	fields := make([]reflect.StructField, len(keys))
	for i, k := range keys {
		var typ reflect.Type
		switch in[k].(type) {
		case string:
			typ = reflect.TypeOf("")
		case float64:
			typ = reflect.TypeOf(0)
		case bool:
			typ = reflect.TypeOf(false)
		default:
			typ = mapType
		}
		fields[i] = reflect.StructField{Name: k, Type: typ}
	}
	v := reflect.New(reflect.StructOf(fields)).Elem()
	for i, k := range keys {
		switch x := in[k].(type) {
		case string:
			v.Field(i).SetString(x)
		case float64:
			v.Field(i).SetInt(int64(x))
		case bool:
			v.Field(i).SetBool(x)
		case map[string]any:
			m := map[string]string{}
			for mk, mv := range x {
				m[mk] = mv.(string)
			}
			v.Field(i).Set(reflect.ValueOf(m))
		}
	}
	return v.Interface()
}

func run(c testCase) (r result) {
	var out bytes.Buffer
	if c.HTML {
		t, err := htmltemplate.New("t").Parse(c.Text)
		if err != nil {
			return result{Parse: err.Error()}
		}
		if err := t.Execute(&out, data(c.Data)); err != nil {
			return result{Exec: err.Error()}
		}
		return result{Output: out.String()}
	}
	t := template.New("t")
	if c.Funcs {
		t = t.Funcs(callerFuncs)
	}
	if c.MissingKey != "" {
		t = t.Option("missingkey=" + c.MissingKey)
	}
	t, err := t.Parse(c.Text)
	if err != nil {
		return result{Parse: err.Error()}
	}
	if err := t.Execute(&out, data(c.Data)); err != nil {
		return result{Exec: err.Error()}
	}
	return result{Output: out.String()}
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = run(c)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		panic(err)
	}
}
