"""Time from exec of `xeroflow sandbox` to its `listening on` line.

Usage: python3 bench/sandbox/startup.py [path/to/xeroflow] [runs]
Three cases, each run RUNS times (default 20), median and max reported:
in memory; a new data file (the demo organisations are seeded and written); an existing data file
holding 2,000 contacts and 500 invoices (loaded at start).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/xeroflow"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def start(args):
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "sandbox", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    elapsed = time.perf_counter() - t0
    assert line.startswith("listening on "), line
    return p, line.split()[-1], elapsed


def stop(p):
    p.terminate()
    p.wait(timeout=10)


def measure(name, args_for_run):
    times = []
    for i in range(runs):
        p, _, t = start(args_for_run(i))
        times.append(t)
        stop(p)
    print(f"{name:44s} median {statistics.median(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   ({runs} runs)")


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


with tempfile.TemporaryDirectory() as d:
    measure("in memory (--in-memory)", lambda i: ["--in-memory"])
    measure("new data file (seeds two organisations)", lambda i: ["--data", os.path.join(d, f"new-{i}.sqlite")])
    full = os.path.join(d, "full.sqlite")
    p, base, _ = start(["--data", full, "--limits", "off"])
    form = urllib.request.Request(base + "/connect/token", data=b"grant_type=client_credentials", method="POST")
    form.add_header("Authorization", "Basic c2FuZGJveDpzYW5kYm94")
    token = json.loads(urllib.request.urlopen(form).read())["access_token"]
    for batch in range(40):
        call(base, "PUT", "/api.xro/2.0/Contacts", {"Contacts": [{"Name": f"Contact {batch * 50 + i}"} for i in range(50)]}, token)
    for batch in range(10):
        call(base, "PUT", "/api.xro/2.0/Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": f"Contact {batch * 50 + i}"},
              "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}]} for i in range(50)]}, token)
    stop(p)
    measure("existing data file (2,000 contacts, 500 invoices)", lambda i: ["--data", full])
