"""The ``infogeo`` command line: a front end to :mod:`infogeo.symbolic` and the tour.

Examples
--------
::

    infogeo families
    infogeo fisher normal
    infogeo fisher --logpdf "-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2" \\
                   --params "mu sigma>0" --var x --format json
    infogeo fisher --logpdf "k*log(lam) - lam - loggamma(k+1)" --params "lam>0" \\
                   --var k --support "0,oo" --discrete
    infogeo fisher --pdf "exp(-x/theta)/theta" --params "theta>0" --support "0,oo"
    infogeo fisher --logpdf "log(b/a) + (b-1)*log(x/a) - 2*log(1 + (x/a)**b)" \\
                   --params "a>0 b>0" --at "a=1 b=2" --timeout 5
    infogeo christoffel gamma --alpha 1
    infogeo curvature normal --format latex
    infogeo tour --output tour_output

Density strings are parsed by :mod:`infogeo.symbolic.parsing` (a whitelist over Python's
``ast``; nothing is evaluated); families are built by
:func:`infogeo.symbolic.parse_family`. The symbolic strategies share a time budget
(``--timeout``, 10 s by default); on a terminal a line on stderr shows the step running.
With ``--at`` the value at that point is computed by quadrature first (and printed at once
in text format), whatever the symbolic outcome. Errors print one line on stderr and exit
with status 1 (2 for command-line usage errors), without a traceback unless
``--traceback`` is given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _cli_output as fmt
from ._cli_commands import _cmd_christoffel, _cmd_curvature, _cmd_families, _cmd_fisher, _cmd_tour

__all__ = ["main", "build_parser"]

EXIT_ERROR = 1
EXIT_USAGE = 2


# ---------------------------------------------------------------------- arguments
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``infogeo`` command."""
    parser = argparse.ArgumentParser(
        prog="infogeo",
        description="Information geometry: Fisher metrics, connections and curvature of "
                    "parametric families, derived symbolically.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"infogeo {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback on errors (for bug reports)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    fam = sub.add_parser("families", help="list the catalogue of named families")
    fam.add_argument("--format", choices=("text", "json"), default="text")
    fam.set_defaults(func=_cmd_families)

    helps = {"fisher": "Fisher information matrix I(theta)",
             "christoffel": "Christoffel symbols Gamma^k_ij of the Fisher metric "
                            "(or of an alpha-connection)",
             "curvature": "scalar curvature of the Fisher metric (or of an alpha-connection)"}
    for name, func in (("fisher", _cmd_fisher), ("christoffel", _cmd_christoffel),
                       ("curvature", _cmd_curvature)):
        p = sub.add_parser(name, help=helps[name], description=helps[name])
        _add_family_arguments(p)
        if name == "fisher":
            p.add_argument("--at", metavar="VALUES",
                           help='parameter values, e.g. "mu=0 sigma=1": also print the '
                                'matrix there; quadrature there when no closed form exists')
        else:
            p.add_argument("--at", metavar="VALUES",
                           help='parameter values, e.g. "a=1 b=2": first print the value '
                                'there by the numeric route (quadrature, with its error '
                                'estimate), whatever the symbolic outcome')
            p.add_argument("--alpha", default="0",
                           help="Amari alpha (1: e-connection, -1: m-connection, "
                                "0: Levi-Civita, the default)")
        p.set_defaults(func=func)

    tour = sub.add_parser("tour", help="a guided tour: derive, compile, compare, plot")
    tour.add_argument("--output", default="tour_output",
                      help="directory for tour.png (default: ./tour_output)")
    tour.add_argument("--no-figure", action="store_true", help="skip the figure")
    tour.set_defaults(func=_cmd_tour)
    return parser


def _add_family_arguments(p: argparse.ArgumentParser) -> None:
    from .symbolic.pipeline import DEFAULT_TIMEOUT

    p.add_argument("family", nargs="?", help="a catalogue name (see 'infogeo families')")
    p.add_argument("--logpdf", help='log-density, Python syntax with ** for powers, e.g. '
                                    '"-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2"')
    p.add_argument("--pdf", help='the density itself instead of its log, e.g. '
                                 '"exp(-x/theta)/theta" (its log is expanded)')
    p.add_argument("--params", help='parameter declarations, e.g. "mu sigma>0 p:(0,1)"')
    p.add_argument("--hyperparams", default="",
                   help='fixed (non-coordinate) symbols, e.g. "nu>0"')
    p.add_argument("--var", default="x", help='the random variable (default: x; "x>0" or '
                                               '"x:(0,1)" also declare its range)')
    p.add_argument("--support", default=None,
                   help='support "low,high", e.g. "0,oo"; one per variable separated by ";" '
                        'for several, e.g. "0,1; 0,1-x1" (default: where the log-density is '
                        'defined, e.g. (0, oo) when it has log(x))')
    p.add_argument("--discrete", action="store_true",
                   help="the variable takes the integers low <= k <= high")
    p.add_argument("--conditions", default="",
                   help='joint constraints on the parameters, e.g. "p1 + p2 < 1"')
    p.add_argument("--censor-at", metavar="POINT", default=None,
                   help='censor the (continuous) family at a fixed point inside its support: '
                        'a number or a declared hyperparameter, e.g. "2" or "c"')
    p.add_argument("--censor-side", choices=("right", "left"), default="right",
                   help="right: values >= POINT are recorded as POINT (the default); "
                        "left: values <= POINT are")
    p.add_argument("--format", choices=("text", "latex", "json"), default="text")
    p.add_argument("--timeout", type=_positive_seconds, default=DEFAULT_TIMEOUT,
                   help="total seconds (of processor time) for the symbolic strategies "
                        f"(default: {DEFAULT_TIMEOUT:g}); a failure is remembered")
    p.add_argument("--time-limit", type=_positive_seconds, default=30.0,
                   help="at most this many seconds for each strategy (default: 30)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the derivation cache")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--progress", action="store_true",
                       help="show the step running on stderr (default: on a terminal)")
    shown.add_argument("--quiet", action="store_true", help="never show progress")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


# ---------------------------------------------------------------------- families
# ---------------------------------------------------------------------- entry point
def _expected_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ValueError, TypeError, ArithmeticError,
                                         NotImplementedError, OSError]
    try:
        from .symbolic import DerivationError, NotClosed

        errors += [DerivationError, NotClosed]
    except ImportError:  # the symbolic layer is broken: report that as the error
        pass
    return tuple(errors)


_VALUE_OPTIONS = ("--logpdf", "--pdf", "--support", "--alpha", "--at", "--params", "--hyperparams",
                  "--var", "--conditions", "--censor-at")


def _join_option_values(argv: list[str]) -> list[str]:
    """Write ``--logpdf -x**2`` as ``--logpdf=-x**2``.

    argparse reads a value that starts with ``-`` as an option, but log-densities
    (``"-(x-mu)**2/2"``) and supports (``"-oo,oo"``) often do.
    """
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _tolerant_stdout() -> None:
    """Print Greek letters as escapes, not crash, on a non-UTF-8 terminal."""
    try:
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (``sys.argv[1:]`` by default).
    """
    parser = build_parser()
    argv = _join_option_values(list(sys.argv[1:] if argv is None else argv))
    _tolerant_stdout()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error already printed by argparse
        return int(exit_.code or 0)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("infogeo: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the CLI reports every failure in one line
        if args.traceback:
            raise
        expected = isinstance(err, _expected_errors())
        message = " ".join(fmt.message(err).split()) or type(err).__name__
        prefix = "error" if expected else f"internal error ({type(err).__name__})"
        print(f"infogeo: {prefix}: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
