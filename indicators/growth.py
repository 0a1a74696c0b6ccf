"""Look-ups, changes and growth of one indicator: base, target, change, multiple, CAGR, projection.

>>> from indicators.catalog import load_default_table
>>> required_cagr(load_default_table().get("5G基站数量")).value
27.02
"""

from __future__ import annotations

from indicators.model import PP_UNIT, QUALIFIER_BOUND_TEXT, Figure, Indicator
from indicators.numbers import NOMINAL_YEARS, _base_note, _check_positive, _join, fmt, r2

# ---------------------------------------------------------------- look-ups and simple changes


def lookup_base(ind: Indicator) -> Figure:
    """The base value (2020, or 2019 where the table marks it with ``*``).

    >>> from indicators.catalog import load_default_table
    >>> lookup_base(load_default_table().get("数据中心总机架数")).value
    8620.0
    """
    note = f"基期为{ind.base_year}年数据" if ind.base_year != ind.target_year - NOMINAL_YEARS else ""
    if ind.override_base:
        note = _join(note, f"测算依据另给出{ind.override_base[0]}年估算值{fmt(ind.override_base[1])}")
    return Figure(
        ind.name,
        "base",
        ind.base_value,
        ind.unit,
        f"{ind.base_year}年={fmt(ind.base_value)}",
        {"year": ind.base_year, "base": ind.base_value},
        note,
        ind.base_year,
        ind.base_value,
    )


def lookup_target(ind: Indicator) -> Figure:
    """The target value; the note carries the qualifier (以上 / 左右).

    >>> from indicators.catalog import load_default_table
    >>> f = lookup_target(load_default_table().get("数据中心总机架数")); f.value, f.note
    (18000.0, '目标为18000以上（不低于18000）')
    """
    note = ""
    if ind.target_qualifier in QUALIFIER_BOUND_TEXT:
        note = f"目标为{ind.target_text}（{QUALIFIER_BOUND_TEXT[ind.target_qualifier]}{fmt(ind.target_value)}）"
    elif ind.target_qualifier == "approximately":
        note = f"目标为{ind.target_text}（约{fmt(ind.target_value)}）"
    return Figure(
        ind.name,
        "target",
        ind.target_value,
        ind.unit,
        f"{ind.target_year}年目标={ind.target_text}",
        {"year": ind.target_year, "target": ind.target_value, "qualifier": ind.target_qualifier},
        note,
        ind.target_year,
        ind.target_value,
    )


def change(ind: Indicator) -> Figure:
    """Absolute change target − base (percentage points for % indicators).

    >>> from indicators.catalog import load_default_table
    >>> change(load_default_table().get("5G基站数量")).value
    20928.0
    """
    exact = ind.target_value - ind.base_value
    unit = PP_UNIT if ind.is_percent else ind.unit
    return Figure(
        ind.name,
        "change",
        r2(exact),
        unit,
        f"{fmt(ind.target_value)}-{fmt(ind.base_value)}",
        {
            "base": ind.base_value,
            "target": ind.target_value,
            "base_year": ind.base_year,
            "target_year": ind.target_year,
        },
        _join(_base_note(ind), _qual_note(ind)),
        ind.target_year,
        exact,
    )


def change_pct(ind: Indicator) -> Figure:
    """Relative change (target ÷ base − 1) in %.

    >>> from indicators.catalog import load_default_table
    >>> change_pct(load_default_table().get("网络零售额")).value
    33.98
    """
    _check_positive(ind.base_value, "基期值", "base value")
    exact = (ind.target_value / ind.base_value - 1) * 100
    return Figure(
        ind.name,
        "change_pct",
        r2(exact),
        "%",
        f"{fmt(ind.target_value)}/{fmt(ind.base_value)}-1",
        {"base": ind.base_value, "target": ind.target_value},
        _join(_base_note(ind), _qual_note(ind)),
        ind.target_year,
        exact,
    )


