"""Callback XML: the envelope, each modelled message shape, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from defusedxml import ElementTree

from handlers.wecom.crypto import BadSignatureError, CallbackCrypto
from handlers.wecom.xmlmsg import (
    AppImage,
    AppLocation,
    AppText,
    AppVideo,
    AppVoice,
    CardPress,
    CardSelection,
    KfNotice,
    UnknownShapeError,
    XmlParseError,
    open_callback,
    parse_envelope,
    parse_message,
    passive_reply,
)

KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
CORP = "ww0123456789abcdef"


def app(kind: str, extra: str, msg_id: str = "7001") -> str:
    return (
        "<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName>"
        "<FromUserName><![CDATA[LiJingLi]]></FromUserName>"
        f"<CreateTime>1764990000</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"{extra}<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


AT = datetime.fromtimestamp(1764990000, UTC)


def test_envelope_gives_the_ciphertext_and_agent():
    envelope = parse_envelope(
        b"<xml><ToUserName><![CDATA[ww0123]]></ToUserName>"
        b"<Encrypt><![CDATA[abc==]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    assert (envelope.to_user_name, envelope.encrypt, envelope.agent_id) == (
        "ww0123",
        "abc==",
        "1000002",
    )


def test_envelope_without_agent_is_read_as_none():
    envelope = parse_envelope("<xml><ToUserName>ww</ToUserName><Encrypt>abc</Encrypt></xml>")
    assert envelope.agent_id is None


@pytest.mark.parametrize(
    "body",
    [
        "<xml><ToUserName>ww</ToUserName></xml>",
        "<xml><ToUserName>ww</ToUserName><Encrypt></Encrypt></xml>",
        "<envelope><Encrypt>abc</Encrypt></envelope>",
        "<xml><Encrypt>abc",
        "",
    ],
)
def test_envelope_without_a_ciphertext_is_refused(body):
    with pytest.raises(XmlParseError):
        parse_envelope(body)


def test_text_message():
    message = parse_message(app("text", "<Content><![CDATA[#12 明早到货]]></Content>"))
    assert message == AppText(
        msg_id="7001",
        from_user="LiJingLi",
        to_user="ww0123456789abcdef",
        created=AT,
        agent_id=1000002,
        content="#12 明早到货",
    )


def test_text_content_keeps_its_spaces_and_lines():
    message = parse_message(app("text", "<Content><![CDATA[  #12\n 两箱 ]]></Content>"))
    assert isinstance(message, AppText)
    assert message.content == "  #12\n 两箱 "


def test_image_voice_video_and_location():
    image = parse_message(app("image", "<PicUrl>http://p/1</PicUrl><MediaId>m1</MediaId>"))
    voice = parse_message(app("voice", "<MediaId>m2</MediaId><Format>amr</Format>"))
    video = parse_message(app("video", "<MediaId>m3</MediaId><ThumbMediaId>t3</ThumbMediaId>"))
    location = parse_message(
        app(
            "location",
            "<Location_X>31.23</Location_X><Location_Y>121.47</Location_Y>"
            "<Scale>15</Scale><Label><![CDATA[上海]]></Label>",
        )
    )
    assert isinstance(image, AppImage)
    assert (image.pic_url, image.media_id) == ("http://p/1", "m1")
    assert isinstance(voice, AppVoice)
    assert (voice.media_id, voice.format) == ("m2", "amr")
    assert isinstance(video, AppVideo)
    assert video.thumb_media_id == "t3"
    assert isinstance(location, AppLocation)
    assert (location.latitude, location.longitude, location.scale, location.label) == (
        31.23,
        121.47,
        15,
        "上海",
    )


def test_kf_event_has_token_and_account_but_no_msg_id():
    notice = parse_message(
        "<xml><ToUserName><![CDATA[ww0123]]></ToUserName><CreateTime>1764990000</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        "<Token><![CDATA[ENCApHxn]]></Token><OpenKfId><![CDATA[wkAbCdEf]]></OpenKfId></xml>"
    )
    assert notice == KfNotice(to_user="ww0123", created=AT, token="ENCApHxn", open_kfid="wkAbCdEf")


def test_template_card_press_with_selections():
    press = parse_message(
        "<xml><ToUserName>ww0123</ToUserName><FromUserName>LiJingLi</FromUserName>"
        "<CreateTime>1764990000</CreateTime><MsgType>event</MsgType>"
        "<Event>template_card_event</Event><EventKey>on_it:12</EventKey><TaskId>t-12</TaskId>"
        "<CardType>button_interaction</CardType><ResponseCode>rc1</ResponseCode>"
        "<SelectedItems><SelectedItem><QuestionKey>eta</QuestionKey>"
        "<OptionIds><OptionId>30m</OptionId><OptionId>1h</OptionId></OptionIds>"
        "</SelectedItem></SelectedItems><AgentID>1000002</AgentID></xml>"
    )
    assert isinstance(press, CardPress)
    assert (press.from_user, press.event_key, press.task_id, press.response_code) == (
        "LiJingLi",
        "on_it:12",
        "t-12",
        "rc1",
    )
    assert press.selections == (CardSelection("eta", ("30m", "1h")),)


@pytest.mark.parametrize(
    ("xml", "why"),
    [
        (app("file", "<MediaId>m</MediaId>"), "MsgType 'file'"),
        (app("event", "<Event>enter_agent</Event>"), "event 'enter_agent'"),
    ],
)
def test_unknown_shapes_are_a_clear_error(xml, why):
    with pytest.raises(UnknownShapeError, match=why):
        parse_message(xml)


@pytest.mark.parametrize(
    "xml",
    [
        app("text", ""),  # no Content
        app("location", "<Location_X>north</Location_X><Location_Y>1</Location_Y>"),
        app("text", "<Content>x</Content>").replace("<AgentID>1000002", "<AgentID>app"),
        app("text", "<Content>x</Content>").replace("1764990000", "99999999999999999999"),
        "<xml><MsgType>text</MsgType>",
        "<message/>",
    ],
)
def test_malformed_messages_are_a_parse_error_not_a_crash(xml):
    with pytest.raises(XmlParseError):
        parse_message(xml)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    "<xml><MsgType>text</MsgType><Content>&b;</Content></xml>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<xml><Encrypt>&x;</Encrypt></xml>"
)


@pytest.mark.parametrize(
    "xml", [BILLION_LAUGHS, EXTERNAL, "<!DOCTYPE xml><xml><Encrypt>a</Encrypt></xml>"]
)
def test_entities_and_doctypes_are_refused(xml):
    with pytest.raises(XmlParseError):
        parse_message(xml)
    with pytest.raises(XmlParseError):
        parse_envelope(xml)


def test_open_callback_checks_the_signature_before_parsing():
    crypto = CallbackCrypto("tok", KEY, CORP)
    inner = app("text", "<Content>hello</Content>").encode()
    sealed = crypto.seal(inner, "1764990000", "n1")
    body = f"<xml><ToUserName>{CORP}</ToUserName><Encrypt>{sealed.encrypt}</Encrypt></xml>"
    message = open_callback(crypto, body, sealed.msg_signature, "1764990000", "n1")
    assert isinstance(message, AppText)
    assert message.content == "hello"

    garbage = crypto.seal(BILLION_LAUGHS.encode(), "1764990000", "n1")
    body = f"<xml><ToUserName>{CORP}</ToUserName><Encrypt>{garbage.encrypt}</Encrypt></xml>"
    with pytest.raises(BadSignatureError):
        open_callback(crypto, body, sealed.msg_signature, "1764990000", "n1")


def test_a_passive_reply_carries_the_sealed_fields():
    crypto = CallbackCrypto("tok", KEY, CORP)
    sealed = crypto.seal(b"<xml><MsgType>text</MsgType></xml>", "1764990000", "n2")
    root = ElementTree.fromstring(passive_reply(sealed))
    assert [child.tag for child in root] == ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]
    fields = {child.tag: child.text for child in root}
    opened = crypto.open(
        fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
    )
    assert opened == b"<xml><MsgType>text</MsgType></xml>"
