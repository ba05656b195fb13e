"""Expansion of variations x seeds x datasets into runs, checks, sharding."""

import ast
import glob
import inspect
import os

import pytest
from absl import flags

from benchmarks.harness import flags as variations_lib
from benchmarks.harness import plan

run_flags = study_flags = variations_lib

CONFIG_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "benchmarks",
    "configs",
)


def _variations(run_flag_names):
    return variations_lib.parse_variations(
        ["baseline", "smooth:real_label=0.9"], run_flag_names
    )


def test_runs_are_datasets_x_seeds_x_variations_in_seed_order(run_flag_names):
    runs = plan.plan_study(
        "qs", ["--d_steps=2"], _variations(run_flag_names), [0, 1, 2], ["ring", "grid"]
    )
    assert len(runs) == 12
    assert [r.name for r in runs[:4]] == [
        "qs_ring/baseline/seed_0",
        "qs_ring/smooth/seed_0",
        "qs_ring/baseline/seed_1",
        "qs_ring/smooth/seed_1",
    ]
    assert {r.study for r in runs} == {"qs_ring", "qs_grid"}
    smooth = runs[1]
    assert smooth.values["real_label"] == 0.9
    assert smooth.values["d_steps"] == 2  # The base value is kept.
    assert smooth.values["dataset"] == "ring" and smooth.values["seed"] == 0
    assert runs[0].values["real_label"] == 1.0
    assert "--real_label=0.9\n" in smooth.flags_text
    assert "--seed=2\n" in runs[5].flags_text


def test_a_variation_override_wins_over_the_base(run_flag_names):
    variations = variations_lib.parse_variations(["d3:d_steps=3"], run_flag_names)
    (run,) = plan.plan_study("s", ["--d_steps=2"], variations, [0], ["ring"])
    assert run.values["d_steps"] == 3


def test_flags_text_is_complete_and_parses_back_to_the_same_values(run_flag_names):
    (run,) = plan.plan_study(
        "s", ["--g_depth=3"], _variations(run_flag_names)[1:], [4], ["grid"]
    )
    fv = flags.FlagValues()
    names = run_flags.define(fv, run_flags.RUN_FLAGS)
    fv(["run"] + run.flags_text.split())
    assert {n: fv[n].value for n in names} == {n: run.values[n] for n in names}
    again = plan.plan_study(
        "s", ["--g_depth=3"], _variations(run_flag_names)[1:], [4], ["grid"]
    )
    assert again[0].flags_text == run.flags_text


def test_seeds_differ_only_in_the_seed_line(run_flag_names):
    a, b = plan.plan_study("s", [], _variations(run_flag_names)[:1], [0, 7], ["ring"])
    diff = set(a.flags_text.splitlines()) ^ set(b.flags_text.splitlines())
    assert diff == {"--seed=0", "--seed=7"}


def test_study_folder_is_suffixed_with_the_dataset_once():
    assert plan.study_folder("level1", "mnist") == "level1_mnist"
    assert plan.study_folder("stacked_mnist", "stacked_mnist") == "stacked_mnist"


@pytest.mark.parametrize(
    "study, seeds, datasets, match",
    [
        ("s", [], ["ring"], "--seeds is empty"),
        ("s", [1, 1], ["ring"], "--seeds lists an entry twice"),
        ("s", [-1], ["ring"], "--seeds must be >= 0"),
        ("s", [0], ["ring", "ring"], "--datasets lists an entry twice"),
        ("../../x", [0], ["ring"], "names a folder under --output_dir"),
        ("", [0], ["ring"], "names a folder"),
    ],
)
def test_plans_that_would_collide_or_escape_fail(run_flag_names, study, seeds, datasets, match):
    with pytest.raises(ValueError, match=match):
        plan.plan_study(study, [], _variations(run_flag_names), seeds, datasets)


def test_two_variations_with_identical_flags_are_refused(run_flag_names):
    variations = variations_lib.parse_variations(
        ["baseline", "same:real_label=1.0", "other:real_label=0.9"], run_flag_names
    )
    with pytest.raises(ValueError, match="'baseline' and 'same' train identical runs"):
        plan.plan_study("s", [], variations, [0], ["ring"])


