import numpy as np
import pandas as pd
import pytest

from mi_lib import pineat_results, report


def row(method, seed, *, p_max, r_test=0.5, a_test=0.8, time_s=100.0, n=1, m=1, base="pgd", machine="AVX512"):
    return {
        "base": base,
        "method": method,
        "seed": seed,
        "n": n,
        "m": m,
        "A_train": 1.0,
        "A_test": a_test,
        "R_train": 0.9,
        "R_test": r_test,
        "P_Enat": p_max - 0.01,
        "P_Eadv": p_max,
        "P_MAX": p_max,
        "time_s": time_s,
        "machine": machine,
    }


def table(pineat_p_max=(0.60, 0.61, 0.59), pineat_time=55.0):
    rows = [row("Original", s, p_max=0.65 + 0.01 * s) for s in range(3)]
    rows += [row("PINEAT-1/1", s, p_max=p, r_test=0.48, time_s=pineat_time) for s, p in enumerate(pineat_p_max)]
    rows += [row("PINEAT-2/1", 0, p_max=0.64, n=2, time_s=70.0), row("PINEAT-1/2", 0, p_max=0.58, m=2, time_s=45.0)]
    return pd.DataFrame(rows)


def verdicts(frame, **kwargs):
    return {cid: v for cid, _, v in pineat_results.table1_claims(frame, dataset="D", **kwargs)}


def test_table1_claims_pair_original_and_pineat_by_seed():
    found = verdicts(table())
    one_seed = verdicts(table()[table()["seed"] == 0])
    assert {v.verdict for v in one_seed.values()} == {"inconclusive"}  # one run each: no claim holds on a sign
    assert found["C12"].verdict == "holds" and len(found["C12"].left) == 3  # every seed 4–7 pp lower
    assert found["C13"].verdict == "holds" and "0.55" in found["C13"].detail
    assert found["C14"].verdict == "holds"  # R_test drops 2 pp, within the paper's largest drop
    assert verdicts(table(pineat_time=90.0))["C13"].verdict == "does not hold"
    assert verdicts(table(pineat_p_max=(0.70, 0.71, 0.72)))["C12"].verdict == "does not hold"


def test_an_original_model_outside_the_regime_makes_the_leakage_claims_not_testable():
    frame = table()
    regime = pd.DataFrame(
        {
            "method": "pgd",
            "seed": frame["seed"],
            "variant": frame["method"],
            "in regime": frame["method"] != "Original",
            "train_acc": 0.43,
            "fits training set": False,
            "collapsed": False,
            "robust gap (adv-train − adv-test)": 0.01,
        }
    )
    found = verdicts(frame, regime=regime)
    assert {cid: v.verdict for cid, v in found.items()} == {
        "C12": report.NOT_TESTABLE,
        "C13": "holds",
        "C14": report.NOT_TESTABLE,
    }
    assert "outside the papers' regime" in found["C12"].detail and "Measured:" in found["C12"].detail
    assert "it does not fit its training set" in found["C12"].detail
    fitted = regime.assign(train_acc=1.0, **{"fits training set": True})
    assert "not far above adv-test" in verdicts(frame, regime=fitted)["C12"].detail
    assert verdicts(frame, regime=regime.assign(**{"in regime": True}))["C12"].verdict == "holds"


def test_the_variant_study_uses_the_seeds_every_variant_has():
    study = pineat_results.variants(table(), base="pgd")
    assert list(study.index) == ["Original", "PINEAT-2/1", "PINEAT-1/1", "PINEAT-1/2"]  # n/m falling
    assert study.loc["PINEAT-1/1", "P_MAX"] == pytest.approx(0.60)  # seed 0 alone, not the mean of three seeds
    [c15] = [v for cid, _, v in pineat_results.variant_claims(table(), dataset="D", base="pgd") if cid == "C15"]
    # 0.58 < 0.60 < ... with n = 1 fixed, but on one seed per variant: a sign, not evidence
    assert c15.verdict == "inconclusive" and "PINEAT-1/2" in c15.detail and "one run" in c15.detail


