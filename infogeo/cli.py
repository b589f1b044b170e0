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
    infogeo christoffel gamma --alpha 1
    infogeo curvature normal --format latex
    infogeo tour --output tour_output

Density strings are parsed by :mod:`infogeo.symbolic.parsing` (a whitelist over Python's
``ast``; nothing is evaluated). Errors print one line on stderr and exit with status 1
(2 for command-line usage errors), without a traceback unless ``--traceback`` is given.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from typing import Any

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
    p.add_argument("family", nargs="?", help="a catalogue name (see 'infogeo families')")
    p.add_argument("--logpdf", help='log-density, Python syntax with ** for powers, e.g. '
                                    '"-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2"')
    p.add_argument("--pdf", help='the density itself instead of its log, e.g. '
                                 '"exp(-x/theta)/theta" (its log is expanded)')
    p.add_argument("--params", help='parameter declarations, e.g. "mu sigma>0 p:(0,1)"')
    p.add_argument("--hyperparams", default="",
                   help='fixed (non-coordinate) symbols, e.g. "nu>0"')
    p.add_argument("--var", default="x", help="the random variable (default: x)")
    p.add_argument("--support", default="-oo,oo",
                   help='support "low,high", e.g. "0,oo" (default: "-oo,oo")')
    p.add_argument("--discrete", action="store_true",
                   help="the variable takes the integers low <= k <= high")
    p.add_argument("--format", choices=("text", "latex", "json"), default="text")
    p.add_argument("--time-limit", type=_positive_seconds, default=30.0,
                   help="seconds allowed to each derivation strategy (default: 30)")
    p.add_argument("--no-cache", action="store_true", help="do not use the derivation cache")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


# ---------------------------------------------------------------------- families
def _family(args: argparse.Namespace) -> Any:
    """The SymbolicFamily described by the arguments (catalogue name or --logpdf)."""
    import sympy as sp

    from .symbolic import SymbolicFamily, catalogue
    from .symbolic.parsing import (
        parse_density,
        parse_param_specs,
        parse_support,
        parse_variable,
    )

    given = [name for name, value in (("a family name", args.family),
                                      ("--logpdf", args.logpdf), ("--pdf", args.pdf)) if value]
    if len(given) > 1:
        raise ValueError(f"give one of a family name, --logpdf or --pdf, not {' and '.join(given)}")
    if args.family:
        names = catalogue.names()
        if args.family not in names:
            close = difflib.get_close_matches(args.family, names, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"unknown family {args.family!r}{hint} "
                             "('infogeo families' lists them)")
        return catalogue.get(args.family)
    if not given:
        raise ValueError("give a family name (see 'infogeo families') or --logpdf with "
                         "--params")
    option = given[0]
    if not args.params:
        raise ValueError(f'--params is required with {option}, e.g. --params "mu sigma>0"')
    specs = parse_param_specs(args.params, "--params")
    hyper = parse_param_specs(args.hyperparams, "--hyperparams") if args.hyperparams.strip() \
        else []
    support = parse_support(args.support)
    variable = parse_variable(args.var, support, discrete=args.discrete)
    symbols = [s.symbol for s in specs + hyper]
    if args.pdf:
        # log of the parsed (whitelisted) expression; force: the symbols are real and the
        # density is positive on its support, so log(a*b) = log(a) + log(b) there
        density = parse_density(args.pdf, symbols, variable)
        logpdf = sp.expand_log(sp.log(density), force=True)
    else:
        logpdf = parse_density(args.logpdf, symbols, variable)
    constraints = {s.symbol: (s.domain.inf, s.domain.sup) for s in specs + hyper
                   if not _default_domain(s)}
    return SymbolicFamily(logpdf, [s.symbol for s in specs], variable, support,
                          discrete=args.discrete, constraints=constraints,
                          hyperparams=[s.symbol for s in hyper], name="custom",
                          normalization_time_limit=min(3.0, args.time_limit))


def _default_domain(spec: Any) -> bool:
    """Whether the symbol's assumptions already say everything about its domain."""
    import sympy as sp

    lo, hi = spec.domain.inf, spec.domain.sup
    return (lo == -sp.oo and hi == sp.oo) or (lo == 0 and hi == sp.oo)


def _fisher_result(fam: Any, args: argparse.Namespace, at: dict | None = None) -> Any:
    from .symbolic import fisher_information_result

    return fisher_information_result(fam, time_limit=args.time_limit,
                                     cache=not args.no_cache, allow_numeric=at is not None,
                                     at=at)


