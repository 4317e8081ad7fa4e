#!/usr/bin/env python3
"""The cost of `swift package lepton build` on an up-to-date package, side by side with its floor.

Creates a SwiftPM package that depends on this Lepton checkout by path and has a second, empty
command plugin (`floor`: it does nothing), then times, in one run:

  first      `swift package lepton build` in the fresh package (SwiftPM compiles Lepton's tool)
  floor      `swift package floor`: what SwiftPM itself costs to start a command plugin
  plugin     `swift package lepton build` with nothing to do
  cli        the same tool run directly (`lepton build`), as built by the plugin (debug) and, with
             LEPTON_BIN, a release build

Wall seconds and CPU seconds (user+sys of the children), median of --repeat runs. Prints a table;
asserts nothing.

Usage: python3 Benchmarks/plugin.py [--repeat 5] [--keep DIR]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PACKAGE = """// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "Model",
    products: [.executable(name: "featurize", targets: ["Featurize"])],
    dependencies: [.package(path: "{root}")],
    targets: [
        .target(name: "Features", path: "Sources/Features"),
        .executableTarget(name: "Featurize", dependencies: ["Features"], path: "Sources/Featurize"),
        .plugin(name: "Floor", capability: .command(intent: .custom(verb: "floor", description: "does nothing")),
                path: "Plugins/Floor"),
    ]
)
"""

FLOOR = """import PackagePlugin
@main struct Floor: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {}
}
"""

LEPTONFILE = """import LeptonDescription
let pipeline = Pipeline(stages: [
    .stage(name: "prepare", command: "sort data.csv > clean.csv", inputs: ["data.csv"], outputs: ["clean.csv"]),
    .stage(name: "featurize", command: .product("featurize", arguments: ["clean.csv", "features.csv"], configuration: .debug),
           inputs: ["clean.csv"], outputs: ["features.csv"]),
])
"""

FEATURIZE = """import Features
import Foundation
let input = try String(contentsOfFile: CommandLine.arguments[1], encoding: .utf8)
try String(scale(input.count)).write(toFile: CommandLine.arguments[2], atomically: true, encoding: .utf8)
"""


def write(folder, path, text):
    full = os.path.join(folder, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as handle:
        handle.write(text)


def timed(command, cwd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return wall, cpu, result.stdout + result.stderr


def median_of(command, cwd, repeat, env=None):
    runs = [timed(command, cwd, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", help="use (and keep) this folder for the package, so a rerun skips the first build")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="lepton-plugin-bench-")
    fresh = not os.path.exists(os.path.join(folder, "Package.swift"))
    write(folder, "Package.swift", PACKAGE.format(root=ROOT))
    write(folder, "Plugins/Floor/plugin.swift", FLOOR)
    write(folder, "Sources/Features/Features.swift", "public func scale(_ x: Int) -> Int { x * 2 }\n")
    write(folder, "Sources/Featurize/main.swift", FEATURIZE)
    write(folder, "data.csv", "b\na\n")
    write(folder, "Leptonfile", LEPTONFILE)
    load = os.getloadavg()
    rows = []
    try:
        lepton = ["swift", "package", "--allow-writing-to-package-directory", "lepton", "build"]
        wall, cpu, output = timed(lepton, folder)
        assert "build succeeded" in output or "nothing to do" in output, output[-2000:]
        rows.append(("first plugin build" + ("" if fresh else " (package kept)"), wall, cpu,
                     "compiles Lepton's tool in debug, builds the product, runs 2 stages"))
        timed(lepton, folder)  # settles the no-op snapshot
        floor = median_of(["swift", "package", "floor"], folder, args.repeat)
        rows.append(("floor: an empty command plugin", floor[0], floor[1], "SwiftPM's own cost"))
        noop = median_of(lepton, folder, args.repeat)
        assert "nothing to do" in noop[2], noop[2][-2000:]
        rows.append(("plugin no-op", noop[0], noop[1], f"{noop[0] - floor[0]:+.2f} s wall over the floor (target <= 0.3 s)"))
        debug = subprocess.run(["swift", "build", "--show-bin-path"], cwd=folder, capture_output=True, text=True)
        # SwiftPM names a plugin's tool `NAME-tool` in the debug folder.
        tool = next((os.path.join(debug.stdout.strip(), name) for name in ("lepton-tool", "lepton")
                     if os.access(os.path.join(debug.stdout.strip(), name), os.X_OK)), None)
        if tool:
            cli = median_of([tool, "build"], folder, args.repeat)
            rows.append(("cli no-op (the plugin's debug tool)", cli[0], cli[1], ""))
        if os.environ.get("LEPTON_BIN"):
            release = median_of([os.environ["LEPTON_BIN"], "build"], folder, args.repeat)
            rows.append(("cli no-op (release, LEPTON_BIN)", release[0], release[1], ""))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    version = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"\n{version}; {os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print(f"{'case':<40} {'wall':>9} {'cpu':>9}  note")
    for case, wall, cpu, note in rows:
        print(f"{case:<40} {wall:>8.2f}s {cpu:>8.2f}s  {note}")


if __name__ == "__main__":
    main()
