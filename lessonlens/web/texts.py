"""Every text of the platform's pages in zh-CN and en (pages default to zh-CN; a cookie switches)."""

from __future__ import annotations

from lessonlens.core.i18n import Text
from lessonlens.core.plugins import get_manager

LANG_COOKIE = "ll_lang"

TEXTS: dict[str, Text] = {
    "app": Text(zh="lessonlens 智能研修平台", en="lessonlens teaching research platform"),
    "login": Text(zh="登录", en="Sign in"),
    "logout": Text(zh="退出", en="Sign out"),
    "username": Text(zh="用户名", en="User name"),
    "password": Text(zh="密码", en="Password"),
    "bad_login": Text(zh="用户名或密码不正确", en="wrong user name or password"),
    "too_many": Text(zh="登录失败次数过多，请 {s} 秒后再试", en="too many failed sign-ins: try again in {s} s"),
    "lessons": Text(zh="课例", en="Lessons"),
    "upload": Text(zh="上传课例", en="Upload a lesson"),
    "users": Text(zh="用户", en="Users"),
    "audit": Text(zh="审计日志", en="Audit log"),
    "account": Text(zh="我的账户", en="My account"),
    "switch_lang": Text(zh="English", en="中文"),
    "search": Text(zh="搜索（标题、教师）", en="Search (title, teacher)"),
    "teacher": Text(zh="教师", en="Teacher"),
    "school": Text(zh="学校", en="School"),
    "region": Text(zh="区域", en="Region"),
    "subject": Text(zh="学科", en="Subject"),
    "subjects": Text(zh="学科（逗号分隔）", en="Subjects (comma-separated)"),
    "grade": Text(zh="年级", en="Grade"),
    "date": Text(zh="日期", en="Date"),
    "date_from": Text(zh="起始日期", en="From"),
    "date_to": Text(zh="截止日期", en="To"),
    "finding": Text(zh="诊断发现", en="Finding"),
    "any": Text(zh="全部", en="Any"),
    "filter": Text(zh="筛选", en="Filter"),
    "title": Text(zh="课题", en="Title"),
    "status": Text(zh="状态", en="Status"),
    "n_findings": Text(zh="发现数", en="Findings"),
    "no_lessons": Text(zh="没有可查看的课例", en="no lessons to show"),
    "page_of": Text(zh="第 {page} / {pages} 页，共 {total} 节", en="page {page} of {pages}, {total} lessons"),
    "prev": Text(zh="上一页", en="Previous"),
    "next": Text(zh="下一页", en="Next"),
    "state_queued": Text(zh="排队中", en="queued"),
    "state_running": Text(zh="分析中", en="analysing"),
    "state_done": Text(zh="已完成", en="done"),
    "state_failed": Text(zh="失败", en="failed"),
    "state_none": Text(zh="未分析", en="not analysed"),
    "retry": Text(zh="重新分析", en="Retry"),
    "progress": Text(zh="进度 {p}%（{step}）", en="progress {p}% ({step})"),
    "transcript": Text(zh="课堂实录（语音识别）", en="Transcript (speech recognition)"),
    "transcript_lines": Text(zh="{n} 句，点击跳转", en="{n} lines: click one to play from there"),
    "seek_line": Text(zh="从 {t} 播放", en="play from {t}"),
    "speaker_teacher": Text(zh="教师", en="teacher"),
    "speaker_student": Text(zh="学生", en="student"),
    "speaker_chorus": Text(zh="齐声", en="chorus"),
    "running_for": Text(zh="在分析集群上，已用 {s} 秒", en="on the analysis cluster, {s} s so far"),
    "elapsed": Text(zh="已用 {s} 秒", en="{s} s so far"),
    "step_detect": Text(zh="检测：{name}", en="detecting: {name}"),
    "step_code": Text(zh="行为编码", en="coding behaviour"),
    "step_metrics": Text(zh="计算指标", en="measuring"),
    "step_diagnose": Text(zh="诊断", en="diagnosing"),
    "step_report": Text(zh="生成报告", en="writing the report"),
    "job_failed": Text(zh="分析失败：{error}", en="analysis failed: {error}"),
    "job_done": Text(zh="分析完成", en="analysis done"),
    "reload": Text(zh="查看结果", en="Show the results"),
    "role_teacher": Text(zh="教师机位", en="Teacher camera"),
    "role_students": Text(zh="学生机位", en="Students camera"),
    "role_board": Text(zh="板书机位", en="Board camera"),
    "role_mixed": Text(zh="单路录像", en="Single recording"),
    "role_audio": Text(zh="录音", en="Audio"),
    "layout": Text(zh="教室布局（可选，YAML：教师机位画面中的黑板、讲台区域）",
                   en="Room layout (optional, YAML: board and podium zones of the teacher camera)"),
    "camera": Text(zh="机位", en="Camera"),
    "with_files": Text(zh="随录像提交（可选）", en="With the recordings (optional)"),
    "lesson_yaml": Text(zh="课例信息 lesson.yaml（标题、教师、学科、年级、日期、各路录像的时间偏移 offsets；"
                           "表单中填写的内容优先）",
                        en="Lesson details lesson.yaml (title, teacher, subject, grade, date, the recordings' "
                           "offsets; what the form says wins)"),
    "rubric_sheets": Text(zh="评课评分表（CSV、XLSX 或 JSON，可多选）",
                          en="Raters' score sheets (CSV, XLSX or JSON, several)"),
    "rubric_of": Text(zh="评分表所用量规", en="Rubric of the score sheets"),
    "upload_help": Text(zh="至少一路录像或录音；每个文件须为视频（MP4、MOV、WebM、MKV、AVI）或音频（M4A、WAV、MP3、"
                            "FLAC、OGG），合计不超过 {limit}。",
                        en="At least one recording; each file a video (MP4, MOV, WebM, MKV, AVI) or audio (M4A, WAV, "
                           "MP3, FLAC, OGG), {limit} in all at most."),
    "retrying": Text(zh="网络中断，正在重试并从断点继续……", en="connection lost: retrying from where it stopped…"),
    "sheet_title": Text(zh="或：导入人工编码表", en="Or: import a hand-coded sheet"),
    "sheet_help": Text(zh="S-T、九类行为、FIAS 等编码表（CSV 或 XLSX）：立即计算指标并诊断，无需录像。",
                       en="An S-T, platform-9, FIAS … coded sheet (CSV or XLSX): measured and diagnosed at once, "
                          "no recording needed."),
    "scheme": Text(zh="编码方案", en="Coding scheme"),
    "scheme_auto": Text(zh="自动识别", en="detect from the sheet"),
    "sheet_file": Text(zh="编码表文件", en="Sheet file"),
    "sheet_submit": Text(zh="导入", en="Import"),
    "register": Text(zh="登记已有录像", en="Register recordings"),
    "register_help": Text(zh="服务器导入目录 {root} 中的批量清单（CSV/YAML）或课例文件夹；录像留在原处，"
                              "每节课排队分析，归属同名同校的教师账户。",
                          en="A batch manifest (CSV/YAML) or a folder of lesson folders under the server's import "
                             "folder {root}; recordings stay where they are, each lesson is queued for analysis and "
                             "owned by the teacher account of the same name and school."),
    "register_off": Text(zh="未设置导入目录：用 lessonlens serve --import-root DIR 启动", en="no import folder: start "
                         "with lessonlens serve --import-root DIR"),
    "path": Text(zh="路径", en="Path"),
    "registered": Text(zh="已登记 {n} 节课", en="registered {n} lessons"),
    "unowned": Text(zh="无归属的课例", en="Lessons without an owner"),
    "unowned_help": Text(zh="交给一位教师账户（填写登录名）；之后仅该教师可见，直到其分享。",
                         en="Give each to a teacher account (its login name); it is then private to that teacher "
                            "until shared."),
    "assign": Text(zh="指定教师", en="Assign"),
    "submit_upload": Text(zh="上传并分析", en="Upload and analyse"),
    "bad_file": Text(zh="{field}：{name} 不是可用的{kind}文件", en="{field}: {name} is not a {kind} file we can read"),
    "kind_video": Text(zh="视频", en="video"),
    "kind_audio": Text(zh="音频", en="audio"),
    "no_files": Text(zh="请至少选择一个录像或录音文件", en="choose at least one recording"),
    "too_big": Text(zh="文件合计超过 {limit}", en="the files are larger than {limit} in all"),
    "bad_date": Text(zh="日期应写作 YYYY-MM-DD：{value}", en="a date is YYYY-MM-DD: {value}"),
    "key_metrics": Text(zh="关键指标", en="Key metrics"),
    "downloads": Text(zh="下载", en="Downloads"),
    "dl_report": Text(zh="报告（HTML）", en="Report (HTML)"),
    "dl_pdf": Text(zh="报告（PDF）", en="Report (PDF)"),
    "dl_csv": Text(zh="每张图的数据（CSV 压缩包）", en="Every chart's data (CSV, zip)"),
    "dl_analysis": Text(zh="分析数据（JSON）", en="Analysis (JSON)"),
    "sharing": Text(zh="分享", en="Sharing"),
    "private": Text(zh="仅自己可见（未分享）", en="private (not shared)"),
    "share_user": Text(zh="分享给用户", en="Share with a user"),
    "share_scope": Text(zh="分享给范围", en="Share with a scope"),
    "scope_school": Text(zh="本校管理者", en="my school's leads"),
    "scope_region": Text(zh="本区域同学科教研员", en="my region's researchers of the subject"),
    "share": Text(zh="分享", en="Share"),
    "revoke": Text(zh="撤销", en="Revoke"),
    "delete": Text(zh="删除课例", en="Delete the lesson"),
    "confirm_delete": Text(zh="确定删除该课例及其录像与分析？",
                           en="Delete this lesson with its recordings and analysis?"),
    "no_video": Text(zh="本课例没有录像", en="no recording for this lesson"),
    "not_analysed": Text(zh="尚无分析结果", en="no analysis yet"),
    "role": Text(zh="角色", en="Role"),
    "active": Text(zh="启用", en="active"),
    "disabled": Text(zh="已停用", en="disabled"),
    "disable": Text(zh="停用", en="Disable"),
    "enable": Text(zh="启用", en="Enable"),
    "add_user": Text(zh="添加用户", en="Add a user"),
    "display_name": Text(zh="姓名", en="Full name"),
    "reset_password": Text(zh="重设密码", en="Reset password"),
    "new_password": Text(zh="新密码", en="New password"),
    "saved": Text(zh="已保存", en="saved"),
    "role_admin": Text(zh="管理员", en="admin"),
    "role_researcher": Text(zh="教研员", en="researcher"),
    "role_school_lead": Text(zh="学校管理者", en="school lead"),
    "role_observer": Text(zh="观课人", en="observer"),
    "role_teacher_user": Text(zh="教师", en="teacher"),
    "when": Text(zh="时间", en="When"),
    "who": Text(zh="用户", en="Who"),
    "action": Text(zh="操作", en="Action"),
    "lesson": Text(zh="课例", en="Lesson"),
    "detail": Text(zh="详情", en="Detail"),
    "tokens": Text(zh="个人 API 令牌", en="Personal API tokens"),
    "save": Text(zh="保存", en="Save"),
    "consent": Text(zh="排名与比较中的署名", en="Your name in rankings and comparisons"),
    "consent_explain": Text(
        zh="学校和区域的统计只显示汇总（人数足够时）。只有你同意，你的名字才会出现在教师排名和比较中；可随时更改或撤回，立即生效。",
        en="School and region statistics show aggregates only (of large enough groups). Your name appears in "
           "rankings and comparisons of teachers only if you agree here; change or withdraw it at any time, "
           "effective at once."),
    "consent_legend": Text(zh="谁可以在排名中看到我的名字", en="Who may see my name in rankings"),
    "consent_none": Text(zh="任何人都不可以（默认）", en="Nobody (the default)"),
    "consent_school": Text(zh="本校的学校管理者和教师", en="The school leads and teachers of my school"),
    "consent_region": Text(zh="本校，以及本区域的教研员和区管理员",
                           en="My school, and my region's researchers and the district admins"),
    "new_token": Text(zh="生成新令牌", en="Create a token"),
    "token_name": Text(zh="用途", en="Purpose"),
    "token_once": Text(zh="请立即复制，令牌只显示这一次：", en="Copy it now, it is shown only once:"),
    "api_doc": Text(zh="API 说明（OpenAPI）", en="API description (OpenAPI)"),
    "group": Text(zh="{scope} 概况（{n} 节课，{t} 位教师）", en="{scope} overview ({n} lessons, {t} teachers)"),
    "group_small": Text(zh="{scope} 的课例少于 {min} 节，不显示统计", en="fewer than {min} lessons in {scope}: "
                        "no statistics shown"),
    "not_found": Text(zh="没有找到该页面或课例", en="no such page or lesson"),
    "forbidden": Text(zh="您的角色不能进行此操作", en="your role cannot do this"),
    "skip": Text(zh="跳到正文", en="Skip to content"),
    "uploaded": Text(zh="已上传，正在排队分析", en="uploaded, queued for analysis"),
    "owner": Text(zh="所有者", en="Owner"),
    "mean": Text(zh="均值", en="mean"),
    "overview": Text(zh="群体概况", en="Overview"),
    "overview_note": Text(zh="本范围内全部已分析课例的汇总（不显示单节课或教师姓名；课例少于最小组规模时不显示）。",
                          en="All analysed lessons of this scope, as aggregates only (no single lesson or teacher "
                             "name; nothing below the minimum group size)."),
    "district": Text(zh="全区", en="the district"),
}


