"""Every text a report shows, in Chinese and English, in one place."""

from __future__ import annotations

from lessonlens.core.i18n import Text
from lessonlens.core.plugins import get_manager
from lessonlens.core.timeline import BEHAVIOUR_LABELS

#: behaviour labels as the data model writes them
BEHAVIOURS: dict[str, Text] = dict(BEHAVIOUR_LABELS)



def modes() -> dict[str, Text]:
    """The teaching modes' labels as the S-T metric declares them, capitalised for headings."""
    field = get_manager().metric_fields().get("mode")
    values = field.values if field is not None else {}
    return {k: Text(zh=v.zh, en=v.en[:1].upper() + v.en[1:]) for k, v in values.items()}

REPORT_TITLES: dict[str, Text] = {
    "lesson": Text(zh="教师课堂教学行为分析报告", en="Classroom Teaching Behaviour Report"),
    "compare": Text(zh="不同教师的课堂教学行为对比分析报告", en="Comparison of Classroom Teaching Behaviour"),
    "period": Text(zh="教师周期课堂教学行为分析报告", en="Periodic Classroom Teaching Behaviour Report"),
    "rubric-design": Text(zh="基于量规评分的教学设计能力分析报告", en="Rubric-based Teaching Design Report"),
    "rubric-teaching": Text(zh="基于量规评分的课堂教学能力分析报告", en="Rubric-based Classroom Teaching Report"),
}

CHARTS: dict[str, Text] = {
    "timeline": Text(zh="教学行为时序图", en="Behaviour timeline"),
    "rose": Text(zh="教学行为分布玫瑰图", en="Behaviour distribution (rose chart)"),
    "participation": Text(zh="课堂参与度曲线", en="Participation curve"),
    "consistency": Text(zh="表现度曲线", en="Consistency curve"),
    "attention": Text(zh="关注度曲线", en="Attention curve"),
    "st": Text(zh="S-T 图", en="S-T chart"),
    "rtch": Text(zh="Rt-Ch 图", en="Rt-Ch chart"),
    "shares": Text(zh="行为占比对比", en="Behaviour shares side by side"),
    "trend": Text(zh="指标趋势", en="Metric trends"),
    "share_trend": Text(zh="行为占比趋势", en="Behaviour share trends"),
    "rubric_trend": Text(zh="量规总分得分率趋势", en="Rubric overall score share"),
    "modes": Text(zh="教学模式分布", en="Teaching modes"),
    "copus_instructor": Text(zh="COPUS 教师行为", en="COPUS instructor codes"),
    "copus_students": Text(zh="COPUS 学生行为", en="COPUS student codes"),
    "copus_pie_instructor": Text(zh="COPUS 教师行为归并类", en="COPUS instructor, collapsed"),
    "copus_pie_students": Text(zh="COPUS 学生行为归并类", en="COPUS students, collapsed"),
    "itias_matrix": Text(zh="ITIAS 互动矩阵热力图", en="ITIAS interaction matrix (heat map)"),
    "itias_curves": Text(zh="ITIAS 四类行为动态曲线", en="ITIAS dynamic curves of the four groups"),
}

