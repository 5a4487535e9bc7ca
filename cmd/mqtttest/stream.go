package main

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// streamer writes the records of a Recorder as they arrive: to the --record
// file as JSON Lines (Record.MarshalJSON), and to standard output as
// transcript lines. After each batch of new records it flushes, so records
// reach the operating system as they arrive and a crash of this process
// loses at most the batch being written. Only one goroutine may use a
// streamer at a time.
type streamer struct {
	rec        *mqtttest.Recorder
	jsonl      *bufio.Writer // the --record file; nil without --record
	transcript *bufio.Writer // standard output; nil without --transcript
	last       uint64        // Seq of the last record written
}

// newStreamer returns a streamer of rec's records to jsonl and transcript,
// either of which may be nil.
func newStreamer(rec *mqtttest.Recorder, jsonl, transcript io.Writer) *streamer {
	s := &streamer{rec: rec}
	if jsonl != nil {
		s.jsonl = bufio.NewWriter(jsonl)
	}
	if transcript != nil {
		s.transcript = bufio.NewWriter(transcript)
	}
	return s
}

// follow writes records as they arrive until ctx ends (it then returns nil)
// or a write fails. Records that arrive after it returns are written by a
// last call to flush.
func (s *streamer) follow(ctx context.Context) error {
	for {
		rs, err := s.rec.Next(ctx, s.last)
		if err != nil {
			return nil // ctx ended
		}
		if err := s.write(rs); err != nil {
			return err
		}
	}
}

// flush writes every record not written yet.
func (s *streamer) flush() error {
	return s.write(s.rec.Find(mqtttest.After(s.last)))
}

// write writes rs to both writers and flushes them: the --record file
// first, so that it holds at least every record the transcript shows.
func (s *streamer) write(rs []mqtttest.Record) error {
	start := s.rec.Started()
	for _, r := range rs {
		if s.jsonl != nil {
			b, err := r.MarshalJSON()
			if err != nil {
				return fmt.Errorf("encoding record #%d: %w", r.Seq, err)
			}
			s.jsonl.Write(append(b, '\n'))
		}
		if s.transcript != nil {
			io.WriteString(s.transcript, r.LineSince(start)+"\n")
		}
		s.last = r.Seq
	}
	if s.jsonl != nil {
		if err := s.jsonl.Flush(); err != nil {
			return fmt.Errorf("writing --record file: %w", err)
		}
	}
	if s.transcript != nil {
		if err := s.transcript.Flush(); err != nil {
			return fmt.Errorf("writing the transcript to standard output: %w", err)
		}
	}
	return nil
}
