package pahogolang_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/scenarios"
	"github.com/mqtt-testkit/testkit/scenarios/pahogolang"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestScenarios runs the suite against paho.golang, in memory (virtual
// time) and over TCP.
func TestScenarios(t *testing.T) {
	for _, a := range []scenarios.Adapter{pahogolang.Paho, pahogolang.AutoPaho} {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			scenarios.Run(t, a, scenarios.Over(scenarios.Memory, scenarios.TCP))
		})
	}
	t.Cleanup(func() {
		if n := pahogolang.Caught(); n > 0 {
			t.Logf("paho.golang's session state panicked %d time(s), caught (eclipse-paho/paho.golang#343)", n)
		}
	})
}
