"""One experiment = one frozen config.

Every knob that changes a run's numbers is a field of :class:`ExperimentConfig`; the config's
hash names the run's artifacts (see :mod:`mi_lib.runs`). Values are validated on construction,
so a bad field fails early with the field name and the accepted values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from fractions import Fraction
from typing import Any

from .methods import EMPIRICAL_METHODS, METHODS, REGISTRY, VERIFIABLE_METHODS

DATASETS = ("fmnist", "yale", "cifar10", "cifar10-jpeg")
MODELS = (
    "fmnist_cnn",
    "yale_cnn",
    "wrn",
    "fmnist_cnn_dual",
    "yale_cnn_dual",
    "small_cnn_dual",
)  # *_dual: 4x4 stride-2 convs
# (docs/settings.md#models); small_cnn_dual: Wong & Kolter's two-conv net (the DLS provable SVHN model), any dataset
# the training methods and what the config knows of each: mi_lib.methods (one record per method)
# PINEAT (PRCV 2023, docs/settings.md#pineat): how each round uses its adversarial examples; "original" is the base method itself.
STRATEGIES = ("original", "pineat", "advnat", "advran")
OPTIMIZERS = ("adam", "sgd")
INITS = (
    "tf",
    "torch",
)  # the plain CNNs' initialisation: the authors' TF code's, or PyTorch's defaults (their PyTorch code)
VERIFIED_BOUNDS = ("ibp", "dual")  # IBP / Box, or Wong & Kolter's exact dual bound (mi_lib.dual_network)
# the tiers (presets in mi_lib.tiers): seconds for CI, the book's cpu runs, the long campaign, the papers' settings
TIER_NAMES = ("smoke", "cpu", "long", "paper")
CUSTOM_TIER = "custom"  # a config built by hand rather than from a tier's preset
PRECISIONS = (
    "fp32",
    "bf16",
)  # training arithmetic: float32, or bfloat16 autocast with float32 weights (evaluation: float32)
PRECISION_NAMES = {"fp32": "float32", "bf16": "bfloat16"}  # the arithmetic in words


HASHED_IF_CHANGED = (
    "dist_coeff",
    "trades_beta",
    "adv_fraction",
    "removal_round",
    "ibp_kappa",
    "strategy",
    "pineat_n",
    "pineat_m",
    "dual_projections",
    "grad_clip",
    "verified_bound",
    "shadow",
    "pixeldp_l2",
    "noise_draws",
    "init",
    "box_weight_ramp",
    "precision",
)


class ConfigError(ValueError):
    """A config field has a value outside its accepted set or range."""


def parse_fraction(value: Any, *, field: str, unit: str = "") -> float:
    """A number in [0, 1] given as a number or a string such as ``"8/255"``, ``"3/4"`` or ``"0.1"``. Raises
    :class:`ConfigError` naming ``field`` (and ``unit``, e.g. "pixel units", in the range error)."""
    if isinstance(value, bool):
        raise ConfigError(f"{field}: expected a number in [0, 1] or a fraction like '3/4', got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            raise ConfigError(
                f"{field}: cannot parse {value!r}; write a number in [0, 1] such as 0.1 or a fraction such as '8/255'"
            ) from None
    else:
        raise ConfigError(f"{field}: expected a number or a string like '3/4', got {type(value).__name__}")
    if not (0.0 <= number <= 1.0) or number != number:
        raise ConfigError(f"{field}: must lie in [0, 1]{f' ({unit})' if unit else ''}, got {number!r}")
    return number


def parse_eps(value: Any, *, field: str = "eps") -> float:
    """An l-inf budget given as a number or a string such as ``"8/255"`` or ``"0.1"``: a float in [0, 1] (pixel
    units). Raises :class:`ConfigError` naming ``field``."""
    return parse_fraction(value, field=field, unit="pixel units")


def format_eps(eps: float) -> str:
    """An eps for display: a short decimal (``0.1``) when there is one, else ``8/255`` for whole 255ths."""
    short = f"{eps:g}"
    k = eps * 255
    return f"{round(k)}/255" if len(short) > 5 and abs(k - round(k)) < 1e-6 else short


def _choice(field: str, value: Any, accepted: tuple[str, ...]) -> str:
    if value not in accepted:
        raise ConfigError(f"{field}: unknown value {value!r}; accepted values: {', '.join(accepted)}")
    return value


def _positive(field: str, value: Any, *, kind=int, allow_zero: bool = False) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a {kind.__name__}, got {value!r}") from None
    if isinstance(value, float) and kind is int and not float(value).is_integer():
        raise ConfigError(f"{field}: expected a whole number, got {value!r}")
    if number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{field}: must be {bound}, got {value!r}")
    return number


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """Every knob of one train-then-attack experiment (CCS'19 §4–5 protocol).

    ``eps`` is the l-inf budget in pixel units [0, 1], used for training (robust methods) and for
    the evaluation PGD (20 steps of 2.5·eps/20, no random start; docs/settings.md#evaluation-attack). ``train_steps`` and
    ``train_step_ratio`` (step = ratio·eps, so a new eps keeps the attack's shape) are the training attack's; ``eps_warmup_iters`` keeps eps = 0 for that many
    iterations and ``eps_ramp_iters`` then ramps it linearly to ``eps`` (Madry's Yale schedule).
    ``n_members`` / ``n_nonmembers`` = 0 means the whole official train / test split.
    """

    dataset: str
    model: str
    method: str
    eps: float
    width: float = 1.0
    depth: int = 34  # WRN only
    train_steps: int = 10
    train_step_ratio: float = 0.0  # training attack step = ratio * eps; 0 -> 2.5 / train_steps
    eps_warmup_iters: int = 0
    eps_ramp_iters: int = 0
    epochs: int = 10
    batch_size: int = 100
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    lr_schedule: tuple[tuple[float, float], ...] = ()  # (fraction of epochs, lr multiplier from then on)
    augment: bool = False
    n_members: int = 0
    n_nonmembers: int = 0
    downsample: int = 1  # integer average-pooling factor of the images (Yale tiers: 4 -> 48x42)
    eval_steps: int = 20
    seed: int = 0
    tier: str = CUSTOM_TIER
    # Fields added after the first runs: they enter the hashes only when set away from their defaults, so
    # adding a knob never renames existing runs (see HASHED_IF_CHANGED).
    dist_coeff: float = 1.0  # Dist-based: gradient-ascent coefficient c of the authors' l-inf WRM adversary (docs/settings.md#dist-based-training)
    trades_beta: float = (
        1.0  # Diff-based (TRADES): weight of the KL term; the authors used 1.0 (docs/settings.md#diff-based-training)
    )
    adv_fraction: float = (
        1.0  # PGD-based: fraction r of the members trained on PGD examples, the rest clean (CCS Table 5)
    )
    removal_round: int = 0  # sensitivity analysis (CCS Fig. 2): r >= 1 leaves out one member per class (draw r)
    ibp_kappa: float = 0.5  # IBP: final weight κ of the clean loss, ramped from 1 with ε (Gowal et al.; docs/settings.md#verifiable-defences)
    strategy: str = (
        "original"  # PINEAT-n/m, AdvNat-1/1, AdvRan-1/1 over a base method (pgd, dist, diff); docs/settings.md#pineat
    )
    pineat_n: int = 1  # PINEAT: adversarial examples (independent random starts) per round
    pineat_m: int = 1  # PINEAT: reverse-symmetry examples per round
    dual_projections: int = 50  # duality-based training: Cauchy projections per generator group (0: the exact bound)
    grad_clip: float = 0.0  # clip the gradient's l2 norm to this before each update (0: no clipping; duality: 1)
    verified_bound: str = (
        "ibp"  # verifiable methods: the bound that certifies (verified accuracy, IV): ibp | dual (exact)
    )
    shadow: int = 0  # LiRA: k >= 1 trains shadow model k on a random half of the seed's target members + non-members
    pixeldp_l2: float = (
        0.1  # PixelDP: the l2 budget L its noise layer certifies (σ from it, DP ε = 1, δ = 0.05; App. E)
    )
    noise_draws: int = 100  # PixelDP: noise draws averaged per prediction (the authors: 500)
    init: str = "tf"  # plain CNNs: "tf" (He-normal convolutions, the authors' TF code; docs/settings.md#models) or "torch" (PyTorch's defaults,
    # as the authors' PyTorch code for DiffAI and duality-based training built its nets); the WRN keeps its own
    box_weight_ramp: bool = (
        False  # DiffAI: ramp the Box term's weight with ε (0 → 0.2), as IBP ramps κ (the authors: fixed 0.2)
    )
    precision: str = (
        "fp32"  # training forward passes (model and training attack) in "bf16" autocast; weights, optimiser and
    )
    # every evaluation (signals, evaluation PGD, bounds) stay float32

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen)
        _choice("dataset", self.dataset, DATASETS)
        _choice("model", self.model, MODELS)
        _choice("method", self.method, METHODS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("tier", self.tier, (*TIER_NAMES, CUSTOM_TIER))
        set_("eps", parse_eps(self.eps))
        set_("train_step_ratio", _positive("train_step_ratio", self.train_step_ratio, kind=float, allow_zero=True))
        set_("width", _positive("width", self.width, kind=float))
        for name in ("depth", "train_steps", "epochs", "batch_size", "eval_steps", "downsample"):
            set_(name, _positive(name, getattr(self, name)))
        for name in ("eps_warmup_iters", "eps_ramp_iters", "n_members", "n_nonmembers", "seed", "removal_round"):
            set_(name, _positive(name, getattr(self, name), allow_zero=True))
        for name in ("dist_coeff", "trades_beta"):
            set_(name, _positive(name, getattr(self, name), kind=float))
        set_("adv_fraction", parse_fraction(self.adv_fraction, field="adv_fraction"))
        set_("ibp_kappa", parse_fraction(self.ibp_kappa, field="ibp_kappa"))
        _choice("strategy", self.strategy, STRATEGIES)
        for name in ("pineat_n", "pineat_m"):
            set_(name, _positive(name, getattr(self, name)))
        set_("dual_projections", _positive("dual_projections", self.dual_projections, allow_zero=True))
        set_("grad_clip", _positive("grad_clip", self.grad_clip, kind=float, allow_zero=True))
        _choice("verified_bound", self.verified_bound, VERIFIED_BOUNDS)
        _choice("init", self.init, INITS)
        _choice("precision", self.precision, PRECISIONS)
        set_("shadow", _positive("shadow", self.shadow, allow_zero=True))
        set_("pixeldp_l2", _positive("pixeldp_l2", self.pixeldp_l2, kind=float))
        set_("noise_draws", _positive("noise_draws", self.noise_draws))
        if self.strategy != "original" and self.method not in EMPIRICAL_METHODS:
            raise ConfigError(
                f"strategy: {self.strategy!r} wraps an empirical adversarial training method "
                f"({', '.join(EMPIRICAL_METHODS)}), "
                f"got method {self.method!r}"
            )
        if self.strategy in ("advnat", "advran") and (self.pineat_n, self.pineat_m) != (1, 1):
            raise ConfigError(
                f"pineat_n, pineat_m: {self.strategy} is defined for 1/1 only, got {self.pineat_n}/{self.pineat_m}"
            )
        if self.method in VERIFIABLE_METHODS and self.model == "wrn":
            raise ConfigError(
                f"model: the verifiable methods ({', '.join(VERIFIABLE_METHODS)}) need a plain CNN "
                f"({', '.join(m for m in MODELS if m != 'wrn')}), got {self.model!r}"
            )
        if self.adv_fraction != 1.0 and self.method != "pgd":
            raise ConfigError(
                f"adv_fraction: only PGD-based training mixes clean and adversarial members (method 'pgd'); "
                f"got {self.adv_fraction} with method {self.method!r}"
            )
        for name in ("lr", "weight_decay"):
            set_(name, _positive(name, getattr(self, name), kind=float, allow_zero=(name != "lr")))
        try:
            schedule = tuple((float(at), float(factor)) for at, factor in self.lr_schedule)
        except (TypeError, ValueError):
            schedule = None
        if (
            schedule is None
            or any(not 0.0 < at < 1.0 or factor <= 0 for at, factor in schedule)
            or [a for a, _ in schedule] != sorted(a for a, _ in schedule)
        ):
            raise ConfigError(
                f"lr_schedule: pairs (fraction of epochs in (0, 1), increasing; lr multiplier > 0), got {self.lr_schedule!r}"
            )
        set_("lr_schedule", schedule)
        set_("augment", bool(self.augment))
        set_("box_weight_ramp", bool(self.box_weight_ramp))

    # ----------------------------------------------------------------- derived values
    @property
    def step_size(self) -> float:
        """Training attack step size: train_step_ratio·eps, else 2.5·eps/steps."""
        return (self.train_step_ratio or 2.5 / self.train_steps) * self.eps

    @property
    def updates_per_round(self) -> int:
        """Parameter updates per minibatch round: n + m for PINEAT-n/m, 2 for AdvNat/AdvRan-1/1, else 1."""
        return 1 if self.strategy == "original" else self.pineat_n + self.pineat_m

    @property
    def round_epochs(self) -> int:
        """Passes over the members: ``epochs`` / updates per round (rounded up), so every strategy makes the base
        method's number of parameter updates (docs/settings.md#pineat)."""
        return -(-self.epochs // self.updates_per_round)

    @property
    def eval_step_size(self) -> float:
        """Evaluation PGD step: 2.5·eps/20 as in the authors' code (docs/settings.md#evaluation-attack)."""
        return 2.5 * self.eps / self.eval_steps

    def replace(self, **changes: Any) -> ExperimentConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["lr_schedule"] = [list(pair) for pair in self.lr_schedule]
        return out

    def _hashed_dict(self) -> dict[str, Any]:
        out = self.to_dict()
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for name in HASHED_IF_CHANGED:
            if out[name] == defaults[name]:
                out.pop(name)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown config field(s) {unknown}; accepted fields: {', '.join(sorted(known))}")
        data = dict(data)
        if "lr_schedule" in data:
            data["lr_schedule"] = tuple(tuple(pair) for pair in data["lr_schedule"])
        return cls(**data)

    # ----------------------------------------------------------------- identities
    def training_fields(self) -> dict[str, Any]:
        """Fields that determine the trained weights (natural training ignores every attack knob)."""
        fields = self._hashed_dict()
        for name in ("tier", "eval_steps", "n_nonmembers", "verified_bound"):
            fields.pop(name, None)  # (verified_bound is in the hashed fields only when set away from its default)
        fields.pop("noise_draws", None)  # PixelDP: how many draws a prediction averages, not how it trains
        for name in REGISTRY[self.method].ignores:  # e.g. natural training ignores every attack knob
            fields.pop(name)
        return fields

    def train_id(self) -> str:
        """Hash naming the checkpoint: equal for configs that train the same weights."""
        return _digest(self.training_fields())

    def run_id(self) -> str:
        """Hash naming the run's signals and metrics (training + evaluation fields, not the tier label)."""
        fields = self._hashed_dict()
        fields.pop("tier")
        return f"{self.dataset}-{self.method}-{_digest(fields)}"


def _digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
