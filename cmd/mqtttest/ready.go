package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// readyInfo is the JSON object of the --ready-file: where the broker
// listens, so a script never parses log lines.
type readyInfo struct {
	URL      string `json:"url"`                // "tcp://127.0.0.1:1883"
	Addr     string `json:"addr"`               // "127.0.0.1:1883"
	WSURL    string `json:"ws_url,omitempty"`   // with --ws: "ws://127.0.0.1:41235/"
	TLSURL   string `json:"tls_url,omitempty"`  // with --tls or --tls-cert: "tls://127.0.0.1:41236"
	TLSAddr  string `json:"tls_addr,omitempty"` // with --tls or --tls-cert: "127.0.0.1:41236"
	CAFile   string `json:"ca_file,omitempty"`  // with --tls: absolute path of the generated CA, PEM
	Record   string `json:"record,omitempty"`   // with --record: absolute path of the JSON Lines file
	Control  string `json:"control,omitempty"`  // with --control: the control API, "http://127.0.0.1:41237"
	Upstream string `json:"upstream,omitempty"` // proxy: the broker behind it
	PID      int    `json:"pid"`                // this process, for scripts that stop it
}

// newReadyInfo describes the running server s; b is s as a broker, or nil
// for a proxy.
func newReadyInfo(s server, b *mqtttest.Broker, caFile, record string) readyInfo {
	ri := readyInfo{URL: s.URL(), Addr: s.Addr(), CAFile: absPath(caFile), Record: absPath(record), PID: os.Getpid()}
	if b != nil {
		ri.WSURL, ri.TLSURL, ri.TLSAddr = b.WSURL(), b.TLSURL(), b.TLSAddr()
	}
	return ri
}

// readyLine is the one line serve prints when it is ready.
func (ri readyInfo) readyLine() string {
	urls := []string{ri.URL}
	if ri.WSURL != "" {
		urls = append(urls, ri.WSURL)
	}
	if ri.TLSURL != "" {
		urls = append(urls, ri.TLSURL)
	}
	line := "mqtttest: listening on " + strings.Join(urls, " ")
	if ri.CAFile != "" {
		line += " (CA file " + ri.CAFile + ")"
	}
	return line
}

// write writes ri to name as JSON, atomically, and returns the bytes it
// wrote.
func (ri readyInfo) write(name string) ([]byte, error) {
	b, err := json.MarshalIndent(ri, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	return b, writeFileAtomic(name, b)
}

// caFileFor returns where the generated CA goes: next to the ready file
// ("ready.json" gives "ready-ca.pem"), or "" when there is none.
func caFileFor(readyFile string) string {
	if readyFile == "" {
		return ""
	}
	return strings.TrimSuffix(readyFile, filepath.Ext(readyFile)) + "-ca.pem"
}

// writeFileAtomic writes data to a temporary file in name's directory and
// renames it to name, so a reader sees either no file or all of it.
func writeFileAtomic(name string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// absPath returns name as an absolute path when it can, "" for "".
func absPath(name string) string {
	if name == "" {
		return ""
	}
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}
