"""Staff on Telegram: answer ideas with translated ready-made answers, run dugnads, see
the impact and reach an area. Only registered staff are answered, and each only for their
own areas; for anyone else these commands are ordinary text in the resident conversation.

Multi-step work (an answer waiting for the staff's own words, a new dugnad, a broadcast)
is kept in `staff_states`, so it survives a restart like residents' conversations do.
"""

from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from conversations.labels import ANSWER_TEMPLATES, SEASONS

from .. import services
from ..app import App
from ..i18n import LANGUAGE_NAMES
from ..models import (
    EVENT_SCHEDULED,
    IDEA_OPEN_STATUSES,
    IDEA_STATUSES,
    SIGNUP_CONFIRMED,
    SIGNUP_HOLDS_PLACE,
    DugnadEvent,
    Idea,
    IdeaSupport,
    Resident,
    Signup,
    Staff,
    StaffState,
    utcnow,
)
from ..staff_i18n import StaffText
from ..digest import split_html
from ..impact import measure, name_areas, render_html as impact_html
from .telegram_api import with_retries

PREFIX = "staff"  # callback data: staff|<action>|<args…>
COMMANDS = frozenset(
    {"ideas", "idea", "events", "newevent", "signups", "attended", "cancelevent", "editevent", "impact",
     "broadcast", "invite", "cancel", "staff"}
)
LIST_LIMIT = 20
STATE_TTL = timedelta(days=1)
STAFF_IDS_TTL = 30.0  # seconds: a staff member added by `benken staff add` is known this soon
NEW_EVENT_STEPS = ("area", "title", "date", "start", "end", "place", "capacity")


def _button(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data="|".join([PREFIX, *map(str, parts)])[:64])


def _rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def _esc(text: object) -> str:
    return html.escape(str(text), quote=False)


class StaffDesk:
    """Decides which updates are staff work and does that work."""

    def __init__(self, app: App, bot: Bot):
        self.app, self.bot = app, bot
        self._staff_ids: frozenset[int] = frozenset()
        self._staff_ids_at = float("-inf")

    async def _is_staff(self, telegram_id: int) -> bool:
        """Whether the sender is staff, from a short-lived list: residents' messages (nearly
        all of them) then cost no query."""
        now = time.monotonic()
        if now - self._staff_ids_at > STAFF_IDS_TTL:
            async with self.app.sessions() as session:
                self._staff_ids = frozenset((await session.execute(select(Staff.telegram_id))).scalars())
            self._staff_ids_at = now
        return telegram_id in self._staff_ids

    async def staff_for(self, update: Update) -> Staff | None:
        """The staff member when this update is staff work: a staff command or button, or
        text while they are in the middle of something; else None (resident flow)."""
        user = update.effective_user
        message = update.message
        if user is None:
            return None
        query = update.callback_query
        is_button = query is not None and (query.data or "").startswith(PREFIX + "|")
        command = _command(message.text) if message is not None and message.text else None
        if not is_button and command is None and (message is None or message.text is None):
            return None
        if not await self._is_staff(user.id):
            return None
        async with self.app.sessions() as session:
            staff = await services.staff_by_telegram(session, user.id)
            if staff is None:
                return None
            if is_button or command in COMMANDS:
                return staff
            state = await session.get(StaffState, staff.id)
            fresh = state is not None and utcnow() - state.updated_at < STATE_TTL
            return staff if fresh and command is None else None

    async def handle(self, update: Update, staff: Staff) -> bool:
        """Do the staff work of one update; False when it was handled before."""
        t = StaffText(staff.locale, self.app.settings.timezone)
        async with self.app.sessions() as session, session.begin():
            if await services.record_inbound(session, "telegram", str(update.update_id), None, "staff") is None:
                return False
            staff = await session.get(Staff, staff.id)
            slugs = await services.staff_area_slugs(session, staff, self.app.areas)
            work = _Work(self, session, staff, slugs, t, update.effective_user.id)
            if update.callback_query is not None:
                await _answer_query(update)
                await work.button(update.callback_query.data.split("|")[1:])
            else:
                text = update.message.text.strip()
                command = _command(text)
                if command:
                    await work.clear()
                    await work.command(command, text.split()[1:])
                else:
                    await work.text(text)
        for text, markup in work.replies:
            for piece in split_html(text):
                await with_retries(self.bot.send_message, work.chat_id, piece, parse_mode=ParseMode.HTML,
                                   reply_markup=markup)
                markup = None if piece is not text else markup
        return True


