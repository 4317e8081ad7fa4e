#!/bin/sh
# Copies Fashion-MNIST (Zalando Research, MIT licence) from Debian's dataset-fashion-mnist package.
set -eu
source=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$source/train-images-idx3-ubyte.gz" ]; then
    echo "error: Fashion-MNIST not found in $source; install it with 'sudo apt-get install dataset-fashion-mnist'" >&2
    echo "       (or set FASHION_MNIST_DIR to a folder holding the four *-ubyte.gz files)" >&2
    exit 1
fi
mkdir -p data
for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    cp "$source/$name.gz" "data/$name.gz"
done
echo "copied Fashion-MNIST from $source"
