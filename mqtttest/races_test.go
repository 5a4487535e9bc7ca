package mqtttest

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho3 "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
)

// These tests reproduce, deterministically, the races by which mochi (or
// mqtttest before them) lost messages: a seam (seams.go) holds one side at
// the racy point until the other side has either gone through it or is
// shown to wait for it. Without the fix each test fails every time.

// persistent makes a paho.mqtt.golang client ask for a persistent session.
func persistent(o *paho3.ClientOptions) { o.SetCleanSession(false) }

// connecting is a paho.mqtt.golang client connecting in the background.
type connecting struct {
	*client3
	done chan struct{} // closed when the connect has succeeded or failed
	err  error         // set before done is closed
}

// connectLater connects a paho.mqtt.golang client in the background. The
// client is disconnected at cleanup.
func connectLater(t *testing.T, url, id string, tweak ...func(*paho3.ClientOptions)) *connecting {
	c := &connecting{client3: newClient3(url, id, tweak...), done: make(chan struct{})}
	go func() {
		tok := c.Connect()
		tok.WaitTimeout(waitTime)
		c.err = tok.Error()
		close(c.done)
	}()
	t.Cleanup(func() { c.Disconnect(250) })
	return c
}

// wait waits for the connect to end, and fails the test if it failed.
func (c *connecting) wait(t *testing.T) {
	t.Helper()
	select {
	case <-c.done:
		if c.err != nil {
			t.Fatal(c.err)
		}
	case <-time.After(waitTime):
		t.Fatal("the connect did not end")
	}
}

// either waits for the first of two signals, failing the test if neither comes.
func either(t *testing.T, what string, a, b <-chan struct{}) {
	t.Helper()
	select {
	case <-a:
	case <-b:
	case <-time.After(waitTime):
		t.Fatalf("waited %v for %s", waitTime, what)
	}
}

// once returns a function that closes ch the first time it is called.
func closeOnce(ch chan struct{}) func() {
	var o sync.Once
	return func() { o.Do(func() { close(ch) }) }
}

// TestPublishDuringRestartIsKept: Broker.Publish took the server to publish
// on, and Restart(true) snapshotted the sessions before the message reached
// them; the message went to the stopped server, while Publish returned nil.
// Now Publish holds the broker's lock until the message is in the sessions,
// and Restart waits for it.
func TestPublishDuringRestartIsKept(t *testing.T) {
	s := new(seams)
	restartWaits, restarted := make(chan struct{}), make(chan struct{})
	var b *Broker
	var restartErr error
	var first sync.Once
	s.restartWaits = closeOnce(restartWaits)
	s.publishing = func() {
		first.Do(func() {
			go func() { restartErr = b.Restart(true); close(restarted) }()
			select { // Restart waits for this publish, or has snapshotted the sessions without it
			case <-restartWaits:
			case <-restarted:
			}
		})
	}
	b = NewBroker(t, withSeams(s))
	sub := connect3(t, b.URL(), "sub", persistent)
	sub.subscribe(t, "r/#", 1)
	if err := b.Disconnect("sub", Abrupt); err != nil {
		t.Fatal(err)
	}

	if err := b.Publish("r/1", []byte("during the restart"), 1, false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-restarted:
		if restartErr != nil {
			t.Fatal(restartErr)
		}
	case <-time.After(waitTime):
		t.Fatal("Restart did not return")
	}
	again := connect3(t, b.URL(), "sub", persistent)
	if err := b.Publish("r/marker", []byte("after"), 1, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, again.got); m.topic != "r/1" {
		t.Errorf("after the restart sub got %+v first, want r/1, published while the broker restarted:\n%s", m, b.Recorder().Transcript())
	}
}

// TestTakeoverDuringDelivery: mochi looked a subscriber up, and before it
// added the message to the subscriber's session, the subscriber reconnected:
// inheritClientSession cloned the session without the message, and the
// message went to the old client, which nobody holds any more. Now a
// takeover waits for routing under way.
func TestTakeoverDuringDelivery(t *testing.T) {
	s := new(seams)
	reached, release, routingWaits := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.delivering = func(cl *mqtt.Client) {
		if cl.ID == "sub" && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release
		}
	}
	s.routingWaits = closeOnce(routingWaits)
	b := NewBroker(t, withSeams(s))
	connect3(t, b.URL(), "sub", persistent).subscribe(t, "t/#", 2)

	armed.Store(true)
	published := make(chan error, 1)
	go func() { published <- b.Publish("t/1", []byte("while sub reconnects"), 2, false) }()
	<-reached
	again := connectLater(t, b.URL(), "sub", persistent)
	either(t, "the takeover", routingWaits, again.done) // it waits for the delivery, or is done
	close(release)
	again.wait(t)
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	if m := receive(t, again.got); m.topic != "t/1" {
		t.Errorf("the reconnected subscriber got %+v, want t/1:\n%s", m, b.Recorder().Transcript())
	}
	if ds := b.Recorder().Find(BrokerDropped()); len(ds) > 0 {
		t.Errorf("the broker dropped %s", ds[0].Line())
	}
}

