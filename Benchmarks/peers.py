#!/usr/bin/env python3
"""Lepton next to make, ninja, doit and Snakemake on the same generated pipelines, CPU time first.

Every row of issue 15's table in one run. Each tool gets its own copy of the same inputs and
runs the same stage commands (`head -c 64 in/sI_0.txt > out/sI.txt`), so the outputs are
byte-identical in every tool (checked). The figure of record is CPU time (user + sys of the
tool and everything it started, from wait4), the median of --repeat runs; wall time and the
machine's 1-minute load when the row was measured are printed beside it.

Rows:
  evaluation  first evaluation of a Leptonfile in a fresh copy of the package (the DSL
              library already in the user-level cache): 100 stages in a loop, 1,000 stages
              written one `.stage(...)` each (all literals; a string constant interpolated in
              each; the same with a computed constant, evaluated by a small probe; a method
              call interpolated in each, which the probe computes once; a helper function of
              the file called in each, so the whole file is compiled), 1,000 in a typed
              table + `for`, and the same
              files again after a one-line edit
  small       no-op and status at 100 stages x 10 files, no-op at 1 stage
  big         no-op of 1 stage reading a 1 GiB input, and the build after touching it (Lepton
              and doit re-hash it; make and ninja rerun the stage)
  wide        1,000 independent stages x 10 files: cold build (after a reset in place, and in
              fresh copies of the folder), no-op, one input changed,
              status / dry run with that one stale stage

Usage: python3 Benchmarks/peers.py [--rows evaluation,small,big,wide] [--repeat 5] [--jobs 2]
                                   [--stages 1000] [--big-gib 1] [--tools lepton,make,ninja,doit,snakemake]
Needs a release build of lepton (built here unless LEPTON_BIN is set); ninja, doit and
Snakemake come from PyPI when missing (a tool that cannot be installed is left out and said so).
Prints a table; asserts nothing but equal outputs.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (lepton_binary, ninja_binary)

BLOCK = b"0123456789abcdef" * 256  # 4 KiB per input file
FRESH_SETTLE_SECONDS = 36  # ext4's window for recently freed inodes (30 s) and a margin


def measure(command, cwd, allowed=(0,)):
    """(CPU seconds of the process tree, wall seconds, output) of one run; exits on failure
    (a status outside `allowed`: `lepton status` exits 1 when something is stale)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in allowed:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}) in {cwd}:\n{output[-3000:]}")
    return usage.ru_utime + usage.ru_stime, wall, output


class Sample:
    """Medians of several runs of one case, with the load when it was measured."""

    def __init__(self, runs):
        self.cpu = statistics.median(run[0] for run in runs)
        self.wall = statistics.median(run[1] for run in runs)
        self.load = os.getloadavg()[0]


def repeat(times, prepare, command, cwd, allowed=(0,)):
    runs = []
    for _ in range(times):
        if prepare:
            prepare()
        runs.append(measure(command, cwd, allowed)[:2])
    return Sample(runs)


# --- pipelines ---------------------------------------------------------------------------------


def write_inputs(folder, stages, files, big_gib=0):
    os.makedirs(os.path.join(folder, "in"), exist_ok=True)
    os.makedirs(os.path.join(folder, "out"), exist_ok=True)
    for s in range(stages):
        for f in range(files):
            with open(os.path.join(folder, "in", f"s{s}_{f}.txt"), "wb") as handle:
                handle.write(f"{s} {f}\n".encode() + BLOCK)
    if big_gib:
        chunk = os.urandom(1 << 20)
        with open(os.path.join(folder, "in", "big.bin"), "wb") as handle:
            for _ in range(int(big_gib * 1024)):
                handle.write(chunk)


def stage_list(stages, files, big):
    """(name, inputs, output, command) per stage: the one pipeline every tool describes."""
    if big:
        return [("s0", ["in/big.bin"], "out/s0.txt", "wc -c < in/big.bin > out/s0.txt")]
    return [(f"s{s}", [f"in/s{s}_{f}.txt" for f in range(files)], f"out/s{s}.txt",
             f"head -c 64 in/s{s}_0.txt > out/s{s}.txt") for s in range(stages)]


class Tool:
    name = ""
    state = ()  # files and folders holding the tool's own state

    def __init__(self, program):
        self.program = program

    def reset(self, folder):
        bench.reset_outputs(folder, self.state)


