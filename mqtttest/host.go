package mqtttest

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
	"github.com/mqtt-testkit/testkit/record"
)

// transcriptTail is how many records a failed test's log shows.
const transcriptTail = 40

// host is what a Broker and a Proxy share: the recorder, the fault rules,
// the numbering of connections, whether it is closed, and what a failed
// test's log shows of it.
type host struct {
	what    string // "broker" or "proxy", for messages
	rec     *Recorder
	w       *record.Writer // what the tap and the broker record with
	faults  *faultSet
	connSeq atomic.Uint64
	closed  atomic.Bool
}

// init makes h a new host whose recorder keeps at most limit records (0: all).
func (h *host) init(what string, limit int) {
	h.what, h.faults = what, new(faultSet)
	h.rec, h.w = record.NewRecorder(limit)
}

// inject installs the fault rule r, as Broker.Inject and Proxy.Inject say.
func (h *host) inject(r Rule) (*Fault, error) {
	if h.closed.Load() {
		return nil, closedError{h.what, "Inject " + r.String() + " would act on nothing (inject before Close)"}
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return newFault(r, h.faults), nil
}

// tap wraps an accepted connection (c, with raw the TCP connection under
// it) in a tap that records on this host, numbered in its sequence, and
// obeys its faults; cfg says the rest.
func (h *host) tap(c, raw net.Conn, cfg tap.Config) *tap.Conn {
	cfg.Recorder, cfg.Faults, cfg.Conn = h.w, h.faults, h.connSeq.Add(1)
	return tap.New(c, raw, cfg)
}

// ended notes that Close has recorded the last records: every wait on
// the recorder and on a fault ends.
func (h *host) ended() {
	h.w.Close(closedError{h.what, "no more records will come (wait before Close, or look at what was recorded with Find)"})
	h.faults.close()
}

// report logs, if t has failed, the end of the transcript and every fault
// rule with its seed: name says which host, e.g. "broker 127.0.0.1:1883".
func (h *host) report(t testing.TB, name string) {
	if !t.Failed() {
		return
	}
	tail := "no records (nothing was recorded)"
	if s := h.rec.Tail(transcriptTail); s != "" {
		tail = "last records:\n" + s
	}
	t.Logf("mqtttest: %s, %s", name, tail)
	if faults := h.faults.describe(); faults != "" {
		t.Logf("mqtttest: fault rules (seeds repeat a run):\n%s", faults)
	}
}
