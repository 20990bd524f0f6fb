"""The claims scoreboard: every claim of the three papers (``reference/claims.json``) with the verdicts computed
from this repository's results, scope by scope (a dataset and a method), and the chapter that shows them.

Chapters whose verdicts are not recomputed here record them when executed (:func:`record`); the scoreboard reads
those records for the chapters in the book. A claim's overall status (:func:`status`): **holds** when every scope that
checks it holds, **does not hold** when every one does not, **inconclusive** when every one is, **mixed** otherwise
(with the counts), **not yet reproduced** when no chapter checks it yet. A scope whose models sit outside the papers'
regime (verdict **not testable**, e.g. an Original model that does not fit its training set and so has no leakage for
a defence to cut) is named in the status ("holds where testable; 2 scopes not testable"), and a claim with no testable
scope is **not testable**. Verdicts come from :func:`mi_lib.report.verdict` (seed-paired, one-sided 95% bound, at least
three seeds for holds / does not hold), never from typed text.
"""

from __future__ import annotations

import html

import pandas as pd

from . import chapters, paper, report
from .book import CHAPTERS, link, run_tier
from .data import RELEASED_YALE_MODELS, DataError, load_released_yale_outputs
from .experiments import page_runs
from .runs import results_root
from .runs_io import load_json, save_json


def _checks_from_empirical_chapters(tier: str) -> list[dict]:
    rows, seen = [], set()
    for chapter in CHAPTERS:
        if chapter.source != "empirical_defences" or not chapter.in_book:
            continue
        dataset, runs = page_runs(chapter, tier)
        frame = report.runs_frame(runs)
        if frame.empty or "natural" not in set(frame["method"]) or not chapters.robust_methods(frame):
            continue
        models = models_label(run_tier(chapter, tier))
        for cid, scope, v in chapters.claim_checks(frame, dataset=dataset):
            if (cid, scope, models) not in seen:  # a dataset's natural model appears on each of its pages: once
                seen.add((cid, scope, models))
                rows.append(dict(claim_id=cid, scope=scope, verdict=v, chapter=chapter.name, models=models))
    return rows


def _checks_from_released_outputs() -> list[dict]:
    try:
        signals = {model: load_released_yale_outputs(model) for model in RELEASED_YALE_MODELS}
    except DataError:
        return []  # the authors' outputs are not on this machine: their rows are left out, not invented
    frame = report.signals_frame(signals)
    return [
        dict(claim_id=cid, scope=scope, verdict=v, chapter="yale_released_outputs", models=RELEASED)
        for cid, scope, v in chapters.released_checks(frame)
    ]


def checks(tier: str = "cpu") -> pd.DataFrame:
    """Every computed verdict: claim_id, scope, models (ours at ``tier`` or the authors'), verdict, numbers, chapter."""
    rows = _checks_from_released_outputs() + _checks_from_empirical_chapters(tier) + _recorded(tier)
    return pd.DataFrame(
        [
            {
                **{k: r[k] for k in ("claim_id", "scope", "models", "chapter")},
                "verdict": r["verdict"].verdict,
                "numbers": r["verdict"].detail,
            }
            for r in rows
        ],
        columns=["claim_id", "scope", "models", "chapter", "verdict", "numbers"],
    )


STATUSES = ("holds", "does not hold", "mixed", "inconclusive", "not testable", "not yet reproduced")


def _scopes(n: int) -> str:
    return f"{n} scope{'s' * (n != 1)}"


def status(verdicts: pd.Series) -> str:
    """A claim's overall status from its scopes' verdicts (see the module docstring): **holds** / **does not hold**
    when every testable scope does (``where testable`` when some scopes are not testable), **inconclusive** when every
    testable scope is, **mixed** otherwise, **not testable** when no scope is, **not yet reproduced** when none exists."""
    if verdicts.empty:
        return "not yet reproduced"
    untestable = int((verdicts == report.NOT_TESTABLE).sum())
    testable = verdicts[verdicts != report.NOT_TESTABLE]
    if testable.empty:
        return f"not testable at this tier ({_scopes(untestable)})"
    where = f" where testable; {_scopes(untestable)} not testable at this tier" if untestable else ""
    counts = {k: int((testable == k).sum()) for k in ("holds", "does not hold", "inconclusive")}
    for kind, n in counts.items():
        if n == len(testable):
            return kind + where
    parts = ", ".join(f"{k} in {n}" for k, n in counts.items() if n)
    return f"mixed: {parts} of {_scopes(len(testable))}" + (
        f"; {_scopes(untestable)} not testable at this tier" if untestable else ""
    )


