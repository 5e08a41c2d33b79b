"""The claims file's sections as dataclasses: what a report states, each with its section."""

from __future__ import annotations

from dataclasses import dataclass

from harness.core.config import EncoderConfig


@dataclass(frozen=True)
class ParamsClaim:  # C1
    section: str
    vocab_size: int
    d_model: int
    d_ff: int
    max_positions: int
    layers: int
    stated_total: int


@dataclass(frozen=True)
class FairseqClaim:  # C2, C3, C6
    section: str
    seeds: tuple[int, ...]
    pretrained: tuple[float, ...]  # test accuracy (%) per seed
    random: tuple[float, ...]
    stated_mean_pretrained: float
    stated_spread_pretrained: float
    stated_mean_random: float
    stated_spread_random: float
    claim: str
    best_epoch: int = 0
    best_updates: int = 0


@dataclass(frozen=True)
class HFClaim:  # C4
    section: str
    seeds: tuple[int, ...]
    pretrained: tuple[float, ...]
    claim: str


@dataclass(frozen=True)
class LoraClaim:  # C5
    section: str
    scale: str
    target: str
    bias: str
    bias_applies_to: str  # what the report says bias acts on: "adapters" (A and B) or "base_layers"
    task_type: str


@dataclass(frozen=True)
class Report:
    source: str
    params: ParamsClaim
    fairseq: FairseqClaim
    hf: HFClaim
    lora: LoraClaim
    path: str = ""

    def encoder(self, heads: int, padding_idx: int = 1) -> EncoderConfig:
        """The encoder the report counts (heads are not in the report: the lab's facts give them)."""
        p = self.params
        return EncoderConfig(
            vocab_size=p.vocab_size,
            d_model=p.d_model,
            d_ff=p.d_ff,
            max_positions=p.max_positions,
            layers=p.layers,
            heads=heads,
            padding_idx=padding_idx,
        )
