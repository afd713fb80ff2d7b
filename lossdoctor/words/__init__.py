"""Stage 3, words: every sentence a user reads, in one layer, by subject: `numbers` (epochs,
units, values), `trends`, `evidence` (and notes), `context` (the advice templates'
placeholders), `forecast`, `status` (confidence, timeline, code names); `advice` holds the
words of each outcome and `apis` each framework's spelling of the APIs the fixes name. The
facts side decides what exists; these modules only phrase it, in the language in force. The
renderers (text, Markdown, figure, page, notebook, callbacks) call them and never phrase
themselves.

May import: `core`, `read`, `analyse`; never the verdict (`judge`) or a renderer (`show`).
"""

from .numbers import (epoch_list, epoch_number, fmt_duration, fmt_epoch, fmt_share, fmt_value, sep, times, unit_word,
                      units_word)
from .trends import TREND_WORDS, change_text, reason_text, series_label, span_text, trend_line, trend_word
from .evidence import (SPIKE_WHY, as_good_text, best_line, best_note, cost_text, Evidence, evidence_items,
                       evidence_line, evidence_text, nonfinite_text, note_text, signal_text)
from .context import context
from .forecast import FORECAST_REASON_WORDS, forecast_line, forecast_text, forecast_word, reason_word
from .status import CODE_NAMES, LEVEL_WORDS, code_name, confidence_reason, confidence_text, phase_text, timeline_text

__all__ = ["CODE_NAMES", "Evidence", "FORECAST_REASON_WORDS", "LEVEL_WORDS", "SPIKE_WHY", "TREND_WORDS",
           "as_good_text", "best_line", "best_note", "change_text", "code_name", "confidence_reason",
           "confidence_text", "context", "cost_text", "epoch_list", "epoch_number", "evidence_items", "evidence_line",
           "evidence_text", "fmt_duration", "fmt_epoch", "fmt_share", "fmt_value", "forecast_line", "forecast_text",
           "forecast_word", "nonfinite_text", "note_text", "phase_text", "reason_text", "reason_word", "sep",
           "series_label", "signal_text", "span_text", "timeline_text", "times", "trend_line", "trend_word",
           "unit_word", "units_word"]
