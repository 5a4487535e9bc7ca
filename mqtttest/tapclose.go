package mqtttest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
)

// How a tapped connection ends: who closed it first and why, settled once,
// and the close record written when the broker is done with it.

// Close is the broker closing the connection. The close record is written
// when the broker's handling of the connection ends (finish), as only then
// is the reason known.
func (t *tapConn) Close() error {
	t.mu.Lock()
	if t.closedBy == "" {
		t.closedBy = ClosedByBroker
	}
	t.mu.Unlock()
	t.markDead() // wakes fault delays, so the held bytes need not wait for them
	if t.hold.Load() {
		t.releaseForClose()
	}
	return t.Conn.Close()
}

// cut closes the connection at once, without a DISCONNECT, as the test asked.
// What the broker writes to it from now on is recorded as not passed on
// (writeAfterCut).
func (t *tapConn) cut(by ClosedBy, reason string) {
	t.severed.Store(true)
	t.settle(by, reason, true)
	t.markDead()
	t.raw.Close()
}

// readEnded notes that reading from the client failed with err.
func (t *tapConn) readEnded(err error) {
	by, reason := ClosedByClient, readErrorText(err)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		by = ClosedByBroker
		t.mu.Lock()
		reason = "keepalive expired: no packet within 1.5 × keepalive"
		if t.version == 0 {
			reason = "no CONNECT before the connect timeout"
		}
		t.mu.Unlock()
	}
	if by == ClosedByClient && t.listener == "tls" && !t.rseen && !errors.Is(err, io.EOF) {
		by, reason = ClosedByBroker, "TLS handshake failed: "+err.Error()
	}
	t.settle(by, reason, true)
}

// finish writes the close record, if nobody has yet, once the broker is done
// with the connection; err is what the broker's handling returned.
func (t *tapConn) finish(err error) {
	t.mu.Lock()
	reason := "closed by the broker"
	switch {
	case t.lastIn == TypeDisconnect:
		reason = "client sent DISCONNECT"
		if t.closedBy == ClosedByBroker && !t.emitted { // the broker closed because the client asked
			t.closedBy, t.reason = ClosedByClient, reason
		}
	case t.cause != nil && !errors.Is(t.cause, net.ErrClosed):
		reason = t.cause.Error()
	case err != nil && !errors.Is(err, net.ErrClosed):
		reason = err.Error()
	}
	t.mu.Unlock()
	t.settle(ClosedByBroker, reason, false)
	t.markDead()
	t.raw.Close()
	t.mu.Lock()
	fns := t.atFinish
	t.atFinish = nil
	t.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
	close(t.done)
}

// stopped notes why the broker stopped the client, for the close record.
func (t *tapConn) stopped(cause error) {
	t.mu.Lock()
	t.cause = cause
	t.mu.Unlock()
}

// settle records who closed the connection and why, once. When first is
// true, only the first closer counts; otherwise whoever closed first keeps
// the credit and reason fills in a missing reason.
func (t *tapConn) settle(by ClosedBy, reason string, first bool) {
	t.mu.Lock()
	if t.emitted || first && t.closedBy != "" {
		t.mu.Unlock()
		return
	}
	if t.closedBy == "" {
		t.closedBy = by
	}
	if t.reason == "" {
		t.reason = reason
	}
	t.emitted = true
	r := Record{Event: EventClose, Conn: t.conn, Listener: t.listener, ClientID: t.clientID, Version: t.version, ClosedBy: t.closedBy, Reason: t.reason}
	t.mu.Unlock()
	t.rec.Add(r)
}

// state describes the connection for a report on a broker that will not close.
func (t *tapConn) state() string {
	who := t.name()
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.version == 0:
		return who + ": waiting for CONNECT"
	case t.closedBy != "":
		return fmt.Sprintf("%s: closed by %s, broker still handling it (last packet from client: %v)", who, t.closedBy, t.lastIn)
	}
	return fmt.Sprintf("%s: connected, v%d (last packet from client: %v)", who, t.version, t.lastIn)
}

func readErrorText(err error) string {
	if errors.Is(err, io.EOF) {
		return "connection closed (EOF)"
	}
	return err.Error()
}

// expectClose says who is about to close the connection and why, for the
// close record written when the broker is done with it.
func (t *tapConn) expectClose(by ClosedBy, reason string) {
	t.mu.Lock()
	if t.closedBy == "" {
		t.closedBy, t.reason = by, reason
	}
	t.mu.Unlock()
}