def summary(found: pd.DataFrame, *, models: str | None = None) -> pd.DataFrame:
    """One row per claim of ``claims.json``: id, claim, source, paper value, status and the chapters checking it.
    ``models`` restricts the verdicts to one kind ("ours (cpu tier)" or "the authors' released models")."""
    if models is not None:
        found = found[found["models"] == models]
    rows = []
    for claim in paper.claims():
        mine = found[found["claim_id"] == claim["id"]]
        rows.append(
            {
                "id": claim["id"],
                "claim": claim["claim"],
                "source": claim["source"],
                "paper": claim["paper_value"],
                "status": status(mine["verdict"]),
                "chapters": ", ".join(dict.fromkeys(mine["chapter"])),
            }
        )
    return pd.DataFrame(rows)


RELEASED = "the authors' released models"


def models_label(tier: str) -> str:
    """How ``found`` (:func:`checks`) names our models at ``tier``: "ours (cpu tier)"."""
    return f"ours ({tier} tier)"


def status_column(tier: str) -> str:
    """The board's column of our models at ``tier``: "our models (cpu tier)"."""
    return f"our models ({tier} tier)"


def _book_tiers(tier: str) -> list[str]:
    """The tiers besides ``tier`` whose runs some page of the book shows (the long tier's pages,
    :func:`mi_lib.book.run_tier`)."""
    return sorted({run_tier(chapter, tier) for chapter in CHAPTERS if chapter.in_book} - {tier})


def other_tiers(found: pd.DataFrame, *, tier: str) -> list[str]:
    """The tiers besides ``tier`` that pages of the book show and some verdict of ``found`` comes from."""
    return [t for t in _book_tiers(tier) if (found["models"] == models_label(t)).any()]


def board(found: pd.DataFrame, *, tier: str) -> pd.DataFrame:
    """The scoreboard's main table: per claim, the paper's value, the status on our models at ``tier``, then at each
    other tier with a page in the book (the long tier: "—" for a claim none of its pages checks), and on the
    authors' released models, and links to the chapters that check it (HTML-escaped text; see :func:`to_html`)."""
    ours = summary(found, models=models_label(tier))
    others = {t: summary(found, models=models_label(t)) for t in other_tiers(found, tier=tier)}
    theirs = summary(found, models=RELEASED)
    chapters_of = [
        list(dict.fromkeys(filter(None, ", ".join(names).split(", "))))
        for names in zip(theirs["chapters"], ours["chapters"], *(o["chapters"] for o in others.values()))
    ]
    table = ours[["id", "claim", "source", "paper"]].apply(lambda col: col.map(html.escape))
    table[status_column(tier)] = ours["status"]
    for other, statuses in others.items():
        table[status_column(other)] = statuses["status"].where(statuses["chapters"] != "", "—")
    table["authors' released models"] = theirs["status"]
    table["chapters"] = [", ".join(link(c) for c in names) or "—" for names in chapters_of]
    return table


def to_html(table: pd.DataFrame) -> str:
    """HTML of a table from :func:`board` (its text is already escaped; links stay links)."""
    return table.to_html(index=False, escape=False)


def _count(n: int, singular: str, plural: str) -> str:
    """``n`` with the verb that agrees with it: "1 is mixed", "3 are mixed"."""
    return f"{n} {singular if n == 1 else plural}"