def pp_change(ind: Indicator) -> Figure:
    """Percentage-point change of a % indicator.

    >>> from indicators.catalog import load_default_table
    >>> pp_change(load_default_table().get("移动支付活跃用户普及率")).value
    15.0

    Raises:
        ValueError: the indicator is not measured in %.
    """
    if not ind.is_percent:
        raise ValueError(
            f"百分点变化只适用于百分比指标，“{ind.name}”的单位是{ind.unit or '无'} / "
            f"pp_change needs a % indicator; {ind.name} is measured in {ind.unit or 'no unit'}"
        )
    fig = change(ind)
    return Figure(
        fig.indicator, "pp_change", fig.value, PP_UNIT, fig.formula, fig.inputs, fig.note, fig.year, fig.exact
    )


def multiple(ind: Indicator) -> Figure:
    """Target ÷ base.

    >>> from indicators.catalog import load_default_table
    >>> multiple(load_default_table().get("软件和信息服务业营业收入")).value
    2.5
    """
    _check_positive(ind.base_value, "基期值", "base value")
    exact = ind.target_value / ind.base_value
    return Figure(
        ind.name,
        "multiple",
        r2(exact),
        "倍",
        f"{fmt(ind.target_value)}/{fmt(ind.base_value)}",
        {"base": ind.base_value, "target": ind.target_value},
        _join(_base_note(ind), _qual_note(ind)),
        ind.target_year,
        exact,
    )


def _qual_note(ind: Indicator) -> str:
    return f"目标为{ind.target_text}" if ind.target_qualifier != "exact" else ""


# ---------------------------------------------------------------- growth


def rate_text(rate_pct: float) -> str:
    """An annual rate in words: a negative rate is a fall, not "growth of −4%".

    >>> rate_text(27.0234), rate_text(-4.3591)
    ('年均增长27.02%', '年均下降4.36%')
    """
    if rate_pct < 0:
        return f"年均下降{fmt(r2(-rate_pct))}%"
    return f"年均增长{fmt(r2(rate_pct))}%"


def cagr_pct(start: float, end: float, years: int) -> float:
    """Compound annual growth rate in % from ``start`` to ``end`` over ``years``.

    >>> round(cagr_pct(9072, 30000, 5), 4)
    27.0234

    Raises:
        ValueError: start or end not positive, or years < 1.
    """
    _check_positive(start, "起始值", "start value")
    _check_positive(end, "目标值", "end value")
    if years < 1:
        raise ValueError(f"年数须至少为1，当前为{years} / years must be at least 1. Currently, years is {years}")
    return ((end / start) ** (1 / years) - 1) * 100


def required_cagr(ind: Indicator) -> Figure:
    """Annual growth needed from the base to the target, over the real number of years.

    >>> from indicators.catalog import load_default_table
    >>> required_cagr(load_default_table().get("数字经济增加值")).inputs["years"]
    6
    """
    exact = cagr_pct(ind.base_value, ind.target_value, ind.years)
    notes = [_base_note(ind), _qual_note(ind)]
    if ind.override_base:
        y0, v0 = ind.override_base
        alt = cagr_pct(v0, ind.target_value, ind.target_year - y0)
        notes.append(f"若按{y0}年估算值{fmt(v0)}计，需{rate_text(alt)}")
    if ind.is_percent:
        notes.append("百分比指标的相对增速；按百分点计见annual_increment")
    if exact < 0:
        notes.append(f"目标低于基期，{rate_text(exact)}")
    return Figure(
        ind.name,
        "cagr",
        r2(exact),
        "%",
        f"({fmt(ind.target_value)}/{fmt(ind.base_value)})^(1/{ind.years})-1",
        {"base": ind.base_value, "target": ind.target_value, "years": ind.years, "base_year": ind.base_year},
        _join(*notes),
        ind.target_year,
        exact,
    )


