package mqtttest

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// Rule describes a fault: what it does, to which packets, how often. Make
// one with Drop, Delay, Duplicate, CutBefore, CutAfter, Freeze, Corrupt,
// Throttle or WithholdConnack, narrow it
// with Times, Nth and Probability, and install it with Broker.Inject. The
// matchers are those of the Recorder (Type, Dir, ClientID, Publish,
// PacketID, Where, ...), applied to each packet as the tap decodes it.
type Rule struct {
	act      tap.Action // nil: no action (a zero Rule)
	match    []Matcher
	jitter   time.Duration
	times    int  // act at most this many times; 0: no limit
	timesSet bool // Times was called: an explicit n below 1 is an error, not "no limit"
	nth      int  // act on the nth match only; 0: every match
	nthSet   bool // Nth was called
	prob     float64
	seed     int64
}

// Drop discards the matched packets: neither side sees them.
func Drop(m ...Matcher) Rule { return Rule{act: tap.Drop{}, match: m} }

// Delay holds each matched packet back for d (plus jitter, see
// Rule.Jitter) before passing it on. Packets behind it on the same
// connection and direction wait too: a delay never reorders nor drops.
func Delay(d time.Duration, m ...Matcher) Rule { return Rule{act: tap.Delay{D: d}, match: m} }

// Duplicate passes each matched packet on twice, byte for byte.
func Duplicate(m ...Matcher) Rule { return Rule{act: tap.Duplicate{}, match: m} }

// CutBefore closes the connection abruptly instead of passing the matched
// packet on, as a crash or a lost network would: the broker publishes the
// client's will, and the client sees its connection drop.
func CutBefore(m ...Matcher) Rule { return Rule{act: tap.Cut{}, match: m} }

// CutAfter passes the matched packet on and then closes the connection
// abruptly: nothing after it gets through in either direction.
func CutAfter(m ...Matcher) Rule { return Rule{act: tap.Cut{After: true}, match: m} }

// Freeze makes the connection half-open from the matched packet on (that
// packet included): nothing passes in either direction and the socket
// stays open, so keepalive and timeouts are what end it. Removing the fault
// or Broker.Heal does not thaw it: it stays frozen until it closes.
func Freeze(m ...Matcher) Rule { return Rule{act: tap.Freeze{}, match: m} }

// Corrupt passes each matched packet on with one byte of it flipped (every
// bit inverted), at a position drawn from a source seeded with seed, to test
// how a client or the broker copes with garbage. The record keeps the
// packet as it was; Record.Fault says which byte was flipped.
func Corrupt(seed int64, m ...Matcher) Rule { return Rule{act: tap.Corrupt{}, seed: seed, match: m} }

// Throttle lets the matched packets through at no more than bytesPerSecond,
// per connection and direction: each waits for the ones before it to have
// used their share. Like Delay, it never reorders nor drops.
func Throttle(bytesPerSecond int, m ...Matcher) Rule {
	return Rule{act: tap.Throttle{Rate: bytesPerSecond}, match: m}
}

// WithholdConnack drops the CONNACK to the matched clients: the broker takes
// them as connected, but they wait for an answer that never comes.
func WithholdConnack(m ...Matcher) Rule {
	return Drop(append([]Matcher{Type(TypeConnack), Dir(ToClient)}, m...)...)
}

// Times makes the rule act at most n times (n >= 1), then stand aside. A
// rule without Times acts on every packet it matches; Inject rejects
// Times(0) and a negative n.
func (r Rule) Times(n int) Rule { r.times, r.timesSet = n, true; return r }

// Nth makes the rule act only on the nth packet it matches, counting from 1.
// A rule without Nth acts on every match; Inject rejects Nth(0) and a
// negative n.
func (r Rule) Nth(n int) Rule { r.nth, r.nthSet = n, true; return r }

// Jitter adds to each Delay a random extra in [0, j), drawn from a source
// seeded with seed, so a run can be repeated. Inject refuses it on a rule
// other than Delay, which has no delay to add it to.
func (r Rule) Jitter(j time.Duration, seed int64) Rule { r.jitter, r.seed = j, seed; return r }

// Probability makes the rule act on each matched packet with probability p
// (0 < p <= 1), drawn from a source seeded with seed, so a failing run can be
// repeated: a failing test's log shows the seed. A rule has one random
// source: with both Jitter and Probability, the seed given last counts.
func (r Rule) Probability(p float64, seed int64) Rule { r.prob, r.seed = p, seed; return r }

