#!/usr/bin/env python3
"""The built-in trainer next to NumPy/OpenBLAS and PyTorch, in one run, on this machine.

1. GEMM: Lepton's blocked SGEMM (AVX-512 or AVX2/FMA, whichever the CPU has) against numpy's matmul (OpenBLAS), one thread each
   (OPENBLAS_NUM_THREADS=1), on the same shapes; GFLOP/s and the ratio.
2. Training: the MLP 784-256-128-10 and the CNN conv16-pool-conv32-pool-dense (3x3 kernels,
   padding 1, 2x2 max pooling) with Adam (lr 1e-3) on Fashion-MNIST's 60,000 training images,
   batch 32 and 128, 1 and 2 threads: seconds per epoch for Lepton and PyTorch CPU
   (torch.set_num_threads), same data, same architecture, same optimizer; the throughput ratio,
   and each run's peak RSS; for the MLP also a NumPy/OpenBLAS implementation (forward, backward
   and Adam by hand, OPENBLAS_NUM_THREADS = the thread count). A load average above the core
   count is warned about: the numbers are then not a fair comparison.

PyTorch is not installed by default (a plain `pip install torch` pulls ~3 GB): pass
`--torch-python PATH` (a Python that can `import torch`) or `--install-torch` (creates
`.build-bench/torch-venv` and installs torch from PyPI there). Without either, the torch rows
are skipped. Fashion-MNIST comes from Debian's dataset-fashion-mnist package (installed with
apt-get when missing and running as root). LEPTON_BENCHMARK_BIN names an already built release
`lepton-benchmark` (else it is built here). Prints a table; asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"
IMAGES = f"{DATA}/train-images-idx3-ubyte.gz"
LABELS = f"{DATA}/train-labels-idx1-ubyte.gz"

TORCH_SCRIPT = r"""
import gzip, json, sys, time
import numpy as np
import torch
images, labels, batch, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(1)
x = np.frombuffer(gzip.open(images).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
y = np.frombuffer(gzip.open(labels).read(), np.uint8, offset=8).astype(np.int64)
cnn = len(sys.argv) > 6 and sys.argv[6] == "cnn"
x, y = torch.from_numpy(x), torch.from_numpy(y)
nn = torch.nn
if cnn:
    x = x.reshape(-1, 1, 28, 28)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
else:
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_function = torch.nn.CrossEntropyLoss()
seconds, losses = [], []
for epoch in range(epochs):
    start = time.perf_counter()
    order = torch.randperm(len(x))
    total = 0.0
    for i in range(0, len(x), batch):
        index = order[i:i + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    seconds.append(time.perf_counter() - start)
    losses.append(total / len(x))
print(json.dumps({"kind": "train", "tool": "torch", "version": torch.__version__, "epoch_seconds": seconds, "losses": losses}))
"""

NUMPY_MLP = r"""
import gzip, json, sys, time
import numpy as np
images, labels, batch, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = np.frombuffer(gzip.open(images).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
y = np.frombuffer(gzip.open(labels).read(), np.uint8, offset=8).astype(np.int64)
rng = np.random.default_rng(1)
sizes = [784, 256, 128, 10]
params = []
for a, b in zip(sizes, sizes[1:]):
    bound = 1 / np.sqrt(a)
    params += [rng.uniform(-bound, bound, (a, b)).astype(np.float32), rng.uniform(-bound, bound, b).astype(np.float32)]
m = [np.zeros_like(p) for p in params]
v = [np.zeros_like(p) for p in params]
lr, b1, b2, eps, step = 1e-3, 0.9, 0.999, 1e-8, 0
seconds, losses = [], []
for epoch in range(epochs):
    start = time.perf_counter()
    order = rng.permutation(len(x))
    total = 0.0
    for i in range(0, len(x), batch):
        index = order[i:i + batch]
        xb, yb = x[index], y[index]
        h1 = np.maximum(xb @ params[0] + params[1], 0)
        h2 = np.maximum(h1 @ params[2] + params[3], 0)
        z = h2 @ params[4] + params[5]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        total += float(-np.log(p[np.arange(len(yb)), yb] + 1e-12).sum())
        g = p
        g[np.arange(len(yb)), yb] -= 1
        g /= len(yb)
        grads = [None] * 6
        grads[4], grads[5] = h2.T @ g, g.sum(0)
        g = (g @ params[4].T) * (h2 > 0)
        grads[2], grads[3] = h1.T @ g, g.sum(0)
        g = (g @ params[2].T) * (h1 > 0)
        grads[0], grads[1] = xb.T @ g, g.sum(0)
        step += 1
        for k in range(6):
            m[k] = b1 * m[k] + (1 - b1) * grads[k]
            v[k] = b2 * v[k] + (1 - b2) * grads[k] * grads[k]
            params[k] -= lr * (m[k] / (1 - b1 ** step)) / (np.sqrt(v[k] / (1 - b2 ** step)) + eps)
    seconds.append(time.perf_counter() - start)
    losses.append(total / len(x))
print(json.dumps({"kind": "train", "tool": "numpy", "epoch_seconds": seconds, "losses": losses}))
"""

NUMPY_GEMM = r"""
import json, sys, time
import numpy as np
for shape in sys.argv[1:]:
    m, n, k = map(int, shape.split("x"))
    rng = np.random.default_rng(1)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    best = 0.0
    for _ in range(3):
        rounds, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1:
            a @ b
            rounds += 1
        best = max(best, 2 * m * n * k * rounds / (time.perf_counter() - start) / 1e9)
    print(json.dumps({"kind": "gemm", "shape": shape, "gflops": best}))
"""


CNN_LAYERS = "conv2d(16,3,padding=1),relu,maxpool(2),conv2d(32,3,padding=1),relu,maxpool(2),flatten,dense(10)"


def run_json(command, env=None):
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def run_measured(command):
    """run_json's first object, with the child's peak RSS in MiB (from wait4's rusage)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command[0]} failed: {' '.join(command)}")
    result = [json.loads(line) for line in output.splitlines() if line.startswith("{")][0]
    result["rss_mib"] = usage.ru_maxrss / 1024
    return result


def warn_if_busy():
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load > cores:
        print(f"warning: load average {load:.2f} is above the {cores} cores: other work is running, "
              "the times below are not a fair comparison", flush=True)
    return load


def benchmark_binary():
    if os.environ.get("LEPTON_BENCHMARK_BIN"):  # an already built release lepton-benchmark
        return os.environ["LEPTON_BENCHMARK_BIN"]
    subprocess.run(["swift", "build", "-c", "release", "--product", "lepton-benchmark"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(path, "lepton-benchmark")


def ensure_dataset():
    if os.path.exists(IMAGES):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "dataset-fashion-mnist"], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(IMAGES):
        sys.exit(f"Fashion-MNIST not found in {DATA}; install Debian's dataset-fashion-mnist package")


def torch_python(args):
    if args.torch_python:
        return args.torch_python
    if subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0:
        return sys.executable
    if not args.install_torch:
        return None
    venv = os.path.join(ROOT, ".build-bench", "torch-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    if subprocess.run([python, "-c", "import torch, numpy"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "torch", "numpy"], check=True)
    return python


def mean_after_first(seconds):
    """The mean epoch time without the first epoch (warm-up) when there is more than one."""
    rest = seconds[1:] if len(seconds) > 1 else seconds
    return sum(rest) / len(rest)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default="512x512x512,128x256x784,128x784x256,784x256x128",
                        help="GEMM shapes MxNxK (C is MxN)")
    parser.add_argument("--batches", default="32,128")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--torch-python")
    parser.add_argument("--install-torch", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--models", default="mlp,cnn", help="mlp, cnn or both")
    args = parser.parse_args()

    binary = benchmark_binary()
    shapes = args.shapes.split(",")
    print("GEMM, 1 thread (GFLOP/s, best of 3 one-second rounds)")
    print(f"{'shape MxNxK':<14} {'lepton':>8} {'numpy/OpenBLAS':>15} {'ratio':>6}")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    numpy_results = {r["shape"]: r for r in run_json([sys.executable, "-c", NUMPY_GEMM, *shapes], env=env)}
    lepton_results = {r["shape"]: r for r in run_json([binary, "gemm", *shapes, "--threads", "1"])}
    for shape in shapes:
        ours, theirs = lepton_results[shape]["gflops"], numpy_results[shape]["gflops"]
        print(f"{shape:<14} {ours:8.1f} {theirs:15.1f} {ours / theirs:5.2f}x")
    two = {r["shape"]: r for r in run_json([binary, "gemm", *shapes, "--threads", "2"])}
    print("lepton, 2 threads: " + ", ".join(f"{s} {two[s]['gflops']:.1f}" for s in shapes))
    if args.skip_training:
        return

    ensure_dataset()
    python = torch_python(args)
    if python is None:
        print("\n(torch rows skipped: pass --install-torch or --torch-python PATH)")
    for name, layers, title in [
        ("mlp", None, "MLP 784-256-128-10"),
        ("cnn", CNN_LAYERS, "CNN conv16-pool-conv32-pool-dense(10)"),
    ]:
        if name not in args.models.split(","):
            continue
        load = warn_if_busy()
        print(f"\n{title}, Adam 1e-3, Fashion-MNIST 60,000 images, {args.epochs} epochs "
              f"(seconds per epoch, mean without the first; load average {load:.2f})")
        print(f"{'batch':>5} {'threads':>7} {'lepton':>8} {'torch':>8} {'throughput ratio':>17} "
              f"{'RSS MiB lepton / torch':>23}  final loss lepton / torch")
        for batch in map(int, args.batches.split(",")):
            for threads in map(int, args.threads.split(",")):
                command = [binary, "train", IMAGES, LABELS, "--batch-size", str(batch), "--epochs", str(args.epochs),
                           "--threads", str(threads)]
                ours = run_measured(command + (["--layers", layers] if layers else []))
                ours_time = mean_after_first(ours["epoch_seconds"])
                line = f"{batch:>5} {threads:>7} {ours_time:8.2f}"
                if python:
                    theirs = run_measured([python, "-c", TORCH_SCRIPT, IMAGES, LABELS, str(batch), str(args.epochs),
                                           str(threads), name])
                    theirs_time = mean_after_first(theirs["epoch_seconds"])
                    line += f" {theirs_time:8.2f} {theirs_time / ours_time:16.2f}x " \
                            f"{ours['rss_mib']:>11.0f} / {theirs['rss_mib']:<9.0f}  " \
                            f"{ours['losses'][-1]:.4f} / {theirs['losses'][-1]:.4f}"
                else:
                    line += f" {'':>8} {'':>17} {ours['rss_mib']:>11.0f}"
                if name == "mlp":
                    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
                    process = subprocess.run([sys.executable, "-c", NUMPY_MLP, IMAGES, LABELS, str(batch),
                                              str(args.epochs)], capture_output=True, text=True, env=env)
                    if process.returncode == 0:
                        numpy_run = json.loads(process.stdout.splitlines()[-1])
                        line += f"   numpy/OpenBLAS {mean_after_first(numpy_run['epoch_seconds']):.2f} s/epoch"
                print(line, flush=True)


if __name__ == "__main__":
    main()
