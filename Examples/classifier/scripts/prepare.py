"""Stage 'prepare': standardises the features and splits train/test by a seeded shuffle."""
import os
import random

from common import load_params, read_rows

params = load_params()["prepare"]
header, rows = read_rows("data/raw.csv")
rng = random.Random(params["seed"])
rng.shuffle(rows)
cut = int(len(rows) * (1 - params["test_fraction"]))
train, test = rows[:cut], rows[cut:]

columns = len(header) - 1
means = [sum(float(r[i]) for r in train) / len(train) for i in range(columns)]
stds = [max(1e-9, (sum((float(r[i]) - means[i]) ** 2 for r in train) / len(train)) ** 0.5) for i in range(columns)]

os.makedirs("data/prepared", exist_ok=True)
for name, part in (("train", train), ("test", test)):
    with open(f"data/prepared/{name}.csv", "w") as handle:
        handle.write(",".join(header) + "\n")
        for row in part:
            features = [f"{(float(row[i]) - means[i]) / stds[i]:.6f}" for i in range(columns)]
            handle.write(",".join(features + [row[-1]]) + "\n")
print(f"prepared {len(train)} training and {len(test)} test rows")
