"""The rehearsal's report: figures, the losses named, and the verdict (the exit status).

Printed in French or English (`locale/*/LC_MESSAGES/rehearse.po`), and written as JSON with
`--json FILE` for scripts and tests. The run failed when the server erred, lost a tap or a
post, stored an approved post that never reached the wall, let an insult of the corpus
through its word list, or could not be read back.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wall.i18n import gettext
from wall.rehearsal.tally import Tally
from wall.rehearsal.verify import Verdict


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class Report:
    slug: str
    rehearsal: str
    against: str
    phones: int
    nat: bool
    duration: float
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> str:
        return json.dumps({"event": self.slug, "rehearsal": self.rehearsal,
                           "against": self.against, "phones": self.phones, "nat": self.nat,
                           "duration": self.duration, **self.data,
                           "problems": [f"{what}: {details}" for what, details in self.problems],
                           "ok": self.ok}, ensure_ascii=False, indent=2)


def build(report: Report, tally: Tally, verdict: Verdict, blocklist_on: bool,
          client_cpu: float) -> Report:
    """Fill `report` from what the room counted and what the server holds."""
    web = [p for p in tally.posts if not p.sms]
    sms = [p for p in tally.posts if p.sms]
    stored_states = Counter(s.state for s in verdict.stored.values())
    caught_by_words = sum(1 for s in verdict.stored.values() if s.caught_by_words)
    insults = [p for p in tally.posts if p.expect == "blocked" and p.key in verdict.stored]
    missed = [p for p in insults if not verdict.stored[p.key].caught_by_words]
    lost_taps = verdict.lost_taps(tally.taps_sent)
    lost_posts = verdict.lost_posts(tally) if verdict.store_read else [
        p for p in tally.posts if p.status]
    approved = {s.id: p for p in tally.posts if (s := verdict.stored.get(p.key))
                and s.state in ("approved", "retracted")}
    not_shown = [p for item_id, p in approved.items() if item_id not in tally.on_wall_at]
    at_once: list[float] = []
    moderated: list[float] = []
    decision_to_wall: list[float] = []
    for item_id, post in approved.items():
        shown = tally.on_wall_at.get(item_id)
        if shown is None or not post.sent_at:
            continue
        if item_id in tally.approved_at:
            moderated.append((shown - post.sent_at) * 1000)
            decision_to_wall.append((shown - tally.approved_at[item_id]) * 1000)
        else:
            at_once.append((shown - post.sent_at) * 1000)
    report.data = {
        "phones_connected": tally.phones_connected, "pages_opened": tally.pages,
        "sockets_refused": dict(tally.sockets_refused),
        "sockets_dropped": dict(tally.sockets_dropped), "reconnects": tally.reconnects,
        "taps_sent": dict(tally.taps_sent), "taps_sent_total": tally.taps,
        "taps_counted": verdict.taps_counted,
        "taps_counted_total": sum((verdict.taps_counted or {}).values())
        if verdict.taps_counted is not None else None,
        "taps_refused_by_limits": tally.taps_refused,
        "posts_sent": len(web),
        "posts_accepted": {"approved": sum(p.status == "approved" for p in web),
                           "pending": sum(p.status == "pending" for p in web)},
        "posts_refused": dict(Counter(p.refused for p in web if p.refused)),
        "sms_sent": len(sms), "sms_answered": tally.sms_answered,
        "sms_replies": tally.sms_replies,
        "sms_refused": dict(Counter(p.refused for p in sms if p.refused)),
        "stored": dict(stored_states), "caught_by_word_list": caught_by_words,
        "word_list": {"insults": len(insults), "held": len(insults) - len(missed),
                      "missed": [p.text for p in missed]},
        "approved_on_wall": verdict.approved_on_wall,
        "moderator_approvals": tally.approvals,
        "moderator_rejections": tally.rejections,
        "moderator_conflicts": tally.approval_conflicts,
        "latency_ms": {"approved_at_once": _stats(at_once),
                       "approved_by_moderator": _stats(moderated),
                       "decision_to_wall": _stats(decision_to_wall)},
        "server_errors": dict(tally.server_errors),
        "server_errors_total": sum(tally.server_errors.values()),
        "lost_taps": lost_taps,
        "lost_posts": [{"key": p.key, "id": p.id, "text": p.text[:60]} for p in lost_posts],
        "approved_not_on_wall": [{"key": p.key, "id": p.id, "text": p.text[:60]}
                                 for p in not_shown],
        "unreadable": verdict.unreadable,
        "client_cpu_percent": round(client_cpu, 1),
    }
    report.problems = _problems(report.data, blocklist_on)
    return report


def _stats(values: list[float]) -> dict[str, float | int | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {"count": len(values), "p50": r(percentile(values, 50)),
            "p99": r(percentile(values, 99)), "max": r(max(values) if values else None)}


def _problems(d: dict[str, Any], blocklist_on: bool) -> list[tuple[str, str]]:
    """(what went wrong, the details naming it): English labels, translated when shown."""
    out = []
    if d["server_errors_total"]:
        out.append(("server errors", f"{d['server_errors_total']} (" + ", ".join(
            f"{k} ×{n}" for k, n in d["server_errors"].items()) + ")"))
    if d["lost_taps"]:
        out.append(("lost taps", ", ".join(f"{k} {n}" for k, n in d["lost_taps"].items())))
    if d["lost_posts"]:
        out.append(("lost posts", f"{len(d['lost_posts'])}: " + "; ".join(
            f"{p['id'] or p['key']} «{p['text']}»" for p in d["lost_posts"][:10])
            + (" …" if len(d["lost_posts"]) > 10 else "")))
    if d["approved_not_on_wall"]:
        out.append(("approved but never on the wall", f"{len(d['approved_not_on_wall'])}: "
                    + "; ".join(p["id"] for p in d["approved_not_on_wall"][:10])))
    if blocklist_on and d["word_list"]["missed"]:
        out.append(("insults the word list let through",
                    "; ".join(f"«{t}»" for t in d["word_list"]["missed"])))
    out.extend(("could not read back", why) for why in d["unreadable"])
    return out


def render(report: Report, lang: str) -> str:
    """The report as a person reads it, in `lang`."""
    def t(message: str) -> str:
        return gettext(lang, message)

    d = report.data
    lines = [t("Rehearsal of %(slug)s (played in %(copy)s) against %(url)s") % {
        "slug": report.slug, "copy": report.rehearsal, "url": report.against},
        t("%(phones)d phones, %(seconds)d s, %(where)s") % {
            "phones": report.phones, "seconds": round(report.duration),
            "where": t("all behind one address (NAT)") if report.nat
            else t("one source address each")}, ""]

    def row(label: str, value: object) -> None:
        lines.append(f"  {t(label):<34} {value}")

    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in values.items()) or "0"

    lines.append(t("Phones"))
    row("phones connected", f"{d['phones_connected']}/{report.phones}")
    row("pages opened", d["pages_opened"])
    row("sockets refused", counts(d["sockets_refused"]))
    row("sockets dropped", counts(d["sockets_dropped"]))
    row("reconnections", d["reconnects"])
    lines.append(t("Reactions"))
    row("taps sent", f"{d['taps_sent_total']} ({counts(d['taps_sent'])})")
    counted = d["taps_counted_total"]
    row("taps counted by the server", "?" if counted is None else
        f"{counted} ({counts(d['taps_counted'] or {})})")
    row("taps refused (limits)", d["taps_refused_by_limits"])
    lines.append(t("Posts"))
    row("sent from phones", d["posts_sent"])
    row("accepted, on the wall at once", d["posts_accepted"]["approved"])
    row("accepted, held for moderation", d["posts_accepted"]["pending"])
    row("refused (by reason)", counts(d["posts_refused"]))
    row("SMS sent / answered", f"{d['sms_sent']} / {d['sms_answered']}"
        f" ({t('replies')}: {d['sms_replies']})")
    row("stored now", counts(d["stored"]))
    row("held or rejected by the word list", d["caught_by_word_list"])
    words = d["word_list"]
    row("insults held by the word list", f"{words['held']}/{words['insults']}")
    row("approved / rejected by the moderator",
        f"{d['moderator_approvals']} / {d['moderator_rejections']}"
        f" ({t('conflicts')}: {d['moderator_conflicts']})")
    lines.append(t("Post → wall latency (approved items)"))
    for key, label in (("approved_at_once", "approved at once"),
                       ("approved_by_moderator", "approved by the moderator"),
                       ("decision_to_wall", "from the moderator's decision")):
        s = d["latency_ms"][key]
        row(label, "—" if not s["count"] else
            f"p50 {s['p50']} ms, p99 {s['p99']} ms, max {s['max']} ms (n={s['count']})")
    lines.append(t("Server"))
    row("server errors", f"{d['server_errors_total']}"
        + (f" ({counts(d['server_errors'])})" if d["server_errors"] else ""))
    row("rehearsal's own CPU", f"{d['client_cpu_percent']} %")
    lines.append("")
    if report.ok:
        lines.append(t("OK: every tap counted, every post accounted for, no server error."))
    else:
        lines.append(t("FAILED:"))
        lines.extend(f"  - {t(what)}: {details}" for what, details in report.problems)
    return "\n".join(lines)
