"""A Spanish-speaking teacher on Telegram: the menu and the replies in Spanish from the start."""

from __future__ import annotations

from core.i18n import available_languages
from tests.adapters.telegram.conftest import Bot

MARIA = 4242


async def test_the_menu_is_published_in_every_language(bot: Bot) -> None:
    assert "es" in available_languages()
    english = {c["command"]: c["description"] for c in bot.tg.commands()}
    spanish = {c["command"]: c["description"] for c in bot.tg.commands(language_code="es")}
    assert set(spanish) == set(english)
    assert spanish["cpd"] != english["cpd"]


async def test_first_contact_takes_the_language_telegram_gives(bot: Bot) -> None:
    bot.tg.push_text(MARIA, "/profile set role=teacher", first_name="María", language_code="es-ES")
    call = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == MARIA)
    member = bot.member(MARIA)
    assert member is not None and member.language == "es"
    assert "Profile updated" not in call.params["text"]
    english = await bot.say(7, "/profile set role=teacher")
    assert "Profile updated" in english


async def test_start_asks_for_the_timezone_with_likely_ones(bot: Bot) -> None:
    bot.tg.push_text(MARIA, "/start", first_name="María", language_code="es")
    call = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == MARIA)
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Madrid", "Mexico City"]
    assert "UTC" in call.params["text"] and "Welcome to" not in call.params["text"]
    # Pressing one sets it.
    bot.tg.push_callback(MARIA, buttons[0]["callback_data"], call.result["message_id"])
    answer = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == MARIA and "Europe/Madrid" in c.params["text"],
    )
    assert answer is not None
    member = bot.member(MARIA)
    assert member is not None and member.timezone == "Europe/Madrid"
