package record

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// transcriptTail is how many records error messages and failed tests show.
const transcriptTail = 40

// Transcript renders every record kept, one readable line each:
//
//	+0.412ms  sensor-1 → broker  PUBLISH  q1 id=3  home/kitchen/temp  "21.5"
//	+0.431ms  broker → sensor-1  PUBACK  id=3
//
// Times are relative to the start of the recording.
func (rc *Recorder) Transcript() string {
	return rc.Tail(0)
}

// Tail renders the last n records kept as Transcript does (all of them
// when n is 0), after a line that counts the earlier ones it leaves out.
func (rc *Recorder) Tail(n int) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	from, kept := 0, rc.log.len()
	if n > 0 && kept > n {
		from = kept - n
	}
	var b strings.Builder
	if skipped := uint64(from) + rc.dropped; skipped > 0 {
		fmt.Fprintf(&b, "… %d earlier records not shown", skipped)
		if rc.dropped > 0 {
			fmt.Fprintf(&b, " (%d dropped by WithRecordLimit)", rc.dropped)
		}
		b.WriteByte('\n')
	}
	var r Record
	for i := from; i < kept; i++ {
		rc.log.load(i, &r)
		rc.writeLine(&b, &r)
		b.WriteByte('\n')
	}
	return b.String()
}

// lastRecords introduces a transcript's tail, as tail renders it, for a log
// line or an error message, or says that nothing was recorded.
func lastRecords(transcript string) string {
	if transcript == "" {
		return "no records (nothing was recorded)"
	}
	return "last records:\n" + transcript
}

// Line renders one record as a transcript line, without the time.
func (r Record) Line() string {
	var b strings.Builder
	writeRecord(&b, &r)
	return b.String()
}

// LineSince renders one record as a transcript line, with its time since
// start in front, as Transcript writes it, e.g.
// "+0.412ms  sensor-1 → broker  PUBLISH  q1 id=3  home/kitchen/temp  \"21.5\"".
func (r Record) LineSince(start time.Time) string {
	var b strings.Builder
	writeTimed(&b, &r, start)
	return b.String()
}

func (rc *Recorder) writeLine(b *strings.Builder, r *Record) { writeTimed(b, r, rc.start) }

// writeTimed writes the transcript line of r, timed from start.
func writeTimed(b *strings.Builder, r *Record, start time.Time) {
	fmt.Fprintf(b, "+%.3fms  ", float64(r.Time.Sub(start).Microseconds())/1000)
	writeRecord(b, r)
}

func writeRecord(b *strings.Builder, r *Record) {
	writePacket(b, r)
	if r.Fault != "" {
		b.WriteString("  [fault: " + r.Fault + "]")
	}
}

func writePacket(b *strings.Builder, r *Record) {
	who := oneLine(r.ClientID)
	if who == "" {
		who = "conn#" + strconv.FormatUint(r.Conn, 10)
	}
	switch r.Event {
	case EventOpen:
		fmt.Fprintf(b, "%s  opened %s from %s", who, r.Listener, r.Remote)
		return
	case EventRestart:
		fmt.Fprintf(b, "broker restarting: %s", oneLine(r.Reason))
		return
	case EventDrop:
		writeDrop(b, r)
		return
	case EventClose:
		fmt.Fprintf(b, "%s  closed by %s", who, r.ClosedBy)
		if r.Reason != "" {
			b.WriteString(": " + oneLine(r.Reason))
		}
		return
	}
	if r.Dir == ToBroker {
		fmt.Fprintf(b, "%s → broker  ", who)
	} else {
		fmt.Fprintf(b, "broker → %s  ", who)
	}
	writePacketBody(b, r)
}

// Detail renders a packet record as its transcript line does, without who
// sent it to whom and without the fault, e.g. "PUBLISH  q1 id=3
// home/kitchen/temp  \"21.5\"": the label of an arrow in a diagram. Other
// records render as Line does.
func (r Record) Detail() string {
	var b strings.Builder
	if r.Event == EventPacket {
		writePacketBody(&b, &r)
	} else {
		writePacket(&b, &r)
	}
	return b.String()
}

