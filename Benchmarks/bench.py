#!/usr/bin/env python3
"""Lepton's speed benchmark: times `lepton build` against ninja on the same generated pipelines.

For each shape (chain: every stage reads the previous stage's output; wide: independent
stages) it generates S stages x F input files, a Leptonfile (stages made in a Swift `for`
loop) and the equivalent build.ninja, then times in one run, for both tools:

  cold       no outputs, no cache (Lepton's evaluated Leptonfile is cached; its first
             evaluation is reported on its own line)
  no-op      nothing changed (median of several runs)
  touched    every input's mtime changed, content not (then the no-op after it)
  one-file   one input of the first stage changed

plus the warm load of an unchanged Leptonfile and the re-hash of a touched 1 GiB input.

With --baseline OTHER_LEPTON it also times another lepton binary (an earlier commit's) on the
same pipelines in the same run, runs of the two interleaved: the cold build and the no-op build,
with the ratio current/baseline (a refactoring must keep them within 10%).

Usage: python3 Benchmarks/bench.py [--stages 1000] [--files 10] [--jobs 2] [--repeat 7] [--big-gib 1]
                                   [--baseline PATH]
Needs: a release build of lepton (built here unless LEPTON_BIN is set) and ninja (installed
with pip if missing). Prints a table; asserts nothing.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lepton_binary():
    if os.environ.get("LEPTON_BIN"):
        return os.path.abspath(os.environ["LEPTON_BIN"])
    # A statically linked Swift runtime starts about 8 ms faster, and without PIE the loader has
    # no relative relocations to apply (2 ms of a no-op): the way docs/plugin.md installs lepton.
    flags = ["-c", "release", "--static-swift-stdlib", "-Xswiftc", "-Xclang-linker", "-Xswiftc", "-no-pie",
             "--scratch-path", os.path.join(ROOT, ".build-release")]
    subprocess.run(["swift", "build", *flags, "--product", "lepton"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    path = subprocess.run(["swift", "build", *flags, "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(path, "lepton")


def ninja_binary():
    """The real ninja executable (not a pyenv shim, whose shell start-up would slow ninja down)."""
    def from_pip():
        try:
            import ninja  # noqa: F401  (the PyPI package ships the binary)
            path = os.path.join(ninja.BIN_DIR, "ninja")
            return path if os.access(path, os.X_OK) else None
        except ImportError:
            return None
    for candidate in (from_pip(), "/usr/bin/ninja", shutil.which("ninja")):
        if candidate and "shims" not in candidate and os.access(candidate, os.X_OK):
            return candidate
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "ninja"], check=True)
    found = from_pip()
    if not found:
        sys.exit("cannot find ninja after `pip install ninja`")
    return found


def generate(folder, shape, stages, files):
    """Writes inputs, a Leptonfile and a build.ninja describing the same S x F pipeline."""
    os.makedirs(os.path.join(folder, "in"))
    os.makedirs(os.path.join(folder, "out"))
    block = (b"0123456789abcdef" * 256)  # 4 KiB: 10,000 files are 40 MB, as in the target
    for s in range(stages):
        for f in range(files):
            with open(os.path.join(folder, "in", f"s{s}_{f}.txt"), "wb") as handle:
                handle.write(f"{s} {f}\n".encode() + block)
    chain = "true" if shape == "chain" else "false"
    with open(os.path.join(folder, "Leptonfile"), "w") as handle:
        handle.write(f"""import LeptonDescription

let stages = {stages}
let files = {files}
let chain = {chain}
let pipeline = Pipeline(name: "bench-{shape}")
for s in 0..<stages {{
    var inputs: [Input] = []
    for f in 0..<files {{ inputs.append("in/s\\(s)_\\(f).txt") }}
    var source = "in/s\\(s)_0.txt"
    if chain && s > 0 {{
        inputs.append("out/s\\(s - 1).txt")
        source = "out/s\\(s - 1).txt"
    }}
    pipeline.stages.append(.stage(
        name: "s\\(s)", command: "head -c 64 \\(source) > out/s\\(s).txt", inputs: inputs, outputs: ["out/s\\(s).txt"]))
}}
""")
    with open(os.path.join(folder, "build.ninja"), "w") as handle:
        handle.write("rule cmd\n  command = $cmd\n\n")
        for s in range(stages):
            inputs = [f"in/s{s}_{f}.txt" for f in range(files)]
            source = f"in/s{s}_0.txt"
            if shape == "chain" and s > 0:
                inputs.append(f"out/s{s - 1}.txt")
                source = f"out/s{s - 1}.txt"
            handle.write(f"build out/s{s}.txt: cmd {' '.join(inputs)}\n  cmd = head -c 64 {source} > out/s{s}.txt\n")


def timed(command, cwd):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout + result.stderr


def median(command, cwd, repeat):
    return statistics.median(timed(command, cwd)[0] for _ in range(repeat))


def ran_count(output):
    return len([line for line in output.splitlines() if line.strip().startswith("ran ")])


def rehash_reference(folder):
    """Seconds for Python's hashlib (OpenSSL SHA-256) to read and hash every input once."""
    import hashlib
    names = [os.path.join(folder, "in", name) for name in os.listdir(os.path.join(folder, "in"))]
    start = time.perf_counter()
    for name in names:
        with open(name, "rb") as handle:
            hashlib.sha256(handle.read()).hexdigest()
    return time.perf_counter() - start


