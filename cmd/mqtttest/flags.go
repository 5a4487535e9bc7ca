package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// defaultAddr is where serve listens without --addr: the standard MQTT port
// on loopback.
const defaultAddr = "127.0.0.1:1883"

// serveConfig is the command line of serve, checked, with its input files
// read.
type serveConfig struct {
	cmd        string // serve or proxy
	addr       string // --addr
	record     string // --record: JSON Lines file, "" for none
	transcript bool   // --transcript
	quiet      bool   // --quiet
	readyFile  string // --ready-file, "" for none
	aclFile    string // --acl, "" for none
	usersFile  string // --users, "" for none
	caOut      string // --ca-out: where the generated CA goes; "" for next to the ready file
	ws         bool   // --ws
	tls        bool   // --tls: generated CA and certificate
	tlsCert    string // --tls-cert
	tlsKey     string // --tls-key
	logs       bool   // --logs
	upstream   string // proxy --upstream: the broker behind the proxy
	control    string // --control: the control API's HOST:PORT, "" for none
	token      string // --control-token, or $MQTTTEST_CONTROL_TOKEN

	acl   []mqtttest.ACLRule // the rules read from aclFile
	users map[string]string  // the users read from usersFile
}

// newFlags returns the flag set of cmd, serve or proxy, writing into c.
// The flags about the broker itself are serve's; --upstream is proxy's.
func newFlags(cmd string, c *serveConfig) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by the command
	fs.StringVar(&c.addr, "addr", defaultAddr, "TCP `HOST:PORT` to listen on; 127.0.0.1:0 picks a free port; beyond loopback (0.0.0.0) other machines can connect, and "+cmd+" warns")
	if cmd == "proxy" {
		fs.StringVar(&c.upstream, "upstream", "", "the broker to relay to, `HOST:PORT` (required)")
	}
	fs.StringVar(&c.record, "record", "", "write every packet to `FILE` as JSON Lines, as it arrives")
	fs.BoolVar(&c.transcript, "transcript", false, "print every packet on standard output as it arrives, one line each (the default when standard output is a terminal)")
	fs.BoolVar(&c.quiet, "quiet", false, "print no transcript, even when standard output is a terminal")
	fs.StringVar(&c.readyFile, "ready-file", "", "once listening, write the addresses to `FILE` as JSON; FILE must be absent or a ready file an earlier run left; removed on exit if unchanged")
	if cmd == "serve" {
		fs.StringVar(&c.usersFile, "users", "", "accept only the users in `FILE`, one \"user:password\" a line; others are refused (v5 CONNACK 0x86, v3 0x05)")
		fs.StringVar(&c.aclFile, "acl", "", "deny topics as the rules in `FILE` say, one a line: \"deny publish|subscribe FILTER\"")
		fs.BoolVar(&c.ws, "ws", false, "also listen for MQTT over WebSocket, on a free loopback port")
		fs.BoolVar(&c.tls, "tls", false, "also listen for MQTT over TLS, on a free loopback port, with a generated CA")
		fs.StringVar(&c.caOut, "ca-out", "", "with --tls, write the generated CA to `FILE` (PEM) rather than next to --ready-file; FILE must be absent or a CA an earlier run wrote; removed on exit if unchanged")
		fs.StringVar(&c.tlsCert, "tls-cert", "", "listen for TLS with the PEM certificate in `FILE` (needs --tls-key)")
		fs.StringVar(&c.tlsKey, "tls-key", "", "the PEM private key of --tls-cert, in `FILE`")
		fs.BoolVar(&c.logs, "logs", false, "print the broker's own logs on standard error")
	}
	fs.StringVar(&c.control, "control", "", "serve the control API (HTTP, JSON) on `HOST:PORT`, e.g. 127.0.0.1:0; the ready file's \"control\" says where")
	fs.StringVar(&c.token, "control-token", "", "require \"Authorization: Bearer `TOKEN`\" on every control API request (default $MQTTTEST_CONTROL_TOKEN)")
	return fs
}

// printUsage writes the usage of cmd, serve or proxy, with every flag, to w.
func printUsage(cmd string, w io.Writer) {
	what := "Runs an MQTT broker that records every packet, until SIGINT or SIGTERM."
	if cmd == "proxy" {
		what = "Relays MQTT to the broker at --upstream through the wire tap: it records every packet\nand applies the fault rules of the control API, until SIGINT or SIGTERM."
	}
	fmt.Fprintf(w, "Usage: mqtttest %s [flags]\n\n%s\n\nFlags:\n", cmd, what)
	newFlags(cmd, &serveConfig{}).VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		if arg == "value" { // a bool flag has no argument
			arg = ""
		}
		name := strings.TrimSpace("--" + f.Name + " " + arg)
		if f.DefValue != "" && f.DefValue != "false" {
			text += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  %-20s %s\n", name, text)
	})
}

