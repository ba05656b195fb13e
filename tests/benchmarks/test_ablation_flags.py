"""Flag parsing and validation: variations, bad values, unknown flags."""

import glob
import os
import subprocess
import sys

import pytest

from benchmarks.harness import plan
from benchmarks.harness import run_dir
from benchmarks.harness import flags as variations_lib
from benchmarks.harness.flags import VariationError
from benchmarks.harness.flags import parse_variation

ABLATE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "benchmarks",
    "ablate.py",
)


def test_name_only_variation_has_no_overrides(run_flag_names):
    variation = parse_variation("baseline", run_flag_names)
    assert variation.name == "baseline"
    assert variation.overrides == ()
    assert variation.as_args() == []


def test_pairs_keep_order_and_commas_inside_list_values(run_flag_names):
    variation = parse_variation(
        "mix:real_label=0.9,metrics=fid,kid,d_steps=3", run_flag_names
    )
    assert variation.overrides == (
        ("real_label", "0.9"),
        ("metrics", "fid,kid"),
        ("d_steps", "3"),
    )
    assert variation.as_args() == [
        "--real_label=0.9",
        "--metrics=fid,kid",
        "--d_steps=3",
    ]
    assert variation.spec() == "mix:real_label=0.9,metrics=fid,kid,d_steps=3"


def test_unknown_flag_suggests_the_close_name_and_lists_valid_ones(run_flag_names):
    with pytest.raises(VariationError) as error:
        parse_variation("smooth:real_lable=0.9", run_flag_names)
    message = str(error.value)
    assert "unknown flag 'real_lable'" in message
    assert "Did you mean 'real_label'" in message
    assert "Valid flags:" in message and "d_steps" in message


def test_study_flag_and_seed_cannot_vary(run_flag_names, study_flag_names):
    with pytest.raises(VariationError, match="study flag"):
        parse_variation("x:parallel=4", run_flag_names, study_flag_names)
    with pytest.raises(VariationError, match="--seeds"):
        parse_variation("x:seed=3", run_flag_names, study_flag_names)


@pytest.mark.parametrize(
    "text, match",
    [
        ("x:d_steps", "not a flag=value pair"),
        ("x:", "no overrides"),
        ("bad name:d_steps=2", "must start with a letter"),
        ("../up:d_steps=2", "must start with a letter"),
        ("x:d_steps=2,d_steps=3", "sets --d_steps twice"),
    ],
)
def test_malformed_variations_fail(run_flag_names, text, match):
    with pytest.raises(VariationError, match=match):
        parse_variation(text, run_flag_names)


def test_duplicate_variation_names_fail(run_flag_names):
    with pytest.raises(VariationError, match="Two variations are named 'a'"):
        variations_lib.parse_variations(["a:d_steps=2", "a:g_steps=2"], run_flag_names)


def test_no_variation_means_one_baseline(run_flag_names):
    assert [v.name for v in variations_lib.parse_variations([], run_flag_names)] == [
        "baseline"
    ]


@pytest.mark.parametrize(
    "override, match",
    [
        ("--d_steps=abc", "d_steps"),
        ("--real_label=3", "range"),
        ("--d_optimizer=adamw", r"<adam\|sgd\|rmsprop>"),
        ("--metrics=fid,fdi", "--metrics takes auto or names from"),
        ("--dropout_typo=1", "dropout_typo"),
        ("--penalties=r1:10@0", "--penalties takes intervals >= 1"),
        ("--penalties=r3:1", "--penalties items are NAME:WEIGHT"),
        ("--augment=color+rotate", "--augment takes none or"),
        ("--d_init=he_normal:2", "--d_init takes a value only for"),
        ("--g_epsilon=nan", "finite"),
        ("--ema_decay=1.5", "ema_decay"),
    ],
)
def test_bad_values_fail_with_the_flag_named(override, match):
    with pytest.raises(VariationError) as error:
        plan.resolve_run_flags([override], "v1")
    assert "Variation 'v1'" in str(error.value)
    assert error.match(match)


