"""CCS'19 Table 13 architectures, with a width multiplier for the tiers.

Every model takes pixels in [0, 1]; any input normalisation lives inside the model (the WRN's
per-image standardisation), so every eps is in pixel units.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .config import ExperimentConfig


def _scaled(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


def _init_tf_style(module: nn.Module) -> None:
    """The authors' TF init: conv weights N(0, sqrt(2 / (k·k·out))), biases 0 (docs/settings.md#models)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / k))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            bound = math.sqrt(3.0 / m.in_features)  # "uniform unit scaling"
            nn.init.uniform_(m.weight, -bound, bound)
            nn.init.zeros_(m.bias)


class PlainCNN(nn.Module):
    """3x3 conv stack (ReLU, stride per layer, padding 1), then FC 200 and the class layer. ``stride2_kernel`` 4 and
    ``square`` give the duality variant (docs/settings.md#models): 4x4 stride-2 convolutions, the input zero-padded to a square.

    Input (B, C, H, W) in [0, 1]; output logits (B, n_classes).
    """

    def __init__(
        self,
        *,
        in_shape: tuple[int, int, int],
        channels: list[int],
        strides: list[int],
        n_classes: int,
        hidden: int = 200,
        stride2_kernel: int = 3,
        square: bool = False,
        init: str = "tf",
    ):
        super().__init__()
        layers, c_in = [], in_shape[0]
        if square and in_shape[1] != in_shape[2]:  # zero-pad the short side (the duality variant pads Yale to 192x192)
            extra = abs(in_shape[1] - in_shape[2])
            pad = (
                (extra // 2, extra - extra // 2, 0, 0)
                if in_shape[1] > in_shape[2]
                else (0, 0, extra // 2, extra - extra // 2)
            )
            layers.append(nn.ZeroPad2d(pad))
        for c_out, stride in zip(channels, strides):
            kernel = stride2_kernel if stride == 2 else 3
            layers += [nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=1), nn.ReLU()]
            c_in = c_out
        self.features = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            flat = self.features(torch.zeros(1, *in_shape)).shape[1]
        self.classifier = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
        if init == "tf":  # else PyTorch's default initialisation, as built
            _init_tf_style(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def fmnist_cnn(
    *, width: float = 1.0, in_shape=(1, 28, 28), n_classes: int = 10, dual: bool = False, init: str = "tf"
) -> PlainCNN:
    """CCS Table 13 FMNIST CNN: conv 256, 256, 256(s2), 512, 512, 512(s2); FC 200; FC 10 (× width)."""
    channels = [_scaled(c, width) for c in (256, 256, 256, 512, 512, 512)]
    return PlainCNN(
        in_shape=in_shape,
        channels=channels,
        strides=[1, 1, 2, 1, 1, 2],
        n_classes=n_classes,
        stride2_kernel=4 if dual else 3,
        square=dual,
        init=init,
    )


def yale_cnn(
    *, width: float = 1.0, in_shape=(1, 192, 168), n_classes: int = 38, dual: bool = False, init: str = "tf"
) -> PlainCNN:
    """CCS Table 13 Yale CNN: conv 8, 8(s2), 16, 16(s2), 32, 32(s2), 64, 64(s2); FC 200; FC 38 (× width)."""
    channels = [_scaled(c, width) for c in (8, 8, 16, 16, 32, 32, 64, 64)]
    return PlainCNN(
        in_shape=in_shape,
        channels=channels,
        strides=[1, 2] * 4,
        n_classes=n_classes,
        stride2_kernel=4 if dual else 3,
        square=dual,
        init=init,
    )


def small_cnn(*, width: float = 1.0, in_shape=(1, 28, 28), n_classes: int = 10, init: str = "torch") -> PlainCNN:
    """Wong & Kolter's small CNN (their MNIST net; the DLS paper's provable SVHN model, docs/settings.md#models): conv 16 and 32, both
    4x4 stride 2, padding 1 (× width); FC 100; the class layer. The input is zero-padded to a square, as the CCS
    duality variants."""
    channels = [_scaled(c, width) for c in (16, 32)]
    return PlainCNN(
        in_shape=in_shape,
        channels=channels,
        strides=[2, 2],
        n_classes=n_classes,
        hidden=100,
        stride2_kernel=4,
        square=True,
        init=init,
    )


class PerImageStandardize(nn.Module):
    """TF's per_image_standardization: (x - mean) / max(std, 1/sqrt(n)) per image (Madry's WRN first op)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1)
        mean = flat.mean(1, keepdim=True)
        std = flat.std(1, unbiased=False, keepdim=True).clamp_min(1.0 / math.sqrt(flat.shape[1]))
        return ((flat - mean) / std).view_as(x)


class _PreActBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int, slope: float):
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(c_in), nn.BatchNorm2d(c_out)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.act = nn.LeakyReLU(slope)
        self.shortcut = None if (c_in == c_out and stride == 1) else nn.Conv2d(c_in, c_out, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.bn1(x))
        skip = x if self.shortcut is None else self.shortcut(out)
        out = self.conv2(self.act(self.bn2(self.conv1(out))))
        return out + skip


class WideResNet(nn.Module):
    """Pre-activation wide ResNet (Madry's CIFAR model; CCS Table 13: WRN-34-10, widths 160/320/640).

    ``depth`` = 6n + 4 with n units per group; group widths 16·widen·(1, 2, 4). Leaky ReLU 0.1 as the authors'
    TF code (docs/settings.md#models); 1x1-conv shortcuts (the PyTorch TRADES variant) instead of pad-and-pool.
    """

    def __init__(
        self, *, depth: int = 34, widen: float = 10, in_channels: int = 3, n_classes: int = 10, slope: float = 0.1
    ):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"depth: must be 6n + 4 (10, 16, 22, 28, 34, …), got {depth}")
        n = (depth - 4) // 6
        widths = [16] + [_scaled(16 * k, widen) for k in (1, 2, 4)]
        self.standardize = PerImageStandardize()
        self.stem = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        blocks = []
        for g in range(3):
            for i in range(n):
                c_in = widths[g] if i == 0 else widths[g + 1]
                blocks.append(_PreActBlock(c_in, widths[g + 1], (1 if g == 0 else 2) if i == 0 else 1, slope))
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.BatchNorm2d(widths[3]),
            nn.LeakyReLU(slope),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(widths[3], n_classes),
        )
        _init_tf_style(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(self.standardize(x))))


def build_model(config: ExperimentConfig, *, in_shape: tuple[int, int, int], n_classes: int) -> nn.Module:
    """The model named by ``config.model`` at ``config.width``, initialised from ``config.seed``."""
    torch.manual_seed(config.seed)
    if config.model == "small_cnn_dual":
        return small_cnn(width=config.width, in_shape=in_shape, n_classes=n_classes, init=config.init).to(
            memory_format=torch.channels_last
        )
    if config.model != "wrn":
        factory = fmnist_cnn if config.model.startswith("fmnist_cnn") else yale_cnn
        # channels_last speeds up the plain CNNs on CPU (measured 1.2x); it slows the WRN, which keeps NCHW.
        return factory(
            width=config.width,
            in_shape=in_shape,
            n_classes=n_classes,
            dual=config.model.endswith("_dual"),
            init=config.init,
        ).to(memory_format=torch.channels_last)
    wrn = WideResNet(depth=config.depth, widen=config.width, in_channels=in_shape[0], n_classes=n_classes)
    # Memory format by measurement (PGD-10 training step, batch 64, WRN-10-1, 2 cores): in bf16 autocast channels-last won
    # (263 -> 454 images/s on an AVX512-BF16 CPU, with bf16); in float32 it won too on an AVX2 CPU (97 -> 118 images/s) but
    # float32 runs keep NCHW so that the committed cpu- and paper-tier WRN runs (precision fp32) reproduce.
    return wrn.to(memory_format=torch.channels_last) if config.precision == "bf16" else wrn
