"""The words of a weekly summary (text, chart and CSV) in Simplified Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping

# Message catalogs: one entry per line reads better than wrapped fragments.

ZH: dict[str, str] = {
    "none": "无",
    "title": "客服响应周报 {week}",
    "dates": "{first:%m月%d日}至{last:%m月%d日}（{timezone}）",
    "so_far": "本周尚未结束：截至{at:%m月%d日 %H:%M}",
    "target": "首响目标 {target}",
    "team": "【团队】{count}位经理",
    "managers": "【经理】问题/未答/达标，首响中位/P90",
    "quiet": "本周没有问题",
    "received": "问题 {count}{versus}",
    "answered": "已答 {answered}  未答 {unanswered}",
    "first_response": "首响 中位{median}  P90 {p90}  最长{max}",
    "within_target": "达标 {share}{versus}",
    "last_median": "上周首响中位 {median}",
    "next_reply": "再回复 中位{median}",
    "business": "工作时间 {count}问 中位{median}",
    "off_hours": "非工作时间 {count}问 中位{median}",
    "manager": "{name} {count}问 未答{unanswered} 达标{share}",
    "manager_first": "首响 {median} / P90 {p90}",
    "escalated": "升级{ladder}",
    "by_others": "他人代答{count}",
    "on_it": "处理中{count}",
    "eta_broken": "失约{count}",
    "unreachable": "未送达{count}",
    "complaints": "投诉{count}",
    "ratings": "评分{average:.1f}（{count}条，低分{share}）",
    "supply": "【订货】缺货或拒绝 团队{denied}",
    "supply_manager": "{name} {denied} 缺{out_of_stock} 拒{refused}",
    "by_brand": "按品牌：",
    "denied": "{denied}/{requests}（{share}）",
    "versus": "（上周{before}，{moved:+.0f}）",
    "versus_share": "（上周{before}，{moved:+d}个百分点）",
    "chart.team": "团队",
    "chart.business": "工作时间",
    "chart.off_hours": "非工作时间",
    "chart.title": "首次响应时间 {week}（{timezone}）",
    "chart.slowest": "最慢的 {shown} 位经理（共 {total} 位，全部见 CSV）",
    "chart.median": "中位数",
    "chart.unanswered": " 无回答",
    "chart.target": "目标 {target}",
    "chart.minutes": "分钟",
}

EN: dict[str, str] = {
    "none": "none",
    "title": "Response-time report {week}",
    "dates": "{first:%b %d} to {last:%b %d} ({timezone})",
    "so_far": "The week is not over: as of {at:%b %d %H:%M}",
    "target": "First-response target {target}",
    "team": "[Team] {count} managers",
    "managers": "[Managers] q/open/in target, reply/P90",
    "quiet": "No questions this week",
    "received": "Questions {count}{versus}",
    "answered": "Answered {answered}  unanswered {unanswered}",
    "first_response": "1st reply median {median}  P90 {p90}  max {max}",
    "within_target": "In target {share}{versus}",
    "last_median": "Last week's median {median}",
    "next_reply": "Next reply median {median}",
    "business": "Working hours {count} q, median {median}",
    "off_hours": "Off hours {count} q, median {median}",
    "manager": "{name} {count}q {unanswered} open {share} in target",
    "manager_first": "1st reply {median} / P90 {p90}",
    "escalated": "escalated {ladder}",
    "by_others": "answered by others {count}",
    "on_it": "on it {count}",
    "eta_broken": "broken ETA {count}",
    "unreachable": "unreachable {count}",
    "complaints": "complaints {count}",
    "ratings": "rating {average:.1f} ({count}, low {share})",
    "supply": "[Orders] out of stock or refused, team {denied}",
    "supply_manager": "{name} {denied} out {out_of_stock} refused {refused}",
    "by_brand": "By brand:",
    "denied": "{denied}/{requests} ({share})",
    "versus": " (last wk {before}, {moved:+.0f})",
    "versus_share": " (last wk {before}, {moved:+d} pts)",
    "chart.team": "Team",
    "chart.business": "Working hours",
    "chart.off_hours": "Off hours",
    "chart.title": "First response time {week} ({timezone})",
    "chart.slowest": "The {shown} slowest managers (of {total}; all are in the CSV)",
    "chart.median": "median",
    "chart.unanswered": " no answer",
    "chart.target": "target {target}",
    "chart.minutes": "minutes",
}

# CSV headers: the English ones are the stable machine names; the Chinese ones read in Excel.
COLUMNS: dict[str, str] = {
    "week": "周次",
    "manager": "经理编号",
    "name": "姓名",
    "received": "问题数",
    "answered": "已答",
    "unanswered": "未答",
    "first_response_median_s": "首响中位_秒",
    "first_response_p90_s": "首响P90_秒",
    "first_response_max_s": "首响最长_秒",
    "within_target": "达标率",
    "met_target": "达标数",
    "target_due": "应达标数",
    "next_reply_median_s": "再回复中位_秒",
    "business_received": "工作时间问题数",
    "business_median_s": "工作时间中位_秒",
    "business_p90_s": "工作时间P90_秒",
    "off_hours_received": "非工作时间问题数",
    "off_hours_median_s": "非工作时间中位_秒",
    "off_hours_p90_s": "非工作时间P90_秒",
    "escalated_step": "升级第{step}级",
    "answered_by_others": "他人代答",
    "on_it": "处理中",
    "eta_broken": "失约",
    "unreachable": "未送达",
    "rating_average": "平均评分",
    "complaints": "投诉",
    "rating_count": "评分数",
    "low_ratings": "低分数",
    "supply_requests": "订货数",
    "supply_out_of_stock": "缺货",
    "supply_refused": "拒绝",
}

CATALOGS: Mapping[str, Mapping[str, str]] = {"zh": ZH, "en": EN}


def words(lang: str) -> Mapping[str, str]:
    """Return a language's words, Chinese for any other."""
    return CATALOGS.get(lang, ZH)


def column(name: str, lang: str, **params: object) -> str:
    """Return a CSV header in a language: the machine name in English, a label in Chinese."""
    if lang == "zh":
        return COLUMNS[name].format(**params)
    return f"{name}{params['step']}" if "step" in params else name
