package scenarios_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/scenarios"
	"github.com/mqtt-testkit/testkit/scenarios/pahogolang"
	"github.com/mqtt-testkit/testkit/scenarios/pahomqtt"
)

// readResults runs run with the results file set, and returns what it
// wrote.
func readResults(t *testing.T, run func(t *testing.T)) []scenarios.Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.jsonl")
	t.Setenv(scenarios.ResultsEnv, path)
	t.Run("suite", run)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rs []scenarios.Result
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r scenarios.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		rs = append(rs, r)
	}
	return rs
}

// forgetful is paho.mqtt.golang whose application loses every second
// message: a client bug the suite must catch.
func forgetful() scenarios.Adapter {
	a := pahomqtt.Memory
	a.Name = "forgetful"
	inner := a.New
	a.New = func(cfg scenarios.Config) (scenarios.Client, error) {
		deliver, n := cfg.Deliver, 0
		cfg.Deliver = func(m scenarios.Message) {
			if n++; n%2 == 0 {
				return
			}
			deliver(m)
		}
		return inner(cfg)
	}
	return a
}

// TestSuiteCatchesALostMessage: a client that loses messages fails the
// scenarios that count them. It runs under Known, which turns the failure
// into an expected one, so that this test can see it without failing.
func TestSuiteCatchesALostMessage(t *testing.T) {
	a := forgetful()
	a.Known = map[string]string{"Session/OfflineQueueing": "https://example.com/forgetful"}
	rs := readResults(t, func(t *testing.T) {
		scenarios.SessionOfflineQueueing.Run(t, a)
	})
	v3, v5 := byVersion(t, rs)
	if v3.Outcome != scenarios.ExpectedFail || v3.Link != "https://example.com/forgetful" ||
		!strings.Contains(v3.Reason, "the application got 1 message(s)") {
		t.Errorf("result %+v, want an expected failure for the lost message", v3)
	}
	if v5.Outcome != scenarios.Skipped || !strings.Contains(v5.Reason, "does not speak MQTT v5") {
		t.Errorf("result %+v, want v5 skipped", v5)
	}
}

// byVersion returns the one v3.1.1 result and the one v5 result.
func byVersion(t *testing.T, rs []scenarios.Result) (v3, v5 scenarios.Result) {
	t.Helper()
	if len(rs) != 2 || rs[0].Version == rs[1].Version {
		t.Fatalf("results %+v, want one for each version", rs)
	}
	if rs[0].Version == "v5" {
		rs[0], rs[1] = rs[1], rs[0]
	}
	return rs[0], rs[1]
}

// TestKnownFailureThatPasses: a known failure that passes is reported as
// such, and does not fail the test.
func TestKnownFailureThatPasses(t *testing.T) {
	a := pahomqtt.Memory
	a.Known = map[string]string{"Retained/Replaced": "https://example.com/fixed"}
	rs := readResults(t, func(t *testing.T) {
		scenarios.RetainedReplaced.Run(t, a)
	})
	if v3, _ := byVersion(t, rs); v3.Outcome != scenarios.UnexpectedPass || v3.Link != "https://example.com/fixed" {
		t.Errorf("result %+v, want an unexpected pass", v3)
	}
}

// TestCapabilitySkips: a scenario that needs what the client lacks is
// skipped with the reason, over each transport.
func TestCapabilitySkips(t *testing.T) {
	rs := readResults(t, func(t *testing.T) {
		scenarios.ResumeClientRestartWithStore.Run(t, pahomqtt.Memory, scenarios.Over(scenarios.Memory, scenarios.TCP))
	})
	var n int
	for _, r := range rs {
		if r.Version == "v3.1.1" {
			n++
			if r.Outcome != scenarios.Skipped || !strings.Contains(r.Reason, "needs PersistentStore") {
				t.Errorf("result %+v, want skipped for want of PersistentStore", r)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d v3.1.1 results, want one per transport: %+v", n, rs)
	}
}

// stuck is paho.mqtt.golang whose Subscribe ignores its context and waits
// for release: a client that hangs.
type stuck struct {
	scenarios.Client
	release chan struct{}
}

func (s stuck) Subscribe(context.Context, scenarios.Subscription) error {
	<-s.release
	return errors.New("released")
}

// TestHungScenarioFails: a scenario whose client hangs, ignoring the end of
// its context, fails as hung at its deadline instead of holding the run.
func TestHungScenarioFails(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // the stuck goroutine ends before goleak looks
	a := pahomqtt.Memory
	a.Name = "stuck"
	a.Known = map[string]string{"Wildcards/SingleLevel": "https://example.com/stuck"}
	a.New = func(cfg scenarios.Config) (scenarios.Client, error) {
		c, err := pahomqtt.Memory.New(cfg)
		return stuck{c, release}, err
	}
	start := time.Now()
	rs := readResults(t, func(t *testing.T) {
		scenarios.WildcardSingleLevel.Run(t, a, scenarios.Over(scenarios.TCP), scenarios.Timeout(200*time.Millisecond))
	})
	v3, _ := byVersion(t, rs)
	if v3.Outcome != scenarios.ExpectedFail || !strings.Contains(v3.Reason, "did not finish in 200ms") {
		t.Errorf("result %+v, want a failure as hung", v3)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the hung scenario held the run for %v", d)
	}
}

// TestSuiteCatchesALostSubscriptionID: paho.golang keeps one Subscription
// Identifier of a PUBLISH; declared as if it reported all, it fails the
// scenario for overlapping subscriptions (mochi sends one copy with both).
func TestSuiteCatchesALostSubscriptionID(t *testing.T) {
	a := pahogolang.Paho
	a.Can |= scenarios.SubscriptionIDs
	a.Known = map[string]string{"Wildcards/SubscriptionIdentifiers": "https://example.com/one-id"}
	rs := readResults(t, func(t *testing.T) {
		scenarios.WildcardSubscriptionIDs.Run(t, a)
	})
	if len(rs) != 1 || rs[0].Outcome != scenarios.ExpectedFail || !strings.Contains(rs[0].Reason, "want 7 and 9") {
		t.Errorf("results %+v, want the lost identifier caught", rs)
	}
}
