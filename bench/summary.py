"""The one table `make bench` ends with: every judged figure, its baseline, target and verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure, as a ratio to (or against) a baseline from the same run."""

    section: str
    name: str
    value: str
    baseline: str
    target: str
    met: bool


FIGURES: list[Figure] = []


def record(section: str, name: str, value: str, baseline: str, target: str, met: bool) -> None:
    """Keep a figure for the closing table."""
    FIGURES.append(Figure(section, name, value, baseline, target, met))


def table(figures: list[Figure] | None = None) -> list[str]:
    """The figures as a Markdown table, then how many met their targets."""
    rows = FIGURES if figures is None else figures
    lines = [
        "| section | figure | measured | baseline (same run) | target | verdict |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    lines += [
        f"| {f.section} | {f.name} | {f.value} | {f.baseline} | {f.target} | "
        f"{'met' if f.met else 'MISSED'} |"
        for f in rows
    ]
    lines.append(f"{sum(f.met for f in rows)} of {len(rows)} targets met")
    return lines
