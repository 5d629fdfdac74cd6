"""Small generated pictures for the demo: an activity photo (a banner over a crowd of heads)
and a receipt (lines of text and a red seal). Drawn with Pillow from the demo's random
generator, so the same seed gives the same files; they go through the attachment services
like any upload (checked, re-encoded, thumbnailed)."""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw


def _jpeg(image: Image.Image, name: str) -> SimpleUploadedFile:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def activity_photo(rng: random.Random, name: str = "activity.jpg") -> SimpleUploadedFile:
    """A 640×480 scene: a wall, a red banner (横幅) and rows of people."""
    wall = (rng.randint(200, 240), rng.randint(200, 240), rng.randint(200, 240))
    image = Image.new("RGB", (640, 480), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(150, 130, 110))  # the floor
    draw.rectangle((80, 40, 560, 100), fill=(200, 30, 30))  # the banner
    for x in range(110, 540, 28):
        draw.rectangle((x, 62, x + 16, 78), fill=(250, 220, 80))  # its characters
    for row, y in enumerate((250, 300, 350)):
        for x in range(30 + row * 12, 620, 52):
            shirt = (rng.randint(30, 220), rng.randint(30, 220), rng.randint(30, 220))
            draw.rectangle((x - 16, y + 18, x + 16, y + 80), fill=shirt)
            draw.ellipse((x - 13, y - 10, x + 13, y + 18), fill=(235, 200, 170))
            draw.chord((x - 14, y - 12, x + 14, y + 12), 180, 360, fill=(30, 25, 20))
    return _jpeg(image, name)


def receipt(rng: random.Random, name: str = "receipt.jpg") -> SimpleUploadedFile:
    """A 360×520 paper receipt: ruled lines of writing and a round red seal."""
    image = Image.new("RGB", (360, 520), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 340, 60), outline=(60, 60, 60), width=2)
    for y in range(90, 420, 30):
        draw.line((24, y + 18, 336, y + 18), fill=(200, 200, 200))
        width = rng.randint(120, 300)
        draw.rectangle((30, y, 30 + width, y + 10), fill=(70, 70, 90))
    cx, cy = rng.randint(220, 280), rng.randint(400, 440)
    draw.ellipse((cx - 50, cy - 50, cx + 50, cy + 50), outline=(210, 30, 30), width=5)
    draw.regular_polygon((cx, cy, 18), 5, fill=(210, 30, 30))
    return _jpeg(image, name)
