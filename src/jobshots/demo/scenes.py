"""Job-site scenes drawn with Pillow for the demo: tiled walls, a boiler, a roof, a damp patch."""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

Colour = tuple[int, int, int]
Scene = Callable[[random.Random], Image.Image]
SIZE = (1200, 900)
# Drawn larger, then cut back with a slight tilt, as a phone held by hand frames a wall.
MARGIN = 60
CANVAS = (SIZE[0] + 2 * MARGIN, SIZE[1] + 2 * MARGIN)


def photograph(scene: Scene, rng: random.Random) -> Image.Image:
    """The scene as a phone would take it: tilted, lit unevenly, soft and grainy."""
    image = _handheld(scene(rng), rng)
    image = ImageChops.multiply(image, _light(rng))
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    return _grain(image, rng)


def _gradient(size: tuple[int, int], top: Colour, bottom: Colour) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size)
    return ImageOps.colorize(ramp, top, bottom)


def _shade(colour: Colour, rng: random.Random, spread: int) -> Colour:
    """The colour shifted, as one batch of tiles or slates differs from the next."""
    shift = rng.randint(-spread, spread)
    r, g, b = (max(0, min(255, c + shift + rng.randint(-2, 2))) for c in colour)
    return r, g, b


def _handheld(image: Image.Image, rng: random.Random) -> Image.Image:
    width, height = SIZE
    corners = [
        (MARGIN + x * width + rng.uniform(-MARGIN, MARGIN) * 0.8,
         MARGIN + y * height + rng.uniform(-MARGIN, MARGIN) * 0.8)
        for x, y in ((0, 0), (1, 0), (1, 1), (0, 1))
    ]  # fmt: skip
    targets = [(0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height))]
    coefficients = _perspective(targets, corners)
    return image.transform(
        SIZE, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )


def _perspective(
    targets: list[tuple[float, float]], sources: list[tuple[float, float]]
) -> tuple[float, ...]:
    """The 8 coefficients mapping each output corner to its source point."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(targets, sources, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for col in range(8):
        pivot = max(range(col, 8), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(8):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return tuple(rows[i][8] / rows[i][i] for i in range(8))


def _light(rng: random.Random) -> Image.Image:
    """Brighter where the torch or window falls, darker toward the corners."""
    glow = ImageOps.invert(Image.radial_gradient("L")).resize((SIZE[0] * 2, SIZE[1] * 2))
    x, y = rng.randrange(SIZE[0] // 2), rng.randrange(SIZE[1] // 2)
    patch = glow.crop((x, y, x + SIZE[0], y + SIZE[1])).point(lambda v: 150 + v * 105 // 255)
    return Image.merge("RGB", (patch, patch, patch))


def _grain(image: Image.Image, rng: random.Random) -> Image.Image:
    noise = Image.frombytes("L", SIZE, rng.randbytes(SIZE[0] * SIZE[1]))
    noise = noise.point(lambda v: 128 + (v - 128) // 7)
    return ImageChops.soft_light(image, Image.merge("RGB", (noise, noise, noise)))


def _stain(
    size: tuple[int, int], rng: random.Random, box: tuple[int, int, int, int]
) -> Image.Image:
    """A blotchy mask (white = wet) inside `box`, soft-edged."""
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    left, top, right, bottom = box
    for _ in range(28):
        cx, cy = rng.randint(left, right), rng.randint(top, bottom)
        rx, ry = rng.randint(30, 110), rng.randint(25, 90)
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rng.randint(120, 255))
    return mask.filter(ImageFilter.GaussianBlur(18))


def _wet(image: Image.Image, mask: Image.Image, colour: Colour) -> Image.Image:
    """The stain in `colour`, with the darker tide mark a dried leak leaves at its edge."""
    tide = mask.point(lambda v: 150 if 60 < v < 90 else 0).filter(ImageFilter.GaussianBlur(6))
    stained = Image.composite(
        Image.new("RGB", image.size, colour), image, mask.point(lambda v: v * 3 // 4)
    )
    edge = tuple(max(0, c - 30) for c in colour)
    return Image.composite(Image.new("RGB", image.size, edge), stained, tide)


def tiled_wall(state: str) -> Scene:
    """Bathroom tiles: cracked (before), stripped to the pipe (during), renewed (after)."""

    def draw_scene(rng: random.Random) -> Image.Image:
        image = _gradient(CANVAS, (232, 230, 222), (205, 202, 192))
        draw = ImageDraw.Draw(image)
        tile, grout = 150, 5
        rows, cols = CANVAS[1] // tile + 1, CANVAS[0] // tile + 1
        new = {(rng.randrange(2, 5), rng.randrange(3, 6)) for _ in range(4)}
        grout_colour = (236, 236, 232) if state == "after" else (168, 160, 146)
        draw.rectangle((0, 0, *CANVAS), fill=grout_colour)
        for row in range(rows):
            for col in range(cols):
                x, y = col * tile, row * tile
                base = (
                    (246, 246, 242) if state == "after" and (row, col) in new else (226, 224, 214)
                )
                face = _gradient(
                    (tile - grout, tile - grout), _shade(base, rng, 6), _shade(base, rng, 10)
                )
                image.paste(face, (x + grout, y + grout))
                # The glaze catches the light along one edge.
                draw.line(
                    (x + grout + 8, y + grout + 6, x + tile - 14, y + grout + 6), (250, 250, 248), 3
                )
        floor = CANVAS[1] - 150
        draw.rectangle((0, floor, CANVAS[0], CANVAS[1]), fill=(96, 88, 80))
        draw.line((0, floor, CANVAS[0], floor), (60, 54, 48), 6)
        if state == "before":
            _crack(draw, rng, (tile * 3 + 40, tile * 1 + 30), 11)
            # A corner knocked off the tile the crack runs into, showing the biscuit.
            cx, cy = tile * 4 + grout, tile * 2 + grout
            draw.polygon([(cx, cy), (cx + 48, cy), (cx + 6, cy + 40)], (176, 164, 146))
        if state == "during":
            left, top = tile * 2 + grout, tile * 1 + grout
            hole = (left, top, left + tile * 4 - grout, top + tile * 3 - grout)
            draw.rectangle(hole, fill=(184, 160, 140))
            mask = _stain(CANVAS, rng, (hole[0] + 80, hole[1] + 120, hole[2] - 80, hole[3] - 40))
            inside = Image.new("L", CANVAS, 0)
            ImageDraw.Draw(inside).rectangle(hole, fill=255)
            image = _wet(image, ImageChops.multiply(mask, inside), (120, 96, 78))
            _pipe(ImageDraw.Draw(image), (hole[0] + 60, hole[1], hole[0] + 60, hole[3]), 28)
            _pipe(ImageDraw.Draw(image), (hole[0], hole[1] + 220, hole[2], hole[1] + 220), 22)
        return image

    return draw_scene


def _crack(
    draw: ImageDraw.ImageDraw, rng: random.Random, start: tuple[int, int], steps: int
) -> None:
    points = [start]
    for _ in range(steps):
        x, y = points[-1]
        points.append((x + rng.randint(10, 60), y + rng.randint(25, 55)))
    draw.line(points, (70, 64, 58), 4, joint="curve")
    draw.line([(x + 2, y + 1) for x, y in points], (250, 250, 246), 1)


def _pipe(draw: ImageDraw.ImageDraw, line: tuple[int, int, int, int], width: int) -> None:
    """A copper pipe: dark edges, a bright streak where it catches the light."""
    x0, y0, x1, y1 = line
    draw.line(line, (120, 62, 30), width)
    draw.line(line, (184, 104, 56), width * 2 // 3)
    offset = -width // 5
    vertical = x0 == x1
    streak = (x0 + offset, y0, x1 + offset, y1) if vertical else (x0, y0 + offset, x1, y1 + offset)
    draw.line(streak, (236, 176, 124), max(2, width // 6))


def boiler(state: str) -> Scene:
    """A wall-hung combi boiler: weeping (before), casing off (during), serviced (after)."""

    def draw_scene(rng: random.Random) -> Image.Image:
        image = _gradient(CANVAS, (214, 206, 186), (186, 176, 154))
        draw = ImageDraw.Draw(image)
        left, top, right, bottom = 380, 110, 900, 780
        for x, width in ((470, 26), (560, 22), (650, 22), (740, 26), (810, 18)):
            _pipe(draw, (x, bottom - 10, x, CANVAS[1]), width)
            draw.rectangle((x - 18, bottom + 90, x + 18, bottom + 118), fill=(170, 140, 60))
            handle = (200, 40, 40) if x % 2 else (40, 70, 190)
            draw.rectangle((x + 14, bottom + 96, x + 60, bottom + 112), fill=handle)
        draw.rectangle(
            (left + 24, top + 30, right + 30, bottom + 26), fill=(120, 112, 96)
        )  # shadow
        if state == "during":
            draw.rounded_rectangle((left, top, right, bottom), 18, fill=(70, 70, 72))
            draw.rectangle((left + 90, top + 80, right - 90, top + 330), fill=(150, 150, 154))
            for y in range(top + 95, top + 320, 18):
                draw.line((left + 100, y, right - 100, y), (110, 110, 116), 6)
            draw.rectangle((left + 150, top + 380, right - 150, top + 470), fill=(40, 40, 44))
            for x in range(left + 170, right - 160, 28):
                draw.ellipse((x, top + 410, x + 14, top + 424), fill=(70, 120, 220))
            _pipe(draw, (left + 120, top + 520, right - 120, top + 520), 20)
            draw.rounded_rectangle(
                (120, 420, 340, 860), 12, fill=(240, 240, 236)
            )  # casing on the floor
        else:
            face = (246, 246, 242) if state == "after" else (222, 218, 204)
            draw.rounded_rectangle(
                (left, top, right, bottom), 18, fill=face, outline=(190, 188, 180), width=3
            )
            draw.rectangle((left, bottom - 150, right, bottom), fill=_shade(face, rng, 0)[:3])
            draw.line((left + 10, bottom - 150, right - 10, bottom - 150), (180, 178, 170), 3)
            draw.rectangle((left + 150, bottom - 120, left + 300, bottom - 70), fill=(20, 30, 26))
            lit = (90, 210, 140) if state == "after" else (220, 120, 40)
            draw.rectangle((left + 160, bottom - 112, left + 250, bottom - 78), fill=lit)
            for x in (right - 190, right - 110):
                draw.ellipse((x, bottom - 125, x + 60, bottom - 65), fill=(60, 60, 64))
                draw.ellipse((x + 10, bottom - 115, x + 50, bottom - 75), fill=(110, 110, 116))
            _pipe(draw, ((left + right) // 2, 0, (left + right) // 2, top), 70)  # the flue
            if state == "before":
                # Scale weeping from a joint has run down the wall under it.
                mask = _stain(CANVAS, rng, (left + 40, bottom + 60, left + 160, bottom + 220))
                image = _wet(image, mask, (150, 120, 80))
        return image

    return draw_scene


def roof(state: str) -> Scene:
    """A slate roof: slipped and missing slates (before), battens (during), mended (after)."""

    def draw_scene(rng: random.Random) -> Image.Image:
        image = _gradient(CANVAS, (150, 180, 214), (206, 220, 232))
        draw = ImageDraw.Draw(image)
        ridge = 170
        draw.rectangle((0, ridge, CANVAS[0], CANVAS[1]), fill=(40, 42, 48))  # felt under the slates
        stripped = (300, ridge + 260, 820, ridge + 560) if state == "during" else None
        y, course, row = ridge + 40, 46, 0
        while y < CANVAS[1]:
            width = 150 + row * 10
            x = -(width // 2) * (row % 2)
            while x < CANVAS[0]:
                box = (x + 3, y, x + width - 3, y + course + 40)
                hidden = (
                    stripped and stripped[0] < x < stripped[2] and stripped[1] < y < stripped[3]
                )
                gap = state == "before" and rng.random() < 0.035
                if not hidden and not gap:
                    drop = rng.randint(20, 45) if state == "before" and rng.random() < 0.04 else 0
                    slate = _shade((78, 82, 92), rng, 12)
                    draw.rectangle(
                        (box[0], box[1] + drop, box[2], box[3] + drop),
                        fill=slate,
                        outline=(46, 48, 54),
                    )
                    draw.line((box[0], box[3] + drop, box[2], box[3] + drop), (30, 30, 34), 4)
                x += width
            y += course + row * 4
            course += 3
            row += 1
        if stripped:
            draw.rectangle(stripped, fill=(30, 50, 96))  # membrane
            for by in range(stripped[1] + 20, stripped[3], 64):
                draw.rectangle((stripped[0], by, stripped[2], by + 22), fill=(176, 138, 92))
                draw.line((stripped[0], by + 22, stripped[2], by + 22), (110, 80, 50), 3)
        draw.rectangle((0, ridge - 30, CANVAS[0], ridge + 40), fill=(150, 72, 52))  # ridge tiles
        for x in range(0, CANVAS[0], 180):
            draw.line((x, ridge - 30, x, ridge + 40), (110, 50, 38), 4)
        if state == "before":
            mask = _stain(CANVAS, rng, (100, ridge + 100, 600, ridge + 400))
            moss = Image.new("RGB", CANVAS, (70, 88, 42))
            image = Image.composite(moss, image, mask.point(lambda v: v * 2 // 3))
        return image

    return draw_scene


def damp_wall(state: str) -> Scene:
    """A painted wall: damp and mould (before), hacked off to brick (during), replastered."""

    def draw_scene(rng: random.Random) -> Image.Image:
        image = _gradient(CANVAS, (236, 226, 200), (214, 202, 174))
        draw = ImageDraw.Draw(image)
        skirting = CANVAS[1] - 150
        if state == "before":
            mask = _stain(CANVAS, rng, (120, skirting - 330, 980, skirting - 20))
            image = _wet(image, mask, (176, 150, 100))
            draw = ImageDraw.Draw(image)
            for _ in range(700):
                # Mould gathers in the cold corner by the skirting.
                x, y = int(abs(rng.gauss(0, 160))) + 40, skirting - int(abs(rng.gauss(0, 110)))
                r = rng.randint(1, 4)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=(40, 44, 36))
        if state == "during":
            top = skirting - 420
            draw.rectangle((0, top, CANVAS[0], skirting), fill=(160, 80, 60))
            for row, y in enumerate(range(top, skirting, 38)):
                for x in range(-(60 * (row % 2)), CANVAS[0], 120):
                    draw.rectangle(
                        (x + 4, y + 4, x + 116, y + 34), fill=_shade((168, 84, 60), rng, 14)
                    )
            draw.line((0, top, CANVAS[0], top), (200, 190, 170), 12)
        if state == "after":
            draw.rectangle((0, skirting - 420, CANVAS[0], skirting), fill=(240, 234, 216))
        draw.rectangle((0, skirting, CANVAS[0], skirting + 70), fill=(244, 244, 240))
        draw.line((0, skirting + 4, CANVAS[0], skirting + 4), (200, 200, 196), 4)
        draw.rectangle((0, skirting + 70, CANVAS[0], CANVAS[1]), fill=(120, 92, 66))  # floorboards
        for x in range(0, CANVAS[0], 140):
            draw.line((x, skirting + 70, x - 40, CANVAS[1]), (90, 68, 48), 3)
        return image

    return draw_scene
