// Package scenarios is a conformance suite for MQTT client libraries: a
// client library writes one small adapter, and Run checks its sessions, QoS
// guarantees, wills, retained handling and reconnections under the faults
// that break clients in production, for MQTT 3.1.1 and 5.
//
//	func TestScenarios(t *testing.T) {
//		scenarios.Run(t, myadapter.Adapter, scenarios.Over(scenarios.Memory, scenarios.TCP))
//	}
//
// Each scenario is a subtest ("QoS2/InCutAfterPUBLISH/v5") with a broker of
// its own (mqtttest), and cites the statement of the specification it
// checks. It checks the wire, through the broker's recording, and what the
// application was handed, through Config.Deliver: a message handed over twice
// is invisible on the wire. Over the Memory transport, with a client that
// declares VirtualTime, a scenario runs in a testing/synctest bubble, so MQTT's
// timers take no wall time.
//
// A scenario the client cannot run is skipped with the reason. A failure
// says what was wanted, what each client object's application got, and shows
// the broker's transcript. Adapter.Known marks a client's known bugs with
// their upstream issues: the scenario still runs, its failure does not fail
// the test, and its passing is reported.
//
// Packages pahomqtt and pahogolang are the adapters for paho.mqtt.golang and
// eclipse/paho.golang; SCENARIOS.md, written by
// scenarios/internal/mkreport, is the table of scenario × client.
package scenarios
