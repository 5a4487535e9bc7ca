package record

import "time"

// chunkSize is how many records one chunk of a recordLog holds.
const chunkSize = 256

// recordLog stores records in chunks, so that growing never copies the
// records already stored (copying them on every doubling of one big slice
// cost a QoS 1 round trip about a tenth of its time). The first chunk starts
// small, so a broker that records a few packets stays small. Not safe for
// concurrent use: the Recorder locks it.
//
// A Record is 464 bytes, most of them fields that few packets have. The log
// keeps each as a storedRecord instead: the fields every packet has, the
// payload as a place in the raw bytes (where it is, in a PUBLISH), and the
// rest behind one pointer, allocated only for records that have any. A
// recording of QoS 1 exchanges takes a quarter of the memory
// (BenchmarkRecordMemory).
type recordLog struct {
	chunks [][]storedRecord // every chunk but the last holds chunkSize records
	head   int              // records dropped from the front of chunks[0]
}

// storedRecord is a Record as the log keeps it; load turns it back.
type storedRecord struct {
	seq      uint64
	conn     uint64
	nanos    int64 // Time, in nanoseconds since 1970
	clientID string
	topic    string
	bytes    []byte // Raw; for a record without Raw (a drop), the payload
	payAt    uint32 // the payload is bytes[payAt:payAt+payLen]
	payLen   uint32
	packetID uint16
	event    Event
	dir      Direction
	typ      PacketType
	version  byte
	qos      byte
	code     byte // ReasonCode
	flags    storedFlags
	listener uint8 // index in listenerNames; 0 with the name in rest
	rest     *restOfRecord
}

// storedFlags are the boolean fields of a Record, and how its bytes are kept.
type storedFlags uint16

const (
	flagRetain storedFlags = 1 << iota
	flagDup
	flagSessionPresent
	flagMalformed
	flagWithheld
	flagDuplicated
	flagPayload      // Payload is not nil
	flagBytesPayload // bytes holds the payload, and there is no Raw
)

// restOfRecord holds the fields of a Record that most records lack.
type restOfRecord struct {
	listener      string
	remote        string
	payload       []byte // a payload that is not in the raw bytes
	reasonCodes   []byte
	subscriptions []Subscription
	connect       *ConnectInfo
	properties    Properties
	err, fault    string
	closedBy      ClosedBy
	reason        string
}

// listenerNames are the listeners a record names most often.
var listenerNames = [...]string{"", "tcp", "tls", "ws", "proxy", "memory"}

// push appends r. The log keeps r's slices; the caller must not change them.
func (l *recordLog) push(r *Record) {
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1]) == chunkSize {
		c := 16
		if n > 0 {
			c = chunkSize
		}
		l.chunks = append(l.chunks, make([]storedRecord, 0, c))
		n++
	}
	l.chunks[n-1] = append(l.chunks[n-1], store(r))
}

// len returns how many records are kept.
func (l *recordLog) len() int {
	n := len(l.chunks)
	if n == 0 {
		return 0
	}
	return (n-1)*chunkSize + len(l.chunks[n-1]) - l.head
}

// load sets *r to the i-th record kept, from 0. r's slices are the log's:
// the caller copies the record (copyRecord) before it hands it out.
func (l *recordLog) load(i int, r *Record) {
	i += l.head
	l.chunks[i/chunkSize][i%chunkSize].load(r)
}

// match loads the i-th record kept into *r and reports whether m matches
// it; a record of a packet type or direction m cannot select is not loaded.
func (l *recordLog) match(i int, m *Matcher, r *Record) bool {
	i += l.head
	s := &l.chunks[i/chunkSize][i%chunkSize]
	if m.types != 0 && m.types&(1<<s.typ) == 0 || m.dirs != 0 && m.dirs&(1<<s.dir) == 0 {
		return false
	}
	s.load(r)
	return m.Match(r)
}

// dropFirst forgets the oldest record kept.
func (l *recordLog) dropFirst() {
	l.chunks[0][l.head] = storedRecord{} // let its bytes go now
	l.head++
	if l.head == chunkSize {
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.head = 0
	}
}

