// Package fake is a scripted raw MQTT client for tests that need a client to
// misbehave on purpose: acknowledge late or never, die in the middle of a
// QoS 2 flow, send a second CONNECT, a PUBLISH before CONNECT, QoS 3 or
// plain garbage. Real client libraries cannot be made to do these things.
//
//	b := mqtttest.NewBroker(t)
//	c := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever())) // closed by t.Cleanup
//	c.Connect(fake.Connect{ClientID: "sub", CleanStart: true})
//	c.Subscribe(1, "a/#")
//	r := c.Expect(mqtttest.Publish("a/b"))                   // never acknowledged
//
// A Client writes exactly what it is told to and checks nothing it sends.
// What it reads is decoded by mqtttest.DecodePacket into mqtttest.Record
// values, so Expect takes the recorder's matchers (mqtttest.Type,
// mqtttest.PacketID, mqtttest.Publish, mqtttest.Where, ...) and failure
// messages use the recorder's transcript lines.
//
// One goroutine per Client reads from the socket and answers the broker as the
// ack policy says (AckAuto, AckNever, AckAfter, AckFirst); CloseWhen makes it
// drop the connection instead, at a chosen packet. Everything else happens on
// the test goroutine: methods that wait (Connect, Subscribe, Expect, ...) fail
// the test with t.Fatalf, saying what they waited for and listing what the
// client sent and received. Close, registered with t.Cleanup by Dial and New,
// ends every goroutine of the Client.
//
// StartFleet runs simulated sensors on Clients of their own, for tests of
// services that consume device data: readings on a state topic at a rate, a
// retained availability topic, a will that marks a device offline, and
// optionally a Home Assistant discovery config.
//
//	fleet := fake.StartFleet(t, b.Addr(), fake.FleetConfig{Devices: 5, Interval: 50 * time.Millisecond})
//	fleet.Kill("sensor-3") // its will: retained "offline" on devices/sensor-3/availability
package fake