def annual_increment(ind: Indicator) -> Figure:
    """Linear step per year from base to target (个百分点 for % indicators).

    >>> from indicators.catalog import load_default_table
    >>> annual_increment(load_default_table().get("数字经济核心产业国家高新技术企业")).value
    40.0
    """
    exact = (ind.target_value - ind.base_value) / ind.years
    unit = PP_UNIT if ind.is_percent else ind.unit
    return Figure(
        ind.name,
        "annual_increment",
        r2(exact),
        unit,
        f"({fmt(ind.target_value)}-{fmt(ind.base_value)})/{ind.years}",
        {"base": ind.base_value, "target": ind.target_value, "years": ind.years},
        _base_note(ind),
        ind.target_year,
        exact,
    )


def projection(
    ind: Indicator,
    rate_pct: float | None = None,
    increment: float | None = None,
    year: int | None = None,
    from_year: int | None = None,
    from_value: float | None = None,
) -> Figure:
    """Value reached in ``year`` under a growth rate or an annual increment.

    Without ``rate_pct``/``increment`` the row's own 测算依据 is used. The start is the table
    base, or the basis's stated estimate (数字经济增加值: 2020年估算3250), or an explicit
    ``from_year``/``from_value``.

    >>> from indicators.catalog import load_default_table
    >>> projection(load_default_table().get("规上数字经济核心制造业增加值"), rate_pct=12).value
    288.5

    Raises:
        ValueError: both or neither of rate/increment (and the basis states none), year not after
            the start year, or a rate ≤ −100%.
    """
    if rate_pct is not None and increment is not None:
        raise ValueError("增长率与年增量只能给一个 / give either rate_pct or increment, not both")
    basis = ind.basis_parsed
    source = "given"
    if rate_pct is None and increment is None:
        source = "basis"
        if basis.kind == "growth_rate":
            rate_pct = basis.rate_pct
        elif basis.kind == "increment":
            increment = basis.amount
        elif basis.kind == "pp_increment":
            increment = basis.pp
        else:
            raise ValueError(
                f"“{ind.name}”的测算依据未给出增长率或年增量（{ind.basis}） / the basis of "
                f"{ind.name} states no growth rate or annual increment"
            )
    notes: list[str] = []
    if from_year is None and from_value is None:
        if ind.override_base and rate_pct is not None:
            from_year, from_value = ind.override_base
            notes.append(
                f"按测算依据所给{from_year}年估算值{fmt(from_value)}起算"
                f"（表中{fmt(ind.base_value)}为{ind.base_year}年数据）"
            )
        else:
            from_year, from_value = ind.base_year, ind.base_value
            notes.append(_base_note(ind))
    elif from_year is None or from_value is None:
        raise ValueError("from_year与from_value须同时给出 / from_year and from_value go together")
    year = ind.target_year if year is None else year
    if year <= from_year:
        raise ValueError(
            f"测算年份须晚于起始年份{from_year}，当前为{year} / year must be after {from_year}. "
            f"Currently, year is {year}"
        )
    years = year - from_year
    inputs: dict[str, float | int | str] = {
        "start": from_value,
        "start_year": from_year,
        "year": year,
        "years": years,
        "target": ind.target_value,
        "source": source,
    }
    if rate_pct is not None:
        if rate_pct <= -100:
            raise ValueError(
                f"增长率须大于-100%，当前为{fmt(rate_pct)}% / rate_pct must be greater than -100. "
                f"Currently, rate_pct is {fmt(rate_pct)}"
            )
        exact = from_value * (1 + rate_pct / 100) ** years
        formula = f"{fmt(from_value)}×(1+{fmt(rate_pct)}%)^{years}"
        inputs["rate_pct"] = rate_pct
    else:
        assert increment is not None
        exact = from_value + increment * years
        step_unit = PP_UNIT if ind.is_percent else ind.unit
        formula = f"{fmt(from_value)}+{fmt(increment)}×{years}"
        inputs["increment"] = increment
        inputs["increment_unit"] = step_unit
    if year == ind.target_year:
        diff = exact - ind.target_value
        notes.append(f"与{ind.target_year}年目标{ind.target_text}相差{fmt(r2(diff))}")
        inputs["diff_to_target"] = r2(diff)
    return Figure(ind.name, "projection", r2(exact), ind.unit, formula, inputs, _join(*notes), year, exact)
