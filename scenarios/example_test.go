package scenarios_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/scenarios"
	"github.com/mqtt-testkit/testkit/scenarios/pahomqtt"
)

// A project runs the suite against its client from one test function. Here
// the client is paho.mqtt.golang with its file store, in memory (virtual
// time) and over TCP, the QoS 2 scenarios only.
func ExampleRun() {
	var t *testing.T // the test's: func TestScenarios(t *testing.T) { ... }
	scenarios.Run(t, pahomqtt.File,
		scenarios.Over(scenarios.Memory, scenarios.TCP),
		scenarios.Tagged("qos2"))
}

// The scenarios, with the statements they check.
func ExampleAll() {
	for _, sc := range scenarios.All() {
		if strings.HasPrefix(sc.Name, "QoS2/In") {
			fmt.Println(sc.Name, sc.Spec)
		}
	}
	fmt.Println(strings.Join(scenarios.Tags(), " "))
	// Output:
	// QoS2/InCutAfterPUBLISH [MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]
	// QoS2/InCutAfterPUBREC [MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]
	// QoS2/InCutAfterPUBREL [MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]
	// limits qos0 qos1 qos2 reconnect restart resume retained session timing wildcards will
}