def status_sentence(board_table: pd.DataFrame, *, tier: str, found: pd.DataFrame | None = None) -> str:
    """Sentences counting the claims by their status on our models at ``tier`` (from :func:`board`): the papers'
    claims (C…, O…, F…) and, apart, this project's own checks (P…); with ``found`` (:func:`checks`), the papers'
    scopes by verdict too. A claim that holds only where testable is counted apart from one that holds everywhere.
    Another tier's column of the board (the long tier's pages) gets a sentence of its own: the claims it checks."""
    column = board_table[status_column(tier)]
    kinds = column.str.extract(f"^({'|'.join(STATUSES)})", expand=False)
    partial = column.str.contains(" where testable", regex=False)
    papers = ~board_table["id"].str.startswith("P")  # C…, and the PINEAT observations O…, F…

    def counts(mask):
        out = {k: int(((kinds[mask] == k) & (~partial[mask] | (k == "inconclusive"))).sum()) for k in STATUSES}
        out["holds where testable"] = int(((kinds[mask] == "holds") & partial[mask]).sum())
        out["does not hold where testable"] = int(((kinds[mask] == "does not hold") & partial[mask]).sum())
        return out

    c = counts(papers)
    n_not_hold = c["does not hold"] + c["does not hold where testable"]
    text = (
        f"Of the papers' {int(papers.sum())} claims, on our models at the `{tier}` tier: "
        f"**{_count(c['holds'], 'holds', 'hold')}** in every scope that checks them, "
        f"**{_count(c['holds where testable'], 'holds', 'hold')} where testable** (other scopes not testable at this "
        f"tier), **{_count(n_not_hold, 'does not hold', 'do not hold')}**, **{_count(c['mixed'], 'is mixed', 'are mixed')}**, "
        f"**{_count(c['inconclusive'], 'is inconclusive', 'are inconclusive')}** (too few seeds, or an effect within "
        f"the seed spread), **{_count(c['not testable'], 'is not testable', 'are not testable')}** at this tier (its "
        f"models miss the papers' regime) and "
        f"**{_count(c['not yet reproduced'], 'is not yet reproduced', 'are not yet reproduced')}**."
    )
    if found is not None:
        mine = found[(found["models"] == models_label(tier)) & ~found["claim_id"].str.startswith("P")]
        v = mine["verdict"].value_counts()
        text += (
            f" Scope by scope (a dataset and a method): {_count(int(v.get('holds', 0)), 'holds', 'hold')}, "
            f"{_count(int(v.get('does not hold', 0)), 'does not hold', 'do not hold')}, "
            f"{_count(int(v.get('inconclusive', 0)), 'is inconclusive', 'are inconclusive')} and "
            f"{_count(int(v.get(report.NOT_TESTABLE, 0)), 'is not testable', 'are not testable')}; "
            f"a verdict says holds or does not hold only on at least {report.MIN_RUNS} independent runs "
            "(seeds, or what its claim repeats over, which the verdict names)."
        )
    for other in _book_tiers(tier):
        if status_column(other) in board_table.columns:  # the long tier's pages: the papers' claims they check
            checked = board_table[(board_table[status_column(other)] != "—") & papers]
            text += (
                f" At the `{other}` tier (its own pages): "
                + "; ".join(f"{cid} {status}" for cid, status in zip(checked["id"], checked[status_column(other)]))
                + "."
            )
    if (~papers).any():
        p = counts(~papers)
        text += (
            f" This project's own checks beyond the papers ({int((~papers).sum())}, ids P…): "
            f"{_count(p['holds'] + p['holds where testable'], 'holds', 'hold')}, "
            f"{_count(p['does not hold'] + p['does not hold where testable'], 'does not hold', 'do not hold')}, "
            f"{_count(p['mixed'], 'is mixed', 'are mixed')}, {_count(p['inconclusive'], 'is inconclusive', 'are inconclusive')}, "
            f"{_count(p['not testable'], 'is not testable', 'are not testable')}, "
            f"{_count(p['not yet reproduced'], 'is not yet checked', 'are not yet checked')}."
        )
    return text


def _records_dir(tier: str):

    return results_root(tier) / tier / "verdicts"


def record(verdicts: list[tuple[str, str, report.Verdict]], *, chapter: str | None, tier: str) -> None:
    """Keep a chapter's verdicts (claim id, scope, verdict) beside the tier's results, for the scoreboard to read.
    Chapters whose verdicts are not recomputed from cached runs here (the why-leak ones) call this when executed;
    ``chapter`` None (a notebook run by hand, outside the book) records nothing."""
    if chapter is None:
        return

    save_json(
        _records_dir(tier) / f"{chapter}.json",
        [
            {"claim_id": cid, "scope": scope, "verdict": v.verdict, "numbers": v.detail, "claim": v.claim}
            for cid, scope, v in verdicts
        ],
    )


def _recorded(tier: str) -> list[dict]:

    rows = []
    for chapter in CHAPTERS:
        if not chapter.in_book:
            continue
        saved = load_json(_records_dir(tier) / f"{chapter.name}.json") or []
        rows += [
            dict(
                claim_id=r["claim_id"],
                scope=r["scope"],
                chapter=chapter.name,
                models=models_label(tier),
                verdict=report.Verdict(claim=r["claim"], verdict=r["verdict"], left=(), right=(), detail=r["numbers"]),
            )
            for r in saved
        ]
    return rows
