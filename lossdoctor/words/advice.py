"""What each diagnosis means and what to do about it: pure data, one entry per (code, variant).

Titles are short verdicts; summaries explain why, with `{placeholders}` filled from the
diagnosis' facts; fixes are ordered, most effective and cheapest first.
"""

from __future__ import annotations



class Advice:
    """A title, a summary template and fix templates (a plain class: cheaper to import than a dataclass)."""

    __slots__ = ("title", "summary", "fixes")

    def __init__(self, title: str, summary: str, fixes: tuple[str, ...]):
        self.title, self.summary, self.fixes = title, summary, fixes


ADD_VALIDATION = "{validation_fix}"
LOWER_LR = "Lower the learning rate 3-10x{lr_by_3} (e.g. {api_lower_lr})."
LOWER_LR_STALL = ("Lower the learning rate 3-10x{lr_by_3} (e.g. {api_lower_lr}), or let {api_reduce_lr} "
                  "lower it when progress stalls.")

ADVICE: dict[tuple[str, str], Advice] = {
    ("learning", "default"): Advice(
        "Still learning: the best case",
        "Both {train_key} and {val_key} are still falling over {epochs} {window_first}-{window_last} "
        "({train_change} and {val_change}). The model has not finished learning.",
        ("Keep training: {api_more_epochs}.",
         "Guard the longer run with {api_stop_best}, so it stops itself when {val_key} stops improving.",
         "If epochs are expensive, try a somewhat higher learning rate or a learning-rate schedule.")),
    ("learning", "no_val"): Advice(
        "Still learning (no validation loss to check against)",
        "{train_key} is still falling over {epochs} {train_window} ({train_change}), "
        "but {no_val_reason}, so overfitting cannot be seen.",
        (ADD_VALIDATION,
         "Then keep training while the validation loss falls too, guarded by early stopping on it.")),
    ("overfitting", "val_flat"): Advice(
        "Overfitting: training loss falls, validation loss does not",
        "{train_key} keeps falling ({train_change} over {epochs} {train_window}) while {val_key} has stopped improving "
        "({val_change}); its best was {best_val} at {epoch} {best_epoch}, {since_best} {epoch}(s) ago. "
        "The model is memorising the training set.",
        ("Stop at the best validation {epoch}: {api_stop_best}; for this run, {keep_best}.",
         "Add regularization: {api_dropout}, or {api_weight_decay}.",
         "Reduce capacity: fewer or smaller layers; {api_pooling}.",
         "Get more training data, or augment it ({api_augment}).")),
    ("overfitting", "val_stopped"): Advice(
        "The start of overfitting: validation loss has stopped improving",
        "{train_key} keeps falling ({train_change} over {epochs} {train_window}) while {val_key} has stopped improving "
        "({val_change}); its best so far is {best_val} at {epoch} {best_epoch}. The model now fits the training set "
        "better without generalising better: this is where overfitting begins.",
        ("Stop at the best validation {epoch}: {api_stop_best}; for this run, {keep_best}.",
         "Add regularization before it sets in: {api_dropout}, or {api_weight_decay}.",
         "{api_reduce_lr} can buy a few more gains on the validation loss.")),
    ("overfitting", "overconfident"): Advice(
        "Over-confident: validation loss rises while {metric_key} still improves",
        "{train_key} keeps falling ({train_change} over {epochs} {train_window}) and {val_key} is past its best "
        "({best_val} at {epoch} {best_epoch}), but {metric_key} kept improving after it: {metric_at_loss_best} "
        "at {epoch} {best_epoch}, best {metric_best} at {epoch} {metric_best_epoch}, {metric_now} now. The model "
        "gets more answers right while growing over-confident on the ones it gets wrong (common with "
        "cross-entropy): the loss' best checkpoint is not the best model.",
        ("Keep the checkpoint of the best {metric_key} ({epoch} {metric_best_epoch}), not of the best loss: "
         "{api_stop_metric}.",
         "If the predicted probabilities are used as such, calibrate them: {api_label_smoothing}, or "
         "temperature scaling after training.",
         "Regularize anyway ({api_dropout}; {api_weight_decay}): the gap between training and validation "
         "loss keeps widening.")),
    ("overfitting", "never_generalised"): Advice(
        "The model never generalised: {metric_key} sat at chance the whole run",
        "{train_key} fell {progress} from its start, but {metric_key} sat at chance level ({metric_chance}) in "
        "nearly every {epoch}: the model memorises the training set and has learned nothing that carries over. "
        "No checkpoint fixes that.",
        ("Check the validation data against the training data: the same preprocessing, the same label "
         "encoding, labels aligned with inputs; {api_split}",
         "Check that the inputs carry the signal: train on 100 samples and see whether validation on "
         "those same samples improves.",
         "Then reduce capacity or add regularization ({api_dropout}; {api_weight_decay}).")),
    ("overfitting", "val_rising"): Advice(
        "Overfitting: validation loss is rising while training loss falls",
        "{train_key} keeps falling ({train_change} over {epochs} {train_window}) while {val_key} is rising ({val_change}); "
        "its best was {best_val} at {epoch} {best_epoch}, {since_best} {epoch}(s) ago. "
        "Every further {epoch} makes the model worse on unseen data.",
        ("Stop at the best validation {epoch}: {api_stop_best}; for this run, {keep_best}.",
         "Add regularization: {api_dropout}, or {api_weight_decay}.",
         "Reduce capacity: fewer or smaller layers; {api_pooling}.",
         "Get more training data, or augment it ({api_augment}).")),
    ("overfitting", "late"): Advice(
        "Overfitting: validation loss rises after training has converged",
        "{train_key} {train_state} ({train_change} over {epochs} {train_window}) while {val_key} is rising ({val_change}); "
        "its best was {best_val} at {epoch} {best_epoch}, {since_best} {epoch}(s) ago.",
        ("Use the weights of {epoch} {best_epoch}: {api_stop_best}, or {api_checkpoint_best}.",
         "Add regularization: {api_dropout}, or {api_weight_decay}.",
         "Get more training data, or augment it.")),
    ("overfitting", "val_above_best"): Advice(
        "Overfitting: validation loss sits above its best",
        "Neither loss shows a clear trend now ({train_change} and {val_change} over {epochs} {window_first}-{window_last}), but "
        "{val_key} ({val_now}) sits {val_excess} above its best {best_val} at {epoch} {best_epoch}, {since_best} "
        "{epoch}(s) ago: the model generalised better then and has not come back.",
        ("Use the weights of {epoch} {best_epoch}: {api_stop_best}, or {api_checkpoint_best}.",
         "Add regularization: {api_dropout}, or {api_weight_decay}.",
         "Get more training data, or augment it.")),
    ("plateau", "slow"): Advice(
        "Learning slowly: the loss falls steadily, but little",
        "{train_key} still falls every {epoch}, steadily but only {train_change} over {epochs} {train_window} "
        "({val_key}: {val_change}). Progress this slow usually means the learning rate is too low, or "
        "that the model is close to what it can reach.",
        ("Raise the learning rate about 3x (e.g. {api_raise_lr}) and compare the first epochs: "
         "if the loss falls faster and stays smooth, keep it.",
         "Or keep training longer, guarded by {api_stop_best}.",
         "If the loss is still too high, the bottleneck is the model: add capacity or better features.")),
    ("plateau", "unstable"): Advice(
        "Unstable: the loss oscillates too much to show a trend",
        "Over {epochs} {window_first}-{window_last} the losses move a lot ({train_change} and {val_change}) but "
        "jump up and down from {epoch} to {epoch} (about {train_noise} of the level), so no steady trend can be "
        "called: the steps are too noisy.",
        (LOWER_LR_STALL,
         "Use larger batches ({api_batch}): very small batches make every step noisy.",
         "Clip the gradients ({api_clip}) if single batches throw the loss up.",
         "Keep the best weights while it oscillates: {api_stop_best}.")),
    ("data_problem", "default"): Advice(
        "The dataset has a problem: validation improves while training does not",
        "{train_key} is flat ({train_change} over {epochs} {train_window}) while {val_key} keeps falling ({val_change}). "
        "Validation data that is easier than the training data, or leaks into it, behaves like this.{train_above_val}",
        ("Check the split: are validation samples duplicated in, or drawn from a different "
         "(easier) distribution than, the training set? {api_split}",
         "Check the training labels: shuffled, noisy or misaligned labels keep the training loss high.",
         "Check preprocessing: the same scaling, resizing and encoding must be applied to train and validation.",
         "If heavy dropout or augmentation act only during training, the training loss is measured "
         "on a harder task: compare model.evaluate() on the training set with val_loss.")),
    ("plateau", "converged"): Advice(
        "Learning has hit a bottleneck: converged",
        "Both losses have levelled off ({train_change} and {val_change} over {epochs} {window_first}-{window_last}) "
        "after falling {progress} from their start. The model has learned what it can at this learning rate and capacity.",
        ("Lower the learning rate to squeeze out the rest: {api_reduce_lr}, or a cosine / exponential "
         "decay schedule.",
         "Change the batch size: larger batches give less noisy steps, smaller ones more updates per epoch.",
         "If the loss is still too high, the bottleneck is the model: add capacity or better features.",
         "Stop training here: more epochs at this setting will not help (early stopping does this automatically).")),
    ("plateau", "stuck"): Advice(
        "Learning has hit a bottleneck: the loss never really fell",
        "Both losses are flat ({train_change} and {val_change} over {epochs} {window_first}-{window_last}) "
        "and fell only {progress} from their first logged value: either the model is not learning, or it "
        "learned what it could inside its first epoch (then the first value already sits far below an untrained "
        "model's loss, ln K for K classes: 0.69 for two).",
        ("If the first logged loss is already far below an untrained model's, the model did learn and "
         "the level is the data's limit (noisy or ambiguous labels) or the model's capacity: check the "
         "labels, or add capacity. Otherwise check the learning rate: a very small one (1e-6) barely "
         "moves the weights, a very large one bounces; try 1e-3 with Adam.",
         "Check inputs and initialization: scale the inputs ({api_normalize}), {api_init}.",
         "Look for dead or saturated units: ReLU with negative biases, sigmoid/tanh on huge inputs; "
         "try {api_activations}.",
         "Change the batch size, and check that labels match the loss (sparse vs one-hot).")),
    ("plateau", "frozen"): Advice(
        "Learning has stopped completely: the loss is frozen",
        "{train_key} has not moved at all in the last {epochs} (it sits at {train_level}). The network's "
        "output no longer depends on its weights: saturated or dead units, or weights that blew "
        "up early (often inside the first epoch) and never recovered.",
        ("Lower the learning rate 10-100x and start again from fresh weights; clip the gradients ({api_clip}).",
         "Scale the inputs ({api_normalize}); {api_init}.",
         "Look for dead ReLUs or saturated sigmoids: try {api_activations}.",
         "Add the lossdoctor callback so such runs stop early.")),
    ("plateau", "chance"): Advice(
        "Not learning: the loss is stuck at chance level",
        "{train_key} sits at {train_level}, about ln {classes} = {chance_loss}: the model predicts the "
        "class prior and has learned nothing about the inputs.",
        ("Check the labels and the loss: labels aligned with inputs, {api_loss_match}, an output layer "
         "that matches it.",
         "Check the inputs: scaled ({api_normalize}), not all zeros, not shuffled apart from their labels.",
         "Try a moderate learning rate ({api_default_lr}) and start from fresh weights.",
         "Try to overfit 100 samples first: a model that cannot, has a bug.")),
    ("plateau", "lr_decayed"): Advice(
        "Learning has hit a bottleneck: the learning rate has decayed to almost nothing",
        "{train_key} is flat ({train_change} over {epochs} {train_window}), and {lr_key} has decayed to {lr_now}, "
        "{lr_share} of its peak {lr_peak}: the steps are too small to move the weights. The plateau is the "
        "schedule's doing, not the model's.",
        ("Let the schedule end higher: a floor of about 1% of the peak ({lr_floor}), or fewer decay steps.",
         "Or restart the schedule from the best weights (warm restarts: a cosine schedule with restarts).",
         "If the loss is still too high at the best learning rate, the bottleneck is the model: add "
         "capacity or better features.")),
    ("data_problem", "val_is_train"): Advice(
        "The validation loss is the training loss",
        "{val_key} equals {train_key} number for number in nearly every {epoch}: the validation data is the "
        "training data, or the evaluation logs the training loss under the validation name. Nothing in this "
        "run says how the model does on unseen data.",
        ("Check what the validation step evaluates: {api_add_val}, on data held out from training.",
         "Check the logging: the validation metric must be computed in the validation step, not copied "
         "from the training step.",
         "{api_split}")),
    ("plateau", "no_val"): Advice(
        "Learning has hit a bottleneck (no validation loss)",
        "{train_key} is flat ({train_change} over {epochs} {train_window}) after falling {progress} from its start; "
        "{no_val_reason}.",
        (LOWER_LR, "Change the batch size.", ADD_VALIDATION)),
    ("diverging", "default"): Advice(
        "The worst case: both losses are rising",
        "{train_key} ({train_change} over {epochs} {train_window}) and {val_key} ({val_change}) are both rising: training is "
        "moving away from a solution. A rising training loss usually means the learning rate is too high.",
        ("Lower the learning rate a lot (10x or more{lr_by_10}) and restart from the best weights "
         "({epoch} {best_epoch}); clip the gradients ({api_clip}).",
         "Check the learning-rate schedule: warm-up or cyclic schedules can push it too high.",
         "Then check the model (architecture, initialization, normalisation layers) and the data: "
         "cleaning, scaling, and whether its distribution drifts during training.")),
    ("diverging", "exploded"): Advice(
        "Diverged: the loss exploded and did not recover",
        "{train_key} sits at {train_level}, {explosion}x its best value {best_train}: training blew up. "
        "This is almost always a learning rate too high for the model and data.",
        ("Lower the learning rate 10x or more{lr_by_10} and restart from fresh weights or the best checkpoint "
         "({epoch} {best_epoch}); clip the gradients ({api_clip}).",
         "Scale inputs and targets ({api_normalize}); large regression targets blow up MSE.",
         "Guard the next run: {api_nan_guard}.")),
    ("diverging", "train_blew_up"): Advice(
        "Diverging: the training loss blew up",
        "{train_key} is rising ({train_change} over {epochs} {train_window}) and now sits at {train_now}, "
        "{train_jump}x its best value {best_train}; {val_key} is {val_trend} so far ({val_change}), but a "
        "training loss that blows up takes the model with it. A learning rate too high for the model, or a "
        "schedule that ramps it up, is the usual cause.",
        ("Lower the learning rate 10x or more{lr_by_10} and restart from the best checkpoint ({epoch} {best_epoch}); "
         "clip the gradients ({api_clip}).",
         "Check the learning-rate schedule: warm-up or cyclic schedules can push it too high.",
         "Guard the next run: {api_nan_guard}.")),
    ("diverging", "no_val"): Advice(
        "Training loss is rising (no validation loss)",
        "{train_key} is rising ({train_change} over {epochs} {train_window}): the learning rate is most likely "
        "too high ({no_val_reason}).",
        (LOWER_LR, "Clip the gradients ({api_clip}).", ADD_VALIDATION)),
    ("train_rising", "default"): Advice(
        "Unstable: training loss is rising",
        "{train_key} is rising ({train_change} over {epochs} {train_window}) while {val_key} is {val_trend} ({val_change}). "
        "A training "
        "loss that rises {epoch} after {epoch} usually means the learning rate is too high; a regularization "
        "or augmentation schedule that grows during training does the same.",
        (LOWER_LR,
         "Clip the gradients ({api_clip}), and check the learning-rate schedule.",
         "If a regularization or augmentation schedule ramps up, this may be expected; "
         "watch the validation loss, and keep the best weights ({api_checkpoint_best}).")),
    ("non_finite", "default"): Advice(
        "Diverged: the loss became NaN/inf",
        "{nonfinite_what} The weights are corrupted from that point on; everything after it is lost.",
        ("Lower the learning rate 10x or more{lr_by_10}; clip the gradients ({api_clip}).",
         "Look for bad data: NaN or inf in the inputs or targets (np.isfinite(x).all()), "
         "log(0) or division by zero in a custom loss.",
         "Scale inputs and targets ({api_normalize}); use float32, not float16, without loss scaling.",
         "Stop such runs at once ({api_nan_guard}) and keep the weights of the best epoch "
         "({api_checkpoint_best}).")),
    ("insufficient_data", "default"): Advice(
        "Too little history to judge",
        "{insufficient}",
        ("Train for more epochs (at least {min_epochs}) and diagnose again.",
         "Pass --window N to judge a different span of training.")),
}
