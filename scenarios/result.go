package scenarios

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
)

// ResultsEnv names the environment variable that, when set to a file's
// path, makes Run append a JSON line to that file for each scenario it
// runs: the input of the command that writes SCENARIOS.md.
const ResultsEnv = "SCENARIOS_RESULTS"

// Outcomes of a scenario run, as written to ResultsEnv's file.
const (
	Passed         = "pass"
	Failed         = "fail"
	Skipped        = "skip"
	ExpectedFail   = "expected failure"
	UnexpectedPass = "passed, though a known failure"
)

// Result is one scenario run, as written to ResultsEnv's file.
type Result struct {
	Adapter   string `json:"adapter"`
	Scenario  string `json:"scenario"`
	Spec      string `json:"spec"`
	Version   string `json:"version"`
	Transport string `json:"transport"`
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason,omitempty"` // why it failed or was skipped
	Link      string `json:"link,omitempty"`   // the upstream issue of a known failure
}

type result = Result

// skip skips the subtest with reason.
func (r *result) skip(t *testing.T, reason string) {
	t.Helper()
	r.Outcome, r.Reason = Skipped, reason
	t.Skip(reason)
}

// outcome sets r from how s ended.
func (r *result) outcome(t *testing.T, s *env) {
	if r.Outcome != "" {
		return
	}
	failed, first := s.failure()
	switch {
	case s.link != "" && failed:
		r.Outcome, r.Reason, r.Link = ExpectedFail, first, s.link
	case s.link != "":
		r.Outcome, r.Link = UnexpectedPass, s.link
		t.Logf("passed, though listed as a known failure (%s): if the bug is fixed, remove it from the adapter's Known", s.link)
	case failed || t.Failed():
		r.Outcome, r.Reason = Failed, first
	default:
		r.Outcome = Passed
	}
}

var resultsMu sync.Mutex

// write appends r to ResultsEnv's file, if it is set.
func (r *result) write(t *testing.T) {
	path := os.Getenv(ResultsEnv)
	if path == "" {
		return
	}
	if r.Outcome == "" { // the test ended another way: a panic, or a t.FailNow of its own
		r.Outcome = Failed
	}
	if i := strings.IndexByte(r.Reason, '\n'); i >= 0 {
		r.Reason = r.Reason[:i]
	}
	line, err := json.Marshal(r)
	if err != nil {
		t.Errorf("scenarios: writing the result: %v", err)
		return
	}
	resultsMu.Lock()
	defer resultsMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Errorf("scenarios: %s: %v", ResultsEnv, err)
		return
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Errorf("scenarios: %s: %v", ResultsEnv, err)
	}
}
