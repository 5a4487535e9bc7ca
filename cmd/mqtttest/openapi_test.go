package main

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// openAPI is the part of docs/control-api.json this test reads.
type openAPI struct {
	Paths map[string]map[string]struct {
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

// TestControlMatchesOpenAPI: docs/control-api.json describes the control
// API that serve and proxy serve: the same operations, each answering with
// a status the description lists, and request bodies with the same fields.
func TestControlMatchesOpenAPI(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/control-api.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec openAPI
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("docs/control-api.json: %v", err)
	}
	_, broker := controlAPI(t)
	p := startServe(t, "proxy", "--upstream", "127.0.0.1:1", "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--ready-file", "{dir}/ready.json")
	proxy := &api{t: t, url: readReady(t, p.path("ready.json")).Control}

	var described []string
	for path, ops := range spec.Paths {
		for method, op := range ops {
			pattern := strings.ToUpper(method) + " " + path
			described = append(described, pattern)
			for _, a := range []*api{broker, proxy} {
				status, out := a.do(strings.ToUpper(method), strings.ReplaceAll(path, "{id}", "x"), nil)
				if _, ok := op.Responses[strconv.Itoa(status)]; !ok || strings.Contains(string(out), "in the control API") {
					t.Errorf("%s answered %d (%s), which the description does not list", pattern, status, out)
				}
			}
		}
	}
	var served []string
	for _, rt := range (&control{}).routes() {
		served = append(served, rt.pattern)
	}
	sort.Strings(described)
	sort.Strings(served)
	if !slices.Equal(described, served) {
		t.Errorf("the description has the operations\n%v\nthe server serves\n%v", described, served)
	}

	fields := func(v any) []string {
		var out []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			out = append(out, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
		}
		sort.Strings(out)
		return out
	}
	keys := func(m map[string]struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	for _, c := range []struct {
		schema string
		body   any
	}{{"Publish", publishRequest{}}, {"FaultRequest", faultRequest{}}} {
		if got, want := keys(spec.Components.Schemas[c.schema].Properties), fields(c.body); !slices.Equal(got, want) {
			t.Errorf("schema %s has the fields %v, the server reads %v", c.schema, got, want)
		}
	}
	var match []string
	for k := range spec.Components.Schemas["FaultRequest"].Properties["match"].Properties {
		match = append(match, k)
	}
	sort.Strings(match)
	if want := fields(faultRequest{}.Match); !slices.Equal(match, want) {
		t.Errorf("schema FaultRequest.match has the fields %v, the server reads %v", match, want)
	}
}
