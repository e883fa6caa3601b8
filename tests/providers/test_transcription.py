"""The speech-to-text adapter against a fake OpenAI-compatible server on loopback: the
documented multipart request (file, model, language as a hint), the answer, and each kind
of failure mapped to what the job does with it."""

from __future__ import annotations

import pytest

from bot.providers.transcription import (
    RecordingRejected,
    Transcriber,
    TranscriptionUnavailable,
    build,
    nearby,
)

from ..support import VOICE_IDEA


def transcriber(fake, **kwargs) -> Transcriber:
    return Transcriber(fake.base_url, fake.api_key, kwargs.pop("model", None), **kwargs)


async def test_a_recording_goes_as_a_multipart_file_with_model_and_language(fake_stt):
    fake_stt.hears(VOICE_IDEA, "Vi trenger flere benker ved skolen")
    stt = transcriber(fake_stt, model="Systran/faster-whisper-small")
    try:
        words = await stt.transcribe(VOICE_IDEA, "audio/ogg", "0123456789abcdef0123456789abcdef.ogg", "nb")
    finally:
        await stt.close()
    assert words == "Vi trenger flere benker ved skolen"
    call = fake_stt.calls[-1]
    assert call["fields"] == ["file", "language", "model", "response_format"]
    assert call["language"] == "no"  # Whisper names Norwegian "no"
    assert call["model"] == "Systran/faster-whisper-small" and call["response_format"] == "json"
    assert call["authorization"] == f"Bearer {fake_stt.api_key}"
    # The file goes under a neutral name: nothing in the request says who spoke, or which file it is.
    assert call["filename"] == "voice.ogg" and call["content_type"] == "audio/ogg" and call["size"] == len(VOICE_IDEA)


async def test_no_hint_where_whisper_has_no_such_language_and_openai_s_model_by_default(fake_stt):
    stt = transcriber(fake_stt)
    try:
        assert await stt.transcribe(VOICE_IDEA, "audio/ogg", "x.ogg", "ti") == f"[?] {len(VOICE_IDEA)} bytes of speech"
    finally:
        await stt.close()
    assert fake_stt.calls[-1]["language"] is None and fake_stt.calls[-1]["model"] == "whisper-1"


@pytest.mark.parametrize("status, error", [
    (400, RecordingRejected), (413, RecordingRejected), (429, TranscriptionUnavailable),
    (500, TranscriptionUnavailable), (503, TranscriptionUnavailable),
])
async def test_errors_say_whether_trying_again_helps(fake_stt, status, error):
    fake_stt.fail_next(status, "no", retry_after=30 if status == 429 else None)
    stt = transcriber(fake_stt)
    try:
        with pytest.raises(error) as raised:
            await stt.transcribe(VOICE_IDEA, "audio/ogg", "x.ogg", "en")
    finally:
        await stt.close()
    assert str(status) in str(raised.value)
    if status == 429:
        assert raised.value.retry_after == 30


async def test_a_file_it_cannot_read_is_rejected_for_good(fake_stt):
    stt = transcriber(fake_stt)
    try:
        with pytest.raises(RecordingRejected, match="Invalid file format"):
            await stt.transcribe(b"not audio at all", "audio/ogg", "x.ogg", "en")
    finally:
        await stt.close()


async def test_a_wrong_key_is_tried_again_later(fake_stt):
    stt = Transcriber(fake_stt.base_url, "wrong-key")
    try:
        with pytest.raises(TranscriptionUnavailable, match="401"):
            await stt.transcribe(VOICE_IDEA, "audio/ogg", "x.ogg", "en")
    finally:
        await stt.close()


async def test_a_slow_server_times_out(fake_stt):
    fake_stt.delay_next(2.0)
    stt = transcriber(fake_stt, timeout=0.3)
    try:
        with pytest.raises(TranscriptionUnavailable, match="TimeoutError"):
            await stt.transcribe(VOICE_IDEA, "audio/ogg", "x.ogg", "en")
    finally:
        await stt.close()


async def test_a_server_that_is_not_there():
    stt = Transcriber("http://127.0.0.1:9/v1")
    try:
        with pytest.raises(TranscriptionUnavailable):
            await stt.transcribe(VOICE_IDEA, "audio/ogg", "x.ogg", "en")
    finally:
        await stt.close()


def test_safety_reports_go_by_default_only_to_a_server_nearby():
    assert nearby("http://127.0.0.1:8080/v1") and nearby("http://localhost:8000/v1")
    assert nearby("http://10.0.0.5/v1") and nearby("http://192.168.1.20:9000/v1")
    assert not nearby("https://api.openai.com/v1") and not nearby("https://whisper.example.org/v1")
    assert build(None, None, None, sensitive=None) is None
    assert build("http://127.0.0.1:8080/v1", None, None, sensitive=None).sensitive
    assert not build("https://api.openai.com/v1", "k", None, sensitive=None).sensitive
    assert build("https://api.openai.com/v1", "k", None, sensitive=True).sensitive
    assert "sk-secret" not in repr(build("https://api.openai.com/v1", "sk-secret", None, sensitive=None))