// TestSessionEndDuringTakeover: a clean-session client disconnected, and
// mochi, having checked that it was not taken over, unregistered its client
// ID; a client with the same ID that connected (and was registered) in
// between was unregistered instead, and silently got nothing more. Now the
// end of a connection and a takeover of its ID are serialised.
func TestSessionEndDuringTakeover(t *testing.T) {
	s := new(seams)
	reached, release, idWaits := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.sessionEnding = func(cl *mqtt.Client) {
		if cl.ID == "x" && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release
		}
	}
	s.idWaits = closeOnce(idWaits)
	b := NewBroker(t, withSeams(s))
	old := connect3(t, b.URL(), "x") // a clean session: it ends with the connection

	armed.Store(true)
	old.Disconnect(250)
	<-reached
	again := connectLater(t, b.URL(), "x", persistent)
	either(t, "the new connection", idWaits, again.done) // it waits for the old one to end, or is registered
	close(release)
	again.wait(t)
	again.subscribe(t, "y/#", 1)
	if err := b.Publish("y/1", []byte("for the new x"), 1, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, again.got); m.topic != "y/1" {
		t.Errorf("the new x got %+v, want y/1:\n%s", m, b.Recorder().Transcript())
	}
	if cs := b.Clients(); len(cs) != 1 || cs[0].ID != "x" || !cs[0].Connected {
		t.Errorf("Clients() = %+v, want x connected", cs)
	}
}

// TestAckHeldUntilRouted: mochi wrote a PUBACK before it routed the
// message, so a test that acted on the PUBACK (here: the subscriber
// reconnects with clean start) raced the routing. Now the PUBACK reaches
// the publisher only once the message is in the subscriber's session: the
// clean start then discards it, and the drop says so.
func TestAckHeldUntilRouted(t *testing.T) {
	s := new(seams)
	reached, release, held := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var armed, armedHeld atomic.Bool
	s.ackWritten = func(cl *mqtt.Client) {
		if cl.ID == "pub" && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release
		}
	}
	s.AckHeld = func() {
		if armedHeld.CompareAndSwap(true, false) {
			close(held)
		}
	}
	b := NewBroker(t, withSeams(s))
	connect3(t, b.URL(), "sub", persistent).subscribe(t, "h/#", 1)
	if err := b.Disconnect("sub", Abrupt); err != nil {
		t.Fatal(err)
	}
	pub := connect3(t, b.URL(), "pub")

	armed.Store(true)
	armedHeld.Store(true)
	tok := pub.Publish("h/1", 1, false, "routed before its PUBACK")
	acked := make(chan struct{})
	go func() { tok.WaitTimeout(waitTime); close(acked) }()
	<-reached // the PUBACK is written; the message is not routed yet
	select {
	case <-held: // the tap holds the PUBACK until the message is routed
		close(release)
		<-acked
		connect3(t, b.URL(), "sub") // clean start: the session, and what it holds, is discarded
	case <-acked: // the publisher has its PUBACK, and acts on it
		connect3(t, b.URL(), "sub")
		close(release)
	case <-time.After(waitTime):
		t.Fatal("the PUBACK was neither held nor received")
	}
	if err := tok.Error(); err != nil {
		t.Fatal(err)
	}
	d := wait(t, b.Recorder(), BrokerDropped(), Topic("h/1"))
	if d.ClientID != "sub" || d.Dir != ToClient {
		t.Errorf("drop %s, want the message discarded with sub's session, where it was when the publisher had its PUBACK:\n%s",
			d.Line(), b.Recorder().Transcript())
	}
}

