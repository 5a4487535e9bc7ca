package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Exit codes of the command.
const (
	exitOK      = 0 // stopped by a signal (or the context), or help was asked for
	exitRuntime = 1 // the broker could not start, or failed while running
	exitUsage   = 2 // a bad command line, or an input file that cannot be read
)

// usage is what "mqtttest help" prints.
const usage = `mqtttest runs an MQTT broker that records every packet, for CI pipelines.

Usage:
  mqtttest serve [flags]      run the broker until SIGINT or SIGTERM
  mqtttest proxy --upstream HOST:PORT [flags]
                              the same tap, recording and faults in front of another broker
  mqtttest show [flags] FILE  print a recording as the transcript, filtered
  mqtttest diagram [flags] FILE
                              print a recording as a Mermaid sequence diagram
  mqtttest help [COMMAND]     show this help, or the flags of a command

Examples:
  mqtttest serve --addr 127.0.0.1:0 --ready-file ready.json --record packets.jsonl
  mqtttest show --client sensor-1 --type PUBLISH,PUBACK packets.jsonl
`

// hooks lets a test observe a command running in its own process. The zero
// value observes nothing.
type hooks struct {
	// ready, when not nil, is called once the broker or proxy listens and
	// the ready line and ready file are written, with what is running.
	ready func(server)
}

// run runs the command line args (without the program name) until ctx ends,
// writing to stdout and stderr, and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, hooks{})
}

// runWith is run with hooks for tests.
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, h hooks) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch cmd := args[0]; cmd {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr, h)
	case "proxy":
		return runServer(ctx, "proxy", args[1:], stdout, stderr, h)
	case "show":
		return show(args[1:], os.Stdin, stdout, stderr)
	case "diagram":
		return diagram(args[1:], os.Stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && (args[1] == "serve" || args[1] == "proxy") {
			printUsage(args[1], stdout)
			return exitOK
		}
		if len(args) > 1 && (args[1] == "show" || args[1] == "diagram") {
			printReaderUsage(args[1], stdout)
			return exitOK
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "mqtttest: unknown command %q (run \"mqtttest help\" for usage)\n", cmd)
		return exitUsage
	}
}
