"""The texts of the dashboards and of reflections in zh-CN and en (merged into the platform's ``TEXTS``)."""

from __future__ import annotations

from lessonlens.core.i18n import Text

DASHBOARD_TEXTS: dict[str, Text] = {
    # navigation and titles
    "growth": Text(zh="我的成长", en="My growth"),
    "portraits": Text(zh="学校与区域画像", en="School and region portraits"),
    "compare_teachers": Text(zh="教师对比", en="Compare teachers"),
    "growth_title": Text(zh="{term} · 个人成长", en="My growth · {term}"),
    "portrait_school": Text(zh="{school} 学校画像", en="Portrait of {school}"),
    "portrait_region": Text(zh="{region} 区域画像", en="Portrait of {region}"),
    "portrait_district": Text(zh="全区画像", en="Portrait of the district"),
    "compare_title": Text(zh="{place} 教师对比", en="Teachers of {place} side by side"),
    # filters
    "term": Text(zh="学期", en="Term"),
    "all_subjects": Text(zh="全部学科", en="all subjects"),
    "all_grades": Text(zh="全部年级", en="all grades"),
    "show": Text(zh="查看", en="Show"),
    "csv": Text(zh="下载数据（CSV）", en="Data (CSV)"),
    "schools_of_region": Text(zh="本区域学校", en="Schools of the region"),
    "regions_of_district": Text(zh="各区域", en="Regions"),
    # portraits
    "portrait_note": Text(zh="本范围内全部已分析课例的汇总：不显示单节课或教师姓名；每个统计组至少 {min} 节课、"
                             "{t} 位教师，否则不显示。",
                          en="All analysed lessons of this place, as aggregates only: no single lesson or teacher "
                             "name; a group is shown only with at least {min} lessons of {t} teachers."),
    "portrait_counts": Text(zh="{n} 节课，{t} 位教师，{start} – {end}",
                            en="{n} lessons, {t} teachers, {start} – {end}"),
    "dash_group_small": Text(zh="课例少于 {min} 节或教师少于 {t} 位，不显示统计", en="fewer than {min} lessons or {t} "
                        "teachers: no statistics shown"),
    "groups_hidden": Text(zh="另有 {n} 组少于 {min} 节课或 {t} 位教师，未显示", en="{n} more groups have fewer than "
                          "{min} lessons or {t} teachers and are not shown"),
    "months_note": Text(zh="只含至少 {min} 节课、{t} 位教师的月份", en="only months with at least {min} lessons of "
                        "{t} teachers"),
    "monthly_trend": Text(zh="各月指标平均", en="Monthly means of the key metrics"),
    "monthly_shares": Text(zh="各月行为占比平均", en="Monthly means of the behaviour shares"),
    "mean_shares": Text(zh="平均行为分布", en="Mean behaviour distribution"),
    "metric_bands": Text(zh="指标分位带", en="Metric bands"),
    "modes": Text(zh="教学模式分布", en="Teaching modes"),
    "rubric_shares": Text(zh="量规得分率", en="Rubric score shares"),
    "rubric_note": Text(zh="得分率 = 得分 / 满分", en="share = score / maximum"),
    "frequent_findings": Text(zh="常见诊断发现", en="Most frequent findings"),  # also the overview page's
    "norms": Text(zh="学科年级常模", en="Norms by subject and grade"),
    "schools": Text(zh="各校概况", en="Schools"),
    # comparison
    "compare_note": Text(zh="只显示同意向您公开姓名的教师；其余教师只计入汇总行。",
                         en="Only teachers who agreed to be named to you are shown; the others count in the "
                            "summary row only."),
    "compare_others": Text(zh="其他 {n} 位教师（未公开姓名，合计）", en="{n} other teachers (not named, together)"),
    "compare_none": Text(zh="本范围内没有同意公开姓名的教师", en="no teacher of this place agreed to be named to you"),
    "compare_pick": Text(zh="选择要对比的教师", en="Teachers to compare"),
    # growth
    "growth_note": Text(zh="本学期已分析课例的周期报告（随新课例与评课结果实时更新），仅本人可见。",
                        en="The period report of this term's analysed lessons (live: new lessons and observation "
                           "results appear at once), visible to you only."),
    "growth_too_few": Text(zh="本学期只有 {n} 节已分析的课例，周期报告至少需要两节", en="{n} analysed lesson(s) this "
                           "term: the period report needs at least two"),
    "teacher_growth_title": Text(zh="{teacher} · {term} · 成长", en="Growth of {teacher} · {term}"),
    "teacher_growth_note": Text(zh="该教师同意向您公开姓名：这里是其本学期已分析课例的汇总。"
                                   "课例内容与反思目标只显示教师已与您分享的课例。",
                                en="This teacher agreed to be named to you: the summary of their analysed lessons of "
                                   "the term. Lessons and reflection goals appear only where the teacher shared the "
                                   "lesson with you."),
    "teacher_growth_link": Text(zh="该教师的学期成长", en="This teacher's growth over the term"),
    "lesson_not_shared": Text(zh="未分享的课例", en="lesson not shared"),
    "growth_lessons": Text(zh="本学期课例", en="Lessons of the term"),
    "goals_for_term": Text(zh="本学期目标（上学期反思时设定）", en="Goals for this term (set last term)"),
    "goals_next": Text(zh="为下学期设定的目标", en="Goals set for next term"),
    "no_goals": Text(zh="暂无目标", en="no goals"),
    "rubric_trend": Text(zh="量规总分得分率", en="Rubric overall score share"),
    "norm_position": Text(zh="本学期在{region}{subject}{grade}常模中的位置", en="This term against the norm of "
                          "{subject} {grade} in {region}"),
    "norm_note": Text(zh="常模：{n} 节课、{t} 位教师（含本人）；百分位 = 本学期平均值在常模中的位置",
                      en="norm: {n} lessons of {t} teachers (yours included); percentile = where this term's "
                         "mean falls in the norm"),
    # reflection
    "reflection": Text(zh="教学反思", en="Reflection"),
    "reflection_hint": Text(zh="读完分析和观课人的评语后写下您的反思（自动保存；课例分享后，可查看课例的人也能读到）。",
                            en="Write your reflection after reading the analysis and the observers' comments "
                               "(saved as you type; whoever may open the lesson reads it once it is shared)."),
    "reflection_text": Text(zh="反思", en="Reflection"),
    "reflection_goals": Text(zh="下学期目标（每行一个）", en="Goals for next term (one per line)"),
    "reflection_goals_for": Text(zh="目标用于：{term}", en="Goals for: {term}"),
    "reflection_none": Text(zh="教师尚未写反思", en="the teacher has not written a reflection"),
    "reflection_saving": Text(zh="保存中…", en="saving…"),
    "reflection_offline": Text(zh="未连接，恢复后自动保存", en="offline: it will be saved when the connection is back"),
    "reflection_updated": Text(zh="更新于 {when}", en="updated {when}"),
    "observer_comments": Text(zh="观课人评语", en="Observers' comments"),
    "no_comments": Text(zh="暂无评语", en="no comments yet"),
    "reflection_too_long": Text(zh="内容过长（最多 {n} 字）", en="too long (at most {n} characters)"),
}


def dt_ui(key: str, lang: str, **params: object) -> str:
    return DASHBOARD_TEXTS[key].format(lang, **params)
