// Command mkreport runs the scenarios suite against every adapter in this
// repository and writes SCENARIOS.md, the table of scenario × client:
//
//	go run ./scenarios/internal/mkreport    # from the repository's root
//
// The table is never written by hand: each cell is what a run of the suite
// reported (scenarios.ResultsEnv).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mqtt-testkit/testkit/scenarios"
)

// adapters are the packages whose TestScenarios runs the suite.
var adapters = []string{"./scenarios/pahomqtt", "./scenarios/pahogolang"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkreport:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "mkreport")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	results := filepath.Join(dir, "results.jsonl")
	cmd := exec.Command("go", append([]string{"test", "-count=1", "-run", "^TestScenarios$"}, adapters...)...)
	cmd.Env = append(os.Environ(), scenarios.ResultsEnv+"="+results)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	testErr := cmd.Run() // a failed scenario is in the table; the run's error is reported after it is written
	rs, err := read(results)
	if err != nil {
		return err
	}
	if err := os.WriteFile("SCENARIOS.md", []byte(render(rs)), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mkreport: wrote SCENARIOS.md from %d results\n", len(rs))
	if testErr != nil {
		return fmt.Errorf("go test: %v (the failures are in the table)", testErr)
	}
	return nil
}

func read(path string) ([]scenarios.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("no results: %w", err)
	}
	defer f.Close()
	var rs []scenarios.Result
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r scenarios.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rs = append(rs, r)
	}
	return rs, sc.Err()
}

// render writes the table: a row per scenario, in the suite's order, and
// a column per adapter, with the outcome of each version and transport
// the adapter ran, merged when they agree.
func render(rs []scenarios.Result) string {
	var names []string
	for _, r := range rs {
		if !slices.Contains(names, r.Adapter) {
			names = append(names, r.Adapter)
		}
	}
	slices.Sort(names)
	cells := map[[2]string][]scenarios.Result{}
	for _, r := range rs {
		k := [2]string{r.Scenario, r.Adapter}
		cells[k] = append(cells[k], r)
	}
	var b strings.Builder
	b.WriteString("# Scenarios × clients\n\n")
	b.WriteString("Written by `go run ./scenarios/internal/mkreport` from a run of the suite; do not edit by hand. ")
	b.WriteString("Each cell is the outcome for the protocol versions the client speaks, over both transports ")
	b.WriteString("(memory, in virtual time, and TCP, in real time) unless it says which. ")
	b.WriteString("An expected failure is a known bug of the client, with its upstream issue; it does not fail CI.\n\n")
	b.WriteString("| Scenario | Checks |")
	for _, n := range names {
		b.WriteString(" " + n + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(names)) + "\n")
	for _, sc := range scenarios.All() {
		fmt.Fprintf(&b, "| `%s` | %s %s |", sc.Name, sc.Doc, sc.Spec)
		for _, n := range names {
			b.WriteString(" " + cell(cells[[2]string{sc.Name, n}]) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cell is one adapter's outcome of one scenario.
func cell(rs []scenarios.Result) string {
	var spoken []scenarios.Result // versions the client speaks
	for _, r := range rs {
		if !(r.Outcome == scenarios.Skipped && strings.HasPrefix(r.Reason, "the client does not speak")) {
			spoken = append(spoken, r)
		}
	}
	if len(spoken) == 0 {
		return "— (not in its protocol version)"
	}
	var parts []string
	seen := map[string]bool{}
	for _, r := range spoken {
		o := outcome(r)
		if seen[o] {
			continue
		}
		seen[o] = true
		parts = append(parts, o)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	parts = parts[:0]
	for _, r := range spoken {
		parts = append(parts, r.Version+"/"+r.Transport+": "+outcome(r))
	}
	return strings.Join(parts, "; ")
}

func outcome(r scenarios.Result) string {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	links := func() string {
		var ls []string
		for _, l := range strings.Fields(r.Link) {
			ls = append(ls, fmt.Sprintf("[%s](%s)", strings.TrimPrefix(l, "https://github.com/"), l))
		}
		return strings.Join(ls, ", ")
	}
	switch r.Outcome {
	case scenarios.Passed:
		return "pass"
	case scenarios.Skipped:
		return "skipped: " + esc(r.Reason)
	case scenarios.ExpectedFail:
		return "**expected failure** (" + links() + "): " + esc(r.Reason)
	case scenarios.UnexpectedPass:
		return "pass, though listed as a known bug (" + links() + ")"
	default:
		return "**FAIL**: " + esc(r.Reason)
	}
}
