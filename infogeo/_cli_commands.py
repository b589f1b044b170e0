"""The commands of the ``infogeo`` command line (``fisher``, ``christoffel``, ``curvature``,
``families``, ``tour``); the parser and the entry point are in :mod:`infogeo.cli`."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from typing import Any

from . import _cli_output as fmt


def _family(args: argparse.Namespace) -> Any:
    """The SymbolicFamily described by the arguments (catalogue name or --logpdf/--pdf)."""
    from .symbolic import catalogue, parse_family
    from .symbolic.builder import censor_family

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
        return censor_family(catalogue.get(args.family), args.censor_at, args.censor_side,
                             hyperparams=args.hyperparams)
    if not given:
        raise ValueError("give a family name (see 'infogeo families') or --logpdf with "
                         "--params")
    if not args.params:
        raise ValueError(f'--params is required with {given[0]}, e.g. --params "mu sigma>0"')
    return parse_family(args.logpdf, args.params, pdf=args.pdf, variable=args.var,
                        support=args.support, discrete=args.discrete,
                        hyperparams=args.hyperparams, conditions=args.conditions,
                        censor_at=args.censor_at, censor_side=args.censor_side)


def _options(args: argparse.Namespace, show: Any) -> dict[str, Any]:
    """Keyword arguments of every derivation the command asks for."""
    return {"time_limit": args.time_limit, "timeout": args.timeout,
            "cache": not args.no_cache, "progress": show}


def _parse_at(text: str, fam: Any) -> dict:
    """``"mu=0 sigma=1"`` -> {mu: 0.0, sigma: 1.0} for the family's symbols."""
    by_name = {s.name: s for s in fam.params + fam.hyperparams}
    values = {}
    for item in text.replace(",", " ").split():
        name, eq, value = item.partition("=")
        if not eq or name not in by_name:
            raise ValueError(f"--at must be 'name=value' for names in {sorted(by_name)}, "
                             f"got {item!r}")
        values[by_name[name]] = fam.parameter_values({name: value}, "--at")[by_name[name]]
    given = {s.name for s in values}
    for kind, symbols in (("parameter", fam.params), ("hyperparameter", fam.hyperparams)):
        missing = sorted(s.name for s in symbols if s.name not in given)
        if missing:
            raise ValueError(f"--at must give every {kind}; missing {', '.join(missing)}")
    if not fam.in_domain(values):
        domains = ", ".join(f"{s} in {d}" for s, d in fam.domains.items())
        conditions = "; " + ", ".join(map(str, fam.conditions)) if fam.conditions else ""
        raise ValueError(f"--at must lie in the parameter domain ({domains}{conditions}), "
                         f"got {text!r}")
    return values


