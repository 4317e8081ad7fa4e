#!/usr/bin/env python3
"""Resources and the Slurm executor, measured.

1. The local scheduler: two stages that each keep 2 cores busy, on a machine with
   `--cpus 2`, declared `cpus: 2` — once with the budget (`--cpus 2`, the default here) and once
   as before resources existed (`--cpus 64`: nothing holds them back). Prints how many ran at
   once and the wall time; with the budget they no longer oversubscribe.
2. The Slurm executor on a real single-node cluster (Tests/SlurmCluster/slurm-cluster.py): a
   pipeline of N short stages, cold, no-op and one input changed: wall time and the CPU of the
   submitting tool (Lepton with its sbatch/squeue children; the jobs run under slurmd and are
   not counted), jobs submitted, and queue queries.

  python3 Benchmarks/cluster.py [--stages 50] [--install]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from peers import measure  # noqa: E402

BURN = """import multiprocessing, time

def burn(_):
    start = time.process_time()
    while time.process_time() - start < 1.5:  # 1.5 s of CPU in each of two processes
        pass

multiprocessing.Pool(2).map(burn, range(2))
"""


def local_scheduler(lepton):
    rows = []
    for label, cpus in (("with the budget (--cpus 2)", "2"), ("no budget (--cpus 64)", "64")):
        folder = tempfile.mkdtemp(prefix="lepton-bench-res-")
        with open(os.path.join(folder, "burn.py"), "w") as handle:
            handle.write(BURN)
        stages = ",\n".join(
            f'    .stage(name: "burn{i}", command: "date +%s.%N > start{i}; python3 burn.py; date +%s.%N > end{i}", '
            f'outputs: ["end{i}"], resources: Resources(cpus: 2))' for i in range(2))
        with open(os.path.join(folder, "Leptonfile"), "w") as handle:
            handle.write(f"import LeptonDescription\nlet pipeline = Pipeline(name: \"res\", stages: [\n{stages}\n])\n")
        measure([lepton, "dag"], folder)
        cpu, wall, _ = measure([lepton, "build", "-j", "2", "--cpus", cpus], folder)
        spans = []
        for i in range(2):
            with open(os.path.join(folder, f"start{i}")) as start, open(os.path.join(folder, f"end{i}")) as end:
                spans.append((float(start.read()), float(end.read())))
        overlap = max(0.0, min(spans[0][1], spans[1][1]) - max(spans[0][0], spans[1][0]))
        rows.append((label, wall, overlap, [round(b - a, 2) for a, b in spans]))
    print("\n== the local scheduler: two stages of 2 busy cores each, -j 2, on 2 cores")
    print(f"{'':30} {'wall s':>7} {'overlap s':>10}  stage durations s")
    for label, wall, overlap, durations in rows:
        print(f"{label:30} {wall:7.2f} {overlap:10.2f}  {durations}")


def slurm(lepton, stages, install):
    arguments = ["python3", os.path.join(bench.ROOT, "Tests/SlurmCluster/slurm-cluster.py")]
    if install:
        arguments.append("--install")
    daemon = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    described = json.loads(daemon.stdout.readline())
    if "error" in described:
        sys.exit(f"the Slurm cluster did not start: {described['error']}")
    env = dict(os.environ, SLURM_CONF=described["conf"])
    os.environ["SLURM_CONF"] = described["conf"]

    def submitted():
        out = subprocess.run(["squeue", "--states=all", "-h", "-o", "%i"], env=env, capture_output=True, text=True)
        return len(out.stdout.split())

    folder = tempfile.mkdtemp(prefix="lepton-bench-slurm-")
    os.makedirs(os.path.join(folder, "in"))
    for i in range(stages):
        with open(os.path.join(folder, "in", f"{i}.txt"), "w") as handle:
            handle.write(f"{i}\n")
    with open(os.path.join(folder, "Lepton.config"), "w") as handle:
        handle.write('{"version": 1, "executor": "slurm", "slurm": {"poll": 0.5}}\n')
    with open(os.path.join(folder, "Leptonfile"), "w") as handle:
        handle.write("import LeptonDescription\nlet pipeline = Pipeline(name: \"slurm\", "
                     "resources: Resources(cpus: 1, memory: \"100M\"))\n"
                     f"for i in 0..<{stages} {{\n"
                     "    pipeline.stages.append(.stage(name: \"s\\(i)\", command: \"cp in/\\(i).txt out/\\(i).txt\", "
                     "inputs: [\"in/\\(i).txt\"], outputs: [\"out/\\(i).txt\"]))\n}\n")
    measure([lepton, "dag"], folder)
    rows = []
    for label, prepare in (("cold", None), ("no-op", None), ("one input changed", "in/0.txt")):
        if prepare:
            with open(os.path.join(folder, prepare), "a") as handle:
                handle.write("changed\n")
        before = submitted()
        cpu, wall, output = measure([lepton, "build", "-q"], folder)
        rows.append((label, wall, cpu, submitted() - before))
    daemon.stdin.close()
    daemon.wait()
    print(f"\n== the Slurm executor: {stages} short stages (cp), 1 cpu and 100M each, a real single-node Slurm "
          f"({os.cpu_count()} cores), poll 0.5 s")
    print(f"{'build':20} {'wall s':>7} {'CPU s':>7} {'jobs':>5} {'CPU ms/job':>11}")
    for label, wall, cpu, jobs in rows:
        per = f"{cpu / jobs * 1000:.1f}" if jobs else "-"
        print(f"{label:20} {wall:7.2f} {cpu:7.3f} {jobs:5d} {per:>11}")
    print(f"load average: {os.getloadavg()[0]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", type=int, default=50)
    parser.add_argument("--install", action="store_true", help="apt-get install slurm-wlm munge if missing")
    parser.add_argument("--only", choices=["local", "slurm"])
    args = parser.parse_args()
    lepton = bench.lepton_binary()
    if args.only in (None, "local"):
        local_scheduler(lepton)
    if args.only in (None, "slurm"):
        slurm(lepton, args.stages, args.install)


if __name__ == "__main__":
    main()