CAPTIONS: dict[str, Text] = {
    "copus_instructor": Text(zh="每个编码被勾选的 2 分钟区间所占比例（Smith 等 2013）；“未编码”表示该表没有这一列。",
                             en="Fraction of the 2-minute intervals in which each code was ticked (Smith et al. "
                             "2013); 'not coded': the sheet has no column for it."),
    "copus_students": Text(zh="同上；GW = CG、WG 或 OG 任一（Lund 等 2015）。",
                           en="As above; GW = any of CG, WG or OG (Lund et al. 2015)."),
    "copus_pie_instructor": Text(zh="各归并类的勾选数占教师全部勾选的比例（Smith 等 2014）。",
                                 en="Each collapsed category's ticks over all instructor ticks (Smith et al. 2014)."),
    "copus_pie_students": Text(zh="各归并类的勾选数占学生全部勾选的比例（Smith 等 2014）。",
                               en="Each collapsed category's ticks over all student ticks (Smith et al. 2014)."),
    "itias_matrix": Text(zh="行为前一采样点的编码，列为后一采样点的编码；颜色越深次数越多，对角线为稳态格。",
                         en="Row: the code at one sample; column: at the next. Darker: more pairs; the diagonal "
                         "holds the steady-state cells."),
    "itias_curves": Text(zh="每段采样中教师言语、学生言语、沉寂与技术各占的比例。",
                         en="Share of teacher talk, student talk, silence and technology in each block of samples."),
    "timeline": Text(
        zh="每 {interval} 秒采样一次，每 {minutes} 分钟统计一次；圆点越大，该行为在这 {minutes} 分钟内越多。",
        en="Sampled every {interval} s, counted per {minutes} min; a larger dot means more of that behaviour in "
        "those {minutes} minutes."),
    "rose": Text(zh="以中线为界：左侧为教师的 4 种教学行为，右侧为学生的 5 种学习行为（各自合计 100%）。",
                 en="Left of the centre line: the teacher's 4 behaviours; right: the students' 5 (each side 100 %)."),
    "participation": Text(zh="学生听讲、举手、应答或生生互动的比例；曲线越高，参与越积极。",
                          en="Share of students listening, raising hands, answering or in peer interaction."),
    "consistency": Text(zh="最常见学生行为的占比；齐读、齐写时走高，说明全班行为越一致。",
                        en="Share of the most common student behaviour; high when the class reads or writes together."),
    "attention": Text(zh="教师讲授、板书、提问时，学生听讲、举手、应答的比例；越高说明教学活动越有吸引力。",
                      en="While the teacher lectures, writes or questions: share of students listening, raising "
                      "hands or answering."),
    "st": Text(zh="曲线偏向 T 轴说明教师行为多，偏向 S 轴说明学生行为多；转折越多，师生交互越多。",
               en="Towards the T axis: more teacher behaviour; towards S: more student behaviour; "
               "more turns: more interaction."),
    # the modes' names are the S-T metric's own value labels (filled in by behaviour.rtch_chart)
    "rtch": Text(zh="Rt ≤ 0.3 {practice}；Rt ≥ 0.7 {lecture}；Ch ≥ 0.4 {dialogue}；其余为{mixed}。",
                 en="Rt ≤ 0.3 {practice}; Rt ≥ 0.7 {lecture}; Ch ≥ 0.4 {dialogue}; otherwise {mixed}."),
}

