"""Draw the demo history's cases: who asks what and when, and how the team deals with it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from desk.people import Team
from desk.supply import SupplyOutcome

# The weeks the console's "when questions come" shows.
DAYS = 28
SEED = 2026
# Cases drawn a day, fewer kept where a retailer still has one open. Each costs the demo's
# start about 30 ms: four weeks of these take some 5 s.
WEEKDAY_CASES = (8, 12)
WEEKEND_CASES = (2, 4)
POPULAR = ("软中华", "黄鹤楼（硬红）")
OTHER_BRANDS = ("利群（新版）", "芙蓉王（硬）", "玉溪（软）", "云烟（紫）")
QUANTITIES = ("1条", "2条", "3条", "5条")
QUESTIONS = (
    ("明天几点送货？", "明早九点前送到。"),
    ("上个月的货款怎么对账？", "对账单已发到店里的邮箱，有出入告诉我。"),
    ("新烟柜的陈列有什么要求？", "高端品牌放中间一层，价签朝外，下周我来店里看看。"),
    ("价签要换新的吗？", "要换，新价签明天随货一起送。"),
    ("这个月的订货额度还剩多少？", "还剩十二条，月底前都能订。"),
    ("仓库有点受潮，烟放哪里好？", "离地离墙放货架上，放一包干燥剂，别靠空调口。"),
    ("会员积分活动怎么参加？", "在店里贴出海报就行，海报这周送到。"),
    ("扫码枪坏了，今天的销售怎么登记？", "先手工记下来，明天我带新的来。"),
    ("有没有新品推荐？", "这周到了两款细支，卖得不错，可以各订一条试试。"),
    ("烟柜灯坏了，能派人来修吗？", "已经报修了，明天下午有人上门。"),
)
COMMENTS = (
    "回复太慢，问了好几次才有人理。",
    "又说没货，可隔壁店昨天刚进了。",
    "态度很差，爱答不理的。",
    "说好半小时回，结果等了一个多小时。",
)
# Weekday questions by local hour: the morning and afternoon peaks, a long evening tail.
WEEKDAY_HOURS = (
    *(0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.0, 3.5, 4.0, 3.0),
    *(1.5, 2.0, 3.0, 3.5, 2.5, 1.8, 1.2, 1.0, 1.0, 0.8, 0.5, 0.3),
)
WEEKEND_HOURS = (0.1,) * 8 + (1.0,) * 14 + (0.3, 0.1)


@dataclass(frozen=True)
class Case:
    """One retailer's question or order, and how the team dealt with it, moment by moment."""

    retailer_id: str
    asked_at: datetime
    question: str
    answer: str
    answered_by: str
    answered_at: datetime
    resolved_at: datetime
    brand: str | None = None
    quantity: str = ""
    outcome: SupplyOutcome | None = None
    # The order's outcome, when its manager sets it apart from the answer (the next morning).
    outcome_at: datetime | None = None
    on_it: tuple[datetime, int] | None = None
    score: int | None = None
    rated_at: datetime | None = None
    comment: str | None = None

    @property
    def ends_at(self) -> datetime:
        """Return the moment of the case's last step."""
        return max(self.resolved_at, self.rated_at or self.resolved_at)


