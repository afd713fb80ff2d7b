"""The fixes in the user's own framework: each API a fix names, as each framework spells it.

The framework comes from the log's format (a Keras History JSON, a Lightning metrics.csv, a
Hugging Face trainer_state.json, PyTorch-style prints) or from the callback that made the
history; unknown formats get framework-neutral words. `{val_key}` inside an entry is the
validation series the history really has.
"""

from __future__ import annotations

from ..core.i18n import tr

FRAMEWORK_OF_FORMAT = {
    "keras-json": "keras", "csvlogger": "keras", "keras-console": "keras", "notebook": "keras",
    "keras-callback": "keras", "lightning-csv": "lightning", "lightning-callback": "lightning",
    "hf-trainer": "huggingface", "huggingface-callback": "huggingface", "step-log": "pytorch",
    "paddle-console": "paddle",
}

API: dict[str, dict[str, str]] = {
    "keras": {
        "stop_best": "EarlyStopping(monitor='{val_key}', patience={patience}, restore_best_weights=True)",
        "checkpoint_best": "ModelCheckpoint(monitor='{val_key}', save_best_only=True)",
        "stop_metric": "EarlyStopping(monitor='{metric_key}', mode='{metric_mode}', patience=5, restore_best_weights=True)",
        "label_smoothing": "CategoricalCrossentropy(label_smoothing=0.1) (one-hot labels)",
        "reduce_lr": "ReduceLROnPlateau(monitor='{val_key}', factor=0.5, patience=3)",
        "lower_lr": "Adam(learning_rate=1e-4)",
        "raise_lr": "Adam(learning_rate=3e-3)",
        "default_lr": "Adam(learning_rate=1e-3)",
        "clip": "clipnorm=1.0 in the optimizer",
        "dropout": "Dropout(0.2-0.5) between layers",
        "weight_decay": "an L2 kernel_regularizer (e.g. regularizers.l2(1e-4)), or weight decay in the optimizer",
        "pooling": "in a CNN, MaxPooling2D / global pooling instead of large Dense layers",
        "augment": "RandomFlip, RandomRotation, RandomZoom layers",
        "nan_guard": "TerminateOnNaN()",
        "more_epochs": "raise epochs= and resume from the last weights",
        "normalize": "a Normalization layer or StandardScaler",
        "init": "keep the default Glorot/He initializers",
        "activations": "LeakyReLU or BatchNormalization",
        "loss_match": "sparse_categorical_crossentropy for integer labels, categorical_crossentropy for one-hot",
        "batch": "batch_size=64 or more in fit()",
        "add_val": "model.fit(..., validation_split=0.2) or validation_data=(x_val, y_val)",
        "eval_more": "validation every epoch (fit(validation_freq=1))",
        "split": "Shuffle before validation_split: Keras takes the LAST 20% of the arrays, unshuffled.",
    },
    "lightning": {
        "stop_best": ("EarlyStopping(monitor='{val_key}', patience={patience}) with ModelCheckpoint(monitor='{val_key}', "
                      "save_top_k=1), then load the best weights: "
                      "MyModel.load_from_checkpoint(trainer.checkpoint_callback.best_model_path)"),
        "checkpoint_best": "ModelCheckpoint(monitor='{val_key}', save_top_k=1)",
        "stop_metric": ("ModelCheckpoint(monitor='{metric_key}', mode='{metric_mode}', save_top_k=1), then "
                        "MyModel.load_from_checkpoint(trainer.checkpoint_callback.best_model_path)"),
        "label_smoothing": "nn.CrossEntropyLoss(label_smoothing=0.1)",
        "reduce_lr": ("torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3), returned from "
                      "configure_optimizers with \"monitor\": \"{val_key}\""),
        "lower_lr": "torch.optim.Adam(self.parameters(), lr=1e-4)",
        "raise_lr": "torch.optim.Adam(self.parameters(), lr=3e-3)",
        "default_lr": "torch.optim.Adam(self.parameters(), lr=1e-3)",
        "clip": "Trainer(gradient_clip_val=1.0)",
        "dropout": "torch.nn.Dropout(0.2-0.5) between layers",
        "weight_decay": "weight decay: torch.optim.AdamW(self.parameters(), weight_decay=1e-2)",
        "pooling": "in a CNN, nn.MaxPool2d / nn.AdaptiveAvgPool2d instead of large Linear layers",
        "augment": "torchvision.transforms.v2 (RandomHorizontalFlip, RandomRotation, RandomResizedCrop)",
        "nan_guard": ("EarlyStopping(monitor='{val_key}', check_finite=True), and Trainer(detect_anomaly=True) to find the "
                      "first bad step"),
        "more_epochs": "raise Trainer(max_epochs=...) and resume with trainer.fit(..., ckpt_path='last')",
        "normalize": "torchvision.transforms.v2.Normalize or StandardScaler",
        "init": "keep PyTorch's default initialisation (no zero or constant weights)",
        "activations": "nn.LeakyReLU or nn.BatchNorm1d/2d",
        "loss_match": "nn.CrossEntropyLoss on raw logits with integer labels, nn.BCEWithLogitsLoss for binary",
        "batch": "DataLoader(batch_size=64) or more",
        "add_val": "a val_dataloader and self.log('val_loss', loss) in validation_step",
        "eval_more": "validation every epoch (Trainer(check_val_every_n_epoch=1), or val_check_interval=)",
        "split": "Shuffle before splitting (random_split with a fixed generator) and keep related samples on one side.",
    },
    "huggingface": {
        "stop_best": ("TrainingArguments(load_best_model_at_end=True, metric_for_best_model='{val_key}', "
                      "greater_is_better=False) with EarlyStoppingCallback(early_stopping_patience={patience})"),
        "checkpoint_best": "load_best_model_at_end=True with save_strategy equal to eval_strategy",
        "stop_metric": ("TrainingArguments(load_best_model_at_end=True, metric_for_best_model='{metric_name}', "
                        "greater_is_better={metric_greater})"),
        "label_smoothing": "TrainingArguments(label_smoothing_factor=0.1)",
        "reduce_lr": "TrainingArguments(lr_scheduler_type='reduce_lr_on_plateau') (or 'cosine')",
        "lower_lr": "TrainingArguments(learning_rate=1e-5)",
        "raise_lr": "TrainingArguments(learning_rate=1e-4)",
        "default_lr": "TrainingArguments(learning_rate=5e-5)",
        "clip": "TrainingArguments(max_grad_norm=1.0)",
        "dropout": "more dropout in the model's config (hidden_dropout_prob, attention_probs_dropout_prob)",
        "weight_decay": "TrainingArguments(weight_decay=0.01)",
        "pooling": "",
        "augment": "data augmentation suited to the inputs (back-translation, random crops, SpecAugment)",
        "nan_guard": "TrainingArguments(max_grad_norm=1.0) and bf16 instead of fp16",
        "more_epochs": "raise num_train_epochs and resume with trainer.train(resume_from_checkpoint=True)",
        "normalize": "the model's own processor or tokenizer on every split",
        "init": "start from the pretrained weights (from_pretrained), not a fresh config",
        "activations": "a smaller learning rate with warm-up (TrainingArguments(warmup_ratio=0.1))",
        "loss_match": "num_labels in the config matching the labels, and labels of the right dtype",
        "batch": "TrainingArguments(per_device_train_batch_size=32) or gradient_accumulation_steps=",
        "add_val": "an eval_dataset with TrainingArguments(eval_strategy='epoch')",
        "eval_more": "more frequent evaluation (eval_strategy='steps', eval_steps=)",
        "split": "Split with datasets' train_test_split(shuffle=True, seed=...) and look for duplicates across splits.",
    },
    "pytorch": {
        "stop_best": ("stopping when '{val_key}' has not improved for {patience} epochs and reloading the state_dict saved "
                      "at its best"),
        "checkpoint_best": "torch.save(model.state_dict(), 'best.pt') whenever '{val_key}' improves",
        "stop_metric": "torch.save(model.state_dict(), 'best.pt') whenever '{metric_key}' improves",
        "label_smoothing": "nn.CrossEntropyLoss(label_smoothing=0.1)",
        "reduce_lr": "torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3), stepped with '{val_key}'",
        "lower_lr": "torch.optim.Adam(model.parameters(), lr=1e-4)",
        "raise_lr": "torch.optim.Adam(model.parameters(), lr=3e-3)",
        "default_lr": "torch.optim.Adam(model.parameters(), lr=1e-3)",
        "clip": "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0) before optimizer.step()",
        "dropout": "torch.nn.Dropout(0.2-0.5) between layers",
        "weight_decay": "weight decay: torch.optim.AdamW(model.parameters(), weight_decay=1e-2)",
        "pooling": "in a CNN, nn.MaxPool2d / nn.AdaptiveAvgPool2d instead of large Linear layers",
        "augment": "torchvision.transforms.v2 (RandomHorizontalFlip, RandomRotation, RandomResizedCrop)",
        "nan_guard": "a check that stops on torch.isfinite(loss) being False, and torch.autograd.set_detect_anomaly(True)",
        "more_epochs": "more epochs, resuming from the saved model and optimizer state_dict",
        "normalize": "torchvision.transforms.v2.Normalize or StandardScaler",
        "init": "keep PyTorch's default initialisation (no zero or constant weights)",
        "activations": "nn.LeakyReLU or nn.BatchNorm1d/2d",
        "loss_match": "nn.CrossEntropyLoss on raw logits with integer labels, nn.BCEWithLogitsLoss for binary",
        "batch": "DataLoader(batch_size=64) or more",
        "add_val": "a held-out validation loader evaluated (under torch.no_grad()) every epoch",
        "eval_more": "validation every epoch",
        "split": "Shuffle before splitting (random_split with a fixed generator) and keep related samples on one side.",
    },
    "paddle": {
        "stop_best": ("paddle.callbacks.EarlyStopping(monitor='loss', mode='min', patience={patience}, "
                      "save_best_model=True) in model.fit(..., eval_data=..., save_dir=...)"),
        "checkpoint_best": "EarlyStopping(save_best_model=True), which saves save_dir/best_model",
        "stop_metric": ("paddle.callbacks.EarlyStopping(monitor=<the metric's name in the evaluation, e.g. 'acc'>, "
                        "mode='{metric_mode}', save_best_model=True)"),
        "label_smoothing": "paddle.nn.functional.label_smooth(one_hot_labels, epsilon=0.1)",
        "reduce_lr": "paddle.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5, patience=3)",
        "lower_lr": "paddle.optimizer.Adam(learning_rate=1e-4, parameters=model.parameters())",
        "raise_lr": "paddle.optimizer.Adam(learning_rate=3e-3, parameters=model.parameters())",
        "default_lr": "paddle.optimizer.Adam(learning_rate=1e-3, parameters=model.parameters())",
        "clip": "grad_clip=paddle.nn.ClipGradByGlobalNorm(clip_norm=1.0) in the optimizer",
        "dropout": "paddle.nn.Dropout(0.2-0.5) between layers",
        "weight_decay": "weight_decay=paddle.regularizer.L2Decay(1e-4) in the optimizer",
        "pooling": "in a CNN, paddle.nn.MaxPool2D / AdaptiveAvgPool2D instead of large Linear layers",
        "augment": "paddle.vision.transforms (RandomHorizontalFlip, RandomRotation, RandomResizedCrop)",
        "nan_guard": "a check that stops when paddle.isfinite(loss) is False, and FLAGS_check_nan_inf=1 to find the op",
        "more_epochs": "more epochs, resuming with model.load() of the saved checkpoint",
        "normalize": "paddle.vision.transforms.Normalize or StandardScaler",
        "init": "keep Paddle's default initialisation (no zero or constant weights)",
        "activations": "paddle.nn.LeakyReLU or paddle.nn.BatchNorm1D/2D",
        "loss_match": "paddle.nn.CrossEntropyLoss on raw logits with integer labels (soft_label=True for one-hot)",
        "batch": "model.fit(batch_size=64) or more",
        "add_val": "eval_data= in model.fit, evaluated every epoch (eval_freq=1)",
        "eval_more": "eval_freq=1 in model.fit",
        "split": "Shuffle before splitting (paddle.io.random_split) and keep related samples on one side.",
    },
    "generic": {
        "stop_best": "early stopping on '{val_key}' (patience {patience}) that keeps the weights of its best epoch",
        "checkpoint_best": "a checkpoint of the best '{val_key}' epoch",
        "stop_metric": "a checkpoint of the best '{metric_key}' epoch",
        "label_smoothing": "label smoothing (0.1)",
        "reduce_lr": "a schedule that halves the learning rate when '{val_key}' stalls for 3 epochs",
        "lower_lr": "a learning rate 3-10x lower (e.g. 1e-4 for Adam)",
        "raise_lr": "a learning rate about 3x higher (e.g. 3e-3 for Adam)",
        "default_lr": "Adam at 1e-3",
        "clip": "gradient clipping (norm 1.0)",
        "dropout": "dropout (0.2-0.5) between layers",
        "weight_decay": "weight decay or an L2 penalty",
        "pooling": "in a CNN, pooling instead of large fully connected layers",
        "augment": "data augmentation",
        "nan_guard": "a stop as soon as the loss is NaN",
        "more_epochs": "more epochs, resuming from the last weights",
        "normalize": "standardised to zero mean and unit variance",
        "init": "keep the framework's default initialisation (no zero or constant weights)",
        "activations": "leaky activations or batch normalisation",
        "loss_match": "a loss that matches the label encoding (integer vs one-hot)",
        "batch": "a larger batch (64 or more)",
        "add_val": "a validation set evaluated every epoch",
        "eval_more": "validation every epoch",
        "split": "Shuffle before splitting and keep related samples (same patient, user, source) on one side.",
    },
}


def framework_of(fmt: str) -> str:
    """The framework a log format comes from (`generic` when it cannot be told)."""
    return FRAMEWORK_OF_FORMAT.get(fmt, "generic")


def api_words(framework: str, val_key: str | None, patience: int | None = None,
              metric: str | None = None, higher: bool = True) -> dict[str, str]:
    """Every API placeholder, spelled for `framework`, naming the real validation series, the
    early-stopping patience that suits this run (5 when the run cannot tell) and its metric."""
    vocab = API.get(framework, API["generic"])
    metric = metric or "val_accuracy"
    names = {"{val_key}": val_key or "val_loss", "{patience}": str(patience or 5), "{metric_key}": metric,
             "{metric_mode}": "max" if higher else "min", "{metric_greater}": str(bool(higher)),
             "{metric_name}": metric[len("eval_"):] if metric.startswith("eval_") else metric}
    out = {}
    for name, text in vocab.items():
        text = tr(text)  # the prose around the API names, in the language in force
        for k, v in names.items():
            text = text.replace(k, v)
        out[f"api_{name}"] = text
    return out