def test_select_filters_and_rejects_typos(run_flag_names):
    parsed = variations_lib.parse_variations(
        ["a", "b:d_steps=2", "c:g_steps=2"], run_flag_names
    )
    names = lambda vs: [v.name for v in vs]  # noqa: E731
    assert names(variations_lib.select(parsed, only=["b"])) == ["b"]
    assert names(variations_lib.select(parsed, skip=["a", "c"])) == ["b"]
    with pytest.raises(VariationError, match="Did you mean 'c'"):
        variations_lib.select(parsed, skip=["cc"])
    with pytest.raises(VariationError, match="leave no variation"):
        variations_lib.select(parsed, skip=["a", "b", "c"])


def _ablate(*args, env):
    return subprocess.run(
        [sys.executable, ABLATE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_unknown_flag_fails_at_once_with_suggestion(python_env, tmp_path):
    result = _ablate("--d_step=3", f"--output_dir={tmp_path}", env=python_env)
    assert result.returncode == 2
    assert "unknown flag --d_step. Did you mean 'd_steps'" in result.stderr
    assert "Valid run flags:" in result.stderr and "Valid study flags:" in result.stderr
    assert not os.listdir(tmp_path)


def test_cli_malformed_variation_fails_before_any_run(python_env, tmp_path):
    result = _ablate(
        "--variation=baseline",
        "--variation=x:d_stepz=2",
        f"--output_dir={tmp_path}",
        env=python_env,
    )
    assert result.returncode == 2
    assert "Did you mean 'd_steps'" in result.stderr
    assert not os.listdir(tmp_path)


@pytest.mark.slow
def test_cli_baseline_must_be_a_variation_of_the_whole_study(python_env, tmp_path):
    # A typo fails before any run, naming the close variation...
    result = _ablate(
        "--variation=base", "--variation=smooth:real_label=0.9", "--baseline=bse",
        f"--output_dir={tmp_path}", "--dry_run", env=python_env,
    )
    assert result.returncode == 2
    assert "--baseline=bse is not a variation of this study" in result.stderr
    assert "Did you mean 'base'" in result.stderr and not os.listdir(tmp_path)
    # ...while a command that trains only the other variations keeps it.
    result = _ablate(
        "--variation=base", "--variation=smooth:real_label=0.9", "--baseline=base",
        "--only_variations=smooth", "--dataset=ring", "--epochs=1", "--steps_per_epoch=2",
        f"--output_dir={tmp_path}", "--dry_run", env=python_env,
    )
    assert result.returncode == 0, result.stderr
    assert "1 runs planned" in result.stdout and "/smooth/seed_0" in result.stdout


def test_cli_help_documents_the_variation_syntax(python_env):
    result = _ablate("--help", env=python_env)
    # absl exits with status 1 after printing the help.
    assert "--variation=NAME[:flag=value,flag=value,...]" in result.stdout
    assert "--real_label" in result.stdout and "--seeds" in result.stdout


@pytest.mark.parametrize(
    "override, match",
    [
        ("--d_learning_rate=nan", "--d_learning_rate must be a finite number"),
        ("--instance_noise=inf", "--instance_noise must be a finite number"),
        ("--seed=-1", r"flag --seed=-1: -1 is not a non-negative integer"),
        ("--g_beta_1=1.5", r"flag --g_beta_1=1.5"),
        ("--categorical_dims=10,1", "--categorical_dims takes integers >= 2"),
    ],
)
def test_values_that_cannot_work_fail_naming_the_flag(override, match):
    with pytest.raises(VariationError, match=match):
        plan.resolve_run_flags([override], "v1")


def _study_flags(*args):
    from absl import flags as absl_flags

    fv = absl_flags.FlagValues()
    variations_lib.define(fv, variations_lib.STUDY_FLAGS)
    fv(["ablate", *args])
    return fv


@pytest.mark.parametrize(
    "arg, match",
    [
        ("--seeds=-1", "--seeds takes seeds >= 0"),
        ("--seeds=0,x", "--seeds takes integers >= 0"),
        ("--seeds=1,0,1", "--seeds lists a seed twice"),
        ("--datasets=ring,ring", "--datasets lists a dataset twice"),
        ("--datasets=ring,rnig", "--datasets unknown"),
        ("--study=../../x", "--study names a folder under --output_dir"),
        ("--parallel=0", "flag --parallel=0"),
        ("--reuse_from=/no/such/study", r"--reuse_from \['/no/such/study'\] is not a folder"),
    ],
)
def test_study_flags_are_checked_when_parsed(arg, match):
    from absl import flags as absl_flags

    with pytest.raises(absl_flags.IllegalFlagValueError, match=match):
        _study_flags(arg)
    assert _study_flags("--seeds=0,3", "--study=ok_name.v2").seeds == ["0", "3"]


def test_cli_bad_value_fails_before_any_run_naming_the_flag(python_env, tmp_path):
    result = _ablate("--seeds=0,-1", f"--output_dir={tmp_path}", env=python_env)
    assert result.returncode == 2
    assert "--seeds takes seeds >= 0; got -1." in result.stderr
    assert not os.listdir(tmp_path)


@pytest.mark.slow
def test_cli_reuse_from_copies_a_shared_run_and_study_json_keeps_the_declared_order(
    python_env, tmp_path, tiny_ring_args
):
    out = str(tmp_path)
    base = [f"--output_dir={out}", "--seeds=0", "--parallel=1", "--epochs=1",
            "--steps_per_epoch=4", "--noreport", *tiny_ring_args]
    # First study: its baseline left out of the first command.
    first = _ablate(*base, "--study=one", "--variation=baseline", "--variation=d2:d_steps=2",
                    "--skip_variations=baseline", env=python_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "1 runs: 0 already finished, 1 to train" in first.stdout
    meta = run_dir.read_json(os.path.join(out, "one_ring", "study.json"))
    assert meta["variations"] == ["baseline", "d2"] and meta["baseline"] == "baseline"
    # What the command asked to run, which Holm's correction counts.
    assert meta["planned"] == ["d2"]

    # Second study: its "more_d" is one's "d2" (the same flags): copied, not trained.
    args = [*base, "--study=two", "--variation=plain:g_steps=2", "--variation=more_d:d_steps=2",
            f"--reuse_from={os.path.join(out, 'one_ring')}"]
    dry = _ablate(*args, "--parallel=2", "--dry_run", env=python_env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "two_ring/more_d/seed_0 [fresh] copy of " + os.path.join(out, "one_ring", "d2",
                                                                     "seed_0") in dry.stdout
    # One run left to train: the dry run says what the real start does (1 at
    # a time, every core), and its first command is that run's, not the copy's.
    assert "2 runs planned, 2 in shard 0 of 1, 1 at a time:" in dry.stdout
    (first_command,) = [line for line in dry.stdout.splitlines()
                        if line.startswith("First command:")]
    assert os.path.join("two_ring", "plain", "seed_0") in first_command
    assert "--threads=0" in first_command
    second = _ablate(*args, env=python_env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "2 runs: 0 already finished, 1 to copy from --reuse_from, 1 to train" in second.stdout
    assert "start (two_ring)" in second.stdout and second.stdout.count("start (") == 1
    source = run_dir.read_json(os.path.join(out, "one_ring", "d2", "seed_0", "summary.json"))
    copy = run_dir.read_json(os.path.join(out, "two_ring", "more_d", "seed_0", "summary.json"))
    assert copy == {**source, "reused_from": "one_ring/d2/seed_0"}


def test_stabiliser_flags_become_the_library_objects():
    import keras

    from benchmarks.harness import build
    from keras_gans import penalties

    fv, _ = plan.resolve_run_flags([
        "--loss=hinge", "--penalties=r1:10@16,gp:2", "--ema_decay=0.999", "--pack=2",
        "--augment=translation+cutout", "--d_spectral_norm", "--d_minibatch_stddev",
        "--update_scheme=simultaneous", "--d_init=orthogonal:1.4", "--d_epsilon=1e-8",
        "--latent_dim=4", "--g_width=8", "--d_width=8"])
    values = fv.flag_values_dict()
    model = build.build_model(values, build.data_info(values))
    assert type(model.loss).__name__ == "Hinge" and model.pack == 2
    assert [type(p) for p in model.penalties] == [penalties.R1, penalties.GradientPenalty]
    assert model.penalties[0].every_n_steps == 16 and model.penalties[0].gamma == 10.0
    assert model.ema_decay == 0.999 and model.update_scheme == "simultaneous"
    assert model.augment.policy == ("translation", "cutout")
    assert tuple(model.discriminator.inputs[0].shape) == (None, 4)
    layers = model.discriminator.layers
    assert any(isinstance(l, keras.layers.SpectralNormalization) for l in layers)
    assert any(type(l).__name__ == "MinibatchStdDev" for l in layers)
    kernel = next(l for l in layers if isinstance(l, keras.layers.SpectralNormalization))
    assert kernel.layer.kernel_initializer.gain == 1.4
    assert float(build.build_optimizer(values, "d").epsilon) == 1e-8


def test_fid_extractor_flag_reaches_gan_metrics_and_names_its_keys():
    from benchmarks.harness import build

    fv, _ = plan.resolve_run_flags(["--dataset=mnist", "--fid_extractor=fid_inception"], "v1")
    values = fv.flag_values_dict()
    callback = build.metrics_callback(values, build.data_info(values), load_reference=False)
    assert callback.fid_extractor == "fid_inception"
    assert callback.extractor == "mnist"
    # Inception FIDs are logged under their own keys; IS and classes stay the
    # classifier's.
    assert set(callback.log_keys) == {"fid_inception", "kid_inception", "is", "classes",
                                      "class_kl"}
    fv, _ = plan.resolve_run_flags(["--dataset=mnist"], "v1")
    values = fv.flag_values_dict()
    callback = build.metrics_callback(values, build.data_info(values), load_reference=False)
    assert callback.fid_extractor is None and "fid" in callback.log_keys
    with pytest.raises(Exception, match="fid_extractor"):
        plan.resolve_run_flags(["--fid_extractor=mnist"], "v1")


def test_eval_raw_generator_adds_raw_keys_and_needs_an_ema():
    from benchmarks.harness import build

    fv, _ = plan.resolve_run_flags(
        ["--dataset=mnist", "--ema_decay=0.999", "--eval_raw_generator"], "v1")
    values = fv.flag_values_dict()
    callback = build.metrics_callback(values, build.data_info(values), load_reference=False)
    assert callback.raw_generator is True
    assert set(callback.log_keys) == {"fid", "kid", "is", "classes", "class_kl", "raw_fid",
                                      "raw_kid", "raw_is", "raw_classes", "raw_class_kl"}
    fv, _ = plan.resolve_run_flags(["--dataset=ring", "--eval_raw_generator"], "v1")
    with pytest.raises(ValueError, match="--eval_raw_generator .* needs --ema_decay"):
        build.check(fv.flag_values_dict())


def test_a_variant_flag_on_a_model_that_would_ignore_it_is_refused():
    from benchmarks.harness import build

    fv, _ = plan.resolve_run_flags(["--dataset=ring", "--n_critic=3"], "v1")
    values = fv.flag_values_dict()
    with pytest.raises(ValueError, match=r"--n_critic applies to --model=wgan\|wgangp, not "
                                         r"--model=gan"):
        build.model_arguments(values, build.data_info(values), build.model_class("gan"))
    fv, _ = plan.resolve_run_flags(["--dataset=ring", "--model=wgangp", "--n_critic=3"], "v1")
    values = fv.flag_values_dict()
    arguments = build.model_arguments(values, build.data_info(values),
                                      build.model_class("wgangp"))
    assert arguments["n_critic"] == 3


def test_lr_decay_makes_a_schedule_that_reaches_zero_at_the_run_s_last_update():
    from benchmarks.harness import build

    fv, _ = plan.resolve_run_flags([
        "--d_lr_decay=linear", "--g_lr_decay=cosine", "--d_learning_rate=4e-4",
        "--g_learning_rate=1e-3", "--d_steps=2", "--epochs=5", "--steps_per_epoch=2"])
    values = fv.flag_values_dict()
    model = build.build_model(values, build.data_info(values))
    # 5 epochs x 2 steps x 2 D updates; G updates once per step.
    assert build.planned_updates(values, model, "d", 2) == 20
    assert build.planned_updates(values, model, "g", 2) == 10
    d_opt = build.build_optimizer(values, "d", 20)
    g_opt = build.build_optimizer(values, "g", 10)

    def rate(optimizer, t):
        optimizer.iterations.assign(t)
        return float(optimizer.learning_rate)

    # Linear: 4e-4 * (1 - t / 20); cosine: 1e-3 * (1 + cos(pi t / 10)) / 2.
    assert [rate(d_opt, t) for t in (0, 5, 10, 20, 25)] == pytest.approx(
        [4e-4, 3e-4, 2e-4, 0.0, 0.0], rel=1e-6, abs=1e-12)
    assert [rate(g_opt, t) for t in (0, 2, 5, 10)] == pytest.approx(
        [1e-3, 0.904508e-3, 0.5e-3, 0.0], abs=1e-9)
    with pytest.raises(ValueError, match="--d_lr_decay=linear needs the run's number"):
        build.build_optimizer(values, "d")
    # Off by default: a constant rate, as before the flag existed.
    fv, _ = plan.resolve_run_flags(["--d_learning_rate=4e-4"])
    assert float(build.build_optimizer(fv.flag_values_dict(), "d").learning_rate) == \
        pytest.approx(4e-4)


def test_a_decayed_run_ends_at_zero_and_its_checkpoint_resumes_on_the_same_curve(tmp_path):
    import keras
    import numpy as np

    from benchmarks.harness import build

    fv, _ = plan.resolve_run_flags([
        "--dataset=ring", "--latent_dim=4", "--g_width=8", "--d_width=8", "--batch_size=16",
        "--d_lr_decay=linear", "--g_lr_decay=linear", "--d_steps=2", "--epochs=2",
        "--steps_per_epoch=3", "--fresh_samples"])
    values = fv.flag_values_dict()
    model = build.build_model(values, build.data_info(values))
    build.compile_model(model, values, steps_per_epoch=3)
    data = np.random.default_rng(0).normal(size=(16 * 3, 2)).astype("float32")
    model.fit(data, batch_size=16, epochs=1, verbose=0)
    d_opt = model.d_optimizer
    assert int(d_opt.iterations) == 6  # 3 steps x 2 D updates, of 12 planned
    assert float(d_opt.learning_rate) == pytest.approx(1e-4)  # 2e-4 * (1 - 6/12)
    path = str(tmp_path / "half.keras")
    model.save(path)
    resumed = keras.saving.load_model(path)
    schedule = resumed.d_optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "PolynomialDecay"
    assert schedule["config"]["decay_steps"] == 12
    assert int(resumed.d_optimizer.iterations) == 6
    assert float(resumed.d_optimizer.learning_rate) == pytest.approx(1e-4)
    resumed.fit(data, batch_size=16, epochs=1, verbose=0)
    assert int(resumed.d_optimizer.iterations) == 12
    assert int(resumed.g_optimizer.iterations) == 6
    assert float(resumed.d_optimizer.learning_rate) == 0.0
    assert float(resumed.g_optimizer.learning_rate) == 0.0


def test_cli_copy_only_needs_the_folders_to_copy_from(python_env, tmp_path):
    result = _ablate("--copy_only", "--dataset=ring", f"--output_dir={tmp_path}",
                     env=python_env)
    assert result.returncode == 2
    assert "--copy_only copies finished runs from the study folders of --reuse_from" in (
        result.stderr)
    assert not os.listdir(tmp_path)


@pytest.mark.slow
def test_cli_copy_only_merges_shards_trained_in_other_folders(
    python_env, tmp_path, tiny_ring_args
):
    # Two "machines" each train one shard of a 2 x 2 study in their own folder.
    study = ["--seeds=0,1", "--parallel=1", "--epochs=1", "--steps_per_epoch=4",
             "--study=s", "--variation=baseline", "--variation=d2:d_steps=2",
             *tiny_ring_args]
    machines = [str(tmp_path / f"machine_{i}") for i in range(2)]
    for index, folder in enumerate(machines):
        shard = _ablate(*study, f"--output_dir={folder}", "--num_shards=2",
                        f"--shard_index={index}", "--noreport", env=python_env)
        assert shard.returncode == 0, shard.stdout + shard.stderr
    sources = [os.path.join(folder, "s_ring") for folder in machines]
    merged = str(tmp_path / "merged")
    collect = [*study, f"--output_dir={merged}", "--copy_only"]

    # The plan interleaves variations (baseline/0, d2/0, baseline/1, d2/1),
    # so shard 0 is the baseline's runs and shard 1 d2's.
    # Only the first machine's folder: its 2 runs come, the others are named.
    first = _ablate(*collect, f"--reuse_from={sources[0]}", env=python_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "4 runs: 2 copied, 0 already here, 2 finished in no --reuse_from folder." in (
        first.stdout)
    assert "Not finished anywhere yet: s_ring/d2/seed_0, s_ring/d2/seed_1" in (
        first.stdout)
    assert "start (" not in first.stdout  # Nothing trained.
    # No folder (or flags.txt) for a run that was not copied.
    assert not os.path.exists(os.path.join(merged, "s_ring", "d2"))

    both = ",".join(sources)
    dry = _ablate(*collect, f"--reuse_from={both}", "--dry_run", env=python_env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert ("s_ring/d2/seed_1 [fresh] copy of " + os.path.join(sources[1], "d2", "seed_1")
            in dry.stdout)
    second = _ablate(*collect, f"--reuse_from={both}", env=python_env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "4 runs: 2 copied, 2 already here, 0 finished" in second.stdout
    for variation, source in (("baseline", sources[0]), ("d2", sources[1])):
        for seed in (0, 1):
            run = os.path.join(variation, f"seed_{seed}", "summary.json")
            # The run itself, moved: no "reused_from", every value as trained.
            assert run_dir.read_json(os.path.join(merged, "s_ring", run)) == (
                run_dir.read_json(os.path.join(source, run)))
    assert not glob.glob(os.path.join(merged, "s_ring", "*", "seed_*", "checkpoints"))
    meta = run_dir.read_json(os.path.join(merged, "s_ring", "study.json"))
    # The shards' commands (which trained the runs), then the collecting ones.
    # [shard 0, first collect] then [shard 1, second collect]: each command
    # once, in the order it first wrote the file.
    assert [("--shard_index=0" in c, "--shard_index=1" in c, "--copy_only" in c)
            for c in meta["commands"]] == [
        (True, False, False), (False, False, True), (False, True, False),
        (False, False, True)], meta["commands"]
    assert meta["seeds"] == [0, 1] and meta["variations"] == ["baseline", "d2"]
    assert meta["command"] == meta["commands"][2]  # The last that trained runs.
    report = run_dir.read_text(os.path.join(merged, "s_ring", "report.md"))
    assert "| d2 | 2 |" in report and "Runs copied from another study" not in report