// TestResendAfterTakeover: once it has written a resumed session's CONNACK,
// mochi sends every message of the session again; a message routed to the
// client before it had listed them was both in the list and on the write
// queue, and reached the client twice: as a resend with DUP, then again
// without, as a new message. Routing does not wait for the resume (a Delay
// fault on the CONNACK would stall it); the tap leaves the copy out.
func TestResendAfterTakeover(t *testing.T) {
	s := new(seams)
	reached, release := make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.resending = func(cl *mqtt.Client) {
		if cl.ID == "sub" && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release
		}
	}
	b := NewBroker(t, withSeams(s))
	noAck := func(o *paho3.ClientOptions) { o.SetCleanSession(false).SetAutoAckDisabled(true) }
	first := connect3(t, b.URL(), "sub", noAck)
	first.subscribe(t, "rs/#", 1)
	if err := b.Publish("rs/1", []byte("in flight"), 1, false); err != nil {
		t.Fatal(err)
	}
	receive(t, first.got) // not acknowledged: the session holds it

	armed.Store(true)
	again := connectLater(t, b.URL(), "sub", noAck) // takes the session over
	<-reached
	published := make(chan struct{})
	go func() {
		if err := b.Publish("rs/2", []byte("during the takeover"), 1, false); err != nil {
			t.Error(err)
		}
		close(published)
	}()
	select {
	case <-published: // in the session and on the write queue
	case <-time.After(waitTime):
		t.Fatalf("the publish waited %v for the takeover", waitTime)
	}
	close(release)
	again.wait(t)
	again.subscribe(t, "barrier", 0) // mochi reads the SUBSCRIBE once it has sent the session again
	// The write queue is first in, first out: once a message routed now is
	// written, a copy of rs/2 on the queue would be in the recorder.
	if err := b.Publish("rs/3", []byte("after"), 1, false); err != nil {
		t.Fatal(err)
	}
	wait(t, b.Recorder(), Publish("rs/3"), ClientID("sub"), Dir(ToClient))
	if got := b.Recorder().Find(Publish("rs/2"), ClientID("sub"), Dir(ToClient)); len(got) != 1 {
		t.Errorf("rs/2 sent %d times, want once:\n%s", len(got), b.Recorder().Transcript())
	}
}

// TestDelayedConnackDoesNotStallRouting: a takeover held routing's write
// lock until the new client's CONNACK was written, so a Delay fault on that
// CONNACK stopped every message to every client for as long.
func TestDelayedConnackDoesNotStallRouting(t *testing.T) {
	b := NewBroker(t)
	slow := connect3(t, b.URL(), "slow", persistent)
	slow.subscribe(t, "s/#", 1)
	slow.Disconnect(250)
	other := connect3(t, b.URL(), "other")
	other.subscribe(t, "o/#", 1)
	subscribed := wait(t, b.Recorder(), Type(TypeSuback), ClientID("other"))
	inject(t, b, Delay(time.Hour, Type(TypeConnack), ClientID("slow")))
	connectLater(t, b.URL(), "slow", persistent) // resumes the session; its CONNACK sleeps
	wait(t, b.Recorder(), Type(TypeConnack), ClientID("slow"), After(subscribed.Seq))
	published := make(chan error, 1)
	go func() { published <- b.Publish("o/1", []byte("meanwhile"), 1, false) }()
	select {
	case err := <-published:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitTime):
		t.Fatalf("a publish to another client waited %v for the delayed CONNACK", waitTime)
	}
	if m := receive(t, other.got); m.topic != "o/1" {
		t.Errorf("other got %+v, want o/1", m)
	}
}

// TestLateWriteToTakenOverConnection: mochi's writer for a client can be
// past its check that the client is open when a takeover ends it; it then
// wrote a QoS 1 message to the old connection after the new one had it as
// a resend, and the recording showed it sent twice, the second time new.
// Now a connection being taken over gets no QoS 1 or 2 message: the new
// connection has them all.
func TestLateWriteToTakenOverConnection(t *testing.T) {
	s := new(seams)
	reached, release := make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.encoding = func(cl *mqtt.Client, typ PacketType) {
		if cl.ID == "sub" && typ == TypePublish && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release // the old connection's writer stops here, about to write
		}
	}
	failed := make(chan struct{}, 16)
	logs := slog.New(&logWatch{msg: "failed publishing packet", seen: failed})
	b := NewBroker(t, withSeams(s), WithLogger(logs))
	noAck := func(o *paho3.ClientOptions) { o.SetCleanSession(false).SetAutoAckDisabled(true) }
	connect3(t, b.URL(), "sub", noAck).subscribe(t, "late/#", 1)
	armed.Store(true)
	if err := b.Publish("late/1", []byte("x"), 1, false); err != nil {
		t.Fatal(err)
	}
	<-reached
	again := connectLater(t, b.URL(), "sub", noAck) // takes the session over, and sends late/1 again
	again.wait(t)
	wait(t, b.Recorder(), Publish("late/1"), Where("DUP", func(r Record) bool { return r.Dup }))
	close(release)
	select {
	case <-failed: // the old connection's writer is done with it
	case <-time.After(waitTime):
		t.Fatalf("the write to the old connection neither failed nor ended within %v:\n%s", waitTime, b.Recorder().Transcript())
	}
	if got := b.Recorder().Find(Publish("late/1"), Dir(ToClient)); len(got) != 1 || !got[0].Dup {
		t.Errorf("late/1 sent %d times, want once, resent to the new connection:\n%s", len(got), b.Recorder().Transcript())
	}
}

