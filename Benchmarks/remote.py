#!/usr/bin/env python3
"""Remote cache benchmark: restores a pipeline of N outputs totalling S GiB from a loopback nginx
(WebDAV, as teams run for Bazel) and prints Lepton's throughput next to curl's for the same
files in the same run.

  upload   `lepton build --remote-upload` in a first clone runs the N stages (each writes one
           random file) and uploads every output and run-cache entry (reported, not compared)
  restore  a fresh clone's `lepton build` (Leptonfile already evaluated, caches empty):
           N run-cache lookups, HEADs of every blob, and verified downloads straight into the
           workspace (held there, see docs/Design/Cache.md)
  curl     the same N blobs with curl: `--parallel --parallel-max T` (T = Lepton's transfers)
           and one request after another, written to files

Each restore/curl measurement is the best of --repeat runs, the three interleaved, with every
output and cache removed and dirty pages written back (sync) before each run; the server's files stay in the page
cache for both tools. Both write every byte once (Lepton into the workspace, hashing it as it
arrives), so the disk's write-back speed matters to both alike.

Usage: python3 Benchmarks/remote.py [--outputs 100] [--gib 1] [--repeat 5] [--transfers 8]
                                   [--baseline path/to/an/earlier/lepton]
Needs nginx (apt-get install nginx) and curl; builds a release lepton unless LEPTON_BIN
is set. Prints a table; asserts nothing.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import lepton_binary  # noqa: E402


def leptonfile(outputs, size):
    return f"""import LeptonDescription

