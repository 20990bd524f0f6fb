import pandas as pd

from mi_lib import chapters, report
from mi_lib.tiers import preset


def frame(natural_test, natural_ib, pgd_adv_train, pgd_adv_test, pgd_ia, seeds=3):
    rows = []
    for seed in range(seeds):
        wiggle = 0.001 * seed
        rows.append(
            {
                "method": "natural",
                "seed": seed,
                "train_acc": 1.0,
                "test_acc": natural_test,
                "adv_train_acc": 0.0,
                "adv_test_acc": 0.0,
                "ib": natural_ib + wiggle,
                "ia": 0.5,
                "ib_advantage": 2 * (natural_ib + wiggle - 0.5),
                "ia_advantage": 0.0,
            }
        )
        rows.append(
            {
                "method": "pgd",
                "seed": seed,
                "train_acc": 0.99,
                "test_acc": 0.9,
                "adv_train_acc": pgd_adv_train,
                "adv_test_acc": pgd_adv_test,
                "ib": 0.55,
                "ia": pgd_ia + wiggle,
                "ib_advantage": 0.1,
                "ia_advantage": 2 * (pgd_ia + wiggle - 0.5),
            }
        )
    return pd.DataFrame(rows)


def test_regime_comparison_names_the_reason_for_a_low_ratio():
    config = preset("fmnist", "cpu")
    assert "within a quarter" in chapters.regime_comparison(frame(0.92, 0.57, 0.97, 0.68, 0.645), config=config)
    assert "gap is only 8.00% (the paper's: 28.85%)" in chapters.regime_comparison(
        frame(0.85, 0.60, 0.83, 0.75, 0.55), config=config
    )
    # the natural model leaks more than the paper's, the robust one as much: one cause, the natural model
    natural_only = chapters.regime_comparison(frame(0.83, 0.65, 0.95, 0.64, 0.655), config=config)
    assert "below the paper's: the natural model leaks more than the paper's (IB 7.98 pp above it;" in natural_only
    assert "PGD model leaks less" not in natural_only
    # both: the robust model's shortfall (IA 4.49 pp below) is larger than the natural model's excess, so first
    both = chapters.regime_comparison(frame(0.89, 0.59, 0.92, 0.72, 0.599), config=config)
    assert "below the paper's: the PGD model leaks less than the paper's (IA 4.49 pp below it;" in both
    assert "; and the natural model leaks more than the paper's (IB 1.98 pp above it;" in both
    assert both.endswith("The first is the larger difference.")
    # a robust model that misses the fit check: its fit is named among the causes, and its bullet shows it
    unfitted = frame(0.76, 0.74, 0.59, 0.31, 0.60)
    unfitted.loc[unfitted["method"] == "pgd", "train_acc"] = 0.88
    text = chapters.regime_comparison(unfitted, config=config)
    assert "- **PGD model:** train accuracy 88.00% against the paper's" in text
    assert (
        "the PGD model leaks less than the paper's (IA 4.39 pp below it; it fits only 88.00% of its training set"
        in text
    )
    assert "it fits only" not in chapters.regime_comparison(frame(0.89, 0.59, 0.92, 0.72, 0.599), config=config)
    # a robust gap above the paper's is not "memorises less"
    wider = chapters.regime_comparison(frame(0.89, 0.59, 0.99, 0.60, 0.599), config=config)
    assert "below it; its adv-train − adv-test gap is not the reason: 39.00% against the paper's 28.85%)" in wider
    assert "memorises less" not in wider
    unfitted_wider = frame(0.89, 0.59, 0.99, 0.60, 0.599)
    unfitted_wider.loc[unfitted_wider["method"] == "pgd", "train_acc"] = 0.88
    assert (
        "below it; it fits only 88.00% of its training set against the paper's 99.93%; its adv-train − adv-test gap "
        "is not the reason: 39.00% against the paper's 28.85%)"
    ) in chapters.regime_comparison(unfitted_wider, config=config)
    underfit = frame(0.55, 0.55, 0.30, 0.25, 0.53)
    underfit.loc[underfit["method"] == "natural", "train_acc"] = 0.63
    assert "neither model fits its training set (natural train accuracy 63.00%" in chapters.regime_comparison(
        underfit, config=config
    )


