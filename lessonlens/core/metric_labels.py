"""Display names of the metric ids (zh-CN and en), for tables, reports and charts.

Behaviour and code labels come from the coding scheme; these are the metrics' own names.
"""

from __future__ import annotations

from lessonlens.core.i18n import Text

METRIC_LABELS: dict[str, Text] = {
    "rt": Text(zh="教师行为占有率 Rt", en="Teacher occupancy Rt"),
    "ch": Text(zh="师生行为转换率 Ch", en="Behaviour conversion rate Ch"),
    "mode": Text(zh="教学模式", en="Teaching mode"),
    "rt_30s": Text(zh="Rt（30 秒采样）", en="Rt (30-s sampling)"),
    "ch_30s": Text(zh="Ch（30 秒采样）", en="Ch (30-s sampling)"),
    "mode_30s": Text(zh="教学模式（30 秒采样）", en="Teaching mode (30-s sampling)"),
    "n": Text(zh="有 S/T 编码的采样点数 N", en="Samples with an S/T code N"),
    "n_t": Text(zh="T 行为采样点数", en="T samples"),
    "n_s": Text(zh="S 行为采样点数", en="S samples"),
    "runs": Text(zh="连续段数 g", en="Runs g"),
    "duration": Text(zh="时长（秒）", en="Duration (s)"),
    "switches_per_10min": Text(zh="每 10 分钟 S/T 转换次数", en="S/T switches per 10 min"),
    "teacher_switches_per_10min": Text(zh="每 10 分钟教师行为切换次数", en="Teacher behaviour changes per 10 min"),
    "longest_lecture": Text(zh="最长连续讲授（秒）", en="Longest uninterrupted lecture (s)"),
    "participation_mean": Text(zh="平均参与度", en="Mean participation"),
    "consistency_mean": Text(zh="平均表现度（一致性）", en="Mean consistency"),
    "attention_mean": Text(zh="平均关注度", en="Mean attention"),
    "bin_seconds": Text(zh="时序图分段（秒）", en="Timeline bin (s)"),
    "participation_local_maxima": Text(zh="参与度极大值个数", en="Participation peaks"),
    "participation_local_minima": Text(zh="参与度极小值个数", en="Participation dips"),
    "consistency_local_maxima": Text(zh="表现度极大值个数", en="Consistency peaks"),
    "consistency_local_minima": Text(zh="表现度极小值个数", en="Consistency dips"),
    "attention_local_maxima": Text(zh="关注度极大值个数", en="Attention peaks"),
    "attention_local_minima": Text(zh="关注度极小值个数", en="Attention dips"),
    "participation": Text(zh="参与度", en="Participation"),
    "consistency": Text(zh="表现度", en="Consistency"),
    "attention": Text(zh="关注度", en="Attention"),
    "teacher_shares": Text(zh="教师行为占比", en="Teacher behaviour shares"),
    "student_shares": Text(zh="学生行为占比", en="Student behaviour shares"),
    "code_shares": Text(zh="编码占比", en="Code shares"),
    "fias_teacher_talk": Text(zh="教师语言比率", en="Teacher talk ratio"),
    "fias_student_talk": Text(zh="学生语言比率", en="Student talk ratio"),
    "fias_silence": Text(zh="沉寂或混乱比率", en="Silence or confusion ratio"),
    "fias_indirect_direct": Text(zh="间接/直接影响比", en="Indirect/direct ratio"),
    "fias_steady_state": Text(zh="稳态格比率", en="Steady-state cells ratio"),
    "va_teacher_verbal": Text(zh="教师言语占比", en="Teacher verbal share"),
    "va_teacher_activity": Text(zh="教师活动占比", en="Teacher activity share"),
    "va_student_verbal": Text(zh="学生言语占比", en="Student verbal share"),
    "va_student_activity": Text(zh="学生活动占比", en="Student activity share"),
    "va_condensed": Text(zh="归并为九类行为的占比", en="Shares condensed to the nine behaviours"),
    "copus_intervals": Text(zh="COPUS 区间数（2 分钟）", en="COPUS intervals (2 min)"),
    "copus_s_gw": Text(zh="学生小组活动 GW（CG/WG/OG）", en="Students in group work GW (CG/WG/OG)"),
    "copus_s_receiving": Text(zh="学生：接收", en="Students: receiving"),
    "copus_s_talking": Text(zh="学生：面向全班发言", en="Students: talking to class"),
    "copus_s_working": Text(zh="学生：动手做", en="Students: working"),
    "copus_s_other": Text(zh="学生：其他", en="Students: other"),
    "copus_i_presenting": Text(zh="教师：呈现", en="Instructor: presenting"),
    "copus_i_guiding": Text(zh="教师：引导", en="Instructor: guiding"),
    "copus_i_administration": Text(zh="教师：事务管理", en="Instructor: administration"),
    "copus_i_other": Text(zh="教师：其他", en="Instructor: other"),
    "copus_not_coded": Text(zh="未编码的 COPUS 编码", en="COPUS codes not coded"),
    "copus_partial": Text(zh="成员编码不全的归并类（下限）",
                          en="Collapsed categories with codes not coded (lower bounds)"),
    "copus_pie_students": Text(zh="学生行为归并类（占全部勾选）",
                               en="Student collapsed codes (share of all ticks)"),
    "copus_pie_instructor": Text(zh="教师行为归并类（占全部勾选）",
                                 en="Instructor collapsed codes (share of all ticks)"),
    "itias_teacher_talk": Text(zh="教师言语比率", en="Teacher talk ratio"),
    "itias_student_talk": Text(zh="学生言语比率", en="Student talk ratio"),
    "itias_silence": Text(zh="沉寂比率", en="Silence ratio"),
    "itias_technology": Text(zh="技术比率", en="Technology ratio"),
    "itias_indirect_direct": Text(zh="间接/直接影响比", en="Indirect/direct influence ratio"),
    "itias_positive_negative": Text(zh="积极/消极强化比", en="Positive/negative reinforcement ratio"),
    "itias_open_closed": Text(zh="开放/封闭问题比", en="Open/closed questions ratio"),
    "itias_student_initiated": Text(zh="学生主动言语比率", en="Student-initiated talk ratio"),
    "itias_technology_teacher": Text(zh="技术/教师言语比", en="Technology/teacher talk ratio"),
    "itias_steady_state": Text(zh="稳态格比率", en="Steady-state cells ratio"),
    "itias_content_cross": Text(zh="内容十字区比率", en="Content-cross cells ratio"),
    "itias_pairs": Text(zh="矩阵中的编码对数", en="Code pairs in the matrix"),
    "itias_teacher": Text(zh="教师言语", en="Teacher talk"),
    "itias_student": Text(zh="学生言语", en="Student talk"),
    "itias_silence_curve": Text(zh="沉寂", en="Silence"),
    "itias_technology_curve": Text(zh="技术", en="Technology"),
}

MODE_LABELS: dict[str, Text] = {
    "practice": Text(zh="练习型", en="practice"),
    "lecture": Text(zh="讲授型", en="lecture"),
    "dialogue": Text(zh="对话型", en="dialogue"),
    "mixed": Text(zh="混合型", en="mixed"),
}


def metric_label(metric_id: str) -> Text:
    """The label of a metric id; an id without one is shown as itself."""
    return METRIC_LABELS.get(metric_id, Text(zh=metric_id, en=metric_id))
