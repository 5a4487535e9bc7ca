package scenarios

import (
	"strings"
	"testing"
)

// TestBadOptions: options and adapters that cannot work are refused with
// the reason, before any scenario runs.
func TestBadOptions(t *testing.T) {
	ok := Adapter{Name: "x", Can: V311, New: func(Config) (Client, error) { return nil, nil }}
	for _, tc := range []struct {
		name string
		a    Adapter
		opts []Option
		want string
	}{
		{"unknown tag", ok, []Option{Tagged("nosuch")}, `unknown tag "nosuch"; the tags are`},
		{"unknown name", ok, []Option{Named("Nosuch/")}, `no scenario's name starts with "Nosuch/"`},
		{"transport twice", ok, []Option{Over(TCP, TCP)}, "tcp given twice"},
		{"unknown transport", ok, []Option{Over("udp")}, `unknown transport "udp"`},
		{"no transport", ok, []Option{Over()}, "no transport"},
		{"bad timeout", ok, []Option{Timeout(0)}, "not a positive duration"},
		{"nil option", ok, []Option{nil}, "a nil Option"},
		{"no name", Adapter{New: ok.New, Can: V311}, nil, "has no Name"},
		{"no New", Adapter{Name: "x", Can: V311}, nil, "has no New function"},
		{"no version", Adapter{Name: "x", New: ok.New}, nil, "neither V311 nor V5"},
		{"known names nothing", Adapter{Name: "x", New: ok.New, Can: V311, Known: map[string]string{"Nosuch": "l"}}, nil, `known failure "Nosuch", which names no scenario`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildOptions(tc.opts)
			if err == nil {
				err = tc.a.check()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestSelection: Named and Tagged pick the scenarios they name, and Known
// keys match a scenario's name with or without the version.
func TestSelection(t *testing.T) {
	o, err := buildOptions([]Option{Named("QoS2/"), Tagged("resume")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range All() {
		if o.selected(&sc) {
			names = append(names, sc.Name)
		}
	}
	if len(names) != 6 || !strings.HasPrefix(names[0], "QoS2/") {
		t.Errorf("selected %q, want the six QoS2 scenarios", names)
	}
	a := Adapter{Known: map[string]string{"QoS2/InCutAfterPUBLISH/v5": "l"}}
	if _, ok := a.known("QoS2/InCutAfterPUBLISH/v5"); !ok {
		t.Error("a key with the version does not match that version")
	}
	if _, ok := a.known("QoS2/InCutAfterPUBLISH/v3.1.1"); ok {
		t.Error("a key with the version matches another version")
	}
	if _, ok := a.known("QoS2/InCutAfterPUBLISHx/v5"); ok {
		t.Error("a key matches a longer name")
	}
}

// TestEveryScenarioCitesAndDocuments: each scenario has a unique name, a
// citation, a sentence of doc, a tag and a version.
func TestEveryScenarioCitesAndDocuments(t *testing.T) {
	seen := map[string]bool{}
	all := All()
	if len(all) < 40 {
		t.Errorf("%d scenarios, want at least 40", len(all))
	}
	for _, sc := range all {
		switch {
		case seen[sc.Name]:
			t.Errorf("%s: name used twice", sc.Name)
		case strings.Count(sc.Name, "/") != 1:
			t.Errorf("%s: want Group/Name", sc.Name)
		case sc.Spec == "" || sc.Doc == "" || len(sc.Tags) == 0 || sc.body == nil:
			t.Errorf("%s: missing its citation, doc, tags or body", sc.Name)
		case !sc.Versions.Has(V311) && !sc.Versions.Has(V5):
			t.Errorf("%s: no version", sc.Name)
		}
		seen[sc.Name] = true
	}
}
