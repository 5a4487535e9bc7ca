#!/usr/bin/python3
"""A documented limitation of Python paho-mqtt 1.6, reproduced with mqtttest.

With clean_session=False the broker keeps the client's session, but the
client keeps its unacknowledged QoS 1 messages only in memory: if the
process restarts before the PUBACK, the message is lost. Nobody resends it.

This script drives `mqtttest serve --control` through its control API:
  1. a fault drops the device's first PUBLISH on its way to the broker;
  2. the device process publishes "on" at QoS 1, and is killed before any
     PUBACK could come;
  3. a new device process connects with the same client ID: the broker
     resumes the session, but the message is gone with the old process;
  4. a marker message from the new process reaches the subscriber, so
     everything before it has arrived: "on" never does;
  5. the recording says why.

Usage: session_loss.py --control URL --host HOST --port PORT
Exit code 0 when the loss is reproduced; 1 when the message arrived after
all (the limitation is gone), 2 on any other failure.
"""
import argparse
import json
import subprocess
import sys
import threading
import urllib.request

import paho.mqtt.client as mqtt

DEVICE = "py-device"
WATCH = "py-watch"
TOPIC = "plant/1/state"
MARKER = "plant/1/marker"
WAIT = 10  # seconds any one step may take


def api(control, method, path, body=None):
    """Calls the control API and returns the decoded answer (or text)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(control + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=WAIT + 5) as resp:
        text = resp.read().decode()
    if resp.headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(text)
    return text


def records(control, query):
    """The records the query selects, as dicts (JSON Lines)."""
    return [json.loads(line) for line in api(control, "GET", "/records?" + query).splitlines() if line]


def device(host, port, marker):
    """The device process: publishes TOPIC (first run) or MARKER (second)."""
    connected = threading.Event()
    flags = {}

    def on_connect(client, userdata, fl, rc):
        flags.update(fl, rc=rc)
        connected.set()

    c = mqtt.Client(client_id=DEVICE, clean_session=False)
    c.on_connect = on_connect
    c.connect(host, port)
    c.loop_start()
    if not connected.wait(WAIT) or flags["rc"] != 0:
        sys.exit("device: not connected: %r" % flags)
    if not marker:
        c.publish(TOPIC, "on", qos=1)  # its PUBLISH is dropped: no PUBACK will come
        print("device: published %s, waiting to be killed" % TOPIC, flush=True)
        threading.Event().wait()  # until the parent kills this process
    print("device: connected again, session present = %d" % flags.get("session present", 0), flush=True)
    info = c.publish(MARKER, "after the restart", qos=1)
    info.wait_for_publish(WAIT)
    if not info.is_published():
        sys.exit("device: the marker was not acknowledged")
    c.disconnect()
    c.loop_stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--control", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--device", choices=["first", "again"])
    a = p.parse_args()
    if a.device:
        device(a.host, a.port, a.device == "again")
        return 0

    got, marker = [], threading.Event()
    subscribed = threading.Event()

    def on_message(client, userdata, msg):
        got.append((msg.topic, msg.payload.decode()))
        if msg.topic == MARKER:
            marker.set()

    watch = mqtt.Client(client_id=WATCH, clean_session=True)
    watch.on_message = on_message
    watch.on_subscribe = lambda *args: subscribed.set()
    watch.connect(a.host, a.port)
    watch.loop_start()
    watch.subscribe("plant/#", qos=1)
    if not subscribed.wait(WAIT):
        sys.exit("watch: not subscribed")

    fault = api(a.control, "POST", "/faults", {
        "match": {"client": DEVICE, "direction": "to-broker", "type": "PUBLISH"},
        "action": "drop", "times": 1})
    print("fault %s: %s" % (fault["id"], fault["rule"]))

    here = [sys.executable, __file__, "--control", a.control, "--host", a.host, "--port", str(a.port)]
    first = subprocess.Popen(here + ["--device", "first"])
    # Wait, on the recording, for the device's PUBLISH to reach the tap and be dropped.
    api(a.control, "GET", "/records?client=%s&type=PUBLISH&wait=%ds" % (DEVICE, WAIT))
    first.kill()  # the process dies with its in-memory session
    first.wait(WAIT)
    print("device process killed")

    again = subprocess.run(here + ["--device", "again"], timeout=WAIT * 2)
    if again.returncode != 0:
        sys.exit("the second device process failed")
    if not marker.wait(WAIT):
        sys.exit("watch: the marker did not arrive")
    watch.disconnect()
    watch.loop_stop()

    print("the recording of %s:" % DEVICE)
    for r in records(a.control, "since=1&client=" + DEVICE):
        if r["event"] == "packet":
            print("  #%d %s %s %s%s" % (r["seq"], r["dir"], r["type"], r.get("topic", ""),
                                        "  [" + r["fault"] + "]" if r.get("fault") else ""))
        elif r["event"] == "close":
            print("  #%d closed by %s: %s" % (r["seq"], r["closed_by"], r.get("reason", "")))
    if (TOPIC, "on") in got:
        print("the message arrived after all: paho-mqtt kept it across the restart")
        return 1
    print("lost: %s \"on\" never reached %s, though the session was kept;" % (TOPIC, WATCH))
    print("the client held the unacknowledged message only in the memory of the process that died")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception as e:  # any other failure: exit code 2, with what went wrong
        print("session_loss.py: %s" % e, file=sys.stderr)
        sys.exit(2)