@pytest.mark.parametrize("num_shards", [1, 2, 3, 5])
def test_shards_partition_the_runs_and_stay_balanced(run_flag_names, num_shards):
    runs = plan.plan_study(
        "s", [], _variations(run_flag_names), [0, 1, 2, 3, 4], ["ring"]
    )
    shards = [plan.shard(runs, num_shards, i) for i in range(num_shards)]
    names = [r.name for s in shards for r in s]
    assert sorted(names) == sorted(r.name for r in runs)
    assert len(names) == len(set(names))
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


def test_invalid_shard_arguments_fail():
    with pytest.raises(ValueError, match=r"--shard_index must be in \[0, 2\)"):
        plan.shard([], 2, 2)
    with pytest.raises(ValueError, match="--num_shards must be >= 1"):
        plan.shard([], 0, 0)


@pytest.mark.parametrize(
    "path", sorted(glob.glob(os.path.join(CONFIG_DIR, "presets", "*.flags"))),
    ids=os.path.basename)
def test_presets_set_only_run_flags_and_stack_on_a_study(path):
    fv = flags.FlagValues()
    run_names = run_flags.define(fv, run_flags.RUN_FLAGS)
    run_flags.define(fv, run_flags.STUDY_FLAGS)
    with open(path, encoding="utf-8") as f:
        set_here = [line.split("=")[0][2:] for line in f if line.startswith("--")]
    assert set_here and set(set_here) <= set(run_names)
    fv(["ablate", f"--flagfile={os.path.join(CONFIG_DIR, 'quickstart.flags')}",
        f"--flagfile={path}"])
    if os.path.basename(path) == "ttur.flags":
        assert (fv.d_learning_rate, fv.g_learning_rate) == (4e-4, 1e-4)
        assert fv.d_beta_1 == fv.g_beta_1 == 0.0 and fv.d_beta_2 == fv.g_beta_2 == 0.9


@pytest.mark.parametrize(
    "path", sorted(glob.glob(os.path.join(CONFIG_DIR, "*.flags"))), ids=os.path.basename
)
def test_every_checked_in_flagfile_plans(path, tmp_path):
    fv = flags.FlagValues()
    run_names = run_flags.define(fv, run_flags.RUN_FLAGS)
    study_names = run_flags.define(fv, run_flags.STUDY_FLAGS)
    fv(["ablate", f"--flagfile={path}"])
    with open(path, encoding="utf-8") as f:
        header = f.read()
    assert "Expected wall time" in header, "each flagfile states its CPU time"
    variations = variations_lib.parse_variations(fv.variation, run_names, study_names)
    runs = plan.plan_study(
        fv.study or "s",
        plan.base_args(fv, run_names),
        variations,
        [int(s) for s in fv.seeds],
        fv.datasets or [fv.dataset],
    )
    assert len(runs) == len(variations) * len(fv.seeds) * max(1, len(fv.datasets))
    # The report compares every variation with the baseline (--baseline, else
    # the first); it must be a variation that runs the file's own settings.
    baseline = fv.baseline or variations[0].name
    by_name = {v.name: v for v in variations}
    assert baseline in by_name
    assert by_name[baseline].overrides == ()
    # Every configuration builds and is costed (what --dry_run prints).
    per_run, total = plan.estimate(runs, plan.check_runs(runs), str(tmp_path), fv.parallel)
    assert len(per_run) == len(runs) and all(seconds > 0 for seconds, _ in per_run)
    assert total >= max(seconds for seconds, _ in per_run)


def _values(*args):
    fv, _ = plan.resolve_run_flags(list(args))
    return fv.flag_values_dict()


def _mnist_values(*args):
    return _values(
        "--dataset=mnist", "--g_filters=4", "--d_filters=4", "--latent_dim=8", *args
    )