def _trace(directions, rounds=12, seed=0):
    """A trace of two points whose perturbations scatter around ``directions[point]`` (flattened 4x4 images)."""
    rng = np.random.default_rng(seed)
    examples, points = [], []
    for point, direction in enumerate(directions):
        for _ in range(rounds):
            examples.append(0.5 + 0.05 * np.sign(direction + 0.3 * rng.normal(size=16)).reshape(1, 4, 4))
            points.append(point)
    return {
        "trace_natural": np.full((2, 1, 4, 4), 0.5),
        "trace_point": np.array(points),
        "trace_kind": np.zeros(len(points), np.int64),
        "trace_epoch": np.ones(len(points), np.int64),
        "trace_example": np.array(examples),
    }


def test_clustering_is_judged_against_other_points_perturbations():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=16), rng.normal(size=16)
    table, apart = pineat_results.clustering(_trace([a, b]), eps=0.05)
    assert apart.verdict == "holds" and "bootstrap resamples of the rounds" in apart.detail
    _, shared = pineat_results.clustering(
        _trace([a, a]), eps=0.05
    )  # both points pushed the same way: no point-specific cluster
    assert shared.verdict != "holds"
    assert (table["mean cosine, uniform random"].abs() < table["mean cosine, adversarial"]).all()


def test_time_ratios_pair_only_runs_timed_on_one_machine_kind():
    frame = table()
    slower = (frame["method"] == "PINEAT-1/1") & (frame["seed"] > 0)  # seeds 1-2 of PINEAT on a slower machine
    frame.loc[slower, ["machine", "time_s"]] = ["AVX2", 160.0]
    c13 = verdicts(frame)["C13"]
    assert c13.verdict == "inconclusive" and "0.55 over 1 seed" in c13.detail  # seed 0 alone, not (55 + 2 × 160) / 300
    assert "seed 2 left out: Original trained on AVX512 and PINEAT-1/1 on AVX2 CPUs" in c13.detail
    ours = pineat_results.table1(frame, dataset="fmnist").loc[("pgd", "PINEAT-1/1", "reproduced")]
    assert ours["time / Original"] == 0.55 and ours["timed seeds"] == 1 and ours["seeds"] == 3
    assert "left out" not in verdicts(frame.assign(machine="AVX2"))["C13"].detail  # one kind throughout


def test_a_time_ratio_without_a_recorded_machine_kind_is_shown_but_is_no_evidence():
    old = table().drop(columns="machine")  # runs from before the machine kind was recorded
    c13 = verdicts(old)["C13"]
    assert c13.verdict == "inconclusive" and "no seed whose PINEAT-1/1 and Original runs were timed" in c13.detail
    assert "seeds 0, 1, 2: ratio 0.55, unverified" in c13.detail
    assert (
        pineat_results.table1(old, dataset="fmnist").loc[("pgd", "PINEAT-1/1", "reproduced"), "time / Original"] == 0.55
    )
    doubled = pd.concat([table(), table()[table()["method"] == "Original"]], ignore_index=True)
    assert pineat_results.time_ratios(doubled)[doubled["method"] == "PINEAT-1/1"].tolist() == [0.55] * 3  # no error
    no_original = table()[~((table()["seed"] == 2) & (table()["method"] == "Original"))]
    assert "seed 2 left out: no Original run of that seed" in verdicts(no_original)["C13"].detail


def _timings(ratio_by_repeat, *, base="pgd", machine="AVX2"):
    rows = []
    for repeat, ratio in enumerate(ratio_by_repeat):
        rows += [
            {"base": base, "method": "Original", "repeat": repeat, "ms_per_update": 100.0},
            {"base": base, "method": "PINEAT-1/1", "repeat": repeat, "ms_per_update": 100.0 * ratio},
        ]
    return pd.DataFrame(rows).assign(machine=machine, threads=2, rounds=12, load_before=0.0)


