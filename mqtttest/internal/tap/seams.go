package tap

// Seams are the racy points of the tap where mqtttest's tests hold it, to
// reproduce a race deterministically instead of by chance. Each is nil, and
// costs a nil check, outside those tests.
type Seams struct {
	AckHeld     func() // the tap holds an acknowledgement until the broker is done with it (holdack.go)
	WriteSleeps func() // a write to the client waits out a Delay or Throttle, without the write lock (turn.go)
	TurnWaits   func() // a writer waits for another to give the turn to write back (turn.go)
}

// at calls the seam fn picks, if it is set.
func (s *Seams) at(fn func(*Seams) func()) {
	if s != nil {
		if f := fn(s); f != nil {
			f()
		}
	}
}