@pytest.mark.parametrize(
    "args, match",
    [
        (["--model=wgan", "--real_label=0.9"], "Wasserstein trains a critic with unbounded"),
        (["--loss=hinge", "--label_flip=0.1"], "loss='hinge' does not take label_flip"),
        (["--loss=relativistic", "--separate_batches=true"], "needs both batches"),
        (["--model=wgan", "--d_steps=3", "--n_critic=4"], "n_critic is the name of d_steps"),
        (["--model=conditional_gan", "--pack=2"], "judges samples only"),
        (["--model=vaegan", "--update_scheme=simultaneous"], "own generator objective"),
        (["--fresh_samples"], "set --steps_per_epoch"),
        (["--model=acgan", "--dataset=celeb_a"], "trains on labels, but --dataset=celeb_a"),
        (["--pseudo_labels=5"], "--model=gan trains without labels"),
        (["--model=conditional_gan", "--pseudo_labels=5", "--fresh_samples",
          "--steps_per_epoch=2"], "draws new points every step"),
        (["--model=acgan", "--dataset=celeb_a", "--pseudo_labels=5"], "does not fit"),
        (["--model=conditional_gan", "--pseudo_labels=5", "--num_classes=4"], "contradicts"),
        (["--model=conditional_gan", "--pseudo_labels_method=spectral"],
         "--pseudo_labels is 0"),
        (["--g_architecture=dcgan"], "dcgan is for images"),
        (["--d_init=not_an_initializer"], "not_an_initializer"),
        (["--g_output_activation=tanh"], "squashes samples"),
        (["--metrics=fid"], "supports --metrics=modes only"),
        (["--early_stopping_metric=modes", "--metrics="], "needs --metrics to log it"),
    ],
)
def test_check_refuses_what_the_run_would_refuse(args, match):
    from benchmarks.harness import build

    with pytest.raises((ValueError, TypeError), match=match):
        build.check(_values("--latent_dim=4", "--g_width=4", "--d_width=4", *args))


def test_check_runs_names_the_variation_and_checks_each_configuration_once(
    run_flag_names, monkeypatch
):
    from benchmarks.harness import build

    variations = variations_lib.parse_variations(
        ["baseline", "wgan_smooth:model=wgan,real_label=0.9"], run_flag_names
    )
    runs = plan.plan_study("s", ["--latent_dim=4", "--g_width=4", "--d_width=4"],
                           variations, [0, 1], ["ring"])
    with pytest.raises(variations_lib.VariationError, match="Variation 'wgan_smooth'"):
        plan.check_runs(runs)
    calls = []
    monkeypatch.setattr(build, "check", lambda values: calls.append(values["seed"]) or "c")
    assert list(plan.check_runs(runs).values()) == ["c", "c"]
    assert calls == [0, 0]  # Seeds 1 share the seed-0 checks.


def test_steps_per_execution_must_divide_each_runs_steps_per_epoch(run_flag_names):
    variations = variations_lib.parse_variations(
        ["baseline", "short:steps_per_epoch=30", "pass:steps_per_epoch=0"], run_flag_names)
    runs = plan.plan_study("s", ["--steps_per_epoch=40"], variations, [0], ["ring"])
    plan.check_steps_per_execution(runs, 10)  # 40 and 30; a full pass is checked at run start.
    with pytest.raises(variations_lib.VariationError,
                       match=r"Variation 'short' \(s_ring\): --steps_per_execution=20 does "
                             r"not divide the 30 steps.*would train 40 steps per epoch"):
        plan.check_steps_per_execution(runs, 20)


def _builder_defaults(function):
    return {n: p.default for n, p in inspect.signature(function).parameters.items()}


def test_model_flag_defaults_equal_the_constructor_defaults():
    """Tricks are passed only when they differ from their flag default, so
    the defaults must be the constructors'."""
    import keras_gans

    from benchmarks.harness import build

    checked = 0
    gan_arguments = build._own_arguments(keras_gans.GAN)
    for flag, argument in {**run_flags.targets("model"), **run_flags.targets("variant")}.items():
        for name in run_flags.MODELS.values():
            cls = getattr(keras_gans, name)
            for base in cls.__mro__:
                if base.__module__.startswith("keras_gans") and argument in build._own_arguments(base):
                    if base is not keras_gans.GAN and argument in gan_arguments:
                        # A preset's own default (WGAN's loss and d_steps):
                        # flags at GAN's default leave it in place.
                        continue
                    default = _builder_defaults(base.__init__)[argument]
                    assert run_flags.default_value(flag) == default, (flag, base.__name__)
                    checked += 1
    assert checked >= 25
    adam = keras_gans.GAN.default_optimizer(None)
    assert run_flags.default_value("d_learning_rate") == pytest.approx(float(adam.learning_rate))
    assert run_flags.default_value("g_beta_1") == adam.beta_1
    assert run_flags.default_value("d_beta_2") == adam.beta_2