class Lepton(Tool):
    name = "lepton"
    state = (".lepton/cache", ".lepton/stat-cache", ".lepton/journal", ".lepton/noop-snapshot", "Lepton.lock",
             ".lepton/history", ".lepton/logs")

    def describe(self, folder, stages, typed=False, form=None):
        lines = ["import LeptonDescription", ""]
        if form == "loop":
            # Generated: computed names and commands, no long literal (bench.py's form).
            lines += ["let pipeline = Pipeline(name: \"bench\")",
                      f"for s in 0..<{len(stages)} {{",
                      "    pipeline.stages.append(.stage(name: \"s\\(s)\", command: \"head -c \\(s % 64 + 1) in/s0_0.txt > out/s\\(s).txt\",",
                      "        inputs: [\"in/s0_0.txt\", \"in/s0_1.txt\", \"in/s0_2.txt\"], outputs: [\"out/s\\(s).txt\"]))",
                      "}"]
        elif form == "chunks":
            # One literal split into arrays of 200 stages.
            names = []
            for start in range(0, len(stages), 200):
                names.append(f"part{start // 200}")
                lines.append(f"let {names[-1]}: [Stage] = [")
                for name, inputs, output, command in stages[start:start + 200]:
                    quoted = ", ".join(f'"{i}"' for i in inputs)
                    lines.append(f'    .stage(name: "{name}", command: "{command}", inputs: [{quoted}], outputs: ["{output}"]),')
                lines.append("]")
            lines.append(f"let pipeline = Pipeline(name: \"bench\", stages: {' + '.join(names)})")
        elif typed:
            lines.append("let table: [(String, String, [String], String)] = [")
            for name, inputs, output, command in stages:
                lines.append(f'    ("{name}", "{command}", [{", ".join(chr(34) + i + chr(34) for i in inputs)}], "{output}"),')
            lines += ["]", "let pipeline = Pipeline(name: \"bench\")",
                      "for (name, command, inputs, output) in table {",
                      "    pipeline.stages.append(.stage(name: name, command: .shell(command), inputs: inputs.map { Input($0) }, outputs: [Output(output)]))",
                      "}"]
        else:
            # "interpolated": a string constant interpolated into each stage (still literals);
            # "computed": the same with a computed constant (its probe is compiled, the rows read);
            # "expression": a method call interpolated in each row (the probe computes it once);
            # "helper": a function of the file's own called in each row (the probe makes each call).
            if form == "interpolated":
                lines.append('let folder = "out"')
            elif form in ("computed", "expression"):
                lines.append('let folder = "o" + "ut"')
            elif form == "helper":
                lines += ['let folder = "o" + "ut"', "func under(_ name: String) -> String { name.lowercased() }"]
            lines.append("let pipeline = Pipeline(name: \"bench\", stages: [")
            for name, inputs, output, command in stages:
                quoted = ", ".join(f'"{i}"' for i in inputs)
                if form in ("interpolated", "computed"):
                    output = output.replace("out/", "\\(folder)/", 1)
                elif form == "expression":
                    output = output.replace("out/", "\\(folder.lowercased())/", 1)
                elif form == "helper":
                    output = output.replace("out/", "\\(under(folder))/", 1)
                lines.append(f'    .stage(name: "{name}", command: "{command}", inputs: [{quoted}], outputs: ["{output}"]),')
            lines.append("])")
        with open(os.path.join(folder, "Leptonfile"), "w") as handle:
            handle.write("\n".join(lines) + "\n")

    def generate(self, folder, stages):
        self.describe(folder, stages)
        measure([self.program, "dag"], folder)  # evaluation cached: the rows time builds

    def build(self, jobs):
        return [self.program, "build", "-j", str(jobs)]

    def dry_run(self, jobs):
        return [self.program, "status"]


class Make(Tool):
    name = "make"

    def generate(self, folder, stages):
        with open(os.path.join(folder, "Makefile"), "w") as handle:
            handle.write(f"all: {' '.join(output for _, _, output, _ in stages)}\n\n")
            for _, inputs, output, command in stages:
                handle.write(f"{output}: {' '.join(inputs)}\n\t{command}\n")

    def build(self, jobs):
        return [self.program, "-r", "-s", "-j", str(jobs)]  # -r: no built-in rules to search

    def dry_run(self, jobs):
        return [self.program, "-r", "-n"]


