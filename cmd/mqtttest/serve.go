package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// serve runs the serve subcommand: it starts the broker that args describe,
// announces it, streams its records, and when ctx ends shuts it down and
// writes the last records. It returns the exit code.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, h hooks) int {
	return runServer(ctx, "serve", args, stdout, stderr, h)
}

// runServer runs cmd, serve or proxy, with args (after the command name).
func runServer(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer, h hooks) int {
	cfg, err := parseArgs(cmd, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(cmd, stdout)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "mqtttest %s: %v\n", cmd, err)
		return exitUsage
	}
	inst, code, err := startInstance(cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mqtttest %s: %v\n", cmd, err)
		return code
	}
	if h.ready != nil {
		h.ready(inst.srv)
	}

	var failed error
	if inst.stream != nil {
		failed = inst.stream.follow(ctx) // returns nil when ctx ends
	} else {
		<-ctx.Done()
	}
	if err := inst.shutdown(failed == nil); err != nil && failed == nil {
		failed = err
	}
	if failed != nil {
		fmt.Fprintf(stderr, "mqtttest %s: %v\n", cmd, failed)
		return exitRuntime
	}
	return exitOK
}

// instance is a running broker or proxy with the files the command made for it.
type instance struct {
	srv       server           // the broker or the proxy
	broker    *mqtttest.Broker // the broker; nil for a proxy
	record    *os.File         // the --record file, or nil
	stream    *streamer        // nil without --record and --transcript
	control   *control         // the control API, or nil without --control
	readyFile string           // written once ready, removed at shutdown; "" for none
	readyData []byte           // what serve wrote to readyFile
	caFile    string           // the generated CA, removed at shutdown; "" for none
	caData    []byte           // what serve wrote to caFile
	tempDir   string           // holds caFile when there is no ready file; "" for none
	stderr    io.Writer        // for notes at shutdown
	cmd       string           // serve or proxy, for those notes
}

// startInstance opens the --record file, starts the broker, warns on stderr
// about each listener bound beyond loopback, writes the CA and ready files
// and prints the ready line. On error it undoes what it did and returns the
// exit code the error deserves.
func startInstance(cfg *serveConfig, stdout, stderr io.Writer) (_ *instance, code int, err error) {
	inst := &instance{cmd: cfg.cmd, stderr: stderr}
	defer func() {
		if err != nil {
			inst.shutdown(false)
		}
	}()
	if cfg.readyFile != "" {
		if err := prepareReadyFile(cfg.readyFile, cfg.tls && cfg.caOut == ""); err != nil {
			return nil, exitUsage, err
		}
	}
	if cfg.record != "" {
		if inst.record, err = os.Create(cfg.record); err != nil {
			return nil, exitUsage, fmt.Errorf("cannot create --record file: %v (give a path in a directory you can write)", err)
		}
	}

	if cfg.upstream != "" {
		inst.srv, err = mqtttest.StartProxy(cfg.upstream, mqtttest.WithAddr(cfg.addr))
	} else if inst.broker, err = mqtttest.Start(cfg.options(stderr)...); err == nil {
		inst.srv = inst.broker
	}
	if err != nil {
		if errors.Is(err, syscall.EADDRNOTAVAIL) { // only --addr is not a free loopback port
			return nil, exitUsage, notLocalError("--addr", cfg.addr)
		}
		return nil, exitRuntime, errors.New(strings.TrimPrefix(err.Error(), "mqtttest: "))
	}
	if cfg.control != "" {
		if inst.control, err = startControl(inst.srv, inst.broker, cfg.control, cfg.token); err != nil {
			return nil, exitRuntime, err
		}
	}
	for _, l := range boundListeners(inst.srv, inst.broker, inst.control) {
		if w := exposureWarning(l.name, l.addr); w != "" {
			fmt.Fprintf(stderr, "mqtttest %s: %s\n", cfg.cmd, w)
		}
	}
	if inst.broker != nil && inst.broker.CAPEM() != nil {
		if err := inst.writeCA(inst.broker.CAPEM(), cfg.readyFile, cfg.caOut); err != nil {
			return nil, exitRuntime, fmt.Errorf("cannot write the CA file: %v", err)
		}
	}

	var jsonl, transcript io.Writer
	if inst.record != nil {
		jsonl = inst.record
	}
	if cfg.transcript || !cfg.quiet && isTerminal(stdout) { // a newcomer at a terminal sees that it records
		transcript = stdout
	}
	if jsonl != nil || transcript != nil {
		inst.stream = newStreamer(inst.srv.Recorder(), jsonl, transcript)
	}

	info := newReadyInfo(inst.srv, inst.broker, inst.caFile, cfg.record)
	info.Upstream = cfg.upstream
	if inst.control != nil {
		info.Control = inst.control.url()
	}
	if cfg.readyFile != "" {
		data, err := info.write(cfg.readyFile)
		if err != nil {
			return nil, exitRuntime, fmt.Errorf("cannot write --ready-file: %v", err)
		}
		inst.readyFile, inst.readyData = cfg.readyFile, data
	}
	fmt.Fprintln(stdout, info.readyLine())
	return inst, exitOK, nil
}

// writeCA writes the generated CA to caOut, or next to the ready file
// (prepareReadyFile or parseArgs checked that nothing but an earlier run's
// CA is there), or without either into a new temporary directory.
func (inst *instance) writeCA(ca []byte, readyFile, caOut string) error {
	name := caFileFor(readyFile)
	if caOut != "" {
		name = caOut
	}
	if name == "" {
		dir, err := os.MkdirTemp("", "mqtttest-")
		if err != nil {
			return err
		}
		inst.tempDir = dir
		name = filepath.Join(dir, "ca.pem")
	}
	if err := writeFileAtomic(name, ca); err != nil {
		return err
	}
	inst.caFile, inst.caData = name, ca
	return nil
}

// shutdown removes the ready file, closes the broker (every client is
// disconnected and the closes are recorded), writes the records not yet
// written when flush is true, closes the --record file and removes the CA
// file. A ready or CA file that no longer holds what serve wrote is left,
// with a note on stderr. It returns the first error.
func (inst *instance) shutdown(flush bool) error {
	var errs []error
	if inst.readyFile != "" {
		errs = append(errs, inst.removeOwn("--ready-file "+inst.readyFile, inst.readyFile, inst.readyData, "what mqtttest wrote"))
	}
	if inst.control != nil {
		inst.control.close() // no request acts on the broker once it closes
	}
	if inst.srv != nil {
		inst.srv.Close()
	}
	if inst.stream != nil && flush {
		errs = append(errs, inst.stream.flush())
	}
	if inst.record != nil {
		if fi, err := inst.record.Stat(); err == nil && fi.Mode().IsRegular() { // pipes and terminals cannot sync
			if err := inst.record.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("writing --record file: %w", err))
			}
		}
		if err := inst.record.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing --record file: %w", err))
		}
	}
	switch {
	case inst.tempDir != "": // made by serve, with all it holds
		errs = append(errs, os.RemoveAll(inst.tempDir))
	case inst.caFile != "":
		errs = append(errs, inst.removeOwn(inst.caFile, inst.caFile, inst.caData, "the CA mqtttest wrote"))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// removeOwn removes name if it still holds data, what serve wrote there;
// otherwise it leaves it and says so on stderr in one line, naming the file
// as label and what it held as held.
func (inst *instance) removeOwn(label, name string, data []byte, held string) error {
	left, err := removeIfUnchanged(name, data)
	if left {
		fmt.Fprintf(inst.stderr, "mqtttest %s: left %s in place: it no longer holds %s\n", inst.cmd, label, held)
	}
	return err
}