def test_flags_reach_the_builders_and_constructor_that_take_them():
    from benchmarks.harness import build

    values = _mnist_values(
        "--d_dropout=0.3", "--g_width=7", "--g_batch_norm=false", "--d_activation=relu",
        "--d_optimizer=sgd", "--d_momentum=0.9", "--g_beta_2=0.9", "--real_label=0.9",
        "--model=infogan", "--categorical_dims=10,4",
    )
    from keras_gans import networks

    info = build.data_info(values)
    # Only the arguments the builder names: width is an MLP argument.
    assert build._table_arguments(values, "net", "d", networks.dcgan_discriminator) == {
        "filters": 4, "activation": "relu", "dropout": 0.3,
        "kernel_initializer": "glorot_normal", "spectral_norm": False,
        "minibatch_stddev": False,
    }
    assert build._table_arguments(values, "net", "g", networks.mlp_generator) == {
        "width": 7, "batch_norm": False, "dropout": 0.0,
        "kernel_initializer": "glorot_normal",
    }
    cls = build.model_class("infogan")
    # categorical_dims is InfoGAN's own argument; real_label configures the loss.
    from keras_gans import losses

    assert build.model_arguments(values, info, cls) == {
        "loss": losses.BinaryCrossEntropy(real_label=0.9), "categorical_dims": (10, 4),
        "seed": 0,
    }
    d_opt, g_opt = build.build_optimizer(values, "d"), build.build_optimizer(values, "g")
    assert type(d_opt).__name__ == "SGD" and d_opt.momentum == 0.9
    assert float(d_opt.learning_rate) == pytest.approx(2e-4)
    assert type(g_opt).__name__ == "Adam" and (g_opt.beta_1, g_opt.beta_2) == (0.5, 0.9)
    model = build.build_model(values, info)
    # InfoGAN's codes (10 + 4 categorical, 2 continuous) widen G's input;
    # its Q heads come from InfoGAN.discriminator_heads.
    assert model.generator.input_shape == (None, 8 + 16)
    assert {"logit", "q_cat_logits", "q_cont_mean"} <= set(model.discriminator.output)
    assert model.discriminator.output["q_cat_logits"].shape[-1] == 14


def test_conditional_and_encoder_models_get_the_networks_their_class_asks_for():
    from benchmarks.harness import build

    for model, g_inputs, d_inputs in (("conditional_gan", 2, 2), ("acgan", 2, 1)):
        values = _mnist_values(f"--model={model}")
        built = build.build_model(values, build.data_info(values))
        assert len(built.generator.inputs) == g_inputs
        assert len(built.discriminator.inputs) == d_inputs
        assert built.num_classes == 10
    values = _mnist_values("--model=vaegan")
    assert build.build_model(values, build.data_info(values)).encoder.input_shape == (
        None, 28, 28, 1
    )


def test_estimate_uses_measured_runs_and_parallel_slots(run_flag_names, tmp_path):
    from benchmarks.harness import build
    from benchmarks.harness import run_dir

    variations = variations_lib.parse_variations(["a", "b:d_steps=2"], run_flag_names)
    runs = plan.plan_study("s", [], variations, [0, 1], ["ring"])
    costs = {plan._without_seed(r.flags_text): build.Cost(1000, 1000) for r in runs}
    modelled = costs[plan._without_seed(runs[0].flags_text)].seconds(runs[0].values)
    assert modelled > build.STARTUP_S
    finished = runs[0].run_dir(str(tmp_path))
    run_dir.write_text(os.path.join(finished, "flags.txt"), runs[0].flags_text)
    run_dir.write_json(os.path.join(finished, "summary.json"), {"process_time_s": 30.0})
    per_run, total = plan.estimate(runs, costs, str(tmp_path), parallel=2)
    # "b" is modelled, scaled by what "a" measured against its model.
    scale = 30.0 / modelled
    label = f"modelled x{scale:.2f}"
    assert [source for _, source in per_run] == ["finished", label, "measured", label]
    assert per_run[2][0] == 30.0  # Seed 1 of "a", from seed 0's measured time.
    b_seconds = per_run[1][0]
    b_model = costs[plan._without_seed(runs[1].flags_text)].seconds(runs[1].values)
    assert b_model > modelled and b_seconds == pytest.approx(b_model * scale)
    # In plan order on the first free slot: a/0 (0 s) and b/0 on slot 0,
    # a/1 (30 s) on slot 1, b/1 on slot 1 too since 30 < b: [b, 30 + b].
    assert b_seconds > 30.0 and total == pytest.approx(30.0 + b_seconds)

    # Nothing measured: the model alone. A copy's source run, measured at
    # 3x its model, scales the rest (the median of the ratios).
    empty = str(tmp_path / "empty")
    per_run, _ = plan.estimate(runs, costs, empty, parallel=2)
    assert [source for _, source in per_run] == ["modelled"] * 4
    assert per_run[1][0] == pytest.approx(b_model)
    source = str(tmp_path / "other" / "a" / "seed_1")
    run_dir.write_json(os.path.join(source, "summary.json"), {"wall_time_s": 3 * modelled})
    per_run, _ = plan.estimate(runs, costs, empty, parallel=2, copies={runs[2].name: source})
    assert [s for _, s in per_run] == ["modelled x3.00", "modelled x3.00", "copied",
                                       "modelled x3.00"]
    assert per_run[1][0] == pytest.approx(3 * b_model)


