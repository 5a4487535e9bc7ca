package pahomqtt_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/scenarios"
	"github.com/mqtt-testkit/testkit/scenarios/pahomqtt"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestScenarios runs the suite against paho.mqtt.golang with each store,
// in memory (virtual time) and over TCP.
func TestScenarios(t *testing.T) {
	for _, a := range []scenarios.Adapter{pahomqtt.Memory, pahomqtt.File} {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			scenarios.Run(t, a, scenarios.Over(scenarios.Memory, scenarios.TCP))
		})
	}
}
