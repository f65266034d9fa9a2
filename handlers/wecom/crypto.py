"""Sign, verify, encrypt and decrypt WeCom callbacks (the scheme of WeCom doc 91144)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# WeCom pads to 32 bytes although AES blocks are 16; a sender that pads to 16 is not WeCom.
_PAD_BLOCK = 32
_RANDOM_LEN = 16
_LENGTH = struct.Struct(">I")


class BadKeyError(ValueError):
    """The EncodingAESKey is not 43 base64 characters naming a 32-byte key (a config error)."""


class CallbackError(Exception):
    """A callback is refused; callers answer it without touching what it carries."""


class BadSignatureError(CallbackError):
    """msg_signature does not match the token, timestamp, nonce and ciphertext."""


class BadPaddingError(CallbackError):
    """The decrypted text does not end in strict PKCS#7 padding to 32 bytes."""


class MalformedCipherError(CallbackError):
    """The ciphertext is not base64 of whole blocks, or its length field lies."""


class WrongReceiverError(CallbackError):
    """The message was encrypted for another corp (its receive id is not ours)."""


@dataclass(frozen=True)
class Sealed:
    """An encrypted message with everything a receiver needs to verify it."""

    encrypt: str
    msg_signature: str
    timestamp: str
    nonce: str


def aes_key(encoding_aes_key: str) -> bytes:
    """Return the 32-byte AES key an EncodingAESKey stands for, or raise BadKeyError."""
    if len(encoding_aes_key) != 43:
        raise BadKeyError(f"EncodingAESKey must be 43 characters, not {len(encoding_aes_key)}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadKeyError("EncodingAESKey is not base64 (A-Z, a-z, 0-9, + and /)") from error
    if len(key) != 32:  # pragma: no cover - 43 valid base64 characters always give 32 bytes
        raise BadKeyError("EncodingAESKey does not decode to 32 bytes")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """Return the msg_signature WeCom computes over these four strings."""
    joined = "".join(sorted((token, timestamp, nonce, encrypt)))
    return hashlib.sha1(joined.encode()).hexdigest()


class CallbackCrypto:
    """Hold one app's callback Token, key and CorpID, and open or seal its messages."""

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        receive_id: str,
        *,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key)
        self._receive_id = receive_id.encode()
        self._random_bytes = random_bytes

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise BadSignatureError unless msg_signature signs these values."""
        expected = signature(self._token, timestamp, nonce, encrypt)
        # Constant time, so a forger learns nothing from how long a refusal takes.
        if not hmac.compare_digest(expected.encode(), msg_signature.encode()):
            raise BadSignatureError("msg_signature does not match")

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Check a URL-verification GET and return the echostr plaintext to answer with."""
        try:
            return self.open(msg_signature, timestamp, nonce, echostr).decode()
        except UnicodeDecodeError as error:
            raise MalformedCipherError("echostr is not UTF-8 text") from error

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> bytes:
        """Verify the signature, then decrypt and return the message bytes."""
        self.verify(msg_signature, timestamp, nonce, encrypt)
        return self._decrypt(encrypt)

    def seal(self, message: bytes, timestamp: str, nonce: str) -> Sealed:
        """Encrypt a message for this corp and sign it."""
        encrypt = self._encrypt(message)
        return Sealed(encrypt, signature(self._token, timestamp, nonce, encrypt), timestamp, nonce)

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def _encrypt(self, message: bytes) -> str:
        plain = (
            self._random_bytes(_RANDOM_LEN)
            + _LENGTH.pack(len(message))
            + message
            + self._receive_id
        )
        pad = _PAD_BLOCK - len(plain) % _PAD_BLOCK
        encryptor = self._cipher().encryptor()
        cipher = encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(cipher).decode()

    def _decrypt(self, encrypt: str) -> bytes:
        try:
            cipher = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedCipherError("ciphertext is not base64") from error
        if not cipher or len(cipher) % _PAD_BLOCK:
            raise MalformedCipherError("ciphertext is not a whole number of 32-byte blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(cipher) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise BadPaddingError("padding is not PKCS#7 to 32 bytes")
        body = plain[_RANDOM_LEN:-pad]
        if len(body) < _LENGTH.size:
            raise MalformedCipherError("plaintext too short for its length field")
        (length,) = _LENGTH.unpack_from(body)
        if _LENGTH.size + length > len(body):
            raise MalformedCipherError("length field runs past the plaintext")
        message = body[_LENGTH.size : _LENGTH.size + length]
        if not hmac.compare_digest(body[_LENGTH.size + length :], self._receive_id):
            raise WrongReceiverError("the message is for another corp")
        return message
