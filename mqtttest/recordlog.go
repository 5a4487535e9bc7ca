package mqtttest

// chunkSize is how many records one chunk of a recordLog holds.
const chunkSize = 256

// recordLog stores records in chunks, so that growing never copies the
// records already stored (a Record is a few hundred bytes, and copying them
// on every doubling of one big slice cost a QoS 1 round trip about a tenth
// of its time). The first chunk starts small, so a broker that records a few
// packets stays small. Not safe for concurrent use: the Recorder locks it.
type recordLog struct {
	chunks [][]Record // every chunk but the last holds chunkSize records
	head   int        // records dropped from the front of chunks[0]
}

// push appends r.
func (l *recordLog) push(r Record) {
	n := len(l.chunks)
	if n == 0 || len(l.chunks[n-1]) == chunkSize {
		c := 16
		if n > 0 {
			c = chunkSize
		}
		l.chunks = append(l.chunks, make([]Record, 0, c))
		n++
	}
	l.chunks[n-1] = append(l.chunks[n-1], r)
}

// len returns how many records are kept.
func (l *recordLog) len() int {
	n := len(l.chunks)
	if n == 0 {
		return 0
	}
	return (n-1)*chunkSize + len(l.chunks[n-1]) - l.head
}

// at returns the i-th record kept, from 0.
func (l *recordLog) at(i int) *Record {
	i += l.head
	return &l.chunks[i/chunkSize][i%chunkSize]
}

// dropFirst forgets the oldest record kept.
func (l *recordLog) dropFirst() {
	l.chunks[0][l.head] = Record{} // let its bytes go now
	l.head++
	if l.head == chunkSize {
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.head = 0
	}
}
