"""The "LLM app" of the quickstart: answers support questions from a small knowledge base.

No network and no model: answers are looked up, with a simulated model latency, so every run gives
the same results. Edit ``KNOWLEDGE`` (or ``STYLE``) and run the dry run again to see the comment change.
"""

from __future__ import annotations

import time
from typing import Any

SIMULATED_LATENCY_S = 0.02
STYLE = "concise"  # "concise" or "friendly": the friendly style adds a greeting (longer answers)

KNOWLEDGE = {
    "reset password": "Open Settings > Security and choose Reset password; a link is emailed to you.",
    "change email": "Open Settings > Account, edit Email, then confirm from the new address.",
    "delete account": "Open Settings > Account and choose Delete account; this cannot be undone.",
    "export data": "Open Settings > Privacy and choose Export; a zip arrives by email within an hour.",
    "invoice": "Invoices are under Billing > History; each one can be downloaded as a PDF.",
    "refund": "Refunds are possible within 30 days: open Billing > History and choose Request refund.",
    "upgrade plan": "Open Billing > Plan and choose Upgrade; the price difference is prorated.",
    "cancel subscription": "Open Billing > Plan and choose Cancel; access continues until the period ends.",
    "two-factor": "Open Settings > Security and turn on Two-factor authentication with an authenticator app.",
    "api key": "Open Settings > Developers and choose Create key; it is shown only once.",
    "rate limit": "The API allows 600 requests per minute per key; contact support for more.",
    "webhook": "Open Settings > Developers > Webhooks, add the URL and pick the events to send.",
    "invite teammate": "Open Team > Members and choose Invite; invitations expire after 7 days.",
    "remove teammate": "Open Team > Members, pick the member and choose Remove.",
    "sso": "SSO with SAML is on the Enterprise plan: open Team > Security > Single sign-on.",
    "dark mode": "Open Settings > Appearance and choose Dark.",
    "mobile app": "The mobile app is available for iOS and Android; sign in with the same account.",
    "status page": "Service status is at status.example.com, with incident history.",
}


# phrasings that name a topic without its words; checked first
ALIASES = {
    "money back": "refund",
    "single sign-on": "sso",
    "colleague": "invite teammate",
}


def _topic(question: str) -> str | None:
    text = question.lower()
    for phrase, topic in ALIASES.items():
        if phrase in text:
            return topic
    for topic in KNOWLEDGE:
        if all(word in text for word in topic.split()):
            return topic
    return None


def answer(datapoint: dict[str, Any]) -> dict[str, Any]:
    """The function the experiment runs once per datapoint (HoneyHive's convention: the whole record)."""
    time.sleep(SIMULATED_LATENCY_S)
    question = datapoint["inputs"]["question"]
    topic = _topic(question)
    reply = KNOWLEDGE[topic] if topic is not None else "Sorry, I don't know. A human agent will follow up."
    if STYLE == "friendly":
        reply = f"Happy to help! {reply}"
    return {"answer": reply, "topic": topic}
