"""Red seals over black print: found by their share of red pixels, removed by reading the red channel."""
import numpy as np

from verifiers.documents.seal import has_red_ink, red_mask, suppress_red

PAPER, INK, SEAL = (245, 245, 240), (20, 20, 20), (220, 40, 50)


def _page(seal_pixels: int = 0) -> np.ndarray:
    page = np.full((200, 200, 3), PAPER, dtype=np.uint8)
    page[50:60, 20:180] = INK  # a line of print
    if seal_pixels:
        side = int(seal_pixels ** 0.5)
        page[100:100 + side, 100:100 + side] = SEAL
    return page


def test_red_ink_is_told_from_paper_and_print():
    mask = red_mask(_page(400))
    assert mask[105, 105] and not mask[55, 50] and not mask[0, 0]
    # pink (a phone's uneven light) still counts; a warm grey does not
    assert red_mask(np.array([[[230, 150, 160], [150, 120, 110]]], dtype=np.uint8)).tolist() == [[True, False]]


def test_a_page_is_stamped_when_enough_of_it_is_red():
    assert has_red_ink(_page(400))
    assert not has_red_ink(_page(0))
    assert not has_red_ink(_page(16))  # a speck is not a seal


def test_suppressing_keeps_print_dark_and_turns_the_seal_to_paper():
    page = _page(400)
    page[102:104, 100:120] = INK  # print under the seal
    out = suppress_red(page)
    assert out.shape == page.shape and out.flags["C_CONTIGUOUS"]
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    assert out[110, 110, 0] > 200  # the seal reads as paper
    assert out[103, 110, 0] < 50 and out[55, 50, 0] < 50  # print stays dark, under the seal too
