#!/usr/bin/env python3
"""Two builds of the trainer side by side: interleaved runs of the Fashion-MNIST CNN (or any
--layers) at 1 and 2 threads, seconds of the second epoch, median of --rounds.

This VM's two-thread times are bimodal (the same build gives 3.7 or 5-6.6 s per epoch), so a
change to the threading is judged by interleaved medians, never by one run.

Usage: python3 Benchmarks/trainer_ab.py OLD_BENCHMARK_BIN NEW_BENCHMARK_BIN [--batch 32] [--rounds 3]
(each a release `lepton-benchmark`: `swift build -c release --product lepton-benchmark`, copied
aside before the change). Prints a table; asserts nothing.
"""
import argparse
import json
import statistics
import subprocess

DATA = "/usr/share/datasets/fashion-mnist"
CNN = "conv2d(16,3,padding=1),relu,maxpool(2),conv2d(32,3,padding=1),relu,maxpool(2),flatten,dense(10)"


def epoch_seconds(binary, batch, threads, layers):
    output = subprocess.run([binary, "train", f"{DATA}/train-images-idx3-ubyte.gz", f"{DATA}/train-labels-idx1-ubyte.gz",
                             "--batch-size", str(batch), "--epochs", "2", "--threads", str(threads)]
                            + (["--layers", layers] if layers else []), check=True, capture_output=True,
                            text=True).stdout
    result = [json.loads(line) for line in output.splitlines() if line.startswith("{")][0]
    return result["epoch_seconds"][1], result["losses"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--layers", default=CNN, help="the layers; an empty string trains the default MLP")
    args = parser.parse_args()
    times, losses = {}, {}
    for _ in range(args.rounds):
        for binary in args.binaries:
            for threads in (1, 2):
                seconds, loss = epoch_seconds(binary, args.batch, threads, args.layers)
                times.setdefault((binary, threads), []).append(seconds)
                losses.setdefault(binary, set()).add(tuple(loss))
    print(f"batch {args.batch}, {args.rounds} rounds, s/epoch (second epoch), median")
    print("| build | 1 thread | 2 threads | scaling | same losses at 1 and 2 threads |")
    print("| --- | --- | --- | --- | --- |")
    for binary in args.binaries:
        one = statistics.median(times[(binary, 1)])
        two = statistics.median(times[(binary, 2)])
        print(f"| {binary} | {one:.2f} | {two:.2f} | {one / two:.2f}x | {'yes' if len(losses[binary]) == 1 else 'NO'} |")


if __name__ == "__main__":
    main()