def test_c13_is_judged_from_back_to_back_timings_where_they_time_the_base():
    old = table().drop(columns="machine")  # training-run pairs that are no evidence
    timed = lambda runtime, frame=old: verdicts(frame, runtime=runtime)["C13"]  # noqa: E731
    c13 = timed(_timings([0.58, 0.60, 0.59]))
    assert c13.verdict == "holds" and "0.59 (per repeat 0.58–0.60)" in c13.detail and "3 repeats on AVX2" in c13.detail
    assert "seeds 0, 1, 2: ratio 0.55, unverified" in c13.detail  # the training runs still named
    assert timed(_timings([0.85, 0.9, 0.8])).verdict == "does not hold"
    assert timed(_timings([0.58, 0.60])).verdict == "inconclusive"  # two repeats are not evidence
    assert timed(_timings([0.5, 0.5, 0.5], base="dist")).verdict == "inconclusive"  # another base's timings: runs rule
    two_kinds = pd.concat([_timings([0.58]), _timings([0.6, 0.62], machine="AVX512")], ignore_index=True)
    assert "1 repeats on AVX2, 2 repeats on AVX512" in timed(two_kinds).detail and timed(two_kinds).verdict == "holds"
    no_original = _timings([0.58, 0.6, 0.59, 0.61]).drop(index=0)  # repeat 0 lost its Original: left out
    assert "3 repeats on AVX2" in timed(no_original).detail


def test_c13_timings_that_disagree_with_runs_on_one_machine_are_inconclusive():
    slow = table(pineat_time=90.0)  # three pairs on one recorded machine kind, ratio 0.9: outside the band
    assert verdicts(slow)["C13"].verdict == "does not hold"
    c13 = verdicts(slow, runtime=_timings([0.55, 0.56, 0.57]))["C13"]
    assert c13.verdict == "inconclusive" and c13.detail.endswith("the two disagree")
    assert verdicts(table(), runtime=_timings([0.55, 0.56, 0.57]))["C13"].verdict == "holds"  # they agree


def _save(rows, *, dataset="fmnist", machine="AVX2", configs=None):
    from mi_lib import pineat_runtime, tiers

    bases = sorted({r.get("base", "pgd") for r in rows}) or ["pgd"]
    return pineat_runtime.save(
        dataset,
        tier="cpu",
        machine=machine,
        threads=2,
        rounds=12,
        torch_version="x",
        load_before=0.1,
        configs=configs or {b: tiers.preset(dataset, "cpu", method=b).train_id() for b in bases},
        rows=rows,
    )


def _rows(ratios, base="pgd"):
    return _timings(ratios, base=base)[["base", "method", "repeat", "ms_per_update"]].to_dict("records")


def test_runtime_timings_round_trip_merge_and_refuse_a_damaged_file(isolated_cache):
    from mi_lib import pineat_runtime
    from mi_lib.runs_io import CorruptArtifact

    path = _save(_rows([0.5, 0.6]))
    frame = pineat_runtime.timings("fmnist")
    assert len(frame) == 4 and set(frame["machine"]) == {"AVX2"} and set(frame["load_before"]) == {0.1}
    assert pineat_runtime.ratios(frame)["ratio"].round(2).tolist() == [0.5, 0.6]
    assert pineat_runtime.table(frame).loc[("AVX2", "pgd", "PINEAT-1/1"), "time / Original"] == 0.55
    assert pineat_runtime.timings("yale").empty and pineat_runtime.timings("fmnist", tier="smoke").empty
    _save(_rows([0.7], base="dist"))  # another base joins the file
    _save(_rows([0.4, 0.4, 0.4]))  # pgd timed again: replaces its earlier rows
    merged = pineat_runtime.ratios(pineat_runtime.timings("fmnist"))
    assert merged.assign(ratio=merged["ratio"].round(2)).groupby("base")["ratio"].apply(list).to_dict() == {
        "dist": [0.7],
        "pgd": [0.4] * 3,
    }
    _save(_rows([0.9]), dataset="cifar10", machine="AVX2")  # a file of another dataset is not read
    assert len(pineat_runtime.timings("fmnist")) == 8
    with pytest.raises(ValueError, match="rows: a timing lacks base, method, repeat, ms_per_update"):
        _save([{}])
    path.write_text(path.read_text().replace("AVX2", "AVX512"))
    with pytest.warns(CorruptArtifact):
        assert pineat_runtime.timings("fmnist").empty


