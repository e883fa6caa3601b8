"""Which staff command, button or unfinished work goes where: the desk's declarative table.
Only registered staff get here, and every handler checks the staff member's areas."""

from __future__ import annotations

from typing import Awaitable, Callable

from . import desk_link, dugnads, ideas, outreach, reach
from .desk import Desk, cancel, staff_help

Handler = Callable[..., Awaitable[None]]

COMMANDS: dict[str, Handler] = {"staff": staff_help, "cancel": cancel, **ideas.COMMANDS, **dugnads.COMMANDS,
                                **reach.COMMANDS, **outreach.COMMANDS,
                                **desk_link.COMMANDS}
BUTTONS: dict[str, Handler] = {"no": cancel, **ideas.BUTTONS, **dugnads.BUTTONS, **reach.BUTTONS, **outreach.BUTTONS}
TEXT_STEPS: dict[str, Handler] = {**ideas.TEXT_STEPS, **dugnads.TEXT_STEPS, **reach.TEXT_STEPS,
                                  **outreach.TEXT_STEPS}


async def on_command(desk: Desk, name: str, args: list[str]) -> None:
    await desk.clear()  # a command ends whatever was unfinished
    if not desk.slugs and name not in ("cancel", "staff", "desk"):
        desk.tell(desk.t._s("You have no areas yet. An admin can add them with benken staff add."))
    elif name in COMMANDS:
        await COMMANDS[name](desk, args)


async def on_button(desk: Desk, parts: list[str]) -> None:
    if parts and parts[0] in BUTTONS:
        await BUTTONS[parts[0]](desk, *parts[1:])


async def on_text(desk: Desk, text: str) -> None:
    state = await desk.state()
    if state is not None and state.kind in TEXT_STEPS:
        await TEXT_STEPS[state.kind](desk, state, text)
