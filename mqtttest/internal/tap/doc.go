// Package tap is the wire tap of mqtttest: one Conn wraps one connection
// between a client and the broker (mochi, or a proxy's upstream), records
// every MQTT packet that crosses it in both directions, and passes the
// bytes on as the fault rules decide.
//
// The data path, one step a file, in the order a packet takes it:
//
//	read.go       Read, fill: what the broker reads, one socket read at a time
//	write.go      Write: what the broker writes; write, the one place a byte to the client passes
//	turn.go       whose turn it is to write (a writer waiting out a delay keeps the turn, not the lock)
//	frame.go      recordFrames: the bytes cut into whole frames (record.FrameLength)
//	record.go     recordFrame: each frame decoded (record.DecodeFrame), judged by the rules, recorded
//	pass.go       pass: the one place a verdict is carried out
//	action_*.go   one file per action: drop, delay, duplicate, cut, freeze, corrupt, throttle
//	holdack.go    an acknowledgement held until mochi has done what it acknowledges
//
// Following a client's PUBLISH: read.go → frame.go → record.go → pass.go
// (→ the action's file, if a rule acts) → back in Read, handed to the
// broker. The broker's PUBACK: write.go (turn.go for the turn) → frame.go
// → record.go → pass.go → write.go's write (→ holdack.go, which holds it).
//
// The connection's state, each part changed in its own file:
//
//	conn.go       Conn, New, deadlines, names
//	gate.go       partitioned (Broker.Partition, until Heal) or frozen (a Freeze rule, for good)
//	close.go      how it ends: who closed it first and why (record.ClosedBy), and the close record
//	cut.go        after a cut, what the broker writes is recorded as withheld and never written
//	window.go     the client's Receive Maximum, which the tap enforces instead of mochi
//	resume.go     a resumed session's messages go out before new ones, once each
//
// The tap knows nothing of mochi's hooks: mqtttest's hook tells it what it
// needs (SetClientID, StartResume, TakeOver, ...), and the rules reach it
// through Judge. Action is sealed: the actions are this package's types,
// which mqtttest's rule constructors (Drop, Delay, ...) name.
package tap
