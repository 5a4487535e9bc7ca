package mqtttest

import (
	"context"
	"log/slog"
	"sync"
)

// closingHandler is the slog.Handler mochi logs through. It passes records
// to the configured handler until the broker is closed, and drops them after:
// mochi's event loop and per-client writer goroutines, which mochi gives no
// way to wait for, may still log a moment after Close, and a t.Log after the
// test has ended panics.
type closingHandler struct {
	next  slog.Handler
	state *closingState // shared by the handlers WithAttrs and WithGroup derive
}

type closingState struct {
	mu     sync.RWMutex // held for reading while a record is passed on
	closed bool
}

func newClosingHandler(next slog.Handler) closingHandler {
	return closingHandler{next: next, state: new(closingState)}
}

// close makes the handler drop every record from now on. It returns once no
// record is being passed on any more.
func (h closingHandler) close() {
	h.state.mu.Lock()
	h.state.closed = true
	h.state.mu.Unlock()
}

// Enabled reports whether the configured handler wants records at level l.
func (h closingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle passes r on, unless the broker is closed.
func (h closingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.state.mu.RLock()
	defer h.state.mu.RUnlock()
	if h.state.closed {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a closingHandler over the configured handler with attrs.
func (h closingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.next = h.next.WithAttrs(attrs)
	return h
}

// WithGroup returns a closingHandler over the configured handler with a group.
func (h closingHandler) WithGroup(name string) slog.Handler {
	h.next = h.next.WithGroup(name)
	return h
}