def test_runtime_timings_of_a_changed_preset_are_not_used(isolated_cache):
    from mi_lib import pineat_runtime

    _save(_rows([0.5, 0.6]) + _rows([0.7], base="dist"), configs={"pgd": "an-older-model", "dist": None})
    with pytest.warns(pineat_runtime.StaleTiming, match="timings are of a model the cpu tier no longer trains") as got:
        frame = pineat_runtime.timings("fmnist")
    assert frame.empty and sorted(str(w.message).split(": the ")[1].split()[0] for w in got) == ["dist", "pgd"]


def test_runtime_file_without_a_field_names_it(isolated_cache):
    from mi_lib import pineat_runtime
    from mi_lib.runs_io import save_json

    save_json(
        pineat_runtime.path("fmnist", "AVX2"),
        {"dataset": "fmnist", "tier": "cpu", "machine": "AVX2", "threads": 2, "timings": [{"base": "pgd"}]},
    )
    with pytest.raises(ValueError, match=r"pineat-runtime-fmnist-AVX2.json: lacks the field\(s\) rounds, load_before"):
        pineat_runtime.timings("fmnist")


def test_bench_pineat_refuses_bad_arguments_in_one_line():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "pineat_runtime.py"
    for arguments, message in [
        (
            ["--methods", "Foo"],
            "--methods: unknown Foo; accepted values: Original, PINEAT-1/1, AdvNat-1/1, AdvRan-1/1, PINEAT-2/1, "
            "PINEAT-1/2, PINEAT-1/3",
        ),
        (["--bases", "pgd,trades"], "--bases: unknown trades; accepted values: pgd, dist, diff"),
        (["--methods", "Original", "--save"], "--methods: --save needs Original and PINEAT-1/1"),
    ]:
        done = subprocess.run([sys.executable, str(script), *arguments], capture_output=True, text=True)
        assert done.returncode == 2 and message in done.stderr.strip().splitlines()[-1], arguments


def test_the_variant_trends_are_judged_over_the_seeds_of_every_variant():
    rows = [row("Original", s, p_max=0.66) for s in range(3)]
    for n, m, p_max in ((1, 1, 0.62), (1, 2, 0.60), (1, 3, 0.58)):
        rows += [row(f"PINEAT-{n}/{m}", s, p_max=p_max + 0.002 * s, n=n, m=m) for s in range(3)]
    [c15] = [
        v for cid, _, v in pineat_results.variant_claims(pd.DataFrame(rows), dataset="D", base="pgd") if cid == "C15"
    ]
    assert c15.verdict == "holds" and len(c15.left) == 3 and "3 seeds" in c15.detail
    rows[-1] = row("PINEAT-1/3", 2, p_max=0.70, m=3)  # one seed breaks the ends' order: the bound straddles 0
    [c15] = [
        v for cid, _, v in pineat_results.variant_claims(pd.DataFrame(rows), dataset="D", base="pgd") if cid == "C15"
    ]
    assert c15.verdict != "holds"


def test_c14_judges_the_r_test_drop_by_its_bound_not_its_mean():
    def with_drops(drops_pp):
        frame = table()
        pineat = frame["method"] == "PINEAT-1/1"
        frame.loc[pineat, "R_test"] = [0.5 - d / 100 for d in drops_pp]
        return verdicts(frame)["C14"]

    tolerance = 100 * pineat_results.r_test_tolerance()
    assert with_drops([1.0, 1.5, 2.0]).verdict == "holds"
    # the mean drop (4.5 pp) is inside the paper's largest, but the seeds spread too widely to say so
    noisy = with_drops([0.5, 4.0, 9.0])
    assert tolerance > 4.5 and noisy.verdict == "inconclusive" and "straddle" in noisy.detail
    assert with_drops([tolerance + 3, tolerance + 4, tolerance + 5]).verdict == "does not hold"
