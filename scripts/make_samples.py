"""Regenerate sample_histories/ by really training small Keras models on bundled data.

Usage: KERAS_BACKEND=jax python scripts/make_samples.py [OUT_DIR]

Each sample induces one documented case; the data comes from numpy and scikit-learn's
bundled datasets (no downloads). Writes `<name>.json` (json.dump(history.history)) and,
for one of them, the CSVLogger file too. Takes about a minute on a laptop CPU.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, make_moons  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def mlp(inputs: int, hidden: tuple[int, ...], out: int, activation: str | None, **dense) -> keras.Model:
    layers = [keras.Input((inputs,))]
    layers += [keras.layers.Dense(h, activation="relu", **dense) for h in hidden]
    layers.append(keras.layers.Dense(out, activation=activation, **dense))
    return keras.Sequential(layers)


def diabetes():
    x, y = load_diabetes(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    y = (y - y.mean()) / y.std()
    return x[:350], y[:350], x[350:], y[350:]


def cancer():
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    return x[:450], y[:450], x[450:], y[450:]


def still_learning():
    """Adam at a low learning rate, stopped after 25 epochs: both losses still falling."""
    xt, yt, xv, yv = diabetes()
    m = mlp(10, (32,), 1, None)
    m.compile(keras.optimizers.Adam(3e-4), "mse")
    return m.fit(xt, yt, validation_data=(xv, yv), epochs=25, batch_size=32, verbose=0)


def overfitting():
    """A 3x256 MLP on 40 noisy moons: training loss keeps falling, validation loss turns up."""
    x, y = make_moons(1000, noise=0.35, random_state=0)
    m = mlp(2, (256, 256, 256), 1, "sigmoid")
    m.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy", metrics=["accuracy"])
    return m.fit(x[:40], y[:40], validation_data=(x[500:], y[500:]), epochs=80, batch_size=8, verbose=0)


def data_problem():
    """Training labels 80% shuffled, validation labels clean: training flat, validation falling."""
    xt, yt, xv, yv = cancer()
    rng = np.random.default_rng(0)
    noisy = yt.copy()
    idx = rng.choice(len(yt), int(0.8 * len(yt)), replace=False)
    noisy[idx] = rng.permutation(noisy[idx])
    m = mlp(30, (), 1, "sigmoid")
    m.compile(keras.optimizers.SGD(3e-3), "binary_crossentropy", metrics=["accuracy"])
    return m.fit(xt, noisy, validation_data=(xv, yv), epochs=100, batch_size=32, verbose=0)


def plateau_converged():
    """L2-regularised logistic regression trained long: both losses level off after falling."""
    xt, yt, xv, yv = cancer()
    m = mlp(30, (), 1, "sigmoid", kernel_regularizer=keras.regularizers.l2(1e-2))
    m.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy", metrics=["accuracy"])
    return m.fit(xt, yt, validation_data=(xv, yv), epochs=60, batch_size=32, verbose=0)


def plateau_stuck():
    """Adam with learning rate 1e-6: nothing moves; the loss never falls."""
    xt, yt, xv, yv = cancer()
    m = mlp(30, (16,), 1, "sigmoid")
    m.compile(keras.optimizers.Adam(1e-6), "binary_crossentropy", metrics=["accuracy"])
    return m.fit(xt, yt, validation_data=(xv, yv), epochs=30, batch_size=32, verbose=0)


def diverging():
    """Full-batch gradient descent with a learning rate just above stability: both losses grow."""
    xt, yt, xv, yv = diabetes()
    lam = np.linalg.eigvalsh(2 * xt.T @ xt / len(xt)).max()
    m = mlp(10, (), 1, None)
    m.compile(keras.optimizers.SGD(2.0 / lam * 1.12), "mse")
    return m.fit(xt, yt, validation_data=(xv, yv), epochs=40, batch_size=len(xt), verbose=0)


def nan_loss():
    """SGD with a huge learning rate on unscaled targets: the loss becomes NaN."""
    x, y = load_diabetes(return_X_y=True)
    m = mlp(10, (64, 64), 1, None)
    m.compile(keras.optimizers.SGD(0.05, momentum=0.9), "mse")
    return m.fit(x[:350] * 100, y[:350] * 100, validation_data=(x[350:] * 100, y[350:] * 100),
                 epochs=20, batch_size=16, verbose=0)


SAMPLES = {
    "still_learning": still_learning,
    "overfitting": overfitting,
    "data_problem": data_problem,
    "plateau_converged": plateau_converged,
    "plateau_stuck": plateau_stuck,
    "diverging": diverging,
    "nan_loss": nan_loss,
}


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    for name, train in SAMPLES.items():
        keras.utils.set_random_seed(7)
        history = train()
        with open(os.path.join(out, f"{name}.json"), "w") as fh:
            json.dump({k: [float(v) for v in vs] for k, vs in history.history.items()}, fh)
        print(f"{name}: {len(history.history['loss'])} epochs")
    # one sample also as the CSV that keras.callbacks.CSVLogger writes
    keras.utils.set_random_seed(7)
    xt, yt, xv, yv = cancer()
    m = mlp(30, (64, 64), 1, "sigmoid")
    m.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"])
    m.fit(xt[:60], yt[:60], validation_data=(xv, yv), epochs=60, batch_size=8, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(os.path.join(out, "overfitting_csvlogger.csv"))])
    print("overfitting_csvlogger.csv written")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "sample_histories"))
