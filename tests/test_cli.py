"""The command line: JSON contract and one-line errors with exit status 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

from rmttheory.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_constants_json_contract(capsys):
    code, out, _ = run(capsys, "constants", "relu", "--json")
    assert code == 0
    d = json.loads(out)
    for key in ("mean", "eta", "zeta", "exact", "eta_expr", "zeta_expr", "hermite"):
        assert key in d
    assert d["exact"] is True
    assert d["zeta"] == pytest.approx(0.25)
    assert d["eta_expr"] is not None and "pi" in d["eta_expr"]
    assert isinstance(d["hermite"], list) and len(d["hermite"]) == 7


def test_constants_quadrature_json(capsys):
    code, out, _ = run(capsys, "constants", "tanh", "--sigma-w", "2", "--digits", "20", "--json")
    d = json.loads(out)
    assert code == 0 and d["exact"] is False and d["eta_expr"] is None and d["zeta_expr"] is None
    assert d["sigma"] == 2.0


def test_constants_with_params_and_text(capsys):
    code, out, _ = run(capsys, "constants", "leaky_relu:slope=0.2")
    assert code == 0 and "closed form" in out and "eta" in out


def test_equation_and_latex(capsys):
    code, out, _ = run(
        capsys, "equation", "--eta", "1", "--zeta", "0.5", "--phi", "0.5", "--psi", "2"
    )
    assert code == 0 and "G-polynomial" in out
    code, out, _ = run(capsys, "equation", "relu", "--latex")
    assert code == 0 and "\\frac" in out
    code, out, _ = run(capsys, "equation", "--json")
    assert code == 0 and "g_polynomial" in json.loads(out)


def test_moments_json(capsys):
    code, out, _ = run(
        capsys, "moments", "--eta", "1", "--zeta", "0.5", "--phi", "0.5", "--psi", "2", "--json"
    )
    d = json.loads(out)
    assert code == 0 and d["moments"][0] == 1.0 and len(d["moments"]) == 6
    assert d["moments"][1] == pytest.approx(1 * (1 + 0.25) + 0.25 / 2)


BAD = [
    (["constants", "tanh(x"], "cannot parse"),
    (["constants", "foo(x)"], "unknown function"),
    (["constants", "x*y"], "free symbols"),
    (["constants", "exp(x**2)"], "infinite"),
    (["constants", "relu", "--sigma-w", "0"], "--sigma-w: must be > 0"),
    (["constants", "relu", "--sigma-x", "-1"], "--sigma-x: must be > 0"),
    (["constants", "relu", "--sigma-w", "inf"], "finite"),
    (["constants", "relu", "--sigma-w", "nan"], "finite"),
    (["moments", "--eta", "1", "--zeta", "2", "--phi", "1", "--psi", "1"], "zeta <= eta"),
    (["moments", "--phi", "1", "--psi", "1"], "activation"),
    (["moments", "relu", "--phi", "0", "--psi", "1"], "> 0"),
    (["moments", "relu", "--phi", "1", "--psi", "1", "--k", "40"], "--k"),
    (["constants", "leaky_relu:slope"], "key=value"),
]


@pytest.mark.parametrize("argv,match", BAD)
def test_bad_input_one_line_exit_2(capsys, argv, match):
    with pytest.raises(SystemExit) as exc:  # argparse errors exit directly
        code = main(argv)
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    assert match in err[-1]


def test_console_script_subprocess():
    r = subprocess.run(
        [sys.executable, "-m", "rmttheory.cli", "constants", "exp(x**2)"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "rmttheory: error:" in r.stderr


def test_density_json_contract(capsys, tmp_path):
    png = tmp_path / "d.png"
    code, out, _ = run(
        capsys,
        "density",
        "tanh",
        "--phi",
        "0.5",
        "--psi",
        "0.5",
        "--grid",
        "0:4:41",
        "--json",
        "--plot",
        str(png),
    )
    d = json.loads(out)
    assert code == 0
    for key in ("x", "density", "atom", "support", "eta", "zeta"):
        assert key in d
    assert len(d["x"]) == 41 and len(d["density"]) == 41
    assert d["support"][0][0] == 0.0  # n1 = m: hard edge
    assert d["density"][-1] == 0.0  # outside the support
    assert png.stat().st_size > 1000


def test_density_points_and_atom(capsys):
    code, out, _ = run(
        capsys,
        "density",
        "--eta",
        "1",
        "--zeta",
        "0",
        "--phi",
        "2",
        "--psi",
        "0.5",
        "--x",
        "1,4",
        "--json",
    )
    d = json.loads(out)
    assert d["atom"] == pytest.approx(0.75)
    # zeta = 0: Marchenko-Pastur ratio 4 -> density at 4 equals the closed form
    from rmttheory.distributions import MarchenkoPastur

    assert d["density"][1] == pytest.approx(float(MarchenkoPastur(4.0).pdf(4.0)), rel=1e-9)


@pytest.mark.parametrize(
    "argv,match",
    [
        (["density", "--eta", "1", "--zeta", "2", "--phi", "1", "--psi", "1"], "zeta <= eta"),
        (["density", "--eta", "0", "--zeta", "0", "--phi", "1", "--psi", "1"], "> 0"),
        (["density", "relu", "--phi", "-1", "--psi", "1"], "> 0"),
        (["density", "relu", "--phi", "nan", "--psi", "1"], "finite"),
        (["density", "relu", "--phi", "1", "--psi", "1", "--grid", "a:b"], "LO:HI:N"),
        (["density", "relu", "--phi", "1", "--psi", "1", "--x", "1,foo"], "comma-separated"),
    ],
)
def test_density_bad_input(capsys, argv, match):
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(argv))
    assert exc.value.code == 2
    assert match in capsys.readouterr().err.strip().splitlines()[-1]


def test_features_json_contract(capsys, tmp_path):
    code, out, _ = run(capsys, "features", "relu", "--n-samples", "200", "--width", "100",
                       "--ridge", "0.01", "--simulate", "--trials", "3", "--json",
                       "--plot", str(tmp_path / "k.png"))  # fmt: skip
    assert code == 0
    d = json.loads(out)
    for key in ("n_samples", "dim", "width", "x", "cdf", "train_mse", "test_mse", "kernel",
                "support", "atom", "simulated"):  # fmt: skip
        assert key in d
    assert d["n_samples"] == 200 and d["dim"] == 61 and d["width"] == 100
    assert d["atom"] == pytest.approx(0.5)  # N < n: rank N
    cdf = np.asarray(d["cdf"])
    assert np.all(np.diff(cdf) >= -1e-12) and cdf[-1] == pytest.approx(1.0)
    s = d["simulated"]
    assert {"ks", "ks_tol", "ks_pass", "train_mse", "test_mse"} <= set(s)
    assert s["ks_pass"] and s["train_mse"]["pass"] and s["test_mse"]["pass"]
    assert (tmp_path / "k.png").exists()


def test_features_array_file_and_bad_input(capsys, tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.standard_normal((120, 9)))
    code, out, _ = run(capsys, "features", "tanh", "--dataset", str(tmp_path / "x.npy"),
                       "--n-samples", "60", "--width", "90", "--json")  # fmt: skip
    assert code == 0
    d = json.loads(out)
    assert d["train_mse"] is None and d["dim"] == 9
    for argv in (["--dataset", "nope"], ["--n-samples", "100000"], ["--ridge", "0"],
                 ["--dataset", str(tmp_path / "x.npy"), "--n-samples", "60", "--n-test", "500"]):  # fmt: skip
        try:
            code, _, err = run(capsys, "features", "relu", *argv)
        except SystemExit as exc:  # argparse refuses a malformed flag value
            code, err = exc.code, capsys.readouterr().err
        assert code == 2 and "Traceback" not in err, argv


def test_derive_symbolic_is_the_pennington_worah_quartic(capsys):
    code, out, _ = run(capsys, "derive", "--json")
    d = json.loads(out)
    assert code == 0 and d["degree_G"] == 4 and d["parameters"] == ["eta", "phi", "psi", "zeta"]
    code, out, _ = run(capsys, "derive", "--latex")
    assert code == 0 and "G^{4}" in out


def test_derive_numeric_density_simulation_and_plot(capsys, tmp_path):
    fig = tmp_path / "law.png"
    code, out, _ = run(
        capsys, "derive", "tanh", "--phi", "0.5", "--psi", "0.8", "--data", "1:0.5,4:0.5",
        "--simulate", "--n0", "200", "--points", "11", "--plot", str(fig), "--json",
    )  # fmt: skip
    d = json.loads(out)
    assert code == 0 and d["degree_G"] == 6 and len(d["density"]) == 11
    from rmttheory.constants import gaussian_constants

    # the law's mean is eta at sigma^2 = sigma_w^2 tr(Sigma_x) / n0 = 2.5
    assert d["mean"] == pytest.approx(gaussian_constants("tanh", 2.5**0.5).eta, rel=1e-12)
    assert d["simulation"]["pass"]
    assert fig.stat().st_size > 10_000 and json.loads(fig.with_suffix(".json").read_text())["x"]


def test_derive_two_layers_and_symbols(capsys):
    code, out, _ = run(capsys, "derive", "tanh,tanh", "--phi", "0.5", "--psi", "1,0.8", "--json")
    assert code == 0 and json.loads(out)["degree_G"] == 8
    code, out, _ = run(capsys, "derive", "--eta", "1", "--zeta", "z2", "--phi", "0.5", "--json")
    assert code == 0 and set(json.loads(out)["parameters"]) == {"psi", "z2"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["derive", "--eta", "1", "--zeta", "2", "--phi", "1", "--psi", "1"], "zeta <= eta"),
        (["derive", "tanh", "--phi", "0.5", "--psi", "1,2"], "value(s) of --psi"),
        (["derive", "tanh", "--phi", "a+b", "--psi", "1"], "a number or a symbol"),
        (
            [
                "derive",
                "--data",
                "1:0.5,4",
                "--phi",
                "1",
                "--psi",
                "1",
                "--eta",
                "1",
                "--zeta",
                "0.5",
            ],
            "--data",
        ),
        (["derive", "--plot", "x.png"], "numeric parameters"),
        (
            ["derive", "--eta", "1", "--zeta", "0.5", "--phi", "0.5", "--psi", "1", "--simulate"],
            "--simulate needs",
        ),
    ],
)
def test_derive_bad_input(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_edge_commands(capsys, tmp_path):
    """`rmttheory edge`: TW values and moments, sampled ensembles (pass, with power), f(WX)
    outliers, spikes, and outlier predictions for a named bulk."""
    code, out, _ = run(capsys, "edge", "tw", "--beta", "1", "--x=-3,0,5", "--q", "0.5", "--json")
    d = json.loads(out)
    assert code == 0 and d["mean"] == pytest.approx(-1.2065335745820, abs=1e-11)
    assert d["cdf"][1] + d["sf"][1] == pytest.approx(1, abs=1e-15) and d["pdf"][0] > 0
    code, out, _ = run(capsys, "edge", "tw", "--beta", "4", "--convention", "beta-ensemble")
    assert code == 0 and "-2.05520079" in out
    plot = tmp_path / "tw.png"
    code, out, _ = run(capsys, "edge", "sample", "hermite", "--beta", "2", "--n", "100",
                       "--samples", "3000", "--json", "--plot", str(plot))  # fmt: skip
    d = json.loads(out)
    assert code == 0 and d["check"]["pass"] and d["check"]["power"][0]["reject"]
    assert plot.stat().st_size > 10_000
    code, out, _ = run(capsys, "edge", "gram", "relu", "--n0", "60", "--phi", "0.5", "--psi",
                       "1", "--samples", "30", "--uncentered", "--json")  # fmt: skip
    d = json.loads(out)
    assert code == 0 and d["outliers"][0]["spike"] == "mean" and len(d["outlier_checks"]) == 1
    code, out, _ = run(capsys, "edge", "spike", "covariance", "--size", "100", "--theta", "3",
                       "--samples", "12", "--json")  # fmt: skip
    d = json.loads(out)
    assert code == 0 and d["prediction"]["location"] == pytest.approx(4 * (1 + 0.5 / 3))
    code, out, _ = run(capsys, "edge", "outliers", "--bulk", "mp:0.5", "--model", "rectangular",
                       "--ratio", "0.5", "--spikes", "1.5,0.5")  # fmt: skip
    assert code == 0 and "below threshold" in out and "right overlap" in out


@pytest.mark.parametrize(
    "argv,match",
    [
        (["edge", "tw", "--beta", "2", "--convention", "beta-ensemble"], "--beta 4 only"),
        (["edge", "tw", "--q", "1.5"], "(0, 1)"),
        (["edge", "tw", "--x", "1,a"], "comma-separated"),
        (["edge", "sample", "hermite", "--n", "10000000", "--samples", "100000"], "h on a CPU"),
        (["edge", "gram", "tanh", "--n0", "50", "--phi", "1", "--psi", "0.5"], "n1 <= m"),
        (["edge", "spike", "covariance", "--size", "50", "--theta", "-2"], "> -1"),
        (["edge", "outliers", "--bulk", "foo", "--spikes", "1"], "--bulk"),
        (["edge", "outliers", "--bulk", "mp:0.5", "--spikes", "0"], "nonzero"),
        (
            ["edge", "outliers", "--bulk", "mp:0.5", "--spikes", "1", "--model", "rectangular"],
            "ratio",
        ),
        (["edge", "sample", "hermite", "--n", "100", "--plot", "/proc/x/y.png"], "folder"),
    ],
)
def test_edge_bad_input(capsys, argv, match):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and match in err[0] and "Traceback" not in err[0]


def test_issue_22_refusals_before_any_work(capsys, tmp_path):
    """Output paths, sizes and devices are checked before anything runs, in one line."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = [
        (["validate", "--out", str(afile)], "exists and is not a folder"),
        (["validate", "--out", "/proc/rmttheory/x"], "cannot be created"),
        (["hessian-ensemble", "--out", str(afile)], "exists and is not a folder"),
        (["sample", "tanh", "--phi", "1", "--psi", "1", "--n0", "20", "--plot", "/proc/x.png"],
         "not writable"),
        (["hessian", "--model", "mlp", "--hidden", "100000"], "needs about"),
        (["hessian-ensemble", "--out", str(tmp_path / "he"), "--model", "mlp", "--hidden",
          "5000", "--method", "dense"], "dense Hessian"),
        (["derive", "tanh,tanh,tanh,tanh,tanh", "--phi", "0.5", "--psi", "1,1,1,1,1"],
         "at most 4 layers"),
        (["validate", "--sections", "nope"], "--sections"),
        (["density", "relu", "--phi", "1", "--psi", "1", "--x", "1", "--grid", "0:4:3"],
         "not allowed with"),
        (["ratios", "--ensemble", "goe", "--n", "10", "--seed", "-1"], "--seed"),
        (["constants", "foo"], "unknown activation 'foo': use a registered name"),
        (["constants", "leaky_relu:foo=1"], "its parameters: slope"),
        (["hessian", "--train-steps", "-1"], "--train-steps must be >= 0, got -1"),
    ]  # fmt: skip
    for argv, match in cases:
        code = main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and match in err[0], (argv, err)
    assert not (tmp_path / "he").exists() or not any((tmp_path / "he").iterdir())
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"garbage")
    code = main(["features", "tanh", "--dataset", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "not a numpy array file" in err and "allow_pickle" not in err


def test_a_check_that_cannot_fail_says_so(capsys):
    code, out, _ = run(capsys, "sample", "tanh", "--phi", "0.5", "--psi", "0.5", "--n0", "1",
                       "--json")  # fmt: skip
    d = json.loads(out)
    assert code == 0 and d["pass"] is None and d["verdict"].startswith("no power")


def test_a_run_builds_only_its_command_and_parses_alike():
    """build_parser(command) builds that command's parser alone (the others are never built:
    ~15 ms of every run) and it is the full parser's, option for option (same help text);
    a word that is not a command gets the full parser, whose error lists every command."""
    from rmttheory.cli import _Unbuilt, build_parser

    full = build_parser()
    (choices,) = [a.choices for a in full._actions if getattr(a, "choices", None)]
    assert len(choices) >= 10
    for name, want in choices.items():
        (only,) = [a.choices for a in build_parser(name)._actions if getattr(a, "choices", None)]
        assert list(only) == [name]
        assert only[name].format_help() == want.format_help()
    (every,) = [a.choices for a in build_parser("bogus")._actions if getattr(a, "choices", None)]
    assert list(every) == list(choices)
    assert _Unbuilt().add_argument("--x", type=int).set_defaults(f=1) is not None
