import pytest
import torch

from mi_lib.config import ConfigError
from mi_lib.models import PerImageStandardize, WideResNet, build_model, fmnist_cnn, yale_cnn
from mi_lib.tiers import preset


@pytest.mark.parametrize(
    "factory, shape, classes",
    [(fmnist_cnn, (1, 28, 28), 10), (yale_cnn, (1, 192, 168), 38), (yale_cnn, (1, 48, 42), 38)],
)
def test_plain_cnn_shapes(factory, shape, classes):
    model = factory(width=0.25, in_shape=shape, n_classes=classes)
    assert model(torch.rand(2, *shape)).shape == (2, classes)


def test_full_width_matches_table_13():
    convs = [m.out_channels for m in fmnist_cnn().modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs == [256, 256, 256, 512, 512, 512]
    yale = yale_cnn()
    assert [m.out_channels for m in yale.modules() if isinstance(m, torch.nn.Conv2d)] == [8, 8, 16, 16, 32, 32, 64, 64]
    assert yale.classifier[0].in_features == 64 * 12 * 11  # 192x168 -> 12x11 after four stride-2 convs


def test_wide_resnet_depth_and_widths():
    model = WideResNet(depth=10, widen=2)
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    assert model.head[-1].in_features == 128
    with pytest.raises(ValueError, match="depth"):
        WideResNet(depth=12)


def test_per_image_standardisation_is_scale_free():
    x = torch.rand(3, 3, 8, 8)
    layer = PerImageStandardize()
    assert torch.allclose(layer(x), layer(255 * x), atol=1e-5)
    assert torch.allclose(layer(x).flatten(1).mean(1), torch.zeros(3), atol=1e-6)


def test_init_follows_the_authors_code_per_method():
    """TF init (He-normal convolutions, zero biases) for the authors' TF methods; PyTorch's defaults (non-zero biases,
    smaller weights) for DiffAI and duality, whose Box / dual bounds at init are far tighter then."""
    tf = build_model(preset("yale", "cpu", method="ibp"), in_shape=(1, 48, 42), n_classes=38)
    torch_init = build_model(preset("yale", "paper", method="diffai", width=1.0), in_shape=(1, 48, 42), n_classes=38)
    assert (
        preset("yale", "cpu", method="diffai").init == "tf"
    )  # the cpu tier's Yale DiffAI: IBP's schedule, the Box weight ramped
    conv_tf, conv_torch = tf.features[0], torch_init.features[0]
    assert (conv_tf.bias == 0).all() and (conv_torch.bias != 0).any()
    assert (
        conv_torch.weight.abs().max() <= 1 / conv_torch.weight[0].numel() ** 0.5 + 1e-6
    )  # kaiming-uniform bound 1/sqrt(fan_in)
    with pytest.raises(ConfigError, match="init: unknown value 'he'.*accepted values: tf, torch"):
        preset("yale", "cpu", method="diffai", init="he")
