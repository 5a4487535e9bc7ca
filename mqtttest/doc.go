// Package mqtttest runs an MQTT broker inside a Go test and records every
// packet that crosses its sockets.
//
//	b := mqtttest.NewBroker(t)  // 127.0.0.1:0, closed by t.Cleanup
//	startMyClient(t, b.URL())   // any MQTT client, any protocol version
//	r, err := b.Recorder().WaitFor(ctx, mqtttest.Publish("home/+/temp"))
//
// The broker is mochi-mqtt, embedded through a listener of this package that
// wraps each connection in a wire tap. The tap frames the bytes in both
// directions, decodes each frame with the protocol version of that
// connection's CONNECT (3.1, 3.1.1 or 5), appends a Record to the broker's
// Recorder, and passes the bytes on unchanged unless a fault rule acts on
// them. Bytes that do not frame or decode are passed on too and recorded as
// malformed, so the broker, not the tap, decides what to do with them. The
// tap is a package of its own, mqtttest/internal/tap, one file a step of the
// data path (read, write, frame, record, pass, one file per fault action);
// this package holds the broker's side: the listener, the mochi hook, the
// fault rules, and the workarounds of mochi's races that lose messages.
//
// The records, the Recorder, the matchers and the decoder are package
// record's, which reads recordings without the broker (package assert and
// package fake use it); mqtttest gives each of them under the same name, so a
// test needs this one import. Records are queried with matchers (Publish,
// Topic, Type, ClientID, Dir, ...; All combines them) and waited for with
// Recorder.WaitFor, which waits on new records and never polls; a matcher
// with an invalid topic filter matches nothing, WaitFor returns its error at
// once, and Matcher.Err says why. After Close, waits return at once with
// ErrClosed.
//
// Broker.Inject installs fault rules that act on the same decoded packets,
// on every connection, until removed: Drop, Delay (with Jitter), Duplicate,
// CutBefore, CutAfter, Freeze, Corrupt, Throttle and WithholdConnack,
// narrowed by matchers, Times, Nth and Probability. A rule that can never
// act is refused with the reason; Fault.Wait returns once a rule has acted.
// Broker.Partition and Heal, Broker.Restart (keeping or losing sessions) and
// Broker.Disconnect act on the whole broker or one client. NewProxy puts the
// same tap, recorder and faults in front of any other broker.
//
// Broker.Dial connects a client in memory, through the same tap: no
// socket, no port (WithoutTCP starts a broker with none), and inside a
// testing/synctest bubble MQTT's timers (keepalive, will delay, session
// expiry) run on the bubble's clock, so a test of them takes milliseconds
// and the recording's times are exact. Package memdial plugs the client
// libraries in.
//
// Broker.Settle waits until the broker has finished with everything it has
// read (handled, routed, written): the barrier in front of a check that
// something did not happen. Broker.WaitOffline waits until it has handled a
// client's connection loss, will included; Broker.Clients shows each
// client's session, with its messages in flight and queued.
//
// Recorder.Transcript renders records one line each, marking what a fault
// did, and Recorder.WriteJSONL writes JSON Lines. When a test that used
// NewBroker fails, the end of the transcript is logged at cleanup.
//
// The broker loses no message that the test did not ask it to lose. Its
// limits are MQTT's own, a publisher waits for a slow subscriber rather than
// overflow its queue, and mochi's races that lose messages are worked
// around; every message it does drop (no subscriber, a limit, an expiry, a
// session that ends) is a record of its own, EventDrop, that says why.
package mqtttest