// String describes the rule, e.g. "drop PUBACK, to-client (times 1)".
func (r Rule) String() string {
	s := "no action"
	if r.act != nil {
		s = r.act.String()
	}
	s += " " + All(r.match...).String()
	if r.jitter > 0 {
		s += fmt.Sprintf(" (jitter %v, seed %d)", r.jitter, r.seed)
	}
	if r.timesSet {
		s += fmt.Sprintf(" (times %d)", r.times)
	}
	if r.nthSet {
		s += fmt.Sprintf(" (match #%d)", r.nth)
	}
	if r.prob > 0 {
		s += fmt.Sprintf(" (probability %g, seed %d)", r.prob, r.seed)
	}
	return s
}

// validate says why the rule cannot work, if it cannot.
func (r Rule) validate() error {
	var errs []error
	if r.act == nil {
		errs = append(errs, errors.New("no action: make rules with Drop, Delay, Duplicate, CutBefore, CutAfter, Freeze, Corrupt, Throttle or WithholdConnack"))
	} else if err := r.act.Check(); err != nil {
		errs = append(errs, err)
	}
	m := All(r.match...)
	if err := m.Err(); err != nil {
		errs = append(errs, err)
	}
	if err := m.CannotMatchPacket(); err != nil {
		errs = append(errs, fmt.Errorf("its matchers (%s): %w", m, err))
	}
	d, isDelay := r.act.(tap.Delay)
	switch {
	case r.jitter < 0:
		errs = append(errs, fmt.Errorf("negative jitter %v", r.jitter))
	case r.jitter > 0 && !isDelay:
		errs = append(errs, fmt.Errorf("Jitter applies to Delay only: %s has no delay to add it to", r.act))
	case isDelay && d.D == 0 && r.jitter == 0:
		errs = append(errs, errors.New("a delay of 0 does nothing"))
	}
	if r.timesSet && r.times < 1 {
		errs = append(errs, countError("Times", r.times, "no Times for no limit"))
	}
	if r.nthSet && r.nth < 1 {
		errs = append(errs, countError("Nth", r.nth, "no Nth to act on every match"))
	}
	if r.prob < 0 || r.prob > 1 {
		errs = append(errs, fmt.Errorf("probability %g outside (0, 1]", r.prob))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mqtttest: fault rule %q: %w", r, err)
	}
	return nil
}

// countError says why Times(n) or Nth(n) with n < 1 is refused.
func countError(name string, n int, instead string) error {
	why := "is negative"
	if n == 0 {
		why = "would never act" // matches count from 1
	}
	return fmt.Errorf("%s(%d) %s: want n >= 1, or %s", name, n, why, instead)
}

// Fault is a rule installed on a broker. It acts on every connection, open
// or new, from the moment Inject returns, until Remove.
type Fault struct {
	rule  Rule
	match Matcher
	set   *faultSet

	mu      sync.Mutex
	matched int           // packets matched so far
	acted   int           // times it acted
	done    int           // times its action was carried out (Wait)
	removed bool          // Remove was called (Wait)
	changed chan struct{} // closed when done grows; nil when nobody waits
	rng     *rand.Rand
}

// Wait returns once the fault has acted as many times as Times allows
// (once, without Times or with Nth): each packet it acted on is recorded
// with its mark, a connection it cut is closed, and a delay on the way to
// the client has passed (one on the way to the broker has only begun: the
// broker reads the packet when it ends). It returns an error that names the rule and says how often it
// acted, if that has not happened within timeout, and one that wraps
// ErrClosed once the broker or proxy is closed.
func (f *Fault) Wait(timeout time.Duration) error {
	want := 1
	if f.rule.timesSet && !f.rule.nthSet { // with Nth it acts once at most
		want = f.rule.times
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	ended := f.set.endChan()
	for {
		f.mu.Lock()
		done, removed := f.done, f.removed
		if done < want && f.changed == nil {
			f.changed = make(chan struct{})
		}
		changed := f.changed
		f.mu.Unlock()
		if done >= want {
			return nil
		}
		if removed {
			return fmt.Errorf("mqtttest: Fault.Wait: %q acted %d of %d times before it was removed", f.rule, done, want)
		}
		select {
		case <-changed:
		case <-ended:
			return fmt.Errorf("mqtttest: Fault.Wait: %q acted %d of %d times: %w", f.rule, done, want, closedError{"broker or proxy", "the fault will not act again"})
		case <-timer.C:
			return fmt.Errorf("mqtttest: Fault.Wait: %q acted %d of %d times within %v", f.rule, done, want, timeout)
		}
	}
}

// carriedOut notes that the fault's action on one packet is done, for Wait.
func (f *Fault) carriedOut() {
	f.mu.Lock()
	f.done++
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.mu.Unlock()
}

// Remove uninstalls the fault: packets decoded after Remove returns pass
// untouched, and a Wait still waiting returns an error. It is safe to call
// more than once.
func (f *Fault) Remove() {
	f.set.remove(f)
	f.mu.Lock()
	f.removed = true
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.mu.Unlock()
}

// Acted returns how many times the fault has acted.
func (f *Fault) Acted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acted
}

