"""grncore.restore: relationships on hand-computed cases, the DESIGN.md gager case, cycle
breaking, the corrected greedy, the sweep, inputs and bad input."""

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from grncore.data import InputError, simulate
from grncore.data.preprocess import normalize_log1p
from grncore.restore import (break_cycles_fas, break_cycles_gager, cut, difference_network, feedback_arc_set,
                             fit, fit_auto, fit_edges, fit_relationship, infer_grn, prepare, restore, run,
                             split_states, sweep, sweep_summary)


# ---------------------------------------------------------------------- relationships
def test_linear_fit_and_propagation():
    f = fit("linear", [0, 1, 2], [1, 3, 5])
    assert f.coef == pytest.approx((2.0, 1.0))
    assert f.r2 == pytest.approx(1.0)
    assert f.propagate(1.0, 0.5) == pytest.approx(1.0)
    assert f(np.array([3.0, 4.0])) == pytest.approx([7.0, 9.0])


def test_linear0_is_least_squares_through_zero():
    f = fit("linear0", [1, 2], [1, 3])       # a = (1*1 + 2*3) / (1 + 4)
    assert f.coef == pytest.approx((1.4,))
    assert f.propagate(2.0, 1.0) == pytest.approx(1.4)
    assert f.r2 == pytest.approx(1 - ((1 - 1.4) ** 2 + (3 - 2.8) ** 2) / 2.0)


def test_quadratic_full_and_two_point_reduction():
    x = np.array([0.0, 1, 2, 3])
    f = fit("quadratic", x, x ** 2 - 2 * x + 3)
    assert f.coef == pytest.approx((1.0, -2.0, 3.0))
    assert f.propagate(1.0, 1.0) == pytest.approx(1.0)       # f(2) - f(1) = 3 - 2
    assert f.propagate(0.0, 1.0) == pytest.approx(-1.0)      # f(1) - f(0) = 2 - 3
    r = fit("quadratic", [1, 2], [1, 4], reduced=True)       # a*x^2 + c through (1,1), (2,4)
    assert r.params == pytest.approx({"a": 1.0, "b": 0.0, "c": 0.0})
    assert r.propagate(2.0, 1.0) == pytest.approx(5.0)


def test_sqrt_fit_and_domain_guard():
    x = np.array([0.0, 1, 4, 9])
    f = fit("sqrt", x, 2 * np.sqrt(x) + 1)
    assert f.coef == pytest.approx((2.0, 1.0))
    assert f.propagate(4.0, 5.0) == pytest.approx(2.0)        # 2*3 - 2*2
    # below zero the input reads as 0: f(0) - f(1) = 1 - 3, finite
    assert f.propagate(1.0, -5.0) == pytest.approx(-2.0)


def test_sin_fit_is_scaled_to_a_quarter_period_and_held_outside_the_range():
    x = np.linspace(0.0, 2.0, 9)
    t = (math.pi / 2) * x / 2.0
    f = fit("sin", x, 3 * np.sin(t) + np.cos(t))
    assert f.coef == pytest.approx((3.0, 1.0))
    assert f(2.0) == pytest.approx(3.0)
    assert f(5.0) == pytest.approx(3.0)                       # no wrap-around into the next period
    assert f(-1.0) == pytest.approx(1.0)
    assert f.propagate(1.0, 10.0) == pytest.approx(3 - 4 / math.sqrt(2))


def test_hill_fit_recovers_its_shape_on_the_grid():
    x = np.array([1.0, 2, 3] * 3)
    f = fit("hill", x, 1 + 4 * x ** 2 / (4 + x ** 2))        # K = 2 (the median), n = 2
    assert (f.K, f.hill_n) == (2.0, 2.0)
    assert f.coef == pytest.approx((4.0, 1.0))
    assert f.r2 == pytest.approx(1.0)
    assert f.propagate(2.0, 2.0) == pytest.approx(3.2 - 2.0)


def test_auto_picks_the_generating_form_and_refuses_two_points():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 4, 200)
    f = fit_auto(x, (x - 2) ** 2 + rng.normal(0, 0.05, 200))
    assert f.form == "quadratic"
    assert f.r2 > 0.99
    g = fit_auto(x, 2 * x + 1 + rng.normal(0, 0.05, 200))
    assert g.form == "linear"                                  # BIC: extra coefficients do not pay
    with pytest.raises(InputError, match="per-cell pairs"):
        fit_relationship("auto", [1, 2], [3, 4], reduced=True)