def ui(key: str, lang: str, **params: object) -> str:
    return TEXTS[key].format(lang, **params)


def mode_labels(lang: str) -> dict[str, str]:
    """The teaching modes and their labels, as the metric that fills ``mode`` declares them (one source)."""
    field = get_manager().metric_fields().get("mode")
    return {mode: text.get(lang) for mode, text in field.values.items()} if field else {}


def metric_name(metric_id: str, lang: str) -> str:
    """A metric's label (with its symbol) as its metric declares it: the column and heading of ``mode``."""
    return get_manager().metric_label(metric_id, unit=False).get(lang)


def pick_lang(value: str | None) -> str:
    return "en" if value == "en" else "zh-CN"


# the observation pages' texts (issue 17) live with them
from lessonlens.web.observe.texts import OBSERVE_TEXTS  # noqa: E402

TEXTS.update(OBSERVE_TEXTS)

# the dashboards' and reflections' texts (issue 17) live with them
from lessonlens.web.dashboards.texts import DASHBOARD_TEXTS  # noqa: E402

TEXTS.update(DASHBOARD_TEXTS)


def step_label(step: str, lang: str) -> str:
    """A pipeline stage (``detect:teacher-pose``, ``code``, ``metrics`` …) as the job's progress line says it."""
    kind, _, name = step.partition(":")
    if kind == "detect" and name:
        return ui("step_detect", lang, name=name)
    return ui(f"step_{kind}", lang) if f"step_{kind}" in TEXTS else step