# ---------------------------------------------------------------------- output
def _progress(args: argparse.Namespace) -> Any:
    from ._progress import ProgressLine

    shown = args.progress or (not args.quiet and sys.stderr.isatty())
    return ProgressLine(sys.stderr, shown)


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

    from .errors import DerivationError
    from .symbolic import fisher_information_result

    fam = _family(args)
    at = _parse_at(args.at, fam) if args.at else None
    stream = args.format == "text"
    text = fmt.header(fam)
    quadrature = failure = result = None
    with _progress(args) as show:
        if at is not None:
            # the answer at the point first: quadrature takes a second or two, whatever the
            # symbolic outcome (issue: honest waiting)
            show("Fisher information: quadrature at the given point")
            quadrature = fisher_information_result(fam, method="numeric", at=at,
                                                   cache=not args.no_cache)
            text += (f"\n\nat {fmt.point_text(at)} (quadrature):\n"
                     + fmt.rows(fmt.floats(quadrature.value)))
            if stream:
                show.clear()
                print(text, flush=True)
                text = ""
        try:
            result = fisher_information_result(fam, **_options(args, show))
        except DerivationError as err:
            if at is None:
                raise fmt.no_closed_form(err, fam) from None
            failure = err
    payload = fmt.describe(fam)
    if result is not None:
        matrix = result.value
        coords = ", ".join(map(str, fam.params))
        point = ", ".join(f"{k}={v:.4g}" for k, v in result.check_point.items())
        text += (f"\n\nI({coords}) =\n{fmt.pretty(matrix)}\n\nstrategy: {result.strategy}; "
                 f"checked against quadrature at {point} (max error "
                 f"{result.check_error:.2g})")
        latex = f"I({', '.join(sp.latex(p) for p in fam.params)}) = {sp.latex(matrix)}"
        payload.update(fisher=[[str(e) for e in row] for row in matrix.tolist()],
                       latex=sp.latex(matrix), strategy=result.strategy, numeric=False,
                       check_error=fmt.finite(result.check_error))
        attempts = result.attempts
    else:  # no closed form: the quadrature at the point is the answer
        # (without --at the DerivationError was raised above)
        assert failure is not None and quadrature is not None
        matrix = quadrature.value
        tried = "\n".join(f"  {name}: {why}" for name, why in failure.attempts)
        within = f" within {failure.budget:g} s" if failure.timed_out else ""
        more = (f"\n(--timeout {4 * failure.budget:g} tries longer)"
                if failure.timed_out and failure.budget else "")
        again = ("\n(remembered from an earlier attempt; --no-cache tries again)"
                 if failure.remembered else "")
        text += (f"\n\nno closed form{within}; strategies tried:\n{tried}{more}{again}\n"
                 "the value at the point above is the answer (quadrature)")
        latex = f"I = {sp.latex(matrix)}"
        payload.update(fisher=[[str(e) for e in row] for row in matrix.tolist()],
                       latex=latex, strategy="numeric", numeric=True, check_error=None)
        attempts = failure.attempts
    payload["attempts"] = [{"strategy": n, "reason": why} for n, why in attempts]
    if at is not None:
        assert quadrature is not None  # the first thing computed when --at is given
        values = fmt.floats(quadrature.value)
        if result is not None:
            closed = fmt.floats(matrix, at)
            agree = max(abs(a - b) for ra, rb in zip(closed, values, strict=True)
                        for a, b in zip(ra, rb, strict=True))
            text += (f"\n\nat {fmt.point_text(at)}:\n{fmt.rows(closed)}\n(closed form; quadrature "
                     f"agrees to {agree:.2g})")
            values = closed
        payload.update(at={str(k): v for k, v in at.items()}, fisher_at=values,
                       quadrature_at=fmt.floats(quadrature.value))
    if stream and at is not None:  # the first part went out already: one blank line
        text = "\n" + text.lstrip("\n")
    fmt.emit(args.format, text, latex, payload)
    return 0


def _connection(fam: Any, args: argparse.Namespace, show: Any) -> tuple[Any, Any, Any, Any]:
    """(metric, alpha, cubic tensor or None, Γ) for the requested connection."""
    from .errors import DerivationError
    from .symbolic import amari_chentsov_tensor, christoffel_symbols, fisher_information
    from .symbolic.geometry import alpha_christoffel_symbols
    from .symbolic.parsing import parse_constant

    alpha = parse_constant(args.alpha, "--alpha")
    if not alpha.is_finite:
        raise ValueError(f"--alpha must be finite, got {args.alpha!r}")
    try:
        metric = fisher_information(fam, **_options(args, show))
        if alpha == 0:
            show("Christoffel symbols")
            return metric, alpha, None, christoffel_symbols(metric, fam.params)
        cubic = amari_chentsov_tensor(fam, **_options(args, show))
    except DerivationError as err:
        raise fmt.no_closed_form(err, fam, numeric_at=False) from None
    show("alpha-connection")
    return metric, alpha, cubic, alpha_christoffel_symbols((metric, cubic, fam.params), alpha)


def _connection_or_numeric(fam: Any, args: argparse.Namespace, show: Any, what: str
                           ) -> tuple[dict | None, tuple | None, int]:
    """``(numeric, connection, 0)``; when the closed form does not exist but ``--at``
    gave a numeric value, ``(numeric, None, exit code)`` after printing that value."""
    try:
        numeric = _numeric_at(fam, args, show, what)
    except Exception as err:
        if not _no_closed_form(err):
            raise
        # the numeric route cannot (log p not smooth in θ); the closed form may still
        numeric = {"at": args.at, "value": None, "method": None, "error_estimate": None,
                   "detail": f"no value by the numeric route: {err}"}
        if args.format == "text":
            show.clear()
            print(f"{fmt.header(fam)}\n\nat {args.at}: {numeric['detail']}", flush=True)
    try:
        return numeric, _connection(fam, args, show), 0
    except Exception as err:
        if numeric is None or numeric["value"] is None or not _no_closed_form(err):
            raise
        return numeric, None, _numeric_only(fam, args, numeric, err)