def _parse_at(text: str, fam: Any) -> dict:
    """``"mu=0 sigma=1"`` -> {mu: 0.0, sigma: 1.0} for the family's symbols."""
    from .symbolic.parsing import parse_constant

    by_name = {s.name: s for s in fam.params + fam.hyperparams}
    values = {}
    for item in text.replace(",", " ").split():
        name, eq, value = item.partition("=")
        if not eq or name not in by_name:
            raise ValueError(f"--at must be 'name=value' for names in {sorted(by_name)}, "
                             f"got {item!r}")
        number = parse_constant(value, f"--at {name}")
        if not number.is_finite:
            raise ValueError(f"--at {name} must be finite, got {value!r}")
        values[by_name[name]] = float(number)
    missing = sorted(set(by_name) - {s.name for s in values})
    if missing:
        raise ValueError(f"--at must give every parameter; missing {', '.join(missing)}")
    if not fam.in_domain(values):
        domains = ", ".join(f"{s} in {d}" for s, d in fam.domains.items())
        raise ValueError(f"--at must lie in the parameter domain ({domains}), got {text!r}")
    return values


# ---------------------------------------------------------------------- output
def _describe(fam: Any) -> dict[str, Any]:
    return {"family": fam.name, "params": [str(p) for p in fam.params],
            "variable": str(fam.variable), "variables": [str(v) for v in fam.variables],
            "support": [[str(lo), str(hi)] for lo, hi in fam.support],
            "discrete": bool(fam.discrete), "logpdf": str(fam.logpdf)}


def _header(fam: Any) -> str:
    kind = "integers" if fam.discrete else "reals"
    ranges = ", ".join(f"{v} in [{lo}, {hi}]" for v, (lo, hi) in
                       zip(fam.variables, fam.support, strict=True))
    return (f"family: {fam.name}\nparameters: {', '.join(map(str, fam.params))}\n"
            f"variable ({kind}): {ranges}\nlog p = {fam.logpdf}")


def _pretty(expr: Any) -> str:
    import sympy as sp

    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    return sp.pretty(expr, use_unicode=encoding.startswith("utf"))


def _emit(fmt: str, text: str, latex: str, payload: dict[str, Any]) -> None:
    if fmt == "json":
        print(json.dumps(payload, indent=2))
    elif fmt == "latex":
        print(latex)
    else:
        print(text)


def _cmd_families(args: argparse.Namespace) -> int:
    from .symbolic import catalogue

    rows = []
    for name in catalogue.names():
        doc = (catalogue.FAMILIES[name].__doc__ or "").strip().splitlines()
        rows.append({"name": name, "description": doc[0] if doc else ""})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        width = max(len(r["name"]) for r in rows)
        print("\n".join(f"{r['name']:<{width}}  {r['description']}" for r in rows))
    return 0


def _cmd_fisher(args: argparse.Namespace) -> int:
    import sympy as sp

    fam = _family(args)
    at = _parse_at(args.at, fam) if args.at else None
    from .symbolic import DerivationError

    try:
        result = _fisher_result(fam, args, at)
    except DerivationError as err:
        hint = "" if at else ('; for a numeric value give --at with parameter values, e.g. '
                              f'--at "{" ".join(f"{p}=1" for p in fam.params)}"')
        raise DerivationError(f"{str(err).split('; pass allow_numeric')[0]}{hint}") from None
    matrix = result.value
    coords = ", ".join(map(str, fam.params))
    how = (f"strategy: {result.strategy}" + (" (numeric quadrature at the given point)"
                                             if result.numeric else ""))
    if not result.numeric and result.check_point:
        point = ", ".join(f"{k}={v:.4g}" for k, v in result.check_point.items())
        how += f"; checked against quadrature at {point} (max error {result.check_error:.2g})"
    text = f"{_header(fam)}\n\nI({coords}) =\n{_pretty(matrix)}\n\n{how}"
    latex = f"I({', '.join(sp.latex(p) for p in fam.params)}) = {sp.latex(matrix)}"
    payload = {**_describe(fam), "fisher": [[str(e) for e in row] for row in matrix.tolist()],
               "latex": sp.latex(matrix), "strategy": result.strategy,
               "numeric": bool(result.numeric), "check_error": _finite(result.check_error)}
    if at is not None:
        # the closed form evaluated at the point (the quadrature itself when numeric)
        values = [[float(e.subs(at)) for e in row] for row in matrix.tolist()]
        point = ", ".join(f"{k}={v:g}" for k, v in at.items())
        text += f"\n\nat {point}:\n" + "\n".join(
            "  " + "  ".join(f"{v:14.8g}" for v in row) for row in values)
        payload["at"] = {str(k): v for k, v in at.items()}
        payload["fisher_at"] = values
    _emit(args.format, text, latex, payload)
    return 0


