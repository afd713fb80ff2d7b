"""Render the README's example figures from sample_histories/ into docs/."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from lossdoctor import diagnose, load_history  # noqa: E402
from lossdoctor.plot import render_figure  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
for name, kwargs in [("overfitting", {"smooth": 0.0}), ("data_problem", {}), ("diverging", {}),
                     ("plateau_converged", {})]:
    h = load_history(os.path.join(ROOT, "sample_histories", f"{name}.json"))
    render_figure(h, diagnose(h), os.path.join(ROOT, "docs", f"{name}.png"), **kwargs)
    print("docs/" + name + ".png")
