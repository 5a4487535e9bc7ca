// Package assert checks MQTT behaviour in the records of an mqtttest
// Recorder: retained messages, wildcard matching, wills, QoS guarantees,
// sessions and delivery.
//
//	b := mqtttest.NewBroker(t)
//	// ... clients connect, subscribe and publish ...
//	assert.Received(t, b.Recorder(), "sub-1", "home/+/temp", assert.Payload("21.5"), time.Second)
//	assert.ExactlyOnce(t, b.Recorder(), "sub-1", "orders/42", assert.AnyPayload, time.Second)
//
// Every assertion takes a TestingT (a *testing.T will do), returns whether it
// held, and on failure reports labelled lines (what was wanted, what was
// seen) followed by the part of the transcript that matters, so a CI log
// alone explains the failure. Package require has the same assertions,
// stopping the test on failure.
//
// Assertions that take a timeout wait on the recorder's new records and
// return as soon as they can decide; none sleeps. Over a fixed slice of
// records (Records), they decide at once.
package assert
