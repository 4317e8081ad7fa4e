"""Stage 'train': multinomial logistic regression by full-batch gradient descent (stdlib only).

Deterministic: the same data and params give the same model bytes, so Lepton's early cutoff
stops downstream stages when a change does not alter the model.
"""
import math
import os

from common import load_params, read_rows, softmax, write_json

params = load_params()["train"]
_, rows = read_rows("data/prepared/train.csv")
classes = sorted({row[-1] for row in rows})
features = [[float(v) for v in row[:-1]] + [1.0] for row in rows]
labels = [classes.index(row[-1]) for row in rows]
width = len(features[0])
weights = [[0.0] * width for _ in classes]
history = []
for epoch in range(params["epochs"]):
    gradient = [[0.0] * width for _ in classes]
    loss = 0.0
    for x, y in zip(features, labels):
        probabilities = softmax([sum(w * v for w, v in zip(row, x)) for row in weights])
        loss -= math.log(max(probabilities[y], 1e-12))
        for k, p in enumerate(probabilities):
            error = p - (1.0 if k == y else 0.0)
            for j, v in enumerate(x):
                gradient[k][j] += error * v
    n = len(features)
    for k in range(len(classes)):
        for j in range(width):
            weights[k][j] -= params["lr"] * (gradient[k][j] / n + params["l2"] * weights[k][j])
    history.append({"epoch": epoch + 1, "loss": round(loss / n, 6)})

os.makedirs("models", exist_ok=True)
write_json("models/model.json", {"classes": classes, "weights": [[round(w, 6) for w in row] for row in weights]})
write_json("models/history.json", history)
print(f"trained {params['epochs']} epochs, final loss {history[-1]['loss']}")