// parseArgs parses the flags of cmd, serve or proxy, and reads the ACL and
// TLS files they name. Every error it returns is the user's to fix (exit
// code 2); flag.ErrHelp means -h was given.
func parseArgs(cmd string, args []string) (*serveConfig, error) {
	c := &serveConfig{cmd: cmd}
	fs := newFlags(cmd, c)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%v (run \"mqtttest help %s\" for the flags)", err, cmd)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: %s takes only flags (run \"mqtttest help %s\")", fs.Arg(0), cmd, cmd)
	}
	if cmd == "proxy" {
		if err := checkUpstream(c.upstream); err != nil {
			return nil, err
		}
	}
	if c.token != "" && c.control == "" {
		return nil, errors.New("--control-token without --control: the token guards the control API, which --control HOST:PORT starts")
	}
	if c.token == "" {
		c.token = os.Getenv("MQTTTEST_CONTROL_TOKEN")
	}
	if c.control != "" {
		if err := checkAddr("--control", c.control); err != nil {
			return nil, err
		}
	}
	if c.transcript && c.quiet {
		return nil, errors.New("--transcript and --quiet both given: choose one (without either, the transcript is printed when standard output is a terminal)")
	}
	if c.addr == "" {
		return nil, errors.New("--addr is empty: give host:port, e.g. 127.0.0.1:1883, or 127.0.0.1:0 for a free port")
	}
	if err := checkAddr("--addr", c.addr); err != nil {
		return nil, err
	}
	if c.aclFile != "" {
		rules, err := readACL(c.aclFile)
		if err != nil {
			return nil, err
		}
		c.acl = rules
	}
	if c.usersFile != "" {
		users, err := readUsers(c.usersFile)
		if err != nil {
			return nil, err
		}
		c.users = users
	}
	if c.caOut != "" {
		if !c.tls {
			return nil, errors.New("--ca-out without --tls: only --tls generates a CA (with --tls-cert the CA is yours)")
		}
		if err := checkCAPath(c.caOut, "(the file --ca-out names)", "--ca-out"); err != nil {
			return nil, err
		}
	}
	if err := c.checkTLS(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkUpstream checks proxy's --upstream: HOST:PORT, with a port.
func checkUpstream(addr string) error {
	if addr == "" {
		return errors.New("no --upstream: give the broker to relay to, e.g. --upstream 127.0.0.1:1883")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--upstream %s: not HOST:PORT (e.g. 127.0.0.1:1883)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("--upstream %s: port %q is not 1-65535", addr, port)
	}
	return nil
}

// readUsers reads a --users file: one "user:password" a line; blank lines
// and lines starting with # are skipped. An error names the line, never
// what is on it: it may hold a password.
func readUsers(name string) (map[string]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read --users file: %v (give a readable file with one \"user:password\" a line)", err)
	}
	users := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		user, password, ok := strings.Cut(line, ":")
		switch {
		case !ok:
			return nil, fmt.Errorf("--users %s: line %d has no colon: want \"user:password\"", name, i+1)
		case user == "":
			return nil, fmt.Errorf("--users %s: line %d has an empty user name", name, i+1)
		}
		if _, dup := users[user]; dup {
			return nil, fmt.Errorf("--users %s: line %d repeats user %q", name, i+1, user)
		}
		users[user] = password
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("--users %s: no users: want one \"user:password\" a line (without --users every client is accepted)", name)
	}
	return users, nil
}

// readACL reads the rules of an --acl file.
func readACL(name string) ([]mqtttest.ACLRule, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read --acl file: %v (give a readable file with one rule a line, e.g. \"deny subscribe secret/#\")", err)
	}
	defer f.Close()
	rules, err := mqtttest.ParseACL(f)
	if err != nil {
		return nil, fmt.Errorf("--acl %s: %v (fix that line; blank lines and lines starting with # are skipped)", name, err)
	}
	return rules, nil
}

// checkTLS checks that the TLS flags fit together and that the certificate
// and key files load, so a bad file is a usage error, not a failed start.
func (c *serveConfig) checkTLS() error {
	if c.tlsCert == "" && c.tlsKey == "" {
		return nil
	}
	if c.tls {
		return errors.New("--tls and --tls-cert both given: choose one (--tls generates a CA and certificate, --tls-cert uses yours)")
	}
	if c.tlsCert == "" || c.tlsKey == "" {
		return errors.New("--tls-cert and --tls-key go together: give both PEM files")
	}
	for _, name := range []string{c.tlsCert, c.tlsKey} {
		if _, err := os.ReadFile(name); err != nil {
			return fmt.Errorf("cannot read TLS file: %v (give readable PEM files to --tls-cert and --tls-key)", err)
		}
	}
	if _, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey); err != nil {
		return fmt.Errorf("--tls-cert %s and --tls-key %s: %v (give a PEM certificate and its private key)", c.tlsCert, c.tlsKey, err)
	}
	return nil
}

// options returns the broker options the configuration asks for; the
// broker's logs, with --logs, go to logs.
func (c *serveConfig) options(logs io.Writer) []mqtttest.Option {
	opts := []mqtttest.Option{mqtttest.WithAddr(c.addr)}
	if len(c.acl) > 0 {
		opts = append(opts, mqtttest.WithACL(c.acl...))
	}
	if c.users != nil {
		opts = append(opts, mqtttest.WithAuth(c.users))
	}
	if c.ws {
		opts = append(opts, mqtttest.WithWebSocket())
	}
	if c.tls {
		opts = append(opts, mqtttest.WithTLS())
	}
	if c.tlsCert != "" {
		opts = append(opts, mqtttest.WithTLSFiles(c.tlsCert, c.tlsKey))
	}
	if c.logs {
		opts = append(opts, mqtttest.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return opts
}