// writePacketBody writes what a packet record says after who sent it.
func writePacketBody(b *strings.Builder, r *Record) {
	if r.Malformed {
		fmt.Fprintf(b, "MALFORMED %s (%s)  raw=%s", r.Type, oneLine(r.Err), shortHex(r.Raw))
		return
	}
	b.WriteString(r.Type.String())
	switch r.Type {
	case TypeConnect:
		c := r.Connect
		fmt.Fprintf(b, "  v%d", r.Version)
		if c.CleanStart {
			b.WriteString(" clean")
		}
		fmt.Fprintf(b, " keepalive=%d", c.Keepalive)
		if c.SessionExpiry > 0 {
			fmt.Fprintf(b, " expiry=%d", c.SessionExpiry)
		}
		if c.Username != "" {
			fmt.Fprintf(b, " user=%q", c.Username)
		}
		if w := c.Will; w != nil {
			fmt.Fprintf(b, "  will q%d%s %s %s", w.QoS, flag(w.Retain, " retain"), oneLine(w.Topic), payloadText(w.Payload))
		}
	case TypeConnack:
		fmt.Fprintf(b, "  rc=0x%02x%s", r.ReasonCode, flag(r.SessionPresent, " session-present"))
	case TypePublish:
		fmt.Fprintf(b, "  q%d", r.QoS)
		if r.QoS > 0 {
			fmt.Fprintf(b, " id=%d", r.PacketID)
		}
		fmt.Fprintf(b, "%s%s  %s  %s", flag(r.Dup, " dup"), flag(r.Retain, " retain"), oneLine(r.Topic), payloadText(r.Payload))
	case TypePuback, TypePubrec, TypePubrel, TypePubcomp:
		fmt.Fprintf(b, "  id=%d", r.PacketID)
		if r.ReasonCode != 0 {
			fmt.Fprintf(b, " rc=0x%02x", r.ReasonCode)
		}
	case TypeSubscribe, TypeUnsubscribe:
		fmt.Fprintf(b, "  id=%d ", r.PacketID)
		for i, s := range r.Subscriptions {
			sep := ", "
			if i == 0 {
				sep = " "
			}
			b.WriteString(sep + oneLine(s.Filter))
			if r.Type == TypeSubscribe {
				fmt.Fprintf(b, " q%d", s.QoS)
			}
		}
	case TypeSuback, TypeUnsuback:
		fmt.Fprintf(b, "  id=%d codes=", r.PacketID)
		for i, c := range r.ReasonCodes {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "0x%02x", c)
		}
	case TypeDisconnect, TypeAuth:
		if r.ReasonCode != 0 || r.Version == 5 {
			fmt.Fprintf(b, "  rc=0x%02x", r.ReasonCode)
		}
	}
	if p := r.Properties; p.ReasonString != "" {
		fmt.Fprintf(b, "  reason=%q", p.ReasonString)
	}
	if len(r.Properties.UserProperties) > 0 {
		b.WriteString("  user:")
		for _, u := range r.Properties.UserProperties {
			fmt.Fprintf(b, " %s=%s", oneLine(u.Key), oneLine(u.Value))
		}
	}
}

// writeDrop renders a message the broker dropped:
//
//	broker dropped  PUBLISH q1 id=7  home/temp  "21.5"  for sub-1: in-flight limit of 65535 reached
func writeDrop(b *strings.Builder, r *Record) {
	fmt.Fprintf(b, "broker dropped  PUBLISH  q%d", r.QoS)
	if r.PacketID != 0 {
		fmt.Fprintf(b, " id=%d", r.PacketID)
	}
	fmt.Fprintf(b, "%s  %s  %s", flag(r.Retain, " retain"), oneLine(r.Topic), payloadText(r.Payload))
	switch {
	case r.Dir == ToClient:
		b.WriteString("  for " + oneLine(r.ClientID))
	case r.ClientID != "":
		b.WriteString("  from " + oneLine(r.ClientID))
	case !r.Retain:
		b.WriteString("  from Broker.Publish")
	}
	b.WriteString(": " + oneLine(r.Reason))
}

// oneLine returns s, quoted if it holds a control character (MQTT strings
// may hold line breaks), so that a record stays on one transcript line.
func oneLine(s string) string {
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' {
			return strconv.Quote(s)
		}
	}
	return s
}

func flag(on bool, s string) string {
	if on {
		return s
	}
	return ""
}

// payloadText quotes a UTF-8 payload, or shows a binary one in hex, cut at 64 bytes.
func payloadText(p []byte) string {
	const max = 64
	cut := ""
	if len(p) > max {
		cut = fmt.Sprintf("…(%d bytes)", len(p))
		p = p[:max]
	}
	if utf8.Valid(p) {
		return strconv.Quote(string(p)) + cut
	}
	return "0x" + hex.EncodeToString(p) + cut
}

func shortHex(p []byte) string {
	if len(p) > 32 {
		return hex.EncodeToString(p[:32]) + fmt.Sprintf("…(%d bytes)", len(p))
	}
	return hex.EncodeToString(p)
}