def test_estimate_times_a_seed_added_later_by_the_seeds_already_finished(
    run_flag_names, tmp_path
):
    from benchmarks.harness import build
    from benchmarks.harness import run_dir

    variations = variations_lib.parse_variations(["a", "b:d_steps=2"], run_flag_names)
    earlier = plan.plan_study("s", [], variations, [0], ["ring"])
    for run, seconds in zip(earlier, (30.0, 70.0)):  # Finished before; not in the plan.
        folder = run.run_dir(str(tmp_path))
        run_dir.write_text(os.path.join(folder, "flags.txt"), run.flags_text)
        run_dir.write_json(os.path.join(folder, "summary.json"), {"process_time_s": seconds})
    # A folder set aside as stale and one of another experiment are not taken.
    stale = earlier[0].run_dir(str(tmp_path)) + ".stale-1"
    run_dir.write_text(os.path.join(stale, "flags.txt"), earlier[0].flags_text)
    run_dir.write_json(os.path.join(stale, "summary.json"), {"process_time_s": 999.0})
    runs = plan.plan_study("s", [], variations, [1], ["ring"])  # --seeds=1 only.
    costs = {plan._without_seed(r.flags_text): build.Cost(1000, 1000) for r in runs}
    per_run, total = plan.estimate(runs, costs, str(tmp_path), parallel=1)
    assert per_run == [(30.0, "measured"), (70.0, "measured")]
    assert total == 100.0
    other = runs[0].run_dir(str(tmp_path)).replace("seed_1", "seed_2")
    run_dir.write_text(os.path.join(other, "flags.txt"),
                       runs[1].flags_text.replace("--seed=1", "--seed=2"))  # b's flags.
    run_dir.write_json(os.path.join(other, "summary.json"), {"process_time_s": 500.0})
    assert plan.estimate(runs, costs, str(tmp_path), parallel=1)[0][0] == (30.0, "measured")


