"""Stage 'evaluate': accuracy, macro precision/recall/F1, loss and the confusion matrix on the test split."""
import json
import math

from common import read_rows, softmax, write_json

with open("models/model.json") as handle:
    model = json.load(handle)
classes, weights = model["classes"], model["weights"]
_, rows = read_rows("data/prepared/test.csv")
confusion = [[0] * len(classes) for _ in classes]
loss = 0.0
for row in rows:
    x = [float(v) for v in row[:-1]] + [1.0]
    truth = classes.index(row[-1])
    probabilities = softmax([sum(w * v for w, v in zip(ws, x)) for ws in weights])
    loss -= math.log(max(probabilities[truth], 1e-12))
    confusion[truth][probabilities.index(max(probabilities))] += 1

per_class = {}
for k, name in enumerate(classes):
    tp = confusion[k][k]
    predicted = sum(confusion[i][k] for i in range(len(classes)))
    actual = sum(confusion[k])
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_class[name] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

metrics = {
    "accuracy": round(sum(confusion[k][k] for k in range(len(classes))) / len(rows), 4),
    "precision": round(sum(c["precision"] for c in per_class.values()) / len(classes), 4),
    "recall": round(sum(c["recall"] for c in per_class.values()) / len(classes), 4),
    "f1": round(sum(c["f1"] for c in per_class.values()) / len(classes), 4),
    "loss": round(loss / len(rows), 4),
    "per_class": per_class,
    "confusion_matrix": confusion,
}
write_json("metrics.json", metrics)
print(f"accuracy {metrics['accuracy']}, macro F1 {metrics['f1']}")
