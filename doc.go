// Package testkit makes MQTT behaviour testable from go test: an MQTT broker
// that starts inside a test in one line, and a record of every packet that
// crossed its sockets, decoded, in both directions.
//
// The packages:
//
//	mqtttest/          the embedded broker (mochi-mqtt), faults, the proxy, connections in memory; its wire tap in mqtttest/internal/tap
//	mqtttest/memdial/  plugs paho.mqtt.golang and autopaho into connections in memory (Broker.Dial)
//	record/            what the tap records: Record, Recorder, matchers, transcript, JSON Lines, the decoder
//	assert/            MQTT assertions over recordings (assert/require stops the test)
//	fake/              a scripted raw client that misbehaves on purpose, and fake devices
//	cmd/mqtttest/      the same broker as a command, for CI pipelines in any language
//
// The main flow, in a test:
//
//	b := mqtttest.NewBroker(t)  // 127.0.0.1:0, closed by t.Cleanup
//	startMyDevice(t, b.URL())   // any client: paho.mqtt.golang, eclipse/paho.golang, ...
//	assert.Received(t, b.Recorder(), "dashboard", "home/+/temp", assert.Payload("21.5"), time.Second)
//
// The runnable examples in this package show each main flow: waiting for a
// packet, a will after a connection is cut, retained messages, malformed
// input recorded with its raw bytes, a fault rule, a message the broker
// dropped and why, assertions, and a fleet of fake devices.
package testkit
