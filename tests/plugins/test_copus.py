"""COPUS: sheets (CSV, XLSX), fractions and collapsed categories by hand, pooling, bad sheets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlens import InputError, measure
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.pipeline.measure import detect_scheme, measure_many
from lessonlens.pipeline.pooling import pooled_fractions
from lessonlens.plugins.coders.copus import SCHEME
from lessonlens.plugins.metrics.copus import copus_values

EIGHT = "S.L,S.Ind,S.AnQ,S.SQ,I.Lec,I.PQ,I.D/V,I.MG"
ROWS = ("1,1,0,0,0,1,0,0,0,intro", "2,1,0,1,0,1,1,0,0,", "3,x,,,x,x,,x,,demo", "4,✓,✓,,,,,,✓,")


@pytest.fixture
def eight(tmp_path: Path) -> Path:
    path = tmp_path / "copus8.csv"
    path.write_text(f"interval,{EIGHT},comment\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def test_sheet_with_eight_codes_mixing_tick_styles(eight: Path) -> None:
    assert detect_scheme(eight) == "copus"
    m = measure(eight)
    s = m.scalars
    assert m.scheme == "copus" and m.n_samples == 4 and m.interval == 120.0
    assert s["copus_s_l"] == 1.0 and s["copus_s_ind"] == 0.25 and s["copus_i_lec"] == 0.75
    assert s["copus_i_dv"] == 0.25 and s["copus_i_mg"] == 0.25 and s["copus_s_anq"] == 0.25
    # codes without a column are not coded, never zero
    assert s["copus_s_cg"] is None and s["copus_i_cq"] is None and s["copus_s_gw"] is None
    assert "I.CQ" in str(s["copus_not_coded"]) and "S.L" not in str(s["copus_not_coded"])
    # collapsed: receiving = L (4/4); talking = AnQ|SQ (intervals 2, 3); working = Ind (4);
    # presenting = Lec|D/V (1, 2, 3); guiding = PQ|MG (2, 4); administration: Adm not coded
    assert (s["copus_s_receiving"], s["copus_s_talking"], s["copus_s_working"]) == (1.0, 0.5, 0.25)
    assert (s["copus_i_presenting"], s["copus_i_guiding"], s["copus_i_administration"]) == (0.75, 0.5, None)
    assert "copus_s_talking" in str(s["copus_partial"]) and "copus_s_receiving" not in str(s["copus_partial"])
    # how many codes of each group the sheet lacks: a low fraction of an incomplete group is no "none"
    assert (s["copus_s_talking_uncoded"], s["copus_s_gw_uncoded"], s["copus_s_receiving_uncoded"]) == (2, 3, 0)
    # the pies: ticks per category over all ticks of the side (students: L 4, AnQ+SQ 2, Ind 1)
    assert m.shares["copus_pie_students"] == {"receiving": round(4 / 7, 6), "talking": round(2 / 7, 6),
                                              "working": round(1 / 7, 6)}
    assert m.shares["copus_pie_instructor"] == {"presenting": round(4 / 6, 6), "guiding": round(2 / 6, 6)}
    # the generic one-code metrics (S-T, shares) do not measure a multi-code scheme
    assert "rt" not in s and "code_shares" not in m.shares


def test_time_column_and_xlsx_read_the_same(eight: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["time", *EIGHT.split(","), "comment"])
    for row in ROWS:
        cells = row.split(",")
        ws.append([(int(cells[0]) - 1) * 2, *[1 if c in ("1", "x", "✓") else None for c in cells[1:-1]], cells[-1]])
    book.save(tmp_path / "copus8.xlsx")
    from_csv, from_xlsx = measure(eight), measure(tmp_path / "copus8.xlsx")
    assert from_xlsx.scalars == from_csv.scalars and from_xlsx.shares == from_csv.shares


def test_group_work_is_derived_from_cg_wg_og(tmp_path: Path) -> None:
    path = tmp_path / "gw.csv"
    path.write_text("interval,S.CG,S.WG,I.Lec\n1,1,0,1\n2,0,1,0\n3,0,0,1\n4,0,0,1\n")
    s = measure(path).scalars
    assert s["copus_s_gw"] == 0.5 and s["copus_s_cg"] == 0.25 and s["copus_s_og"] is None
    assert s["copus_s_gw_uncoded"] == 1  # OG not coded: 0.5 is a lower bound


@pytest.mark.parametrize(("text", "message"), [
    ("interval,S.L,S.Foo\n1,1,0\n", "line 1, column 3 (s.foo): unknown COPUS code column"),
    ("interval,S.L,I.Lec\n1,1,maybe\n", "line 2, column 3 (i.lec): cell 'maybe' must be 1/0, x/blank or ✓/blank"),
    ("interval,S.L\n1,1\n2,0\n4,1\n", "line 4, column 1 (interval): intervals are not consecutive: 3 should follow"),
    ("time,S.L\n0,1\n2,0\n6,1\n", "line 4, column 1 (time): intervals are not consecutive: 4 should follow"),
    ("interval,S.CG,S.GW\n1,1,1\n", "line 1, column 3 (s.gw): GW is derived from CG, WG and OG"),
    ("minute,S.L\n1,1\n", "the first column must be interval"),
])
def test_bad_sheets_give_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        measure(path, scheme="copus")
    shown = err.value.message("en")
    assert message in shown and str(path) in shown and "\n" not in shown


def test_pooled_and_mean_of_lessons(eight: Path, tmp_path: Path) -> None:
    other = tmp_path / "b.csv"
    other.write_text("interval,S.L,I.Lec\n1,0,1\n2,0,1\n")
    pooled = {p.metric: p for p in pooled_fractions(measure_many([eight, other]))}
    # S.L: 4 of 4 and 0 of 2 -> pooled 4/6, mean of lessons (1 + 0) / 2
    assert pooled["copus_s_l"].pooled == round(4 / 6, 6) and pooled["copus_s_l"].mean_of_lessons == 0.5
    # I.Lec: 3/4 and 2/2 -> pooled 5/6, mean 0.875; S.Ind only in the first lesson
    assert pooled["copus_i_lec"].pooled == round(5 / 6, 6) and pooled["copus_i_lec"].mean_of_lessons == 0.875
    assert pooled["copus_s_ind"].lessons == 1 and pooled["copus_s_cg"].pooled is None


ticks = st.lists(st.dictionaries(st.sampled_from([c.id for c in SCHEME.codes]), st.booleans()), min_size=1,
                 max_size=12)


@settings(max_examples=40, deadline=None)
@given(st.lists(ticks, min_size=1, max_size=4))
def test_fractions_in_range_and_pooled_is_weighted_mean(lessons: list[list[dict[str, bool]]]) -> None:
    codes = tuple(c.id for c in SCHEME.codes)
    timelines = [CodedTimeline("copus", 120.0, tuple(CodedSample(t=i * 120.0, ticks=t) for i, t in enumerate(rows)))
                 for rows in lessons]
    values = [copus_values(t, codes) for t in timelines]
    for v in values:
        for key, value in v.scalars.items():
            if isinstance(value, float) and key != "duration":
                assert 0.0 <= value <= 1.0, key
    from lessonlens.core.metrics import Metrics

    measured = [Metrics(scheme="copus", interval=120.0, n_samples=len(t.samples), scalars=v.scalars, tables=v.tables)
                for t, v in zip(timelines, values, strict=True)]
    for p in pooled_fractions(measured):
        weights = [(m.scalars[p.metric], n) for m, v in zip(measured, values, strict=True)
                   for metric, _, n in v.tables["copus_counts"].rows if metric == p.metric and n]
        if weights:
            weighted = sum(float(f) * n for f, n in weights) / sum(n for _, n in weights)  # type: ignore[arg-type]
            assert p.pooled == pytest.approx(weighted, abs=1e-5)
        else:
            assert p.pooled is None


def test_agreement_kappa_per_code_and_overall(eight: Path, tmp_path: Path) -> None:
    from lessonlens.pipeline.measure import read_coded_sheet
    from lessonlens.pipeline.tick_agreement import kappa, tick_agreement

    # hand: 2 x 2 table both 1, only A 1, only B 0, neither 2: p_o 3/4, p_a 1/2, p_b 1/4, p_e 1/2 -> κ 0.5
    assert kappa(1, 1, 0, 2) == (0.75, 0.5)
    assert kappa(4, 0, 0, 0) == (1.0, None)
    other = tmp_path / "b.csv"
    other.write_text(f"interval,{EIGHT},S.WC\n" + "\n".join(
        ["1,1,0,0,0,1,1,0,0,0", "2,1,0,1,0,1,1,0,0,0", "3,1,,,,x,,x,,0", "4,✓,✓,,,,,,✓,0"]) + "\n")
    codes = tuple(c.id for c in SCHEME.codes)
    result = tick_agreement(read_coded_sheet(eight), read_coded_sheet(other), codes)
    by_code = {c.code: c for c in result.codes}
    assert by_code["S.L"].kappa is None and by_code["S.L"].agreement == 1.0  # both ticked every interval
    assert by_code["I.PQ"].kappa == 0.5 and by_code["I.PQ"].flagged    # A: 2; B: 1, 2 -> the table above
    assert by_code["S.SQ"].kappa == 0.0 and result.flagged == ("S.SQ", "I.PQ")
    assert result.one_sided == ("S.WC",) and "S.CG" not in by_code
    # overall over the 32 cells: 30 agree; ticks A 13, B 13
    assert result.overall_agreement == round(30 / 32, 6)


def test_agreement_command(eight: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lessonlens.cli import app

    shorter = tmp_path / "short.csv"
    shorter.write_text("interval,S.L\n1,1\n")
    out = CliRunner().invoke(app, ["--lang", "en", "copus", "agree", str(eight), str(eight)])
    assert out.exit_code == 0 and "every code has κ of at least 0.6" in out.output
    bad = CliRunner().invoke(app, ["copus", "agree", str(eight), str(shorter)])
    assert bad.exit_code != 0


def test_video_draft_ticks_what_video_shows_and_leaves_the_rest_uncoded() -> None:
    from lessonlens import CodeRequest, LessonMeta, get_manager
    from lessonlens.core.observations import BehaviourCue, SpeechObservation

    obs: list[object] = []
    for t in range(0, 120, 6):
        obs += [BehaviourCue(t=float(t), actor="teacher", behaviour="lecturing"),
                BehaviourCue(t=float(t), actor="students", behaviour="listening", share=0.9)]
    for t in range(120, 240, 6):
        obs += [BehaviourCue(t=float(t), actor="teacher", behaviour="patrolling"),
                BehaviourCue(t=float(t), actor="students", behaviour="peer_interaction", share=0.8)]
    obs += [SpeechObservation(t=30.0, end=40.0, speaker="teacher", text="今天学习牛顿第二定律。"),
            SpeechObservation(t=50.0, end=52.0, speaker="chorus", text="对！"),  # choral answer: not group work
            SpeechObservation(t=125.0, end=128.0, speaker="teacher", text="为什么加速度和质量成反比？"),
            SpeechObservation(t=129.0, end=133.0, speaker="student", text="因为力一定。")]
    request = CodeRequest(lesson=LessonMeta(id="x"), observations=tuple(obs),  # type: ignore[arg-type]
                          instants=tuple(float(t) for t in range(0, 240, 6)), interval=6.0)
    timeline = get_manager().coder("copus").code(request)
    first, second = (s.ticks for s in timeline.samples)
    assert timeline.interval == 120.0 and [s.t for s in timeline.samples] == [0.0, 120.0]
    assert first["I.Lec"] and first["S.L"] and not first["I.MG"] and not first["I.PQ"] and not first["S.GW"]
    assert second["I.MG"] and second["S.GW"] and second["I.PQ"] and second["S.AnQ"] and not second["I.Lec"]
    assert not {"S.CG", "S.WG", "S.OG", "I.CQ", "I.D/V", "I.Adm"} & set(first)  # never guessed
    s = measure(timeline).scalars
    assert s["copus_s_gw"] == 0.5 and s["copus_s_cg"] is None and s["copus_i_lec"] == 0.5


def test_a_draft_goes_back_to_the_observer_as_a_sheet(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lessonlens import save
    from lessonlens.cli import app
    from lessonlens.pipeline.measure import read_coded_sheet

    rows = [{"I.Lec": True, "S.L": True, "S.GW": False, "I.PQ": False},
            {"I.Lec": False, "S.L": False, "S.GW": True, "I.PQ": True}]
    draft = CodedTimeline("copus", 120.0, tuple(CodedSample(t=i * 120.0, ticks=r) for i, r in enumerate(rows)))
    save(draft, tmp_path / "draft.json")
    out = CliRunner().invoke(app, ["copus", "sheet", str(tmp_path / "draft.json"), "-o", str(tmp_path / "d.csv")])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "d.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "interval,S.L,I.Lec,I.PQ,S.GW,comment"
    back = read_coded_sheet(tmp_path / "d.csv")  # the observer's corrected sheet reads like any other
    assert [dict(s.ticks) for s in back.samples] == rows
