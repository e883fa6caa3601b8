"""Staff and residents' own initiative: putting an idea on the area's public results page
(with a summary for everyone to read), and the dugnads residents propose (approve with a
day and times, the resident its organiser, or decline with a word of thanks)."""

from __future__ import annotations

from ..domain import organisers, publishing
from ..models import DugnadProposal, StaffState
from ..text.resident import LANGUAGE_NAMES
from ..text.times import parse_local_moment
from . import actions
from .desk import LIST_LIMIT, Desk, button, esc, rows
from .dugnads import NEW_EVENT_STEPS

PUBLISH, APPROVE, DECLINE = "publish", "approve", "decline"  # unfinished work of each kind
TIMES = [ask for ask in NEW_EVENT_STEPS if ask.key in ("date", "start", "end")]  # what staff set on approval


# The results page ----------------------------------------------------------------------------


async def ask_summary(desk: Desk, idea_id: str) -> None:
    """"Publish on the results page": the summary everyone will read is asked next."""
    idea = await desk.idea(idea_id)
    if idea is None:
        return
    await desk.keep(PUBLISH, {"idea": idea.id})
    desk.tell(desk.t._s("Write the public summary of I-{id} for the results page. Everyone can read it: "
                        "no names, no addresses. It is published as you write it.", id=idea.id))


async def take_summary(desk: Desk, state: StaffState, text: str) -> None:
    idea = await desk.idea(str(state.data["idea"]))
    if idea is None:
        return
    try:
        told = await actions.publish_idea(
            desk.session, idea, text, staff_id=desk.staff.id, timezone=desk.tz, base_url=desk.public_base_url,
            locale=desk.t.locale, photo=bool(idea.photo_ref),
        )
    except publishing.PublishRefused as refused:
        desk.tell(str(refused))
        return
    await desk.clear()
    where = publishing.results_url(desk.public_base_url, idea.area_slug) if desk.public_base_url else ""
    desk.tell(desk.t._sn("I-{id} is on the results page {url}. {n} resident gets the link.",
                         "I-{id} is on the results page {url}. {n} residents get the link.",
                         told, id=idea.id, url=where))


async def unpublish(desk: Desk, idea_id: str) -> None:
    idea = await desk.idea(idea_id)
    if idea is not None:
        await publishing.unpublish_idea(desk.session, idea)
        desk.tell(desk.t._s("I-{id} is no longer on the results page.", id=idea.id))


# Dugnads residents propose -------------------------------------------------------------------


async def list_proposals(desk: Desk, _args) -> None:
    """/proposals: dugnads residents proposed, oldest first."""
    found = (await organisers.open_proposals(desk.session, desk.slugs))[:LIST_LIMIT]
    if not found:
        desk.tell(desk.t._s("No proposed dugnads."))
        return
    lines = [f"<b>{esc(desk.t._s('Proposed dugnads'))}</b>"]
    lines += [f"P-{p.id} · {esc(desk.area_name(p.area_slug))} · {esc(p.what)}" for p in found]
    desk.say("\n".join(lines), rows([button(f"P-{p.id}", "prop", p.id) for p in found], 4))


async def _proposal(desk: Desk, raw: str) -> DugnadProposal | None:
    proposal = await desk.session.get(DugnadProposal, int(raw)) if str(raw).isdigit() else None
    if proposal is None or proposal.status != organisers.PROPOSAL_PROPOSED:
        desk.tell(desk.t._s("There is no open proposal P-{id}.", id=raw))
        return None
    return proposal if desk.own_area(proposal.area_slug) else None


async def show_proposal(desk: Desk, raw: str) -> None:
    """One proposal in the resident's words, with Approve and Decline."""
    proposal = await _proposal(desk, raw)
    if proposal is None:
        return
    t = desk.t
    lines = [
        f"<b>P-{proposal.id}</b> · {esc(desk.area_name(proposal.area_slug))}",
        f"“{esc(proposal.what)}”",
        esc(t._s("Where: {place}", place=proposal.place)),
        esc(t._s("When (their words): {when}", when=proposal.when_text)),
        esc(t._s("Places: {n}", n=proposal.hands)),
        esc(t._s("Organiser shown as: {name} (written in {language})", name=proposal.organiser_name,
                 language=LANGUAGE_NAMES.get(proposal.locale, proposal.locale))),
    ]
    desk.say("\n".join(lines), rows([button(t._s("Approve"), "pa", proposal.id),
                                     button(t._s("Decline"), "pd", proposal.id)], 2))


async def start_approval(desk: Desk, raw: str) -> None:
    proposal = await _proposal(desk, raw)
    if proposal is not None:
        await desk.keep(APPROVE, {"proposal": proposal.id, "step": TIMES[0].key})
        desk.tell(TIMES[0].question(desk.t))


async def take_time(desk: Desk, state: StaffState, text: str) -> None:
    """The day, the start and the end; then the dugnad is made and its organiser told."""
    data, keys = dict(state.data), [ask.key for ask in TIMES]
    position = keys.index(data["step"])
    try:
        data[data["step"]] = TIMES[position].read(desk.t, text, data)
    except ValueError as problem:
        desk.tell(str(problem))
        return
    if position + 1 < len(TIMES):
        data["step"] = keys[position + 1]
        await desk.keep(APPROVE, data)
        desk.tell(TIMES[position + 1].question(desk.t))
        return
    proposal = await _proposal(desk, str(data["proposal"]))
    if proposal is None:
        return
    event = await actions.approve_proposal(
        desk.session, proposal, timezone=desk.tz, staff_id=desk.staff.id,
        start_at=parse_local_moment(f"{data['date']} {data['start']}", desk.tz),
        end_at=parse_local_moment(f"{data['date']} {data['end']}", desk.tz),
    )
    await desk.clear()
    desk.tell(desk.t._s("Dugnad #{id} is made, with {name} as organiser, who is told. "
                        "Change the place with /editevent {id} place ...", id=event.id, name=proposal.organiser_name))


async def start_decline(desk: Desk, raw: str) -> None:
    proposal = await _proposal(desk, raw)
    if proposal is not None:
        await desk.keep(DECLINE, {"proposal": proposal.id})
        desk.tell(desk.t._s("Write a few words to the resident (sent as you write them), or send it as it is:"),
                  rows([button(desk.t._s("Send"), "pdgo")], 1))


async def decline(desk: Desk, state: StaffState | None = None, text: str | None = None) -> None:
    state = state or await desk.state(DECLINE)
    proposal = await _proposal(desk, str(state.data["proposal"])) if state is not None else None
    if proposal is None:
        return
    await actions.decline_proposal(desk.session, proposal, note=text, timezone=desk.tz, staff_id=desk.staff.id)
    await desk.clear()
    desk.tell(desk.t._s("P-{id} is declined; the resident is told.", id=proposal.id))


async def send_decline(desk: Desk) -> None:
    await decline(desk)


COMMANDS = {"proposals": list_proposals}
BUTTONS = {"pub": ask_summary, "unpub": unpublish, "prop": show_proposal, "pa": start_approval, "pd": start_decline,
           "pdgo": send_decline}
TEXT_STEPS = {PUBLISH: take_summary, APPROVE: take_time, DECLINE: decline}