// store packs r.
func store(r *Record) storedRecord {
	s := storedRecord{
		seq: r.Seq, conn: r.Conn, nanos: r.Time.UnixNano(), clientID: r.ClientID, topic: r.Topic, bytes: r.Raw,
		packetID: r.PacketID, event: r.Event, dir: r.Dir, typ: r.Type, version: r.Version, qos: r.QoS, code: r.ReasonCode,
	}
	s.flags = flagIf(r.Retain, flagRetain) | flagIf(r.Dup, flagDup) | flagIf(r.SessionPresent, flagSessionPresent) |
		flagIf(r.Malformed, flagMalformed) | flagIf(r.Withheld, flagWithheld) | flagIf(r.Duplicated, flagDuplicated) |
		flagIf(r.Payload != nil, flagPayload)
	var rest restOfRecord
	switch {
	case r.Payload == nil:
	case len(r.Payload) == 0:
	case len(r.Raw) >= len(r.Payload) && &r.Raw[len(r.Raw)-len(r.Payload)] == &r.Payload[0]: // a PUBLISH's payload ends its frame
		s.payAt, s.payLen = uint32(len(r.Raw)-len(r.Payload)), uint32(len(r.Payload))
	case r.Raw == nil:
		s.bytes, s.payLen = r.Payload, uint32(len(r.Payload))
		s.flags |= flagBytesPayload
	default:
		rest.payload = r.Payload
	}
	s.listener = listenerIndex(r.Listener)
	if s.listener == 0 {
		rest.listener = r.Listener
	}
	rest.remote, rest.reasonCodes, rest.subscriptions, rest.connect = r.Remote, r.ReasonCodes, r.Subscriptions, r.Connect
	rest.properties, rest.err, rest.fault, rest.closedBy, rest.reason = r.Properties, r.Err, r.Fault, r.ClosedBy, r.Reason
	if !rest.empty() {
		s.rest = &rest
	}
	return s
}

// load unpacks s into r.
func (s *storedRecord) load(r *Record) {
	*r = Record{
		Seq: s.seq, Conn: s.conn, Time: time.Unix(0, s.nanos), ClientID: s.clientID, Topic: s.topic, Raw: s.bytes,
		PacketID: s.packetID, Event: s.event, Dir: s.dir, Type: s.typ, Version: s.version, QoS: s.qos, ReasonCode: s.code,
		Listener: listenerNames[s.listener],
		Retain:   s.flags&flagRetain != 0, Dup: s.flags&flagDup != 0, SessionPresent: s.flags&flagSessionPresent != 0,
		Malformed: s.flags&flagMalformed != 0, Withheld: s.flags&flagWithheld != 0, Duplicated: s.flags&flagDuplicated != 0,
	}
	if s.flags&flagPayload != 0 {
		r.Payload = s.bytes[s.payAt : s.payAt+s.payLen : s.payAt+s.payLen]
	}
	if s.flags&flagBytesPayload != 0 {
		r.Raw = nil
	}
	if x := s.rest; x != nil {
		if x.listener != "" {
			r.Listener = x.listener
		}
		if x.payload != nil {
			r.Payload = x.payload
		}
		r.Remote, r.ReasonCodes, r.Subscriptions, r.Connect = x.remote, x.reasonCodes, x.subscriptions, x.connect
		r.Properties, r.Err, r.Fault, r.ClosedBy, r.Reason = x.properties, x.err, x.fault, x.closedBy, x.reason
	}
}

func flagIf(on bool, f storedFlags) storedFlags {
	if on {
		return f
	}
	return 0
}

// listenerIndex returns name's index in listenerNames, or 0.
func listenerIndex(name string) uint8 {
	for i, n := range listenerNames {
		if n == name {
			return uint8(i)
		}
	}
	return 0
}

// empty reports whether x holds nothing.
func (x *restOfRecord) empty() bool {
	return x.listener == "" && x.remote == "" && x.payload == nil && x.reasonCodes == nil && x.subscriptions == nil &&
		x.connect == nil && x.properties.isZero() && x.err == "" && x.fault == "" && x.closedBy == "" && x.reason == ""
}

// isZero reports whether p holds no property.
func (p *Properties) isZero() bool {
	return p.MessageExpiry == 0 && p.SessionExpiry == 0 && p.ContentType == "" && p.ResponseTopic == "" &&
		p.CorrelationData == nil && p.ReasonString == "" && p.AssignedClientID == "" && p.TopicAlias == 0 &&
		p.SubscriptionIDs == nil && p.UserProperties == nil
}