def touch_inputs(folder):
    now = time.time()
    for name in os.listdir(os.path.join(folder, "in")):
        os.utime(os.path.join(folder, "in", name), (now, now))


def reset_outputs(folder, state=(".lepton/cache", ".lepton/stat-cache", ".lepton/journal", "Lepton.lock",
                                 ".ninja_log", ".ninja_deps")):
    """Removes the outputs (`out/`, made again empty) and the tools' state files and folders."""
    for path in ("out",) + tuple(state):
        full = os.path.join(folder, path)
        if os.path.isdir(full):
            shutil.rmtree(full)
        elif os.path.exists(full):
            os.remove(full)
    os.makedirs(os.path.join(folder, "out"))


def bench_shape(shape, args, lepton, ninja, rows):
    folder = tempfile.mkdtemp(prefix=f"lepton-bench-{shape}-")
    try:
        generate(folder, shape, args.stages, args.files)
        jobs = str(args.jobs)
        lep = [lepton, "build", "--jobs", jobs]
        nin = [ninja, "-j", jobs]
        evaluation, _ = timed([lepton, "dag"], folder)
        _, verbose = timed([lepton, "dag", "-v"], folder)
        load = re.search(r"loaded in ([0-9.]+) ms", verbose)
        rows.append((shape, "Leptonfile first evaluation", evaluation, None, ""))
        rows.append((shape, "Leptonfile warm load (in-process)", float(load.group(1)) / 1000 if load else None, None,
                     "target < 10 ms"))

        lepton_cold, output = timed(lep, folder)
        assert ran_count(output) == args.stages, output[-2000:]
        ninja_cold, _ = timed(nin, folder)  # ninja has no log yet either
        reset_outputs(folder)
        ninja_cold = min(ninja_cold, timed(nin, folder)[0])
        reset_outputs(folder)
        lepton_cold = min(lepton_cold, timed(lep, folder)[0])
        timed(nin, folder)
        rows.append((shape, f"cold build, {args.stages} stages, -j{jobs}", lepton_cold, ninja_cold, "target <= 1.5x"))

        timed(lep, folder)  # settles outputs written within their own timestamp tick
        lepton_noop = median(lep, folder, args.repeat)
        ninja_noop = median(nin, folder, args.repeat)
        rows.append((shape, "no-op build", lepton_noop, ninja_noop, "target <= 1.5x"))
        if args.baseline:
            compare_with_baseline(shape, args, lep, folder, rows)

        touch_inputs(folder)
        lepton_touched, output = timed(lep, folder)
        assert ran_count(output) == 0, output[-2000:]
        lepton_after, _ = timed(lep, folder)
        lepton_after = min(lepton_after, timed(lep, folder)[0])
        touch_inputs(folder)
        ninja_touched, _ = timed(nin, folder)  # ninja reruns every stage: it trusts mtimes
        rows.append((shape, f"touched {args.stages * args.files} inputs (no change)", lepton_touched, ninja_touched,
                     "lepton reruns 0 stages; ninja reruns all"))
        rows.append((shape, "reference: hashlib re-hashing those files", rehash_reference(folder), None,
                     "the touched build minus a no-op should not exceed this"))
        rows.append((shape, "no-op right after the touch", lepton_after, median(nin, folder, 3), "no re-hash"))

        with open(os.path.join(folder, "in", "s0_3.txt"), "ab") as handle:
            handle.write(b"changed\n")
        lepton_one, output = timed(lep, folder)
        ran = ran_count(output)
        with open(os.path.join(folder, "in", "s0_3.txt"), "ab") as handle:
            handle.write(b"again\n")
        ninja_one, _ = timed(nin, folder)
        note = f"lepton ran {ran} stage(s)" + (" (early cutoff)" if shape == "chain" else "")
        rows.append((shape, "one input file changed", lepton_one, ninja_one, note))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def compare_with_baseline(shape, args, lep, folder, rows):
    """The current and the baseline binary on the same pipeline, runs interleaved: cold builds
    (outputs and cache removed before each) and no-op builds. The ratio column is
    current / baseline."""
    # Each binary builds its own copy: their evaluated-Leptonfile caches and no-op snapshots
    # differ when their DSLs do, and sharing a folder would measure re-evaluations.
    other = folder + "-baseline"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(folder, other, symlinks=True)
    base = [args.baseline] + lep[1:]
    places = {"current": (lep, folder), "baseline": (base, other)}
    cold = {"current": [], "baseline": []}
    try:
        for _ in range(3):
            for name, (command, where) in places.items():
                reset_outputs(where)
                elapsed, output = timed(command, where)
                assert ran_count(output) == args.stages, output[-2000:]
                cold[name].append(elapsed)
        for command, where in places.values():
            timed(command, where)
            timed(command, where)
        noop = {"current": [], "baseline": []}
        for _ in range(args.repeat):
            for name, (command, where) in places.items():
                noop[name].append(timed(command, where)[0])
    finally:
        shutil.rmtree(other, ignore_errors=True)
    rows.append((shape, "cold build: current vs baseline", min(cold["current"]), min(cold["baseline"]),
                 "ratio = current / baseline (within 10%)"))
    rows.append((shape, "no-op build: current vs baseline", statistics.median(noop["current"]),
                 statistics.median(noop["baseline"]), "ratio = current / baseline (within 10%)"))