let stages: [Stage] = (0..<{outputs}).map {{ index in
    .stage(name: "make\\(index)", command: .shell("mkdir -p out && head -c {size} /dev/urandom > out/\\(index).bin"),
           outputs: [.file("out/\\(index).bin")])
}}
let pipeline = Pipeline(stages: stages)
"""


def write_clone(path, text):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "Leptonfile"), "w") as f:
        f.write(text)


def run(cmd, cwd, env=None, allowed=(0,)):
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode not in allowed:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout + result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outputs", type=int, default=100)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--transfers", type=int, default=8)
    parser.add_argument("--baseline", metavar="LEPTON",
                        help="also time this lepton binary's restore (an earlier build), interleaved with the rest")
    args = parser.parse_args()
    lepton = lepton_binary()
    size = int(args.gib * (1 << 30)) // args.outputs
    total = size * args.outputs

    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/RemoteServer/remote-server.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ports = json.loads(server.stdout.readline())
    url = f"http://127.0.0.1:{ports['nginx']}/cache"
    work = tempfile.mkdtemp(prefix="lepton-remote-bench-")
    env = dict(os.environ, LEPTON_REMOTE_TRANSFERS=str(args.transfers), NO_COLOR="1")
    try:
        text = leptonfile(args.outputs, size)
        first = os.path.join(work, "first")
        write_clone(first, text)
        upload_seconds, _ = run([lepton, "build", "--remote", url, "--remote-upload", "-C", first], first, env)

        # One clone per binary: each keeps the Leptonfile evaluation its own version cached.
        clones = {lepton: os.path.join(work, "second")}
        if args.baseline:
            clones[args.baseline] = os.path.join(work, "baseline")
        for binary, clone in clones.items():
            write_clone(clone, text)
            run([binary, "status", "-C", clone], clone, env, allowed=(0, 1))  # evaluates the Leptonfile once
        second = clones[lepton]
        digests = None
        target = os.path.join(work, "curl")

        def restore(verbose=False, binary=lepton):
            clone = clones[binary]
            for name in ["out", ".lepton/cache", "Lepton.lock", ".lepton/noop-snapshot", ".lepton/stat-cache"]:
                path = os.path.join(clone, name)
                shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else (
                    os.path.exists(path) and os.remove(path))
            os.sync()  # every timed run starts with no dirty pages to write back
            seconds, output = run([binary, "build", "--remote", url, "-C", clone] + (["-v"] if verbose else []),
                                  clone, env)
            if "ran " in output.replace("restored", ""):
                sys.exit("the restore ran a stage:\n" + output)
            return (seconds, output) if verbose else seconds

        def curl(blobs, parallel):
            shutil.rmtree(target, ignore_errors=True)
            os.makedirs(target)
            cmd = ["curl", "-s", "-f"] + (["--parallel", "--parallel-max", str(args.transfers)] if parallel else [])
            for index, blob in enumerate(blobs):
                cmd += ["-o", os.path.join(target, f"{index}.bin"), f"{url}/cas/{blob}"]
            os.sync()
            return run(cmd, work)[0]

        def push(round_number):
            # A fresh prefix each round: the server lacks every blob, as for a first upload.
            return run([lepton, "push", "--remote", f"{url}/push{round_number}", "-C", first], first, env)[0]

        def curl_upload(files, round_number, parallel):
            cmd = ["curl", "-s", "-f"] + (["--parallel", "--parallel-max", str(args.transfers)] if parallel else [])
            kind = "p" if parallel else "s"
            for index, path in enumerate(files):
                cmd += ["-T", path, f"{url}/curl{kind}{round_number}/cas/{index}.bin"]
            return run(cmd, work)[0]

        # Interleaved, so that the machine's noise (write-back above all) hits every tool alike.
        lepton_times, parallel_times, serial_times, baseline_times = [], [], [], []
        push_times, upload_parallel, upload_serial = [], [], []
        first_outputs = sorted(os.path.join(first, "out", name) for name in os.listdir(os.path.join(first, "out")))
        for _ in range(args.repeat):
            lepton_times.append(restore())
            if digests is None:
                stages = json.load(open(os.path.join(second, "Lepton.lock")))["stages"].values()
                digests = [output["digest"] for stage in stages for output in stage.get("outputs", {}).values()]
                if len(digests) != args.outputs:
                    sys.exit(f"expected {args.outputs} outputs in Lepton.lock, found {len(digests)}")
            if args.baseline:
                baseline_times.append(restore(binary=args.baseline))
            parallel_times.append(curl(digests, True))
            serial_times.append(curl(digests, False))
            round_number = len(push_times)
            push_times.append(push(round_number))
            upload_parallel.append(curl_upload(first_outputs, round_number, True))
            upload_serial.append(curl_upload(first_outputs, round_number, False))
        curl_parallel = min(parallel_times)
        curl_serial = min(serial_times)
        best = min(lepton_times)
        best_curl = min(curl_parallel, curl_serial)
        median_curl = min(statistics.median(parallel_times), statistics.median(serial_times))
        mib = total / (1 << 20)
        print(f"remote cache restore: {args.outputs} outputs, {mib:.0f} MiB, loopback nginx "
              f"(best and median of {args.repeat}, interleaved; Lepton with {args.transfers} transfers per stage, "
              f"--jobs = cores)")
        print("| step | best s | MiB/s | vs the faster curl (best) | median s | vs the faster curl (median) |")
        print("| --- | --- | --- | --- | --- | --- |")
        print(f"| lepton build --remote-upload (run + upload, first clone) | {upload_seconds:.2f} | - | - | - | - |")
        rows = [("lepton build (fresh clone: look up, verify, download, restore all)", lepton_times),
                (f"curl --parallel --parallel-max {args.transfers}", parallel_times),
                ("curl, one file after another", serial_times)]
        if args.baseline:
            rows.insert(1, (f"the same, {args.baseline} (baseline)", baseline_times))
        for label, times in rows:
            median = statistics.median(times)
            print(f"| {label} | {min(times):.2f} | {mib / min(times):.0f} | {best_curl / min(times):.2f}x | "
                  f"{median:.2f} | {median_curl / median:.2f}x |")
        seconds, output = restore(verbose=True)
        print(f"\nwhere one more restore's {seconds:.2f} s went (lepton build -v; the remote steps are summed over "
              "the stages, which run in parallel):")
        for line in output.splitlines():
            if line.startswith(("remote:", "decide", "load lock", "hash source", "save lock", "write no-op")):
                print("  " + line)
        best_up = min(min(upload_parallel), min(upload_serial))
        median_up = min(statistics.median(upload_parallel), statistics.median(upload_serial))
        print(f"\nremote cache upload: the same {args.outputs} outputs into a prefix the server has none of")
        print("| step | best s | MiB/s | vs the faster curl -T (best) | median s | vs the faster curl -T (median) |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, times in [("lepton push (HEAD each blob, PUT blobs and run-cache entries)", push_times),
                             (f"curl -T --parallel --parallel-max {args.transfers}", upload_parallel),
                             ("curl -T, one file after another", upload_serial)]:
            median = statistics.median(times)
            print(f"| {label} | {min(times):.2f} | {mib / min(times):.0f} | {best_up / min(times):.2f}x | "
                  f"{median:.2f} | {median_up / median:.2f}x |")
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
