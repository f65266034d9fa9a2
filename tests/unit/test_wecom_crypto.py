"""WeCom callback crypto against WeCom's published sample vectors, and against tampering."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from handlers.wecom.crypto import (
    BadKeyError,
    BadPaddingError,
    BadSignatureError,
    CallbackCrypto,
    CallbackError,
    MalformedCipherError,
    WrongReceiverError,
    aes_key,
    signature,
)

# WeCom's sample values, as reproduced in wechatpy/wechatpy:tests/test_crypto.py.
TOKEN = "123456"
KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
CORP = "wx49f0ab532d5d035a"

URL_SIGNATURE = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
URL_TIMESTAMP = "1411443780"
URL_NONCE = "437374425"
ECHOSTR = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="

POST_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
POST_TIMESTAMP = "1411525903"
POST_NONCE = "461056294"
POST_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTy"
    "eDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYy"
    "olBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWO"
    "MZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7ml"
    "sl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)

REPLY = (
    "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
    "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n"
    "<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n"
    "<CreateTime>1411525903</CreateTime>\n</xml>"
)
REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGs"
    "L8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSj"
    "PUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJv"
    "FurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFY"
    "FMNMpatF9XiKzHo3"
)
REPLY_SIGNATURE = "407518b7649e86ef23978113f92d27afa9296533"


def crypto(corp: str = CORP) -> CallbackCrypto:
    return CallbackCrypto(TOKEN, KEY, corp)


def raw_encrypt(plain: bytes) -> str:
    """Encrypt bytes exactly as given, so a test can build a malformed plaintext."""
    key = aes_key(KEY)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def signed(encrypt: str) -> tuple[str, str, str, str]:
    return (
        signature(TOKEN, POST_TIMESTAMP, POST_NONCE, encrypt),
        POST_TIMESTAMP,
        POST_NONCE,
        encrypt,
    )


def test_url_check_vector_returns_the_echostr_plaintext():
    assert crypto().verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, ECHOSTR) == (
        "5927782489442352469"
    )


def test_url_check_with_another_nonce_is_refused():
    with pytest.raises(BadSignatureError):
        crypto().verify_url(URL_SIGNATURE, URL_TIMESTAMP, "437374424", ECHOSTR)


def test_post_vector_decrypts_to_the_sample_message():
    message = crypto().open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    assert message.startswith(b"<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]>")
    assert b"<Content><![CDATA[test]]></Content>" in message
    assert b"<FromUserName><![CDATA[messense]]></FromUserName>" in message


def test_seal_with_the_sample_random_gives_the_sample_reply():
    sample = CallbackCrypto(TOKEN, KEY, CORP, random_bytes=lambda n: b"1234567890123456"[:n])
    sealed = sample.seal(REPLY.encode(), POST_TIMESTAMP, POST_NONCE)
    assert sealed.encrypt == REPLY_ENCRYPT
    assert sealed.msg_signature == REPLY_SIGNATURE
    assert (sealed.timestamp, sealed.nonce) == (POST_TIMESTAMP, POST_NONCE)


@pytest.mark.parametrize("size", [0, 1, 11, 12, 13, 44, 2048])
def test_seal_then_open_round_trips_every_padding_length(size):
    message = ("问" * size).encode()[:size]
    sealed = crypto().seal(message, "1700000000", "42")
    assert len(base64.b64decode(sealed.encrypt)) % 32 == 0
    assert (
        crypto().open(sealed.msg_signature, sealed.timestamp, sealed.nonce, sealed.encrypt)
        == message
    )


def test_a_flipped_ciphertext_byte_is_refused():
    raw = bytearray(base64.b64decode(POST_ENCRYPT))
    raw[40] ^= 0x01
    tampered = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(BadSignatureError):
        crypto().open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, tampered)


def test_a_flipped_signature_character_is_refused():
    forged = ("0" if POST_SIGNATURE[0] != "0" else "1") + POST_SIGNATURE[1:]
    with pytest.raises(BadSignatureError):
        crypto().open(forged, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)


def test_a_signature_made_without_the_token_is_refused():
    forged = signature("guessed", POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    with pytest.raises(BadSignatureError):
        crypto().open(forged, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)


def test_a_replayed_signature_over_other_content_is_refused():
    other = crypto().seal(b"<xml>another</xml>", POST_TIMESTAMP, POST_NONCE)
    with pytest.raises(BadSignatureError):
        crypto().open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, other.encrypt)
    with pytest.raises(BadSignatureError):
        crypto().open(POST_SIGNATURE, "1411525904", POST_NONCE, POST_ENCRYPT)


def test_a_message_for_another_corp_is_refused():
    sealed = CallbackCrypto(TOKEN, KEY, "ww_other_corp").seal(b"<xml/>", "1", "2")
    with pytest.raises(WrongReceiverError):
        crypto().open(sealed.msg_signature, sealed.timestamp, sealed.nonce, sealed.encrypt)


def test_the_sample_vector_is_refused_by_another_corp():
    with pytest.raises(WrongReceiverError):
        crypto("wx49f0ab532d5d035b").open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)


def body(message: bytes, corp: bytes = CORP.encode()) -> bytes:
    return b"R" * 16 + len(message).to_bytes(4, "big") + message + corp


@pytest.mark.parametrize(
    "plain",
    [
        pytest.param(body(b"<xml/>") + b"\x00" * 20, id="zero pad byte"),
        pytest.param(body(b"<xml/>") + bytes([33]) * 20, id="pad longer than 32"),
        pytest.param(body(b"<xml/>") + b"\x13" + b"\x14" * 19, id="uneven pad"),
        pytest.param(body(b"<xml/>") + b"\x04" * 4, id="pad to 16 only"),
    ],
)
def test_bad_padding_is_refused(plain):
    assert len(plain) % 16 == 0
    encrypt = raw_encrypt(plain)
    with pytest.raises((BadPaddingError, MalformedCipherError)) as refused:
        crypto().open(*signed(encrypt))
    assert isinstance(refused.value, CallbackError)


def test_strict_padding_is_checked_as_padding():
    encrypt = raw_encrypt(body(b"<xml/>") + b"\x13" + b"\x14" * 19)
    with pytest.raises(BadPaddingError):
        crypto().open(*signed(encrypt))


def test_a_length_field_running_past_the_end_is_refused():
    plain = b"R" * 16 + (10_000).to_bytes(4, "big") + b"<xml/>" + CORP.encode()
    pad = 32 - len(plain) % 32
    with pytest.raises(MalformedCipherError):
        crypto().open(*signed(raw_encrypt(plain + bytes([pad]) * pad)))


@pytest.mark.parametrize("encrypt", ["not base64!", "", base64.b64encode(b"x" * 16).decode()])
def test_a_ciphertext_that_is_not_whole_blocks_is_refused(encrypt):
    with pytest.raises(MalformedCipherError):
        crypto().open(*signed(encrypt))


@pytest.mark.parametrize("key", ["", KEY[:-1], KEY + "A", KEY[:-1] + "*"])
def test_a_bad_encoding_aes_key_is_a_config_error(key):
    with pytest.raises(BadKeyError):
        CallbackCrypto(TOKEN, key, CORP)


def test_refusals_do_not_carry_the_message():
    sealed = CallbackCrypto(TOKEN, KEY, "ww_other_corp").seal(b"secret complaint", "1", "2")
    with pytest.raises(CallbackError) as refused:
        crypto().open(sealed.msg_signature, sealed.timestamp, sealed.nonce, sealed.encrypt)
    assert "secret" not in str(refused.value)
