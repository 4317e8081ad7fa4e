"""Helpers shared by the example's stages: params, CSV reading, softmax."""
import csv
import json
import math


def load_params(path="params.yaml"):
    """Reads the flat two-level YAML of this example without third-party packages."""
    params, section = {}, None
    with open(path) as handle:
        for raw in handle:
            line = raw.split("#", 1)[0].rstrip()
            if not line:
                continue
            key, _, value = line.strip().partition(":")
            if not line.startswith(" "):
                section = params.setdefault(key, {})
                continue
            value = value.strip()
            try:
                section[key] = int(value)
            except ValueError:
                try:
                    section[key] = float(value)
                except ValueError:
                    section[key] = value
    return params


def read_rows(path):
    with open(path) as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [row for row in reader]


def softmax(scores):
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def write_json(path, value):
    with open(path, "w") as handle:
        json.dump(value, handle, indent=2, sort_keys=True)
        handle.write("\n")