def _numeric_at(fam: Any, args: argparse.Namespace, show: Any, what: str) -> dict | None:
    """With ``--at``: the value at the point by the numeric route, printed at once in text
    format; its provenance goes into the JSON payload."""
    if not args.at:
        return None
    import numpy as np

    from .symbolic.numeric_route import numeric_manifold
    from .symbolic.parsing import parse_constant

    at = _parse_at(args.at, fam)
    alpha = float(parse_constant(args.alpha, "--alpha"))
    show(f"{what}: numeric route at the given point")
    hyper = {h: at[h] for h in fam.hyperparams}
    manifold = numeric_manifold(fam, hyper)
    theta = [float(at[p]) for p in fam.params]
    if what == "Christoffel symbols":
        value = (manifold.christoffels(theta) if alpha == 0
                 else manifold.alpha_christoffels(theta, alpha))
        how = manifold.method_of("christoffels")
        body = fmt.christoffel_rows(value, [str(p) for p in fam.params])
    else:
        value = manifold.alpha_scalar_curvature(theta, alpha)
        how = manifold.method_of("curvature")
        which = "" if alpha == 0 else f" (alpha-connection, alpha = {args.alpha})"
        body = f"  R = {float(value):.12g}{which}"
    text = f"\n\nat {fmt.point_text(at)} (numeric route):\n{body}\n{how}"
    if args.format == "text":
        show.clear()
        print(fmt.header(fam) + text, flush=True)
    return {"at": {str(k): v for k, v in at.items()}, "value": np.asarray(value).tolist(),
            "method": how.method, "error_estimate": fmt.finite(how.error),
            "detail": how.detail}


def _cmd_christoffel(args: argparse.Namespace) -> int:
    import sympy as sp

    fam = _family(args)
    with _progress(args) as show:
        numeric, connection, code = _connection_or_numeric(fam, args, show,
                                                           "Christoffel symbols")
        if connection is None:
            return code
        _, alpha, _, gamma = connection
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
    text = (f"{fmt.header(fam)}\n\nChristoffel symbols Gamma^k_ij ({which}; "
            f"symmetric in i, j; zeros omitted):\n{body}")
    payload = {**fmt.describe(fam), "alpha": str(alpha),
               "christoffel": [[[str(gamma[k, i, j]) for j in range(n)] for i in range(n)]
                               for k in range(n)],
               "nonzero": nonzero, "index_convention": "christoffel[k][i][j] = Gamma^k_ij"}
    text, payload = _with_numeric(text, payload, numeric, fam)
    fmt.emit(args.format, text, "\n".join(latex_lines) or "0", payload)
    return 0


def _cmd_curvature(args: argparse.Namespace) -> int:
    import sympy as sp

    from .symbolic import alpha_scalar_curvature, scalar_curvature

    fam = _family(args)
    with _progress(args) as show:
        numeric, connection, code = _connection_or_numeric(fam, args, show,
                                                           "scalar curvature")
        if connection is None:
            return code
        metric, alpha, cubic, _ = connection
        show("scalar curvature")
        if alpha == 0:
            scalar = scalar_curvature(metric, fam.params)
        else:
            scalar = alpha_scalar_curvature(metric, cubic, fam.params, alpha)
    payload = {**fmt.describe(fam), "alpha": str(alpha), "scalar_curvature": str(scalar)}
    text = f"{fmt.header(fam)}\n\nscalar curvature R = {scalar}"
    latex = f"R = {sp.latex(scalar)}"
    if fam.dim == 2 and alpha == 0:  # K = R/2 holds for the Levi-Civita connection
        gauss = sp.simplify(scalar / 2)
        payload["gaussian_curvature"] = str(gauss)
        text += f"\nGaussian curvature K = R/2 = {gauss}"
        latex += f", \\qquad K = {sp.latex(gauss)}"
    text, payload = _with_numeric(text, payload, numeric, fam)
    fmt.emit(args.format, text, latex, payload)
    return 0


def _with_numeric(text: str, payload: dict, numeric: dict | None, fam: Any
                  ) -> tuple[str, dict]:
    """Add the numeric value at ``--at`` (already printed with the header in text)."""
    if numeric is None:
        return text, payload
    return "\n" + text[len(fmt.header(fam)):].lstrip("\n"), {**payload, "numeric_at": numeric}


def _no_closed_form(err: BaseException) -> bool:
    from .errors import DerivationError

    return isinstance(err, DerivationError)


def _numeric_only(fam: Any, args: argparse.Namespace, numeric: dict, err: Any) -> int:
    """No closed form: the numeric value at the point (printed already in text) is the
    answer."""
    text = f"\nno closed form ({err}); the value at the point above is the answer"
    payload = {**fmt.describe(fam), "numeric_at": numeric, "closed_form": None}
    fmt.emit(args.format, text, "", payload)
    return 0


def _cmd_tour(args: argparse.Namespace) -> int:
    from .tour import run_tour

    run_tour(args.output, figure=not args.no_figure)
    return 0
