"""Generates data/raw.csv once (it is committed): three overlapping Gaussian classes in 4-D.

Run again only to regenerate: python3 scripts/make_dataset.py
"""
import csv
import random

rng = random.Random(20261122)
centres = {
    "setosa": (5.0, 3.4, 1.5, 0.25),
    "versicolor": (5.9, 2.8, 4.3, 1.3),
    "virginica": (6.6, 3.0, 5.5, 2.0),
}
spread = (0.45, 0.35, 0.55, 0.3)
rows = []
for label, centre in centres.items():
    for _ in range(150):
        rows.append([round(rng.gauss(c, s), 2) for c, s in zip(centre, spread)] + [label])
rng.shuffle(rows)
with open("data/raw.csv", "w", newline="") as handle:
    writer = csv.writer(handle)
    writer.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
    writer.writerows(rows)
