from pathlib import Path

import pytest

from cyclekit.config import build_config, load_config
from cyclekit.errors import ConfigError, CyclekitWarning


def test_defaults_follow_the_papers():
    config = build_config({"method": "cyclegan"})
    assert config.strategy.name == "joint"
    assert config.model.lambda_cycle == 10.0 and config.model.history_size == 50
    assert (config.train.lr, config.train.beta1) == (2e-4, 0.5)
    assert config.eval.checkpoint == "last"
    gn = build_config({"method": "cyclegn"})
    assert gn.strategy.name == "em" and gn.model.weight_gan == 0.0


def test_overrides_and_strategy_swap():
    config = build_config({"method": "cyclegan"}, ["strategy.name=em", "train.steps=7",
                                                   "model.weight_cycle_y=0", "data.limit_train=null"])
    assert config.strategy.name == "em" and config.train.steps == 7
    assert config.model.weight_cycle_y == 0.0 and config.data.limit_train is None
    assert build_config({"method": "cyclegn", "strategy": "joint"}).strategy.name == "joint"


@pytest.mark.parametrize("raw, message", [
    ({"method": "cyclegan", "trian": {}}, r"unknown top-level config key\(s\) \['trian'\] \(did you mean 'train'\?\); valid keys"),
    ({"method": "cyclegan", "train": {"stepz": 3}}, r"unknown key\(s\) \['stepz'\] in 'train' \(did you mean 'steps'\?\); valid keys: \['steps'"),
    ({"method": "cyclegan", "train": {"steps": "many"}}, "train.steps must be of type int, got 'many'"),
    ({"method": "cyclegan", "train": {"steps": 0}}, r"train.steps=0 must be > 0"),
    ({"method": "cyclegan", "strategy": {"name": "adam"}}, "strategy.name='adam' is not valid"),
    ({"method": "cyclegan", "strategy": "self_cyclic"}, "does not support strategy 'self_cyclic'"),
    ({"method": "nope"}, r"unknown method 'nope'; choose one of \[.*'cyclegan', 'cyclegn'.*\]"),
    ({}, "config has no 'method'"),
    ({"method": "cyclegan", "data": {"x": "svhn"}}, "data.x='svhn' is not valid; choose one of"),
    ({"method": "cyclegan", "data": {"image_size": 30}}, "multiple of 4"),
    ({"method": "cyclegan", "model": {"norm": "layer"}}, "model.norm='layer' is not valid"),
    ({"method": "cyclegan", "train": {"lr": True}}, "train.lr must be of type float"),
])
def test_bad_configs_give_one_line_errors(raw, message):
    with pytest.raises(ConfigError, match=message) as caught:
        build_config(raw)
    assert "\n" not in str(caught.value)


def test_exponent_without_a_dot_is_a_float():
    """YAML 1.1 reads 3e-5 as a string; a float field still takes it (file or override)."""
    config = build_config({"method": "cyclegan", "train": {"lr": "3e-5"}}, ["train.beta2=1e-3"])
    assert config.train.lr == 3e-5 and config.train.beta2 == 1e-3
    with pytest.raises(ConfigError, match="train.lr must be of type float, got 'fast'"):
        build_config({"method": "cyclegan"}, ["train.lr=fast"])


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="must look like section.key=value"):
        build_config({"method": "cyclegan"}, ["train.steps"])


def test_yaml_files(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("method: cyclegn\ntrain: {steps: 5}\n")
    assert load_config(path).train.steps == 5
    path.write_text("method: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")


def test_every_shipped_preset_loads():
    from pathlib import Path

    presets = sorted((Path(__file__).resolve().parents[1] / "configs").rglob("*.yaml"))
    assert presets
    for preset in presets:
        load_config(preset)


def test_fingerprint_ignores_budget_but_not_shapes():
    base = build_config({"method": "cyclegan"})
    assert base.fingerprint() == build_config({"method": "cyclegan", "train": {"steps": 9}}).fingerprint()
    assert base.fingerprint() != build_config({"method": "cyclegan", "data": {"image_size": 64}}).fingerprint()



def test_an_option_added_later_leaves_the_fingerprint_of_older_runs_at_its_default():
    # The fingerprint acc_dsprites_augmented.yaml had before model.standardise_embedding
    # existed (its runs' checkpoints carry it); the option at its default must not change it.
    preset = Path(__file__).resolve().parents[1] / "configs" / "acc_dsprites_augmented.yaml"
    assert load_config(preset).fingerprint() == "9f31007b9ad07903"
    assert load_config(preset, ["model.standardise_embedding=true"]).fingerprint() != (
        "9f31007b9ad07903")

# Fingerprints of these configs as the code before the renaming computed them (257528e).
OLD_CDLM_FINGERPRINTS = {0.1: "f8a3c0847f28e155", 0.2: "047b253abe7b9f98"}


def test_a_renamed_option_is_read_under_its_old_name_and_keeps_old_runs_fingerprints():
    import copy

    from tests.conftest import TINY_BY_METHOD

    settings = copy.deepcopy(TINY_BY_METHOD["cdlm"])
    assert build_config({"method": "cdlm", **settings}).fingerprint() == \
        OLD_CDLM_FINGERPRINTS[0.1]
    settings["model"]["beta1"] = 0.2
    with pytest.warns(CyclekitWarning, match="model.beta1 was renamed to "
                                             "model.weight_consistency_source"):
        config = build_config({"method": "cdlm", **settings})
    assert config.model.weight_consistency_source == 0.2
    assert config.fingerprint() == OLD_CDLM_FINGERPRINTS[0.2]
    settings["model"]["weight_consistency_source"] = 0.3
    with pytest.raises(ConfigError, match="sets both model.beta1 and "
                                          "model.weight_consistency_source"):
        build_config({"method": "cdlm", **settings})


def test_overrides_leave_the_given_mapping_as_it_was():
    raw = {"method": "cyclegn", "train": {"steps": 5}}
    assert build_config(raw, ["train.steps=7"]).train.steps == 7
    assert raw == {"method": "cyclegn", "train": {"steps": 5}}


def test_a_config_path_that_is_a_directory_says_so(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_a_mistyped_key_gets_a_suggestion():
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['stepz'\] in 'train' "
                                          r"\(did you mean 'steps'\?\)"):
        build_config({"method": "cyclegn", "train": {"stepz": 5}})
    with pytest.raises(ConfigError, match=r"\(did you mean 'train'\?\)"):
        build_config({"method": "cyclegn", "trian": {"steps": 5}})