def test_claims_verdicts_follow_the_numbers():
    text, verdicts = chapters.natural_vs_robust_claims(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist")
    assert "2.04×" in text and "PGD-Based Adv-Train" in text
    assert verdicts["verdict"].tolist() == ["holds", "holds", "holds"]


def test_robust_methods_with_fewer_seeds_are_paired_on_common_seeds():
    both = frame(0.92, 0.57, 0.97, 0.68, 0.645)
    dist = both[(both["method"] == "pgd") & (both["seed"] == 0)].assign(
        method="dist", ia=0.40, ia_advantage=0.0, ib=0.52, ib_advantage=0.04
    )
    checks = chapters.claim_checks(pd.concat([both, dist], ignore_index=True), dataset="fmnist")
    found = {(cid, scope): v for cid, scope, v in checks}
    c1_dist = found[("C1", "Fashion-MNIST, Dist")]
    # 0.04 < natural's 0.14 on seed 0 only: one run is a sign, not evidence
    assert c1_dist.verdict == "inconclusive" and len(c1_dist.left) == 1 and "one run" in c1_dist.detail
    assert found[("C2", "Fashion-MNIST, Dist")].verdict == "inconclusive"  # IA 0.40 < IB 0.52, one run
    assert found[("C1", "Fashion-MNIST, PGD")].verdict == "holds"
    ratios = chapters.advantage_ratios(pd.concat([both, dist], ignore_index=True), dataset="fmnist")
    assert list(ratios.index) == ["PGD-Based Adv-Train", "Dist-Based Adv-Train"]
    assert ratios.loc["Dist-Based Adv-Train", "ours (mean)"] == round(0.04 / 0.14, 2)
    assert ratios.loc["Dist-Based Adv-Train", "paper"] == round(chapters.paper_method_ratio("fmnist", "dist"), 2)
    assert ratios.loc["Dist-Based Adv-Train", "ours 95% interval"] == "— (fewer than two seeds)"  # one run: no interval


def test_the_ratio_carries_its_interval_over_seeds():
    data = frame(0.92, 0.57, 0.97, 0.68, 0.645)
    pgd = data["method"] == "pgd"
    data.loc[pgd, "ia_advantage"] = data.loc[pgd, "ia_advantage"] + data.loc[pgd, "seed"] * 0.02  # seeds differ
    ratio = report.advantage_ratio(data, robust="pgd")
    low, high = report.mean_bounds(ratio, two_sided=True)
    assert low < ratio.mean() < high
    ratios = chapters.advantage_ratios(data, dataset="fmnist")
    assert ratios.loc["PGD-Based Adv-Train", "ours 95% interval"] == f"[{low:.2f}, {high:.2f}]"
    text, _ = chapters.natural_vs_robust_claims(data, dataset="fmnist")
    assert f"two-sided 95% interval [{low:.2f}, {high:.2f}]" in text


def test_models_outside_the_regime_make_their_claims_not_testable():
    underfit = frame(0.92, 0.57, 0.97, 0.68, 0.645)
    underfit.loc[underfit["method"] == "natural", "train_acc"] = 0.63
    found = {(cid, scope): v for cid, scope, v in chapters.claim_checks(underfit, dataset="fmnist")}
    c1 = found[("C1", "Fashion-MNIST, PGD")]
    assert (
        c1.verdict == report.NOT_TESTABLE
        and "Natural model (3 of its 3 seeds; seed 0)" in c1.detail
        and "train accuracy 63.0%" in c1.detail
    )
    assert "PGD − natural" in c1.detail  # the measured numbers are kept
    assert found[("C2", "Fashion-MNIST, natural")].verdict == report.NOT_TESTABLE
    assert (
        found[("C2", "Fashion-MNIST, PGD")].verdict == "holds"
    )  # the PGD model is in the regime: its own claim is judged
    no_gap = frame(0.92, 0.57, 0.70, 0.68, 0.645)  # adv-train barely above adv-test: robustness generalises
    found = {(cid, scope): v for cid, scope, v in chapters.claim_checks(no_gap, dataset="fmnist")}
    assert (
        found[("C1", "Fashion-MNIST, PGD")].verdict == report.NOT_TESTABLE
        and "not far above adv-test" in found[("C1", "Fashion-MNIST, PGD")].detail
    )
    assert found[("C2", "Fashion-MNIST, natural")].verdict == "holds"


def test_paper_method_ratio_matches_the_caption_for_the_best_method():
    # CCS captions: best robust (PGD IA) / natural (IB) advantage, e.g. Yale 37.66% / 11.70% = 3.2x
    for dataset, caption in (("yale", 3.2), ("fmnist", 2.0), ("cifar10", 3.5)):
        assert round(chapters.paper_method_ratio(dataset, "pgd"), 1) == caption


def test_tier_setting_shows_method_specific_settings_on_their_own_rows():
    text, table = chapters.tier_setting(preset("yale", "cpu"), seeds={"natural": 3, "pgd": 3, "dist": 1, "diff": 1})
    assert (
        "natural 3, PGD 3, Dist 1, Diff 1" in text
        and "KL-PGD-10" in text
        and "WRM ascent with coefficient 0.09375, " in text
    )
    assert list(table.columns) == ["this tier", "paper"]
    assert table.loc["weight_decay (Diff)", "paper"] == 5e-4 and table.loc["weight_decay (PGD)", "paper"] == 1e-5
    assert table.loc["dist_coeff (Dist)", "this tier"] == 1.5 / 16 and "dist_coeff" not in table.index
    assert table.loc["downsample", "this tier"] == 4  # the same for every method: one row
    _, single = chapters.tier_setting(preset("fmnist", "cpu"), seeds={"natural": 3, "pgd": 3})
    assert single.loc["n_members", "paper"] == "all" and not any("(" in k for k in single.index)
    # a page whose arithmetic is not its tier's says so (the long tier's float32 map; the tier trains in bfloat16)
    assert "Training arithmetic" not in text
    long_fp32, _ = chapters.tier_setting(preset("fmnist", "long", precision="fp32"), seeds={"natural": 3, "pgd": 3})
    assert long_fp32.endswith(
        "Training arithmetic: float32, where the tier's preset trains in bfloat16 (evaluation is float32 in both)."
    )
    # a page's point on its map is what the table shows, not the tier's preset (the Table 4 page at the long tier)
    point = preset("cifar10-jpeg", "long", n_members=20000, width=2, augment=False)
    _, table4 = chapters.tier_setting(point, seeds={"natural": 3, "pgd": 3})
    assert table4.loc["n_members", "this tier"] == 20000 and table4.loc["augment"].tolist() == [False, True]
    assert "augment" not in chapters.tier_setting(preset("cifar10-jpeg", "long"), seeds={"natural": 1})[1].index
    # a rerun's ε is shown as ε is written, and a method's own preset is not mistaken for the page's override
    _, rerun = chapters.tier_setting(preset("cifar10-jpeg", "cpu", eps=4 / 255), seeds={"natural": 1, "pgd": 1})
    assert rerun.loc["eps"].tolist() == ["4/255", "8/255"]
    _, diff = chapters.tier_setting(preset("yale", "cpu", method="dist"), seeds={"natural": 3, "dist": 1})
    assert "dist_coeff (Dist)" in diff.index and "dist_coeff" not in diff.index and "eps" not in diff.index


def test_dls_table1_comparison_puts_ours_beside_the_paper():
    f = frame(0.92, 0.57, 0.97, 0.68, 0.645)
    metrics = pd.DataFrame(
        [
            {
                "method": m,
                "seed": 0,
                "attack": a,
                "accuracy": 0.6,
                "precision": 0.55,
                "recall": 0.9,
                "KL": 0.2,
                "AUPRC": 0.6,
            }
            for m in ("natural", "pgd")
            for a in ("IB", "IA")
        ]
    )
    table = chapters.dls_comparison(f, metrics, dataset="cifar10-jpeg")
    assert table.loc[("adv-train", "paper"), "inf. acc"] == "74.86%"
    assert table.loc[("nat-train", "reproduced"), "KL"] == "0.20"
    assert chapters.has_dls_rows("cifar10") and not chapters.has_dls_rows("yale")
    provable = metrics.replace({"method": {"pgd": "duality"}})
    f3 = f.replace({"method": {"pgd": "duality"}})
    table3 = chapters.dls_comparison(f3, provable, dataset="cifar10-jpeg", table="dls_table3")
    assert (
        table3.loc[("pro-train", "paper"), "train"] == "68.57%"
        and table3.loc[("pro-train", "reproduced"), "recall"] == "90.00%"
    )
    analogue = chapters.dls_comparison(
        f3, provable, dataset="fmnist", table="dls_table3"
    )  # no paper rows for Fashion-MNIST
    assert list(analogue.index) == [("nat-train", "reproduced"), ("pro-train", "reproduced")]


def test_verifiable_claims_include_iv_and_the_accuracy_cost():
    rows = [
        {
            "method": "natural",
            "seed": 0,
            "ib": 0.56,
            "ia": 0.54,
            "iv": float("nan"),
            "ib_advantage": 0.12,
            "ia_advantage": 0.08,
            "iv_advantage": float("nan"),
            "train_acc": 1.0,
            "test_acc": 0.98,
            "adv_train_acc": 0.0,
            "adv_test_acc": 0.0,
        },
        {
            "method": "ibp",
            "seed": 0,
            "ib": 0.55,
            "ia": 0.60,
            "iv": 0.75,
            "ib_advantage": 0.10,
            "ia_advantage": 0.20,
            "iv_advantage": 0.50,
            "train_acc": 0.9,
            "test_acc": 0.86,
            "adv_train_acc": 0.6,
            "adv_test_acc": 0.4,
        },
    ]
    ibp = chapters.verifiable_claims(pd.DataFrame(rows), dataset="yale")
    assert [(c, v.verdict) for c, _, v in ibp] == [
        ("C8", "inconclusive")
    ]  # IV raises the advantage, on one run; C9 is duality's
    seeded = pd.DataFrame(
        [{**r, "seed": s, "iv_advantage": r["iv_advantage"] + 0.01 * s} for s in range(3) for r in rows]
    )
    assert [(c, v.verdict) for c, _, v in chapters.verifiable_claims(seeded, dataset="yale")] == [("C8", "holds")]
    duality = pd.DataFrame([rows[0], {**rows[1], "method": "duality"}])
    assert [(c, v.verdict) for c, _, v in chapters.verifiable_claims(duality, dataset="fmnist")] == [
        ("C9", "inconclusive"),
        ("C9", "inconclusive"),
    ]  # IB not above natural; accuracy drops; one run each (C8 is judged on Yale)
    assert [c for c, _, _ in chapters.verifiable_claims(duality, dataset="yale")] == [
        "C8"
    ]  # C9 is about CIFAR-10/FMNIST-like data
    unfit = duality.assign(train_acc=[0.63, 0.9])  # a natural model that does not fit its training set tests nothing
    assert {v.verdict for _, _, v in chapters.verifiable_claims(unfit, dataset="cifar10-jpeg")} == {"not testable"}
    assert "IBP) **4.17×**" in chapters.verifiable_ratio(
        pd.DataFrame(rows), dataset="yale"
    )  # IV's 0.50 / natural IB's 0.12
    assert "The abstract's ratio for Yale: **4.5×**" in chapters.verifiable_ratio(pd.DataFrame(rows), dataset="yale")
    collapsed = pd.DataFrame([rows[0], {**rows[1], "test_acc": 0.026}])
    [(cid, _, v)] = chapters.verifiable_claims(collapsed, dataset="yale")
    assert (
        cid == "C8" and v.verdict == report.NOT_TESTABLE and "collapsed (test accuracy 2.6%, chance 2.6%)" in v.detail
    )


def test_summary_box_gives_ratio_verdicts_and_regime_first(monkeypatch):
    box = chapters.summary_box(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist")
    assert box.startswith('<div class="admonition tip"><p class="admonition-title">In short</p>')
    interval = chapters.advantage_ratios(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist").iloc[0][
        "ours 95% interval"
    ]
    assert interval.startswith("[") and (
        f"ours <b>2.06×</b> (3 seeds; 95% interval {interval}) against the paper's <b>2.04×</b> (Δ +0.02×)" in box
    )
    # one seed has no interval
    assert "(1 seed) against" in chapters.summary_box(frame(0.92, 0.57, 0.97, 0.68, 0.645, seeds=1), dataset="fmnist")
    assert (
        "C1: the PGD model leaks more than the natural model: <b>holds</b>" in box
        and "Not the papers' regime" not in box
    )
    outside = frame(0.92, 0.57, 0.70, 0.68, 0.645)  # the robust model's adv-train − adv-test gap is 2 pp
    assert (
        "Not the papers' regime: the PGD-Based Adv-Train model (3 of its 3 seeds; seed 0) is outside"
        in chapters.summary_box(outside, dataset="fmnist")
    )
    # below the long tier, the box says how far the long tier's pilot got, with a link to its map
    assert (
        "The long tier&#x27;s pilot map looks for the paper&#x27;s operating point" in box
        and "appendix_cpu_tier" in box
    )
    # and links to the same table at the long tier where the book has it
    assert 'The same table at the long tier: <a href="fmnist_natural_vs_pgd_long.html">' in box
    # ... saying so where a model of that page is outside the papers' regime
    monkeypatch.setattr(chapters, "page_out_of_regime", lambda page: "the PGD model (seed 0) is outside it")
    assert (
        "</a> (there, the PGD model (seed 0) is outside it: the claims that use it are not testable)."
        in chapters.summary_box(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist")
    )
    long_box = chapters.summary_box(outside, dataset="fmnist", tier="long")
    assert "pilot map looks for" not in long_box and "at one point of its pilot map" in long_box
    assert "The same table at the long tier" not in long_box


def test_a_long_page_in_progress_is_not_linked_from_the_pages_below_it(monkeypatch):
    import dataclasses

    from mi_lib import book

    page = book.long_page("fmnist")
    link = f'<a href="{page.name}.html">'
    assert link in chapters.summary_box(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist")
    monkeypatch.setattr(book, "CHAPTERS", [dataclasses.replace(page, in_book=False)])
    assert link not in chapters.summary_box(frame(0.92, 0.57, 0.97, 0.68, 0.645), dataset="fmnist")


def test_the_verifiable_and_pixeldp_tables_show_percent_once():
    """Their frames hold fractions; the book's one formatting step (tables.tidy) shows them in % (a table scaled
    before it was shown 100.00 as 10000.00)."""
    from mi_lib import tables

    row = dict(train_acc=1.0, test_acc=0.9799, adv_train_acc=0.0261, adv_test_acc=0.0201, ib=0.56, ia=0.54)
    frame = pd.DataFrame(
        [
            {
                "method": "natural",
                "seed": 0,
                **row,
                "verified_train_acc": float("nan"),
                "verified_test_acc": float("nan"),
            },
            {"method": "ibp", "seed": 0, **row, "verified_train_acc": 0.3, "verified_test_acc": 0.2, "iv": 0.6},
        ]
    )
    shown = tables.tidy(chapters.verifiable_table(frame, dataset="yale"))
    reproduced = shown[shown.iloc[:, 1] == "reproduced"].iloc[0]
    assert reproduced["train (%)"] == "100.00" and reproduced["test (%)"] == "97.99"
    ibp = shown[(shown.iloc[:, 1] == "reproduced")].iloc[1]
    assert ibp["verified train (%)"] == "30.00" and ibp["IV (%)"] == "60.00"
    released = shown[shown.iloc[:, 1] == "authors' released model"].iloc[0]
    assert 50 < float(released["train (%)"]) <= 100  # the paper's fractions, in % as ours
    pixeldp = tables.tidy(chapters.pixeldp_table(frame.assign(method=["natural", "pixeldp"])))
    assert all(float(v) <= 100 for column in ("train (%)", "IB (%)") for v in pixeldp[column] if v != "—")
