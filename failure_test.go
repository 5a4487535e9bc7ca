package testkit_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/assert/require"
)

// here returns the line it is called on.
func here() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// failing are assertions that fail, each with the line it is called on,
// for TestFailureDemo.
var failing = []struct {
	name string
	line int
	call func(t *testing.T)
}{
	{"assert.TopicMatches", here(), func(t *testing.T) { assert.TopicMatches(t, "a/+", "b/c") }},
	{"assert.Received", here(), func(t *testing.T) { assert.Received(t, assert.Records{}, "sub", "#", assert.Payload("x"), 0) }},
	{"assert.ExactlyOnce", here(), func(t *testing.T) { assert.ExactlyOnce(t, assert.Records{}, "sub", "#", assert.AnyPayload, 0) }},
	{"require.TopicMatches", here(), func(t *testing.T) { require.TopicMatches(t, "a/+", "b/c"); t.Log("not stopped") }},
	{"require.SessionPresent", here(), func(t *testing.T) { require.SessionPresent(t, assert.Records{}, "sub"); t.Log("not stopped") }},
}

// demoEnv, set, lets TestFailureDemo run.
const demoEnv = "TESTKIT_FAILURE_DEMO"

// TestFailureDemo fails on purpose, once for each of failing: it runs only
// in the process TestFailuresPointAtTheCaller starts.
func TestFailureDemo(t *testing.T) {
	if os.Getenv(demoEnv) == "" {
		t.Skip("fails on purpose: run by TestFailuresPointAtTheCaller")
	}
	for _, c := range failing {
		t.Run(c.name, c.call)
	}
}

// TestFailuresPointAtTheCaller runs failing assertions with a real
// *testing.T, in a test process of their own, and checks that Go's testing
// reports each failure at the line that called the assertion (every
// function on the way to Errorf called Helper), and that testify's Error
// Trace names that line alone (none of the assert or require package's
// own).
func TestFailuresPointAtTheCaller(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailureDemo$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), demoEnv+"=1")
	out, err := cmd.CombinedOutput()
	if _, failed := err.(*exec.ExitError); !failed {
		t.Fatalf("the failing assertions did not fail the test process (err %v):\n%s", err, out)
	}
	for _, c := range failing {
		_, section, _ := strings.Cut(string(out), "=== RUN   TestFailureDemo/"+c.name+"\n")
		if i := strings.Index(section, "=== RUN"); i >= 0 {
			section = section[:i]
		}
		_, fn, _ := strings.Cut(c.name, ".") // require's failures are assert's reports
		at := fmt.Sprintf("failure_test.go:%d: ", c.line)
		trace := fmt.Sprintf("\tError Trace:\t%s:%d\n", file, c.line)
		switch {
		case !strings.HasPrefix(strings.TrimSpace(section), at):
			t.Errorf("%s: the failure is not reported at %s:\n%s", c.name, at, section)
		case !strings.Contains(section, trace):
			t.Errorf("%s: the failure has no Error Trace of exactly %s:%d:\n%s", c.name, file, c.line, section)
		case !strings.Contains(section, "\tError:      \tassert."+fn+": "):
			t.Errorf("%s: the failure's Error: is not the assertion's report:\n%s", c.name, section)
		case !strings.Contains(section, "\tTest:       \tTestFailureDemo/"+c.name+"\n"):
			t.Errorf("%s: the failure does not name the test:\n%s", c.name, section)
		case strings.Contains(section, "not stopped"):
			t.Errorf("%s: require did not stop the test:\n%s", c.name, section)
		}
	}
	if t.Failed() {
		t.Logf("the whole output:\n%s", out)
	}
}
