"""A tiny BERT built from a config and random token data for the tests (imported by the tests that
train, not at collection)."""

import numpy as np
import torch
import transformers


class Tokens(torch.utils.data.Dataset):
    """Random token sequences with random labels: memorised in training, never generalised."""

    def __init__(self, n, seed, length=12, vocab=64):
        rng = np.random.default_rng(seed)
        self.ids = torch.tensor(rng.integers(1, vocab, (n, length)))
        self.labels = torch.tensor(rng.integers(0, 2, n))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}


def tiny_model():
    config = transformers.BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=16, num_labels=2)
    torch.manual_seed(0)
    return transformers.BertForSequenceClassification(config)


def train(tmp_path, cb, epochs=40, lr=2e-3, **kw):
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=epochs, learning_rate=lr, per_device_train_batch_size=8,
        per_device_eval_batch_size=64, eval_strategy="epoch", logging_strategy="epoch", save_strategy="no",
        report_to=[], use_cpu=True, disable_tqdm=True, seed=0, **kw)
    t = transformers.Trainer(model=tiny_model(), args=args, train_dataset=Tokens(48, 0), eval_dataset=Tokens(128, 1),
                             callbacks=[cb])
    t.train()
    return t