class Ninja(Tool):
    name = "ninja"
    state = (".ninja_log", ".ninja_deps")

    def generate(self, folder, stages):
        with open(os.path.join(folder, "build.ninja"), "w") as handle:
            handle.write("rule cmd\n  command = $cmd\n\n")
            for _, inputs, output, command in stages:
                handle.write(f"build {output}: cmd {' '.join(inputs)}\n  cmd = {command}\n")

    def build(self, jobs):
        return [self.program, "-j", str(jobs)]

    def dry_run(self, jobs):
        return [self.program, "-n"]


class Doit(Tool):
    name = "doit"
    state = (".doit.db", ".doit.db.db", ".doit.db.dat", ".doit.db.dir", ".doit.db.bak", "__pycache__")

    def generate(self, folder, stages):
        with open(os.path.join(folder, "dodo.py"), "w") as handle:
            handle.write(f"STAGES = {[(name, inputs, output, command) for name, inputs, output, command in stages]!r}\n")
            handle.write("DOIT_CONFIG = {'verbosity': 0}\n\n\ndef task_stage():\n"
                         "    for name, inputs, output, command in STAGES:\n"
                         "        yield {'name': name, 'file_dep': inputs, 'targets': [output], 'actions': [command]}\n")

    def build(self, jobs):
        return [sys.executable, "-m", "doit", "-n", str(jobs)] if jobs > 1 else [sys.executable, "-m", "doit"]

    def dry_run(self, jobs):
        return [sys.executable, "-m", "doit", "list", "--all", "--status"]


class Snakemake(Tool):
    name = "snakemake"
    state = (".snakemake",)

    def generate(self, folder, stages):
        with open(os.path.join(folder, "Snakefile"), "w") as handle:
            handle.write(f"STAGES = {dict((name, (inputs, output, command)) for name, inputs, output, command in stages)!r}\n\n")
            handle.write("rule all:\n    input: [output for _, output, _ in STAGES.values()]\n\n")
            handle.write("rule stage:\n    input: lambda w: STAGES[w.name][0]\n    output: 'out/{name}.txt'\n"
                         "    params: command=lambda w: STAGES[w.name][2]\n    shell: '{params.command}'\n")

    def build(self, jobs):
        return [sys.executable, "-m", "snakemake", "--cores", str(jobs), "--quiet", "all"]

    def dry_run(self, jobs):
        return [sys.executable, "-m", "snakemake", "-n", "--quiet", "all"]


def peer_tools(names, lepton):
    tools = []
    for name in names:
        if name == "lepton":
            tools.append(Lepton(lepton))
        elif name == "make" and shutil.which("make"):
            tools.append(Make(shutil.which("make")))
        elif name == "ninja":
            tools.append(Ninja(bench.ninja_binary()))
        elif name in ("doit", "snakemake"):
            if not importable(name):
                subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", name], check=False)
            if importable(name):
                tools.append(Doit(None) if name == "doit" else Snakemake(None))
            else:
                print(f"({name} is not installed and `pip install {name}` failed: left out)")
        else:
            print(f"({name} not found: left out)")
    return tools


def importable(module):
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def outputs_of(folder):
    found = {}
    for name in sorted(os.listdir(os.path.join(folder, "out"))):
        with open(os.path.join(folder, "out", name), "rb") as handle:
            found[name] = handle.read()
    return found


# --- rows ---------------------------------------------------------------------------------------


class Table:
    def __init__(self):
        self.rows = []

    def add(self, case, samples, note=""):
        """samples: tool name -> Sample (or None)."""
        self.rows.append((case, samples, note))
        lepton = samples.get("lepton")
        peers = {name: sample for name, sample in samples.items() if name != "lepton" and sample}
        best = min(peers.items(), key=lambda item: item[1].cpu) if peers else None
        cells = "  ".join(f"{name} {sample.cpu:.3f}" for name, sample in samples.items() if sample)
        ratio = ""
        ninja = peers.get("ninja")
        if lepton and ninja and ninja.cpu > 0:
            ratio = f"{lepton.cpu / ninja.cpu:.2f}x ninja"
        if lepton and best and best[0] != "ninja" and best[1].cpu > 0:
            ratio += f", {lepton.cpu / best[1].cpu:.2f}x {best[0]}"
        load = max(sample.load for sample in samples.values() if sample)
        print(f"{case:<52} {cells}   {ratio}   load {load:.2f}  {note}", flush=True)