def test_harness_modules_import_no_cycle():
    """flags -> plan -> run -> record -> report, imports in functions included."""
    harness = os.path.join(os.path.dirname(CONFIG_DIR), "harness")
    modules = [f[:-3] for f in os.listdir(harness) if f.endswith(".py") and f != "__init__.py"]
    graph = {}
    for module in modules:
        with open(os.path.join(harness, module + ".py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        graph[module] = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "benchmarks.harness"
            for alias in node.names
        }
    assert len(modules) <= 10
    assert graph["flags"] == set() and graph["run_dir"] == set()

    def visit(module, path):
        assert module not in path, f"import cycle: {' -> '.join(path + [module])}"
        for dependency in graph[module]:
            visit(dependency, path + [module])

    for module in modules:
        visit(module, [])


def test_forward_flops_count_spectral_normalised_layers_as_the_plain_ones():
    from benchmarks.harness import build
    from keras_gans import networks

    plain = networks.dcgan_discriminator((28, 28, 1), filters=8)
    normalised = networks.dcgan_discriminator((28, 28, 1), filters=8, spectral_norm=True)
    # Two stride-2 4x4 convs (28 -> 14 -> 7) and one dense logit, by hand.
    expected = 2 * 14 * 14 * 16 * 1 * 8 + 2 * 7 * 7 * 16 * 8 * 16 + 2 * 7 * 7 * 16
    assert build.forward_flops(plain) == build.forward_flops(normalised)
    assert build.forward_flops(plain) == expected


def test_every_wgan_preset_is_costed_with_its_own_critic_steps_when_n_critic_is_unset():
    from benchmarks.harness import build

    base = ["--dataset=ring", "--epochs=1", "--steps_per_epoch=100"]
    seconds = {}
    for extra in ([], ["--model=wgangp"], ["--model=wgangp", "--n_critic=5"],
                  ["--model=wgangp", "--n_critic=1"]):
        fv, _ = plan.resolve_run_flags(base + extra, "v")
        values = fv.flag_values_dict()
        seconds[" ".join(extra)] = build.check(values).seconds(values)
    # WGANGP's default is 5 critic steps, as the explicit --n_critic=5.
    assert seconds["--model=wgangp"] == seconds["--model=wgangp --n_critic=5"]
    assert seconds["--model=wgangp"] > seconds["--model=wgangp --n_critic=1"] > 0


def test_cpu_features_lists_the_speed_flags_of_the_first_cpu_in_table_order(tmp_path):
    from benchmarks.harness import build

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: AMD EPYC\n"
        "flags\t\t: fpu sse2 amx_tile avx512f avx2 avx512_bf16 avx512fp16 fma\n\n"
        "processor\t: 1\nflags\t\t: fpu amx_int8\n"
    )
    # Table order, not file order; avx512fp16 is not avx512_fp16; the second
    # CPU's amx_int8 is not read.
    assert build.cpu_features(str(cpuinfo)) == ["avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"]
    # The same parser gives device_description its model name.
    assert build.first_cpu_info(str(cpuinfo))["model name"] == "AMD EPYC"
    (tmp_path / "noflags").write_text("processor\t: 0\nmodel name\t: x\n")
    assert build.cpu_features(str(tmp_path / "noflags")) == []
    assert build.cpu_features(str(tmp_path / "missing")) == []


def test_git_commit_is_dirty_for_changed_code_but_not_for_changed_results(tmp_path):
    import subprocess

    from benchmarks.harness import build

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("a = 1\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "study.json").write_text("{}\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    head = build.git_commit(str(tmp_path), results_dir="results")
    assert len(head) == 40 and not head.endswith("-dirty")
    (tmp_path / "results" / "study.json").write_text('{"commands": []}\n')
    (tmp_path / "untracked.py").write_text("")
    assert build.git_commit(str(tmp_path), results_dir="results") == head
    (tmp_path / "code.py").write_text("a = 2\n")
    assert build.git_commit(str(tmp_path), results_dir="results") == head + "-dirty"


@pytest.mark.parametrize("patience, stop_epoch", [(0, 4), (1, 4), (2, 6), (3, 8), (4, None)])
def test_early_stopping_patience_counts_evaluations_not_carried_epochs(patience, stop_epoch):
    """GANMetrics(every_n_epochs=2) writes its last values again on odd
    epochs; the stopper must wait `patience` evaluations, not stop at the
    first repeat (which a patience in epochs did: level4_20k stopped at
    epoch 1 of 40)."""
    from types import SimpleNamespace

    from benchmarks.harness import build

    values = _mnist_values("--early_stopping_metric=fid", f"--early_stopping_patience={patience}",
                           "--eval_every_n_epochs=2")
    stopper = build.early_stopping(values, metrics=object())
    stopper.set_model(SimpleNamespace(stop_training=False))
    stopper.on_train_begin()
    # Evaluations at epochs 0, 2, 4, 6, 8 (FID 10, 8, 9, 8.5, 8.2); each
    # odd epoch carries the value before it.
    evaluated = {0: 10.0, 2: 8.0, 4: 9.0, 6: 8.5, 8: 8.2}
    stopped, fid = None, None
    for epoch in range(10):
        fid = evaluated.get(epoch, fid)
        stopper.on_epoch_end(epoch, {"fid": fid})
        if stopper.model.stop_training:
            stopped = epoch
            break
    assert stopped == stop_epoch
    assert stopper.patience == max(patience, 1) * 2
