"""W2: tight numeric loops with no calls (line tracing costs the most here)."""

from __future__ import annotations

from collections.abc import Callable

NAME = "tight numeric loops"


def mandelbrot(size: int) -> int:
    inside = 0
    for py in range(size):
        y0 = py / size * 2.0 - 1.0
        for px in range(size):
            x0 = px / size * 3.0 - 2.0
            x = y = 0.0
            i = 0
            while x * x + y * y <= 4.0 and i < 30:
                x, y = x * x - y * y + x0, 2.0 * x * y + y0
                i += 1
            inside += i == 30
    return inside


def prepare(scale: float) -> Callable[[], object]:
    size = max(4, int(520 * scale**0.5))
    return lambda: mandelbrot(size)


def hot() -> list[Callable[..., object]]:
    return [mandelbrot]


def memory_target() -> Callable[..., object]:
    return mandelbrot