def pipeline_rows(table, tools, args, label, stages, files, big_gib=0, cold=True, one_file=True):
    base = tempfile.mkdtemp(prefix=f"lepton-peers-{label}-")
    try:
        write_inputs(os.path.join(base, "inputs"), 0 if big_gib else stages, files, big_gib)
        described = stage_list(stages, files, bool(big_gib))
        folders = {}
        for tool in tools:
            folder = os.path.join(base, tool.name)
            shutil.copytree(os.path.join(base, "inputs"), folder)
            tool.generate(folder, described)
            folders[tool.name] = folder
        fresh_samples = {}
        if cold:
            # The cold build in fresh copies of the generated folder (a CI runner's clone, the
            # evaluation cache copied along), made untimed, tools interleaved, and measured before
            # anything is deleted: right after thousands of files were deleted, this ext4 makes
            # every inode allocation pay for them, which the reset-in-place row below shows.
            # ext4 (without a journal) passes over inodes freed in the last 30 s
            # (vm.dirty_expire_centisecs) on every allocation, so the copies are made first and
            # the builds start only after that window: whatever was deleted before (an earlier
            # benchmark's folders) costs nobody.
            runs = {tool.name: [] for tool in tools}
            for index in range(min(3, args.repeat)):
                for tool in tools:
                    shutil.copytree(folders[tool.name], os.path.join(base, f"{tool.name}-fresh-{index}"), symlinks=True)
            time.sleep(FRESH_SETTLE_SECONDS)
            for index in range(min(3, args.repeat)):
                for tool in tools:
                    runs[tool.name].append(measure(tool.build(args.jobs), os.path.join(base, f"{tool.name}-fresh-{index}"))[:2])
            fresh_reference = outputs_of(os.path.join(base, f"{tools[0].name}-fresh-0"))
            for tool in tools:
                for index in range(min(3, args.repeat)):
                    if outputs_of(os.path.join(base, f"{tool.name}-fresh-{index}")) != fresh_reference:
                        sys.exit(f"{tool.name}'s outputs in a fresh copy differ in {label}")
                fresh_samples[tool.name] = Sample(runs[tool.name])
        cold_samples = {}
        for tool in tools:
            folder = folders[tool.name]
            cold_samples[tool.name] = repeat(min(3, args.repeat) if cold else 1, lambda: tool.reset(folder),
                                             tool.build(args.jobs), folder)
        reference = outputs_of(folders[tools[0].name])
        for tool in tools[1:]:
            if outputs_of(folders[tool.name]) != reference:
                sys.exit(f"{tool.name}'s outputs differ from {tools[0].name}'s in {label}")
        if cold:
            table.add(f"{label}: cold build in a fresh copy, -j{args.jobs}", fresh_samples,
                      f"{len(reference)} equal outputs; copies made untimed, interleaved")
            table.add(f"{label}: cold build after a reset in place, -j{args.jobs}", cold_samples,
                      "right after the previous round's files were deleted")
        for tool in tools:  # settles outputs written within their own timestamp tick
            measure(tool.build(args.jobs), folders[tool.name])
        table.add(f"{label}: no-op", {tool.name: repeat(args.repeat, None, tool.build(args.jobs), folders[tool.name])
                                      for tool in tools})
        if not big_gib:
            table.add(f"{label}: status / dry run, nothing stale",
                      {tool.name: repeat(args.repeat, None, tool.dry_run(args.jobs), folders[tool.name], (0, 1))
                       for tool in tools})
        if big_gib:
            samples = {}
            for tool in tools:
                path = os.path.join(folders[tool.name], "in", "big.bin")
                samples[tool.name] = repeat(args.repeat, lambda: os.utime(path), tool.build(args.jobs),
                                            folders[tool.name])
            table.add(f"{label}: touched {big_gib:g} GiB input", samples,
                      "lepton/doit re-hash, make/ninja rerun the stage")
        if one_file and not big_gib:
            samples = {}
            status = {}
            for tool in tools:
                folder = folders[tool.name]
                counter = [0]

                def change(folder=folder, counter=counter):
                    counter[0] += 1
                    with open(os.path.join(folder, "in", "s0_3.txt"), "ab") as handle:
                        handle.write(f"changed {counter[0]}\n".encode())

                samples[tool.name] = repeat(args.repeat, change, tool.build(args.jobs), folder)
                change()
                status[tool.name] = repeat(args.repeat, None, tool.dry_run(args.jobs), folder, (0, 1))
                measure(tool.build(args.jobs), folder)
            table.add(f"{label}: one input changed", samples, "1 stage reruns")
            table.add(f"{label}: status / dry run, one stale stage", status)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def evaluation_rows(table, lepton, args):
    """First evaluations in fresh copies of a package (user-level DSL cache warm), then after an
    edit of one line."""
    tool = Lepton(lepton)
    base = tempfile.mkdtemp(prefix="lepton-peers-eval-")
    try:
        warm = os.path.join(base, "warm")
        os.makedirs(warm)
        write_inputs(warm, 1, 1)
        tool.describe(warm, stage_list(1, 1, False))
        measure([lepton, "dag"], warm)
        forms = [("100 stages, one .stage each", 100, False, None), ("1,000 stages, one .stage each", 1000, False, None),
                 ("1,000 stages, one .stage each, a constant interpolated in each", 1000, False, "interpolated"),
                 ("1,000 stages, one .stage each, a computed constant interpolated in each", 1000, False, "computed"),
                 ("1,000 stages, one .stage each, a method call interpolated in each (computed by the probe)", 1000,
                  False, "expression"),
                 ("1,000 stages, one .stage each, a helper function of the file called in each (each call by the probe)", 1000, False,
                  "helper"),
                 ("1,000 stages, typed table + for", 1000, True, None),
                 ("1,000 stages, literal in arrays of 200", 1000, False, "chunks"),
                 ("1,000 stages, generated by a for loop", 1000, False, "loop")]
        for title, count, typed, form in forms:
            # Three shared inputs (validation checks they exist); every stage its own command.
            described = [(f"s{s}", ["in/s0_0.txt", "in/s0_1.txt", "in/s0_2.txt"], f"out/s{s}.txt",
                          f"head -c {s % 64 + 1} in/s0_0.txt > out/s{s}.txt") for s in range(count)]
            first, edited = [], []
            for attempt in range(args.eval_repeat):
                folder = os.path.join(base, f"{count}-{typed}-{form}-{attempt}")
                write_inputs(folder, 1, 3)
                tool.describe(folder, described, typed, form)
                first.append(measure([lepton, "dag"], folder)[:2])
                with open(os.path.join(folder, "Leptonfile")) as handle:
                    text = handle.read()
                with open(os.path.join(folder, "Leptonfile"), "w") as handle:
                    handle.write(text + f"// edited {attempt}\n")
                edited.append(measure([lepton, "dag"], folder)[:2])
            table.add(f"evaluation: {title}, first", {"lepton": Sample(first)}, "fresh copy, warm user cache")
            table.add(f"evaluation: {title}, after an edit", {"lepton": Sample(edited)})
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="evaluation,small,big,wide")
    parser.add_argument("--tools", default="lepton,make,ninja,doit,snakemake")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--eval-repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--stages", type=int, default=1000)
    parser.add_argument("--big-gib", type=float, default=1.0)
    args = parser.parse_args()
    lepton = os.path.abspath(bench.lepton_binary())
    tools = peer_tools(args.tools.split(","), lepton)
    rows = args.rows.split(",")
    print(f"lepton {lepton}; {os.cpu_count()} cores; load at start {os.getloadavg()[0]:.2f}")
    print("CPU seconds (user+sys of the whole process tree), median of runs; ratio = lepton / best peer\n")
    table = Table()
    if "evaluation" in rows:
        evaluation_rows(table, lepton, args)
    if "small" in rows:
        pipeline_rows(table, tools, args, "100 stages x 10 files", 100, 10, cold=False)
        pipeline_rows(table, tools, args, "1 stage", 1, 1, cold=False, one_file=False)
    if "big" in rows and args.big_gib > 0:
        pipeline_rows(table, tools, args, f"1 stage, {args.big_gib:g} GiB input", 1, 1, big_gib=args.big_gib,
                      cold=False, one_file=False)
    if "wide" in rows:
        pipeline_rows(table, tools, args, f"{args.stages} wide stages x 10 files", args.stages, 10)


if __name__ == "__main__":
    main()