UI: dict[str, Text] = {
    "teacher": Text(zh="执教教师", en="Teacher"),
    "teachers": Text(zh="教师", en="Teachers"),
    "school": Text(zh="学校", en="School"),
    "subject": Text(zh="学科", en="Subject"),
    "grade": Text(zh="年级", en="Grade"),
    "date": Text(zh="日期", en="Date"),
    "lesson": Text(zh="课例", en="Lesson"),
    "lessons": Text(zh="课例数", en="Lessons"),
    "period": Text(zh="时间范围", en="Period"),
    "key_metrics": Text(zh="关键指标", en="Key metrics"),
    "charts": Text(zh="七种教学行为分析图", en="The seven behaviour charts"),
    "charts_any": Text(zh="教学行为分析图", en="Behaviour charts"),
    "findings": Text(zh="诊断与建议", en="Findings and suggestions"),
    "no_findings": Text(zh="没有诊断结果（未运行诊断规则，或没有规则被触发）。",
                        en="No findings (diagnosis was not run, or no rule fired)."),
    "suggestion": Text(zh="建议", en="Suggestion"),
    "evidence": Text(zh="视频证据", en="In the video"),
    "video": Text(zh="课堂视频", en="Lesson video"),
    "hide_video": Text(zh="收起/展开视频", en="Hide or show the video"),
    "no_video": Text(zh="未附带视频：点击时间点会显示时刻，但无法跳转。",
                     en="No video attached: clicking a time shows it but cannot seek."),
    "seek_to": Text(zh="跳到 {t}", en="Jump to {t}"),
    "click_hint": Text(zh="点击图中的点可跳到课堂视频的对应时刻。",
                       en="Click a point to jump to that moment in the video."),
    "not_measured": Text(zh="未测量", en="not measured"),
    "unavailable": Text(zh="未能观测：{items}（图表中显示为“未测量”，而不是 0）",
                        en="Not observed: {items} (shown as “not measured”, not as 0)"),
    "reliability": Text(zh="方法说明：学生行为由模型逐帧读取；在真实课堂带标注画面上的一致性"
                           "（lessonlens evaluate-frames，测试集）：{items}。一致性低的行为占比只宜作粗略参考。",
                        en="Methods: student behaviour is read frame by frame by a model; its agreement on labelled "
                           "real classroom frames (lessonlens evaluate-frames, test splits): {items}. Treat the "
                           "shares of behaviours with low agreement as rough."),
    "reliability_f1": Text(zh="{behaviour} F1 {f1:.2f}", en="{behaviour} F1 {f1:.2f}"),
    "reliability_none": Text(zh="{behaviour} 未在真实画面上测量", en="{behaviour} not measured on real frames"),
    "generated": Text(zh="由 lessonlens {version} 生成", en="Made with lessonlens {version}"),
    "maximum": Text(zh="最大", en="max"),
    "minimum": Text(zh="最小", en="min"),
    "mean": Text(zh="平均", en="Mean"),
    "minutes": Text(zh="时间（分钟）", en="Time (minutes)"),
    "count_per_bin": Text(zh="次数 / 2 分钟", en="count per 2 min"),
    "share": Text(zh="占比", en="Share"),
    "per_sample": Text(zh="每 6 秒", en="every 6 s"),
    "per_bin": Text(zh="每 2 分钟平滑", en="smoothed per 2 min"),
    "teacher_side": Text(zh="教师行为", en="Teacher"),
    "student_side": Text(zh="学生行为", en="Students"),
    "metric": Text(zh="指标", en="Metric"),
    "value": Text(zh="数值", en="Value"),
    "first": Text(zh="首次", en="First"),
    "latest": Text(zh="最近", en="Latest"),
    "change": Text(zh="变化", en="Change"),
    "side_by_side": Text(zh="指标并列对比", en="Metrics side by side"),
    "overlaid": Text(zh="曲线叠加对比", en="Curves overlaid"),
    "trends": Text(zh="趋势变化", en="Trends"),
    "monthly": Text(zh="（各月平均）", en=" (monthly means)"),
    "portrait": Text(zh="周期画像", en="Portrait of the period"),
    "goals": Text(zh="本期目标", en="Goals for this period"),
    "first_vs_latest": Text(zh="首次与最近对比", en="First vs. latest"),
    "per_teacher": Text(zh="各教师概况", en="Per teacher"),
    "mode_counts": Text(zh="各教学模式的课例数", en="Lessons per teaching mode"),
    "mean_shares": Text(zh="周期内平均行为分布", en="Mean behaviour distribution over the period"),
    "overall": Text(zh="总体评价", en="Overall"),
    "matrix": Text(zh="矩阵图", en="Matrix chart"),
    "radar": Text(zh="雷达图", en="Radar charts"),
    "indicator_stats": Text(zh="各指标统计", en="Per-indicator statistics"),
    "indicator": Text(zh="指标", en="Indicator"),
    "level": Text(zh="级别", en="Level"),
    "raters": Text(zh="评分者", en="Raters"),
    "n_raters": Text(zh="评分人数", en="Raters"),
    "median": Text(zh="中位数", en="Median"),
    "spread": Text(zh="最低–最高", en="Min–max"),
    "std": Text(zh="标准差", en="SD"),
    "band": Text(zh="等级", en="Band"),
    "missing": Text(zh="未评", en="Blank"),
    "agreement": Text(zh="评分一致性", en="Agreement between raters"),
    "icc": Text(zh="ICC(2,k)", en="ICC(2,k)"),
    "kendall": Text(zh="肯德尔 W", en="Kendall's W"),
    "outliers": Text(zh="与他人差异较大的评分者", en="Raters far from the others"),
    "deviation": Text(zh="与他人平均的偏差", en="Distance from the others' mean"),
    "comments": Text(zh="评分者评语", en="Raters' comments"),
    "notes": Text(zh="观察笔记", en="Observation notes"),
    "time": Text(zh="时刻", en="Time"),
    "rater": Text(zh="评分者", en="Rater"),
    "rubric": Text(zh="量规", en="Rubric"),
    "score": Text(zh="得分", en="Score"),
    "max_score": Text(zh="满分", en="Max"),
    "sheets": Text(zh="评分方式", en="How each rater scored"),
    "live": Text(zh="现场", en="live"),
    "recording": Text(zh="录像", en="recording"),
    "tables": Text(zh="数据表", en="Data tables"),
    "severity": Text(zh="类型", en="Kind"),
    "episodes": Text(zh="行为片段统计", en="Episodes of each behaviour"),
    "behaviour": Text(zh="行为", en="Behaviour"),
    "episode_count": Text(zh="次数", en="Episodes"),
    "episode_total": Text(zh="累计时长", en="Total"),
    "episode_longest": Text(zh="最长一次", en="Longest"),
}

