// Package mqtttest runs an MQTT broker inside a Go test and records every
// packet that crosses its sockets.
//
//	b := mqtttest.NewBroker(t)                       // 127.0.0.1:0, closed by t.Cleanup
//	client := connectMyClient(t, b.URL())            // any MQTT client, any protocol version
//	r, err := b.Recorder().WaitFor(ctx, mqtttest.Publish("home/+/temp"))
//
// The broker is mochi-mqtt, embedded through a listener of this package that
// wraps each connection in a wire tap. The tap frames the bytes in both
// directions, decodes each frame with the protocol version of that
// connection's CONNECT (3.1, 3.1.1 or 5), and appends a Record to the
// broker's Recorder before passing the bytes on unchanged. Bytes that do not
// frame or decode are passed on too and recorded as malformed, so the broker,
// not the tap, decides what to do with them.
//
// Records are queried with matchers (Publish, Type, ClientID, Dir, ...) and
// waited for with Recorder.WaitFor, which waits on new records and never
// polls; a matcher with an invalid topic filter matches nothing, WaitFor
// returns its error at once, and Matcher.Err says why. Broker.Inject
// installs fault rules (Drop, Delay, Duplicate, CutBefore, CutAfter, Freeze)
// that act on the same decoded packets, on every connection, until removed,
// and refuses with a reason a rule that can never act; Broker.Partition,
// Broker.Restart and Broker.Disconnect act on the whole broker or one
// client. NewProxy puts the same tap, recorder and faults in front of any
// other broker.
// Recorder.Transcript renders records one
// line each, marking what a fault did, and
// Recorder.WriteJSONL writes JSON Lines. When a test that used NewBroker
// fails, the end of the transcript is logged at cleanup.
//
// The broker loses no message that the test did not ask it to lose. Its
// limits are MQTT's own, a publisher waits for a slow subscriber rather than
// overflow its queue, and mochi's races that lose messages are worked
// around; every message it does drop (no subscriber, a limit, an expiry, a
// session that ends) is a record of its own, EventDrop, that says why.
package mqtttest
