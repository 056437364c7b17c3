"""The theme: every text/background pair has enough contrast, and every colour is CUD."""

from __future__ import annotations

import pytest

from kiosk import theme
from kiosk.i18n import Language
from kiosk.theme import HIGH_CONTRAST, STANDARD, Palette, Theme, contrast_ratio

CUD = {
    theme.RED,
    theme.YELLOW,
    theme.GREEN,
    theme.BLUE,
    theme.SKY,
    theme.ORANGE,
    theme.PURPLE,
    theme.BROWN,
    theme.LIGHT_PINK,
    theme.CREAM,
    theme.LIGHT_SKY,
    theme.LIGHT_GREEN,
    theme.WHITE,
    theme.LIGHT_GREY,
    theme.GREY,
    theme.BLACK,
}


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio(theme.BLACK, theme.WHITE) == pytest.approx(21.0)
    assert contrast_ratio(theme.WHITE, theme.WHITE) == pytest.approx(1.0)
    assert contrast_ratio((119, 119, 119), theme.WHITE) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=lambda p: p.name)
def test_every_text_pair_has_enough_contrast(palette: Palette) -> None:
    failing = {
        name: round(contrast_ratio(text, background), 2)
        for name, text, background in palette.text_pairs()
        if contrast_ratio(text, background) < palette.minimum_contrast
    }
    assert failing == {}


def test_high_contrast_asks_for_seven_to_one() -> None:
    assert STANDARD.minimum_contrast == 4.5
    assert HIGH_CONTRAST.minimum_contrast == 7.0


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=lambda p: p.name)
def test_every_colour_is_from_the_cud_set(palette: Palette) -> None:
    looks = [palette.page, palette.bar, palette.panel, palette.notice, palette.message]
    looks += [*palette.buttons.values(), *palette.pressed.values()]
    colours = {c for look in looks for c in (look.fill, look.text, look.border)}
    colours |= {palette.speaking, palette.level}
    assert colours - CUD == set()


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=lambda p: p.name)
def test_a_pressed_button_looks_different(palette: Palette) -> None:
    for kind, look in palette.buttons.items():
        pressed = palette.pressed[kind]
        assert (pressed.fill, pressed.border_px) != (look.fill, look.border_px)


def test_go_and_stop_never_share_a_colour() -> None:
    for palette in (STANDARD, HIGH_CONTRAST):
        go, stop = palette.buttons[theme.Kind.GO], palette.buttons[theme.Kind.STOP]
        assert (go.fill, go.border) != (stop.fill, stop.border)


@pytest.mark.parametrize("large", [False, True])
def test_body_text_is_at_least_24_px_and_targets_at_least_80(large: bool) -> None:
    t = Theme(STANDARD, Language.JA, large_text=large)
    assert t.body_px >= 24
    assert t.target_px >= theme.MIN_TARGET_PX
    assert t.gap_px >= theme.MIN_GAP_PX
    assert t.target_px * theme.MM_PER_PX >= 15.0 * 1.3


def test_no_font_is_a_mincho_or_song_face() -> None:
    for families in theme.FONT_FAMILIES.values():
        assert not [f for f in families if "Serif" in f or "Mincho" in f or "Song" in f]
        assert families[0].startswith("Noto Sans CJK")


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=lambda p: p.name)
def test_every_control_edge_has_three_to_one_on_every_background_it_sits_on(
    palette: Palette,
) -> None:
    # WCAG 1.4.11: a control's boundary, resting or pressed, on the page, the bars and panels.
    pairs = palette.edge_pairs()
    assert len(pairs) == 2 * len(theme.Kind) * 3
    failing = {
        name: round(contrast_ratio(edge, background), 2)
        for name, edge, background in pairs
        if contrast_ratio(edge, background) < 3.0
    }
    assert failing == {}


def test_neutral_button_edges_on_the_light_blue_bars_reach_three_to_one() -> None:
    neutral = STANDARD.buttons[theme.Kind.NEUTRAL]
    assert STANDARD.bar.fill == theme.LIGHT_SKY
    assert contrast_ratio(neutral.border, STANDARD.bar.fill) >= 3.0


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=lambda p: p.name)
def test_a_panel_never_looks_like_a_button(palette: Palette) -> None:
    # A box with the fill of a button must at least have a thinner, dashed, other-coloured edge.
    for panel in (palette.panel, palette.notice, palette.message):
        for kind, button in palette.buttons.items():
            if panel.fill != button.fill:
                continue
            assert panel.dashed, (panel, kind)
            assert panel.border_px < button.border_px, (panel, kind)
            assert panel.border != button.border, (panel, kind)


def test_high_contrast_panels_are_dashed_and_thin_while_buttons_are_solid_and_thick() -> None:
    panels = (HIGH_CONTRAST.panel, HIGH_CONTRAST.notice, HIGH_CONTRAST.message)
    assert all(look.dashed and look.border_px <= 2 for look in panels)
    assert all(not look.dashed and look.border_px >= 4 for look in HIGH_CONTRAST.buttons.values())