SEVERITIES: dict[str, Text] = {
    "info": Text(zh="提示", en="Note"),
    "strength": Text(zh="亮点", en="Strength"),
    "notice": Text(zh="关注", en="Notice"),
    "warning": Text(zh="问题", en="Problem"),
    "concern": Text(zh="重点问题", en="Concern"),
}

COLUMNS: dict[str, Text] = {
    "start": Text(zh="开始(秒)", en="start (s)"),
    "end": Text(zh="结束(秒)", en="end (s)"),
    "t": Text(zh="时刻(秒)", en="t (s)"),
    "value": Text(zh="数值", en="value"),
    "side": Text(zh="主体", en="side"),
    "behaviour": Text(zh="行为", en="behaviour"),
    "share": Text(zh="占比", en="share"),
    "lesson": Text(zh="课例", en="lesson"),
    "label": Text(zh="名称", en="label"),
    "date": Text(zh="日期", en="date"),
    "month": Text(zh="月份", en="month"),
    "teacher": Text(zh="教师", en="teacher"),
    # a column that is a metric id (rt, ch, mode, ...) is headed by the metric's own label (column_label);
    # n_t / n_s here are the Rt-Ch curve's running counts up to t, not the lesson's totals the metric
    # ids n_t / n_s name, hence headers of their own
    "n_t": Text(zh="T 累计", en="T count"),
    "n_s": Text(zh="S 累计", en="S count"),
    "indicator": Text(zh="指标", en="indicator"),
    "column": Text(zh="列", en="column"),
    "score": Text(zh="得分", en="score"),
    "max_score": Text(zh="满分", en="max score"),
    "band": Text(zh="等级", en="band"),
    "axis": Text(zh="维度", en="axis"),
    "series": Text(zh="系列", en="series"),
    "max": Text(zh="最大值", en="max"),
    "metric": Text(zh="指标", en="metric"),
    "count": Text(zh="课例数", en="lessons"),
    **BEHAVIOURS,
}


def metric_ids() -> set[str]:
    """The ids the registered metrics declare (their labels are theirs: see :func:`metric_name`)."""
    return set(get_manager().metric_fields())


def metric_name(metric_id: str) -> Text:
    """A metric's name as its metric plugin declares it (reports show values with their units)."""
    return get_manager().metric_label(metric_id, unit=False)


def column_label(column: str, lang: str) -> str:
    """A table column's header in ``lang`` (the id itself where no label is known, e.g. a lesson id);
    a metric's column shows its short form (``Rt``)."""
    known = COLUMNS.get(column)
    if known is None and column in get_manager().metric_fields():
        known = get_manager().metric_fields()[column].short()
    return known.get(lang) if known else column