def _finite(value: float) -> float | None:
    return float(value) if value == value and abs(value) != float("inf") else None


def _connection(fam: Any, args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    """(metric, alpha, cubic tensor or None, Γ) for the requested connection."""
    from .symbolic import amari_chentsov_tensor, christoffel_symbols
    from .symbolic.geometry import alpha_christoffel_symbols
    from .symbolic.parsing import parse_constant

    metric = _fisher_result(fam, args).value
    alpha = parse_constant(args.alpha, "--alpha")
    if not alpha.is_finite:
        raise ValueError(f"--alpha must be finite, got {args.alpha!r}")
    if alpha == 0:
        return metric, alpha, None, christoffel_symbols(metric, fam.params)
    cubic = amari_chentsov_tensor(fam, time_limit=args.time_limit, cache=not args.no_cache)
    return metric, alpha, cubic, alpha_christoffel_symbols((metric, cubic, fam.params), alpha)


def _cmd_christoffel(args: argparse.Namespace) -> int:
    import sympy as sp

    fam = _family(args)
    _, alpha, _, gamma = _connection(fam, args)
    names = [str(p) for p in fam.params]
    n = len(names)
    lines, latex_lines, nonzero = [], [], []
    for k in range(n):
        for i in range(n):
            for j in range(i, n):
                value = gamma[k, i, j]
                if value == 0:
                    continue
                lines.append(f"Gamma^{names[k]}_({names[i]},{names[j]}) = {value}")
                lo = sp.latex(fam.params[i]) + " " + sp.latex(fam.params[j])
                latex_lines.append(f"\\Gamma^{{{sp.latex(fam.params[k])}}}_{{{lo}}} = "
                                   f"{sp.latex(value)}")
                nonzero.append({"k": names[k], "i": names[i], "j": names[j],
                                "value": str(value)})
    which = "Levi-Civita connection" if alpha == 0 else f"alpha-connection, alpha = {alpha}"
    body = "\n".join(lines) if lines else "all Christoffel symbols vanish"
    text = (f"{_header(fam)}\n\nChristoffel symbols Gamma^k_ij ({which}; "
            f"symmetric in i, j; zeros omitted):\n{body}")
    payload = {**_describe(fam), "alpha": str(alpha),
               "christoffel": [[[str(gamma[k, i, j]) for j in range(n)] for i in range(n)]
                               for k in range(n)],
               "nonzero": nonzero, "index_convention": "christoffel[k][i][j] = Gamma^k_ij"}
    _emit(args.format, text, "\n".join(latex_lines) or "0", payload)
    return 0


def _cmd_curvature(args: argparse.Namespace) -> int:
    import sympy as sp

    from .symbolic import alpha_scalar_curvature, scalar_curvature

    fam = _family(args)
    metric, alpha, cubic, _ = _connection(fam, args)
    if alpha == 0:
        scalar = scalar_curvature(metric, fam.params)
    else:
        scalar = alpha_scalar_curvature(metric, cubic, fam.params, alpha)
    payload = {**_describe(fam), "alpha": str(alpha), "scalar_curvature": str(scalar)}
    text = f"{_header(fam)}\n\nscalar curvature R = {scalar}"
    latex = f"R = {sp.latex(scalar)}"
    if fam.dim == 2 and alpha == 0:  # K = R/2 holds for the Levi-Civita connection
        gauss = sp.simplify(scalar / 2)
        payload["gaussian_curvature"] = str(gauss)
        text += f"\nGaussian curvature K = R/2 = {gauss}"
        latex += f", \\qquad K = {sp.latex(gauss)}"
    _emit(args.format, text, latex, payload)
    return 0


def _cmd_tour(args: argparse.Namespace) -> int:
    from .tour import run_tour

    run_tour(args.output, figure=not args.no_figure)
    return 0


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
                  "--var")


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
        message = " ".join(str(err).split()) or type(err).__name__
        prefix = "error" if expected else f"internal error ({type(err).__name__})"
        print(f"infogeo: {prefix}: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
