"""The charts' geometry, without a database: bars proportional to ratios, the monthly series, empty data."""

import datetime as dt
from fractions import Fraction

import pytest

from board import charts
from board.charts import LINE_H, LINE_LEFT, LINE_RIGHT, LINE_TOP, PLOT_W, PLOT_X, WIDTH, UnitBar
from tasks.counting import Counts

D = dt.date


def test_bar_widths_are_proportional_to_the_completion_ratios():
    chart = charts.ratio_bars([UnitBar("Sở Tư pháp", 26, 28, "green"), UnitBar("Sở Công Thương", 1, 2, "red"),
                               UnitBar("Xã A", 0, 0)])
    widths = [b.width for b in chart.bars]
    assert widths[0] == pytest.approx(PLOT_W * 26 / 28)
    assert widths[1] == pytest.approx(PLOT_W / 2)
    assert widths[2] == 0  # no task counts: no bar, and no division by zero
    assert [b.value_text for b in chart.bars] == ["92,86%", "50,00%", "—"]
    assert [b.css for b in chart.bars] == ["grade-green", "grade-red", "grade-none"]
    assert chart.bars[0].title == "Sở Tư pháp: 26/28 = 92,86%"
    assert chart.bars[1].y > chart.bars[0].y and chart.hidden == 0
    assert "Sở Tư pháp 92,86%" in chart.summary


def test_the_axis_runs_from_0_to_100_percent_in_vietnamese_form():
    ticks = charts.ratio_bars([UnitBar("A", 1, 1)]).ticks
    assert [t.label for t in ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert (ticks[0].at, ticks[-1].at) == (PLOT_X, PLOT_X + PLOT_W)


def test_with_many_units_only_the_lowest_are_drawn_in_the_tables_order():
    units = [UnitBar(f"U{i:02}", 50 - i, 50) for i in range(45)]  # U00 is the highest, U44 the lowest
    chart = charts.ratio_bars(units)
    assert chart.hidden == 5 and len(chart.bars) == 40
    assert [b.label for b in chart.bars] == [f"U{i:02}" for i in range(5, 45)]


def test_status_stacks_split_the_counted_tasks_and_leave_cancelled_ones_out():
    counts = Counts(total=12, done_on_time=5, done_late=1, in_progress=2, not_started=0, overdue=2, cancelled=2)
    chart = charts.status_stacks([("1. Chỉ đạo", counts), ("Khác", Counts())])
    segments = chart.stacks[0].segments
    assert [s.css for s in segments] == ["done_on_time", "done_late", "in_progress", "overdue"]  # zero: no segment
    assert [s.width for s in segments] == pytest.approx([PLOT_W * n / 10 for n in (5, 1, 2, 2)])
    assert segments[0].x == PLOT_X and segments[1].x == pytest.approx(PLOT_X + PLOT_W / 2)
    assert sum(s.width for s in segments) == pytest.approx(PLOT_W)
    assert chart.stacks[1].segments == [] and chart.stacks[1].counted == 0
    assert segments[-1].title.endswith("2/10 = 20,00%")


def test_the_monthly_series_at_each_month_end_and_at_the_cut_off():
    per_day = {"done": {D(2024, 1, 10): 1, D(2024, 2, 29): 1, D(2024, 4, 20): 1},
               "cancelled": {D(2024, 3, 5): 1},
               "due": {D(2024, 1, 31): 2, D(2024, 3, 31): 1, D(2024, 6, 30): 2}}
    points = charts.month_points(2024, D(2024, 4, 15), per_day, total=5)
    assert [p.day for p in points] == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 15)]
    assert [p.actual for p in points] == [Fraction(1, 5), Fraction(2, 5), Fraction(2, 4), Fraction(2, 4)]
    assert [p.planned for p in points] == [Fraction(2, 5), Fraction(2, 5), Fraction(3, 4), Fraction(3, 4)]


def test_a_task_cancelled_without_a_date_leaves_every_months_denominator():
    points = charts.month_points(2024, D(2024, 2, 29), {"done": {D(2024, 1, 2): 1}}, total=3, undated_cancelled=1)
    assert [p.actual for p in points] == [Fraction(1, 2), Fraction(1, 2)]


def test_a_past_year_runs_to_december_and_a_cut_off_before_the_year_has_no_point():
    assert len(charts.checkpoints(2024, D(2025, 3, 1))) == 12
    assert charts.checkpoints(2024, D(2024, 12, 31))[-1] == D(2024, 12, 31)
    assert charts.checkpoints(2024, D(2023, 12, 1)) == []


def test_empty_data_draws_nothing_and_divides_by_nothing():
    points = charts.month_points(2024, D(2024, 6, 30), {"done": {}, "cancelled": {}, "due": {}}, total=0)
    assert all(p.actual is None and p.planned is None for p in points) and len(points) == 6
    chart = charts.month_chart(2024, points)
    assert chart.actual == "" and chart.dots == []
    assert charts.ratio_bars([]).bars == [] and charts.status_stacks([]).stacks == []
    everything_cancelled = charts.month_points(2024, D(2024, 1, 31), {"cancelled": {D(2024, 1, 5): 2}}, total=2)
    assert everything_cancelled[0].actual is None


def test_the_line_chart_places_days_and_shares_on_the_plot():
    assert charts.day_x(2024, D(2024, 1, 1)) == LINE_LEFT
    assert charts.day_x(2024, D(2024, 12, 31)) == WIDTH - LINE_RIGHT
    assert charts.share_y(Fraction(1)) == LINE_TOP and charts.share_y(Fraction(0)) == LINE_TOP + LINE_H
    assert charts.share_y(Fraction(3, 2)) == LINE_TOP  # more due than counted is clipped at 100%
    chart = charts.month_chart(2024, [charts.MonthPoint(D(2024, 12, 31), Fraction(1, 2), Fraction(1))])
    assert chart.actual == f"{WIDTH - LINE_RIGHT:.1f},{LINE_TOP + LINE_H / 2:.1f}"
    assert chart.dots[0].title.endswith("31/12/2024: 50,00%")
    assert [t.label for t in chart.x_ticks] == [str(m) for m in range(1, 13)]
    assert "50,00%" in chart.summary and "100,00%" in chart.summary