def hash_throughput(lepton, gib, rows):
    """A stage reading a `gib` GiB input: touched, it is re-hashed once, then not again."""
    folder = tempfile.mkdtemp(prefix="lepton-bench-big-")
    try:
        with open(os.path.join(folder, "big.bin"), "wb") as handle:
            chunk = os.urandom(1 << 20)
            for _ in range(int(gib * 1024)):
                handle.write(chunk)
        with open(os.path.join(folder, "Leptonfile"), "w") as handle:
            handle.write('import LeptonDescription\nlet pipeline = Pipeline(stages: [.stage(name: "big", '
                         'command: "wc -c < big.bin > size.txt", inputs: ["big.bin"], outputs: ["size.txt"])])\n')
        timed([lepton, "build"], folder)
        os.utime(os.path.join(folder, "big.bin"))
        touched, output = timed([lepton, "build"], folder)
        assert ran_count(output) == 0, output
        after, _ = timed([lepton, "build"], folder)
        sha = shutil.which("sha256sum")
        reference = timed([sha, "big.bin"], folder)[0] if sha else None
        rows.append(("big", f"touched {gib:g} GiB input, first build", touched, None,
                     f"{gib * 1024 / touched:.0f} MiB/s" + (f"; sha256sum alone {reference:.2f} s" if reference else "")))
        rows.append(("big", "next build", after, None, "not re-hashed"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", type=int, default=1000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--big-gib", type=float, default=1.0)
    parser.add_argument("--shapes", default="chain,wide")
    parser.add_argument("--baseline", help="another lepton binary to time beside this one (an earlier commit)")
    args = parser.parse_args()
    lepton = lepton_binary()
    ninja = ninja_binary()
    version = subprocess.run([ninja, "--version"], capture_output=True, text=True).stdout.strip()
    rows = []
    for shape in args.shapes.split(","):
        bench_shape(shape, args, lepton, ninja, rows)
    if args.big_gib > 0:
        hash_throughput(lepton, args.big_gib, rows)
    if args.baseline:
        print(f"\nbaseline {args.baseline} (rows 'current vs baseline': ninja column = baseline)")
    print(f"\nlepton {lepton}\nninja {version}; {os.cpu_count()} cores; {args.stages} stages x {args.files} files\n")
    print(f"{'shape':<6} {'case':<40} {'lepton':>10} {'ninja':>10} {'ratio':>7}  note")
    for shape, case, mine, theirs, note in rows:
        mine_text = f"{mine * 1000:.1f} ms" if mine is not None else "-"
        theirs_text = f"{theirs * 1000:.1f} ms" if theirs is not None else "-"
        ratio = f"{mine / theirs:.2f}x" if mine is not None and theirs else ""
        print(f"{shape:<6} {case:<40} {mine_text:>10} {theirs_text:>10} {ratio:>7}  {note}")


if __name__ == "__main__":
    main()
