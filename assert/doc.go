// Package assert checks MQTT behaviour in the records of an mqtttest
// Recorder: retained messages, wildcard matching, wills, QoS guarantees,
// sessions and delivery.
//
//	b := mqtttest.NewBroker(t)
//	// ... clients connect, subscribe and publish ...
//	assert.Received(t, b.Recorder(), "sub-1", "home/+/temp", assert.Payload("21.5"), time.Second)
//	assert.ExactlyOnce(t, b.Recorder(), "sub-1", "orders/42", assert.AnyPayload, time.Second)
//
// Every assertion takes a TestingT (a *testing.T will do; it is testify's
// assert.TestingT) and returns whether it held. A failure is reported
// through testify's assert.Fail, at the test's own line (each assertion
// calls t.Helper): "Error Trace:" names that line, "Error:" holds the
// report, labelled lines (what was wanted, what was seen) followed by the
// part of the transcript that matters, so a CI log alone explains the
// failure, and "Test:" the test's name. From a real run:
//
//	--- FAIL: TestBillingGetsEachOrderOnce (0.00s)
//	    billing_test.go:24:
//	        	Error Trace:	/tmp/app/billing_test.go:24
//	        	Error:      	assert.ExactlyOnce: the message on "orders/+" reached billing 2 times
//	        	            	    want: exactly once: PUBLISH to billing on "orders/+", payload "paid"
//	        	            	    seen: 2 deliveries, counted from 1 PUBLISH record(s): a QoS 2 PUBLISH again under ...
//	        	            	    flows of those packet IDs on billing:
//	        	            	        +1.264ms  conn#1  opened tcp from 127.0.0.1:46962
//	        	            	        +2.028ms  broker → billing  PUBLISH  q1 id=1  orders/42  "paid"  [fault: duplicated]
//	        	Test:       	TestBillingGetsEachOrderOnce
//
// When a client got another payload than the one Payload, PayloadBytes or
// PayloadJSON wants, the report adds testify's diff of the two. Package
// require has the same assertions, stopping the test on failure.
//
// testify leaves the frames of files in directories named assert, require
// and mock out of the trace; this package and require live in such
// directories, which keeps their own frames out of it. A test of your own in
// a directory of one of those names gets an empty "Error Trace:" (the line
// go test prints before it is still right).
//
// Assertions that take a timeout wait on the recorder's new records and
// return as soon as they can decide; none sleeps. Over a fixed slice of
// records (Records), they decide at once.
//
// The delivery counts (AtMostOnce, AtLeastOnce, ExactlyOnce) check the wire
// as a compliant receiver must read it; whether the application saw a
// message once is a check on the client's message handler (see
// ExactlyOnce).
package assert