@dataclass
class Planner:
    """Draw the cases of four weeks from a seeded random source, as the field cases go."""

    team: Team
    zone: ZoneInfo
    managers: dict[str, str]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))

    def cases(self, story: datetime) -> list[Case]:
        """Return every case of the weeks before the story, ending before it, in time order."""
        midnight = datetime.combine(story.astimezone(self.zone).date(), time(), self.zone)
        chosen = self.last_night(midnight)
        busy = {c.retailer_id: [(c.asked_at, c.ends_at)] for c in chosen}
        first = story - timedelta(days=DAYS)
        for day in range(DAYS, 0, -1):
            for asked in self._moments(midnight - timedelta(days=day)):
                retailer_id = self.rng.choice(sorted(self.managers))
                case = self._case(retailer_id, asked)
                spans = busy.setdefault(retailer_id, [])
                overlaps = any(case.asked_at < end and start < case.ends_at for start, end in spans)
                # Left out: what started before the heatmap's weeks, what would still be going
                # on when the story starts, and a retailer's second case while one is open.
                if case.asked_at >= first and case.ends_at < midnight and not overlaps:
                    spans.append((case.asked_at, case.ends_at))
                    chosen.append(case)
        return sorted(chosen, key=lambda c: c.asked_at)

    def last_night(self, midnight: datetime) -> list[Case]:
        """Return the night before the story: orders and a broken promise, whatever the day."""

        def at(hour: int, minute: int) -> datetime:
            return midnight + timedelta(hours=hour, minutes=minute)

        return [
            Case(
                "r004",
                at(0, 5),
                *QUESTIONS[9],
                "m2",
                at(0, 14),
                at(0, 16),
                score=4,
                rated_at=at(0, 30),
            ),
            Case(
                "r003",
                at(0, 12),
                "",
                "",
                "m2",
                at(0, 19),
                at(0, 21),
                brand=POPULAR[0],
                quantity="2条",
                outcome=SupplyOutcome.FULFILLED,
                score=5,
                rated_at=at(0, 40),
            ),
            # 李经理 answers at once, and it is "out of stock" again: the retailer rates him 1.
            Case(
                "r005",
                at(0, 35),
                "",
                "",
                "m1",
                at(0, 41),
                at(0, 42),
                brand=POPULAR[1],
                quantity="3条",
                outcome=SupplyOutcome.OUT_OF_STOCK,
                score=1,
                rated_at=at(0, 55),
                comment=COMMENTS[1],
            ),
            # He promises half an hour and answers after forty minutes.
            Case(
                "r002",
                at(1, 20),
                *QUESTIONS[0],
                "m1",
                at(2, 5),
                at(2, 8),
                on_it=(at(1, 26), 30),
                score=2,
                rated_at=at(2, 30),
                comment=COMMENTS[3],
            ),
        ]

    def _moments(self, midnight: datetime) -> list[datetime]:
        """Return a day's moments of asking: many on weekdays, a few at weekends."""
        weekday = midnight.weekday() < 5
        count = self.rng.randint(*(WEEKDAY_CASES if weekday else WEEKEND_CASES))
        weights = WEEKDAY_HOURS if weekday else WEEKEND_HOURS
        hours = self.rng.choices(range(24), weights=weights, k=count)
        return sorted(
            midnight + timedelta(hours=h, minutes=self.rng.uniform(0, 59.5)) for h in hours
        )

    def _case(self, retailer_id: str, asked: datetime) -> Case:
        """Return how one question or order goes, by its manager's habits and the hour."""
        rng = self.rng
        manager_id = self.managers[retailer_id]
        manager = self.team.managers[manager_id]
        off_hours = not manager.hours.covers(asked.astimezone(self.zone))
        slow = manager_id == "m1"
        brand = None
        if rng.random() < 0.3:
            brand = rng.choice(POPULAR) if rng.random() < 0.6 else rng.choice(OTHER_BRANDS)
        question, answer = rng.choice(QUESTIONS)
        on_it = None
        outcome_at = None
        answered_by = manager_id
        if slow and off_hours and rng.random() < 0.55:
            # 李经理 is silent at night: the ladder reaches the backup (30 min) or the supervisor.
            to_backup = rng.random() < 0.75
            answered_by = (manager.backup if to_backup else manager.supervisor) or manager_id
            wait = rng.uniform(32, 55) if to_backup else rng.uniform(62, 85)
            answered = asked + timedelta(minutes=wait)
            if brand is not None:
                answer = f"{self.team.name_of(manager_id)}明早给您确认货源。"
            # He sees it in the morning: sets the order's outcome and closes the ticket.
            morning = datetime.combine(
                answered.astimezone(self.zone).date() + timedelta(days=1), time(8, 35), self.zone
            )
            resolved = morning + timedelta(minutes=rng.uniform(0, 40))
            outcome_at = resolved - timedelta(minutes=1) if brand is not None else None
        else:
            median = (20 if off_hours else 9) if slow else (10 if off_hours else 4)
            wait = min(max(rng.lognormvariate(0, 0.6) * median, 1.0), 70.0)
            answered = asked + timedelta(minutes=wait)
            if rng.random() < (0.15 if slow else 0.05):
                pressed = asked + timedelta(minutes=rng.uniform(1, 4))
                minutes = rng.choice((15, 30))
                on_it = (pressed, minutes)
                kept = rng.random() < (0.6 if slow else 0.9)
                late = rng.uniform(0.3, 0.9) * minutes if kept else minutes + rng.uniform(4, 20)
                answered = pressed + timedelta(minutes=late)
            resolved = answered + timedelta(minutes=rng.uniform(1, 8))
        outcome = self._outcome(slow, brand) if brand is not None else None
        denied = outcome in (SupplyOutcome.OUT_OF_STOCK, SupplyOutcome.REFUSED)
        late = answered - asked > timedelta(minutes=30) or answered_by != manager_id
        score = rated = comment = None
        if rng.random() < 0.65:
            bad = late or (denied and brand in POPULAR)
            low = rng.random() < ((0.45 if bad else 0.08) if slow else (0.12 if bad else 0.01))
            score = rng.choice((1, 2)) if low else rng.choice((3, 4, 4, 5, 5, 5))
            rated = resolved + timedelta(minutes=rng.uniform(3, 120))
            comment = rng.choice(COMMENTS) if low and rng.random() < 0.7 else None
        return Case(
            retailer_id,
            asked,
            question if brand is None else "",
            answer if brand is None or outcome_at is not None else "",
            answered_by,
            answered,
            resolved,
            brand=brand,
            quantity=rng.choice(QUANTITIES) if brand is not None else "",
            outcome=outcome,
            outcome_at=outcome_at,
            on_it=on_it,
            score=score,
            rated_at=rated,
            comment=comment,
        )

    def _outcome(self, slow: bool, brand: str) -> SupplyOutcome:
        """Return how an order ends: 李经理 denies the popular brands far more often."""
        popular = brand in POPULAR
        out, refused, partial = (
            ((0.45, 0.2, 0.05) if popular else (0.1, 0.03, 0.05))
            if slow
            else ((0.1, 0.03, 0.1) if popular else (0.05, 0.0, 0.05))
        )
        draw = self.rng.random()
        if draw < out:
            return SupplyOutcome.OUT_OF_STOCK
        if draw < out + refused:
            return SupplyOutcome.REFUSED
        if draw < out + refused + partial:
            return SupplyOutcome.PARTIAL
        return SupplyOutcome.FULFILLED
