#!/usr/bin/python3
"""Golden for a seed tutorial ported line for line (issue 15 §4): PyTorch's "Text classification with the torchtext
library" model and training loop (TextClassificationModel = EmbeddingBag(mean) -> Linear, init_weights uniform(-0.5,
0.5) and a zero bias, CrossEntropyLoss, SGD(lr=5), clip_grad_norm_(0.1) before each step, StepLR(1, gamma=0.1) after
each epoch), run by PyTorch 1.13 (Debian python3-torch) on the reference (netlib) BLAS, one thread.

Re-run:  /usr/bin/python3 tools/goldens/make_tutorials.py
Writes:  tests/data/autograd/tutorial_text_classification.json and its MANIFEST line.

Differences from the tutorial, all in the data pipeline and none in the model or the loop: the AG_NEWS data set and the
torchtext tokenizer/vocabulary are replaced by a small labelled set generated here from a fixed seed (four classes,
each with its own word pool plus shared words; token ids are given directly), so that the fixture is small and needs no
download; the model is seeded with torch.manual_seed(0) before it is built (the tutorial does not seed), so that the
C# side can build the same initial weights from the same seed; batches are fixed lists (the tutorial's DataLoader
shuffles). The C# test (tests/EmbedSharp.Tests/Training/TutorialTextClassificationTests.cs) writes the same lines with
EmbedSharp's names.

Conventions as make_autograd.py: float32 arrays {"shape", "b64"} (little-endian float32, base64), integers
{"shape", "ints"}.
"""
import base64
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import loaded_reference_blas, pin_reference_blas  # noqa: E402

if __name__ == "__main__":
    pin_reference_blas()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "autograd", "tutorial_text_classification.json")
VOCAB, EMSIZE, NUM_CLASS, LR, EPOCHS, BATCH = 300, 64, 4, 5.0, 3, 8


def arr(t):
    a = np.ascontiguousarray(t.detach().numpy().astype("<f4"))
    return {"shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def ints(values):
    return {"shape": [len(values)], "ints": [int(v) for v in values]}


def make_data(seed=7, samples=96):
    """Labelled token-id lists: a class draws 60 % of its words from its own pool of 50 ids, the rest from 100 shared ids."""
    rng = random.Random(seed)
    pools = [list(range(100 + 50 * c, 150 + 50 * c)) for c in range(NUM_CLASS)]
    data = []
    for i in range(samples):
        label = i % NUM_CLASS
        length = rng.randint(3, 12)
        text = [rng.choice(pools[label]) if rng.random() < 0.6 else rng.randrange(100) for _ in range(length)]
        data.append((label, text))
    rng.shuffle(data)
    return data


def collate_batch(batch):
    """The tutorial's collate_batch without the text pipeline: labels, concatenated ids, offsets of each sample."""
    label_list, text_list, offsets = [], [], [0]
    for (_label, _text) in batch:
        label_list.append(_label)
        processed_text = torch.tensor(_text, dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


def loaded_blas():
    return loaded_reference_blas(torch)


def main():
    blas = loaded_blas()
    torch.set_num_threads(1)
    data = make_data()
    batches = [data[i:i + BATCH] for i in range(0, len(data), BATCH)]
    torch.manual_seed(0)
    model = TextClassificationModel(VOCAB, EMSIZE, NUM_CLASS)
    init = {"embedding.weight": arr(model.embedding.weight), "fc.weight": arr(model.fc.weight), "fc.bias": arr(model.fc.bias)}
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    steps = []
    for epoch in range(1, EPOCHS + 1):
        model.train()
        for idx, batch in enumerate(batches):
            label, text, offsets = collate_batch(batch)
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            steps.append({"epoch": epoch, "label": ints(label), "text": ints(text), "offsets": ints(offsets),
                          "loss": arr(loss), "total_norm": arr(total_norm), "lr": optimizer.param_groups[0]["lr"]})
        scheduler.step()
    doc = {
        "torch": torch.__version__, "blas": "netlib reference (libblas3): " + ", ".join(blas), "threads": 1,
        "config": {"vocab": VOCAB, "emsize": EMSIZE, "num_class": NUM_CLASS, "lr": LR, "epochs": EPOCHS, "batch": BATCH,
                   "seed": 0},
        "init": init, "steps": steps,
        "final": {"embedding.weight": arr(model.embedding.weight), "fc.weight": arr(model.fc.weight),
                  "fc.bias": arr(model.fc.bias)},
    }
    write_atomic(OUT, json.dumps(doc, separators=(",", ":")) + "\n", mode="w")
    update_manifest(__file__, ["autograd/tutorial_text_classification.json"], f"torch {torch.__version__}")
    print(f"wrote {OUT}: {len(steps)} steps, first loss {steps[0]['loss']}, last {steps[-1]['loss']}")


if __name__ == "__main__":
    main()