// String describes the fault's rule.
func (f *Fault) String() string { return f.rule.String() }

// Inject installs a fault rule on every connection of the broker, those
// open now and those to come. It returns an error that says why for a rule
// that cannot work: matchers that exclude each other (a PUBACK with a topic
// filter, two client IDs or connections), a packet type in a direction it
// never travels (a CONNACK to the broker), an invalid topic filter
// (Matcher.Err), Times(0) or Nth(0), Jitter on a rule other than Delay.
// After Close it returns an error that wraps ErrClosed.
func (b *Broker) Inject(r Rule) (*Fault, error) { return b.inject(r) }

// newFault installs the valid rule r in set.
func newFault(r Rule, set *faultSet) *Fault {
	f := &Fault{rule: r, match: All(r.match...), set: set}
	if _, draws := r.act.(tap.Drawer); r.prob > 0 || draws {
		f.rng = rand.New(rand.NewSource(r.seed))
	}
	set.add(f)
	return f
}

// decide returns what f does to the packet r, counting it, or a zero verdict.
func (f *Fault) decide(r *Record) tap.Verdict {
	if !f.match.Match(r) {
		return tap.Verdict{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.matched++
	switch {
	case f.rule.nth > 0 && f.matched != f.rule.nth,
		f.rule.times > 0 && f.acted >= f.rule.times,
		f.rule.prob > 0 && f.rng.Float64() >= f.rule.prob:
		return tap.Verdict{}
	}
	f.acted++
	v := tap.Verdict{Act: f.rule.act, By: (*faultSource)(f)}
	if d, ok := f.rule.act.(tap.Drawer); ok {
		v.Act = d.Draw(f.rng, f.rule.jitter, r)
	}
	return v
}

// faultSource is a Fault as the tap sees the rule behind a verdict.
type faultSource Fault

// String describes the fault's rule.
func (s *faultSource) String() string { return (*Fault)(s).String() }

// CarriedOut notes that the fault's action on one packet is done, for Wait.
func (s *faultSource) CarriedOut() { (*Fault)(s).carriedOut() }

// faultSet holds the faults of one broker. Reading it on every packet
// takes no lock: installing or removing a fault swaps the whole list.
type faultSet struct {
	mu      sync.Mutex // serialises add and remove, guards history
	list    atomic.Pointer[[]*Fault]
	history []*Fault      // every fault ever installed, for a failed test's log
	ended   chan struct{} // closed when the broker or proxy is closed: no fault acts again
	endOnce sync.Once
}

// close notes that the broker or proxy is closed, ending every Fault.Wait.
func (s *faultSet) close() {
	s.endOnce.Do(func() { close(s.endChan()) })
}

// endChan returns the channel close closes.
func (s *faultSet) endChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended == nil {
		s.ended = make(chan struct{})
	}
	return s.ended
}

// describe lists every fault ever installed, with their seeds, one a line.
func (s *faultSet) describe() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, f := range s.history {
		fmt.Fprintf(&b, "  %s: acted %d times\n", f, f.Acted())
	}
	return b.String()
}

func (s *faultSet) add(f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.history = append(s.history, f)
	var next []*Fault
	if cur := s.list.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, f)
	s.list.Store(&next)
}

func (s *faultSet) remove(f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.list.Load()
	if cur == nil {
		return
	}
	var next []*Fault
	for _, g := range *cur {
		if g != f {
			next = append(next, g)
		}
	}
	s.list.Store(&next)
}

// Decide returns the verdict of the first installed fault that acts on r.
func (s *faultSet) Decide(r *Record) tap.Verdict {
	cur := s.list.Load()
	if cur == nil {
		return tap.Verdict{}
	}
	for _, f := range *cur {
		if v := f.decide(r); v.Act != nil {
			return v
		}
	}
	return tap.Verdict{}
}

// Active reports whether any fault is installed.
func (s *faultSet) Active() bool {
	cur := s.list.Load()
	return cur != nil && len(*cur) > 0
}