def test_a_regulator_without_spread_propagates_nothing():
    for form in ("linear", "quadratic", "sqrt", "sin", "hill"):
        f = fit(form, [2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
        assert f.propagate(2.0, 1.0) == pytest.approx(0.0), form
        assert f(2.0) == pytest.approx(2.0), form


# ---------------------------------------------------------------------- the DESIGN.md gager case
def design_case():
    before = pd.DataFrame({"s": {"A": 1, "B": 2, "C": 1, "D": 2, "E": 4}}, dtype=float)
    after = pd.DataFrame({"t": {"A": 3, "B": 2, "C": 2, "D": 2.5, "E": 2}}, dtype=float)
    source_grn = pd.DataFrame({"TF": ["A"], "target": ["B"], "importance": [1.0]})
    target_grn = pd.DataFrame({"TF": ["A", "A", "D", "C"], "target": ["B", "C", "C", "E"],
                               "importance": [0.9, 0.8, 0.4, 0.5]})
    return before, after, target_grn, source_grn


def test_gager_difference_network_and_order_of_the_design_case():
    before, after, tg, sg = design_case()
    g = difference_network(tg, sg, edge_threshold=0.1)
    assert sorted(g.nodes) == ["A", "B", "C", "D", "E"]
    assert {(u, v): round(w, 6) for u, v, w in g.edges(data="weight")} == {
        ("A", "C"): round(0.8 / 0.9, 6), ("D", "C"): round(0.4 / 0.9, 6), ("C", "E"): round(0.5 / 0.9, 6)}
    problem = prepare(before, after, tg, sg, mode="gager", edge_threshold=0.1)
    assert problem.candidates == ["A", "D", "B", "C", "E"]


@pytest.mark.parametrize("th2, chosen, final", [(0.35, ["A"], 0.96915), (0.10, ["A", "D"], 3.4074e-5)])
def test_gager_reproduces_the_design_case(th2, chosen, final):
    before, after, tg, sg = design_case()
    r = restore(before, after, tg, sg, mode="gager", relationship="linear", threshold=th2, edge_threshold=0.1)
    assert r.initial_difference == pytest.approx(5.5)
    assert r.chosen_genes == chosen
    assert r.final_difference == pytest.approx(final, rel=1e-4)
    if th2 == 0.35:
        d = (r.genes.set_index("gene")["target"] - r.genes.set_index("gene")["predicted"])
        assert d["C"] == pytest.approx(0.222224, abs=1e-6)
        assert d["E"] == pytest.approx(-0.246916, abs=1e-6)
    assert r.fits.set_index(["regulator", "target"]).loc[("A", "C"), "params"]["a"] == pytest.approx(0.5)


# ---------------------------------------------------------------------- cycles
def cyclic_graph():
    g = nx.DiGraph()
    g.add_weighted_edges_from([("A", "B", 0.9), ("B", "C", 0.2), ("C", "A", 0.5), ("C", "D", 0.7)])
    return g


def test_gager_cycle_breaking_drops_the_lightest_edge_of_the_cycle():
    g = cyclic_graph()
    assert break_cycles_gager(g) == [("B", "C", 0.2)]
    assert nx.is_directed_acyclic_graph(g)
    assert g.number_of_edges() == 3


def test_feedback_arc_set_leaves_a_dag_and_is_small():
    g = cyclic_graph()
    removed = break_cycles_fas(g)
    assert len(removed) == 1 and nx.is_directed_acyclic_graph(g)
    dag = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    assert feedback_arc_set(dag) == []
    rng = np.random.default_rng(3)
    big = nx.DiGraph()
    big.add_nodes_from(range(300))
    while big.number_of_edges() < 900:
        u, v = (int(i) for i in rng.integers(0, 300, 2))
        if u != v:
            big.add_edge(u, v, weight=float(rng.random()))
    arcs = feedback_arc_set(big)
    h = big.copy()
    h.remove_edges_from(arcs)
    assert nx.is_directed_acyclic_graph(h)
    assert len(arcs) <= big.number_of_edges() / 2     # Eades-Lin-Smyth bound: at most m/2 - n/6


def test_corrected_mode_cuts_cycles_where_the_data_support_an_edge_least():
    """A -> B -> C -> A, all importances 1; B = A + C with A, C independent, so |r(C, A)| ~ 0:
    the feedback arc set under w * |r| is the edge C -> A."""
    rng = np.random.default_rng(0)
    a, c = rng.normal(size=200), rng.normal(size=200)
    data = pd.DataFrame([a, a + c, c], index=["A", "B", "C"])
    grn = pd.DataFrame({"regulator": ["C", "A", "B"], "target": ["A", "B", "C"]})
    problem = prepare(data.iloc[:, :100], data.iloc[:, 100:], grn, mode="corrected", edge_threshold=0.0)
    assert [(u, v) for u, v, _ in problem.removed] == [("C", "A")]
    gager = prepare(data.iloc[:, :100], data.iloc[:, 100:], grn, mode="gager", edge_threshold=0.0)
    assert len(gager.removed) == 1 and nx.is_directed_acyclic_graph(gager.graph)


# ---------------------------------------------------------------------- corrected mode
def chain_case():
    """A -> B -> C with exact linear relationships B = 2A + 1, C = 10 - B, and a decoy X -> C."""
    a = np.array([0.0, 1, 2, 3, 4])
    x = np.array([1.0, 0, 1, 0, 1])
    fit_expr = pd.DataFrame([a, 2 * a + 1, 10 - (2 * a + 1), x], index=["A", "B", "C", "X"])
    source = pd.DataFrame({"s": {"A": 1.0, "B": 3.0, "C": 7.0, "X": 0.5}})
    target = pd.DataFrame({"t": {"A": 2.0, "B": 5.0, "C": 5.0, "X": 0.5}})
    grn = pd.DataFrame({"regulator": ["A", "B", "X"], "target": ["B", "C", "C"], "weight": [1.0, 1.0, 0.5]})
    return source, target, grn, fit_expr


def test_corrected_propagates_in_topological_order_and_picks_the_cause():
    source, target, grn, fit_expr = chain_case()
    r = restore(source, target, grn, mode="corrected", relationship="linear", threshold=0.1,
                fit_expression=fit_expr)
    assert r.initial_difference == pytest.approx(1 + 2 + 2)
    assert r.chosen_genes == ["A"]
    assert r.final_difference == pytest.approx(0.0, abs=1e-9)
    pred = r.genes.set_index("gene")["predicted"]
    assert pred[["A", "B", "C"]].tolist() == pytest.approx([2.0, 5.0, 5.0])
    first = {c["gene"]: c["first_step_difference"] for c in r.candidates}
    assert first == pytest.approx({"A": 0.0, "B": 1.0, "X": 5.0})    # B fixes B and C, not A
    assert [c["gene"] for c in r.candidates][0] == "A"
    assert set(r.fits["form"]) == {"linear"} and r.fits.set_index("regulator").loc["A", "r2"] == pytest.approx(1)


def test_hidden_genes_leave_the_objective_but_stay_choosable():
    source, target, grn, fit_expr = chain_case()
    r = restore(source, target, grn, mode="corrected", relationship="linear", threshold=0.1,
                fit_expression=fit_expr, hide_genes=["A"])
    assert r.initial_difference == pytest.approx(4.0)
    first = {c["gene"]: c["first_step_difference"] for c in r.candidates}
    assert first == pytest.approx({"A": 0.0, "B": 0.0, "X": 4.0})  # A's own gap no longer counts
    assert r.chosen_genes == ["A"]                                 # still choosable (ties: node order)
    assert not r.genes.set_index("gene").loc["A", "in_objective"]


def test_corrected_needs_samples_to_fit_on():
    source, target, grn, _ = chain_case()
    with pytest.raises(InputError, match="per-sample pairs"):
        restore(source, target, grn, mode="corrected")


def test_corrected_on_two_states_finds_the_perturbed_tfs():
    ts = simulate.two_states(n_genes=60, n_cells=200, n_perturbed_tfs=3, seed=2)
    s, t = split_states(normalize_log1p(ts.dataset))
    r = restore(s, t, ts.dataset.network, relationship="linear", mode="corrected", threshold=0.1, edge_threshold=0)
    assert {c["gene"] for c in r.candidates[:3]} == set(ts.perturbed_tfs)
    assert r.chosen_genes[0] in ts.perturbed_tfs
    assert r.final_difference < 0.4 * r.initial_difference


# ---------------------------------------------------------------------- sweep
def test_sweep_equals_separate_runs_and_summary_picks_lowest_product():
    ts = simulate.two_states(n_genes=40, n_cells=120, n_perturbed_tfs=2, seed=5)
    s, t = split_states(normalize_log1p(ts.dataset))
    problem = prepare(s, t, ts.dataset.network, mode="corrected", edge_threshold=0.0)
    cache = {}
    table = sweep(problem, s, t, relationships=["linear", "sqrt"], fits_cache=cache)
    assert len(table) == 18 and set(cache) == {"linear", "sqrt"}
    assert table["threshold"].tolist()[:9] == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    assert (table["product"] == table["difference"] * table["n_tfs"]).all()
    for rel in ("linear", "sqrt"):
        for th in (0.7, 0.4):
            alone = run(problem, cache[rel], th)
            row = table[(table.relationship == rel) & (table.threshold == th)].iloc[0]
            assert row["n_tfs"] == len(alone.chosen)
            assert row["difference"] == pytest.approx(alone.final_difference)
    n = table.groupby("relationship")["n_tfs"]
    assert (n.apply(lambda v: v.is_monotonic_increasing)).all()   # lower threshold, never fewer TFs
    problem_d0 = run(problem, cache["linear"], 0.9).initial_difference
    summary = sweep_summary(table, problem_d0)
    for _, row in summary.iterrows():
        grp = table[table.threshold == row["threshold"]]
        ok = grp[(grp.n_tfs > 0) & (grp.difference < row["threshold"] * problem_d0)]
        assert row["reached"] == (len(ok) > 0)
        if row["reached"]:
            assert row["product"] == pytest.approx(ok["product"].min())
        else:
            assert row["difference"] == pytest.approx(grp["difference"].min())


def test_sweep_summary_does_not_reward_restoring_nothing():
    table = pd.DataFrame({"relationship": ["linear", "linear0", "linear", "linear0"],
                          "threshold": [0.5, 0.5, 0.1, 0.1], "difference": [4.0, 9.9, 2.0, 9.9],
                          "n_tfs": [2, 1, 5, 1], "product": [8.0, 9.9, 10.0, 9.9]})
    summary = sweep_summary(table, 10.0)
    assert summary["best_relationship"].tolist() == ["linear", "linear"]
    assert summary["reached"].tolist() == [True, False]     # at 10%, D = 2 is not below 1: lowest D wins


def test_cut_stops_at_the_first_step_below_the_threshold():
    before, after, tg, sg = design_case()
    r = restore(before, after, tg, sg, mode="gager", threshold=0.1)
    assert cut(r, 0.35) == (pytest.approx(0.96915, rel=1e-4), 1)
    assert cut(r, 0.1) == (pytest.approx(3.4074e-5, rel=1e-4), 2)


# ---------------------------------------------------------------------- inputs and bad input
def test_split_states_and_infer_grn():
    ts = simulate.two_states(n_genes=30, n_cells=80, n_perturbed_tfs=2, seed=1)
    s, t = split_states(ts.dataset)
    assert s.shape[1] == 40 and t.shape[1] == 40 and s.index.equals(t.index)
    grn = infer_grn(s, "pearson", tfs=ts.dataset.tfs, n_edges=50)
    assert len(grn) == 50 and list(grn.columns) == ["regulator", "target", "importance"]
    assert grn["importance"].is_monotonic_decreasing and set(grn["regulator"]) <= set(ts.dataset.tfs)
    with pytest.raises(InputError, match="no sample has condition"):
        split_states(ts.dataset, source="healthy")
    # the same state twice has nothing to restore: said, not an empty result
    with pytest.raises(InputError, match="both condition = 'source'"):
        split_states(ts.dataset, source="source", target="source")
    from grncore.restore.inputs import pair_states

    with pytest.raises(InputError, match="the same data"):
        pair_states(ts.dataset, ts.dataset)


@pytest.mark.parametrize("threshold", [0.0, -0.2, 1.5])
def test_threshold_outside_unit_interval_is_an_input_error(threshold):
    before, after, tg, sg = design_case()
    with pytest.raises(InputError, match=r"outside \(0, 1\]"):
        restore(before, after, tg, sg, mode="gager", threshold=threshold)


def test_bad_inputs_are_input_errors():
    before, after, tg, sg = design_case()
    other = after.rename(index=lambda g: g + "_x")
    with pytest.raises(InputError, match="no gene in common"):
        restore(before, other, tg, sg, mode="gager")
    foreign = pd.DataFrame({"TF": ["P"], "target": ["Q"], "importance": [1.0]})
    with pytest.raises(InputError, match="names no gene of the expression"):
        restore(before, after, foreign, mode="gager")
    with pytest.raises(InputError, match="unknown relationship"):
        restore(before, after, tg, sg, mode="gager", relationship="cubic")
    with pytest.raises(InputError, match="unknown mode"):
        restore(before, after, tg, sg, mode="fast")
    with pytest.raises(InputError, match="not in the difference network"):
        restore(before, after, tg, sg, mode="gager", hide_genes=["Z"])
    with pytest.raises(InputError, match="per-cell pairs"):
        problem = prepare(before, after, tg, sg, mode="gager")
        fit_edges(problem, "auto", before, after)
