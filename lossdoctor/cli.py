"""The `lossdoctor` command line. Exit codes: 0 diagnosed, 1 --fail-on matched, 2 bad input, 3 internal error."""

from __future__ import annotations

import functools
import sys

import click

from . import __version__
from .diagnose import diagnose as run_diagnosis
from .errors import LossDoctorError
from .readers import format_names, load_history
from .render import RENDERERS, headline

EXIT_OK, EXIT_FAIL_ON, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def history_options(fn):
    """Options shared by every command that reads a history."""
    for opt in reversed([
        click.option("--train-key", metavar="KEY", help="Training series to judge (default: loss, "
                     "else train_loss, ...)."),
        click.option("--val-key", metavar="KEY", help="Validation series (default: val_<train key>, "
                     "else val_loss, eval_loss, ...)."),
        click.option("--window", type=click.FloatRange(min=2), metavar="N",
                     help="Judge the last N epochs (default: the last third of training)."),
        click.option("--input-format", type=click.Choice(format_names()),
                     help="Skip format detection."),
    ]):
        fn = opt(fn)
    return fn


def fail(path: str, err: Exception, code: int = EXIT_INPUT) -> None:
    click.echo(f"Error: {path}: {err}", err=True)
    sys.exit(code)


def guarded(fn):
    """Turn lossdoctor errors into one line and exit 2; anything else into exit 3, no traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        path = kwargs.get("file", "")
        try:
            return fn(*args, **kwargs)
        except LossDoctorError as err:
            fail(path, err)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except MemoryError:
            fail(path, "ran out of memory reading it; keep only the run you want diagnosed")
        except Exception as err:  # a bug: say so in one line, keep the traceback for --debug users
            fail(path, f"internal error ({type(err).__name__}: {err}); please report it with the file",
                 EXIT_INTERNAL)
    return wrapper


def load_and_diagnose(file, train_key, val_key, window, input_format):
    history = load_history(file, input_format)
    return history, run_diagnosis(history, train_key, val_key, window)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="lossdoctor")
def cli():
    """Read a training history and say what is going on and what to do.

    Example: lossdoctor diagnose history.json
    """


@cli.command()
@click.argument("file")
@history_options
@click.option("--format", "output_format", type=click.Choice(sorted(RENDERERS)), default="text",
              show_default=True, help="Report format.")
@guarded
def diagnose(file, train_key, val_key, window, input_format, output_format):
    """Diagnose the training history in FILE (`-` reads standard input).

    FILE may be a Keras History JSON or a CSVLogger CSV (the format is detected from the
    content). Exit code 0: diagnosed; 2: the input could not be read or used.

    Example: lossdoctor diagnose history.json --format json
    """
    _, d = load_and_diagnose(file, train_key, val_key, window, input_format)
    text = RENDERERS[output_format](d)
    if output_format == "text" and sys.stdout.isatty():
        first, _, rest = text.partition("\n")
        text = click.style(first, bold=True, fg="green" if d.ok else "yellow") + "\n" + rest
    click.echo(text, nl=False)


def main() -> None:  # pragma: no cover - the console script
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["cli", "headline"]