// logWatch is a slog.Handler that signals each record with message msg.
type logWatch struct {
	msg  string
	seen chan<- struct{}
}

func (w *logWatch) Enabled(context.Context, slog.Level) bool { return true }

func (w *logWatch) Handle(_ context.Context, r slog.Record) error {
	if r.Message == w.msg {
		select {
		case w.seen <- struct{}{}:
		default:
		}
	}
	return nil
}

func (w *logWatch) WithAttrs([]slog.Attr) slog.Handler { return w }

func (w *logWatch) WithGroup(string) slog.Handler { return w }

// TestExpiryDuringDelivery: mochi looked a subscriber up, and before it
// added the message to the subscriber's offline session, the session
// expired: mochi unregistered the client, and the message went into a
// session nobody holds, without a trace. Now the expiry waits for routing
// under way, and the message is recorded as dropped with the session.
func TestExpiryDuringDelivery(t *testing.T) {
	s := new(seams)
	reached, release, expiryWaits := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.delivering = func(cl *mqtt.Client) {
		if cl.ID == "fleeting" && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release
		}
	}
	s.expiryWaits = closeOnce(expiryWaits)
	b := NewBroker(t, withSeams(s))
	c := dialRaw(t, b)
	// MQTT 5: CONNECT "fleeting", clean start 0, Session Expiry Interval 1 s;
	// SUBSCRIBE exp/# at QoS 1.
	c.Write([]byte{0x10, 0x1a, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x00, 0, 0, 0x05, 0x11, 0, 0, 0, 1, 0, 8, 'f', 'l', 'e', 'e', 't', 'i', 'n', 'g'})
	c.Write([]byte{0x82, 0x0b, 0, 1, 0x00, 0, 5, 'e', 'x', 'p', '/', '#', 0x01})
	wait(t, b.Recorder(), ClientID("fleeting"), Type(TypeSuback))
	c.Close()
	wait(t, b.Recorder(), ClientID("fleeting"), Closed())
	if err := b.Publish("exp/1", []byte("queued"), 1, false); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	published := make(chan struct{})
	go func() {
		if err := b.Publish("exp/2", []byte("as it expires"), 1, false); err != nil {
			t.Error(err)
		}
		close(published)
	}()
	<-reached
	expired := make(chan struct{})
	go func() { // without the fix the expiry goes on: its record of exp/1 says it is done
		if _, err := b.Recorder().WaitFor(ctxFor(t), BrokerDropped(), Topic("exp/1")); err == nil {
			close(expired)
		}
	}()
	either(t, "the expiry", expiryWaits, expired) // it waits for the delivery, or is done
	close(release)
	<-published
	d := wait(t, b.Recorder(), BrokerDropped(), Topic("exp/2"))
	if d.ClientID != "fleeting" || !strings.Contains(d.Reason, "expired") {
		t.Errorf("drop %s: want exp/2 dropped with fleeting's expired session", d.Line())
	}
}

// TestTakeoverAfterAckRead: the broker had read a client's PUBACK, but not
// handled it yet, when the client connected again with the same ID: the
// session the new connection took still held the message, and it was sent
// again though the recording showed it acknowledged. Now a takeover waits
// until the old connection has handled what the broker read from it.
func TestTakeoverAfterAckRead(t *testing.T) {
	s := new(seams)
	reached, release, handledWaits := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.handling = func(cl *mqtt.Client, typ PacketType) {
		if cl.ID == "sub" && typ == TypePuback && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release
		}
	}
	s.handledWaits = closeOnce(handledWaits)
	b := NewBroker(t, withSeams(s))
	old := connect3(t, b.URL(), "sub", persistent)
	old.subscribe(t, "t/#", 1)

	armed.Store(true)
	if err := b.Publish("t/1", []byte("acknowledged"), 1, false); err != nil {
		t.Fatal(err)
	}
	receive(t, old.got)
	<-reached // the broker read the PUBACK and is about to handle it
	again := connectLater(t, b.URL(), "sub", persistent)
	either(t, "the takeover", handledWaits, again.done) // it waits for the PUBACK to be handled, or is done
	close(release)
	again.wait(t)
	if err := b.Settle(waitTime); err != nil {
		t.Fatal(err)
	}
	if rs := b.Recorder().Find(Publish("t/1"), Dir(ToClient), ConnNumber(2)); len(rs) > 0 {
		t.Errorf("the message acknowledged on the first connection was sent again: %s\n%s", rs[0].Line(), b.Recorder().Transcript())
	}
}
