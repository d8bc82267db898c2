"""Simulated SMS senders: Twilio and Vonage webhook calls from fictional numbers, signed
with the provider secrets the server holds (the environment's TWILIO_AUTH_TOKEN and
VONAGE_SIGNATURE_SECRET), as the providers sign them.

Numbers come from ranges reserved for fiction (France: 06 39 98 xx xx; UK: 07700 900xxx),
so a rehearsal never names a real phone. A sender stays under the per-phone SMS limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time

import aiohttp

from wall.rehearsal import http
from wall.rehearsal.corpus import Corpus
from wall.rehearsal.plan import Plan
from wall.rehearsal.tally import Post, Tally
from wall.sources.signatures import twilio_signature, vonage_signature

SERVER_TROUBLE = (500, 502, 503, 504)


def number(index: int) -> str:
    if index % 2 == 0:
        return f"+336399800{index // 2 % 100:02d}"
    return f"+447700900{index // 2 % 1000:03d}"


class SmsSender:
    def __init__(self, index: int, plan: Plan, corpus: Corpus, tally: Tally, t0: float,
                 session: aiohttp.ClientSession) -> None:
        self.index, self.plan, self.corpus, self.tally, self.t0 = index, plan, corpus, tally, t0
        self.session = session
        self.rng = random.Random(plan.seed * 7919 + 50_000 + index)
        self.phone = number(index)
        providers = [p for p, secret in (("twilio", plan.twilio_token),
                                         ("vonage", plan.vonage_secret)) if secret]
        self.provider = providers[index % len(providers)]

    async def run(self, stop: asyncio.Event) -> None:
        rate = self.plan.sms_per_minute / 60
        at = self.rng.uniform(0, self.plan.ramp) + self.rng.expovariate(rate)
        while at < self.plan.duration - 2:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), at - (time.monotonic() - self.t0))
            if stop.is_set():
                return
            await self.send()
            # At least 10 s apart: the server keeps 6 SMS a minute per phone.
            at += max(10.0, self.rng.expovariate(rate))

    async def send(self) -> None:
        message = self.corpus.pick(self.rng, long_ones=False)
        if self.provider == "twilio":
            sid = "SM" + secrets.token_hex(16)
            post = Post(key=f"twilio:{sid}", text=message.text, expect=message.expect, sms=True)
            path = f"/hooks/twilio/{self.plan.slug}"
            form = {"ToCountry": "FR", "SmsMessageSid": sid, "NumMedia": "0",
                    "From": self.phone, "To": "+33700000000", "Body": message.text,
                    "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC" + "0" * 32,
                    "ApiVersion": "2010-04-01"}
            signature = twilio_signature(self.plan.twilio_token, self.plan.signed_base + path,
                                         form.items())
            data, headers = form, {"X-Twilio-Signature": signature}
        else:
            message_id = secrets.token_hex(8)
            post = Post(key=f"vonage:{message_id}", text=message.text, expect=message.expect,
                        sms=True)
            path = f"/hooks/vonage/{self.plan.slug}"
            params = {"msisdn": self.phone.lstrip("+"), "to": "33700000000",
                      "messageId": message_id, "text": message.text, "type": "unicode",
                      "keyword": message.text.split(" ")[0].upper(),
                      "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                      "timestamp": str(int(time.time())), "nonce": secrets.token_hex(8)}
            params["sig"] = vonage_signature(self.plan.vonage_secret, params)
            data, headers = params, {}
        self.tally.posts.append(post)
        self.tally.sms_sent += 1
        post.sent_at = time.monotonic()
        try:
            async with self.session.post(self.plan.base + path, data=data,
                                         headers=headers) as res:
                status, body = res.status, await res.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.tally.error(f"POST /hooks/{self.provider} {type(exc).__name__}")
            post.refused = type(exc).__name__
            return
        if status in (200, 204):
            self.tally.sms_answered += 1
            post.status = "answered"
            if "<Message>" in body:
                self.tally.sms_replies += 1
            return
        post.refused = str(status)
        if status in SERVER_TROUBLE or status >= 500:
            self.tally.error(f"POST /hooks/{self.provider} {status}")


def sms_session(plan: Plan) -> aiohttp.ClientSession:
    """The providers call from their own addresses: one session for all senders."""
    return http.session(plan.base, None)
