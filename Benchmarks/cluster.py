#!/usr/bin/env python3
"""Resources and the Slurm executor, measured.

1. The local scheduler: two stages that each keep 2 cores busy, on a machine with
   `--cpus 2`, declared `cpus: 2` — once with the budget (`--cpus 2`, the default here) and once
   as before resources existed (`--cpus 64`: nothing holds them back). Prints how many ran at
   once and the wall time; with the budget they no longer oversubscribe.
2. The Slurm executor on a real single-node cluster (Tests/SlurmCluster/slurm-cluster.py): a
   pipeline of N short stages through Lepton and through Snakemake with its Slurm executor
   plugin (where installed), cold, no-op and one input changed: wall time and the CPU of the
   submitting tool with its sbatch/squeue children (the jobs run under slurmd and are not
   counted), and jobs submitted.

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


def trainer_stages(lepton):
    """Two built-in trainer stages (threads 2 each): as declared by default (no cpus: each
    reserves every core), and declared 1 cpu each, which lets both run at once as every
    trainer stage did before resources existed."""
    rows = []
    for label, modifier in (("no cpus declared (default)", ""),
                            ("cpus: 1 each (as before)", ".resources(cpus: 1)")):
        folder = tempfile.mkdtemp(prefix="lepton-bench-train-")
        import random
        generator = random.Random(1)
        with open(os.path.join(folder, "train.csv"), "w") as handle:
            handle.write("a,b,c,d,label\n")
            for _ in range(20000):
                values = [generator.uniform(-1, 1) for _ in range(4)]
                handle.write(",".join(f"{v:.4f}" for v in values) + f",{int(sum(values) > 0)}\n")
        stages = ",\n".join(
            f'    .train(name: "train{i}", data: .csv("train.csv", label: "label"), model: [.dense(256), .relu, '
            f'.dense(256), .relu, .dense(2)], epochs: 12, seed: {i}, checkpoint: "model{i}.safetensors", threads: 2)'
            f'{modifier}' for i in range(2))
        with open(os.path.join(folder, "Leptonfile"), "w") as handle:
            handle.write(f"import LeptonDescription\nlet pipeline = Pipeline(name: \"train\", stages: [\n{stages}\n])\n")
        measure([lepton, "dag"], folder)
        cpu, wall, output = measure([lepton, "build", "-j", "2", "-q"], folder)
        durations = {}
        for line in output.splitlines():
            words = line.split()
            if len(words) >= 3 and words[0] == "ran":
                durations[words[1]] = words[2]
        rows.append((label, wall, cpu, [durations.get(f"train{i}", "?") for i in range(2)]))
    print("\n== two built-in trainer stages (threads 2 each), -j 2, on 2 cores")
    print(f"{'':30} {'wall s':>7} {'CPU s':>7}  stage durations")
    for label, wall, cpu, durations in rows:
        print(f"{label:30} {wall:7.2f} {cpu:7.2f}  {durations}")


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


SNAKEFILE = """N = {stages}
rule all:
    input: expand("out/{{i}}.txt", i=range(N))
rule copy:
    input: "in/{{i}}.txt"
    output: "out/{{i}}.txt"
    resources: mem_mb=400, cpus_per_task=1
    shell: "cp {{input}} {{output}}"
"""


def snakemake_available():
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return False
    return subprocess.run(["snakemake", "--version"], capture_output=True).returncode == 0


def slurm(lepton, stages, install, tools):
    arguments = ["python3", os.path.join(bench.ROOT, "Tests/SlurmCluster/slurm-cluster.py")]
    if "snakemake" in tools:
        # Snakemake's job step clears SLURM_CONF before calling srun: the default place must do.
        arguments.append("--default-config")
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

    def package():
        folder = tempfile.mkdtemp(prefix="lepton-bench-slurm-")
        os.makedirs(os.path.join(folder, "in"))
        for i in range(stages):
            with open(os.path.join(folder, "in", f"{i}.txt"), "w") as handle:
                handle.write(f"{i}\n")
        return folder

    commands = {}
    if "lepton" in tools:
        folder = package()
        with open(os.path.join(folder, "Lepton.config"), "w") as handle:
            handle.write('{"version": 1, "executor": "slurm", "slurm": {"poll": 1}}\n')
        with open(os.path.join(folder, "Leptonfile"), "w") as handle:
            handle.write("import LeptonDescription\nlet pipeline = Pipeline(name: \"slurm\", "
                         "resources: Resources(cpus: 1, memory: \"400M\"))\n"
                         f"for i in 0..<{stages} {{\n"
                         "    pipeline.stages.append(.stage(name: \"s\\(i)\", command: \"cp in/\\(i).txt out/\\(i).txt\", "
                         "inputs: [\"in/\\(i).txt\"], outputs: [\"out/\\(i).txt\"]))\n}\n")
        measure([lepton, "dag"], folder)
        commands["lepton"] = (folder, [lepton, "build", "-q"])
    if "snakemake" in tools:
        folder = package()
        with open(os.path.join(folder, "Snakefile"), "w") as handle:
            handle.write(SNAKEFILE.format(stages=stages))
        commands["snakemake"] = (folder, [
            "snakemake", "--executor", "slurm", "--jobs", "100", "--slurm-status-command", "squeue",
            "--seconds-between-status-checks", "1", "--slurm-init-seconds-before-status-checks", "1",
            "--slurm-no-account", "-q"])
    rows = []
    for label, change in (("cold", False), ("no-op", False), ("one input changed", True)):
        for tool, (folder, command) in commands.items():
            if change:
                with open(os.path.join(folder, "in", "0.txt"), "a") as handle:
                    handle.write("changed\n")
            before = submitted()
            cpu, wall, _ = measure(command, folder)
            rows.append((label, tool, wall, cpu, submitted() - before))
    daemon.stdin.close()
    daemon.wait()
    print(f"\n== the Slurm executor: {stages} short stages (cp), 1 cpu and 400M each, a real single-node Slurm "
          f"({os.cpu_count()} cores), status every 1 s")
    print(f"{'build':20} {'tool':10} {'wall s':>7} {'CPU s':>7} {'jobs':>5} {'CPU ms/job':>11}")
    for label, tool, wall, cpu, jobs in rows:
        per = f"{cpu / jobs * 1000:.1f}" if jobs else "-"
        print(f"{label:20} {tool:10} {wall:7.2f} {cpu:7.3f} {jobs:5d} {per:>11}")
    print(f"load average: {os.getloadavg()[0]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", type=int, default=50)
    parser.add_argument("--install", action="store_true", help="apt-get install slurm-wlm munge if missing")
    parser.add_argument("--only", choices=["local", "slurm"])
    parser.add_argument("--tools", default="lepton,snakemake",
                        help="on Slurm: lepton, snakemake (with snakemake-executor-plugin-slurm; skipped if missing)")
    args = parser.parse_args()
    tools = args.tools.split(",")
    if "snakemake" in tools and not snakemake_available():
        print("snakemake or snakemake-executor-plugin-slurm is not installed "
              "(pip install snakemake snakemake-executor-plugin-slurm): Lepton alone")
        tools.remove("snakemake")
    lepton = bench.lepton_binary()
    if args.only in (None, "local"):
        local_scheduler(lepton)
        trainer_stages(lepton)
    if args.only in (None, "slurm"):
        slurm(lepton, args.stages, args.install, tools)


if __name__ == "__main__":
    main()
