package mqtttest

// What the hook notes on a connection, for later: why its session ends, and
// what to do once its CONNACK is encoded or written or the broker is done
// with it.

// setSessionEnd notes why the client's session ends with the connection.
func (t *tapConn) setSessionEnd(reason string) {
	t.mu.Lock()
	t.ending = reason
	t.mu.Unlock()
}

// sessionEndReason returns what setSessionEnd noted.
func (t *tapConn) sessionEndReason() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ending
}

// onConnack makes fn run once, when the broker writes the CONNACK or, if it
// never does, when it is done with the connection.
func (t *tapConn) onConnack(fn func()) {
	t.mu.Lock()
	t.atConnack = fn
	t.mu.Unlock()
}

// connackWritten runs what onConnack asked for.
func (t *tapConn) connackWritten() {
	t.mu.Lock()
	fn := t.atConnack
	t.atConnack = nil
	t.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// onConnackEncoded makes fn run once, when mochi encodes the CONNACK (it
// has registered the client by then) or, if it never does, when it is done
// with the connection.
func (t *tapConn) onConnackEncoded(fn func()) {
	t.mu.Lock()
	t.atEncode = fn
	t.mu.Unlock()
}

// connackEncoded runs what onConnackEncoded asked for.
func (t *tapConn) connackEncoded() {
	t.mu.Lock()
	fn := t.atEncode
	t.atEncode = nil
	t.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// onFinish makes fn run when the broker is done with the connection.
func (t *tapConn) onFinish(fn func()) {
	t.mu.Lock()
	t.atFinish = append(t.atFinish, fn)
	t.mu.Unlock()
}