def _command(text: str | None) -> str | None:
    if not text or not text.startswith("/"):
        return None
    return text[1:].split()[0].split("@")[0].lower() if len(text) > 1 else None


async def _answer_query(update: Update) -> None:
    try:
        await update.callback_query.answer()
    except Exception:  # an old button: the work below still answers in the chat
        pass


class _Work:
    """One staff update: what they may touch, and the replies gathered."""

    def __init__(self, desk: StaffDesk, session: AsyncSession, staff: Staff, slugs: list[str], t: StaffText, chat_id: int):
        self.desk, self.session, self.staff, self.slugs, self.t, self.chat_id = desk, session, staff, slugs, t, chat_id
        self.replies: list[tuple[str, InlineKeyboardMarkup | None]] = []
        self.tz = desk.app.settings.timezone

    def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        self.replies.append((text, markup))

    def area_name(self, slug: str) -> str:
        area = self.desk.app.areas.get(slug)
        return area.name if area else slug

    # State ---------------------------------------------------------------------------------------

    async def state(self) -> StaffState | None:
        return await self.session.get(StaffState, self.staff.id)

    async def keep(self, kind: str, data: dict) -> None:
        state = await self.state()
        if state is None:
            state = StaffState(staff_id=self.staff.id, kind=kind, data={})
            self.session.add(state)
        state.kind, state.data, state.updated_at = kind, dict(data), utcnow()

    async def clear(self) -> None:
        state = await self.state()
        if state is not None:
            await self.session.delete(state)
            await self.session.flush()

    # Access ---------------------------------------------------------------------------------------

    async def idea(self, raw: str) -> Idea | None:
        number = raw.strip().upper().removeprefix("I-")
        idea = await self.session.get(Idea, int(number)) if number.isdigit() else None
        if idea is None:
            self.say(_esc(self.t._s("There is no idea {ref}.", ref=raw)))
        elif idea.area_slug not in self.slugs:
            self.say(_esc(self.t._s("That is not one of your areas.")))
            return None
        return idea

    async def event(self, raw: str) -> DugnadEvent | None:
        number = raw.strip().lstrip("#")
        event = await self.session.get(DugnadEvent, int(number)) if number.isdigit() else None
        if event is None:
            self.say(_esc(self.t._s("There is no dugnad {number}.", number=raw)))
        elif event.area_slug not in self.slugs:
            self.say(_esc(self.t._s("That is not one of your areas.")))
            return None
        return event

    # Dispatch -----------------------------------------------------------------------------------------

    async def command(self, name: str, args: list[str]) -> None:
        handler = getattr(self, f"cmd_{name}", None)
        if not self.slugs and name not in ("cancel", "staff"):
            self.say(_esc(self.t._s("You have no areas yet. An admin can add them with benken staff add.")))
        elif handler is not None:
            await handler(args)

    async def button(self, parts: list[str]) -> None:
        handler = getattr(self, f"btn_{parts[0]}", None)
        if handler is not None:
            await handler(*parts[1:])

    async def text(self, text: str) -> None:
        state = await self.state()
        if state is not None:
            await getattr(self, f"text_{state.kind}")(state, text)

    # Help and cancel ------------------------------------------------------------------------------------

    async def cmd_staff(self, _args) -> None:
        t = self.t
        self.say(_esc(t._s(
            "Staff commands:\n/ideas [status] [area] - ideas waiting for an answer\n/idea 12 - one idea, and answer it\n"
            "/events - coming dugnads\n/newevent - a new dugnad\n/signups 3 - who signed up\n"
            "/attended D-7 D-9 [hours] - who came\n/cancelevent 3, /editevent 3 place|start|end ...\n"
            "/invite 3 - invite residents who want to help\n/impact [area] [days] - the figures\n"
            "/broadcast - a message to a whole area\n/cancel - stop what you are doing"
        )))

    async def cmd_cancel(self, _args) -> None:
        self.say(_esc(self.t._s("OK, stopped.")))

    # Ideas ----------------------------------------------------------------------------------------------

    async def cmd_ideas(self, args: list[str]) -> None:
        t = self.t
        status = next((a for a in args if a in IDEA_STATUSES), None)
        area = next((a for a in args if self.desk.app.areas.get(a)), None)
        if area and area not in self.slugs:
            self.say(_esc(t._s("That is not one of your areas.")))
            return
        statuses = (status,) if status else IDEA_OPEN_STATUSES
        supporters = select(func.count(IdeaSupport.id)).where(IdeaSupport.idea_id == Idea.id).scalar_subquery()
        rows = (await self.session.execute(
            select(Idea, supporters)
            .where(Idea.area_slug.in_([area] if area else self.slugs), Idea.status.in_(statuses))
            .order_by(Idea.answer_due, Idea.id)
            .limit(LIST_LIMIT)
        )).all()
        if not rows:
            self.say(_esc(t._s("No ideas here.")))
            return
        today = utcnow().astimezone(ZoneInfo(self.tz)).date()
        lines = [f"<b>{_esc(t._s('Ideas'))}</b>"]
        for idea, count in rows:
            flags = (" ⚠️ " + t._s("overdue")) if idea.answer_due < today and idea.status == "received" else ""
            helper = " ✋" if idea.wants_to_help else ""
            lines.append(
                f"I-{idea.id} · {_esc(self.area_name(idea.area_slug))} · {_esc(idea.status)} · "
                f"{_esc(t._sn('{n} supporter', '{n} supporters', count))}{helper}{_esc(flags)}\n"
                f"   {_esc(_short(idea.text, 90))}"
            )
        buttons = [_button(f"I-{idea.id}", "open", idea.id) for idea, _ in rows]
        self.say("\n".join(lines), _rows(buttons, 4))

    async def cmd_idea(self, args: list[str]) -> None:
        if not args:
            self.say(_esc(self.t._s("Which idea? For example: /idea 12")))
            return
        await self.btn_open(args[0])

    async def btn_open(self, raw: str) -> None:
        idea = await self.idea(str(raw))
        if idea is None:
            return
        t = self.t
        supporters = (await self.session.execute(
            select(func.count(IdeaSupport.id)).where(IdeaSupport.idea_id == idea.id)
        )).scalar_one()
        age = (utcnow() - idea.created_at).days
        place = idea.place_text or (t._s("map location") if idea.latitude is not None else "-")
        if idea.latitude is not None:
            place += f" ({idea.latitude:.5f}, {idea.longitude:.5f})"
        lines = [
            f"<b>I-{idea.id}</b> · {_esc(self.area_name(idea.area_slug))} · {_esc(idea.status)}",
            f"“{_esc(idea.text)}”",
            _esc(t._s("Category: {category}", category=idea.category)),
            _esc(t._s("Place: {place}", place=place)),
            _esc(t._s("Written in {language}, {days} days ago", language=LANGUAGE_NAMES.get(idea.locale, idea.locale),
                      days=t.number(age))),
            _esc(t._s("Wants to help: {answer}", answer=t._s("yes") if idea.wants_to_help else t._s("no"))),
            _esc(t._sn("{n} supporter", "{n} supporters", supporters)),
            _esc(t._s("Answer promised by {date}", date=t.date(idea.answer_due))),
        ]
        buttons = [_button(status, "st", idea.id, status) for status in IDEA_STATUSES if status != idea.status]
        self.say("\n".join(lines), _rows(buttons, 3))
        if idea.photo_ref and not idea.photo_ref.startswith(("file:", "http")):
            self.replies.append((_esc(t._s("The photo:")), None))
            await self.desk.bot.send_photo(self.chat_id, idea.photo_ref)

    async def btn_st(self, idea_id: str, status: str) -> None:
        idea = await self.idea(idea_id)
        if idea is None or status not in IDEA_STATUSES:
            return
        await self.keep("answer", {"idea": idea.id, "status": status})
        t = self.t
        labels = {
            "meeting": t._s("We take it to the next planning meeting"),
            "season": t._s("It is planned for a season"),
            "passed_on": t._s("Not ours: passed to an agency"),
            "done_thanks": t._s("Done, thank you!"),
            "none": t._s("No ready-made answer"),
        }
        buttons = [_button(labels[key], "tp", key) for key in (*ANSWER_TEMPLATES, "none")]
        self.say(_esc(t._s("I-{id} becomes {status}. Choose a ready-made answer; residents get it in their own language:",
                           id=idea.id, status=status)), _rows(buttons, 1))

    async def btn_tp(self, key: str, param: str | None = None) -> None:
        state = await self.state()
        if state is None or state.kind != "answer":
            self.say(_esc(self.t._s("That button has expired. Open the idea again.")))
            return
        t = self.t
        data = {**state.data, "template": None if key == "none" else key}
        if key == "season" and param is None:
            await self.keep("answer", data)
            names = {"spring": t._s("spring"), "summer": t._s("summer"), "autumn": t._s("autumn"), "winter": t._s("winter")}
            self.say(_esc(t._s("Which season?")), _rows([_button(names[s], "tp", "season", s) for s in SEASONS], 4))
            return
        data["param"] = param
        data["awaiting"] = "agency" if key == "passed_on" else "note"
        await self.keep("answer", data)
        if key == "passed_on":
            self.say(_esc(t._s("Write the agency's name, for example Bymiljøetaten:")))
        else:
            self.ask_note()

    def ask_note(self) -> None:
        self.say(_esc(self.t._s("Write your own words to add (sent as you write them), or send it as it is:")),
                 _rows([_button(self.t._s("Send"), "go")], 1))

    async def text_answer(self, state: StaffState, text: str) -> None:
        data = dict(state.data)
        if data.get("awaiting") == "agency":
            data["param"], data["awaiting"] = text[:120], "note"
            await self.keep("answer", data)
            self.ask_note()
            return
        await self.send_answer(data, note=text)

    async def btn_go(self) -> None:
        state = await self.state()
        if state is None or state.kind != "answer" or state.data.get("awaiting") != "note":
            self.say(_esc(self.t._s("That button has expired. Open the idea again.")))
            return
        await self.send_answer(dict(state.data), note=None)

    async def send_answer(self, data: dict, note: str | None) -> None:
        idea = await self.idea(str(data["idea"]))
        if idea is None:
            return
        t = self.t
        try:
            told = await services.set_idea_status(
                self.session, idea, data["status"], note=note, timezone=self.tz, staff_id=self.staff.id,
                template=data.get("template"), template_param=data.get("param"),
            )
        except services.TransitionRefused as refused:
            self.say(_esc(str(refused)))
            return
        await self.clear()
        markup = _rows([_button(t._s("Tell the whole area"), "ysd", idea.id)], 1) if idea.status == "done" else None
        self.say(_esc(t._sn("Sent. I-{id} is now {status}; {n} resident will be told in their language.",
                            "Sent. I-{id} is now {status}; {n} residents will be told in their language.",
                            told, id=idea.id, status=idea.status)), markup)

    async def btn_ysd(self, idea_id: str) -> None:
        idea = await self.idea(idea_id)
        if idea is None:
            return
        try:
            told = await services.you_said_we_did(self.session, idea, timezone=self.tz)
        except services.TransitionRefused as refused:
            self.say(_esc(str(refused)))
            return
        self.say(_esc(self.t._sn("“You said, we did” goes to {n} resident.", "“You said, we did” goes to {n} residents.", told)))

    # Dugnads ---------------------------------------------------------------------------------------------

    async def cmd_events(self, _args) -> None:
        t = self.t
        taken = (
            select(func.count(Signup.id))
            .where(Signup.event_id == DugnadEvent.id, Signup.status.in_(SIGNUP_HOLDS_PLACE)).scalar_subquery()
        )
        waiting = (
            select(func.count(Signup.id))
            .where(Signup.event_id == DugnadEvent.id, Signup.status == "waitlisted").scalar_subquery()
        )
        rows = (await self.session.execute(
            select(DugnadEvent, taken, waiting)
            .where(DugnadEvent.area_slug.in_(self.slugs), DugnadEvent.status == EVENT_SCHEDULED,
                   DugnadEvent.end_at > utcnow())
            .order_by(DugnadEvent.start_at).limit(LIST_LIMIT)
        )).all()
        if not rows:
            self.say(_esc(t._s("No dugnads coming. Make one with /newevent.")))
            return
        lines = [f"<b>{_esc(t._s('Coming dugnads'))}</b>"]
        for event, count, queue in rows:
            lines.append(_esc(t._s(
                "#{id} {title}, {when}, {area}: {taken} of {capacity} places, {waiting} waiting",
                id=event.id, title=services.event_title(event, "nb"), when=t.datetime(event.start_at),
                area=self.area_name(event.area_slug), taken=count, capacity=event.capacity, waiting=queue,
            )))
        self.say("\n".join(lines), _rows([_button(f"#{e.id}", "su", e.id) for e, _c, _w in rows], 4))

    async def cmd_signups(self, args: list[str]) -> None:
        if not args:
            self.say(_esc(self.t._s("Which dugnad? For example: /signups 3")))
            return
        await self.btn_su(args[0])

    async def btn_su(self, raw: str) -> None:
        event = await self.event(str(raw))
        if event is None:
            return
        t = self.t
        rows = (await self.session.execute(
            select(Signup, Resident.locale, Resident.channel)
            .join(Resident, Resident.id == Signup.resident_id)
            .where(Signup.event_id == event.id, Signup.status != "cancelled")
            .order_by(Signup.status, Signup.queued_at)
        )).all()
        lines = [f"<b>#{event.id} {_esc(services.event_title(event, 'nb'))}</b> · {_esc(t.datetime(event.start_at))}"]
        if not rows:
            lines.append(_esc(t._s("Nobody has signed up yet.")))
        for signup, locale, channel in rows:
            hours = f" · {t.number(signup.hours)} h" if signup.hours else ""
            lines.append(f"D-{signup.id} · {_esc(signup.status)} · {_esc(LANGUAGE_NAMES.get(locale or '', '-'))} · {_esc(channel)}{hours}")
        buttons = [_button(t._s("D-{id} came", id=s.id), "came", s.id) for s, _l, _c in rows if s.status == SIGNUP_CONFIRMED]
        if buttons:
            buttons.append(_button(t._s("Everyone confirmed came"), "allcame", event.id))
        self.say("\n".join(lines), _rows(buttons, 3) if buttons else None)

    async def btn_came(self, signup_id: str) -> None:
        await self.mark([signup_id], None)

    async def btn_allcame(self, event_id: str) -> None:
        event = await self.event(event_id)
        if event is None:
            return
        ids = (await self.session.execute(
            select(Signup.id).where(Signup.event_id == event.id, Signup.status == SIGNUP_CONFIRMED)
        )).scalars().all()
        await self.mark([str(i) for i in ids], None)

    async def cmd_attended(self, args: list[str]) -> None:
        refs = [a for a in args if a.upper().startswith("D-")]
        numbers = [a.replace(",", ".") for a in args if re.fullmatch(r"\d+([.,]\d+)?", a)]
        hours = float(numbers[0]) if numbers else None
        if hours is not None and not 0 < hours <= 24:
            self.say(_esc(self.t._s("Hours must be more than 0 and at most 24.")))
            return
        if not refs:
            self.say(_esc(self.t._s("Who came? For example: /attended D-7 D-9 2.5")))
            return
        await self.mark([r.upper().removeprefix("D-") for r in refs], hours)

    async def mark(self, ids: list[str], hours: float | None) -> None:
        marked = []
        for raw in ids:
            signup = await self.session.get(Signup, int(raw)) if raw.isdigit() else None
            event = await self.session.get(DugnadEvent, signup.event_id) if signup else None
            if signup is None or event.area_slug not in self.slugs:
                self.say(_esc(self.t._s("There is no sign-up D-{id} in your areas.", id=raw)))
                continue
            try:
                await services.mark_attended(self.session, signup, hours=hours)
            except ValueError as problem:
                self.say(_esc(str(problem)))
                continue
            marked.append(f"D-{signup.id}")
        if marked:
            self.say(_esc(self.t._s("Marked as came: {refs}. They get thanks tomorrow morning.", refs=", ".join(marked))))

    async def cmd_cancelevent(self, args: list[str]) -> None:
        event = await self.event(args[0]) if args else None
        if event is None:
            if not args:
                self.say(_esc(self.t._s("Which dugnad? For example: /cancelevent 3")))
            return
        self.say(_esc(self.t._s("Cancel #{id} {title}? Everyone signed up will be told.", id=event.id,
                                title=services.event_title(event, "nb"))),
                 _rows([_button(self.t._s("Yes, cancel it"), "cx", event.id)], 1))

    async def btn_cx(self, event_id: str) -> None:
        event = await self.event(event_id)
        if event is None or event.status != EVENT_SCHEDULED:
            return
        told = await services.cancel_event(self.session, event, timezone=self.tz)
        self.say(_esc(self.t._sn("Cancelled. {n} resident will be told.", "Cancelled. {n} residents will be told.", told)))

    async def cmd_editevent(self, args: list[str]) -> None:
        t = self.t
        if len(args) < 3 or args[1] not in ("place", "start", "end"):
            self.say(_esc(t._s("For example: /editevent 3 place By the school, or /editevent 3 start 2026-12-05 11:00")))
            return
        event = await self.event(args[0])
        if event is None:
            return
        value = " ".join(args[2:])
        change: dict = {}
        if args[1] == "place":
            change["place"] = value[:300]
        else:
            moment = _parse_moment(value, self.tz)
            if moment is None:
                self.say(_esc(t._s("I could not read the time. Write it like 2026-12-05 11:00.")))
                return
            change["start_at" if args[1] == "start" else "end_at"] = moment
            if args[1] == "start" and "end_at" not in change:
                change["end_at"] = moment + (event.end_at - event.start_at)
        try:
            told = await services.change_event(self.session, event, timezone=self.tz, **change)
        except ValueError as problem:
            self.say(_esc(str(problem)))
            return
        self.say(_esc(t._sn("Changed. {n} resident will be told.", "Changed. {n} residents will be told.", told)))

    async def cmd_invite(self, args: list[str]) -> None:
        event = await self.event(args[0]) if args else None
        if event is None:
            if not args:
                self.say(_esc(self.t._s("Which dugnad? For example: /invite 3")))
            return
        told = await services.invite_helpers(self.session, event, timezone=self.tz)
        self.say(_esc(self.t._sn("{n} resident who wants to help is invited.", "{n} residents who want to help are invited.", told)))

    # A new dugnad, step by step --------------------------------------------------------------------

    async def cmd_newevent(self, _args) -> None:
        data: dict = {"step": "area"}
        if len(self.slugs) == 1:
            data.update(area=self.slugs[0], step="title")
        await self.keep("newevent", data)
        await self.ask_newevent(data)

    async def ask_newevent(self, data: dict) -> None:
        t = self.t
        questions = {
            "title": t._s("What is the dugnad called?"),
            "date": t._s("Which day? For example 2026-12-05"),
            "start": t._s("When does it start? For example 10:00"),
            "end": t._s("When does it end? For example 14:00"),
            "place": t._s("Where do you meet?"),
            "capacity": t._s("How many places?"),
        }
        if data["step"] == "area":
            buttons = [_button(self.area_name(s), "na", s) for s in self.slugs]
            self.say(_esc(t._s("Which area?")), _rows(buttons, 2))
        else:
            self.say(_esc(questions[data["step"]]) + "  " + _esc(t._s("(/cancel to stop)")))

    async def btn_na(self, slug: str) -> None:
        state = await self.state()
        if state is None or state.kind != "newevent" or slug not in self.slugs:
            return
        data = {**state.data, "area": slug, "step": "title"}
        await self.keep("newevent", data)
        await self.ask_newevent(data)

    async def text_newevent(self, state: StaffState, text: str) -> None:
        t, data = self.t, dict(state.data)
        step, problem = data["step"], None
        if step == "title":
            data["title"] = text[:120]
        elif step == "date":
            day = _parse_date(text)
            problem = None if day else t._s("I could not read the day. Write it like 2026-12-05.")
            data["date"] = day
        elif step in ("start", "end"):
            at = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
            problem = None if at and int(at[1]) < 24 and int(at[2]) < 60 else t._s("Write the time like 10:00.")
            data[step] = f"{int(at[1]):02d}:{at[2]}" if not problem else None
            if step == "end" and not problem and data["end"] <= data["start"]:
                problem = t._s("The end must be after the start.")
        elif step == "place":
            data["place"] = text[:300]
        elif step == "capacity":
            problem = None if text.isdigit() and 0 < int(text) <= 1000 else t._s("Write a number, for example 20.")
            data["capacity"] = int(text) if not problem else None
        if problem:
            self.say(_esc(problem))
            return
        following = NEW_EVENT_STEPS[NEW_EVENT_STEPS.index(step) + 1] if step != "capacity" else "confirm"
        data["step"] = following
        await self.keep("newevent", data)
        if following != "confirm":
            await self.ask_newevent(data)
            return
        self.say(_esc(t._s("{title}, {date} {start}-{end}, {place}, {area}, {capacity} places. Create it?",
                           title=data["title"], date=data["date"], start=data["start"], end=data["end"],
                           place=data["place"], area=self.area_name(data["area"]), capacity=data["capacity"])),
                 _rows([_button(t._s("Create"), "mk")], 1))

    async def btn_mk(self) -> None:
        state = await self.state()
        if state is None or state.kind != "newevent" or state.data.get("step") != "confirm":
            return
        data = state.data
        start = _parse_moment(f"{data['date']} {data['start']}", self.tz)
        end = _parse_moment(f"{data['date']} {data['end']}", self.tz)
        event = await services.create_event(
            self.session, area_slug=data["area"], titles={"nb": data["title"]}, place=data["place"],
            start_at=start, end_at=end, capacity=data["capacity"], timezone=self.tz,
        )
        await self.clear()
        self.say(_esc(self.t._s("Dugnad #{id} is made. Residents of {area} see it under “Join a dugnad”. "
                                "Invite those who want to help with /invite {id}.",
                                id=event.id, area=self.area_name(event.area_slug))))

    # Impact and broadcast -------------------------------------------------------------------------

    async def cmd_impact(self, args: list[str]) -> None:
        area = next((a for a in args if self.desk.app.areas.get(a)), None)
        days = next((int(a) for a in args if a.isdigit()), 365)
        if area and area not in self.slugs:
            self.say(_esc(self.t._s("That is not one of your areas.")))
            return
        now = utcnow()
        impact = name_areas(
            await measure(self.session, area_slugs=[area] if area else self.slugs,
                          since=now - timedelta(days=days), until=now, timezone=self.tz),
            self.desk.app.areas,
        )
        self.say(impact_html(impact, self.t.locale))

    async def cmd_broadcast(self, _args) -> None:
        data: dict = {"step": "area"}
        if len(self.slugs) == 1:
            data.update(area=self.slugs[0], step="text")
        await self.keep("broadcast", data)
        if data["step"] == "area":
            self.say(_esc(self.t._s("Which area?")), _rows([_button(self.area_name(s), "ba", s) for s in self.slugs], 2))
        else:
            self.say(_esc(self.t._s("Write the message. It goes as you write it.")))

    async def btn_ba(self, slug: str) -> None:
        state = await self.state()
        if state is None or state.kind != "broadcast" or slug not in self.slugs:
            return
        await self.keep("broadcast", {"area": slug, "step": "text"})
        self.say(_esc(self.t._s("Write the message. It goes as you write it.")))

    async def text_broadcast(self, state: StaffState, text: str) -> None:
        if state.data.get("step") != "text":
            return
        area = state.data["area"]
        residents = await services.reachable_residents(self.session, area)
        by_channel = {"telegram": 0, "sms": 0}
        for resident in residents:
            by_channel[resident.channel] += 1
        await self.keep("broadcast", {"area": area, "step": "confirm", "text": text[:1000]})
        t = self.t
        self.say(_esc(t._s("It will reach {n} residents in {area}: {telegram} on Telegram, {sms} by SMS. Send it?",
                           n=len(residents), area=self.area_name(area), telegram=by_channel["telegram"],
                           sms=by_channel["sms"])),
                 _rows([_button(t._s("Send to all"), "bc")], 1))

    async def btn_bc(self) -> None:
        state = await self.state()
        if state is None or state.kind != "broadcast" or state.data.get("step") != "confirm":
            return
        text = state.data["text"]
        told = await services.broadcast(self.session, state.data["area"], lambda _t: text, kind="broadcast",
                                        timezone=self.tz)
        await self.clear()
        self.say(_esc(self.t._sn("Queued for {n} resident.", "Queued for {n} residents.", told)))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parse_date(text: str):
    from datetime import date

    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})\.(\d{1,2})\.(\d{4})"):
        found = re.fullmatch(pattern, text.strip())
        if found:
            parts = [int(p) for p in found.groups()]
            year, month, day = parts if pattern.startswith(r"(\d{4})") else (parts[2], parts[1], parts[0])
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return None
    return None


def _parse_moment(text: str, timezone: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None
